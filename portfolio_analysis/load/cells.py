"""Cell parsing shared by the loaders: numbers as French and English exports write them, dates.

Vectorised over a whole column; each function returns the parsed values and a
boolean mask of the cells that were not empty but could not be parsed, so that
the caller can report them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import normalise
from portfolio_analysis.i18n.language import N_

# spaces used as thousands separators: space, NBSP, narrow NBSP, thin space, apostrophe (Swiss)
_SPACES = "[\\s\u00a0\u202f\u2009\u2007']"
_CURRENCY = "[€$£¥]|\\b(?:EUR|USD|GBP|CHF)\\b|\\beuros?\\b"
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")


def squash(text: Any) -> str:
    """Fold a header or a word for matching, without spaces: "Customer ID" and "CustomerID" meet.

    >>> squash(" N° client "), squash("Côté")
    ('nclient', 'cote')
    """
    return normalise(text).replace(" ", "")


def is_blank(series: pd.Series) -> pd.Series:
    """True where a cell is missing or holds only whitespace."""
    s = series.astype("string")
    return s.isna() | s.str.strip().eq("")


def parse_number(series: pd.Series, *, allow_percent: bool = True) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse numbers written as people write them.

    ``12 345,67 €`` -> 12345.67, ``1,234.5`` -> 1234.5, ``35 %`` -> 35,
    ``(120)`` -> -120 (accounting negative), ``-1.5e3`` -> -1500.

    A single comma is a decimal comma (``1,234`` -> 1.234, as French files
    write it); several commas in groups of three are thousands separators
    (``1,234,567``), and so are several dots (``1.234.567``).

    Returns
    -------
    values : float Series (NaN where blank or bad)
    bad : bool Series, True where a non-blank cell did not parse
    percent : bool Series, True where the cell carried a ``%`` sign
    """
    if pd.api.types.is_numeric_dtype(series):
        values = pd.to_numeric(series, errors="coerce").astype("float64")
        false = pd.Series(False, index=series.index)
        return values, false, false.copy()
    raw = series.astype("string")
    blank = raw.isna() | raw.str.strip().eq("")
    s = raw.str.strip()
    percent = s.str.contains("%", regex=False).fillna(False).astype(bool)
    s = s.str.replace("%", "", regex=False)
    s = s.str.replace(_CURRENCY, "", regex=True, case=False)
    neg_paren = s.str.match(r"^\s*\(.*\)\s*$").fillna(False).astype(bool)
    s = s.str.replace(r"^\s*\((.*)\)\s*$", r"\1", regex=True)
    s = s.str.replace(_SPACES, "", regex=True)
    # scientific notation is kept aside: 1.5e3, 2E-2
    sci = s.str.match(r"^[+-]?\d+([.,]\d+)?[eE][+-]?\d+$").fillna(False).astype(bool)
    has_comma = s.str.contains(",", regex=False).fillna(False)
    has_dot = s.str.contains(".", regex=False).fillna(False)
    both = has_comma & has_dot
    # both separators: the last one is the decimal mark
    last_comma = s.str.rfind(",") > s.str.rfind(".")
    out = s.copy()
    # both separators: the first one must group thousands by three, or the cell is bad
    m = both & last_comma & s.str.match(r"^[+-]?\d{1,3}(\.\d{3})+,\d*$").fillna(False)  # 1.234,56
    out = out.mask(m, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    m2 = both & ~last_comma & s.str.match(r"^[+-]?\d{1,3}(,\d{3})+\.\d*$").fillna(False)  # 1,234.56
    out = out.mask(m2, s.str.replace(",", "", regex=False))
    out = out.mask(both & ~m & ~m2, "")
    only_comma = has_comma & ~has_dot
    thousands_comma = only_comma & s.str.match(r"^[+-]?\d{1,3}(,\d{3})+$").fillna(False) & (
        s.str.count(",") > 1
    )
    out = out.mask(thousands_comma, s.str.replace(",", "", regex=False))
    out = out.mask(only_comma & ~thousands_comma, s.str.replace(",", ".", regex=False))
    only_dot = has_dot & ~has_comma
    thousands_dot = only_dot & (s.str.count(r"\.") > 1) & s.str.match(r"^[+-]?\d{1,3}(\.\d{3})+$").fillna(False)
    out = out.mask(thousands_dot, s.str.replace(".", "", regex=False))
    out = out.mask(sci, s.str.replace(",", ".", regex=False))
    ok = out.str.match(_NUMBER.pattern).fillna(False).astype(bool) | sci
    values = pd.to_numeric(out.where(ok), errors="coerce").astype("float64")
    values = values.where(~neg_paren, -values)
    bad = (~blank & values.isna()).astype(bool)
    if not allow_percent:
        bad = bad | (percent & ~blank)
        values = values.where(~percent)
    return values, bad.fillna(False).astype(bool), (percent & ~blank).astype(bool)


def parse_date(series: pd.Series, formats: list[str] | tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """Parse dates trying each explicit format in turn (no guessing of day and month order).

    Returns the datetimes (NaT where blank or bad) and the mask of non-blank cells that did not parse.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.astype("datetime64[ns]") if series.dt.tz is None else series.dt.tz_localize(None)
        return values, pd.Series(False, index=series.index)
    raw = series.astype("string").str.strip()
    blank = raw.isna() | raw.eq("")
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    todo = ~blank
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        result.loc[parsed.index[hit]] = parsed[hit].astype("datetime64[ns]")
        todo.loc[parsed.index[hit]] = False
    bad = (~blank & result.isna()).astype(bool)
    return result, bad


def finite(values: pd.Series) -> pd.Series:
    return values.where(np.isfinite(values))


# -- ids that a person reads as the same ---------------------------------------------------
# letters of other scripts drawn like Latin ones (Unicode's confusables for Cyrillic and Greek)
_LOOKALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеіјорсхуѕԁԛԝһӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρτυχ",
    "ABESIJKMHOPCTXYaeijopcxysdqwhlABEZHIKMNOPTYXoikvptux",
)
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u2069\ufeff]")
_SHOWN = re.compile(_INVISIBLE.pattern[:-1] + "\u00a0\u2007\u202f]")  # and the spaces that look like one
_SPACES_ANY = re.compile("[\\s\u00a0\u2007\u202f]+")
#: How two ids that read the same differ, worst last (a phrase of the catalogue each).
DIFFERENCES = {
    "case": N_("upper and lower case"),
    "spaces": N_("a non-breaking or other special space"),
    "invisible": N_("invisible characters (such as a zero-width space)"),
    "lookalike": N_("look-alike letters of another alphabet (Cyrillic or Greek)"),
    "width": N_("full-width or other compatibility forms of characters"),
}


def visible(text: str) -> str:
    """``text`` with its invisible characters written as their code: 'C1\\u200b' -> 'C1<U+200B>'."""
    return _SHOWN.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(text))


def id_skeleton(text: str) -> str:
    """What a person reads in an id: no case, no invisible characters, one kind of space, Latin look-alikes.

    >>> id_skeleton("C\\u200b1") == id_skeleton("c1") == id_skeleton("С1")  # the last C is Cyrillic
    True
    """
    s = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(text)))
    s = _SPACES_ANY.sub(" ", s).strip()
    return s.translate(_LOOKALIKES).casefold()


def id_difference(a: str, b: str) -> str:
    """How two ids with the same :func:`id_skeleton` differ: a key of :data:`DIFFERENCES`."""
    if _INVISIBLE.sub("", a) == _INVISIBLE.sub("", b):
        return "invisible"
    if a.casefold() == b.casefold():
        return "case"
    if _SPACES_ANY.sub(" ", a) == _SPACES_ANY.sub(" ", b):
        return "spaces"
    if unicodedata.normalize("NFKC", a) == unicodedata.normalize("NFKC", b):
        return "width"
    if a.translate(_LOOKALIKES) == b.translate(_LOOKALIKES) or a.translate(_LOOKALIKES).casefold() == \
            b.translate(_LOOKALIKES).casefold():
        return "lookalike"
    return "invisible" if _INVISIBLE.search(a + b) else "lookalike"
