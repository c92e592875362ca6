"""Billing per client from invoice lines, and the client register filled with it.

:func:`aggregate_invoices` turns the lines into billing per client per calendar
year, per calendar month, per service category over the current 12 months, and
the current and previous 12 months per client (:class:`InvoiceTables`), with
dense ``bincount`` tables over client, month, window and category codes.
:func:`fill_register` puts these figures into a client register where it lacks
them, and adds the clients found only in the invoices.

>>> lines = pd.DataFrame({"client_id": ["A", "A", "B"],
...                       "date": pd.to_datetime(["2024-01-15", "2024-02-03", "2024-02-10"]),
...                       "amount": [100.0, -20.5, 40.0]})
>>> aggregate_invoices(lines).per_client[["client_id", "billing"]]
  client_id  billing
0         A     79.5
1         B     40.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from portfolio_analysis.config.catalogue import normalise
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.arrow_cells import _FLOAT_ID, _WS, _combine, _encode

__all__ = ["LAST_COMPLETE_MONTH", "UNSPECIFIED", "InvoiceTables", "aggregate_invoices", "category_column", "fill_register",
           "last_complete_day", "outlier_cut"]

#: ``reference_date`` meaning the end of the last complete month of the lines.
LAST_COMPLETE_MONTH = "last-complete-month"

#: The service category of a line that names none.
UNSPECIFIED = "unspecified"


# ----------------------------------------------------------------------------
# aggregation
# ----------------------------------------------------------------------------
@dataclass
class InvoiceTables:
    """Billing per client derived from invoice lines (see :func:`aggregate_invoices`).

    Attributes
    ----------
    by_year : DataFrame
        ``client_id``, ``year`` (int), ``billing``: every calendar year with lines.
    by_month : DataFrame
        ``client_id``, ``month`` (Timestamp, first day of the month), ``billing``.
    by_category : DataFrame
        ``client_id``, ``service_category``, ``billing`` over the current 12 months.
    per_client : DataFrame
        ``client_id``, ``billing`` (current 12 months), ``billing_previous`` (the 12
        months before; NaN when the lines do not cover them), ``cost`` (current 12
        months, NaN where no line of the client carries a cost), ``first_date``,
        ``last_date``, ``n_lines`` (all lines).
    reference_date : Timestamp or None
        The last day of the current window (None when there are no lines): every step
        of the analysis uses this 12-month window.
    current_window, previous_window : tuple of Timestamp
        ``(start, end)`` days of each window: a line dated on day D is in it when
        ``start < D <= end``.
    previous_complete : bool
        Whether the lines reach back to the previous window (the first line is at
        most one month after its start); when not, ``billing_previous`` is NaN.
    by_year_category : DataFrame
        ``year``, ``service_category``, ``billing``: the whole portfolio per calendar year and category.
    summary : dict
        ``n_lines`` (loaded), ``first_date``, ``last_date``, ``n_credit_lines`` (negative amounts), and
        from :func:`~portfolio_analysis.load.history.load_history` the ``engine``, the ``date_order`` read
        per file and why dates were left out of the reference (``outliers``).
    """

    by_year: pd.DataFrame
    by_month: pd.DataFrame
    by_category: pd.DataFrame
    per_client: pd.DataFrame
    reference_date: pd.Timestamp | None
    current_window: tuple | None = None
    previous_window: tuple | None = None
    previous_complete: bool = False
    by_year_category: pd.DataFrame | None = None
    summary: dict = field(default_factory=dict)


def last_complete_day(day: int) -> pd.Timestamp:
    """The last day of the last complete month up to ``day`` (days since 1970): ``day`` itself when it ends its month."""
    last = pd.Timestamp(np.datetime64(int(day), "D"))
    return last if last.is_month_end else last.replace(day=1) - pd.Timedelta(days=1)


#: Why a date is far beyond the rest (:func:`outlier_cut`), phrases of the catalogue.
AFTER_RUN_DATE = N_("after the run date {day}")
PAST_THE_BULK = N_("more than a year after the other lines, which end on {day}")


def outlier_cut(days: np.ndarray, counts: np.ndarray, run_day: int | None) -> tuple[int | None, list | None]:
    """The last day that is not far beyond the rest of the lines, and why later days are (None: none are).

    The reasons are ``(phrase, day)`` pairs: :data:`AFTER_RUN_DATE` or :data:`PAST_THE_BULK` and the day it names.

    ``days`` (days since 1970) and ``counts`` give the lines per day. A day is far
    beyond the rest when it is after ``run_day`` (today), unless every line is, or
    when it lies above a gap of more than a year under which 99 % of the lines are.

    >>> import numpy as np
    >>> day = lambda s: int(np.datetime64(s, "D").astype(int))
    >>> cut, why = outlier_cut(np.array([day("2024-01-02"), day("2024-03-01"), day("2099-01-01")]),
    ...                        np.array([500, 400, 1]), day("2026-01-01"))
    >>> str(np.datetime64(cut, "D")), why
    ('2024-03-01', [('after the run date {day}', '2026-01-01')])
    """
    if len(days) == 0:
        return None, None
    order = np.argsort(days)
    days, counts = np.asarray(days, np.int64)[order], np.asarray(counts, np.int64)[order]
    top, reasons = len(days), []
    if run_day is not None and days[0] <= run_day < days[-1]:
        top = int(np.searchsorted(days, run_day, side="right"))
        reasons.append((AFTER_RUN_DATE, str(np.datetime64(int(run_day), "D"))))
    total = counts.sum()
    above = np.cumsum(counts[::-1])[::-1]  # lines on or after each day
    gap_at = None
    for i in range(top - 1, 0, -1):
        if above[i] - (above[top] if top < len(days) else 0) > 0.01 * total:
            break
        if days[i] - days[i - 1] > 365:
            gap_at = i
    if gap_at is not None:
        top = gap_at
        reasons.insert(0, (PAST_THE_BULK, str(np.datetime64(int(days[top - 1]), "D"))))
    if top == len(days):
        return int(days[-1]), None
    return int(days[top - 1]), reasons


def _windows(ref: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    return ref - pd.DateOffset(months=12), ref - pd.DateOffset(months=24)


def _day(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts.normalize().date(), "D").astype(np.int64))


def aggregate_invoices(invoices: pd.DataFrame, *, reference_date: Any = None, run_date: Any = None) -> InvoiceTables:
    """Billing per client per year, per month, per category, and over 12-month windows.

    Parameters
    ----------
    invoices : DataFrame
        Lines as :func:`load_invoices` returns them: ``client_id``, ``date``,
        ``amount``, and optionally ``service_category`` and ``cost``.
    reference_date : date-like or "last-complete-month", optional
        The last day of the current 12 months; default the day of the last line.
        ``"last-complete-month"`` (what the analysis uses unless
        ``settings.loading.reference_date`` names a day): the day of the last line when
        it is its month's last day, else the last day of the month before (invoices
        exported on 9 December end on 30 November, so that a month cut short does not
        pass for a drop). Times are ignored: windows are made of whole days.

    run_date : date-like, optional
        Today by default: lines dated after it, or more than a year beyond the bulk
        of the lines, do not set the default reference date (see :func:`outlier_cut`).

    Returns
    -------
    InvoiceTables

    Notes
    -----
    With ``ref`` the reference day, a line dated on day D belongs to

    - the **current 12 months** when ``ref - 12 months < D <= ref``,
    - the **previous 12 months** when ``ref - 24 months < D <= ref - 12 months``,

    where ``ref - 12 months`` is the same day a year earlier (29 February gives
    28 February). A line on ``ref`` itself is current; a line on ``ref - 12
    months`` is previous. Lines after ``ref`` count in ``by_year``, ``by_month``,
    ``first_date``, ``last_date`` and ``n_lines``, not in the windows. Credit
    notes (negative amounts) are netted.

    Examples
    --------
    >>> lines = pd.DataFrame({"client_id": ["A", "A", "A"],
    ...     "date": pd.to_datetime(["2023-06-30", "2023-07-01", "2024-06-30"]),
    ...     "amount": [1.0, 10.0, 100.0]})
    >>> t = aggregate_invoices(lines)
    >>> t.per_client.loc[0, ["billing", "billing_previous"]].tolist()
    [110.0, nan]
    """
    missing = [c for c in ("client_id", "date", "amount") if c not in invoices.columns]
    if missing:
        raise ValueError(f"invoices lacks column(s) {missing}; load them with load_invoices")
    if len(invoices) == 0:
        return _empty_tables()
    return _aggregate_numpy(invoices, reference_date, run_date)


def _empty_tables() -> InvoiceTables:
    def frame(cols: dict) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})

    tables = InvoiceTables(
        by_year=frame({"client_id": "str", "year": "int64", "billing": "float64"}),
        by_month=frame({"client_id": "str", "month": "datetime64[us]", "billing": "float64"}),
        by_category=frame({"client_id": "str", "service_category": "str", "billing": "float64"}),
        per_client=frame(
            {
                "client_id": "str",
                "billing": "float64",
                "billing_previous": "float64",
                "cost": "float64",
                "first_date": "datetime64[us]",
                "last_date": "datetime64[us]",
                "n_lines": "int64",
            }
        ),
        reference_date=None,
        by_year_category=frame({"year": "int64", "service_category": "str", "billing": "float64"}),
    )
    tables.summary.update(n_lines=0, first_date=None, last_date=None, n_credit_lines=0)
    return tables


def _sorted_codes(series: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Codes (int32) of a text column, numbered in the sorted order of its distinct values."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        values = pa.array(series.cat.categories.astype("str").to_numpy(object), pa.large_string())
    else:
        arr = pa.array(series) if pd.api.types.is_string_dtype(series.dtype) else None
        if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = pa.array(series.astype("str"))
        codes, values = _encode(_combine(arr))
    if (codes < 0).any():
        raise ValueError(
            f"{series.name}: {int((codes < 0).sum())} line(s) without a value; load the lines with load_invoices"
        )
    order = pc.array_sort_indices(values).to_numpy()
    if (order == np.arange(len(order))).all():
        return codes.astype(np.int32, copy=False), values.cast(pa.large_string())
    rank = np.empty(len(order), np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    return rank[codes], values.take(pa.array(order)).cast(pa.large_string())


def _sum_by(
    key: np.ndarray, n_keys: int, *weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Keys present (sorted), their line counts and the sum of each weight per key."""
    if n_keys <= max(len(key), 1 << 22):
        counts = np.bincount(key, minlength=n_keys)
        present = np.flatnonzero(counts)
        return (
            present,
            counts[present],
            [np.bincount(key, weights=w, minlength=n_keys)[present] for w in weights],
        )
    # too many (client, period) pairs for a dense table: hash them instead
    frame = pd.DataFrame({"k": key, **{f"w{i}": w for i, w in enumerate(weights)}})
    grouped = frame.groupby("k", sort=True)
    sums = grouped.sum()
    return (
        sums.index.to_numpy(),
        grouped.size().to_numpy(),
        [sums[f"w{i}"].to_numpy() for i in range(len(weights))],
    )


