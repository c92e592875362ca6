"""What the client register and contacts loaders share: a table opened, its cells as text, its problems.

:func:`_open` reads a file (or takes a DataFrame), finds its blank rows and its
empty nameless columns and opens the file's counters in the report;
:func:`_text` gives cells as text; :func:`_find_column` finds the header a
``--map`` names; :class:`_Problems` gathers the problems of one file and hands
them to the report at the end.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from portfolio_analysis.i18n.language import NC_
from portfolio_analysis.load.cells import is_blank, squash
from portfolio_analysis.load.files import Table, read_table
from portfolio_analysis.load.validation import (
    PROBLEM_COLUMNS,
    DataValidationError,
    ValidationReport,
    encode_params,
    problem_message,
)

#: How a message names "no column at all" among the columns a file has (a parameter, see validation).
NO_COLUMN = {"msg": NC_("columns found", "none"), "context": "columns found"}
#: The file name under which the problems of an in-memory DataFrame are reported.
DATAFRAME_FILE = "<dataframe>"
_UNNAMED = re.compile(r"^(Unnamed: \d+(_level_\d+)?|)$")


def _read(source, sheet) -> Table:
    if isinstance(source, pd.DataFrame):
        data = source.reset_index(drop=True)
        data = data.set_axis([str(c).strip() for c in data.columns], axis=1)
        rows = pd.Series(np.arange(2, len(data) + 2), index=data.index)
        return Table(data=data, rows=rows, file=DATAFRAME_FILE)
    table = read_table(Path(source), sheet=sheet)
    # rows are matched by position: whatever index the reader left must not be relied on
    table.data = table.data.reset_index(drop=True)
    table.rows = table.rows.reset_index(drop=True)
    return table


def _open(source, sheet, report: ValidationReport, kind: str):
    """Read a file and find its blank rows and its empty nameless columns.

    Returns the table, its problem list (holding the reader's own findings), the
    file's counters, the headers, the cells by column position, the blank-row mask
    and the positions of columns to skip.
    """
    table = _read(source, sheet)
    problems = _Problems(table.file)
    for p in table.problems:  # found by the reader: ragged lines, stray quotes, merged cells, formulas...
        problems.one(p.severity, p.row, p.column, p.value, p.template, params=p.params)
    stats = report.stats(table.file, kind)
    headers = [str(c) for c in table.data.columns]
    cells = table.data.set_axis(range(len(headers)), axis=1)
    blank = pd.DataFrame({pos: is_blank(cells[pos]) for pos in cells.columns}, index=cells.index)
    blank_row = blank.all(axis=1) if len(headers) else pd.Series(True, index=cells.index)
    # a trailing separator makes a nameless, empty column: nothing to carry through
    skip = {pos for pos, h in enumerate(headers) if _UNNAMED.match(h) and bool(blank[pos].all())}
    return table, problems, stats, headers, cells, blank_row, skip


def _stop_on_missing_columns(problems, report, stats, missing: list[str], message: str, *, n_rows: int,
                             params=None):
    """A required column is missing: nothing can load; every non-blank row is rejected, and say so."""
    problems.one("error", None, ", ".join(missing), None, message, params=params)
    problems.flush(report)
    stats.rows_loaded = 0
    stats.rows_rejected = n_rows
    raise DataValidationError(report)


def _cell_text(value):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))  # an Excel or numeric id 7.0 is "7"
    return str(value)


def _text(col: pd.Series, *, strip: bool = True) -> pd.Series:
    """Cells as text (``string`` dtype), blanks as NA."""
    if isinstance(col.dtype, pd.StringDtype):
        s = col.astype("string")
    else:
        # Excel and in-memory frames hold numbers; a per-cell pass is fine at register size
        s = col.astype(object).map(_cell_text).astype("string")
    if strip:
        s = s.str.strip()
    return s.mask(s.fillna("").str.strip().eq(""))


class _Problems:
    """Problems of one file, gathered as small frames and handed to the report at the end.

    A problem's ``message`` is its template, a phrase of the catalogue marked with ``N_``,
    and ``params`` its parameters (see :mod:`portfolio_analysis.load.validation`): one
    mapping for every row, or one per row. The English message is written from them.
    """

    def __init__(self, file: str):
        self.file = file
        self.frames: list[pd.DataFrame] = []

    def cells(self, severity, rows, column, values, message, suggestion=None, *, params=None) -> None:
        rows = np.asarray(rows, dtype="int64")
        if not len(rows):
            return
        values = pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy())
        values = values.astype("string")
        values = values.astype(object).where(values.notna(), None).to_numpy()
        uses_value = "{value}" in message
        if params is None or isinstance(params, dict):
            keyed = encode_params(params)
            if not uses_value:  # one message for every row
                english = problem_message(message, keyed, "en")
            else:
                english = [problem_message(message, keyed, "en", value=v) for v in values]
        else:
            keyed = [encode_params(p) for p in params]
            cache: dict = {}
            english = []
            for p, v in zip(keyed, values):
                key = (p, v if uses_value else None)
                if key not in cache:
                    cache[key] = problem_message(message, p, "en", value=key[1])
                english.append(cache[key])
        frame = pd.DataFrame(
            {
                "severity": severity,
                "file": self.file,
                "row": rows,
                "column": column,
                "value": values,
                "message": english if isinstance(english, str) else np.asarray(english, dtype=object),
                "suggestion": (
                    np.asarray(suggestion, dtype=object)
                    if suggestion is not None and not isinstance(suggestion, str)
                    else suggestion
                ),
                "template": message,
                "params": keyed if keyed is None or isinstance(keyed, str) else np.asarray(keyed, dtype=object),
            }
        )
        self.frames.append(frame[PROBLEM_COLUMNS])

    def one(self, severity, row, column, value, message, suggestion=None, *, params=None) -> None:
        params = encode_params(params)
        english = problem_message(message, params, "en", value=value)
        self.frames.append(
            pd.DataFrame(
                [[severity, self.file, row, column, value, english, suggestion, message, params]],
                columns=PROBLEM_COLUMNS,
            ).astype({"row": "object"})
        )

    def flush(self, report: ValidationReport) -> None:
        for frame in self.frames:
            report.add_frame(frame)
        self.frames = []


def _find_column(headers: list[str], name, taken: set[int]) -> int | None:
    """Position of the header a --map names: exact first, then ignoring case, accents and spacing."""
    name = str(name).strip()
    for pos, h in enumerate(headers):
        if h == name and pos not in taken:
            return pos
    for pos, h in enumerate(headers):
        if squash(h) == squash(name) and pos not in taken:
            return pos
    return None
