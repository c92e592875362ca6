"""Excel workbooks read as a person sees them in Excel.

:func:`read_workbook` opens a ``.xlsx``/``.xlsm`` (a zip of XML parts) or a legacy
``.xls`` (an OLE file) with calamine and returns the cells of one sheet:

- the first *visible* sheet unless one is named (hidden sheets are named in a warning);
- the header on the first non-blank row, and each row numbered as Excel numbers it;
- merged cells filled with the value of their top-left cell, with a warning;
- a formula whose result was never computed (a file written by a program and not
  opened in Excel since) or a cell showing an error (``#DIV/0!``) reported with its
  address, never read as an empty cell or a zero;
- an encrypted (password-protected) workbook, a zip that is no workbook, or one whose
  parts declare an absurd size once expanded refused before anything is expanded.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.validation import InputError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: What the parts of a workbook may declare once expanded; a register of 100,000 clients takes ~100 MB.
MAX_EXPANDED_BYTES = 1 << 30
#: Above this size, a part may not expand more than MAX_RATIO times (a "zip bomb" expands millions of times).
RATIO_FLOOR_BYTES = 50 << 20
MAX_RATIO = 500
#: Cells a sheet may span (its last row x its last column) before it is refused unread.
MAX_CELLS = 20_000_000
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 22

_HIDDEN = N_("the workbook has hidden sheets ({hidden}); read the first visible sheet, {sheet} "
             "(give --sheet to read another)")
_MERGED = N_("cells {cells} are merged: each of them was given the value of {first} (unmerge them in Excel "
             "if the rows should differ)")
_NO_RESULT = N_("cell {cell} holds a formula whose result was never computed (the file was written by a program "
                "and not opened in Excel since): open the file in Excel and save it, or type the value")
_ERROR_CELL = N_("cell {cell} shows an error ({error}) in Excel; read as empty")


def column_letter(col: int) -> str:
    """The letters of a 0-based column: 0 -> 'A', 27 -> 'AB'.

    >>> column_letter(0), column_letter(27), column_letter(16383)
    ('A', 'AB', 'XFD')
    """
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


def cell_address(row: int, col: int) -> str:
    """The address of a 0-based cell: (2, 1) -> 'B3'."""
    return f"{column_letter(col)}{row + 1}"


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


# -- what kind of file ------------------------------------------------------------------
def is_encrypted_ole(path: Path) -> bool:
    """True when an OLE file holds an ``EncryptedPackage`` stream: an encrypted Office Open XML file."""
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            if _ENCRYPTED in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTED):]
    return False


def _password_protected(path: Path) -> InputError:
    return InputError(f"{path}: the workbook is password-protected (encrypted), so it cannot be read: open it in "
                      "Excel, remove the password (File > Info > Protect Workbook) and save it again")


def check_zip(path: Path) -> zipfile.ZipFile:
    """Open a workbook's zip and refuse it, before expanding anything, when its parts declare an absurd size."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: the workbook is damaged and cannot be opened ({exc})") from None
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    on_disk = max(path.stat().st_size, 1)
    worst = max(infos, key=lambda i: i.file_size / max(i.compress_size, 1), default=None)
    absurd = total > MAX_EXPANDED_BYTES or (
        worst is not None and worst.file_size > RATIO_FLOOR_BYTES
        and worst.file_size / max(worst.compress_size, 1) > MAX_RATIO
    )
    if absurd:
        zf.close()
        raise InputError(
            f"{path}: the workbook declares {total / 1e6:,.0f} MB once expanded ({total / on_disk:,.0f} times its "
            f"{on_disk / 1e6:,.1f} MB on disk); refused before expanding it (at most {MAX_EXPANDED_BYTES / 1e6:,.0f} MB)"
        )
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        zf.close()
        what = ("a Word document" if "word/document.xml" in names else
                "a PowerPoint presentation" if "ppt/presentation.xml" in names else
                "a binary Excel workbook (.xlsb): save it as .xlsx" if "xl/workbook.bin" in names else
                "a zip archive, not an Excel workbook")
        raise InputError(f"{path}: the file is {what}")
    return zf


# -- the sheet's XML, scanned before calamine reads it --------------------------------------
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/?)>")
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_END_CELL = re.compile(rb"</(?:\w+:)?c>")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip part holding its XML."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for el in book.iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet" and el.get(_NS_REL) in targets:
            target = targets[el.get(_NS_REL)]
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out[el.get("name")] = part
    return out


