"""An invoice history of any size to the per-client tables, out of core: the plan run by an engine.

:func:`load_history` is what the analysis uses to read invoice lines. It checks
every line and sums them per client in one relational plan
(:mod:`~portfolio_analysis.load.plan`) run by an engine
(:mod:`~portfolio_analysis.load.engines`): DuckDB by default, streaming, so that
memory does not grow with the number of lines; Spark for histories that live on
a cluster or in a lake. No line comes back to Python: the engine returns the sums
per client (the :class:`~portfolio_analysis.load.billing.InvoiceTables` that
:func:`~portfolio_analysis.load.billing.aggregate_invoices` gives from loaded
lines, to the cent), the number of lines with each kind of problem, and the first
lines of each kind (row, column, value) for the report.

Three queries make a load: the days of the dates (which order a file writes day
and month in, the dates far beyond the rest, the reference date), the sums, and
the sample of problems (only when there are problems).

>>> lines = pd.DataFrame({"client": ["A", "A", "B", ""],
...                       "date": ["2024-01-15", "2024-02-03", "2024-02-10", "2024-02-11"],
...                       "montant": ["100", "-20,5", "40", "7"]})
>>> report = ValidationReport()
>>> load_history(lines, report=report).per_client[["client_id", "billing", "n_lines"]]
  client_id  billing  n_lines
0         A     79.5        2
1         B     40.0        1
>>> report.file_summary()[["rows_read", "rows_loaded", "rows_rejected"]].iloc[0].tolist()
[4, 3, 1]
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load import engines as _engines
from portfolio_analysis.load import inputs as _inputs
from portfolio_analysis.load import plan as _plan
from portfolio_analysis.load.billing import (
    LAST_COMPLETE_MONTH,
    InvoiceTables,
    _empty_tables,
    _windows,
    last_complete_day,
    outlier_cut,
)
from portfolio_analysis.load.invoices import date_examples
from portfolio_analysis.load.validation import ValidationReport, encode_params, problem_message

__all__ = ["load_history", "ENGINES"]

#: The engines :func:`load_history` runs on (``pandas``: the lines loaded in memory, then summed).
ENGINES = ("duckdb", "spark", "pandas")


def _loading_settings(settings: Mapping[str, Any] | None) -> dict:
    if settings is not None:
        return dict(settings)
    return dict(load_catalogue().settings.get("loading") or {})


def load_history(
    source,
    *,
    mapping: Mapping[str, str] | None = None,
    report: ValidationReport | None = None,
    date_formats: list[str] | None = None,
    reference_date: Any = None,
    engine: str | None = None,
    settings: Mapping[str, Any] | None = None,
    spark=None,
    progress: Callable[[str], None] | None = None,
    run_date: Any = None,
) -> InvoiceTables:
    """Check and sum invoice lines per client, out of core; report every problem by kind.

    Parameters
    ----------
    source : path, folder, glob or DataFrame
        A CSV, Parquet or Excel file; a folder of Parquet files (read recursively:
        a partitioned history), else of CSV files; a glob such as
        ``"history/*.parquet"``; on Spark any path the session reads
        (``s3a://lake/invoices/``). Files of a folder that cannot be read are
        reported and left out.
    mapping, date_formats
        As for :func:`~portfolio_analysis.load.invoices.load_invoices`.
    reference_date : date-like, "last-complete-month" or None
        As for :func:`~portfolio_analysis.load.billing.aggregate_invoices`.
    engine : {"duckdb", "spark", "pandas"}, optional
        Default ``settings.loading.engine``. ``pandas`` loads the lines in memory
        (:func:`~portfolio_analysis.load.invoices.load_invoices`) and sums them.
    settings : mapping, optional
        ``settings.loading`` (the catalogue's by default): ``memory_limit``,
        ``spill_folder``, ``threads``, ``max_amount``, ``problem_rows``, ``spark_master``.
    spark : SparkSession, optional
        The session of ``engine="spark"`` (default: the active one, else a local one).
    progress : callable, optional
        Called with a line such as ``"invoices: 12,000,000 lines read, 9 s"`` every
        few seconds once a load has taken more than three.
    run_date : date-like, optional
        Today by default: dates after it are far beyond the rest (see Notes).

    Returns
    -------
    InvoiceTables
        With ``summary``: lines loaded, first and last date, credit lines, the order
        day and month were read in per file, and the dates left out of the reference.

    Notes
    -----
    A file whose dates are written ``N/N/YYYY`` is read day first or month first
    from its own values: a first field above 12 settles day first, a second field
    above 12 month first; a file where no field says is read in the configured
    order, with a warning naming it. Dates after the run date, or more than a year
    beyond the bulk of the lines (under 1 % of them above a gap of a year), are
    reported; their lines are loaded but do not set the reference date. An amount
    that is not finite or beyond ``settings.loading.max_amount`` (±10^15) rejects the
    line, so no sum can become infinite. The report lists the first
    ``settings.loading.problem_rows`` lines of each kind of problem and counts the rest.
    """
    report = report if report is not None else ValidationReport()
    settings = _loading_settings(settings)
    name = engine or settings.get("engine") or "duckdb"
    formats = [str(f) for f in (date_formats or settings.get("date_formats") or
                                ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y"])]
    if name == "pandas":
        return _pandas_history(source, mapping, report, formats, reference_date, run_date)
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")
    inp = _inputs.open_input(source, mapping, report)
    eng = _engines.engine(name, settings, spark=spark)
    try:
        eng.use(inp)
        with _engines.Ticker(progress, eng.lines_read):
            return _run(eng, inp, report, formats, reference_date, settings, run_date)
    finally:
        eng.close()


# ----------------------------------------------------------------------------
# the three queries
# ----------------------------------------------------------------------------
def _query(eng, sql: str, wanted: list[str] | None = None):
    """A query of the plan run by the engine: an Arrow table."""
    return eng.query(_plan.to_dialect(sql, eng.dialect), wanted)


def _frame(table, files: list[str], g: int | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of a query's result (those of grouping set ``g``) as a DataFrame, files by name."""
    import pyarrow.compute as pc

    keep = pc.equal(table["g"], g) if g is not None else None
    if columns is not None:
        table = table.select(columns)
    if keep is not None:
        table = table.filter(keep)
    frame = table.to_pandas()
    if "_file" in frame.columns:  # the files by number in the plan, by name here
        names = dict(enumerate(files))
        frame["_file"] = [names.get(int(i)) if pd.notna(i) else None for i in frame["_file"]]
    return frame


def _shape(eng, inp) -> _plan.Shape:
    shape = inp.shape
    if getattr(eng, "quoting", False):
        shape = _plan.Shape(shape.fields, shape.typed, shape.text, quotes=True)
    return shape


def _run(eng, inp, report, formats, reference_date, settings, run_date) -> InvoiceTables:
    opt = _plan.Options(formats, max_amount=float(settings.get("max_amount") or _plan.MAX_AMOUNT),
                        sample=int(settings.get("problem_rows") or 20))
    # 1 the dates: which order each file writes, the outliers, the reference
    dates = _frame(_query(eng, _plan.dates_query(_shape(eng, inp), opt), ["date"]), inp.files)
    order = _date_order(dates, formats, inp, report)
    if order["swapped"]:
        opt.swapped = [inp.files.index(f) for f in order["swapped"]]
        opt.swapped_files = list(order["swapped"])
        dates = _frame(_query(eng, _plan.dates_query(_shape(eng, inp), opt), ["date"]), inp.files)
    days = dates[dates["day"].notna()].groupby("day")["n"].sum()
    days.index = days.index.astype(np.int64)
    run_day = _day_number(pd.Timestamp(run_date) if run_date is not None else pd.Timestamp(_dt.date.today()))
    cut, reason = outlier_cut(days.index.to_numpy(np.int64), days.to_numpy(np.int64), run_day)
    if cut is not None and (days.index > cut).any():
        opt.outlier_day = cut
    explicit = reference_date is not None and not (isinstance(reference_date, str)
                                                   and reference_date == LAST_COMPLETE_MONTH)
    candidate = days.index[days.index <= (cut if cut is not None else days.index.max())] if len(days) else []
    ref = _reference(reference_date, explicit, int(max(candidate)) if len(candidate) else None)
    # 2 the sums; once more if the last loaded line moves the reference
    while True:
        _set_windows(opt, ref)
        eng.keep("fine", _plan.to_dialect(_plan.tables_query(_shape(eng, inp), opt), eng.dialect))
        rollups = _plan.rollup_queries()
        flags = _flag_rows(_rollup(eng, rollups["files"]), inp.files)
        kept = flags[(flags["flags"] & (_plan.ERRORS | _plan.BLANK | _plan.KINDS["date_outlier"].bit)) == 0]
        last = _last_day(kept)
        if last is None:  # only dates beyond the rest: they set the reference after all
            last = _last_day(flags[(flags["flags"] & (_plan.ERRORS | _plan.BLANK)) == 0])
        again = None if explicit else _reference(reference_date, False, last)
        if explicit or again == ref:
            break
        ref = again
    # 3 the first lines of each kind of problem
    _report(eng, inp, report, flags, opt, reason, dates)
    tables = _tables(eng, rollups, flags, ref)
    tables.summary.update(date_order=order["order"], engine=eng.dialect,
                          outliers="; ".join(p.format(day=d) for p, d in reason) if reason else None)
    return tables


def _last_day(rows: pd.DataFrame) -> int | None:
    if not len(rows) or not rows["last_us"].notna().any():
        return None
    return int(rows["last_us"].max()) // 86_400_000_000


def _rollup(eng, sql: str):
    """A roll-up of the kept sums (no file read again)."""
    return eng.query(_plan.to_dialect(sql, eng.dialect), source=False)


def _flag_rows(rows, files: list[str]) -> pd.DataFrame:
    """The lines per file, flags and block of rows: ``n_all`` lines, their first and last date, credit notes."""
    frame = _frame(rows, files)
    frame["flags"] = frame["flags"].astype(np.int64)
    return frame


def _day_number(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts.normalize().date(), "D").astype(np.int64))


def _reference(reference_date, explicit: bool, last_day: int | None) -> pd.Timestamp | None:
    if explicit:
        return pd.Timestamp(reference_date).normalize()
    if last_day is None:
        return None
    if isinstance(reference_date, str) and reference_date == LAST_COMPLETE_MONTH:
        return last_complete_day(last_day)
    return pd.Timestamp(np.datetime64(int(last_day), "D"))


def _set_windows(opt: _plan.Options, ref: pd.Timestamp | None) -> None:
    if ref is None:
        opt.ref_day = opt.cur_day = opt.prev_day = None
        return
    cur, prev = _windows(ref)
    opt.ref_day, opt.cur_day, opt.prev_day = _day_number(ref), _day_number(cur), _day_number(prev)


# ----------------------------------------------------------------------------
# day first or month first, per file
# ----------------------------------------------------------------------------
_ORDER_NAMES = {True: N_("day first"), False: N_("month first")}


def _per_file(dates: pd.DataFrame) -> pd.DataFrame:
    """The dates query summed per file: lines, and the fields of the dates written N/N/YYYY."""
    return (dates.groupby("_file", sort=False)
            .agg(n_rows=("n_rows", "sum"), first_max=("first_max", "max"), second_max=("second_max", "max"),
                 n_ambiguous=("n_ambiguous", "sum")).reset_index())


def _date_order(dates: pd.DataFrame, formats: list[str], inp, report: ValidationReport) -> dict:
    configured = _plan.day_first(formats)
    out = {"swapped": [], "order": {}}
    if configured is None:
        return out
    per_file = _per_file(dates).rename(columns={"_file": "file"})
    for row in per_file.itertuples(index=False):
        if not row.n_ambiguous:
            continue
        first = 0 if pd.isna(row.first_max) else int(row.first_max)
        second = 0 if pd.isna(row.second_max) else int(row.second_max)
        column = inp.column(row.file, "date")
        if first > 12:
            day_first = True
        elif second > 12:
            day_first = False
        else:
            out["order"][row.file] = "day first" if configured else "month first"
            report.add("warning", row.file, None, column, None,
                       N_("no date says whether days or months come first (no field above 12 in "
                          "{n} dates written N/N/YYYY): they are read {order}, as configured; check them"),
                       params={"n": int(row.n_ambiguous), "order": {"msg": _ORDER_NAMES[configured]}})
            continue
        out["order"][row.file] = "day first" if day_first else "month first"
        if day_first != configured:
            out["swapped"].append(row.file)
            report.add("warning", row.file, None, column, None,
                       N_("dates written N/N/YYYY are read {order}: a field above 12 says so (the "
                          "configured order is {configured})"),
                       params={"order": {"msg": _ORDER_NAMES[day_first]},
                               "configured": {"msg": _ORDER_NAMES[configured]}})
    return out


# ----------------------------------------------------------------------------
# the report: counts per file and kind, and the first lines of each kind
# ----------------------------------------------------------------------------
def _report(eng, inp, report: ValidationReport, flags: pd.DataFrame, opt: _plan.Options,
            reason: list | None, dates: pd.DataFrame) -> None:
    read = _per_file(dates).set_index("_file")["n_rows"]  # every line of each file, from the dates query
    for file in inp.files:
        mine = flags[flags["_file"] == file]
        f = mine["flags"].to_numpy(np.int64)
        n = mine["n_all"].to_numpy(np.int64)
        blank = (f & _plan.BLANK) != 0
        rejected = ~blank & ((f & _plan.ERRORS) != 0)
        stats = report.stats(file, "invoices")
        stats.rows_read = int(read.get(file, 0))
        stats.rows_blank = int(n[blank].sum())
        stats.rows_rejected = int(n[rejected].sum())
        stats.rows_loaded = stats.rows_read - stats.rows_blank - stats.rows_rejected
    live = flags[(flags["flags"] != 0) & ((flags["flags"] & _plan.BLANK) == 0) & flags["_file"].notna()]
    counts: dict[tuple[str, int], int] = {}
    bound: dict[int, int] = {}  # file number -> the row before which the sample lies
    for kind in _plan.KINDS.values():
        hit = live[(live["flags"] & kind.bit) != 0]
        for file, part in hit.groupby("_file"):
            counts[(file, kind.bit)] = int(part["n_all"].sum())
            per_block = part.groupby("block")["n_all"].sum().sort_index()
            cumulative = per_block.cumsum().to_numpy()
            last = int(np.searchsorted(cumulative, opt.sample)) if cumulative[-1] >= opt.sample else len(cumulative) - 1
            number = inp.files.index(file)
            bound[number] = max(bound.get(number, 0), (int(per_block.index[last]) + 1) * _plan.BLOCK)
    if not counts:
        return
    bits = sorted({b for _, b in counts})
    sample = _frame(_query(eng, _plan.sample_query(_shape(eng, inp), opt, bits, bound)), inp.files)
    by_bit = {k.bit: k for k in _plan.KINDS.values()}
    rows = []
    ordered = sample.sort_values(["_file", "_row", "bit"]).rename(columns={"_file": "file", "_row": "row"})
    for r in ordered.itertuples(index=False):
        kind = by_bit[int(r.bit)]
        column, value, params = inp.column(r.file, kind.field), _value(r), _params(kind, r.file, opt, reason)
        if kind.value == "quote" and isinstance(value, str):
            column, _, value = value.partition(_inputs._US)
            params = {"column": repr(column)}
        rows.append({"severity": kind.severity, "file": r.file, "row": int(r.row), "column": column,
                     "value": value, "template": kind.template, "params": encode_params(params)})
    for r in rows:
        r["message"] = problem_message(r["template"], r["params"], "en", value=r["value"])
        r["suggestion"] = None
    if rows:
        listed = pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object) for c in rows[0]})
        listed["row"] = listed["row"].astype("int64")
        report.add_frame(listed)
    shown = sample.groupby(["_file", "bit"]).size()
    for (file, bit), n in counts.items():
        kind = by_bit[bit]
        more = n - int(shown.get((file, bit), 0))
        if more > 0:
            params = _params(kind, file, opt, reason)
            column = inp.column(file, kind.field) if kind.value != "quote" else None
            report.add_count(kind.severity, file, column, kind.template, more, params=encode_params(params))


