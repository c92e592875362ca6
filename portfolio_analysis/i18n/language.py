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
>>> fr.format("{x:,.0f} and {y:.1f}", x=-10000, y=12)  # a template's numbers written the local way
'-10\u202f000 and 12,0'
>>> fr.join(["5", "9", "12"])
'5, 9 et 12'
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import math
import string
from collections.abc import Iterable, Mapping
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


def lower_first(text: str) -> str:
    """``text`` with a lower-case first letter, to sit inside a sentence; an acronym is kept.

    >>> lower_first("Collaboration en R&D"), lower_first("R&D collaboration")
    ('collaboration en R&D', 'R&D collaboration')
    """
    text = str(text)
    if len(text) >= 2 and text[:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a phrase marked, translated later
    """Mark ``message`` for translation without translating it now (it is translated where it is shown)."""
    return message


def NC_(context: str, message: str) -> str:  # noqa: N802 - N_ with a context (gettext's pgettext)
    """Mark ``message`` for translation in ``context`` (a word whose French depends on it), translated later."""
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
    writes a number, ``pct(x)`` a percentage, ``date(d)`` a date, ``join(items)`` a list
    (``a, b and c``), ``format(template, **values)`` fills a template with its numbers
    written the local way, and ``text(value)`` gives a text of the configuration.
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

    def text(self, value) -> str:
        """A text of the configuration (a label, a reason) in this language.

        ``{en: ..., fr: ...}`` gives this language's text (the other's when it has none);
        a plain text is the catalogue's translation when it has one (the shipped labels),
        else it is shown as written.

        >>> language("fr").text("raise prices"), language("fr").text({"en": "reprice", "fr": "revoir les prix"})
        ('augmenter les prix', 'revoir les prix')
        >>> language("fr").text("a label of our own")
        'a label of our own'
        """
        if value is None:
            return ""
        if isinstance(value, Mapping):
            picked = value.get(self.lang) or next((value[k] for k in LANGS if value.get(k)), "")
            return str(picked)
        return self.gettext(str(value)) if value else ""

    def join(self, items: Iterable) -> str:
        """``a``, ``a and b``, ``a, b and c`` in this language (Babel's list patterns)."""
        from babel.lists import format_list

        items = [str(i) for i in items]
        return format_list(items, locale=self.locale) if items else ""

    def format(self, template: str, /, **values) -> str:
        """``template.format(**values)``, numbers with a format spec written the local way.

        ``{x:,.0f}`` groups thousands and ``{x:.1f}`` keeps one decimal, as ``str.format``
        does, but with this language's separators (Babel); ``{x:+.0f}`` shows the sign and
        ``{x:.0%}`` writes a percentage. Other fields are formatted as ``str.format`` does.
        """
        return _LocalFormatter(self).format(template, **values)

    # -- numbers and dates -------------------------------------------------------------
    def num(self, x, decimals: int = 0, sign: bool = False, *, grouping: bool = True) -> str:
        """``x`` with ``decimals`` decimals and grouped thousands; a missing value as an en dash.

        A number too large to write out (``1e15`` and more) is written in scientific notation.
        """
        from babel.numbers import format_decimal, format_scientific

        try:
            x = float(x)
        except (TypeError, ValueError):  # None, pandas' NA
            return MISSING
        if math.isnan(x) or math.isinf(x):
            return MISSING
        if abs(x) >= 1e15:
            text = format_scientific(x, format="0.###E0", locale=self.locale)
            return f"+{text}" if sign and x > 0 else text
        pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
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

    def percent(self, fraction, sign: bool = False) -> str:
        """A fraction as a whole percentage in the language's own pattern: ``0.12`` -> ``12%``, ``12 %``.

        >>> language("en").percent(0.12, sign=True), language("fr").percent(-0.5)
        ('+12%', '-50\xa0%')
        """
        from babel.numbers import format_percent

        try:
            x = float(fraction)
        except (TypeError, ValueError):
            return MISSING
        if math.isnan(x) or math.isinf(x):
            return MISSING
        text = format_percent(x, locale=self.locale)
        return f"+{text}" if sign and round(x * 100) > 0 else text

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


class _LocalFormatter(string.Formatter):
    """``str.format`` whose numbers (with a format spec) are written by :class:`Language`."""

    def __init__(self, lang: Language):
        self.language = lang

    def format_field(self, value, format_spec):
        spec = _number_spec(format_spec) if format_spec else None
        if spec is not None and _is_real(value):
            decimals, sign, grouping, percent = spec
            if percent:
                return self.language.pct(float(value) * 100, decimals, sign)
            return self.language.num(value, decimals, sign, grouping=grouping)
        return super().format_field(value, format_spec)


def _is_real(x) -> bool:
    import numbers

    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _number_spec(spec: str):
    """``(decimals, sign, grouping, percent)`` of a spec such as ``+,.1f`` (None for another kind of spec)."""
    sign = spec.startswith("+")
    rest = spec[1:] if sign else spec
    grouping = rest.startswith(",")
    rest = rest[1:] if grouping else rest
    kind = rest[-1] if rest and rest[-1] in "fd%" else ""
    rest = rest[:-1] if kind else rest
    if rest.startswith(".") and rest[1:].isdigit():
        decimals = int(rest[1:])
    elif rest == "":
        decimals = 6 if kind in ("f", "%") else 0
    else:
        return None
    return decimals, sign, grouping, kind == "%"


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
