"""The value types of the configuration model, with messages a consultant can act on.

Each type is ``Annotated[Any, BeforeValidator(check)]``: the check accepts exactly what
YAML gives for it (a number is an int or a float, never a bool or a text) and raises a
pydantic error whose message is written here, e.g. ``-5 is not a number >= 0``.
"""

import difflib
import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError


class Strict(BaseModel):
    """A block of the configuration: an unknown key is an error."""

    model_config = ConfigDict(extra="forbid")


def fail(message: str):
    """Raise a pydantic error whose message is ``message`` as written (no template)."""
    raise PydanticCustomError("config", "{message}", {"message": message})


def hint(key: Any, known) -> str:
    """`` (did you mean 'x'?)`` when a known name is close to ``key``, else ``""``."""
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def span(low: float | None, high: float | None, *, open_low: bool = False, open_high: bool = False) -> str:
    """``[0, 1]``, ``(0, 100]``, ``>= 0``, ``> 0`` or ``""``."""
    if low is not None and high is not None:
        return f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
    if low is not None:
        return f"{'>' if open_low else '>='} {low:g}"
    if high is not None:
        return f"{'<' if open_high else '<='} {high:g}"
    return ""


def inside(value: float, low, high, open_low: bool = False, open_high: bool = False) -> bool:
    if low is not None and (value <= low if open_low else value < low):
        return False
    return not (high is not None and (value >= high if open_high else value > high))


def _text(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        fail(f"{value!r} is not a text")
    return value


def _phrase(value: Any) -> Any:
    from portfolio_analysis.i18n.language import LANGS

    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        fail(f"{value!r} is not a text, nor a text per language {{en: ..., fr: ...}}")
    if not value:
        fail("an empty mapping: give a text, or a text per language {en: ..., fr: ...}")
    for lang, text in value.items():
        if lang not in LANGS:
            fail(f"{lang!r} is not a language of the report{hint(lang, LANGS)}; expected {{en: ..., fr: ...}}")
        if not isinstance(text, str) or not text.strip():
            fail(f"{text!r} ({lang}) is not a text")
    return dict(value)


def _flag(value: Any) -> Any:
    if value is not None and not isinstance(value, bool):
        fail(f"{value!r} is not true or false")
    return value


#: A text (``None`` passes: give the field ``| None`` semantics with a ``= None`` default).
Text = Annotated[Any, BeforeValidator(_text)]
Flag = Annotated[Any, BeforeValidator(_flag)]
#: A text a reader sees: a plain text (the catalogue's translation where it has one, else shown as
#: written in every language), or a text per language ``{en: ..., fr: ...}``.
Phrase = Annotated[Any, BeforeValidator(_phrase)]


def Number(low=None, high=None, *, open_low=False, open_high=False, optional=False, what="a number"):  # noqa: N802
    """A finite number within the bounds, as a float (``None`` allowed when ``optional``)."""
    where = span(low, high, open_low=open_low, open_high=open_high)
    where = f"in {where}" if low is not None and high is not None else where

    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        if not is_number(value) or not inside(value, low, high, open_low, open_high):
            fail(f"{value!r} is not {what}{' ' + where if where else ''}")
        return float(value)

    return Annotated[Any, BeforeValidator(check)]


def Whole(low=None, high=None, *, optional=False):  # noqa: N802
    """A whole number (an int, not 2.0) within the bounds (``None`` allowed when ``optional``)."""
    where = span(low, high)
    where = f"in {where}" if low is not None and high is not None else where

    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not inside(value, low, high):
            fail(f"{value!r} is not a whole number{' ' + where if where else ''}")
        return value

    return Annotated[Any, BeforeValidator(check)]


def Range(low=None, high=None, *, strict=False, open_low=False, open_high=False, whole=False):  # noqa: N802
    """Two numbers ``[a, b]`` within the bounds with ``a <= b`` (``a < b`` when ``strict``), as a tuple."""
    where = span(low, high, open_low=open_low, open_high=open_high)
    where = f"in {where}" if low is not None and high is not None else where
    order = "a < b" if strict else "a <= b"

    def check(value: Any) -> Any:
        ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(is_number(v) for v in value)
        ok = ok and (not whole or all(isinstance(v, int) for v in value))
        ok = ok and all(inside(v, low, high, open_low, open_high) for v in value)
        ok = ok and (value[0] < value[1] if strict else value[0] <= value[1])
        if not ok:
            kind = "whole numbers" if whole else "numbers"
            fail(f"{value!r} is not a range [a, b] of {kind}{' ' + where if where else ''} with {order}")
        return (int(value[0]), int(value[1])) if whole else (float(value[0]), float(value[1]))

    return Annotated[Any, BeforeValidator(check)]
