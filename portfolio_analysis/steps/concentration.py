"""Step 5 — where the profit comes from and how concentrated the billing is.

**Profit** (:func:`client_profit`) comes from the register's real figures where
they exist and is estimated otherwise, in this order of precedence:

1. ``profit`` (an amount, may be negative) — real;
2. ``margin_pct / 100 × billing`` — real (a margin rate given instead of an amount);
3. ``billing × margin_by_level[profitability]`` — **estimated** from the qualitative
   level and the configured margin per level (``settings.concentration.margin_by_level``,
   fractions of billing), flagged ``profit_is_estimated``.

A client with none of these has a missing profit: it is left out of the whale
curve and counted (:attr:`WhaleCurve.n_excluded`).

**The whale curve** (:func:`whale_curve`) ranks clients by profit, most
profitable first, and gives the cumulative profit as % of the total against the
cumulative % of clients. It climbs above 100 % while clients are profitable,
peaks after the last profitable one (so the peak is always the profit of the
profitable clients over the total profit) and falls back to exactly 100 % as the
loss-making tail gives part of it away. Hence ``peak_pct = 100 + loss_tail_cost_pct``.

**Billing concentration**: :func:`lorenz_curve` (read from the largest client,
as a Pareto curve), :func:`gini`, :func:`hhi` with :func:`equivalent_number`,
:func:`top_shares`, :func:`abc_classes` and :func:`major_customers`;
:func:`concentration_summary` gathers them.

The settings of this step live in the catalogue's ``settings.concentration``
block (their defaults in ``criteria.yaml``; :func:`concentration_settings` reads them). The curves
are drawn by :mod:`portfolio_analysis.plots.concentration`.

>>> frame = pd.DataFrame({"client_id": ["a", "b", "c"], "profit": [300.0, 0.0, -100.0]})
>>> w = whale_curve(frame)
>>> round(w.peak_pct), round(w.loss_tail_cost_pct), w.n_loss_making
(150, 50, 1)
>>> gini([1, 0, 0, 0]), hhi([50] + [5] * 10)
(0.75, 2750.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, ConfigError, load_catalogue

__all__ = [
    "NoProfitError",
    "WhaleCurve",
    "concentration_settings",
    "client_profit",
    "whale_curve",
    "lorenz_curve",
    "gini",
    "hhi",
    "equivalent_number",
    "top_shares",
    "abc_classes",
    "major_customers",
    "concentration_summary",
]

_TOL = 1e-9  # % points: 40 + 40 must land on 80, not 79.999…


class NoProfitError(ValueError):
    """The portfolio makes no profit (total ≤ 0): a whale curve in % of it means nothing."""


# -- settings -------------------------------------------------------------------
def _check_cutoffs(cutoffs: Any, where: str = "abc_cutoffs") -> tuple[float, float]:
    ok = isinstance(cutoffs, (list, tuple)) and len(cutoffs) == 2
    ok = ok and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cutoffs)
    if not ok or not 0 < cutoffs[0] < cutoffs[1] <= 100:
        raise ConfigError(f"{where}: {cutoffs!r} is not two cut-offs 0 < A < B <= 100 (% of billing)")
    return float(cutoffs[0]), float(cutoffs[1])


def concentration_settings(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The ``settings.concentration`` block in force (checked when the catalogue was loaded).

    Keys: ``abc_cutoffs`` (cumulative % of billing closing classes A and B, as a tuple),
    ``major_customer_pct``, ``margin_by_level`` (profitability level → margin as a
    fraction of billing) and ``top_n``.

    >>> concentration_settings()["abc_cutoffs"]
    (80.0, 95.0)
    """
    cat = load_catalogue() if catalogue is None else catalogue
    return cat.config.settings.concentration.model_dump()