def _params(kind: _plan.Kind, file: str, opt: _plan.Options, reason: list | None) -> dict | None:
    if kind.bit == _plan.KINDS["date_bad"].bit:
        swapped = file in opt.swapped_files
        return {"formats": date_examples(_plan.swap_day_month(opt.formats) if swapped else opt.formats)}
    if kind.bit in (_plan.KINDS["amount_huge"].bit, _plan.KINDS["product_huge"].bit):
        return {"limit": f"{opt.max_amount:g}"}
    if kind.bit == _plan.KINDS["date_outlier"].bit:  # the reason in each language of the report
        from portfolio_analysis.i18n.language import LANGS, language

        return {"reason": {lang: "; ".join(language(lang).gettext(phrase).format(day=day) for phrase, day in reason or [])
                           for lang in LANGS}}
    return None


def _value(r) -> str | None:
    """The cell a problem quotes, as a spreadsheet user reads it."""
    if isinstance(r.text, str):
        return r.text
    if r.number is not None and not pd.isna(r.number):
        import pyarrow as pa

        return pa.array([float(r.number)]).cast(pa.string())[0].as_py()
    if r.stamp is not None and not pd.isna(r.stamp):
        return str(np.datetime64(int(r.stamp), "us").astype("datetime64[s]")).replace("T", " ")
    return None


