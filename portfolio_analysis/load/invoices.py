"""Invoice lines, loaded as consultants receive them: every line loaded or reported.

:func:`load_invoices` reads invoice lines from CSV (``,`` or ``;``, UTF-8, UTF-8
with BOM or Windows-1252, decimal comma), Parquet, Excel or a DataFrame, maps the
file's columns to :data:`INVOICE_FIELDS`, and checks every line. A line with no
client id, no date or a date that does not parse, or no amount or an amount that
does not parse, is *rejected* and reported with its row number (the header is
row 1); every other line is loaded, credit notes and returns (negative amounts)
included. Lines whose invoice columns are all empty are counted as blank.
``rows_read == rows_loaded + rows_rejected + rows_blank`` for every file.

The lines are read with pyarrow, a million at a time, and checked on arrow and
numpy arrays: on the 2-core machine of ``bench/bench_invoices.py`` 10 million
Parquet lines reach the per-client tables in about 2.5 s under 1 GiB (see
``bench/README.md``). The work is shared with :mod:`~portfolio_analysis.load.sources`
(the file, its columns, its batches) and :mod:`~portfolio_analysis.load.arrow_cells`
(parsing the cells); :mod:`~portfolio_analysis.load.billing` aggregates the lines
per client.

Client ids and service categories repeat, so the lines hold them as pandas
categoricals of ``str`` (``categorical=False`` gives plain ``str`` columns, at
about 1.5 times the memory and time on large files).

>>> lines = pd.DataFrame({"client": ["A", "A", "B"],
...                       "date": ["2024-01-15", "2024-02-03", "2024-02-10"],
...                       "montant": ["100", "-20,5", "40"]})
>>> load_invoices(lines)[["client_id", "date", "amount", "source_row"]]
  client_id       date  amount  source_row
0         A 2024-01-15   100.0           2
1         A 2024-02-03   -20.5           3
2         B 2024-02-10    40.0           4
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.arrow_cells import (
    _Cells,
    _clean_text_values,
    _mask,
    _parse_dates,
    _parse_ids,
    _parse_numbers,
    _writable,
)

# aggregation and the register lived here before: their names stay importable from this module
from portfolio_analysis.load.billing import (
    UNSPECIFIED,
    InvoiceTables,
    aggregate_invoices,
    category_column,
    fill_register,
)
from portfolio_analysis.load.sources import (
    INVOICE_FIELDS,
    _capacity,
    _iter_batches,
    _open_source,
    _resolve_columns,
    _Source,
)
from portfolio_analysis.load.validation import (
    PROBLEM_COLUMNS,
    InputError,
    ValidationReport,
    encode_params,
    problem_message,
)

__all__ = [
    "INVOICE_FIELDS",
    "LINE_COLUMNS",
    "load_invoices",
    "InvoiceTables",
    "aggregate_invoices",
    "category_column",
    "fill_register",
]

#: The columns of the frame returned by :func:`load_invoices`.
LINE_COLUMNS = ["client_id", "date", "amount", "service_category", "cost", "invoice_id", "source_row"]


# ----------------------------------------------------------------------------
# the public loader
# ----------------------------------------------------------------------------
def load_invoices(
    source: str | Path | pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None = None,
    report: ValidationReport | None = None,
    date_formats: list[str] | tuple[str, ...] | None = None,
    categorical: bool = True,
) -> pd.DataFrame:
    """Load invoice lines, check every line, and report what was not loaded.

    Parameters
    ----------
    source : path or DataFrame
        A CSV file (``,``/``;``/tab, UTF-8, UTF-8 with BOM or Windows-1252,
        decimal point or comma), a Parquet file, an Excel ``.xlsx`` file (first
        sheet) or a DataFrame.
    mapping : dict, optional
        FIELD -> the file's column, for fields of :data:`INVOICE_FIELDS` whose
        column has another name, e.g. ``{"client_id": "CustomerID", "date":
        "InvoiceDate", "quantity": "Quantity", "unit_price": "UnitPrice"}``.
        Other fields are found by name (English or French, any case, with or
        without accents; see :data:`~portfolio_analysis.load.sources.HEADER_ALIASES`).
    report : ValidationReport, optional
        Receives the problems and the counts of the file (kind ``"invoices"``).
    date_formats : list of str, optional
        ``strptime`` formats tried in turn; default the catalogue's
        ``settings.loading.date_formats``. Day and month order is never guessed.
    categorical : bool
        Hold ``client_id`` and ``service_category`` as categoricals of ``str``
        (default: the values repeat; 10 million lines fit in half the memory).
        False gives ``str`` columns.

    Returns
    -------
    DataFrame
        One row per loaded line, in file order: ``client_id`` (text),
        ``date`` (datetime64[us]),
        ``amount`` (float64; ``quantity * unit_price`` when there is no amount
        column), ``service_category`` (text, ``"unspecified"`` where blank),
        ``cost`` (float64, NaN where absent), ``invoice_id`` (str or NA),
        ``source_row`` (int64, the row number a spreadsheet shows, header = 1).

    Raises
    ------
    InputError
        The file cannot be read at all.
    DataValidationError
        A required column (client id, date, amount or quantity and unit price)
        is missing, or a mapped column is not in the file; the report has one
        error naming the columns found.

    Notes
    -----
    Rejected (error, not loaded): a blank client id, a blank date, a date that
    parses with none of the formats or falls outside 1900-2199, a blank or
    non-numeric amount (or quantity, or unit price). A cost that does not parse
    is a warning: the line is kept with no cost. Client ids are stripped text;
    ``17850.0`` (a numeric id read as a float) becomes ``17850``. The file's
    lines whose invoice columns are all empty are counted as blank, not
    reported. Numbers are read as :func:`~portfolio_analysis.load.cells.parse_number`
    reads them (``1 234,56 €``), percentages refused; plain numbers and dates
    written exactly as a format writes them take a fast path, the rest the
    shared parsers. Without ``report`` the problems are not kept anywhere.
    """
    report = report if report is not None else ValidationReport()
    if date_formats is None:
        date_formats = load_catalogue().settings.get("loading", {}).get("date_formats") or [
            "%Y-%m-%d",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%d/%m/%Y",
        ]
    formats = [str(f) for f in date_formats]
    src = _open_source(source)
    columns = _resolve_columns(src, mapping, report)
    lines, problems, counts = _load_lines(src, columns, formats, categorical)
    # arrow keeps the buffers it freed for reuse; hand them back now that loading is done
    pa.default_memory_pool().release_unused()
    report.add_frame(problems)
    stats = report.stats(src.file, "invoices")
    stats.rows_read, stats.rows_loaded, stats.rows_rejected, stats.rows_blank = counts
    return lines


# ----------------------------------------------------------------------------
# loading: batch after batch, every line kept or reported
# ----------------------------------------------------------------------------
@dataclass
class _Check:
    severity: str
    field: str
    mask: np.ndarray
    message: str  # the template, a phrase of the catalogue
    values: list | None = None  # the cells at the mask's rows (None: blank cells)
    params: str | None = None  # the template's parameters (JSON), the same for every line


def _load_lines(src: _Source, columns: dict[str, str], formats: list[str], categorical: bool):
    attempt = 0
    while True:
        lines = _Lines(src.file, columns, formats, categorical, _capacity(src))
        try:
            for cells, n, rows in _iter_batches(src, columns, attempt):
                lines.add(cells, n, rows)
            return lines.finish()
        except pa.ArrowInvalid as exc:
            if src.kind != "csv" or attempt >= 3:
                raise InputError(f"{src.file}: cannot be read as a table ({exc})") from exc
            # a Windows-1252 byte after the sniffed sample, then quoted line breaks, then pandas
            attempt = (
                1
                if ("UTF8" in str(exc) and attempt == 0 and src.encoding != "cp1252")
                else (2 if attempt < 2 else 3)
            )


def _empty(n: int, dtype) -> np.ndarray:
    """An uninitialised array in arrow's memory pool (4 KiB pages: no huge-page compaction stall)."""
    itemsize = np.dtype(dtype).itemsize
    buffer = pa.allocate_buffer(max(n * itemsize, 1))
    return np.frombuffer(buffer, dtype=dtype, count=n)