# -- profit ---------------------------------------------------------------------
def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def client_profit(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    margin_by_level: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Each client's annual profit: real where the register has it, estimated otherwise.

    Parameters
    ----------
    clients : DataFrame
        The loaded register (``client_id``, ``billing``, and any of ``profit``,
        ``margin_pct``, ``profitability``).
    catalogue : Catalogue, optional
        Where ``settings.concentration.margin_by_level`` is read (the shipped one by default).
    margin_by_level : mapping, optional
        Overrides the configured margins: profitability level → fraction of billing.

    Returns
    -------
    DataFrame
        ``client_id``, ``profit`` (NaN when nothing allows it), ``profit_is_estimated``
        (True for the level-based estimate only) and ``profit_source``
        (``profit``, ``invoices`` -- the lines' cost or margin --, ``margin_pct``, ``profitability``
        or NA), in register order.

    >>> reg = pd.DataFrame({"client_id": ["a", "b", "c", "d"], "billing": [100.0, 200.0, 300.0, np.nan],
    ...                     "profit": [-5.0, np.nan, np.nan, np.nan], "margin_pct": [np.nan, 15.0, np.nan, np.nan],
    ...                     "profitability": ["high", "low", "moderate", "high"]})
    >>> client_profit(reg)[["profit", "profit_is_estimated"]].values.tolist()
    [[-5.0, False], [30.0, False], [30.0, True], [nan, False]]
    """
    if margin_by_level is None:
        margin_by_level = concentration_settings(catalogue)["margin_by_level"]
    billing = _num(clients, "billing")
    real = _num(clients, "profit")
    from_margin = _num(clients, "margin_pct") / 100 * billing
    if "profitability" in clients.columns:
        level = clients["profitability"].astype("string")
        rate = level.map(dict(margin_by_level)).astype("float64")
    else:
        rate = pd.Series(np.nan, index=clients.index)
    from_level = rate * billing

    has_real, has_margin, has_level = real.notna(), from_margin.notna(), from_level.notna()
    profit = real.fillna(from_margin).fillna(from_level)
    estimated = ~has_real & ~has_margin & has_level
    source = np.select(
        [has_real, has_margin, has_level], ["profit", "margin_pct", "profitability"], default=""
    )
    if "profit_from_invoices" in clients.columns:  # filled by load.billing.fill_register from the lines' cost
        from_lines = clients["profit_from_invoices"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        source = np.where(from_lines & has_real.to_numpy(), "invoices", source)
    return pd.DataFrame(
        {
            "client_id": clients["client_id"].astype("str").to_numpy(),
            "profit": profit.to_numpy(dtype="float64"),
            "profit_is_estimated": estimated.to_numpy(dtype=bool),
            "profit_source": pd.Series(np.where(source == "", None, source), dtype="str"),
        }
    )


# -- whale curve ----------------------------------------------------------------
@dataclass(frozen=True)
class WhaleCurve:
    """The whale curve and its figures (all percentages in %, 0–100+).

    Attributes
    ----------
    curve : DataFrame
        One row per client with a profit, most profitable first: ``rank``, ``client_id``,
        ``profit``, ``profit_is_estimated``, ``cum_profit``, ``cum_profit_pct`` (cumulative
        profit as % of the total) and ``cum_clients_pct`` (cumulative % of clients).
    peak_pct : float
        The highest point of the curve: the profit of the profitable clients as % of the total.
    clients_at_peak_pct : float
        The % of clients (the most profitable ones) that make the peak.
    n_clients, n_profitable, n_loss_making : int
        Clients on the curve, those with a profit > 0, those with a profit < 0.
    loss_tail_cost_pct : float
        What the loss-making clients cost, as a positive % of the total profit
        (``peak_pct - 100``).
    total_profit : float
        The portfolio's total profit (> 0).
    profit_is_estimated : bool
        True when any profit on the curve is an estimate from a profitability level.
    n_estimated : int
        Clients whose profit is an estimate.
    n_excluded : int
        Clients left out because they have no profit figure at all.
    """

    curve: pd.DataFrame
    peak_pct: float
    clients_at_peak_pct: float
    n_clients: int
    n_profitable: int
    n_loss_making: int
    loss_tail_cost_pct: float
    total_profit: float
    profit_is_estimated: bool
    n_estimated: int
    n_excluded: int

    def summary(self) -> dict[str, Any]:
        """The figures as a flat dict (for a table or the narrative of a notebook)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "curve"}


