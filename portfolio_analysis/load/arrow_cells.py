"""Cells of invoice columns parsed on Arrow arrays: ids, numbers and dates, no loop over lines.

A field's cells (:class:`_Cells`) come typed (numbers and timestamps from
Parquet, Excel or a DataFrame) and/or as text. :func:`_parse_ids` cleans ids and
categories on their distinct values (stripped, ``17850.0`` as ``17850``, blank
as missing); :func:`_parse_numbers` and :func:`_parse_dates` take an Arrow fast
path for plain numbers and for dates written exactly as a format writes them,
and hand the rest, distinct values only, to the shared parsers of
:mod:`portfolio_analysis.load.cells` (``1 234,56 €``, ``15/03/2024``). Each
returns the values with the masks of the blank and of the bad cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from portfolio_analysis.load.cells import parse_date, parse_number

# Whitespace stripped around cells: an explicit set, with the non-breaking spaces
# French spreadsheets write.
_WS = " \t\n\r\x0b\x0c\u00a0\u202f\u2007\u2009\ufeff"
_PLAIN_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"
_FLOAT_ID = r"^([0-9]+)\.0+$"
_DATE_MIN = np.datetime64("1900-01-01", "us")
_DATE_MAX = np.datetime64("2200-01-01", "us")
_NAT = np.iinfo(np.int64).min
_STRPTIME_DIGITS = {
    "Y": r"[0-9]{4}",
    "m": r"[0-9]{2}",
    "d": r"[0-9]{2}",
    "H": r"[0-9]{2}",
    "M": r"[0-9]{2}",
    "S": r"[0-9]{2}",
    "y": r"[0-9]{2}",
}


# ----------------------------------------------------------------------------
# cells of one field: typed values (numbers, timestamps) and/or text
# ----------------------------------------------------------------------------
@dataclass
class _Cells:
    """A field's cells; where ``typed`` is not null it holds the cell, else ``text`` does."""

    typed: pa.Array | None
    text: pa.Array | None  # string, large_string or dictionary of strings
    n: int
    clean: bool = False  # text already stripped and emptied to null (invoice ids read ahead)

    def as_text(self) -> pa.Array:
        """Every cell as text (typed ones formatted), nulls where blank."""
        text = self.text
        if self.typed is not None:
            typed = _typed_to_text(self.typed)
            text = typed if text is None else pc.coalesce(typed, _decode(text).cast(pa.large_string()))
        if text is None:
            return pa.nulls(self.n, pa.large_string())
        return _decode(text)

    def strings_at(self, positions: np.ndarray) -> list:
        """The cells at ``positions`` as a spreadsheet user would read them (None where blank)."""
        if len(positions) == 0:
            return []
        return self.as_text().take(pa.array(positions)).to_pylist()


def _decode(arr: pa.Array) -> pa.Array:
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr


