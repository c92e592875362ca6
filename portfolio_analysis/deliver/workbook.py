"""The relationship plan as an Excel workbook a consultant can hand over.

Every sheet has a frozen, bold header row, an autofilter, column widths fitted
to their content and number formats by column (amounts with thousands
separators, scores with no decimals, percentages with one). Text is always
written as text: a client named ``=HYPERLINK(...)`` stays a name, never a formula.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A valid, unique Excel sheet name: no ``[]:*?/\\``, at most 31 characters."""
    base = _BAD_SHEET_CHARS.sub(" ", str(name)).strip("' ") or "Sheet"
    base = base[:31]
    out, i = base, 2
    while taken is not None and out.lower() in {t.lower() for t in taken}:
        suffix = f" ({i})"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    return out


def _kind(col: str, series: pd.Series) -> str:
    name = col.lower()
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if not pd.api.types.is_numeric_dtype(series):
        return "date" if pd.api.types.is_datetime64_any_dtype(series) else "text"
    if name.endswith(("_pct", "pct", "%")) or "share" in name or "percent" in name:
        return "pct"
    if "score" in name or name in ("priority", "rank", "segment") or name.endswith(("_rank", "count", "clients")):
        return "int" if "score" not in name else "score"
    if name in ("coverage",) or name.endswith("_ratio"):
        return "ratio"
    return "amount"


#: Columns left empty for the user to fill in (the plan's tracking columns).
_FILLED = ("next_step", "due_date", "status", "notes")

_FORMATS = {
    "amount": "#,##0",
    "pct": "0.0",
    "score": "0",
    "int": "0",
    "ratio": "0%",
    "date": "yyyy-mm-dd",
    "text": "@",
    "bool": "General",
}


def write_workbook(
    path: str | Path,
    sheets: dict[str, pd.DataFrame],
    *,
    notes: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    choices: dict[str, list[str]] | None = None,
) -> Path:
    """Write ``sheets`` (name → DataFrame, in order) to one .xlsx file.

    Parameters
    ----------
    sheets : the sheets; names are made valid and unique for Excel.
    notes : an optional line of text shown above a sheet's table (e.g. "profit is estimated").
    headers : the header shown for a column key (e.g. readable, or in another language); the
        number format is still chosen from the key.
    choices : for a column key, the values a drop-down list offers in its cells (a column
        named ``*date*`` gets a date check instead); for the columns a user fills in.
    """
    path = Path(path)
    notes = notes or {}
    headers = headers or {}
    choices = choices or {}
    with pd.ExcelWriter(
        path,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False,
                                   "nan_inf_to_errors": True}},
    ) as writer:
        book = writer.book
        header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                  "valign": "top"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        formats = {k: book.add_format({"num_format": v, "valign": "top"}) for k, v in _FORMATS.items()}
        number = {int: book.add_format({"num_format": "#,##0", "valign": "top"}),
                  float: book.add_format({"num_format": "#,##0.00", "valign": "top"})}
        note_fmt = book.add_format({"italic": True, "font_color": "#595959"})
        taken: set[str] = set()
        for name, df in sheets.items():
            title = sheet_name(name, taken)
            taken.add(title)
            start = 2 if name in notes else 0
            ws = book.add_worksheet(title)
            writer.sheets[title] = ws
            if name in notes:
                ws.write_string(0, 0, notes[name], note_fmt)
            df = df.reset_index(drop=True)
            for c, col in enumerate(df.columns):
                ws.write_string(start, c, headers.get(str(col), str(col)), header)
                series = df[col]
                kind = _kind(str(col), series)
                fmt = formats[kind]
                values = series.to_numpy(dtype=object)
                width = len(headers.get(str(col), str(col)))
                for r, v in enumerate(values, start=start + 1):
                    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
                        continue
                    if kind == "bool":
                        ws.write_boolean(r, c, bool(v))  # TRUE / FALSE: filterable in Excel
                        width = max(width, 6)
                    elif kind == "text" and isinstance(v, (int, float, np.integer, np.floating)) \
                            and not isinstance(v, (bool, np.bool_)):  # a figure among texts: a number still
                        is_int = float(v).is_integer() and abs(float(v)) < 1e15
                        ws.write_number(r, c, float(v), number[int if is_int else float])
                        width = max(width, len(f"{float(v):,.2f}") + 2)
                    elif kind == "text" or isinstance(v, str):
                        text = str(v)
                        ws.write_string(r, c, text, wrap if len(text) > 60 else None)
                        width = max(width, min(len(text), 80))
                    elif kind == "date":
                        ws.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), fmt)
                        width = max(width, 10)
                    else:
                        ws.write_number(r, c, float(v), fmt)
                        width = max(width, len(f"{float(v):,.0f}") + 2)
                ws.set_column(c, c, min(max(width + 2, 8), 60))
                last = start + max(len(df), 1)
                if str(col) in choices:
                    ws.data_validation(start + 1, c, last, c, {"validate": "list", "source": choices[str(col)]})
                elif str(col) in _FILLED and "date" in str(col):
                    ws.data_validation(start + 1, c, last, c, {"validate": "date", "criteria": ">=",
                                                               "value": pd.Timestamp("2000-01-01").to_pydatetime()})
                    ws.set_column(c, c, 12, formats["date"])
            # keep who the row is about in view while scrolling right
            cols = list(df.columns)
            anchor = "name" if "name" in cols[:4] else "client_id" if "client_id" in cols[:4] else None
            ws.freeze_panes(start + 1, cols.index(anchor) + 1 if anchor else 0)
            if len(df.columns):
                ws.autofilter(start, 0, start + max(len(df), 1), len(df.columns) - 1)
    return path
