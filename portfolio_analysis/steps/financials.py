"""Step 2b — financial trends: billing per year and category, change, the 12-month projection.

The projection works on the monthly billing matrix (clients × months) all at
once, so that 10,000 clients cost the same few numpy operations as 10:

* **seasonal-trend** (24 months of history or more): a seasonal profile of the
  whole portfolio (12 multiplicative indices, one per calendar month: the ratio
  of the portfolio total to its centred 2×12 moving average), then for each client a straight-line trend
  fitted by least squares on its deseasonalised last 24 months; the next 12
  months continue it from its last fitted value with the slope damped
  (``trend_damping``, 0.5 by default: half the fitted growth, because a line
  fitted on two years of one client's months overshoots more often than not),
  times the seasonal index, floored at zero. Pooling the
  seasonality over the portfolio keeps small clients' noise out of it.
* **run-rate** (fewer than 24 months of monthly history, or annual totals only):
  the last 12 months' billing times (1 + the year-over-year change clipped to
  ±``max_growth``); without a previous year, the last 12 months repeated.

:func:`backtest_projection` hides the last 12 months, projects them from what
came before, and reports the error against what was really billed, beside the
naive forecast "next year = last year".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import load_catalogue


def settings(catalogue=None) -> dict:
    """The financial settings in force: the catalogue's ``settings.financials`` (the shipped one by default).

    Keys: ``declining_threshold``, ``max_growth``, ``trend_months``, ``trend_damping``.

    >>> settings()["trend_months"]
    24
    """
    cat = load_catalogue() if catalogue is None else catalogue
    return cat.config.settings.financials.model_dump()


def billing_change(clients: pd.DataFrame, *, declining_threshold: float | None = None) -> pd.DataFrame:
    """Year-over-year change per client and the declining flag.

    Returns ``client_id, billing, billing_previous, change, change_pct, declining`` where
    ``change_pct = (billing / billing_previous − 1) × 100`` (NaN without a positive previous
    year) and ``declining`` is True when the change is at or below ``declining_threshold``
    (a fraction: −0.10 is −10 %; default ``settings.financials.declining_threshold``).
    """
    if declining_threshold is None:
        declining_threshold = settings()["declining_threshold"]
    billing, prev = (
        pd.to_numeric(clients[c], errors="coerce") if c in clients.columns else pd.Series(np.nan, index=clients.index)
        for c in ("billing", "billing_previous")
    )
    ratio = (billing / prev.where(prev > 0)) - 1
    return pd.DataFrame(
        {
            "client_id": clients["client_id"].to_numpy(),
            "billing": billing.to_numpy(),
            "billing_previous": prev.to_numpy(),
            "change": (billing - prev).to_numpy(),
            "change_pct": (ratio * 100).to_numpy(),
            # inclusive, with a tolerance for 90/100 - 1 = -0.0999…98
            "declining": (ratio <= declining_threshold + 1e-9).fillna(False).to_numpy(dtype=bool),
        }
    )


def category_mix(clients: pd.DataFrame) -> pd.DataFrame:
    """Each client's billing split over service categories, in % of its categorised billing.

    Reads the ``billing__<category>`` columns; a client without any is left out.
    """
    cols = [c for c in clients.columns if c.startswith("billing__")]
    if not cols:
        return pd.DataFrame(columns=["client_id"])
    amounts = clients.set_index("client_id")[cols].apply(pd.to_numeric, errors="coerce")
    amounts.columns = [c.removeprefix("billing__") for c in cols]
    total = amounts.sum(axis=1, min_count=1)
    shares = amounts.div(total.where(total > 0), axis=0) * 100
    return shares.dropna(how="all").reset_index()


def portfolio_by_year(by_year: pd.DataFrame) -> pd.DataFrame:
    """Total billing per calendar year with its change in %, from the invoices' ``by_year`` table."""
    totals = by_year.groupby("year", as_index=False)["billing"].sum()
    totals["change_pct"] = totals["billing"].pct_change() * 100
    return totals


