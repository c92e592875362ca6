"""English and French in the report: numbers written the local way, words chosen by language.

The notebooks hold their prose in both languages; :func:`tr` picks one, and
:func:`numbers` gives a formatter that writes ``12,345.7`` in English and
``12 345,7`` in French (a narrow no-break space between thousands, as French
typography wants). Markdown cells tagged ``lang-en`` or ``lang-fr`` are kept in
the written report only for their language.

>>> num = numbers("fr")
>>> num(1234567.891, 1)
'1\\u202f234\\u202f567,9'
>>> numbers("en")(1234567.891, 1)
'1,234,567.9'
>>> tr("fr", en="profit", fr="bénéfice")
'bénéfice'
"""

from __future__ import annotations

import math

LANGS = ("en", "fr")

ACTION_NAMES = {
    "en": {"develop": "develop", "maintain": "maintain", "fix": "fix", "end": "end"},
    "fr": {"develop": "développer", "maintain": "maintenir", "fix": "redresser", "end": "mettre fin"},
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    return lang


def tr(lang: str, *, en: str, fr: str) -> str:
    """The text in ``lang``."""
    return fr if check_lang(lang) == "fr" else en


def action_name(action: str, lang: str = "en") -> str:
    """develop / maintain / fix / end in the report's language."""
    return ACTION_NAMES[check_lang(lang)].get(action, action)


def numbers(lang: str = "en"):
    """A formatter ``num(x, decimals=0, sign=False)`` writing numbers the way ``lang`` does.

    Missing values are written as an en dash.
    """
    check_lang(lang)

    def num(x, decimals: int = 0, sign: bool = False) -> str:
        if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
            return "–"
        text = f"{x:{'+' if sign else ''},.{decimals}f}"
        if lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    return num
