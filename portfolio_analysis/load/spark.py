"""The invoice plan on a Spark session, for histories that live on a cluster or in a lake (``--engine spark``)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pyarrow as pa

from portfolio_analysis.load.csv_stream import CsvMismatch, Progress, _csv_batches
from portfolio_analysis.load.inputs import _TEXTS, Input, frame_table, src_schema


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
