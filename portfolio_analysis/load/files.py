"""Reading tables as consultants receive them: CSV in any usual dialect, Excel, Parquet.

:func:`read_table` returns every cell as text (or as the Excel/Parquet type), with
blank rows kept so that row numbers stay those a spreadsheet user sees, and a
``row`` Series giving that number for each line (header = row 1). What the reader
itself finds (a line with too many cells, a quote that swallows the lines after it,
merged cells, formulas without a result, hidden sheets) is in ``Table.problems``.

A file is judged by its content, not only by its name: an encrypted workbook, a PDF
or a picture named ``.csv``, a binary file, an empty one are refused with what they
are (:class:`~portfolio_analysis.load.validation.InputError`). CSV files are read
line by line into Arrow-backed columns, never held whole in memory as text.
"""

from __future__ import annotations

import codecs
import csv
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.validation import InputError

ENCODINGS = ("utf-8-sig", "cp1252")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab", ".dat", "")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")
#: What a table file may be named, as a message says it.
TABLE_KINDS = ".csv (or .txt/.tsv), .xlsx/.xlsm/.xls or .parquet"

# what other files start with: said by name rather than read as a table of garbage
_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"PAR1", "a Parquet file (name it .parquet)"),
    (b"SQLite format 3", "an SQLite database"),
    (b"{\\rtf", "an RTF document"),
)
_BATCH = 1 << 14  # CSV records gathered as Python strings before they become Arrow arrays


class ReadProblem(NamedTuple):
    """Something the reader found: severity, spreadsheet row (or None), column, template, params, value."""

    severity: str
    row: int | None
    column: str | None
    template: str
    params: dict | None
    value: str | None


@dataclass
class Table:
    data: pd.DataFrame  # one column per header, cells as read
    rows: pd.Series  # spreadsheet row number of each line (header = 1)
    file: str
    encoding: str | None = None
    sep: str | None = None
    problems: list = field(default_factory=list)  # ReadProblem found while reading
    sheet: str | None = None


# -- is it a file, and what kind --------------------------------------------------------
def file_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as a file (not found, a folder, unreadable, empty), or None."""
    path = Path(path)
    if not path.exists():
        return "file not found"
    if path.is_dir():
        return "is a folder, not a file"
    if not path.is_file():
        return "is not a regular file"
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if path.stat().st_size == 0:
        return "the file is empty"
    return None


def _what_binary(head: bytes) -> str | None:
    """What a file is when its first bytes say so (a PDF, an image, an archive), else None."""
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            return what
    return None


def file_kind(path: Path) -> str:
    """'csv', 'excel' or 'parquet', from the file's name and its first bytes; InputError for anything else."""
    from portfolio_analysis.load.workbooks import OLE_MAGIC, ZIP_MAGIC

    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(16)
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix not in TEXT_SUFFIXES:
        raise InputError(f"{path}: a {suffix} file is not a table this tool reads; expected {TABLE_KINDS}")
    if head.startswith(ZIP_MAGIC):
        raise InputError(f"{path}: the file is a zip archive (an Excel workbook?) named {suffix or 'without suffix'}; "
                         "name an Excel workbook .xlsx")
    if head.startswith(OLE_MAGIC):
        raise InputError(f"{path}: the file is an Office document (a legacy .xls workbook, or a password-protected "
                         f"one) named {suffix or 'without suffix'}; name a workbook .xls or .xlsx")
    what = _what_binary(head)
    if what:
        raise InputError(f"{path}: the file is {what}, not a table; expected {TABLE_KINDS}")
    return "csv"


# -- text: its encoding and separator ----------------------------------------------------
def detect_encoding(raw: bytes) -> str:
    """The encoding of text bytes: UTF-16 (with a BOM, or by its zero bytes), UTF-8 (with or without
    BOM) when it decodes, else Windows-1252 (never latin-1: it loses €)."""
    utf16 = _utf16(raw)
    if utf16:
        return utf16
    for enc in ENCODINGS:
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    raise InputError("the file is neither UTF-8, UTF-16 nor Windows-1252 text")


