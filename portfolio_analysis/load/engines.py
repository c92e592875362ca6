"""Where the invoice plan runs: the source made a relation ``src``, and the queries run, on DuckDB or Spark.

:func:`open_input` finds the files of a source (a file, a folder of Parquet or CSV
files, a glob, or a DataFrame), maps each file's columns to the invoice fields and
reports the files it cannot read; an engine then shows them to the plan of
:mod:`~portfolio_analysis.load.plan` as one relation ``src``:

- :class:`DuckDBEngine` (the default) reads Parquet files itself (``read_parquet``,
  row numbers included) and CSV files through pyarrow's streaming reader, batch
  after batch, so that no file is ever held whole: blank lines keep their row
  numbers, the encoding and separator are sniffed, and a stray quote that would
  swallow the lines after it is found and reported (:func:`_csv_batches`). Memory
  limit, spill folder and threads come from ``settings.loading``.
- :class:`SparkEngine` reads Parquet files with Spark (any path the session can
  read: a lake, HDFS, object storage); CSV and Excel files and DataFrames are read
  by this package and handed to the session.
"""

from __future__ import annotations

import contextlib
import csv
import glob as _glob
import io
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.arrow_cells import _series_cells
from portfolio_analysis.load.plan import Shape
from portfolio_analysis.load.sources import INVOICE_FIELDS, _open_source, _resolve_columns, _Source
from portfolio_analysis.load.validation import DataValidationError, InputError, ValidationReport

#: The column of ``src`` holding, for a line a stray quote opened, ``column<US>cell``.
QUOTE = "_quote__t"
_US = "\x1f"
_NUMBERS = ("amount", "quantity", "unit_price", "cost", "margin")
_TEXTS = ("client_id", "service_category", "invoice_id")


# ----------------------------------------------------------------------------
# the input: files and their columns
# ----------------------------------------------------------------------------
@dataclass
class Part:
    """One file (or frame) of the input and its columns: invoice field -> the file's column."""

    src: _Source
    columns: dict[str, str]
    types: dict[str, str] = field(default_factory=dict)  # field -> "number" / "timestamp" / "text"


@dataclass
class Input:
    """The files of a source, all of one kind, and the shape the plan sees."""

    kind: str  # parquet, csv, excel, frame
    parts: list[Part]
    shape: Shape
    name: str  # what the user named: a file, a folder, a glob

    @property
    def files(self) -> list[str]:
        return [p.src.file for p in self.parts]

    def column(self, file: str, fld: str) -> str:
        """The column of ``file`` that holds ``fld`` (the field's name when the file has none)."""
        for p in self.parts:
            if p.src.file == file:
                return p.columns.get(fld, fld)
        return fld


def _expand(source: Any) -> tuple[str, list[Path]]:
    """The files of a path, a folder (every Parquet file under it, else every CSV file) or a glob."""
    text = str(source)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in _glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"{text}: no file matches")
        return text, files
    path = Path(source)
    if path.is_dir():
        for patterns in (("*.parquet", "*.pq"), ("*.csv", "*.txt")):
            files = sorted(p for pat in patterns for p in path.rglob(pat) if p.is_file()
                           and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts))
            if files:
                return text, files
        raise InputError(f"{text}: the folder holds no Parquet or CSV file")
    return text, [path]


def open_input(source: Any, mapping: Mapping[str, str] | None, report: ValidationReport) -> Input:
    """The files of ``source`` with their columns; files that cannot be read are reported and left out.

    Raises
    ------
    InputError
        A single file that cannot be read, or no readable file at all.
    DataValidationError
        A required column missing (in every file of a folder).
    """
    if isinstance(source, pd.DataFrame):
        src = _open_source(source)
        part = Part(src, _resolve_columns(src, mapping, report))
        return _with_shape("frame", [part], "<DataFrame>")
    name, paths = _expand(source)
    parts, kinds = [], set()
    single = len(paths) == 1 and not Path(name).is_dir()
    for path in paths:
        try:
            src = _open_source(path)
            columns = _resolve_columns(src, mapping, report)
        except (InputError, DataValidationError) as exc:
            if single:
                raise
            if isinstance(exc, InputError):
                report.add("error", str(path), None, None, None,
                           N_("the file cannot be read ({reason}); it is left out"), params={"reason": str(exc)})
            continue
        parts.append(Part(src, columns))
        kinds.add(src.kind)
    if not parts:
        if report.has_errors:
            raise DataValidationError(report)
        raise InputError(f"{name}: no file could be read")
    kind = "parquet" if kinds == {"parquet"} else parts[0].src.kind
    if len(kinds) > 1:
        raise InputError(f"{name}: files of different kinds ({', '.join(sorted(kinds))}); give one kind at a time")
    return _with_shape(kind, parts, name)