def monthly_matrix(by_month: pd.DataFrame, *, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Clients × months billing matrix, zero-filled, every month from the first to ``end``."""
    if by_month.empty:
        return pd.DataFrame()
    months = pd.to_datetime(by_month["month"]).dt.to_period("M")
    last = months.max() if end is None else pd.Timestamp(end).to_period("M")
    full = pd.period_range(months.min(), last, freq="M")
    wide = (
        by_month.assign(month=months)
        .pivot_table(index="client_id", columns="month", values="billing", aggfunc="sum", fill_value=0.0)
        .reindex(columns=full, fill_value=0.0)
    )
    return wide.loc[:, wide.columns <= last]


def seasonal_profile(matrix: pd.DataFrame) -> pd.Series:
    """12 multiplicative indices (mean 1), one per calendar month, from the portfolio total.

    Classical decomposition: the ratio of the total to its centred 2×12 moving
    average, averaged per calendar month, so that growth does not pass for
    seasonality. Needs 24 months or more; otherwise all ones.
    """
    total = matrix.sum(axis=0).to_numpy(dtype=float)
    months = np.array([p.month for p in matrix.columns])
    if len(total) < 24 or total.sum() <= 0:
        return pd.Series(1.0, index=range(1, 13))
    weights = np.r_[0.5, np.ones(11), 0.5] / 12
    cma = np.convolve(total, weights, mode="valid")  # centred on months 6 .. n-7
    centre = slice(6, len(total) - 6)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total[centre] / cma
    ratio = np.where(np.isfinite(ratio), ratio, np.nan)
    idx = np.array([np.nanmean(ratio[months[centre] == m]) for m in range(1, 13)])
    idx = np.where(np.isfinite(idx) & (idx > 0), idx, 1.0)
    return pd.Series(idx / idx.mean(), index=range(1, 13))


@dataclass
class Projection:
    """Per-client projection of the next 12 months and how it was obtained."""

    table: pd.DataFrame  # client_id, billing_last_12m, projection_12m, method
    seasonal: pd.Series  # the 12 seasonal indices used


def project_billing(
    by_month: pd.DataFrame | None,
    clients: pd.DataFrame | None = None,
    *,
    end=None,
    trend_months: int | None = None,
    max_growth: float | None = None,
    trend_damping: float | None = None,
    method: str = "seasonal-trend",
) -> Projection:
    """Project each client's billing for the 12 months after ``end``.

    Parameters
    ----------
    by_month : ``client_id, month, billing`` (the invoices' monthly table), or None
    clients : the register; its ``billing`` and ``billing_previous`` serve the run-rate
        fallback for clients without monthly history
    end : last month of history (default: the last month in ``by_month``)
    trend_months, max_growth, trend_damping : see the module's description; default:
        ``settings.financials`` of the shipped catalogue
    method : one of :data:`METHODS` (clients with monthly history): ``seasonal-trend``
        (the default; a client with less than 24 months falls back to ``run-rate``),
        ``run-rate``, ``last-year`` or ``last-year-growth``

    Returns
    -------
    Projection with ``table`` = ``client_id, billing_last_12m, projection_12m, method``.
    """
    fin = settings()
    trend_months = fin["trend_months"] if trend_months is None else trend_months
    max_growth = fin["max_growth"] if max_growth is None else max_growth
    trend_damping = fin["trend_damping"] if trend_damping is None else trend_damping
    rows = []
    seasonal = pd.Series(1.0, index=range(1, 13))
    covered: set = set()
    if by_month is not None and len(by_month):
        matrix = monthly_matrix(by_month, end=end)
        seasonal = seasonal_profile(matrix)
        y = matrix.to_numpy(dtype=float)
        n_months = y.shape[1]
        last12 = y[:, -12:].sum(axis=1)
        prev12 = y[:, -24:-12].sum(axis=1) if n_months >= 24 else np.full(len(y), np.nan)
        # history actually held by each client: months since its first non-zero month
        nonzero = y != 0
        first = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), n_months)
        history = n_months - first
        month_of = np.array([p.month for p in matrix.columns])
        s_hist = seasonal.loc[month_of].to_numpy()
        k = min(trend_months, n_months)
        t = np.arange(n_months - k, n_months, dtype=float)
        d = y[:, -k:] / s_hist[-k:]
        # closed-form least squares of d on t, row by row, in one go
        tm = t.mean()
        slope = ((d - d.mean(axis=1, keepdims=True)) * (t - tm)).sum(axis=1) / ((t - tm) ** 2).sum()
        intercept = d.mean(axis=1) - slope * tm
        steps = np.arange(1, 13, dtype=float)
        level = intercept + slope * (n_months - 1)
        last_period = matrix.columns[-1]
        future_months = np.array([(last_period + h).month for h in range(1, 13)])
        s_future = seasonal.loc[future_months].to_numpy()
        trend_proj = np.clip(level[:, None] + trend_damping * slope[:, None] * steps, 0, None) * s_future
        proj_st = trend_proj.sum(axis=1)
        growth = np.clip(np.where(prev12 > 0, last12 / np.where(prev12 > 0, prev12, 1) - 1, 0.0), -max_growth, max_growth)
        proj_rr = last12 * (1 + growth)
        if method not in METHODS:
            raise ValueError(f"method={method!r}: expected one of {list(METHODS)}")
        use_st = (history >= 24) & (method == "seasonal-trend")
        # a straight line may not run away: keep the projection within ±max_growth of the last 12 months
        proj_st = np.clip(proj_st, last12 * (1 - max_growth), last12 * (1 + max_growth))
        if method in ("last-year", "last-year-growth"):
            total_prev, total_last = np.nansum(prev12), last12.sum()
            g = trend_damping * (total_last / total_prev - 1) if total_prev > 0 and method == "last-year-growth" else 0.0
            proj, label = last12 * (1 + float(np.clip(g, -max_growth, max_growth))), np.full(len(last12), method)
        else:
            proj = np.where(use_st, proj_st, proj_rr)
            label = np.where(use_st, "seasonal-trend", "run-rate")
        table = pd.DataFrame(
            {
                "client_id": matrix.index.to_numpy(),
                "billing_last_12m": last12,
                "projection_12m": proj,
                "method": label,
            }
        )
        rows.append(table)
        covered = set(table["client_id"])
    if clients is not None and len(clients):
        rest = clients[~clients["client_id"].isin(covered)]
        if len(rest):
            billing = pd.to_numeric(rest.get("billing"), errors="coerce").to_numpy(dtype=float)
            prev = pd.to_numeric(rest.get("billing_previous"), errors="coerce").to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                g = np.where(prev > 0, billing / prev - 1, 0.0)
            g = np.clip(np.nan_to_num(g), -max_growth, max_growth)
            rows.append(
                pd.DataFrame(
                    {
                        "client_id": rest["client_id"].to_numpy(),
                        "billing_last_12m": billing,
                        "projection_12m": billing * (1 + g),
                        "method": np.where(np.isnan(billing), "none", "run-rate (annual totals)"),
                    }
                )
            )
    if not rows:
        return Projection(pd.DataFrame(columns=["client_id", "billing_last_12m", "projection_12m", "method"]), seasonal)
    return Projection(pd.concat(rows, ignore_index=True), seasonal)


def portfolio_monthly(by_month: pd.DataFrame | None, projection: Projection | None = None, *, end=None) -> pd.DataFrame:
    """The portfolio's billing per month and, after it, the projected next 12 months.

    ``end``: the last billed month shown (default: the last in ``by_month``).
    Returns ``month`` (Timestamp, first day), ``billed`` (NaN on projected months) and
    ``projected`` (the projection's total spread over the 12 months by the seasonal
    indices; NaN on billed months). Empty without monthly history.

    >>> by_month = pd.DataFrame({"client_id": ["A", "A"], "billing": [10.0, 20.0],
    ...                          "month": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    >>> m = portfolio_monthly(by_month, Projection(pd.DataFrame({"projection_12m": [120.0]}),
    ...                                            pd.Series(1.0, index=range(1, 13))))
    >>> len(m), float(m["billed"].sum()), float(m["projected"].sum()), str(m["month"].iloc[2].date())
    (14, 30.0, 120.0, '2024-03-01')
    """
    columns = {"month": pd.Series(dtype="datetime64[ns]"), "billed": pd.Series(dtype="float64"),
               "projected": pd.Series(dtype="float64")}
    if by_month is None or by_month.empty:
        return pd.DataFrame(columns)
    total = monthly_matrix(by_month, end=end).sum(axis=0)
    billed = pd.DataFrame({"month": total.index.to_timestamp(), "billed": total.to_numpy(dtype=float),
                           "projected": np.nan})
    if projection is None or projection.table.empty:
        return billed
    future = [total.index[-1] + h for h in range(1, 13)]
    shape = projection.seasonal.loc[[p.month for p in future]].to_numpy(dtype=float)
    projected = float(projection.table["projection_12m"].sum()) * shape / shape.sum()
    ahead = pd.DataFrame({"month": [p.to_timestamp() for p in future], "billed": np.nan, "projected": projected})
    return pd.concat([billed, ahead], ignore_index=True)


def backtest_projection(by_month: pd.DataFrame, *, end=None, method: str = "seasonal-trend", **kwargs) -> dict:
    """Hide the last 12 months, project them from the months before, compare with what was billed.

    Returns a dict with ``wape_pct`` (sum of absolute client errors over the total actually
    billed, %), ``median_ape_pct`` (median absolute % error over clients that billed in the
    hidden year), ``total_error_pct`` (error on the portfolio total, %), the same three for
    the naive forecast "next 12 months = previous 12 months" (``naive_*``), the number of
    clients and months used, the ``method``. ``end``: the last month used (default the
    last in ``by_month``). Needs 36 months (24 to fit, 12 to check); otherwise ``None`` values.
    """
    matrix = monthly_matrix(by_month, end=end)
    n = matrix.shape[1]
    out = {"months": n, "clients": matrix.shape[0], "method": method}
    keys = ["wape_pct", "median_ape_pct", "total_error_pct", "naive_wape_pct", "naive_median_ape_pct",
            "naive_total_error_pct"]
    if n < 36:
        return {**out, **dict.fromkeys(keys)}
    cut = matrix.columns[-13]
    hist = by_month[pd.to_datetime(by_month["month"]).dt.to_period("M") <= cut]
    proj = project_billing(hist, end=cut.to_timestamp(), method=method, **kwargs).table.set_index("client_id")
    actual = matrix.iloc[:, -12:].sum(axis=1)
    naive = matrix.iloc[:, -24:-12].sum(axis=1)
    pred = proj["projection_12m"].reindex(actual.index).fillna(0.0)

    def errors(p):
        ape = ((p - actual).abs() / actual.where(actual > 0)).dropna() * 100
        return (
            float((p - actual).abs().sum() / actual.sum() * 100),
            float(ape.median()),
            float((p.sum() - actual.sum()) / actual.sum() * 100),
        )

    return {**out, **dict(zip(keys, errors(pred) + errors(naive)))}


#: The projections tried, the naive one first (it wins ties): "next 12 months = last 12 months";
#: the same times the portfolio's change over the last year, damped; each client's last 12
#: months times its own change, clipped; the seasonal trend (see the module's description).
METHODS = ("last-year", "last-year-growth", "run-rate", "seasonal-trend")


def choose_projection(by_month: pd.DataFrame | None, *, end=None, **kwargs) -> pd.DataFrame:
    """Back-test every method of :data:`METHODS` on the last 12 months and choose the one that missed least.

    One method for the whole portfolio, chosen by its error client by client (WAPE): a
    hidden year gives one error per client, and choosing per client on it would choose
    noise. "Same as last year" is a candidate and wins ties, so the projection is never
    worse than it on its own back-test.

    Returns
    -------
    DataFrame
        One row per method: ``method``, ``wape_pct``, ``median_ape_pct``, ``total_error_pct``
        (see :func:`backtest_projection`) and ``chosen``. Without 36 months of history
        nothing can be tested: the errors are NaN and ``last-year`` is chosen.
    """
    rows = []
    for method in METHODS:
        bt = backtest_projection(by_month, end=end, method=method, **kwargs) if by_month is not None and len(
            by_month) else {}
        rows.append({"method": method, **{k: bt.get(k) for k in ("wape_pct", "median_ape_pct", "total_error_pct")}})
    table = pd.DataFrame(rows).astype({"wape_pct": "float64", "median_ape_pct": "float64",
                                       "total_error_pct": "float64"})
    best = 0 if table["wape_pct"].isna().all() else int(table["wape_pct"].fillna(np.inf).round(9).idxmin())
    table["chosen"] = table.index == best
    return table


def last_complete_month(reference) -> pd.Period | None:
    """The month a projection ends its history on: the reference day's month when it is that month's last day,
    else the month before (a month the reference cuts short is not projected from).

    >>> str(last_complete_month("2011-12-09")), str(last_complete_month("2024-02-29"))
    ('2011-11', '2024-02')
    """
    if reference is None or pd.isna(reference):
        return None
    day = pd.Timestamp(reference)
    month = day.to_period("M")
    return month if day.normalize() == month.end_time.normalize() else month - 1


def billing_by_year_and_category(invoices: pd.DataFrame) -> pd.DataFrame:
    """Portfolio billing per calendar year (rows) and service category (columns), with a total.

    From the invoice lines (``date``, ``amount``, ``service_category``); credit notes count
    as negative billing in the year they were issued.
    """
    year = pd.to_datetime(invoices["date"]).dt.year.rename("year")
    cat = invoices.get("service_category", pd.Series("unspecified", index=invoices.index)).fillna("unspecified")
    table = invoices["amount"].groupby([year, cat.rename("category")]).sum().unstack(fill_value=0.0)
    table["total"] = table.sum(axis=1)
    table["change_pct"] = table["total"].pct_change() * 100
    return table