def whale_curve(profit_frame: pd.DataFrame) -> WhaleCurve:
    """Clients ranked by profit against the cumulative share of the total profit.

    Parameters
    ----------
    profit_frame : DataFrame
        ``client_id`` and ``profit`` (as :func:`client_profit` returns, with its optional
        ``profit_is_estimated``). Clients with a missing profit are counted and left out.

    Returns
    -------
    WhaleCurve

    Raises
    ------
    NoProfitError
        When no client has a profit, or the total profit is zero or negative.

    Notes
    -----
    Ties in profit are ranked by ``client_id``, so the curve is deterministic. The
    share of clients at the peak is read at the first client where the peak is reached
    (clients with a profit of exactly zero after it keep the curve flat).
    """
    ids = profit_frame["client_id"].astype("str")
    profit = _num(profit_frame, "profit")
    if "profit_is_estimated" in profit_frame.columns:
        estimated = profit_frame["profit_is_estimated"].fillna(False).astype(bool)
    else:
        estimated = pd.Series(False, index=profit_frame.index)
    keep = profit.notna()
    data = pd.DataFrame(
        {"client_id": ids[keep].to_numpy(), "profit": profit[keep].to_numpy(),
         "profit_is_estimated": estimated[keep].to_numpy(dtype=bool)}
    )
    n_excluded = int((~keep).sum())
    if data.empty:
        raise NoProfitError(
            f"no client has a profit figure ({n_excluded} without one): give profit, margin_pct, "
            "or a profitability level with billing to draw the whale curve"
        )
    data = data.sort_values(["profit", "client_id"], ascending=[False, True], kind="stable")
    data = data.reset_index(drop=True)
    cum = data["profit"].cumsum()
    # the total summed in curve order, so that the curve ends on exactly 100 %
    total = float(cum.iloc[-1])
    # a total that is only rounding noise (0.1 + 0.2 - 0.3) is no profit either
    if not total > 1e-12 * float(data["profit"].abs().sum()):
        raise NoProfitError(
            f"the total profit of the {len(data)} clients is {total:,.2f}, not positive: the whale "
            "curve shows each client's share of a positive total profit and cannot be drawn; "
            "look at the profit per client instead"
        )
    n = len(data)
    data.insert(0, "rank", np.arange(1, n + 1))
    data["cum_profit"] = cum
    data["cum_profit_pct"] = cum / total * 100
    data["cum_clients_pct"] = data["rank"] / n * 100
    at_peak = int(np.argmax(data["cum_profit_pct"].to_numpy()))
    losses = data["profit"].where(data["profit"] < 0, 0.0).sum()
    return WhaleCurve(
        curve=data,
        peak_pct=float(data["cum_profit_pct"].iloc[at_peak]),
        clients_at_peak_pct=float(data["cum_clients_pct"].iloc[at_peak]),
        n_clients=n,
        n_profitable=int((data["profit"] > 0).sum()),
        n_loss_making=int((data["profit"] < 0).sum()),
        loss_tail_cost_pct=float(-losses / total * 100) + 0.0,  # + 0.0: no "-0.0" without losses
        total_profit=total,
        profit_is_estimated=bool(data["profit_is_estimated"].any()),
        n_estimated=int(data["profit_is_estimated"].sum()),
        n_excluded=n_excluded,
    )


# -- billing concentration ------------------------------------------------------
def _billing(billing: pd.DataFrame | pd.Series | Sequence, column: str = "billing") -> pd.Series:
    """Billing as a float Series indexed by client id (a register, a Series, or a list).

    From a register, billing is taken to the cent, and a client whose credit notes
    exceed its sales (net billing below zero) is left out (NaN) of the concentration
    measures, which are defined for shares of a positive total; given values directly,
    a negative one is an error.
    """
    if isinstance(billing, pd.DataFrame):
        s = pd.Series(_num(billing, column).to_numpy(), index=billing["client_id"].astype("str").to_numpy())
        s = s.round(2)
        s = s.where(~(s < 0))
    elif isinstance(billing, pd.Series):
        s = pd.to_numeric(billing, errors="coerce").astype("float64")
    else:
        s = pd.Series(np.asarray(billing, dtype="float64"))
    if (s < 0).any():
        raise ValueError(f"billing must be >= 0; found {int((s < 0).sum())} negative value(s), e.g. {s[s < 0].iloc[0]}")
    return s.rename("billing")


def _values(values) -> np.ndarray:
    x = _billing(values).to_numpy()
    return x[~np.isnan(x)]