class _Lines:
    """The lines loaded so far, batch after batch, and the problems found.

    With a ``capacity`` (the number of lines, when the source tells it) the kept
    values go straight into arrays of that size; otherwise batch by batch into a
    list joined at the end.
    """

    def __init__(
        self, file: str, columns: dict[str, str], formats: list[str], categorical: bool, capacity: int | None
    ):
        self.file, self.columns, self.formats, self.categorical = file, columns, formats, categorical
        self.capacity = capacity
        self.numeric = {
            "client": np.int32,
            "date": np.int64,
            "amount": np.float64,
            "cost": np.float64,
            "cat": np.int32,
            "row": np.int64,
        }
        if capacity is not None:
            self.out = {k: _empty(capacity, t) for k, t in self.numeric.items()}
        else:
            self.out = {k: [] for k in self.numeric}
        self.client_values: list[pa.Array] = []
        self.cat_values: list[pa.Array] = []
        self.batch_sizes: list[int] = []  # kept lines per batch
        self.invoice: list[pa.Array] = []
        self.problems: list[pd.DataFrame] = []
        self.n_read = self.n_kept = self.n_rejected = self.n_blank = 0

    def _put(self, key: str, values: np.ndarray, keep: np.ndarray | None, n_kept: int) -> None:
        if self.capacity is None:
            self.out[key].append(values.copy() if keep is None else values[keep])
            return
        target = self.out[key][self.n_kept : self.n_kept + n_kept]
        target[...] = values if keep is None else values[keep]

    def add(self, cells: dict[str, _Cells], n: int, rows: np.ndarray | None) -> None:
        columns, formats = self.columns, self.formats
        client_codes, client_values = _parse_ids(cells.pop("client_id"))
        date_cells = cells.pop("date")
        date_values, date_blank, date_bad = _parse_dates(date_cells, formats)
        blank_line = (client_codes < 0) & date_blank
        checks = [
            _Check("error", "client_id", client_codes < 0, _MESSAGES["client_id"]),
            _Check("error", "date", date_blank, _MESSAGES["date_blank"]),
            _Check("error", "date", date_bad, _MESSAGES["bad_date"], _bad_text(date_cells, date_bad),
                   params=encode_params({"formats": date_examples(formats)})),
        ]
        del date_cells
        amount = None
        kept_cells = {}
        for field in ["amount"] if "amount" in columns else ["quantity", "unit_price"]:
            number_cells = kept_cells[field] = cells.pop(field)
            values, blank, bad = _parse_numbers(number_cells)
            # a number too large (1e309, or beyond ±1e15) is not "not a number": it is rejected as too large
            huge = (bad & _not_finite(number_cells)) | (~bad & ~blank & ~(np.abs(values) <= _MAX_AMOUNT))
            if field != "amount":
                huge[:] = False
            bad_text = bad & ~huge
            values = values if not huge.any() else np.where(huge, np.nan, values)
            amount = values if amount is None else amount * values
            blank_line &= blank
            checks += [
                _Check("error", field, blank, _BLANK[field]),
                _Check("error", field, bad_text, _MESSAGES["bad_number"], _bad_text(number_cells, bad_text)),
            ]
            if huge.any():
                checks.append(_Check("error", field, huge, _MESSAGES["huge"], _bad_text(number_cells, huge),
                                     params=encode_params({"limit": f"{_MAX_AMOUNT:g}"})))
        if "amount" not in columns:  # each factor read, the product too large: rejected, quoting the quantity
            product_huge = ~np.isnan(amount) & ~(np.abs(amount) <= _MAX_AMOUNT)
            if product_huge.any():
                checks.append(_Check("error", "quantity", product_huge, _MESSAGES["product_huge"],
                                     _bad_text(kept_cells["quantity"], product_huge),
                                     params=encode_params({"limit": f"{_MAX_AMOUNT:g}"})))
        del kept_cells
        cost = None
        if "cost" in columns:
            cost_cells = cells.pop("cost")
            cost, blank, bad = _parse_numbers(cost_cells)
            blank_line &= blank
            checks.append(_Check("warning", "cost", bad, _MESSAGES["bad_cost"], _bad_text(cost_cells, bad)))
            del cost_cells
        if "service_category" in columns:
            cat_codes, cat_values = _parse_ids(cells.pop("service_category"), id_rule=False)
            blank_line &= cat_codes < 0
        else:
            cat_codes, cat_values = np.full(n, -1, np.int32), pa.array([], pa.large_string())
        invoice = None
        if "invoice_id" in columns:
            invoice_cells = cells.pop("invoice_id")
            invoice = (
                invoice_cells.text
                if invoice_cells.clean
                else _clean_text_values(invoice_cells.as_text(), id_rule=True)
            )
            if invoice.null_count:
                blank_line &= _mask(pc.is_null(invoice))
            else:
                blank_line[:] = False
        rejected = np.zeros(n, bool)
        for check in checks:
            check.mask &= ~blank_line
            if check.severity == "error":
                rejected |= check.mask
        offset = self.n_read
        self.problems.append(_problem_frame(self.file, columns, rows, checks, offset))
        keep = ~rejected & ~blank_line
        n_kept = int(keep.sum())
        keep_or_all = None if n_kept == n else keep
        self._put("client", client_codes, keep_or_all, n_kept)
        self._put("date", date_values, keep_or_all, n_kept)
        self._put("amount", amount, keep_or_all, n_kept)
        if cost is None:
            cost = np.full(n, np.nan)
        self._put("cost", cost, keep_or_all, n_kept)
        self._put("cat", cat_codes, keep_or_all, n_kept)
        if rows is None:  # CSV and Parquet: the line after the header is row 2
            rows = np.arange(offset + 2, offset + n + 2, dtype=np.int64)
        self._put("row", rows, keep_or_all, n_kept)
        self.client_values.append(client_values)
        self.cat_values.append(cat_values)
        self.batch_sizes.append(n_kept)
        if invoice is None:
            invoice = pa.nulls(n_kept, pa.large_string())
        elif keep_or_all is not None:
            invoice = invoice.filter(pa.array(keep))
        self.invoice.append(invoice.cast(pa.large_string()))
        self.n_read += n
        self.n_kept += n_kept
        self.n_rejected += int(rejected.sum())
        self.n_blank += int(blank_line.sum())

    def finish(self) -> tuple[pd.DataFrame, pd.DataFrame, tuple[int, int, int, int]]:
        out = self.out
        if self.capacity is None:
            out = {
                k: (v[0] if len(v) == 1 else np.concatenate(v)) if v else np.empty(0, self.numeric[k])
                for k, v in out.items()
            }
        else:
            out = {k: v[: self.n_kept] for k, v in out.items()}
        client = _merge_codes(out["client"], self.client_values, self.batch_sizes)
        cat = _merge_codes(out["cat"], self.cat_values, self.batch_sizes, blank=UNSPECIFIED)
        lines = pd.DataFrame(
            {
                "client_id": _text_column(*client, self.categorical),
                "date": out["date"].view("datetime64[us]"),
                "amount": out["amount"],
                "service_category": _text_column(*cat, self.categorical),
                "cost": out["cost"],
                "invoice_id": pa.chunked_array(self.invoice, pa.large_string()).to_pandas(),
                "source_row": out["row"],
            },
            copy=False,
        )
        problems = [p for p in self.problems if len(p)]
        problems = (
            pd.concat(problems, ignore_index=True)
            if problems
            else _problem_frame(self.file, self.columns, None, [], 0)
        )
        return lines, problems, (self.n_read, self.n_kept, self.n_rejected, self.n_blank)


