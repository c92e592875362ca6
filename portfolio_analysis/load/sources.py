"""The source of invoice lines: what kind of file, its columns, its lines batch by batch.

:func:`_open_source` opens a CSV file (sniffing its encoding and separator), a
Parquet or Excel file, or takes a DataFrame; :func:`_resolve_columns` maps the
file's columns to :data:`INVOICE_FIELDS`, by the ``--map`` mapping first, then by
the header names of :data:`HEADER_ALIASES`; :func:`_iter_batches` yields the cells
of those columns a million lines at a time: Parquet row groups read one ahead in
a thread, CSV files by pyarrow (then by the package's tolerant reader when
pyarrow refuses them), Excel files and DataFrames in slices.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.arrow_cells import (
    _arrow_cells,
    _Cells,
    _clean_text_values,
    _combine,
    _series_cells,
)
from portfolio_analysis.load.cells import squash
from portfolio_analysis.load.files import detect_encoding, detect_separator, read_table
from portfolio_analysis.load.tabular import NO_COLUMN
from portfolio_analysis.load.validation import DataValidationError, InputError, ValidationReport

__all__ = ["INVOICE_FIELDS", "HEADER_ALIASES"]

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
    "margin",
)


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
        "order date",
        "date de commande",
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
        "sales",
        "ventes",
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
    "margin": ("margin", "marge", "gross margin", "marge brute", "profit", "line profit"),
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
_ALIAS_INDEX = {squash(a): field for field, names in HEADER_ALIASES.items() for a in names}


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
        by_squash.setdefault(squash(h), h)
    columns: dict[str, str] = {}
    errors = False
    for field, col in (mapping or {}).items():
        if field not in INVOICE_FIELDS:
            raise ValueError(f"mapping: unknown field {field!r}; expected one of {list(INVOICE_FIELDS)}")
        found = col if col in headers else by_squash.get(squash(col))
        if found is None:
            errors = True
            report.add(
                "error",
                src.file,
                None,
                str(col),
                None,
                N_("column {name} given for {field} is not in the file; columns found: {found}"),
                params={"name": repr(col), "field": field, "found": ", ".join(headers)},
            )
        else:
            columns[field] = found
    used = set(columns.values())
    for h in headers:
        field = _ALIAS_INDEX.get(squash(h))
        if field is None or h in used or field in (mapping or {}):
            continue
        if field in columns:
            report.add(
                "warning",
                src.file,
                None,
                h,
                None,
                N_("column {name} also looks like {field}; using {used}"),
                params={"name": repr(h), "field": field, "used": repr(columns[field])},
            )
            continue
        columns[field] = h
        used.add(h)
    missing = [f for f in ("client_id", "date") if f not in columns]
    if "amount" not in columns and not ("quantity" in columns and "unit_price" in columns):
        missing.append({"msg": N_("amount (or quantity and unit_price)")})
    if missing:
        errors = True
        if len(missing) > 1:
            message = N_("missing required columns: {names}; columns found: {found} (name them, or give a mapping "
                         "such as client_id=CustomerID)")
        else:
            message = N_("missing required column: {names}; columns found: {found} (name them, or give a mapping "
                         "such as client_id=CustomerID)")
        report.add("error", src.file, None, None, None, message,
                   params={"names": missing, "found": ", ".join(headers) if headers else NO_COLUMN})
    if errors:
        raise DataValidationError(report)
    if "amount" in columns:
        columns.pop("quantity", None)
        columns.pop("unit_price", None)
    return columns


# ----------------------------------------------------------------------------
# reading the lines, batch after batch
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


def _capacity(src: _Source) -> int | None:
    """The number of lines when the source tells it without reading them."""
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(src.path).metadata.num_rows
        except Exception:
            return None
    return len(src.frame) if src.frame is not None else None
