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

import functools
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


def plural(n, one: str, many: str, lang: str = "en") -> str:
    """``one`` or ``many`` for ``n`` things: French counts 0 and 1 as singular, English only 1.

    >>> plural(0, "vide", "vides", "fr"), plural(0, "error", "errors", "en")
    ('vide', 'errors')
    """
    singular = abs(n) < 2 if check_lang(lang) == "fr" else n == 1
    return one if singular else many


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


_MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")


def long_date(date, lang: str = "en") -> str:
    """A date written out: ``01 January 2023`` or ``1er janvier 2023``.

    >>> import datetime
    >>> long_date(datetime.date(2025, 12, 31), "fr"), long_date(datetime.date(2023, 1, 1), "fr")
    ('31 décembre 2025', '1er janvier 2023')
    """
    if check_lang(lang) == "en":
        return f"{date:%d %B %Y}"
    return f"{'1er' if date.day == 1 else date.day} {_MONTHS_FR[date.month - 1]} {date.year}"

# -- tables ----------------------------------------------------------------------
class Table:
    """A table for the reader: shown without the row index, as text and as HTML.

    ``data`` is the frame shown; ``numeric`` names its columns of numbers, which stay
    right-aligned while text reads from the left. The text form is what nbval compares;
    the HTML form is what the report shows.
    """

    def __init__(self, data, numeric=()):
        self.data = data
        self.numeric = list(numeric)

    def _repr_html_(self) -> str:
        import zlib

        text = [c for c in self.data.columns if c not in self.numeric]
        left = [{"selector": "th", "props": "text-align: left"}, {"selector": "td", "props": "text-align: left"}]
        styler = (self.data.style.hide(axis="index").format(escape="html", na_rep="")
                  .set_table_styles({c: left for c in text}, overwrite=False)
                  .set_uuid(f"t{zlib.crc32(repr(self).encode()):08x}"))  # stable ids: the same table, the same HTML
        return styler.to_html()

    def __repr__(self) -> str:
        return self.data.to_string(index=False, na_rep="")


def table(frame, lang: str, *, columns: dict, decimals: dict | None = None) -> Table:
    """``frame`` as a reader's table: chosen columns, headers and numbers in ``lang``.

    Parameters
    ----------
    frame : DataFrame
    lang : {"en", "fr"}
    columns : dict
        ``{column: (english header, french header)}``: the columns shown, in this order
        (those ``frame`` lacks are skipped).
    decimals : dict, optional
        ``{column: decimals}``: numbers written with :func:`numbers` (missing as an en dash).

    >>> import pandas as pd
    >>> t = table(pd.DataFrame({"n": [1234.5], "x": ["a"]}), "fr", columns={"x": ("X", "Ix"), "n": ("N", "Nb")},
    ...           decimals={"n": 1})
    >>> t.data.columns.tolist(), t.data.iloc[0].tolist()
    (['Ix', 'Nb'], ['a', '1\\u202f234,5'])
    """
    import pandas as pd

    num = numbers(lang)
    i = 1 if check_lang(lang) == "fr" else 0
    keep = [c for c in columns if c in frame.columns]
    out = frame[keep].copy()
    for col in out.columns:
        if col in (decimals or {}):
            out[col] = [("–" if pd.isna(v) else num(float(v), decimals[col])) for v in out[col]]
        elif not pd.api.types.is_numeric_dtype(out[col]):  # None and NaN in text read as nothing
            out[col] = out[col].astype(object).where(out[col].notna(), "")
    numeric = [columns[c][i] for c in keep
               if c in (decimals or {}) or pd.api.types.is_numeric_dtype(frame[c])]
    return Table(out.rename(columns={c: columns[c][i] for c in keep}).reset_index(drop=True), numeric)


