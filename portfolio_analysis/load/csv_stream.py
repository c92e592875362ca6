"""CSV invoice files read batch after batch, every line counted, so that no file is ever held whole.

pyarrow's streaming reader first (:func:`_csv_batches`); when a file's records are not
its lines (a quoted field spans lines, or a stray quote swallows the lines after it),
the package's line-aware reader (:func:`_careful_rows`) reads it again and reports the
stray quote at the row where it opened.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from portfolio_analysis.load.inputs import _US, QUOTE, Part, _conform


# ----------------------------------------------------------------------------
# CSV files, batch after batch, every line counted
# ----------------------------------------------------------------------------
class _Counting(io.RawIOBase):
    """A file read through, counting its line ends (so that records and lines can be compared)."""

    def __init__(self, path: Path):
        self._fh = open(path, "rb")
        self.newlines = 0
        self.last = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._fh.readinto(b)
        if n:
            chunk = memoryview(b)[:n]
            self.newlines += bytes(chunk).count(b"\n")
            self.last = bytes(chunk[-1:])
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()

    def lines(self) -> int:
        return self.newlines + (1 if self.last not in (b"", b"\n") else 0)


class CsvMismatch(Exception):
    """A CSV file whose records are not its lines (a quoted field spans lines): read again line-aware."""


@dataclass
class Progress:
    """Lines read so far, for the progress line."""

    lines: int = 0
    total: int | None = None


def _csv_batches(part: Part, schema: pa.Schema, wanted: list[str], mode: str, progress: Progress, number: int = 0):
    """Record batches of the columns of ``src`` from one CSV file.

    ``mode`` "fast": pyarrow's reader (every line a record; the physical lines are
    counted and compared at the end, :class:`CsvMismatch` when they differ);
    "cp1252": the same in Windows-1252; "careful": the package's line-aware reader,
    which reads quoted line breaks and reports a stray quote (:func:`_careful_rows`).
    """
    src = part.src
    if mode == "careful":
        yield from _careful_batches(part, schema, wanted, progress, number)
        return
    import pyarrow.csv as pacsv

    raw_of = dict(zip(src.headers, src.raw_headers or src.headers))
    columns = {f: c for f, c in part.columns.items() if f in wanted}
    include = list(dict.fromkeys(raw_of.get(c, c) for c in columns.values()))
    encoding = "cp1252" if (src.encoding == "cp1252" or mode == "cp1252") else "utf8"
    counting = _Counting(src.path)
    reader = pacsv.open_csv(
        io.BufferedReader(counting, 8 << 20),
        read_options=pacsv.ReadOptions(encoding=encoding, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(delimiter=src.sep, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            include_columns=include, column_types={c: pa.string() for c in include},
            strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    row = 2
    try:
        for batch in reader:
            n = batch.num_rows
            by_raw = dict(zip(batch.schema.names, batch.columns))
            out = {"_file": pa.array(np.full(n, number, np.int32)),
                   "_row": pa.array(np.arange(row, row + n, dtype=np.int64))}
            for f, c in columns.items():
                out[f"{f}__t"] = by_raw[raw_of.get(c, c)]
            row += n
            progress.lines += n
            yield _conform(out, schema, n).to_batches()[0] if n else None
    finally:
        reader.close() if hasattr(reader, "close") else None
    records = row - 2 + 1  # the header too
    lines = counting.lines()
    counting.close()
    # pyarrow leaves out a last empty line only: a file ending with blank lines counts them too
    if records != lines:
        raise CsvMismatch(f"{src.file}: {records} records in {lines} lines")


def _careful_batches(part: Part, schema: pa.Schema, wanted: list[str], progress: Progress, number: int = 0):
    src = part.src
    headers = src.raw_headers or src.headers
    index = {h: i for i, h in enumerate(src.headers)}
    columns = {f: c for f, c in part.columns.items() if f in wanted}
    size = 1 << 16
    buf: list[tuple[int, list[str], str | None]] = []

    def flush():
        n = len(buf)
        out = {"_file": pa.array(np.full(n, number, np.int32)),
               "_row": pa.array([r for r, _, _ in buf], pa.int64())}
        for f, c in columns.items():
            i = index[c]
            out[f"{f}__t"] = pa.array([(cells[i] if i < len(cells) else "") for _, cells, _ in buf], pa.string())
        if QUOTE in schema.names:
            out[QUOTE] = pa.array([q for _, _, q in buf], pa.string())
        buf.clear()
        progress.lines += n
        return _conform(out, schema, n).to_batches()[0]

    for row, cells, quote in _careful_rows(src.path, src.encoding or "utf-8", src.sep, headers):
        buf.append((row, cells, quote))
        if len(buf) >= size:
            yield flush()
    if buf:
        yield flush()


class _PushBack:
    """An iterator of lines that takes lines back."""

    def __init__(self, lines):
        self._lines, self._back = lines, deque()

    def __iter__(self):
        return self

    def __next__(self):
        return self._back.popleft() if self._back else next(self._lines)

    def push(self, lines: list[str]) -> None:
        self._back.extendleft(reversed(lines))


def _careful_rows(path: Path, encoding: str, sep: str, headers: list[str]):
    """(row, cells, stray quote) per record of a CSV file, the header left out.

    A record that spans lines is a quoted line break when it has as many cells as the
    header; otherwise (or when the spanned text holds whole lines of cells) a quote
    opened a field and never closed it: the line where it opened is read without
    quotes and marked (``column<US>cell``), and the lines after it are read again on
    their own. ``row`` is the spreadsheet row of the record (header = 1).
    """
    ncols = len(headers)
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        lines = _PushBack(iter(fh))
        next(lines, None)  # the header
        row = 1
        while True:
            taken: list[str] = []

            def feed(taken=taken):
                for line in lines:
                    taken.append(line)
                    yield line

            reader = csv.reader(feed(), delimiter=sep)
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                cells = None
            row += 1
            if len(taken) <= 1 and cells is not None:
                yield row, cells, None
                continue
            swallowed = cells is None or len(cells) != ncols or any(
                "\n" in c and c.split("\n", 1)[1].count(sep) >= max(ncols - 1, 1) for c in cells)
            if not swallowed:
                yield row, cells, None
                continue
            first, rest = taken[0], taken[1:]
            lines.push(rest)
            plain = next(csv.reader([first.rstrip("\r\n")], delimiter=sep, quoting=csv.QUOTE_NONE))
            opened = next((i for i, c in enumerate(plain) if c.lstrip().startswith('"')), 0)
            name = headers[opened] if opened < ncols else ""
            yield row, plain, f"{name}{_US}{plain[opened] if opened < len(plain) else ''}"