def _typed_to_text(arr: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        # whole seconds: arrow writes %S of a microsecond stamp as "00.000000"
        seconds = arr.cast(pa.timestamp("us")).cast(pa.timestamp("s"), safe=False)
        return pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S").cast(pa.large_string())
    return arr.cast(pa.large_string())


def _combine(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        if pa.types.is_dictionary(arr.type) and arr.num_chunks > 1:
            arr = pa.table({"x": arr}).unify_dictionaries().column("x")
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _arrow_cells(arr: pa.ChunkedArray | pa.Array) -> _Cells:
    arr = _combine(arr)
    t = arr.type
    n = len(arr)
    if pa.types.is_dictionary(t):
        if not pa.types.is_string(t.value_type) and not pa.types.is_large_string(t.value_type):
            return _arrow_cells(arr.dictionary_decode())
        return _Cells(None, arr, n)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _Cells(None, arr, n)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return _Cells(arr, None, n)
    if pa.types.is_timestamp(t):
        if t.tz is not None:
            arr = pc.local_timestamp(arr)
        return _Cells(arr.cast(pa.timestamp("us")), None, n)
    if pa.types.is_date(t):
        return _Cells(arr.cast(pa.timestamp("us")), None, n)
    if pa.types.is_null(t):
        return _Cells(None, pa.nulls(n, pa.large_string()), n)
    return _Cells(None, arr.cast(pa.large_string()), n)


def _series_cells(s: pd.Series) -> _Cells:
    """Cells of a DataFrame or Excel column, typed where pandas holds types."""
    n = len(s)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return _Cells(pa.array(s.to_numpy("datetime64[us]")), None, n)
    if pd.api.types.is_bool_dtype(s.dtype):
        return _Cells(None, pa.array(s.astype(object).map(str).to_numpy(object), pa.large_string()), n)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return _Cells(pa.array(s.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True), None, n)
    if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
        return _Cells(None, _combine(pa.array(s)).cast(pa.large_string()), n)  # a concat gives several chunks
    values = s.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    missing = pd.isna(values)
    if kind in ("string", "empty"):
        return _Cells(None, pa.array(np.where(missing, None, values), pa.large_string()), n)
    if kind in ("floating", "integer", "mixed-integer-float", "decimal"):
        nums = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy("float64")
        return _Cells(pa.array(nums, from_pandas=True), None, n)
    if kind in ("datetime", "datetime64", "date"):
        stamps = pd.to_datetime(pd.Series(values), errors="coerce").to_numpy("datetime64[us]")
        return _Cells(pa.array(stamps), None, n)
    # mixed cells (an Excel column typed by hand): timestamps stay typed, the rest is text
    is_time = (
        np.fromiter(
            (isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat") for v in values),
            bool,
            count=n,
        )
        & ~missing
    )
    typed = None
    if is_time.any():
        stamps = pd.to_datetime(pd.Series(np.where(is_time, values, None)), errors="coerce")
        typed = pa.array(stamps.to_numpy("datetime64[us]"))
    texts = [None if (m or t) else _cell_str(v) for v, m, t in zip(values, missing, is_time)]
    return _Cells(typed, pa.array(texts, pa.large_string()), n)


def _cell_str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(value)  # "17850.0": the id rule drops the ".0"
    return str(value)


# ----------------------------------------------------------------------------
# parsing a field (arrow and numpy, no loop over lines)
# ----------------------------------------------------------------------------
def _trim(arr: pa.Array) -> pa.Array:
    return pc.utf8_trim(arr, characters=_WS)


def _encode(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Codes (-1 for null) and the distinct values of an array."""
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    codes = pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return codes, arr.dictionary


def _recode(codes: np.ndarray, values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Merge values that became equal (after cleaning) and drop nulls to code -1."""
    enc = pc.dictionary_encode(values)
    remap = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    remap = np.append(remap, np.int32(-1))  # code -1 stays -1
    return remap[codes], enc.dictionary


def _clean_text_values(values: pa.Array, *, id_rule: bool) -> pa.Array:
    """Text stripped, ``17850.0`` as ``17850`` (``id_rule``), empty as null (cheap checks first)."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = _typed_to_text(values)
    values = _trim(values)
    if id_rule:
        ends_zero = pc.ends_with(values, "0")
        if (
            pc.any(ends_zero).as_py()
            and pc.any(pc.match_substring_regex(values.filter(ends_zero), _FLOAT_ID)).as_py()
        ):
            values = pc.replace_substring_regex(values, _FLOAT_ID, r"\1")
    empty = pc.equal(values, "")
    if pc.any(empty).as_py():
        values = pc.if_else(empty, pa.scalar(None, values.type), values)
    return values


def _parse_ids(cells: _Cells, *, id_rule: bool = True) -> tuple[np.ndarray, pa.Array]:
    """Codes (-1 where blank) and the cleaned distinct values (ids or categories)."""
    if cells.typed is not None and cells.text is None:
        codes, values = _encode(cells.typed)
    elif cells.typed is None and cells.text is not None:
        codes, values = _encode(cells.text)
    else:
        codes, values = _encode(cells.as_text())
    return _recode(codes, _clean_text_values(values, id_rule=id_rule))


def _mask(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def _numpy(arr: pa.Array, fill: Any) -> np.ndarray:
    """A writable numpy copy-on-need of an arrow array, nulls replaced by ``fill``."""
    if arr.null_count:
        arr = pc.fill_null(arr, fill)
    return arr.to_numpy(zero_copy_only=False)


def _writable(values: np.ndarray) -> np.ndarray:
    return values if values.flags.writeable else values.copy()


def _parse_numbers(cells: _Cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (float64), blank mask, bad mask (not blank and not a finite number)."""
    n = cells.n
    if cells.typed is not None and pa.types.is_timestamp(cells.typed.type):
        cells = _Cells(None, cells.as_text(), n)
    if cells.typed is not None:
        values = _numpy(cells.typed.cast(pa.float64()), np.nan)
        done = ~np.isnan(values)
    else:
        values = np.full(n, np.nan)
        done = np.zeros(n, bool)
    blank = ~done
    if cells.text is not None:
        values = _writable(values)
        text = _trim(_decode(cells.text).cast(pa.large_string()))
        filled = ~done & ~_mask(pc.or_kleene(pc.is_null(text), pc.equal(text, "")))
        blank = ~done & ~filled
        plain = filled & _mask(pc.match_substring_regex(text, _PLAIN_NUMBER))
        if plain.any():
            fast = pc.cast(
                pc.if_else(pa.array(plain), text, pa.scalar(None, pa.large_string())), pa.float64()
            )
            values[plain] = fast.to_numpy(zero_copy_only=False)[plain]
        residue = filled & ~plain
        if residue.any():
            _fill_residue(text, residue, values, lambda s: parse_number(s, allow_percent=False)[0])
    bad = ~blank & ~np.isfinite(values)
    if bad.any():
        values = _writable(values)
        values[bad] = np.nan
    return values, blank, bad


def _fill_residue(text: pa.Array, residue: np.ndarray, out: np.ndarray, parse) -> None:
    """Parse the distinct leftover cells with the shared (slow, exact) parser, in place."""
    sub = text.filter(pa.array(residue))
    codes, uniq = _encode(sub)
    parsed = parse(pd.Series(uniq.to_pylist(), dtype="str"))
    parsed = (
        np.asarray(parsed.to_numpy(), dtype=out.dtype)
        if out.dtype.kind == "f"
        else (np.asarray(parsed.to_numpy("datetime64[us]")).view(np.int64))
    )
    out[residue] = parsed[codes]


def _strict_pattern(fmt: str, *, safe: bool = False) -> str | None:
    """A regex matching exactly the zero-padded strings that ``fmt`` writes (None if unsupported).

    With ``safe``, only values that cannot overflow into the next field (days up
    to 28, hours up to 23, ...): strptime turns 2023-02-30 into 2023-03-02.
    """
    digits = _SAFE_DIGITS if safe else _STRPTIME_DIGITS
    out = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in digits:
                return None
            out.append(digits[fmt[i + 1]])
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return "^" + "".join(out) + "$"


_SAFE_DIGITS = {
    "Y": r"[0-9]{4}",
    "m": r"(0[1-9]|1[0-2])",
    "d": r"(0[1-9]|1[0-9]|2[0-8])",
    "H": r"([01][0-9]|2[0-3])",
    "M": r"[0-5][0-9]",
    "S": r"[0-5][0-9]",
    "y": r"[0-9]{2}",
}


def _parse_dates(cells: _Cells, formats: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (int64 microseconds, ``_NAT`` where missing), blank mask, bad mask."""
    n = cells.n
    if cells.typed is not None and not pa.types.is_timestamp(cells.typed.type):
        cells = _Cells(None, cells.as_text(), n)
    if cells.typed is not None:
        values = _numpy(cells.typed.cast(pa.int64()), _NAT)
        done = values != _NAT
    else:
        values = np.full(n, _NAT, dtype=np.int64)
        done = np.zeros(n, bool)
    blank = ~done
    if cells.text is not None:
        values = _writable(values)
        text = _trim(_decode(cells.text).cast(pa.large_string()))
        blank_text = _mask(pc.or_kleene(pc.is_null(text), pc.equal(text, "")))
        blank = ~done & blank_text
        todo = ~done & ~blank_text
        patterns = [_strict_pattern(f) for f in formats]
        if all(p is not None for p in patterns):
            # fast path: strings written exactly as a format writes them, checked by
            # writing the parsed date back (strptime alone rolls 2023-02-30 over to March)
            for fmt, pat in zip(formats, patterns):
                if not todo.any():
                    break
                hit = todo & _mask(pc.match_substring_regex(text, pat))
                if not hit.any():
                    continue
                sub = text.filter(pa.array(hit))
                parsed = pc.strptime(sub, format=fmt, unit="us", error_is_null=True)
                good = _mask(pc.is_valid(parsed))
                unsafe = good & ~_mask(pc.match_substring_regex(sub, _strict_pattern(fmt, safe=True)))
                if unsafe.any():  # days 29-31 and the like: written back, they must read the same
                    pick = pa.array(unsafe)
                    same = _mask(pc.equal(pc.strftime(parsed.filter(pick), format=fmt), sub.filter(pick)))
                    good[np.flatnonzero(unsafe)[~same]] = False
                pos = np.flatnonzero(hit)[good]
                values[pos] = parsed.filter(pa.array(good)).cast(pa.int64()).to_numpy(zero_copy_only=False)
                todo[pos] = False
        if todo.any():
            _fill_residue(text, todo, values, lambda s: parse_date(s, formats)[0])
    parsed_ok = values != _NAT
    lo, hi = _DATE_MIN.astype(np.int64), _DATE_MAX.astype(np.int64)
    out_of_range = parsed_ok & ((values < lo) | (values >= hi))
    bad = ~blank & (~parsed_ok | out_of_range)
    if bad.any():
        values = _writable(values)
        values[bad] = _NAT
    return values, blank, bad
