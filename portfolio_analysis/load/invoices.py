"""Invoice lines: loading them as consultants receive them, and billing per client.

:func:`load_invoices` reads invoice lines from CSV (``,`` or ``;``, UTF-8, UTF-8
with BOM or Windows-1252, decimal comma), Parquet, Excel or a DataFrame, maps the
file's columns to :data:`INVOICE_FIELDS`, and checks every line. A line with no
client id, no date or a date that does not parse, or no amount or an amount that
does not parse, is *rejected* and reported with its row number (the header is
row 1); every other line is loaded, credit notes and returns (negative amounts)
included. Lines whose invoice columns are all empty are counted as blank.
``rows_read == rows_loaded + rows_rejected + rows_blank`` for every file.

:func:`aggregate_invoices` turns the lines into billing per client per calendar
year, per calendar month, per service category over the current 12 months, and
the current and previous 12 months per client (:class:`InvoiceTables`).
:func:`fill_register` puts these figures into a client register where it lacks
them, and adds the clients found only in the invoices.

The lines are read with pyarrow, a million at a time, and checked on arrow and
numpy arrays: on the 2-core machine of ``bench/bench_invoices.py`` 10 million
Parquet lines reach the per-client tables in about 2.5 s under 1 GiB (see
``bench/README.md``).

Client ids and service categories repeat, so the lines hold them as pandas
categoricals of ``str`` (``categorical=False`` gives plain ``str`` columns, at
about 1.5 times the memory and time on large files).

>>> lines = pd.DataFrame({"client": ["A", "A", "B"],
...                       "date": ["2024-01-15", "2024-02-03", "2024-02-10"],
...                       "montant": ["100", "-20,5", "40"]})
>>> inv = load_invoices(lines)
>>> aggregate_invoices(inv).per_client[["client_id", "billing"]]
  client_id  billing
0         A     79.5
1         B     40.0
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from portfolio_analysis.config.catalogue import load_catalogue, normalise
from portfolio_analysis.load.cells import parse_date, parse_number
from portfolio_analysis.load.files import detect_encoding, detect_separator, read_table
from portfolio_analysis.load.validation import (
    PROBLEM_COLUMNS,
    DataValidationError,
    InputError,
    ValidationReport,
)

__all__ = [
    "INVOICE_FIELDS",
    "LINE_COLUMNS",
    "InvoiceTables",
    "load_invoices",
    "aggregate_invoices",
    "fill_register",
]

#: The canonical fields of an invoice line.
INVOICE_FIELDS = (
    "client_id",
    "date",
    "amount",
    "quantity",
    "unit_price",
    "service_category",
    "cost",
    "invoice_id",
)
#: The columns of the frame returned by :func:`load_invoices`.
LINE_COLUMNS = ["client_id", "date", "amount", "service_category", "cost", "invoice_id", "source_row"]
UNSPECIFIED = "unspecified"

# Header names recognised without a mapping, compared after folding case, accents,
# spaces and punctuation (so "Customer ID", "customer_id" and "CustomerID" meet).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "client_id": (
        "client_id",
        "client id",
        "customer id",
        "customerid",
        "customer",
        "client",
        "code client",
        "client code",
        "customer code",
        "id client",
        "numero client",
        "n client",
        "no client",
        "customer number",
        "customer no",
        "account",
    ),
    "date": (
        "date",
        "invoice date",
        "invoicedate",
        "date facture",
        "date de facture",
        "date facturation",
        "date de facturation",
        "billing date",
        "transaction date",
    ),
    "amount": (
        "amount",
        "montant",
        "total",
        "net amount",
        "amount net",
        "montant ht",
        "montant net",
        "total ht",
        "line amount",
        "line total",
        "revenue",
        "chiffre d affaires",
    ),
    "quantity": ("quantity", "qty", "quantite", "qte", "nombre"),
    "unit_price": ("unit price", "unitprice", "prix unitaire", "pu", "price", "prix"),
    "service_category": (
        "service category",
        "category",
        "categorie",
        "categorie de service",
        "service",
        "product category",
        "famille",
        "activite",
    ),
    "cost": ("cost", "cout", "cout de revient", "costs", "cogs"),
    "invoice_id": (
        "invoice_id",
        "invoice",
        "invoiceno",
        "invoice no",
        "invoice number",
        "invoice id",
        "numero facture",
        "numero de facture",
        "no facture",
        "n facture",
        "num facture",
        "facture",
    ),
}

# Whitespace stripped around cells: an explicit set, with the non-breaking spaces
# French spreadsheets write.
_WS = " \t\n\r\x0b\x0c\u00a0\u202f\u2007\u2009\ufeff"
_PLAIN_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"
_FLOAT_ID = r"^([0-9]+)\.0+$"
_DATE_MIN = np.datetime64("1900-01-01", "us")
_DATE_MAX = np.datetime64("2200-01-01", "us")
_NAT = np.iinfo(np.int64).min
_STRPTIME_DIGITS = {
    "Y": r"[0-9]{4}",
    "m": r"[0-9]{2}",
    "d": r"[0-9]{2}",
    "H": r"[0-9]{2}",
    "M": r"[0-9]{2}",
    "S": r"[0-9]{2}",
    "y": r"[0-9]{2}",
}


def _squash(text: Any) -> str:
    return normalise(text).replace(" ", "")


_ALIAS_INDEX = {_squash(a): field for field, names in HEADER_ALIASES.items() for a in names}


# ----------------------------------------------------------------------------
# the source: what kind of file, its name, its headers
# ----------------------------------------------------------------------------
@dataclass
class _Source:
    kind: str  # csv, parquet, excel, frame
    file: str
    headers: list[str]
    path: Path | None = None
    frame: pd.DataFrame | None = None
    rows: np.ndarray | None = None  # spreadsheet row numbers when not simply 2..n+1
    encoding: str | None = None
    sep: str | None = None
    schema: pa.Schema | None = None
    raw_headers: list[str] | None = None  # CSV headers as written (before stripping)


def _open_source(source: Any) -> _Source:
    if isinstance(source, pd.DataFrame):
        frame = source.copy(deep=False)
        frame.columns = [str(c).strip() for c in frame.columns]
        return _Source("frame", "<DataFrame>", list(frame.columns), frame=frame)
    if not isinstance(source, (str, Path)):
        raise TypeError(f"source must be a path or a DataFrame, got {type(source).__name__}")
    path = Path(source)
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        table = read_table(path)
        return _Source(
            "excel",
            name,
            list(table.data.columns),
            path=path,
            frame=table.data,
            rows=table.rows.to_numpy(np.int64),
        )
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            schema = pq.ParquetFile(path).schema_arrow
        except Exception as exc:
            raise InputError(f"{name}: cannot be read as Parquet ({type(exc).__name__}: {exc})") from exc
        return _Source("parquet", name, list(schema.names), path=path, schema=schema)
    return _sniff_csv(path)


def _sniff_csv(path: Path) -> _Source:
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    # cut at the last line end, so that a multi-byte character split by the
    # sample does not pass for Windows-1252
    cut = head.rfind(b"\n")
    sample = head[: cut + 1] if cut > 0 else head
    try:
        encoding = detect_encoding(sample)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    text = sample.decode(encoding)
    sep = detect_separator(text)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    raw = next(csv.reader([first], delimiter=sep))
    return _Source(
        "csv", str(path), [h.strip() for h in raw], path=path, encoding=encoding, sep=sep, raw_headers=raw
    )


def _resolve_columns(src: _Source, mapping: Mapping | None, report: ValidationReport) -> dict[str, str]:
    """FIELD -> the file's column; reports and raises when a required field is missing."""
    headers = src.headers
    by_squash: dict[str, str] = {}
    for h in headers:
        by_squash.setdefault(_squash(h), h)
    columns: dict[str, str] = {}
    errors = False
    for field, col in (mapping or {}).items():
        if field not in INVOICE_FIELDS:
            raise ValueError(f"mapping: unknown field {field!r}; expected one of {list(INVOICE_FIELDS)}")
        found = col if col in headers else by_squash.get(_squash(col))
        if found is None:
            errors = True
            report.add(
                "error",
                src.file,
                None,
                str(col),
                None,
                f"column {col!r} given for {field} is not in the file; columns found: " + ", ".join(headers),
            )
        else:
            columns[field] = found
    used = set(columns.values())
    for h in headers:
        field = _ALIAS_INDEX.get(_squash(h))
        if field is None or h in used or field in (mapping or {}):
            continue
        if field in columns:
            report.add(
                "warning",
                src.file,
                None,
                h,
                None,
                f"column {h!r} also looks like {field}; using {columns[field]!r}",
            )
            continue
        columns[field] = h
        used.add(h)
    missing = [f for f in ("client_id", "date") if f not in columns]
    if "amount" not in columns and not ("quantity" in columns and "unit_price" in columns):
        missing.append("amount (or quantity and unit_price)")
    if missing:
        errors = True
        report.add(
            "error",
            src.file,
            None,
            None,
            None,
            "missing required column"
            + ("s" if len(missing) > 1 else "")
            + ": "
            + ", ".join(missing)
            + "; columns found: "
            + (", ".join(headers) if headers else "none")
            + " (name them, or give a mapping such as client_id=CustomerID)",
        )
    if errors:
        raise DataValidationError(report)
    if "amount" in columns:
        columns.pop("quantity", None)
        columns.pop("unit_price", None)
    return columns


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
        without accents; see ``HEADER_ALIASES``).
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
# cells of one field: typed values (numbers, timestamps) and/or text
# ----------------------------------------------------------------------------
@dataclass
class _Cells:
    """A field's cells; where ``typed`` is not null it holds the cell, else ``text`` does."""

    typed: pa.Array | None
    text: pa.Array | None  # string, large_string or dictionary of strings
    n: int
    clean: bool = False  # text already stripped and emptied to null (invoice ids read ahead)

    def as_text(self) -> pa.Array:
        """Every cell as text (typed ones formatted), nulls where blank."""
        text = self.text
        if self.typed is not None:
            typed = _typed_to_text(self.typed)
            text = typed if text is None else pc.coalesce(typed, _decode(text).cast(pa.large_string()))
        if text is None:
            return pa.nulls(self.n, pa.large_string())
        return _decode(text)

    def strings_at(self, positions: np.ndarray) -> list:
        """The cells at ``positions`` as a spreadsheet user would read them (None where blank)."""
        if len(positions) == 0:
            return []
        return self.as_text().take(pa.array(positions)).to_pylist()