# -- names from the default configuration ---------------------------------------------
#: The levers and quadrants of the default ``settings.actions``, in French; a label a
#: configuration adds or changes is shown as written.
LEVER_NAMES_FR = {
    "raise prices": "augmenter les prix",
    "lower the service level from total to basic": "passer du service total au service de base",
    "grow the share of wallet": "accroître notre part des achats",
    "improve collaboration": "améliorer la collaboration",
    "automate ordering": "automatiser les commandes",
}
STRATEGIC_REASONS_FR = {
    "ongoing R&D collaboration": "collaboration en R&D en cours",
    "high learning opportunities": "possibilités d'apprentissage élevées",
    "growing business outlook": "perspectives commerciales de croissance",
    "a reference client": "client de référence",
}
QUADRANT_NAMES_FR = {
    "core partners": "partenaires essentiels",
    "secure": "acquis",
    "improve economics": "rentabilité à améliorer",
    "reconsider": "à reconsidérer",
}


def lever_names(text, lang: str = "en"):
    """A ``; ``-separated list of levers in ``lang``.

    >>> lever_names("raise prices; improve collaboration", "fr")
    'augmenter les prix ; améliorer la collaboration'
    """
    if check_lang(lang) == "en" or not isinstance(text, str) or not text:
        return text
    return " ; ".join(LEVER_NAMES_FR.get(p.strip(), p.strip()) for p in text.split(";") if p.strip())


def strategic_reasons(text, lang: str = "en"):
    """A ``, ``-separated list of strategic reasons (``decide_actions``' ``strategic_reasons``) in ``lang``."""
    if check_lang(lang) == "en" or not isinstance(text, str) or not text:
        return text
    return ", ".join(STRATEGIC_REASONS_FR.get(p.strip(), p.strip()) for p in text.split(",") if p.strip())


def quadrant_name(label: str, lang: str = "en") -> str:
    """A quadrant of the portfolio matrix in ``lang``."""
    return QUADRANT_NAMES_FR.get(label, label) if check_lang(lang) == "fr" else label


# -- figures ------------------------------------------------------------------------
_ACTION_RE = "(develop|maintain|fix|end)"
_SCORE_FR = {"total_score": "score total", "value_score": "score de valeur",
             "relationship_score": "score de relation", "total": "total", "value": "de valeur",
             "relationship": "de relation"}


