"""The invoice source as the engines see it: its files, each file's columns mapped to the invoice fields.

:func:`open_input` finds the files of a source (a file, a folder of Parquet or CSV
files, a glob, or a DataFrame), maps each file's columns to the invoice fields and
reports the files it cannot read; :func:`frame_table` turns cells into the typed and
text columns of the relation ``src`` that the plan of
:mod:`~portfolio_analysis.load.plan` reads.
"""

from __future__ import annotations

import glob as _glob
from collections.abc import Mapping
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