def gini(values) -> float:
    """Gini coefficient of billing (or any amounts >= 0), in [0, 1).

    The mean absolute difference over twice the mean, ``Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄)``,
    *without* the small-sample correction ``n / (n − 1)``: all equal → 0, one of
    ``n`` clients holding everything → ``(n − 1) / n`` (0.75 for four). Missing values
    are ignored; NaN when nothing is left or the total is 0.

    >>> gini([5, 5, 5]), gini([1, 0, 0, 0])
    (0.0, 0.75)
    """
    x = np.sort(_values(values))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    # the sorted-order form of the mean absolute difference, O(n log n)
    g = 2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n
    return float(min(max(g, 0.0), (n - 1) / n))


def hhi(values) -> float:
    """Herfindahl–Hirschman index of billing on % shares: ``Σ sᵢ²`` with ``sᵢ`` in %, 0–10,000.

    Ten equal clients → 1,000; one at 50 % and ten at 5 % → 2,750; one client → 10,000.
    NaN when there is no billing.

    >>> hhi([1] * 10)
    1000.0
    """
    x = _values(values)
    total = x.sum()
    if total <= 0:
        return float("nan")
    return float(np.sum((x / total * 100) ** 2))


def equivalent_number(hhi_value: float) -> float:
    """The number of equal-sized clients with the same HHI: ``10,000 / HHI``.

    >>> equivalent_number(2500.0)
    4.0
    """
    return float(10_000 / hhi_value) if hhi_value and hhi_value > 0 else float("nan")


def top_shares(values, ns: Sequence[int] | None = None) -> dict[int, float]:
    """The % of billing held by the ``n`` largest clients, for each ``n`` (100 when ``n`` ≥ clients).

    >>> top_shares([50, 30, 20], ns=(1, 5))
    {1: 50.0, 5: 100.0}
    """
    if ns is None:
        ns = concentration_settings()["top_n"]
    x = np.sort(_values(values))[::-1]
    total = x.sum()
    if total <= 0:
        return {int(n): float("nan") for n in ns}
    cum = np.concatenate([[0.0], np.cumsum(x)]) / total * 100
    return {int(n): float(cum[min(int(n), len(x))]) for n in ns}