def _scan_sheet(zf: zipfile.ZipFile, part: str) -> tuple[int, int, dict, dict]:
    """The sheet's extent (last row, last column, 0-based) and its formulas without a result and error cells.

    Streams the part (zipfile checks the declared size and CRC as it expands), so nothing is
    held but a chunk: ``{(row, col): formula}`` and ``{(row, col): error text}`` are returned.
    """
    last_row = last_col = -1
    uncomputed: dict = {}
    errors: dict = {}
    carry = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            data = carry + chunk
            # process up to the last complete row; a row cut by the chunk waits for the next one
            end_row = max(data.rfind(b"</row>"), data.rfind(b":row>"))
            if chunk and end_row < 0:
                carry = data
                continue
            cut = len(data) if not chunk else data.index(b">", end_row) + 1
            body, carry = data[:cut], data[cut:]
            for m in _CELL.finditer(body):
                ref = _REF.search(m.group(1))
                if ref is None:
                    continue
                row, col = int(ref.group(2)) - 1, _column_number(ref.group(1).decode())
                last_row, last_col = max(last_row, row), max(last_col, col)
                if m.group(2):  # <c .../>: an empty cell
                    continue
                end = _END_CELL.search(body, m.end())
                inner = body[m.end(): end.start() if end else len(body)]
                value = _VALUE.search(inner)
                if _FORMULA.search(inner) and (value is None or value.group(1) == b""):
                    formula = re.search(rb"<(?:\w+:)?f[^>]*>([^<]*)<", inner)
                    uncomputed[(row, col)] = "=" + (formula.group(1).decode("utf-8", "replace") if formula else "")
                else:
                    kind = _TYPE.search(m.group(1))
                    if kind is not None and kind.group(1) == b"e":
                        errors[(row, col)] = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
            if not chunk:
                break
    return last_row, last_col, uncomputed, errors


def _check_parts(zf: zipfile.ZipFile, parts) -> None:
    """Expand the shared parts calamine reads (shared strings) once, checking their size and CRC."""
    for part in parts:
        if part in zf.namelist():
            with zf.open(part) as fh:
                while fh.read(_CHUNK):
                    pass


# -- reading -------------------------------------------------------------------------------
def _sheet_choice(metas, sheet, path) -> tuple[str, list[str]]:
    """The sheet to read and the names of the hidden sheets."""
    import python_calamine as pc

    names = [m.name for m in metas]
    hidden = [m.name for m in metas if m.visible != pc.SheetVisibleEnum.Visible]
    listing = ", ".join(repr(n) + (" (hidden)" if n in hidden else "") for n in names)
    if sheet is None:
        visible = [m.name for m in metas if m.visible == pc.SheetVisibleEnum.Visible
                   and m.typ == pc.SheetTypeEnum.WorkSheet]
        if not visible:
            raise InputError(f"{path}: the workbook has no visible worksheet (sheets: {listing}); give --sheet")
        return visible[0], hidden
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError(f"--sheet {sheet}: no sheet number {sheet} in {path}; expected 0 to {len(names) - 1} "
                             f"(sheets: {listing})")
        return names[sheet], []
    if sheet in names:
        return sheet, []
    folded = {n.strip().casefold(): n for n in names}
    if str(sheet).strip().casefold() in folded:
        return folded[str(sheet).strip().casefold()], []
    raise InputError(f"--sheet {sheet!r}: no sheet of that name in {path}; expected one of: {listing}")


def sheet_names(path: Path) -> list[str]:
    """The names of a workbook's sheets, in order."""
    import python_calamine as pc

    with open(path, "rb") as fh:
        return list(pc.CalamineWorkbook.from_filelike(fh).sheet_names)


def _cell(value):
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):  # a date cell: the same type a datetime column gets
        return dt.datetime(value.year, value.month, value.day)
    return value


