"""Where the invoice plan runs: the source made a relation ``src``, and the queries run, on DuckDB or Spark.

- :class:`DuckDBEngine` (the default) reads Parquet files itself (``read_parquet``,
  row numbers included) and CSV files through pyarrow's streaming reader, batch
  after batch (:mod:`~portfolio_analysis.load.csv_stream`), so that no file is ever
  held whole. Memory limit, spill folder and threads come from ``settings.loading``.
- :class:`~portfolio_analysis.load.spark.SparkEngine` reads Parquet files with Spark
  (any path the session can read: a lake, HDFS, object storage); CSV and Excel files
  and DataFrames are read by this package and handed to the session.

The sources themselves (files, folders, globs, their columns) are
:mod:`~portfolio_analysis.load.inputs`'.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from portfolio_analysis.load.csv_stream import Progress, _csv_batches
from portfolio_analysis.load.inputs import _TEXTS, Input, frame_table, src_schema
from portfolio_analysis.load.validation import InputError


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
            import duckdb

            try:
                if run:
                    self.con.execute(sql)
                    return None
                return self.con.sql(sql).to_arrow_table()
            except duckdb.OutOfMemoryException:
                limit = self.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
                raise InputError(f"the invoice lines need more memory than the engine may use ({limit}): raise "
                                 "settings.loading.memory_limit, or leave it empty for the engine's default "
                                 "(80 % of the machine's memory)") from None

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


def engine(name: str, settings: Mapping[str, Any] | None = None, *, spark=None):
    """An engine by name: ``duckdb`` (default) or ``spark``, configured by ``settings.loading``."""
    settings = dict(settings or {})
    if name == "duckdb":
        return DuckDBEngine(memory_limit=settings.get("memory_limit"), spill_folder=settings.get("spill_folder"),
                            threads=settings.get("threads"))
    if name == "spark":
        from portfolio_analysis.load.spark import SparkEngine

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
