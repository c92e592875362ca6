"""Step 7 — retention economics: what keeping, losing and ending clients is worth.

The article's figures are parameters, with its values as defaults (the catalogue's
``settings.retention`` block, defaults in ``criteria.yaml``):

* most companies lose **45–50 % of their clients in five years**; the implied annual
  retention is ``r = (1 − lost) ** (1 / years)`` — 47.5 % lost in five years gives
  ``r ≈ 0.879``, a churn of about 12.1 % a year (:func:`annual_retention`);
* **acquiring a client costs 20 times** as much as keeping one (the literature's range
  is 5–25×);
* **+5 % retention raises profit by 25–85 %** (Reichheld & Sasser, *Zero defections*,
  HBR 1990). This is the literature's figure, shown as an illustration the user
  parameterises, never as a prediction for the portfolio at hand.

Lifetime value (:func:`lifetime_value`) is ``m · r / (1 + d − r)``: a client brings its
annual margin ``m`` at the end of each year it stays; it stays each year with
probability ``r``; money is discounted at ``d`` a year. The first margin arrives one
year from now, after the client has survived that year, so
``CLV = Σₜ≥₁ m · rᵗ / (1 + d)ᵗ = m · r / (1 + d − r)`` (a geometric sum; today's margin
is not counted). With ``r = 0.8`` and ``d = 0.10``, CLV = 2.67 × m.

:func:`retention_scenarios` compares the portfolio as it is with: retention up by a
few points; losing the at-risk clients; ending a chosen set of clients; and the
literature's claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, ConfigError, load_catalogue
from portfolio_analysis.config.model import RetentionSettings, validate_block
from portfolio_analysis.steps import financials
from portfolio_analysis.steps.concentration import client_profit

__all__ = [
    "retention_settings",
    "annual_retention",
    "lifetime_value",
    "retention_assumptions",
    "at_risk_clients",
    "client_lifetime_values",
    "portfolio_value",
    "literature_scenario",
    "retention_scenarios",
    "SCENARIO_COLUMNS",
]

#: Columns of :func:`retention_scenarios`, in order.
SCENARIO_COLUMNS = [
    "scenario", "label", "n_clients", "billing", "profit", "portfolio_value",
    "billing_change", "profit_change", "profit_change_pct", "value_change", "value_change_pct",
    "cost_freed", "replacement_cost", "n_without_profit", "profit_is_estimated", "caveat",
]

_LITERATURE = "Reichheld & Sasser, 'Zero defections', Harvard Business Review, 1990"
_FIXED_COSTS = (
    "cost freed = their billing minus their profit; fixed costs (people, sites, equipment) "
    "only disappear if those resources are cut or redeployed, otherwise profit falls by less "
    "than the margin lost or rises by less than shown"
)


# -- settings -------------------------------------------------------------------
def retention_settings(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The ``settings.retention`` block in force (checked when the catalogue was loaded).

    Keys: ``lost_share`` (share of clients lost over ``lost_years``, a range whose
    midpoint is used), ``lost_years``, ``annual_retention`` (a measured one replaces the
    implied one; None: implied), ``discount_rate``, ``acquisition_cost_multiple`` and
    ``acquisition_cost_range`` (acquiring a client costs that many times keeping one),
    ``retention_cost_per_client`` (None: unknown), ``retention_uplift`` (the "retention +
    n points" scenario) and ``literature_profit_uplift`` (illustration only).

    >>> retention_settings()["lost_share"]
    (0.45, 0.5)
    """
    cat = load_catalogue() if catalogue is None else catalogue
    return cat.config.settings.retention.model_dump()


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` checked as a ``settings.retention`` block; :class:`ConfigError` naming each bad key."""
    model, problems = validate_block(RetentionSettings, values, ("settings", "retention"))
    if problems:
        raise ConfigError(problems)
    return model.model_dump()


# -- the article's figures ------------------------------------------------------
def annual_retention(lost_in_years: float | None = None, years: float | None = None) -> float:
    """The constant annual retention that loses ``lost_in_years`` of the clients in ``years``.

    ``r = (1 − lost) ** (1 / years)``; the annual churn is ``1 − r``. ``None`` takes the
    configuration's: the midpoint of ``settings.retention.lost_share`` and its ``lost_years``.

    >>> round(annual_retention(0.475, 5), 4), round(1 - annual_retention(0.475, 5), 4)
    (0.8791, 0.1209)
    """
    if lost_in_years is None or years is None:
        cfg = retention_settings()
        lost_in_years = sum(cfg["lost_share"]) / 2 if lost_in_years is None else lost_in_years
        years = cfg["lost_years"] if years is None else years
    if not 0 <= lost_in_years <= 1:
        raise ValueError(f"lost_in_years must be a share between 0 and 1, got {lost_in_years!r}")
    if not years > 0:
        raise ValueError(f"years must be > 0, got {years!r}")
    return float((1 - lost_in_years) ** (1 / years))


def lifetime_value(margin, retention, discount_rate: float | None = None):
    """Lifetime value ``m · r / (1 + d − r)`` of a client with annual margin ``m``.

    Convention: the first margin is received one period from now, once the client has
    stayed that period (probability ``r``); each later one likewise, discounted at
    ``d`` a period — the geometric sum ``Σₜ≥₁ m (r / (1 + d))ᵗ``. A negative margin
    gives a negative lifetime value (what keeping a loss-making client costs).

    Parameters
    ----------
    margin : float, array or Series
        The annual margin (profit) per client.
    retention : float, array or Series
        The annual retention, in [0, 1].
    discount_rate : float, optional
        ``d`` >= 0; ``r = 1`` with ``d = 0`` has no finite value and raises. Default:
        ``settings.retention.discount_rate`` (0.10).

    Returns
    -------
    float, ndarray or Series (as ``margin``)

    >>> round(lifetime_value(1.0, 0.8, 0.10), 4)
    2.6667
    """
    if discount_rate is None:
        discount_rate = retention_settings()["discount_rate"]
    r = np.asarray(retention, dtype="float64")
    if np.any((r < 0) | (r > 1)):
        raise ValueError(f"retention must be between 0 and 1, got {retention!r}")
    if not discount_rate >= 0:
        raise ValueError(f"discount_rate must be >= 0, got {discount_rate!r}")
    denominator = 1 + discount_rate - r
    if np.any(denominator <= 0):
        raise ValueError("a retention of 1 with a discount rate of 0 has no finite lifetime value")
    multiple = r / denominator
    if isinstance(margin, pd.Series):
        return margin.astype("float64") * multiple
    out = np.asarray(margin, dtype="float64") * multiple
    return float(out) if out.ndim == 0 else out


def retention_assumptions(*, catalogue: Catalogue | None = None, **overrides) -> dict[str, Any]:
    """The retention figures in force, resolved: settings, then ``overrides`` (same keys).

    Keys: those of :func:`retention_settings` plus ``annual_retention`` (the measured one,
    or the one implied by the midpoint of ``lost_share``), ``annual_retention_range`` (from
    the ends of ``lost_share``), ``annual_churn``, ``expected_lifetime_years`` (``1 / (1 − r)``)
    and ``lifetime_multiple`` (CLV / annual margin, ``r / (1 + d − r)``).

    >>> a = retention_assumptions()
    >>> round(a["annual_retention"], 3), round(a["annual_churn"] * 100, 1)
    (0.879, 12.1)
    """
    cfg = retention_settings(catalogue)
    unknown = set(overrides) - set(cfg)
    if unknown:
        raise TypeError(f"unknown retention setting(s) {sorted(unknown)}; expected {list(cfg)}")
    cfg = _checked({**cfg, **{k: v for k, v in overrides.items() if v is not None}})
    low, high = cfg["lost_share"]
    years = cfg["lost_years"]
    implied = annual_retention((low + high) / 2, years)
    r = implied if cfg["annual_retention"] is None else float(cfg["annual_retention"])
    d = float(cfg["discount_rate"])
    out = dict(cfg)
    out.update(
        annual_retention=r,
        implied_annual_retention=implied,
        annual_retention_range=(annual_retention(high, years), annual_retention(low, years)),
        annual_churn=1 - r,
        expected_lifetime_years=float(1 / (1 - r)) if r < 1 else float("inf"),
        lifetime_multiple=float(lifetime_value(1.0, r, d)),
    )
    return out


# -- per client -----------------------------------------------------------------
def at_risk_clients(
    clients: pd.DataFrame,
    *,
    declining_threshold: float | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Clients at risk of being lost, with the reasons in words.

    A client is at risk when its relationship is ``at_risk``, its outlook ``failing``, or
    its billing declines by ``declining_threshold`` or more against the previous year
    (``billing / billing_previous − 1 <= threshold``; default: the ``settings.financials``
    threshold, −10 %).

    Returns
    -------
    DataFrame
        ``client_id``, ``at_risk`` (bool), ``reasons`` (``""`` when not at risk).
    """
    cat = load_catalogue() if catalogue is None else catalogue
    if declining_threshold is None:
        declining_threshold = financials.settings(cat)["declining_threshold"]
    n = len(clients)

    def _is(column: str, level: str) -> np.ndarray:
        if column not in clients.columns:
            return np.zeros(n, dtype=bool)
        return clients[column].astype("string").eq(level).fillna(False).to_numpy(dtype=bool)

    relationship = _is("relationship_type", "at_risk")
    failing = _is("business_outlook", "failing")
    change = financials.billing_change(clients, declining_threshold=declining_threshold)
    declining = change["declining"].to_numpy(dtype=bool)
    pct = change["change_pct"].round(0).fillna(0).astype("int64").astype("str").to_numpy()

    words = pd.DataFrame(
        {
            "a": np.where(relationship, "relationship at risk", ""),
            "b": np.where(failing, "failing outlook", ""),
            "c": np.where(declining, np.char.add(np.char.add("billing ", pct.astype("U")), " % on the previous year"), ""),
        }
    )
    reasons = (words["a"] + "; " + words["b"] + "; " + words["c"]).str.replace(r"(; )+", "; ", regex=True)
    reasons = reasons.str.strip("; ")
    return pd.DataFrame(
        {
            "client_id": clients["client_id"].astype("str").to_numpy(),
            "at_risk": relationship | failing | declining,
            "reasons": pd.Series(reasons.to_numpy(), dtype="str"),
        }
    )


def _per_client_retention(ids: pd.Series, retention, default: float) -> np.ndarray:
    if retention is None:
        return np.full(len(ids), default)
    if isinstance(retention, (pd.Series, Mapping)):
        r = ids.map(pd.Series(retention)).astype("float64").fillna(default)
        return r.to_numpy()
    return np.full(len(ids), float(retention))


def client_lifetime_values(
    clients: pd.DataFrame,
    profit_frame: pd.DataFrame | None = None,
    *,
    retention: float | pd.Series | Mapping | None = None,
    discount_rate: float | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Each client's lifetime value, its annual profit taken as the margin ``m``.

    Parameters
    ----------
    clients : DataFrame
        The loaded register (``client_id``, ``billing``).
    profit_frame : DataFrame, optional
        :func:`~portfolio_analysis.steps.concentration.client_profit`'s result; computed when omitted.
    retention : float, Series or mapping, optional
        The annual retention, one for all or per client id (missing ids get the
        portfolio's); default: the configured one (implied by the article's 45–50 %
        lost in five years).
    discount_rate : float, optional
        Default: the configured one (10 %).

    Returns
    -------
    DataFrame
        ``client_id``, ``billing``, ``profit``, ``profit_is_estimated``, ``retention``,
        ``lifetime_value`` in register order. A loss-making client has a negative lifetime
        value: keeping it as it is costs that much. NaN where the profit is unknown.
    """
    a = retention_assumptions(catalogue=catalogue, discount_rate=discount_rate)
    if profit_frame is None:
        profit_frame = client_profit(clients, catalogue=catalogue)
    ids = clients["client_id"].astype("str").reset_index(drop=True)
    pf = profit_frame.assign(client_id=profit_frame["client_id"].astype("str")).set_index("client_id")
    profit = ids.map(pf["profit"]).astype("float64")
    if "profit_is_estimated" in pf.columns:
        estimated = ids.map(pf["profit_is_estimated"]).fillna(False).astype(bool)
    else:
        estimated = pd.Series(False, index=ids.index)
    r = _per_client_retention(ids, retention, a["annual_retention"])
    billing = pd.to_numeric(clients["billing"], errors="coerce") if "billing" in clients.columns else np.nan
    return pd.DataFrame(
        {
            "client_id": ids.to_numpy(),
            "billing": np.asarray(billing, dtype="float64") * np.ones(len(ids)),
            "profit": profit.to_numpy(),
            "profit_is_estimated": estimated.to_numpy(dtype=bool),
            "retention": r,
            "lifetime_value": lifetime_value(profit.to_numpy(), r, a["discount_rate"]),
        }
    )


def portfolio_value(lifetime_values: pd.DataFrame) -> float:
    """The portfolio's value: the sum of its clients' lifetime values (unknown ones left out).

    NaN when no client has a lifetime value.
    """
    return float(lifetime_values["lifetime_value"].sum(min_count=1))


# -- scenarios ------------------------------------------------------------------
def literature_scenario(
    total_profit: float,
    *,
    retention_uplift: float | None = None,
    profit_uplift: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """The literature's claim applied to this portfolio's profit: an illustration only.

    "+5 % retention raises profit by 25–85 %" (Reichheld & Sasser 1990, quoted by the
    article) is an average over other companies and industries. The two rows show what
    the low and high ends would mean here; they are not a prediction. ``None`` takes
    ``settings.retention.retention_uplift`` and ``literature_profit_uplift``.
    """
    if retention_uplift is None or profit_uplift is None:
        cfg = retention_settings()
        retention_uplift = cfg["retention_uplift"] if retention_uplift is None else retention_uplift
        profit_uplift = cfg["literature_profit_uplift"] if profit_uplift is None else profit_uplift
    rows = []
    for end, uplift in zip(("low", "high"), profit_uplift):
        rows.append(
            {
                "scenario": f"literature_{end}",
                "label": (f"Literature: +{retention_uplift * 100:g} % retention → "
                          f"+{uplift * 100:g} % profit ({end} end)"),
                "profit": total_profit * (1 + uplift),
                "profit_change": total_profit * uplift,
                "profit_change_pct": uplift * 100,
                "caveat": (f"the literature's figure ({_LITERATURE}), an average elsewhere; an "
                           "illustration of the claim, not a prediction for this portfolio"),
            }
        )
    return pd.DataFrame(rows)


def _loss_row(name: str, label: str, lv: pd.DataFrame, mask: np.ndarray, base: dict, caveat: str) -> dict:
    part = lv[mask]
    # + 0.0 below: an empty selection shows 0, not "-0"
    billing_lost = float(part["billing"].sum()) + 0.0
    profit_lost = float(part["profit"].sum()) + 0.0
    value_lost = float(part["lifetime_value"].sum()) + 0.0
    return {
        "scenario": name,
        "label": label,
        "n_clients": int(mask.sum()),
        "billing": base["billing"] - billing_lost,
        "profit": base["profit"] - profit_lost,
        "portfolio_value": base["portfolio_value"] - value_lost,
        "billing_change": 0.0 - billing_lost,
        "profit_change": 0.0 - profit_lost,
        "value_change": 0.0 - value_lost,
        "cost_freed": float((part["billing"] - part["profit"]).sum()),
        "n_without_profit": int(part["profit"].isna().sum()),
        "profit_is_estimated": bool(part["profit_is_estimated"].any()),
        "caveat": caveat,
    }


def retention_scenarios(
    clients: pd.DataFrame,
    profit_frame: pd.DataFrame | None = None,
    *,
    end_ids: Iterable[str] = (),
    retention: float | pd.Series | Mapping | None = None,
    discount_rate: float | None = None,
    retention_uplift: float | None = None,
    literature_profit_uplift: tuple[float, float] | None = None,
    acquisition_cost_multiple: float | None = None,
    retention_cost_per_client: float | None = None,
    declining_threshold: float | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """The portfolio as it is against what retention, losses and endings would change.

    Rows (``scenario``):

    * ``base`` — the portfolio as it is: billing, profit, portfolio value;
    * ``retention_plus`` — retention up by ``retention_uplift`` points (capped at 1):
      the lifetime value gained, and next year's billing and profit that the extra
      retention keeps (``uplift × this year's``);
    * ``lose_at_risk`` — the clients of :func:`at_risk_clients` lost: billing, profit and
      lifetime value lost, their costs freed, and — with ``retention_cost_per_client`` —
      what replacing them costs (``n × retention cost × acquisition_cost_multiple``);
    * ``end_clients`` — the relationships in ``end_ids`` ended: billing lost, costs freed
      (their billing − their profit), profit change (= − their profit: ending a
      loss-maker raises profit), with the caveat on fixed costs;
    * ``literature_low`` / ``literature_high`` — :func:`literature_scenario`.

    Changes (``*_change``) are per year except ``value_change`` (lifetime);
    ``billing``, ``profit`` and ``portfolio_value`` are the portfolio's figures under the
    scenario. Options left ``None`` take the configured values (``settings.retention``).

    Returns
    -------
    DataFrame
        :data:`SCENARIO_COLUMNS`.

    Raises
    ------
    KeyError
        When an id of ``end_ids`` is not in the register.
    """
    a = retention_assumptions(
        catalogue=catalogue, discount_rate=discount_rate, retention_uplift=retention_uplift,
        literature_profit_uplift=literature_profit_uplift,
        acquisition_cost_multiple=acquisition_cost_multiple,
        retention_cost_per_client=retention_cost_per_client,
    )
    if profit_frame is None:
        profit_frame = client_profit(clients, catalogue=catalogue)
    lv = client_lifetime_values(clients, profit_frame, retention=retention,
                                discount_rate=a["discount_rate"], catalogue=catalogue)
    base = {
        "billing": float(lv["billing"].sum()),
        "profit": float(lv["profit"].sum()),
        "portfolio_value": portfolio_value(lv),
    }
    any_estimated = bool(lv["profit_is_estimated"].any())
    n_missing = int(lv["profit"].isna().sum())
    rows = [
        {
            "scenario": "base",
            "label": "The portfolio as it is",
            "n_clients": len(lv),
            **base,
            "billing_change": 0.0, "profit_change": 0.0, "value_change": 0.0,
            "n_without_profit": n_missing,
            "profit_is_estimated": any_estimated,
            "caveat": (f"annual retention {lv['retention'].mean():.3f}, discount rate "
                       f"{a['discount_rate'] * 100:g} %; lifetime value = profit × r / (1 + d − r)"),
        }
    ]

    up = a["retention_uplift"]
    r_up = np.clip(lv["retention"].to_numpy() + up, 0.0, 1.0)
    value_up = float(np.nansum(lifetime_value(lv["profit"].to_numpy(), r_up, a["discount_rate"])))
    rows.append(
        {
            "scenario": "retention_plus",
            "label": f"Retention {up * 100:+g} points",
            "n_clients": len(lv),
            "billing": base["billing"] * (1 + up),
            "profit": base["profit"] * (1 + up),
            "portfolio_value": value_up,
            "billing_change": base["billing"] * up,
            "profit_change": base["profit"] * up,
            "value_change": value_up - base["portfolio_value"],
            "n_without_profit": n_missing,
            "profit_is_estimated": any_estimated,
            "caveat": (f"billing and profit: next year's share kept by {up * 100:g} more points of "
                       "retention; the lifetime value counts every year. Only the mechanical effect: "
                       "no growth of spend with tenure, referrals or lower cost to serve"),
        }
    )

    risk = at_risk_clients(clients, declining_threshold=declining_threshold, catalogue=catalogue)
    at_risk = risk["at_risk"].to_numpy(dtype=bool)
    row = _loss_row("lose_at_risk", "Losing the at-risk clients", lv, at_risk, base,
                    "at risk: relationship at risk, failing outlook or declining billing; " + _FIXED_COSTS)
    if a["retention_cost_per_client"] is not None:
        row["replacement_cost"] = row["n_clients"] * a["retention_cost_per_client"] * a["acquisition_cost_multiple"]
        row["caveat"] += (f"; replacing them costs {a['acquisition_cost_multiple']:g}× keeping them "
                          f"(literature {a['acquisition_cost_range'][0]:g}–{a['acquisition_cost_range'][1]:g}×)")
    rows.append(row)

    end = pd.Index([str(i) for i in end_ids]).unique()
    unknown = end.difference(pd.Index(lv["client_id"]))
    if len(unknown):
        raise KeyError(f"end_ids not in the client register: {', '.join(unknown[:10])}")
    ending = lv["client_id"].isin(end).to_numpy()
    rows.append(_loss_row("end_clients", "Ending the chosen relationships", lv, ending, base, _FIXED_COSTS))

    lit = literature_scenario(base["profit"], retention_uplift=a["retention_uplift"],
                              profit_uplift=a["literature_profit_uplift"])
    lit["profit_is_estimated"] = any_estimated
    out = pd.concat([pd.DataFrame(rows), lit], ignore_index=True)
    out = out.reindex(columns=SCENARIO_COLUMNS)
    profit_base = base["profit"]
    value_base = base["portfolio_value"]
    has_pct = out["profit_change_pct"].notna()
    out.loc[~has_pct, "profit_change_pct"] = (
        out.loc[~has_pct, "profit_change"] / abs(profit_base) * 100 if profit_base else np.nan
    )
    out["value_change_pct"] = out["value_change"] / abs(value_base) * 100 if value_base else np.nan
    out["n_clients"] = out["n_clients"].astype("Int64")
    out["n_without_profit"] = out["n_without_profit"].astype("Int64")
    out["profit_is_estimated"] = out["profit_is_estimated"].astype(bool)
    out[["scenario", "label", "caveat"]] = out[["scenario", "label", "caveat"]].astype("str")
    return out