def read_workbook(path: Path, sheet=None, *, header_only: bool = False):
    """One sheet of a workbook: (cells, spreadsheet row of each line, problems, the sheet's name).

    ``cells`` is a DataFrame of objects (texts, floats, datetimes, booleans; ``""`` when
    empty) headed by the first non-blank row; ``problems`` holds
    ``(severity, row, column, template, params, value)`` tuples.

    Raises
    ------
    InputError
        An encrypted workbook, a damaged or absurd one, a sheet that does not exist.
    """
    import python_calamine as pc

    path = Path(path)
    with open(path, "rb") as fh:
        magic = fh.read(8)
    zf = None
    if magic == OLE_MAGIC:
        if is_encrypted_ole(path):
            raise _password_protected(path)
    elif magic[:4] == ZIP_MAGIC:
        zf = check_zip(path)
    else:
        raise InputError(f"{path}: the file is not an Excel workbook (named {path.suffix}, it holds "
                         f"{'text' if _looks_like_text(magic) else 'something else'})")
    problems: list[tuple] = []
    try:
        with open(path, "rb") as fh:
            book = pc.CalamineWorkbook.from_filelike(fh)
        name, hidden = _sheet_choice(book.sheets_metadata, sheet, path)
        uncomputed: dict = {}
        errors: dict = {}
        if zf is not None:
            part = _sheet_parts(zf).get(name)
            if part is not None:
                last_row, last_col, uncomputed, errors = _scan_sheet(zf, part)
                cells = (last_row + 1) * (last_col + 1)
                if cells > MAX_CELLS:
                    raise InputError(
                        f"{path}: the sheet {name!r} spans A1:{cell_address(last_row, last_col)} ({cells:,} cells); "
                        "refused before reading it: delete what lies far below or to the right of the table "
                        "(Ctrl+End in Excel goes to the last cell)")
            _check_parts(zf, ["xl/sharedStrings.xml"])
        grid_sheet = book.get_sheet_by_name(name)
        grid = grid_sheet.to_python(skip_empty_area=False)
        merged = grid_sheet.merged_cell_ranges or []
    except pc.PasswordError:
        raise _password_protected(path) from None
    except zipfile.BadZipFile as exc:  # a part whose size or CRC is not the one declared
        raise InputError(f"{path}: the workbook is damaged ({exc})") from None
    finally:
        if zf is not None:
            zf.close()
    if hidden:
        problems.append(("warning", None, None, _HIDDEN,
                         {"hidden": ", ".join(repr(h) for h in hidden), "sheet": repr(name)}, None))

    # merged cells: each takes the top-left value (a person reads the merged value on every row)
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(grid):
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else ""
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, c1 + 1):
                if c < len(grid[r]) and (r, c) != (r0, c0):
                    grid[r][c] = value
        problems.append(("warning", r0 + 1, c0, _MERGED,
                         {"cells": f"{cell_address(r0, c0)}:{cell_address(r1, c1)}", "first": cell_address(r0, c0)},
                         None if value == "" else str(value)))
    for (r, c), formula in uncomputed.items():
        problems.append(("error", r + 1, c, _NO_RESULT, {"cell": cell_address(r, c)}, formula))
        if r < len(grid) and c < len(grid[r]):
            grid[r][c] = ""
    for (r, c), text in errors.items():
        problems.append(("error", r + 1, c, _ERROR_CELL, {"cell": cell_address(r, c), "error": text}, text))

    first = next((i for i, line in enumerate(grid) if any(v != "" and v is not None for v in line)), None)
    if first is None:
        return pd.DataFrame(), pd.Series([], dtype="int64"), problems, name
    header = ["" if v is None else str(_cell(v)).strip() for v in grid[first]]
    body = grid[first + 1:] if not header_only else []
    width = len(header)
    columns = {}
    for j in range(width):
        columns[j] = np.array([_cell(line[j]) if j < len(line) else "" for line in body], dtype=object)
    data = pd.DataFrame(columns)
    data.columns = _unique_headers(header)
    rows = pd.Series(np.arange(first + 2, first + 2 + len(body), dtype="int64"))
    # problems name the column by its header, and rows above the header are not the table's
    named = []
    for severity, row, col, template, params, value in problems:
        column = data.columns[col] if col is not None and col < width else (
            column_letter(col) if col is not None else None)
        named.append((severity, row, column, template, params, value))
    return data, rows, named, name


def _unique_headers(header: list[str]) -> list[str]:
    from portfolio_analysis.load.files import _unique

    return _unique(header)


def _looks_like_text(head: bytes) -> bool:
    return bool(head) and all(b >= 0x20 or b in (9, 10, 13) for b in head)