def _utf16(raw: bytes) -> str | None:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = raw[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    return None


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


def _decode_head(head: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)


def _refuse_binary(path: Path, head: bytes, text: str) -> None:
    """A file that is not text: NUL bytes, or control characters for a tenth of its first characters."""
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if "\x00" in text or controls > max(8, len(text[:65536]) // 10):
        what = _what_binary(head) or "a binary file"
        raise InputError(f"{path}: the file is {what}, not a text table (it holds control characters such as NUL); "
                         f"expected {TABLE_KINDS}")


# -- reading ---------------------------------------------------------------------------------
def read_table(path: str | Path, *, sheet: str | int | None = None) -> Table:
    """Read a CSV, Excel (.xlsx/.xlsm/.xls) or Parquet file as a table of cells.

    Raises
    ------
    InputError
        When the file does not exist or cannot be read as a table; the message names the file.
    """
    path = Path(path)
    name = str(path)
    problem = file_problem(path)
    if problem:
        raise InputError(f"{name}: {problem}")
    try:
        kind = file_kind(path)
        if kind == "excel":
            return _read_excel(path, sheet)
        if kind == "parquet":
            data = pd.read_parquet(path)
            rows = pd.Series(range(2, len(data) + 2), index=data.index)
            return Table(data=data, rows=rows, file=name)
        return _read_csv(path)
    except InputError:
        raise
    except MemoryError:
        raise InputError(f"{name}: too large to be read in the memory of this machine") from None
    except Exception as exc:  # every reader's own failure becomes one clear message
        raise InputError(f"{name}: cannot be read as a table ({type(exc).__name__}: {exc})") from exc


def read_headers(path: str | Path, *, sheet: str | int | None = None) -> list[str]:
    """The column names of a table file, as :func:`read_table` would name them (the rows of a CSV unread)."""
    path = Path(path)
    kind = file_kind(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    if kind == "excel":
        from portfolio_analysis.load.workbooks import read_workbook

        data, _, _, _ = read_workbook(path, sheet, header_only=True)
        return [str(c) for c in data.columns]
    return [str(c) for c in _read_csv(path, header_only=True).data.columns]


def _read_excel(path: Path, sheet) -> Table:
    from portfolio_analysis.load.workbooks import read_workbook

    data, rows, problems, name = read_workbook(path, sheet)
    return Table(data=data, rows=rows, file=str(path), problems=[ReadProblem(*p) for p in problems], sheet=name)


class _Lines:
    """The physical lines of a text file, numbered, with the lines of the current record kept.

    ``push_back`` hands lines to the CSV reader again: after a quote that swallowed the
    lines following it, they are read once more as rows of their own.
    """

    def __init__(self, fh):
        self.fh = fh
        self.count = 0  # physical lines read from the file, counted here, not by the csv module
        self.pending: deque = deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.pending:
            number, line = self.pending.popleft()
        else:
            line = next(self.fh)  # StopIteration ends the reader
            self.count += 1
            number = self.count
        self.taken.append((number, line))
        return line

    def push_back(self, lines) -> None:
        self.pending.extendleft(reversed(lines))

    def record(self) -> list[tuple[int, str]]:
        taken, self.taken = self.taken, []
        return taken


_SWALLOWED_OPEN = N_("a quote (\") opens this cell at line {line} and is never closed: the {n} lines after it were "
                     "read as rows of their own, not as part of this cell (a stray quote?)")
_SWALLOWED_CLOSED = N_("a quote (\") opens this cell at line {line} and closes only at line {end}: the {n} lines in "
                       "between were read as rows of their own, not as part of this cell (a stray quote?)")
_RAGGED = N_("the row has {cells} cells but the header has {width}; the cells after column {width} "
             "were not read (an unquoted '{sep}' inside a cell?)")


def _swallowing(taken, width: int, sep: str) -> bool | None:
    """A record spanning several lines: None when it is a real multi-line cell, else whether its quote closed.

    The quote swallowed rows when it never closes (the csv module then runs to the end of
    the file), when it closes in the middle of a cell, or when a line inside the cell, read
    alone, has a row's worth of cells.
    """
    text = "".join(line for _, line in taken)
    try:
        list(csv.reader([text], delimiter=sep, strict=True))
    except csv.Error as exc:
        return "end of data" not in str(exc)
    need = width if width <= 2 else width - 1
    for _, line in taken[1:]:
        cells = next(csv.reader([line], delimiter=sep), [])
        if len(cells) >= max(2, need):
            return True
    return None


def _read_csv(path: Path, *, header_only: bool = False) -> Table:
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    try:
        encoding = detect_encoding(head)
    except InputError as exc:
        _refuse_binary(path, head, head.decode("cp1252", errors="replace"))
        raise InputError(f"{path}: {exc}") from None
    text = _decode_head(head, encoding)
    _refuse_binary(path, head, text)
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    sep = detect_separator(text)
    for enc in dict.fromkeys([encoding, "cp1252"]):  # UTF-8 in the first megabyte and not after: Windows-1252
        try:
            return _parse_csv(path, enc, sep, header_only=header_only)
        except UnicodeDecodeError:
            if enc.startswith("utf-16"):
                break
            continue
    raise InputError(f"{path}: the file is neither UTF-8, UTF-16 nor Windows-1252 text")


def _parse_csv(path: Path, encoding: str, sep: str, *, header_only: bool = False) -> Table:
    problems: list[ReadProblem] = []
    header: list[str] | None = None
    width = 0
    batch: list[list[str]] = []
    chunks: list[list[pa.Array]] = []
    filled: list[bool] = []
    n = 0

    def flush():
        for j in range(width):
            chunks[j].append(pa.array([rec[j] for rec in batch], type=pa.string()))
        batch.clear()

    with open(path, encoding=encoding, newline="") as fh:
        lines = _Lines(fh)
        reader = csv.reader(lines, delimiter=sep)
        while True:
            try:
                rec = next(reader)
                overflow = False
            except StopIteration:
                break
            except csv.Error:  # a quoted cell longer than the csv module allows: it swallowed the lines after it
                rec, overflow = [], True
            taken = lines.record()
            if header is None:
                if not any(c.strip() for c in rec):
                    continue  # blank lines above the header
                header = [c.strip() for c in rec]
                width = len(header)
                chunks = [[] for _ in range(width)]
                filled = [False] * width
                if header_only:
                    break
                continue
            row = n + 2
            if len(taken) > 1 or overflow:
                closed = False if overflow else _swallowing(taken, width, sep)
                if closed is not None:
                    # the cell the quote opens is the last one of its first line
                    alone = next(csv.reader([taken[0][1]], delimiter=sep), [""])
                    col = len(alone) - 1
                    params = {"line": taken[0][0], "end": taken[-1][0], "n": len(taken) - 1}
                    opened = alone[-1].strip()
                    problems.append(ReadProblem("error", row, header[col] if col < width else None,
                                                _SWALLOWED_CLOSED if closed else _SWALLOWED_OPEN, params,
                                                opened[:80]))
                    # the first line alone, its quotes as written; the others read again as rows
                    rec = next(csv.reader([taken[0][1]], delimiter=sep, quoting=csv.QUOTE_NONE), [])
                    lines.push_back(taken[1:])
            if len(rec) > width and any(c.strip() for c in rec[width:]):
                problems.append(ReadProblem("error", row, None, _RAGGED,
                                            {"cells": len(rec), "width": width, "sep": sep}, sep.join(rec[width:])))
            if len(rec) < width:
                rec = rec + [""] * (width - len(rec))
            for j in range(width):
                if not filled[j] and rec[j].strip():
                    filled[j] = True
            batch.append(rec)
            n += 1
            if len(batch) >= _BATCH:
                flush()
        if batch:
            flush()
    if header is None:
        raise InputError(f"{path}: the file has no header row")
    # empty trailing columns, from a separator at the end of every line
    while width and header[width - 1] == "" and not filled[width - 1]:
        width -= 1
    names = _unique(header[:width])
    columns = {}
    for j, name in enumerate(names):
        arr = pa.chunked_array(chunks[j], type=pa.string()) if chunks[j] else pa.chunked_array([], type=pa.string())
        columns[name] = pd.Series(pd.arrays.ArrowStringArray(arr), copy=False)
    data = pd.DataFrame(columns, copy=False) if columns else pd.DataFrame(index=pd.RangeIndex(n))
    rows = pd.Series(np.arange(2, n + 2, dtype="int64"), index=data.index)
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


def physical_lines(path: str | Path) -> int:
    """The number of lines of a text file, counted on its bytes (a check on what a CSV reader returns)."""
    count = 0
    last = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (1 if last and last != b"\n" else 0)


__all__ = ["Table", "ReadProblem", "read_table", "read_headers", "file_problem", "file_kind", "detect_encoding",
           "detect_separator", "physical_lines"]
