"""The report in English and French: every phrase through one message catalogue.

A phrase is written once, in English, marked for translation (``_("…")``, ``N_("…")``,
``plural(one, many, n)``) and built with the language as a parameter:

>>> L = language("fr")
>>> L.gettext("Annual profit at stake"), L.num(1234.5, 1)
('Bénéfice annuel en jeu', '1\\u202f234,5')
>>> action_name("end", "fr")
'mettre fin'

:mod:`.language` gives a language's phrases (gettext), numbers and dates (Babel);
:mod:`.catalogue` extracts the phrases in use into the French ``.po`` file (``make
i18n``), whose translations are written by hand. Markdown cells tagged ``lang-en`` or
``lang-fr`` are kept in the written report only for their language.
"""

from __future__ import annotations

from portfolio_analysis.i18n.language import LANGS, N_, NC_, Language, check_lang, language, lower_first

__all__ = ["ACTION_NAMES", "LANGS", "N_", "NC_", "Language", "action_name", "check_lang", "language",
           "lower_first"]

#: The four actions, as the report names them (translated through the catalogue).
ACTION_NAMES = {"develop": N_("develop"), "maintain": N_("maintain"), "fix": N_("fix"), "end": N_("end")}


def action_name(action: str, lang: str = "en") -> str:
    """develop / maintain / fix / end in the report's language (another text as written)."""
    return language(lang).gettext(ACTION_NAMES[action]) if action in ACTION_NAMES else action