def _decode(arr: pa.Array) -> pa.Array:
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr


def _typed_to_text(arr: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        # whole seconds: arrow writes %S of a microsecond stamp as "00.000000"
        seconds = arr.cast(pa.timestamp("us")).cast(pa.timestamp("s"), safe=False)
        return pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S").cast(pa.large_string())
    return arr.cast(pa.large_string())


def _combine(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        if pa.types.is_dictionary(arr.type) and arr.num_chunks > 1:
            arr = pa.table({"x": arr}).unify_dictionaries().column("x")
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _arrow_cells(arr: pa.ChunkedArray | pa.Array) -> _Cells:
    arr = _combine(arr)
    t = arr.type
    n = len(arr)
    if pa.types.is_dictionary(t):
        if not pa.types.is_string(t.value_type) and not pa.types.is_large_string(t.value_type):
            return _arrow_cells(arr.dictionary_decode())
        return _Cells(None, arr, n)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _Cells(None, arr, n)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return _Cells(arr, None, n)
    if pa.types.is_timestamp(t):
        if t.tz is not None:
            arr = pc.local_timestamp(arr)
        return _Cells(arr.cast(pa.timestamp("us")), None, n)
    if pa.types.is_date(t):
        return _Cells(arr.cast(pa.timestamp("us")), None, n)
    if pa.types.is_null(t):
        return _Cells(None, pa.nulls(n, pa.large_string()), n)
    return _Cells(None, arr.cast(pa.large_string()), n)


def _series_cells(s: pd.Series) -> _Cells:
    """Cells of a DataFrame or Excel column, typed where pandas holds types."""
    n = len(s)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return _Cells(pa.array(s.to_numpy("datetime64[us]")), None, n)
    if pd.api.types.is_bool_dtype(s.dtype):
        return _Cells(None, pa.array(s.astype(object).map(str).to_numpy(object), pa.large_string()), n)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return _Cells(pa.array(s.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True), None, n)
    if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
        return _Cells(None, pa.array(s).cast(pa.large_string()), n)
    values = s.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    missing = pd.isna(values)
    if kind in ("string", "empty"):
        return _Cells(None, pa.array(np.where(missing, None, values), pa.large_string()), n)
    if kind in ("floating", "integer", "mixed-integer-float", "decimal"):
        nums = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy("float64")
        return _Cells(pa.array(nums, from_pandas=True), None, n)
    if kind in ("datetime", "datetime64", "date"):
        stamps = pd.to_datetime(pd.Series(values), errors="coerce").to_numpy("datetime64[us]")
        return _Cells(pa.array(stamps), None, n)
    # mixed cells (an Excel column typed by hand): timestamps stay typed, the rest is text
    is_time = (
        np.fromiter(
            (isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat") for v in values),
            bool,
            count=n,
        )
        & ~missing
    )
    typed = None
    if is_time.any():
        stamps = pd.to_datetime(pd.Series(np.where(is_time, values, None)), errors="coerce")
        typed = pa.array(stamps.to_numpy("datetime64[us]"))
    texts = [None if (m or t) else _cell_str(v) for v, m, t in zip(values, missing, is_time)]
    return _Cells(typed, pa.array(texts, pa.large_string()), n)


def _cell_str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(value)  # "17850.0": the id rule drops the ".0"
    return str(value)


# ----------------------------------------------------------------------------
# parsing a field (arrow and numpy, no loop over lines)
# ----------------------------------------------------------------------------
def _trim(arr: pa.Array) -> pa.Array:
    return pc.utf8_trim(arr, characters=_WS)


def _encode(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Codes (-1 for null) and the distinct values of an array."""
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    codes = pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return codes, arr.dictionary


def _recode(codes: np.ndarray, values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Merge values that became equal (after cleaning) and drop nulls to code -1."""
    enc = pc.dictionary_encode(values)
    remap = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    remap = np.append(remap, np.int32(-1))  # code -1 stays -1
    return remap[codes], enc.dictionary


def _clean_text_values(values: pa.Array, *, id_rule: bool) -> pa.Array:
    """Text stripped, ``17850.0`` as ``17850`` (``id_rule``), empty as null (cheap checks first)."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = _typed_to_text(values)
    values = _trim(values)
    if id_rule:
        ends_zero = pc.ends_with(values, "0")
        if (
            pc.any(ends_zero).as_py()
            and pc.any(pc.match_substring_regex(values.filter(ends_zero), _FLOAT_ID)).as_py()
        ):
            values = pc.replace_substring_regex(values, _FLOAT_ID, r"\1")
    empty = pc.equal(values, "")
    if pc.any(empty).as_py():
        values = pc.if_else(empty, pa.scalar(None, values.type), values)
    return values


def _parse_ids(cells: _Cells, *, id_rule: bool = True) -> tuple[np.ndarray, pa.Array]:
    """Codes (-1 where blank) and the cleaned distinct values (ids or categories)."""
    if cells.typed is not None and cells.text is None:
        codes, values = _encode(cells.typed)
    elif cells.typed is None and cells.text is not None:
        codes, values = _encode(cells.text)
    else:
        codes, values = _encode(cells.as_text())
    return _recode(codes, _clean_text_values(values, id_rule=id_rule))


def _mask(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def _numpy(arr: pa.Array, fill: Any) -> np.ndarray:
    """A writable numpy copy-on-need of an arrow array, nulls replaced by ``fill``."""
    if arr.null_count:
        arr = pc.fill_null(arr, fill)
    return arr.to_numpy(zero_copy_only=False)


def _writable(values: np.ndarray) -> np.ndarray:
    return values if values.flags.writeable else values.copy()


def _parse_numbers(cells: _Cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (float64), blank mask, bad mask (not blank and not a finite number)."""
    n = cells.n
    if cells.typed is not None and pa.types.is_timestamp(cells.typed.type):
        cells = _Cells(None, cells.as_text(), n)
    if cells.typed is not None:
        values = _numpy(cells.typed.cast(pa.float64()), np.nan)
        done = ~np.isnan(values)
    else:
        values = np.full(n, np.nan)
        done = np.zeros(n, bool)
    blank = ~done
    if cells.text is not None:
        values = _writable(values)
        text = _trim(_decode(cells.text).cast(pa.large_string()))
        filled = ~done & ~_mask(pc.or_kleene(pc.is_null(text), pc.equal(text, "")))
        blank = ~done & ~filled
        plain = filled & _mask(pc.match_substring_regex(text, _PLAIN_NUMBER))
        if plain.any():
            fast = pc.cast(
                pc.if_else(pa.array(plain), text, pa.scalar(None, pa.large_string())), pa.float64()
            )
            values[plain] = fast.to_numpy(zero_copy_only=False)[plain]
        residue = filled & ~plain
        if residue.any():
            _fill_residue(text, residue, values, lambda s: parse_number(s, allow_percent=False)[0])
    bad = ~blank & ~np.isfinite(values)
    if bad.any():
        values = _writable(values)
        values[bad] = np.nan
    return values, blank, bad


def _fill_residue(text: pa.Array, residue: np.ndarray, out: np.ndarray, parse) -> None:
    """Parse the distinct leftover cells with the shared (slow, exact) parser, in place."""
    sub = text.filter(pa.array(residue))
    codes, uniq = _encode(sub)
    parsed = parse(pd.Series(uniq.to_pylist(), dtype="str"))
    parsed = (
        np.asarray(parsed.to_numpy(), dtype=out.dtype)
        if out.dtype.kind == "f"
        else (np.asarray(parsed.to_numpy("datetime64[us]")).view(np.int64))
    )
    out[residue] = parsed[codes]


def _strict_pattern(fmt: str, *, safe: bool = False) -> str | None:
    """A regex matching exactly the zero-padded strings that ``fmt`` writes (None if unsupported).

    With ``safe``, only values that cannot overflow into the next field (days up
    to 28, hours up to 23, ...): strptime turns 2023-02-30 into 2023-03-02.
    """
    digits = _SAFE_DIGITS if safe else _STRPTIME_DIGITS
    out = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in digits:
                return None
            out.append(digits[fmt[i + 1]])
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return "^" + "".join(out) + "$"


_SAFE_DIGITS = {
    "Y": r"[0-9]{4}",
    "m": r"(0[1-9]|1[0-2])",
    "d": r"(0[1-9]|1[0-9]|2[0-8])",
    "H": r"([01][0-9]|2[0-3])",
    "M": r"[0-5][0-9]",
    "S": r"[0-5][0-9]",
    "y": r"[0-9]{2}",
}


def _parse_dates(cells: _Cells, formats: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (int64 microseconds, ``_NAT`` where missing), blank mask, bad mask."""
    n = cells.n
    if cells.typed is not None and not pa.types.is_timestamp(cells.typed.type):
        cells = _Cells(None, cells.as_text(), n)
    if cells.typed is not None:
        values = _numpy(cells.typed.cast(pa.int64()), _NAT)
        done = values != _NAT
    else:
        values = np.full(n, _NAT, dtype=np.int64)
        done = np.zeros(n, bool)
    blank = ~done
    if cells.text is not None:
        values = _writable(values)
        text = _trim(_decode(cells.text).cast(pa.large_string()))
        blank_text = _mask(pc.or_kleene(pc.is_null(text), pc.equal(text, "")))
        blank = ~done & blank_text
        todo = ~done & ~blank_text
        patterns = [_strict_pattern(f) for f in formats]
        if all(p is not None for p in patterns):
            # fast path: strings written exactly as a format writes them, checked by
            # writing the parsed date back (strptime alone rolls 2023-02-30 over to March)
            for fmt, pat in zip(formats, patterns):
                if not todo.any():
                    break
                hit = todo & _mask(pc.match_substring_regex(text, pat))
                if not hit.any():
                    continue
                sub = text.filter(pa.array(hit))
                parsed = pc.strptime(sub, format=fmt, unit="us", error_is_null=True)
                good = _mask(pc.is_valid(parsed))
                unsafe = good & ~_mask(pc.match_substring_regex(sub, _strict_pattern(fmt, safe=True)))
                if unsafe.any():  # days 29-31 and the like: written back, they must read the same
                    pick = pa.array(unsafe)
                    same = _mask(pc.equal(pc.strftime(parsed.filter(pick), format=fmt), sub.filter(pick)))
                    good[np.flatnonzero(unsafe)[~same]] = False
                pos = np.flatnonzero(hit)[good]
                values[pos] = parsed.filter(pa.array(good)).cast(pa.int64()).to_numpy(zero_copy_only=False)
                todo[pos] = False
        if todo.any():
            _fill_residue(text, todo, values, lambda s: parse_date(s, formats)[0])
    parsed_ok = values != _NAT
    lo, hi = _DATE_MIN.astype(np.int64), _DATE_MAX.astype(np.int64)
    out_of_range = parsed_ok & ((values < lo) | (values >= hi))
    bad = ~blank & (~parsed_ok | out_of_range)
    if bad.any():
        values = _writable(values)
        values[bad] = _NAT
    return values, blank, bad


# ----------------------------------------------------------------------------
# loading: batch after batch, every line kept or reported
# ----------------------------------------------------------------------------
_BATCH_ROWS = 1 << 20  # lines parsed at a time: bounds the memory of the intermediate arrays


def _iter_batches(src: _Source, columns: dict[str, str], attempt: int):
    """Yield (cells per field, number of lines, row numbers or None) batch after batch."""
    wanted = list(dict.fromkeys(columns.values()))
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        def text_like(c: str) -> bool:
            t = src.schema.field(c).type
            return pa.types.is_string(t) or pa.types.is_large_string(t)

        # ids and categories repeat: reading them as dictionaries skips building millions of strings
        as_dict = [
            columns[f] for f in ("client_id", "service_category") if f in columns and text_like(columns[f])
        ]
        try:
            pf = pq.ParquetFile(src.path, read_dictionary=as_dict)
            n_groups = pf.num_row_groups
            # the next row group is read (arrow, without the GIL) while this one is checked (numpy)

            def read(i: int) -> pa.Table:
                table = pf.read_row_group(i, columns=wanted)
                if "invoice_id" in columns:  # arrow work too: done here, beside the numpy of the main thread
                    invoice = _arrow_cells(table.column(columns["invoice_id"])).as_text()
                    table = table.append_column("__invoice", _clean_text_values(invoice, id_rule=True))
                return table

            with ThreadPoolExecutor(max_workers=1) as reader:
                ahead = reader.submit(read, 0) if n_groups else None
                for i in range(n_groups):
                    table = ahead.result()
                    ahead = reader.submit(read, i + 1) if i + 1 < n_groups else None
                    for start in range(0, max(table.num_rows, 1), _BATCH_ROWS):
                        part = table.slice(start, _BATCH_ROWS)
                        if part.num_rows:
                            cells = {f: _arrow_cells(part.column(c)) for f, c in columns.items()}
                            if "invoice_id" in columns:
                                cells["invoice_id"] = _Cells(
                                    None, _combine(part.column("__invoice")), part.num_rows
                                )
                                cells["invoice_id"].clean = True
                            yield cells, part.num_rows, None
                    del table
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{src.file}: cannot be read as Parquet ({type(exc).__name__}: {exc})") from exc
        return
    if src.kind == "csv" and attempt < 3:
        for batch in _iter_csv_tables(src, wanted, attempt):
            yield {f: _arrow_cells(batch.column(c)) for f, c in columns.items()}, batch.num_rows, None
        return
    if src.kind == "csv":
        # pyarrow refused the file (ragged lines...): the tolerant reader of the package
        t = read_table(src.path)
        src.frame, src.rows = t.data, t.rows.to_numpy(np.int64)
    frame = src.frame
    for start in range(0, max(len(frame), 1), _BATCH_ROWS):
        part = frame.iloc[start : start + _BATCH_ROWS]
        if len(part) or start == 0:
            rows = src.rows[start : start + _BATCH_ROWS] if src.rows is not None else None
            yield {f: _series_cells(part[c]) for f, c in columns.items()}, len(part), rows


def _iter_csv_tables(src: _Source, wanted: list[str], attempt: int):
    import pyarrow.csv as pacsv

    raw_of = dict(zip(src.headers, src.raw_headers or src.headers))
    include = [raw_of.get(c, c) for c in wanted]
    encoding = "cp1252" if src.encoding == "cp1252" or attempt == 1 else "utf8"
    reader = pacsv.open_csv(
        src.path,
        read_options=pacsv.ReadOptions(encoding=encoding, block_size=16 << 20),
        parse_options=pacsv.ParseOptions(
            delimiter=src.sep, ignore_empty_lines=False, newlines_in_values=attempt == 2
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=include,
            column_types={c: pa.large_string() for c in include},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    names = {raw: h for h, raw in raw_of.items()}
    for batch in reader:
        yield pa.RecordBatch.from_arrays(
            batch.columns, names=[names.get(n, n.strip()) for n in batch.schema.names]
        )


@dataclass
class _Check:
    severity: str
    field: str
    mask: np.ndarray
    message: str
    values: list | None = None  # the cells at the mask's rows (None: blank cells)


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


def _capacity(src: _Source) -> int | None:
    """The number of lines when the source tells it without reading them."""
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(src.path).metadata.num_rows
        except Exception:
            return None
    return len(src.frame) if src.frame is not None else None


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
            _Check("error", "date", date_bad, _date_message(formats), _bad_text(date_cells, date_bad)),
        ]
        del date_cells
        amount = None
        for field in ["amount"] if "amount" in columns else ["quantity", "unit_price"]:
            number_cells = cells.pop(field)
            values, blank, bad = _parse_numbers(number_cells)
            amount = values if amount is None else amount * values
            blank_line &= blank
            checks += [
                _Check("error", field, blank, _MESSAGES["blank"].format(field=field.replace("_", " "))),
                _Check("error", field, bad, _MESSAGES["bad_number"], _bad_text(number_cells, bad)),
            ]
            del number_cells
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


_MESSAGES = {
    "client_id": "no client id; the line is not loaded",
    "date_blank": "no date; the line is not loaded",
    "blank": "no {field}; the line is not loaded",
    "bad_number": "not a number; the line is not loaded",
    "bad_cost": "cost is not a number; the line is loaded without a cost",
}


def _date_message(formats: list[str]) -> str:
    return (
        "not a date in any of the formats "
        + ", ".join(formats)
        + " (or outside 1900-2199); the line is not loaded"
    )


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
                    "message": check.message,
                    "suggestion": None,
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    return pd.concat(parts, ignore_index=True)[PROBLEM_COLUMNS]


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
        The last day of the current window (None when there are no lines).
    current_window, previous_window : tuple of Timestamp
        ``(start, end)`` days of each window: a line dated on day D is in it when
        ``start < D <= end``.
    previous_complete : bool
        Whether the lines reach back to the previous window (the first line is at
        most one month after its start); when not, ``billing_previous`` is NaN.
    """

    by_year: pd.DataFrame
    by_month: pd.DataFrame
    by_category: pd.DataFrame
    per_client: pd.DataFrame
    reference_date: pd.Timestamp | None
    current_window: tuple | None = None
    previous_window: tuple | None = None
    previous_complete: bool = False


def _windows(ref: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    return ref - pd.DateOffset(months=12), ref - pd.DateOffset(months=24)


def _day(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts.normalize().date(), "D").astype(np.int64))


def aggregate_invoices(
    invoices: pd.DataFrame, *, reference_date: Any = None
) -> InvoiceTables:
    """Billing per client per year, per month, per category, and over 12-month windows.

    Parameters
    ----------
    invoices : DataFrame
        Lines as :func:`load_invoices` returns them: ``client_id``, ``date``,
        ``amount``, and optionally ``service_category`` and ``cost``.
    reference_date : date-like, optional
        The last day of the current 12 months; default the day of the last line.
        Times are ignored: windows are made of whole days.

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
    return _aggregate_numpy(invoices, reference_date)


def _empty_tables() -> InvoiceTables:
    def frame(cols: dict) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})

    return InvoiceTables(
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
    )


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


def _aggregate_numpy(invoices: pd.DataFrame, reference_date: Any) -> InvoiceTables:
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

    ref = (
        pd.Timestamp(reference_date).normalize()
        if reference_date is not None
        else pd.Timestamp(np.datetime64(d1, "D"))
    )
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
    return InvoiceTables(
        by_year=by_year,
        by_month=by_month,
        by_category=by_category,
        per_client=per_client,
        reference_date=ref,
        current_window=(cur_start, ref),
        previous_window=(prev_start, cur_start),
        previous_complete=bool(previous_complete),
    )


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


def fill_register(clients: pd.DataFrame | None, tables: InvoiceTables) -> pd.DataFrame:
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
    return base