# ----------------------------------------------------------------------------
# the per-client tables from the sums
# ----------------------------------------------------------------------------
def _months(ym: pd.Series) -> np.ndarray:
    return (ym.to_numpy(np.int64) - (1970 * 12)).astype("datetime64[M]").astype("datetime64[us]")


def _tables(eng, rollups: dict[str, str], flags: pd.DataFrame, ref: pd.Timestamp | None) -> InvoiceTables:
    clients_rows = _rollup(eng, rollups["clients"]).to_pandas()
    if clients_rows.empty:
        tables = _empty_tables()
        tables.summary.update(n_lines=0, first_date=None, last_date=None, n_credit_lines=0)
        return tables
    clients = pd.Index(clients_rows["client"].astype("str"), dtype="str")
    per = clients_rows.set_index(clients)
    months = _rollup(eng, rollups["months"])
    by_month = pd.DataFrame({"client_id": months["client"].to_pandas().astype("str"),
                             "month": _months(months["ym"].to_pandas()), "billing": months["billing"].to_numpy()})
    del months
    by_year = (_rollup(eng, rollups["years"]).to_pandas().rename(columns={"client": "client_id"})
               .astype({"client_id": "str", "year": "int64"}))
    cats = _rollup(eng, rollups["windows"]).to_pandas()
    loaded = flags[(flags["flags"] & (_plan.ERRORS | _plan.BLANK)) == 0]
    current, previous = cats[cats["win"] == 1], cats[cats["win"] == 2]
    first_day = int(loaded["first_us"].min()) // 86_400_000_000
    previous_complete = False
    cur_start = prev_start = None
    if ref is not None:
        cur_start, prev_start = _windows(ref)
        previous_complete = first_day <= _day_number(prev_start + pd.DateOffset(months=1))

    def per_client(frame: pd.DataFrame, column: str, fill) -> pd.Series:
        return frame.groupby("client")[column].sum().reindex(clients, fill_value=fill)

    billing = per_client(current, "billing", 0.0)
    billing_previous = (per_client(previous, "billing", 0.0) if previous_complete
                        else pd.Series(np.nan, index=clients))
    cost = per_client(current, "cost", 0.0).where(per_client(current, "n_cost", 0) > 0)
    n_margin = per_client(current, "n_margin", 0)
    out = pd.DataFrame({
        "client_id": pd.Series(clients, dtype="str"),
        "billing": billing.to_numpy(np.float64),
        "billing_previous": billing_previous.to_numpy(np.float64),
        "cost": cost.to_numpy(np.float64),
        "first_date": per["first_us"].to_numpy(np.int64).view("datetime64[us]"),
        "last_date": per["last_us"].to_numpy(np.int64).view("datetime64[us]"),
        "n_lines": per["n_lines"].to_numpy(np.int64),
    })
    if n_margin.sum() > 0:
        out["margin"] = per_client(current, "margin", 0.0).where(n_margin > 0).to_numpy(np.float64)
    by_category = (current.rename(columns={"client": "client_id", "cat": "service_category"})
                   [["client_id", "service_category", "billing"]].reset_index(drop=True)
                   .astype({"client_id": "str", "service_category": "str", "billing": "float64"}))
    by_year_category = (_rollup(eng, rollups["categories"]).to_pandas()
                        .rename(columns={"cat": "service_category"})
                        .astype({"service_category": "str", "year": "int64", "billing": "float64"}))
    tables = InvoiceTables(
        by_year=by_year.reset_index(drop=True),
        by_month=by_month.reset_index(drop=True),
        by_category=by_category.reset_index(drop=True),
        per_client=out,
        reference_date=ref,
        current_window=(cur_start, ref) if ref is not None else None,
        previous_window=(prev_start, cur_start) if ref is not None else None,
        previous_complete=bool(previous_complete),
        by_year_category=by_year_category,
    )
    tables.summary.update(
        n_lines=int(loaded["n_all"].sum()),
        first_date=pd.Timestamp(np.datetime64(int(loaded["first_us"].min()), "us")),
        last_date=pd.Timestamp(np.datetime64(int(loaded["last_us"].max()), "us")),
        n_credit_lines=int(loaded["n_credit"].sum()),
    )
    return tables


# ----------------------------------------------------------------------------
# the lines in memory (engine "pandas")
# ----------------------------------------------------------------------------
def _pandas_history(source, mapping, report, formats, reference_date, run_date) -> InvoiceTables:
    from portfolio_analysis.load.billing import aggregate_invoices
    from portfolio_analysis.load.invoices import load_invoices

    lines = load_invoices(source, mapping=mapping, report=report, date_formats=formats)
    tables = aggregate_invoices(lines, reference_date=reference_date, run_date=run_date)
    tables.summary["engine"] = "pandas"
    return tables