def lorenz_curve(billing: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """The concentration (Lorenz / Pareto) curve of billing, read from the largest client.

    Parameters
    ----------
    billing : DataFrame or Series
        A register (``client_id``, ``billing``) or billing indexed by client id. Missing
        billing is left out.

    Returns
    -------
    DataFrame
        One row per client, largest first (ties by client id): ``client_id``, ``billing``,
        ``share_pct``, ``cum_billing_pct`` and ``cum_clients_pct``. Ordered from the
        largest client, the curve lies above the diagonal (it is the classical Lorenz
        curve rotated by 180°; the area between either and the diagonal gives the Gini).
    """
    s = _billing(billing).dropna()
    data = pd.DataFrame({"client_id": s.index.astype("str"), "billing": s.to_numpy()})
    data = data.sort_values(["billing", "client_id"], ascending=[False, True], kind="stable")
    data = data.reset_index(drop=True)
    total = data["billing"].sum()
    data["share_pct"] = data["billing"] / total * 100 if total > 0 else np.nan
    data["cum_billing_pct"] = data["share_pct"].cumsum()
    data["cum_clients_pct"] = np.arange(1, len(data) + 1) / max(len(data), 1) * 100
    return data


def abc_classes(
    billing: pd.DataFrame | pd.Series, cutoffs: Sequence[float] | None = None
) -> pd.DataFrame:
    """ABC (Pareto) classes of billing.

    Rule: clients are taken largest first; a client is **A** while the cumulative share of
    billing *before* it is below the first cut-off, **B** while it is below the second,
    **C** after. So the client whose billing crosses 80 % is still A, and A is the
    smallest set of largest clients that reaches 80 %; a client that starts exactly at
    80 % is B. Clients without billing get class NA (kept, last).

    Parameters
    ----------
    billing : DataFrame or Series
        A register (``client_id``, ``billing``) or billing indexed by client id.
    cutoffs : (float, float), optional
        Cumulative % of billing closing A and B, ``0 < A < B <= 100``; default
        ``settings.concentration.abc_cutoffs`` (80, 95).

    Returns
    -------
    DataFrame
        :func:`lorenz_curve`'s columns plus ``cum_before_pct`` and ``abc_class``.

    >>> abc_classes(pd.Series([50, 40, 6, 4], index=list("abcd")))["abc_class"].tolist()
    ['A', 'A', 'B', 'C']
    """
    if cutoffs is None:
        cutoffs = concentration_settings()["abc_cutoffs"]
    a, b = _check_cutoffs(tuple(cutoffs))
    s = _billing(billing)
    curve = lorenz_curve(s)
    before = curve["cum_billing_pct"] - curve["share_pct"]
    curve["cum_before_pct"] = before
    curve["abc_class"] = pd.array(
        np.select([before < a - _TOL, before < b - _TOL], ["A", "B"], default="C"), dtype="string"
    )
    missing = s[s.isna()]
    if len(missing):
        rest = pd.DataFrame({"client_id": missing.index.astype("str"), "billing": np.nan})
        rest["abc_class"] = pd.array([pd.NA] * len(rest), dtype="string")
        curve = pd.concat([curve, rest], ignore_index=True)
    return curve


def major_customers(billing: pd.DataFrame | pd.Series, threshold_pct: float | None = None) -> pd.DataFrame:
    """Clients at or above ``threshold_pct`` % of total billing (inclusive), largest first.

    10 % is the threshold at which IFRS 8 (§34) and ASC 280 require an entity to disclose
    its reliance on a single major customer; ``None`` takes ``settings.concentration.major_customer_pct``.

    Returns
    -------
    DataFrame
        ``client_id``, ``billing``, ``share_pct``.

    >>> major_customers(pd.Series([10, 20, 70], index=list("abc")))["client_id"].tolist()
    ['c', 'b', 'a']
    """
    if threshold_pct is None:
        threshold_pct = concentration_settings()["major_customer_pct"]
    curve = lorenz_curve(billing)
    major = curve[curve["share_pct"] >= threshold_pct - _TOL]
    return major[["client_id", "billing", "share_pct"]].reset_index(drop=True)


def concentration_summary(clients: pd.DataFrame, *, catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The billing concentration of the portfolio in one dict.

    Keys: ``n_clients`` (with billing), ``n_without_billing`` (missing, or negative: a net
    credit), ``n_negative_billing``, ``total_billing``, ``gini``,
    ``hhi``, ``equivalent_number``, ``top_<n>_pct`` for each configured ``n``,
    ``abc_counts`` and ``abc_billing_pct`` (per class), ``abc_cutoffs``,
    ``major_customer_pct`` (the threshold) and ``major_customer_ids``.
    """
    cfg = concentration_settings(catalogue)
    s = _billing(clients)
    n_negative = int((pd.to_numeric(clients.get("billing"), errors="coerce").round(2) < 0).sum()) \
        if "billing" in clients.columns else 0
    present = s.dropna()
    h = hhi(present)
    abc = abc_classes(s, cfg["abc_cutoffs"])
    classes = abc.dropna(subset=["abc_class"])
    counts = classes["abc_class"].value_counts().reindex(["A", "B", "C"], fill_value=0)
    billing_pct = classes.groupby("abc_class")["share_pct"].sum().reindex(["A", "B", "C"], fill_value=0.0)
    out: dict[str, Any] = {
        "n_clients": int(len(present)),
        "n_without_billing": int(s.isna().sum()),
        "n_negative_billing": n_negative,  # net credit: left out of the measures, counted here
        "total_billing": float(present.sum()),
        "gini": gini(present),
        "hhi": h,
        "equivalent_number": equivalent_number(h),
    }
    out.update({f"top_{n}_pct": v for n, v in top_shares(present, cfg["top_n"]).items()})
    out["abc_cutoffs"] = list(cfg["abc_cutoffs"])
    out["abc_counts"] = {k: int(v) for k, v in counts.items()}
    out["abc_billing_pct"] = {k: float(v) for k, v in billing_pct.items()}
    out["major_customer_pct"] = cfg["major_customer_pct"]
    out["major_customer_ids"] = major_customers(present, cfg["major_customer_pct"])["client_id"].tolist()
    return out