def _merge_codes(
    codes: np.ndarray, values: list[pa.Array], sizes: list[int], *, blank: str | None = None
) -> tuple[np.ndarray, pa.Array]:
    """Renumber, in place, codes numbered per batch into one space of the distinct values used.

    The values come out sorted and without those no kept line uses; ``blank``
    names the code -1 (a blank category) when given.
    """
    codes = _writable(codes)
    values = [v.cast(pa.large_string()) for v in values]
    if blank is not None:
        values = [pa.concat_arrays([v, pa.array([blank], pa.large_string())]) for v in values]
    if not values:
        return codes, pa.array([], pa.large_string())
    everything = pa.concat_arrays(values)
    enc = pc.dictionary_encode(everything)
    merged = enc.dictionary
    remap = enc.indices.to_numpy(zero_copy_only=False).astype(np.int32)  # batch value -> merged value
    offsets = np.cumsum([0] + [len(v) for v in values])
    bounds = np.cumsum([0] + sizes)
    used = np.zeros(len(merged), bool)
    for i, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        local = remap[offsets[i] : offsets[i + 1]]
        chunk = codes[start:stop]
        if blank is not None:
            chunk = np.where(chunk < 0, len(local) - 1, chunk)
        used[local[np.bincount(chunk, minlength=len(local)) > 0]] = True
    # sorted, used values only: the final number of each merged value
    order = pc.array_sort_indices(merged).to_numpy()
    order = order[used[order]]
    final = np.full(len(merged), -1, np.int32)
    final[order] = np.arange(len(order), dtype=np.int32)
    for i, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        local = final[remap[offsets[i] : offsets[i + 1]]]
        chunk = codes[start:stop]
        chunk[...] = local[chunk]  # code -1 picks the last local value: the blank name when there is one
    return codes, merged.take(pa.array(order))


