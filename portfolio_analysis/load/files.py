"""Reading tables as consultants receive them: CSV in any usual dialect, Excel, Parquet.

:func:`read_table` returns every cell as text (or as the Excel/Parquet type), with
blank rows kept so that row numbers stay those a spreadsheet user sees, and a
``row`` Series giving that number for each line (header = row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.validation import InputError

ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass
class Table:
    data: pd.DataFrame  # one column per header, cells as read
    rows: pd.Series  # spreadsheet row number of each line (header = 1)
    file: str
    encoding: str | None = None
    sep: str | None = None
    problems: list = field(default_factory=list)  # (row, template, params, value) found while reading


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else Windows-1252 (never latin-1: it loses €)."""
    for enc in ENCODINGS:
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    raise InputError("the file is neither UTF-8 nor Windows-1252 text")


def detect_separator(text: str) -> str:
    """';', ',' or tab, from the first non-empty lines (quotes respected)."""
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        header = lines[0]
        counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def read_table(path: str | Path, *, sheet: str | int | None = None) -> Table:
    """Read a CSV, Excel (.xlsx/.xlsm/.xls) or Parquet file as a table of cells.

    Raises
    ------
    InputError
        When the file does not exist or cannot be read as a table; the message names the file.
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            return _read_excel(path, sheet)
        if suffix in (".parquet", ".pq"):
            data = pd.read_parquet(path)
            rows = pd.Series(range(2, len(data) + 2), index=data.index)
            return Table(data=data, rows=rows, file=name)
        return _read_csv(path)
    except InputError:
        raise
    except Exception as exc:  # every reader's own failure becomes one clear message
        raise InputError(f"{name}: cannot be read as a table ({type(exc).__name__}: {exc})") from exc


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path}: the file is empty")
    try:
        encoding = detect_encoding(raw)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    text = raw.decode(encoding)
    sep = detect_separator(text)
    # The csv module, not pandas: a quoted cell may span lines, and the row a spreadsheet
    # shows is the record number, not the line number; a line with more cells than the
    # header must be reported, not silently turned into an index.
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    while records and not any(c.strip() for c in records[0]):
        records.pop(0)  # blank lines above the header
    if not records:
        raise InputError(f"{path}: the file has no header row")
    header = [c.strip() for c in records[0]]
    while header and header[-1] == "" and all(len(r) < len(header) or not r[len(header) - 1].strip()
                                             for r in records[1:]):
        header.pop()  # empty trailing columns from a separator at the end of every line
    width = len(header)
    body = records[1:]
    problems = []
    for i, rec in enumerate(body):
        if len(rec) > width and any(c.strip() for c in rec[width:]):
            problems.append(
                (i + 2, N_("the row has {cells} cells but the header has {width}; the cells after column {width} "
                           "were not read (an unquoted '{sep}' inside a cell?)"),
                 {"cells": len(rec), "width": width, "sep": sep}, sep.join(rec[width:]))
            )
    cells = [(rec + [""] * width)[:width] for rec in body]
    data = pd.DataFrame(cells, columns=_unique(header), dtype=object)
    rows = pd.Series(range(2, len(data) + 2), index=data.index)
    return Table(data=data, rows=rows, file=str(path), encoding=encoding, sep=sep, problems=problems)


def _unique(header: list[str]) -> list[str]:
    """Headers made unique the way pandas does it (``x``, ``x.1``), blank ones named ``Unnamed: i``."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        h = h or f"Unnamed: {i}"
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        out.append(h)
    return out


def _read_excel(path: Path, sheet: str | int | None) -> Table:
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot be opened as an Excel workbook ({exc})") from exc
    names = book.sheet_names
    if sheet is None:
        sheet = 0
    if isinstance(sheet, str) and sheet not in names:
        raise InputError(f"{path}: no sheet named {sheet!r}; the workbook has {names}")
    if isinstance(sheet, int) and not 0 <= sheet < len(names):
        raise InputError(f"{path}: no sheet number {sheet}; the workbook has {len(names)} sheets {names}")
    data = pd.read_excel(book, sheet_name=sheet, dtype=object, keep_default_na=False, na_values=[])
    data.columns = [str(c).strip() for c in data.columns]
    rows = pd.Series(range(2, len(data) + 2), index=data.index)
    return Table(data=data, rows=rows, file=f"{path}", encoding=None, sep=None)