# (pattern, replacement) for the texts the library's figures write in English
_FIGURE_FR = [
    # data and validation
    (r"^clients with a value \(%\)$", "clients renseignés (%)"),
    (r"^How complete is the register\?$", "Complétude du registre"),
    (r"^no problem found$", "aucun problème relevé"),
    (r"^problems$", "problèmes"),
    (r"^error$", "erreur"),
    (r"^warning$", "avertissement"),
    (r"^Problems found, by column$", "Problèmes relevés, par colonne"),
    # profiles and billing
    (r"^no billing$", "aucune facturation"),
    (r"^ median$", " médiane"),
    (r"^billing, last 12 months \(log scale\)$", "facturation des 12 derniers mois (échelle logarithmique)"),
    (r"^Billing per client$", "Facturation par client"),
    (r"^level \(0 = worst, 1 = best\)$", "niveau (0 = le moins bon, 1 = le meilleur)"),
    (r"^Criteria levels across clients$", "Niveaux des critères, client par client"),
    (r"^(\d+) % · (\d+) accounts$", r"\1 % · \2 comptes"),
    (r"^share of billing \(%\)$", "part de la facturation (%)"),
    (r"^Billing carried by each of our people$", "Facturation portée par chacun de nos collaborateurs"),
    (r"^billed$", "facturé"),
    (r"^projected$", "projeté"),
    (r"^billing per month$", "facturation mensuelle"),
    (r"^Monthly billing of the portfolio$", "Facturation mensuelle du portefeuille"),
    # scores
    (r"^points of the (\w+) score \(0–100\)$", lambda m: f"points du score {_SCORE_FR.get(m.group(1), m.group(1))} (0–100)"),
    (r"^What makes each score$", "De quoi chaque score est fait"),
    (r"^relationship score$", "score de relation"),
    (r"^value score$", "score de valeur"),
    (r"^Value and relationship scores$", "Scores de valeur et de relation"),
    (r"^90 % interval of the rank$", "intervalle du rang à 90 %"),
    (r"^median rank$", "rang médian"),
    (r"^rank at the chosen weights$", "rang avec les pondérations retenues"),
    (r"^rank \(1 = best\)$", "rang (1 = le meilleur)"),
    (r"^Rank under (\d+) weight draws \((\w+)\)$",
     lambda m: f"Rang sur {numbers('fr')(int(m.group(1)))} tirages des pondérations "
               f"({_SCORE_FR.get(m.group(2), m.group(2))})"),
    # segments
    (r"^group (\d+)$", r"groupe \1"),
    (r"^Map of the clients: close points are similar clients", "Carte des clients : des points proches sont des clients semblables"),
    (r" \(([\d,]+) of ([\d,]+) clients, sampled\)$", r" (échantillon de \1 clients sur \2)"),
    (r"^Gower distance \(average linkage\)$", "distance de Gower (liaison moyenne)"),
    (r"^How the clients group together$", "Comment les clients se regroupent"),
    (r"^mean level \(0 first, 1 last\)$", "niveau moyen (0 le premier, 1 le dernier)"),
    (r"^Profiles of the groups: dominant level and its share$", "Profils des groupes : niveau dominant et sa part"),
    # profit and concentration
    (r"^cumulative profit$", "bénéfice cumulé"),
    (r"^100 % of profit$", "100 % du bénéfice"),
    (r"^loss-making tail \((\d+) clients\)$", r"clients déficitaires (\1)"),
    (r"^peak (\d+) % of profit\nfrom (\d+) % of clients$", r"pic : \1 % du bénéfice\navec \2 % des clients"),
    (r"^clients, most profitable first \(cumulative %\)$", "clients, du plus rentable au moins rentable (% cumulé)"),
    (r"^cumulative profit \(% of total\)$", "bénéfice cumulé (% du total)"),
    (r"^Whale curve", "Courbe de la baleine"),
    (r" \(profit partly estimated from profitability levels\)$",
     " (bénéfice en partie estimé d'après les niveaux de rentabilité)"),
    (r"^billing \(Gini (\d+\.\d+)\)$", lambda m: f"facturation (Gini {m.group(1).replace('.', ',')})"),
    (r"^equal billing$", "facturation égale"),
    (r"^([AB]) up to (\d+) %$", r"\1 jusqu'à \2 %"),
    (r"^clients, largest first \(cumulative %\)$", "clients, du plus grand au plus petit (% cumulé)"),
    (r"^billing \(cumulative % of total\)$", "facturation (% cumulé du total)"),
    (r"^Concentration of billing$", "Concentration de la facturation"),
    # actions
    (rf"^{_ACTION_RE} \((\d+)\)$", lambda m: f"{action_name(m.group(1), 'fr')} ({m.group(2)})"),
    (rf"^(.+)\n→ {_ACTION_RE}$",
     lambda m: f"{quadrant_name(m.group(1), 'fr')}\n→ {action_name(m.group(2), 'fr')}"),
    (r"^Portfolio matrix", "Matrice du portefeuille"),
    (r" \(bubble area: billing\)$", " (surface des bulles : facturation)"),
]


def translate_figure(fig, lang: str) -> None:
    """Write the library's figure texts in ``lang`` (in place; English is left as drawn).

    Titles, axis labels, legends and annotations are rewritten from a table of the
    phrases the library draws; linear numeric axes get French decimal commas. A
    phrase not in the table (a configuration's own label) stays as drawn.
    """
    import re

    from matplotlib.text import Text
    from matplotlib.ticker import ScalarFormatter

    if check_lang(lang) == "en":
        return
    for text in fig.findobj(Text):
        s = text.get_text()
        if not s:
            continue
        new = s
        for pattern, repl in _FIGURE_FR:
            new = re.sub(pattern, repl, new)
        if new != s:
            text.set_text(new)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "linear" and type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(_comma_formatter_class()())


@functools.cache
def _comma_formatter_class():
    from matplotlib.ticker import ScalarFormatter

    class CommaFormatter(ScalarFormatter):
        """Matplotlib's numbers with a decimal comma."""

        def __call__(self, x, pos=None):
            return super().__call__(x, pos).replace(".", ",")

    return CommaFormatter