def _text_column(codes: np.ndarray, values: pa.Array, categorical: bool) -> pd.Series | pd.Categorical:
    """The text of each line from its code and the (sorted, distinct) values."""
    if categorical:
        return pd.Categorical.from_codes(
            codes, categories=pd.Index(values.to_pandas(), dtype="str"), validate=False
        )
    return values.take(pa.array(codes)).to_pandas()


def _bad_text(cells: _Cells, bad: np.ndarray) -> list:
    return cells.strings_at(np.flatnonzero(bad)) if bad.any() else []


_MAX_AMOUNT = 1e15


def _not_finite(cells: _Cells) -> np.ndarray:
    """Cells holding a number that is not finite (``inf``, ``1e309``): read, but too large."""
    if cells.typed is not None and not pa.types.is_timestamp(cells.typed.type):
        typed = _mask(pc.is_inf(cells.typed.cast(pa.float64())))
    else:
        typed = np.zeros(cells.n, bool)
    if cells.text is None:
        return typed
    text = pc.utf8_lower(pc.utf8_trim_whitespace(cells.as_text()))
    sci = _mask(pc.match_substring_regex(text, r"^[+-]?[0-9]+([.,][0-9]+)?e[+-]?[0-9]+$"))
    if sci.any():
        values = pc.cast(pc.replace_substring(text.filter(pa.array(sci)), ",", "."), pa.float64(), safe=False)
        big = np.zeros(cells.n, bool)
        big[np.flatnonzero(sci)] = _mask(pc.is_inf(values))
        return typed | big
    return typed