def _aggregate_numpy(invoices: pd.DataFrame, reference_date: Any, run_date: Any = None) -> InvoiceTables:
    codes, clients = _sorted_codes(invoices["client_id"])
    n_clients = len(clients)
    stamps = invoices["date"].to_numpy("datetime64[us]")
    if np.isnat(stamps).any():
        raise ValueError("date: line(s) without a date; load the lines with load_invoices")
    micros = stamps.view(np.int64)
    amount = invoices["amount"].to_numpy("float64")
    day = (micros // 86_400_000_000).astype(np.int32)
    d0, d1 = int(day.min()), int(day.max())
    day -= d0
    per_day = np.bincount(day)
    present_days = np.flatnonzero(per_day)
    run = pd.Timestamp(run_date) if run_date is not None else pd.Timestamp.today()
    last, _ = outlier_cut(present_days + d0, per_day[present_days], _day(run))

    if isinstance(reference_date, str) and reference_date == LAST_COMPLETE_MONTH:
        ref = last_complete_day(last)
    elif reference_date is not None:
        ref = pd.Timestamp(reference_date).normalize()
    else:
        ref = pd.Timestamp(np.datetime64(last, "D"))
    cur_start, prev_start = _windows(ref)
    ref_d, cur_d, prev_d = _day(ref), _day(cur_start), _day(prev_start)
    previous_complete = d0 <= _day(prev_start + pd.DateOffset(months=1))

    # the calendar of the days spanned gives each line its month and window by lookup:
    # window 1 = current 12 months, 2 = previous 12 months, 0 = neither
    calendar = np.arange(d0, d1 + 1)
    month_of_day = calendar.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    m0 = int(month_of_day[0])
    n_months = int(month_of_day[-1]) - m0 + 1
    window_of_day = np.where((calendar > cur_d) & (calendar <= ref_d), 1, 0)
    window_of_day = np.where((calendar > prev_d) & (calendar <= cur_d), 2, window_of_day).astype(np.int8)
    month = (month_of_day - m0).astype(np.int32)[day]
    window = window_of_day[day]
    del day

    # sums per (client, month), then per (client, window): dense tables that stay in cache
    key = codes.astype(np.int64)
    key *= n_months
    key += month
    present, counts, (sums_m,) = _sum_by(key, n_clients * n_months, amount)
    client_of = (present // n_months).astype(np.int32)
    month_of = (present % n_months).astype(np.int32)
    months = (month_of + m0).astype("datetime64[M]")
    by_month = pd.DataFrame(
        {
            "client_id": clients.take(pa.array(client_of)).to_pandas(),
            "month": months.astype("datetime64[us]"),
            "billing": sums_m,
        }
    )
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    y0 = int(years.min()) if len(years) else 1970
    n_years = int(years.max() - y0 + 1) if len(years) else 1
    present_y, _, (sums_y,) = _sum_by(
        client_of.astype(np.int64) * n_years + (years - y0), n_clients * n_years, sums_m
    )
    by_year = pd.DataFrame(
        {
            "client_id": clients.take(pa.array((present_y // n_years).astype(np.int32))).to_pandas(),
            "year": (present_y % n_years + y0).astype(np.int64),
            "billing": sums_y,
        }
    )
    n_lines = np.bincount(client_of, weights=counts, minlength=n_clients).astype(np.int64)

    key = codes.astype(np.int64)
    key *= 3
    key += window
    by_window = np.bincount(key, weights=amount, minlength=n_clients * 3).reshape(n_clients, 3)
    billing = by_window[:, 1]
    billing_prev = by_window[:, 2] if previous_complete else np.full(n_clients, np.nan)
    cost = np.full(n_clients, np.nan)
    if "cost" in invoices.columns:
        c = invoices["cost"].to_numpy("float64", na_value=np.nan)
        missing = np.isnan(c)
        if missing.all():
            pass
        elif missing.any():
            with_cost = np.bincount(key, weights=~missing, minlength=n_clients * 3).reshape(n_clients, 3)[
                :, 1
            ]
            sums = np.bincount(key, weights=np.where(missing, 0.0, c), minlength=n_clients * 3)
            cost = np.where(with_cost > 0, sums.reshape(n_clients, 3)[:, 1], np.nan)
        else:
            lines_in = np.bincount(key, minlength=n_clients * 3).reshape(n_clients, 3)[:, 1]
            sums = np.bincount(key, weights=c, minlength=n_clients * 3).reshape(n_clients, 3)[:, 1]
            cost = np.where(lines_in > 0, sums, np.nan)
    del key
    cm_client, cm_month = client_of, month_of

    if "service_category" in invoices.columns:
        series = invoices["service_category"]
        cat_codes, cats = _sorted_codes(series.fillna(UNSPECIFIED) if series.hasnans else series)
    else:
        cat_codes, cats = np.zeros(len(codes), np.int32), pa.array([UNSPECIFIED], pa.large_string())
    n_cats = len(cats)
    current = window == 1
    key = codes[current].astype(np.int64)
    key *= n_cats
    key += cat_codes[current]
    present, _, (sums_c,) = _sum_by(key, n_clients * n_cats, amount[current])
    del key, current
    by_category = pd.DataFrame(
        {
            "client_id": clients.take(pa.array((present // n_cats).astype(np.int32))).to_pandas(),
            "service_category": cats.take(pa.array(present % n_cats)).to_pandas(),
            "billing": sums_c,
        }
    )

    # first and last line: only the lines in each client's first (last) month are compared
    first_month = np.empty(n_clients, np.int32)
    last_month = np.empty(n_clients, np.int32)
    runs = np.flatnonzero(np.r_[True, cm_client[1:] != cm_client[:-1]])  # (client, month) sorted
    ends = np.r_[runs[1:] - 1, len(cm_client) - 1]
    first_month[cm_client[runs]] = cm_month[runs]
    last_month[cm_client[ends]] = cm_month[ends]
    first = np.full(n_clients, np.iinfo(np.int64).max)
    last = np.full(n_clients, np.iinfo(np.int64).min)
    sel = month == first_month[codes]
    np.minimum.at(first, codes[sel], micros[sel])
    sel = month == last_month[codes]
    np.maximum.at(last, codes[sel], micros[sel])

    per_client = pd.DataFrame(
        {
            "client_id": clients.to_pandas(),
            "billing": billing,
            "billing_previous": billing_prev,
            "cost": cost,
            "first_date": first.view("datetime64[us]"),
            "last_date": last.view("datetime64[us]"),
            "n_lines": n_lines,
        }
    )
    # the portfolio per year and category, all lines
    all_cats = np.bincount(cat_codes.astype(np.int64) * n_months + month, weights=amount,
                           minlength=n_cats * n_months).reshape(n_cats, n_months)
    month_years = (np.arange(n_months) + m0).astype("datetime64[M]").astype("datetime64[Y]").astype(np.int64) + 1970
    counts_cm = np.bincount(cat_codes.astype(np.int64) * n_months + month, minlength=n_cats * n_months)
    has = counts_cm.reshape(n_cats, n_months) > 0
    rows = []
    for year in np.unique(month_years):
        cols = month_years == year
        for c in np.flatnonzero(has[:, cols].any(axis=1)):
            rows.append((int(year), cats[int(c)].as_py(), float(all_cats[c, cols].sum())))
    by_year_category = pd.DataFrame(rows, columns=["year", "service_category", "billing"]).astype(
        {"year": "int64", "service_category": "str", "billing": "float64"})
    tables = InvoiceTables(
        by_year=by_year,
        by_month=by_month,
        by_category=by_category,
        per_client=per_client,
        reference_date=ref,
        current_window=(cur_start, ref),
        previous_window=(prev_start, cur_start),
        previous_complete=bool(previous_complete),
        by_year_category=by_year_category,
    )
    tables.summary.update(n_lines=len(invoices), first_date=pd.Timestamp(stamps.min()),
                          last_date=pd.Timestamp(stamps.max()), n_credit_lines=int((amount < 0).sum()))
    return tables


# ----------------------------------------------------------------------------
# filling the client register
# ----------------------------------------------------------------------------
def _id_key(series: pd.Series) -> pd.Series:
    """Client ids as matching keys: text, stripped, ``17850.0`` as ``17850``."""
    s = series.astype("str").str.strip(_WS)
    return s.str.replace(_FLOAT_ID, r"\1", regex=True).where(series.notna())


def category_column(category: Any) -> str:
    """The register column of a service category: ``"Field service"`` -> ``"billing__field_service"``."""
    key = "_".join(normalise(category).split()) or UNSPECIFIED
    return f"billing__{key}"


def fill_register(clients: pd.DataFrame | None, tables: InvoiceTables, *, report=None) -> pd.DataFrame:
    """Fill a client register's billing from invoices where it lacks them, and add invoice-only clients.

    Parameters
    ----------
    clients : DataFrame or None
        The register, keyed by ``client_id``. None or empty: the register is
        built from the invoices alone.
    tables : InvoiceTables
        From :func:`aggregate_invoices`.

    Returns
    -------
    DataFrame
        A new frame: the register's rows first, in their order, then the clients
        found only in the invoices (``from_invoices_only=True``, ``name`` missing).
        ``billing`` (current 12 months), ``billing_previous`` and one
        ``billing__<category>`` column per service category (current 12 months,
        0 for a client of the invoices without that category) are filled from
        the invoices only where the register's cell is missing; a value the
        register gives is never replaced. Clients of the register absent from
        the invoices keep what they had. Missing columns are added.
        When the lines carry a cost (or a margin), ``profit`` over the current 12
        months -- billing less cost, or the margins summed -- fills the clients
        whose register gives neither ``profit`` nor ``margin_pct``; they are
        flagged ``profit_from_invoices`` and ``report`` (a
        :class:`~portfolio_analysis.load.validation.ValidationReport`) says how many.

    Examples
    --------
    >>> lines = pd.DataFrame({"client_id": ["A", "B"], "amount": [10.0, 5.0],
    ...                       "date": pd.to_datetime(["2024-03-01", "2024-03-02"])})
    >>> register = pd.DataFrame({"client_id": ["A"], "name": ["Acme"], "billing": [None]})
    >>> fill_register(register, aggregate_invoices(lines))[["client_id", "billing", "from_invoices_only"]]
      client_id  billing  from_invoices_only
    0         A     10.0               False
    1         B      5.0                True
    """
    per = tables.per_client[["client_id", "billing", "billing_previous"]].copy()
    per["client_id"] = per["client_id"].astype("str")
    wide = None
    if len(tables.by_category):
        cats = tables.by_category.assign(
            column=tables.by_category["service_category"].astype("str").map(category_column)
        )
        wide = cats.pivot_table(
            index="client_id", columns="column", values="billing", aggfunc="sum", observed=True
        )
        wide.index = wide.index.astype("str")
        wide.columns = [str(c) for c in wide.columns]
    filled = per.set_index("client_id")
    if wide is not None:
        filled = filled.join(wide, how="left")
        filled[list(wide.columns)] = filled[list(wide.columns)].fillna(0.0)
    value_columns = list(filled.columns)

    if clients is None or len(clients) == 0:
        base = (
            pd.DataFrame({"client_id": pd.Series(dtype="str"), "name": pd.Series(dtype="str")})
            if clients is None
            else clients.iloc[0:0].copy()
        )
    else:
        base = clients.copy()
    if "client_id" not in base.columns:
        raise ValueError("clients lacks a client_id column")
    if "name" not in base.columns:
        base["name"] = pd.Series(pd.NA, index=base.index, dtype="str")
    if "from_invoices_only" not in base.columns:
        base["from_invoices_only"] = False
    else:
        base["from_invoices_only"] = base["from_invoices_only"].fillna(False).astype(bool)
    for col in value_columns:
        if col not in base.columns:
            base[col] = np.nan

    key = _id_key(base["client_id"])
    matched = filled.reindex(key.to_numpy())
    for col in value_columns:
        from_invoices = pd.Series(matched[col].to_numpy(), index=base.index)
        base[col] = base[col].where(base[col].notna(), from_invoices).infer_objects()

    new_ids = filled.index[~filled.index.isin(key.dropna())]
    if len(new_ids):
        extra = filled.loc[new_ids].reset_index()
        extra["name"] = pd.Series(pd.NA, index=extra.index, dtype="str")
        extra["from_invoices_only"] = True
        base = pd.concat([base, extra[[c for c in extra.columns if c in base.columns]]], ignore_index=True)
    base["from_invoices_only"] = base["from_invoices_only"].astype(bool)
    return _profit_from_lines(base, tables, report)


def _profit_from_lines(base: pd.DataFrame, tables: InvoiceTables, report) -> pd.DataFrame:
    """``profit`` from the lines' cost or margin where the register has neither profit nor margin rate."""
    per = tables.per_client.set_index(tables.per_client["client_id"].astype("str"))
    if "margin" in per.columns and per["margin"].notna().any():
        lines_profit, source = per["margin"], "margin"
    elif "cost" in per.columns and per["cost"].notna().any():
        lines_profit, source = per["billing"] - per["cost"], "cost"
    else:
        return base
    key = _id_key(base["client_id"])
    from_lines = pd.Series(lines_profit.reindex(key.to_numpy()).to_numpy(np.float64), index=base.index)
    profit = pd.to_numeric(base["profit"], errors="coerce") if "profit" in base.columns else None
    margin = pd.to_numeric(base["margin_pct"], errors="coerce") if "margin_pct" in base.columns else None
    missing = pd.Series(True, index=base.index)
    if profit is not None:
        missing &= profit.isna()
    if margin is not None:
        missing &= margin.isna()
    fill = missing & from_lines.notna()
    if not fill.any():
        return base
    out = base.copy()
    out["profit"] = (profit if profit is not None else pd.Series(np.nan, index=base.index)).where(~fill, from_lines)
    out["profit_from_invoices"] = fill.to_numpy()
    if report is not None:
        message = (N_("clients whose profit is their billing less the cost of their invoice lines over the "
                      "current 12 months, the register giving none: {n}")
                   if source == "cost" else
                   N_("clients whose profit is the sum of the margins of their invoice lines over the current "
                      "12 months, the register giving none: {n}"))
        report.add("warning", "<invoices>", None, "profit", None, message, params={"n": int(fill.sum())})
    return out