def _arrow_kind(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "timestamp"
    return "text"


def _with_shape(kind: str, parts: list[Part], name: str) -> Input:
    fields: list[str] = []
    typed: dict[str, str] = {}
    text: set[str] = set()
    for part in parts:
        for f, col in part.columns.items():
            if f not in fields:
                fields.append(f)
            if kind == "parquet":
                t = _arrow_kind(part.src.schema.field(col).type)
            elif kind in ("excel", "frame"):
                t = "mixed"
            else:
                t = "text"
            part.types[f] = t
            if f in _TEXTS:
                text.add(f)
                continue
            want = "timestamp" if f == "date" else "number"
            if t in ("mixed", want):
                typed[f] = want
            if t != want:
                text.add(f)
    fields = [f for f in INVOICE_FIELDS + ("margin",) if f in fields]
    return Input(kind, parts, Shape(tuple(fields), typed, frozenset(text)), name)


def src_schema(inp: Input, quotes: bool = False) -> pa.Schema:
    """The columns of ``src`` for ``inp`` (see :mod:`~portfolio_analysis.load.plan`)."""
    cols = [("_file", pa.int32()), ("_row", pa.int64())]
    for f in inp.shape.fields:
        if inp.shape.has_text(f):
            cols.append((f"{f}__t", pa.string()))
        t = inp.shape.typed.get(f)
        if t == "number":
            cols.append((f"{f}__n", pa.float64()))
        elif t == "timestamp":
            cols += [("date__us", pa.int64()), ("date__ym", pa.int32())]
    if quotes:
        cols.append((QUOTE, pa.string()))
    return pa.schema(cols)


# ----------------------------------------------------------------------------
# cells to the columns of src: typed (numbers, timestamps) and text
# ----------------------------------------------------------------------------
def _timestamp_columns(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Microseconds since 1970 and year * 12 + month - 1 of a timestamp array."""
    arr = arr.cast(pa.timestamp("us"))
    ym = pc.add(pc.multiply(pc.year(arr), 12), pc.subtract(pc.month(arr), 1)).cast(pa.int32())
    return arr.cast(pa.int64()), ym


def frame_table(part: Part, schema: pa.Schema, file: int = 0) -> pa.Table:
    """An Excel sheet or a DataFrame as the columns of ``src`` (typed cells and text cells apart)."""
    frame, rows = part.src.frame, part.src.rows
    n = len(frame)
    out: dict[str, pa.Array] = {
        "_file": pa.array(np.full(n, file, np.int32)),
        "_row": pa.array(rows if rows is not None else np.arange(2, n + 2), pa.int64()),
    }
    for f, col in part.columns.items():
        cells = _series_cells(frame[col])
        typed, text = cells.typed, cells.text
        if f in _TEXTS:
            out[f"{f}__t"] = cells.as_text().cast(pa.string())
            continue
        if typed is not None and pa.types.is_timestamp(typed.type) and f != "date":
            text, typed = cells.as_text(), None  # a date where a number belongs: its text is reported
        if typed is not None and not pa.types.is_timestamp(typed.type) and f == "date":
            text, typed = cells.as_text(), None
        if f"{f}__t" in schema.names:
            out[f"{f}__t"] = (text.cast(pa.string()) if text is not None
                              else pa.nulls(n, pa.string()))
        if f == "date" and "date__us" in schema.names:
            if typed is not None:
                out["date__us"], out["date__ym"] = _timestamp_columns(typed)
            else:
                out["date__us"], out["date__ym"] = pa.nulls(n, pa.int64()), pa.nulls(n, pa.int32())
        elif f"{f}__n" in schema.names:
            out[f"{f}__n"] = typed.cast(pa.float64()) if typed is not None else pa.nulls(n, pa.float64())
    return _conform(out, schema, n)


def _conform(columns: dict[str, pa.Array], schema: pa.Schema, n: int) -> pa.Table:
    arrays = [columns[c].cast(t) if c in columns else pa.nulls(n, t) for c, t in zip(schema.names, schema.types)]
    return pa.Table.from_arrays(arrays, schema=schema)


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


# ----------------------------------------------------------------------------
# the engines
# ----------------------------------------------------------------------------
def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBEngine:
    """The plan on an embedded DuckDB, out of core: ``memory_limit`` and ``spill_folder`` bound it."""

    dialect = "duckdb"

    def __init__(self, *, memory_limit: str | None = None, spill_folder: str | None = None,
                 threads: int | None = None):
        import duckdb

        self.con = duckdb.connect(config={"preserve_insertion_order": False})
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if spill_folder:
            Path(spill_folder).mkdir(parents=True, exist_ok=True)
            self.con.execute(f"SET temp_directory = '{Path(spill_folder)}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.inp: Input | None = None
        self.modes: dict[str, str] = {}
        self.progress = Progress()

    def use(self, inp: Input) -> None:
        self.inp = inp
        self.quotes = False
        if inp.kind == "parquet":
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW src AS {self._parquet_sql(inp)}")
            self.progress.total = sum(_parquet_rows(p.src.path) for p in inp.parts)
        elif inp.kind in ("excel", "frame"):
            schema = src_schema(inp)
            table = pa.concat_tables([frame_table(p, schema, i) for i, p in enumerate(inp.parts)])
            self.con.register("src", table)
            self.progress.total = table.num_rows
        else:
            self.modes = {p.src.file: "fast" for p in inp.parts}

    def _parquet_sql(self, inp: Input) -> str:
        shape = inp.shape
        selects = []
        for i, part in enumerate(inp.parts):
            cols = [f"CAST({i} AS INTEGER) AS _file", "file_row_number + 2 AS _row"]
            for f in shape.fields:
                col, t = part.columns.get(f), part.types.get(f)
                ref = _q(col) if col else None
                if shape.has_text(f):
                    cols.append(f"CAST({ref} AS VARCHAR) AS {f}__t" if ref and (t == "text" or f in _TEXTS)
                                else f"CAST(NULL AS VARCHAR) AS {f}__t")
                kind = shape.typed.get(f)
                if kind == "number":
                    cols.append(f"CAST({ref} AS DOUBLE) AS {f}__n" if ref and t == "number"
                                else f"CAST(NULL AS DOUBLE) AS {f}__n")
                elif kind == "timestamp":
                    if ref and t == "timestamp":
                        ts = f"CAST({ref} AS TIMESTAMP)"
                        cols += [f"epoch_us({ts}) AS date__us", f"year({ts}) * 12 + month({ts}) - 1 AS date__ym"]
                    else:
                        cols += ["CAST(NULL AS BIGINT) AS date__us", "CAST(NULL AS INTEGER) AS date__ym"]
            path = _lit(str(part.src.path))
            selects.append(f"SELECT {', '.join(cols)} FROM read_parquet({path}, file_row_number = true)")
        return " UNION ALL ".join(selects)

    def keep(self, name: str, sql: str) -> None:
        """Run ``sql`` and keep its result as the table ``name`` (in memory, spilled past ``memory_limit``)."""
        self.query(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", run=True)

    def query(self, sql: str, wanted: list[str] | None = None, *, source: bool = True,
              run: bool = False) -> pa.Table | None:
        """Run one query of the plan; a CSV source is read again for it (only the ``wanted`` fields).

        ``source=False``: the query reads only tables already kept, not the files.
        """
        inp = self.inp

        def go():
            if run:
                self.con.execute(sql)
                return None
            return self.con.sql(sql).to_arrow_table()

        if inp.kind != "csv" or not source:
            return go()
        while True:
            quotes = any(m == "careful" for m in self.modes.values())
            schema = src_schema(inp, quotes)
            wanted_fields = list(inp.shape.fields) if wanted is None else wanted
            self.progress.lines = 0
            reader = pa.RecordBatchReader.from_batches(schema, self._csv_stream(schema, wanted_fields))
            self.con.register("src", reader)
            try:
                return go()
            except Exception as exc:  # the reader's own error comes back through DuckDB
                if not self._next_mode(exc):
                    raise
            finally:
                self.con.unregister("src")

    def _csv_stream(self, schema, wanted):
        for i, part in enumerate(self.inp.parts):
            self._current = part.src.file
            for batch in _csv_batches(part, schema, wanted, self.modes[part.src.file], self.progress, i):
                if batch is not None and batch.num_rows:
                    yield batch

    def _next_mode(self, exc: Exception) -> bool:
        file = getattr(self, "_current", None)
        if file is None:
            return False
        text = f"{type(exc).__name__}: {exc}"
        mode = self.modes[file]
        if mode == "careful":
            return False
        if "UTF8" in text or "UTF-8" in text or "utf8" in text:
            if mode == "fast":
                self.modes[file] = "cp1252"
                return True
        if "CsvMismatch" in text or "CSV parse error" in text or "ArrowInvalid" in text or "Invalid" in text:
            self.modes[file] = "careful"
            return True
        return False

    @property
    def quoting(self) -> bool:
        return any(m == "careful" for m in self.modes.values())

    def lines_read(self) -> int | None:
        """Lines read by the running query (from DuckDB's progress when the engine reads the files)."""
        if self.inp is not None and self.inp.kind == "csv":
            return self.progress.lines
        try:
            done = float(self.con.query_progress())
        except Exception:
            return None
        return int(done / 100 * self.progress.total) if done >= 0 and self.progress.total else None

    def close(self) -> None:
        self.con.close()


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except Exception:
        return 0


class SparkEngine:
    """The plan on a Spark session (``spark``, or the one ``SparkSession.builder.getOrCreate()`` gives)."""

    dialect = "spark"

    def __init__(self, spark=None, *, master: str | None = None):
        if spark is None:
            spark = spark_session(master)
        spark.conf.set("spark.sql.session.timeZone", "UTC")  # timestamps as written, no shift
        self.spark = spark
        self.inp = None
        self._kept = []
        self.progress = Progress()
        self.quoting = False

    def use(self, inp: Input) -> None:
        with _quiet_spark():
            self._use(inp)

    def _use(self, inp: Input) -> None:
        self.inp = inp
        shape = inp.shape
        if inp.kind == "parquet":
            frames = []
            from pyspark.sql import functions as F

            for i, part in enumerate(inp.parts):
                df = self.spark.read.parquet(_spark_path(part.src.path))
                cols = [F.lit(i).cast("int").alias("_file"), (F.col("_metadata.row_index") + 2).alias("_row")]
                for f in shape.fields:
                    col, t = part.columns.get(f), part.types.get(f)
                    ref = F.col(f"`{col}`") if col else None
                    if shape.has_text(f):
                        cols.append((ref.cast("string") if ref is not None and (t == "text" or f in _TEXTS)
                                     else F.lit(None).cast("string")).alias(f"{f}__t"))
                    kind = shape.typed.get(f)
                    if kind == "number":
                        cols.append((ref.cast("double") if ref is not None and t == "number"
                                     else F.lit(None).cast("double")).alias(f"{f}__n"))
                    elif kind == "timestamp":
                        if ref is not None and t == "timestamp":
                            ts = ref.cast("timestamp")  # read in UTC (the session is): wall-clock microseconds
                            cols += [F.unix_micros(ts).alias("date__us"),
                                     (F.year(ts) * 12 + F.month(ts) - 1).cast("int").alias("date__ym")]
                        else:
                            cols += [F.lit(None).cast("bigint").alias("date__us"),
                                     F.lit(None).cast("int").alias("date__ym")]
                frames.append(df.select(*cols))
            src = frames[0]
            for other in frames[1:]:
                src = src.unionByName(other)
        else:
            if inp.kind == "csv":
                schema = src_schema(inp, quotes=True)
                batches = []
                for i, part in enumerate(inp.parts):
                    mode = "fast"
                    while True:
                        try:
                            batches += [b for b in _csv_batches(part, schema, list(shape.fields), mode,
                                                                self.progress, i) if b is not None]
                            break
                        except (pa.ArrowInvalid, CsvMismatch, UnicodeDecodeError) as exc:
                            utf = "UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError)
                            mode = "cp1252" if (utf and mode == "fast") else "careful"
                            self.quoting = self.quoting or mode == "careful"
                table = pa.Table.from_batches(batches, schema)
            else:
                schema = src_schema(inp)
                table = pa.concat_tables([frame_table(p, schema, i) for i, p in enumerate(inp.parts)])
            src = self.spark.createDataFrame(table)
        src.createOrReplaceTempView("src")

    def keep(self, name: str, sql: str) -> None:
        """Run ``sql`` and keep its result as the (cached) view ``name``."""
        with _quiet_spark():
            frame = self.spark.sql(sql).cache()
            frame.count()
            frame.createOrReplaceTempView(name)
            self._kept.append(frame)

    def query(self, sql: str, wanted: list[str] | None = None, *, source: bool = True) -> pa.Table:
        with _quiet_spark():
            return self.spark.sql(sql).toArrow()

    def lines_read(self) -> int | None:
        return None

    def close(self) -> None:
        self.spark.catalog.dropTempView("src")
        for frame in self._kept:
            frame.unpersist()


def _spark_path(path: Path) -> str:
    text = str(path)
    return text if "://" in text else str(Path(text).resolve())


def spark_session(master: str | None = None):
    """The active Spark session, else a new one (``master``, default ``local[*]``), in UTC, quiet."""
    with _quiet_spark():
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        builder = SparkSession.builder.appName("portfolio-analysis")
        if master:
            builder = builder.master(master)
        elif not _spark_master_configured():
            builder = builder.master("local[*]")
        session = (builder.config("spark.sql.session.timeZone", "UTC")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "8")
                   .getOrCreate())
        session.sparkContext.setLogLevel("ERROR")
        return session


@contextlib.contextmanager
def _quiet_spark():
    """PySpark warns that it does not yet support pandas 3; the plan hands it Arrow tables, not pandas frames."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark.*")
        warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
        yield


def _spark_master_configured() -> bool:
    import os

    return bool(os.environ.get("SPARK_REMOTE") or os.environ.get("MASTER"))


def engine(name: str, settings: Mapping[str, Any] | None = None, *, spark=None):
    """An engine by name: ``duckdb`` (default) or ``spark``, configured by ``settings.loading``."""
    settings = dict(settings or {})
    if name == "duckdb":
        return DuckDBEngine(memory_limit=settings.get("memory_limit"), spill_folder=settings.get("spill_folder"),
                            threads=settings.get("threads"))
    if name == "spark":
        return SparkEngine(spark, master=settings.get("spark_master"))
    raise ValueError(f"unknown engine {name!r}; expected duckdb, spark or pandas")


# ----------------------------------------------------------------------------
# the progress line
# ----------------------------------------------------------------------------
class Ticker:
    """Calls ``say`` with the lines read and the time spent every ``every`` seconds after ``after`` seconds."""

    def __init__(self, say: Callable[[str], None] | None, count: Callable[[], int | None], *,
                 after: float = 3.0, every: float = 5.0):
        self.say, self.count, self.after, self.every = say, count, after, every
        self.started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = None
        self.said = False

    def __enter__(self):
        if self.say is not None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self):
        wait = self.after
        while not self._stop.wait(wait):
            self.line()
            wait = self.every

    def line(self, done: bool = False) -> None:
        n = self.count()
        spent = time.perf_counter() - self.started
        lines = f"{n:,} lines read" if n is not None else "reading"
        self.say(f"invoices: {lines}, {spent:.0f} s{' (done)' if done else ''}")
        self.said = True

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            if self.said:
                self.line(done=True)
        return False
