"""One language of the report: its phrases (a gettext catalogue), its numbers and dates (Babel).

English is the source language: a phrase is written once, in English, as a gettext
message id; the French comes from ``locale/fr/LC_MESSAGES/portfolio_analysis.po``.
A message with placeholders is a ``str.format`` template (``{n} clients``), filled
after translation, so that the French can place them where French grammar wants.

>>> fr = language("fr")
>>> fr.num(1234567.891, 1)
'1\\u202f234\\u202f567,9'
>>> language("en").num(-0.4)  # rounded to nothing: no sign
'0'
>>> fr.plural("{n} error", "{n} errors", 0).format(n=0)  # French: 0 is singular
'0 erreur'
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import math
from importlib import resources

LANGS = ("en", "fr")
DOMAIN = "portfolio_analysis"
_LOCALES = {"en": "en_GB", "fr": "fr_FR"}
MISSING = "–"  # how a missing number is written


def check_lang(lang: str) -> str:
    """``lang`` when it is a language of the report, else a ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    return lang


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a phrase marked, translated later
    """Mark ``message`` for translation without translating it now (it is translated where it is shown)."""
    return message


def po_path(lang: str) -> str:
    """The message catalogue of ``lang``."""
    return str(resources.files("portfolio_analysis.i18n").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po"))


@functools.cache
def _translations(lang: str):
    """gettext translations for ``lang``, compiled in memory from the ``.po`` file (no build step)."""
    import gettext

    if lang == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


class Language:
    """Phrases, numbers and dates in one language (``"en"`` or ``"fr"``).

    ``gettext(msg)`` (also ``_``) translates a phrase, ``plural(one, many, n)`` picks and
    translates the form for ``n`` (French counts 0 and 1 as singular), ``num(x)``
    writes a number, ``pct(x)`` a percentage, ``date(d)`` a date.
    """

    def __init__(self, lang: str = "en"):
        self.lang = check_lang(lang)
        self.locale = _LOCALES[lang]
        self._t = _translations(lang)

    def __repr__(self) -> str:
        return f"Language({self.lang!r})"

    # -- phrases -----------------------------------------------------------------
    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    _ = gettext

    def plural(self, singular: str, plural: str, n) -> str:
        return self._t.ngettext(singular, plural, _plural_n(n))

    def pgettext(self, context: str, message: str) -> str:
        return self._t.pgettext(context, message)

    # -- numbers and dates -------------------------------------------------------------
    def num(self, x, decimals: int = 0, sign: bool = False) -> str:
        """``x`` with ``decimals`` decimals and grouped thousands; a missing value as an en dash."""
        from babel.numbers import format_decimal

        try:
            x = float(x)
        except (TypeError, ValueError):  # None, pandas' NA
            return MISSING
        if math.isnan(x) or math.isinf(x):
            return MISSING
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        if sign:
            pattern = f"+{pattern};-{pattern}"
        x = round(x, decimals)
        if x == 0:
            x = 0.0  # no "-0"
        return format_decimal(x, format=pattern, locale=self.locale, decimal_quantization=True)

    def pct(self, x, decimals: int = 0, sign: bool = False) -> str:
        """A percentage already in points (``35.2`` -> ``35.2 %``; French and English both space it)."""
        text = self.num(x, decimals, sign)
        return text if text == MISSING else f"{text}\u00a0%"

    def date(self, value) -> str:
        """A date written out in full (``1 January 2023``, ``1 janvier 2023``)."""
        from babel.dates import format_date

        if value is None or _is_missing(value):
            return MISSING
        if isinstance(value, str):
            value = _dt.date.fromisoformat(value[:10])
        if hasattr(value, "date") and callable(value.date):
            value = value.date()
        return format_date(value, "d MMMM y", locale=self.locale)


def _is_missing(x) -> bool:
    try:
        return bool(x != x)
    except (TypeError, ValueError):  # pandas' NA has no truth value: it is missing
        return True


def _plural_n(n) -> int:
    """The count gettext chooses a form by: a whole number (1.0 and 1 are one)."""
    try:
        return int(abs(round(float(n))))
    except (TypeError, ValueError):
        return 2


@functools.cache
def language(lang: str = "en") -> Language:
    """The :class:`Language` of ``lang`` (one per language)."""
    return Language(lang)