def date_examples(formats) -> str:
    """The date formats a reader knows, by example: ``%d/%m/%Y`` -> ``31/12/2025``.

    >>> date_examples(["%Y-%m-%d", "%d/%m/%Y %H:%M"])
    '2025-12-31, 31/12/2025 23:59'
    """
    import datetime

    day = datetime.datetime(2025, 12, 31, 23, 59, 58)
    return ", ".join(dict.fromkeys(day.strftime(f) for f in formats))


_MESSAGES = {
    "huge": N_("not a finite amount, or beyond ±{limit}; the line is not loaded"),
    "product_huge": N_("quantity × unit price is not finite, or beyond ±{limit}; the line is not loaded"),
    "client_id": N_("no client id; the line is not loaded"),
    "date_blank": N_("no date; the line is not loaded"),
    "bad_number": N_("not a number; the line is not loaded"),
    "bad_cost": N_("cost is not a number; the line is loaded without a cost"),
    "bad_date": N_("not a date written as {formats} (or outside 1900-2199); the line is not loaded"),
}
_BLANK = {
    "amount": N_("no amount; the line is not loaded"),
    "quantity": N_("no quantity; the line is not loaded"),
    "unit_price": N_("no unit price; the line is not loaded"),
}


def _problem_frame(
    file: str, columns: dict[str, str], rows: np.ndarray | None, checks: list[_Check], offset: int
) -> pd.DataFrame:
    """One problem per failed check and line (``rows`` None: row = offset + position + 2)."""
    parts = []
    for check in checks:
        pos = np.flatnonzero(check.mask)
        if len(pos) == 0:
            continue
        values = check.values if check.values is not None else [None] * len(pos)
        parts.append(
            pd.DataFrame(
                {
                    "severity": check.severity,
                    "file": file,
                    "row": pos + offset + 2 if rows is None else rows[pos],
                    "column": columns[check.field],
                    "value": pd.Series(values, dtype=object),
                    "message": problem_message(check.message, check.params),
                    "suggestion": None,
                    "template": check.message,
                    "params": check.params,
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    return pd.concat(parts, ignore_index=True)[PROBLEM_COLUMNS]
