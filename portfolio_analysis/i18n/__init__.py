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

from portfolio_analysis.i18n.language import LANGS, N_, check_lang, language  # noqa: F401 - the package's API

#: The four actions, as the report names them (translated through the catalogue).
ACTION_NAMES = {"develop": N_("develop"), "maintain": N_("maintain"), "fix": N_("fix"), "end": N_("end")}


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
    return language(lang).gettext(ACTION_NAMES[action]) if action in ACTION_NAMES else action


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


# -- validation problems -------------------------------------------------------------
@functools.cache
def _labels_fr() -> dict:
    """English label -> French label of every field and criterion of the shipped catalogue."""
    from portfolio_analysis.config.catalogue import load_catalogue

    cat = load_catalogue()
    return {cat.label(k, "en"): cat.label(k, "fr") for k in [*cat.fields, *cat.criteria]}


def _label_fr(label: str) -> str:
    """A column label the loaders quote, in French (a configuration's own label stays as written)."""
    if label.startswith("Billing ") and label not in _labels_fr():
        return "Facturation " + label[len("Billing "):]  # a billing category column
    return _labels_fr().get(label, label)


def _and_fr(text: str) -> str:
    """'5, 9 and 12' -> '5, 9 et 12'."""
    return text.replace(" and ", " et ")


_EXAMPLE_FR = {
    "an amount >= 0, e.g. 12 345,67": "un montant >= 0, par exemple 12 345,67",
    "an amount, e.g. -1 250,00": "un montant, par exemple -1 250,00",
    "a percentage, e.g. 35 %": "un pourcentage, par exemple 35 %",
}
_FIELD_FR = {"amount": "montant", "quantity": "quantité", "unit price": "prix unitaire", "cost": "coût",
             "date": "date", "client_id": "identifiant client"}

# (pattern, French) for every problem message the loaders write; the first match wins, so
# the more specific shapes come first. Each pattern matches the whole message.
_PROBLEM_FR = [
    # reader (_io.py)
    (r"the row has (\d+) cells but the header has (\d+); the cells after column (\d+) were not read "
     r"\(an unquoted '(.*)' inside a cell\?\)",
     r"la ligne a \1 cellules mais l'en-tête en a \2 ; les cellules après la colonne \3 n'ont pas été lues "
     r"(un « \4 » sans guillemets dans une cellule ?)"),
    # client register: headers
    (r"mapping (.+?)=(.*): no column (.+) in this file \(columns found: (.*)\); (.+) is looked for among the "
     r"headers instead",
     lambda m: f"correspondance {m[1]}={m[2]} : aucune colonne {m[3]} dans ce fichier (colonnes trouvées : "
               f"{m[4]}) ; {_label_fr(m[5])} est recherché parmi les en-têtes"),
    (r"mapping (.+?)=(.*): no column (.+) in this file; looking for it among the headers instead",
     r"correspondance \1=\2 : aucune colonne \3 dans ce fichier ; recherche parmi les en-têtes"),
    (r"column (.+) is also (.+), already read from column (.+); kept as an extra column",
     lambda m: f"la colonne {m[1]} est aussi {_label_fr(m[2])}, déjà lu dans la colonne {m[3]} ; "
               "conservée comme colonne supplémentaire"),
    (r"column (.+) is (.+), which the analysis computes itself; kept as an extra column",
     lambda m: f"la colonne {m[1]} est {_label_fr(m[2])}, que l'analyse calcule elle-même ; "
               "conservée comme colonne supplémentaire"),
    (r"unknown column (.+), kept as an extra column; did you mean '(.+)' \((\w+)\)\?",
     lambda m: f"colonne inconnue {m[1]}, conservée comme colonne supplémentaire ; "
               f"vouliez-vous dire '{_label_fr(m[2])}' ({m[3]}) ?"),
    (r"missing required columns? (.+) in the contacts table; the columns found are: (.*)\. Expected client id, "
     r"side \(ours or client\), name and optionally role, in English or French",
     lambda m: f"colonne{'s' if ' and ' in m[1] else ''} obligatoire{'s' if ' and ' in m[1] else ''} "
               f"manquante{'s' if ' and ' in m[1] else ''} dans la table des interlocuteurs : {_and_fr(m[1])} ; "
               f"colonnes trouvées : {'aucune' if m[2] == 'none' else m[2]}. Attendu : identifiant client, côté "
               "(ours ou client), nom et, en option, rôle, en anglais ou en français"),
    (r"missing required columns? (.+); the columns found are: (.*)\. Name the column in the header \(English or "
     r"French label, or an alias\) or map it, e\.g\. --map client_id=COLUMN",
     lambda m: f"colonne{'s' if ' and ' in m[1] else ''} obligatoire{'s' if ' and ' in m[1] else ''} "
               f"manquante{'s' if ' and ' in m[1] else ''} : {_and_fr(m[1])} ; colonnes trouvées : "
               f"{'aucune' if m[2] == 'none' else m[2]}. Nommez la colonne dans l'en-tête (libellé anglais ou "
               "français, ou un alias) ou indiquez la correspondance, par exemple --map client_id=COLONNE"),
    (r"no (.+) column \((\w+)\): scoring will treat it as missing for every client",
     lambda m: f"pas de colonne {_label_fr(m[1])} ({m[2]}) : le calcul des scores la considérera comme "
               "manquante pour chaque client"),
    # client register: cells
    (r"not a number; expected (.+)",
     lambda m: f"pas un nombre ; attendu : {_EXAMPLE_FR.get(m[1], m[1])}"),
    (r"negative amount; expected >= 0", "montant négatif ; attendu : >= 0"),
    (r"(.+) outside its range; expected a percentage between (\S+) and (\S+)",
     lambda m: f"{_label_fr(m[1])} hors de sa plage ; attendu : un pourcentage entre {m[2]} et {m[3]}"),
    (r"(.+) outside its range; expected a percentage at most (\S+)",
     lambda m: f"{_label_fr(m[1])} hors de sa plage ; attendu : un pourcentage d'au plus {m[2]}"),
    (r"unknown level '(.*)' for (.+); expected one of: (.*)",
     lambda m: f"niveau inconnu '{m[1]}' pour {_label_fr(m[2])} ; attendu l'un de : {m[3]}"),
    (r"a number where a level of (.+) is expected \((.*)\); profit figures go in the (\w+) column, margins as a "
     r"percentage in (\w+)",
     lambda m: f"un nombre là où un niveau de {_label_fr(m[1])} est attendu ({m[2]}) ; les bénéfices vont dans "
               f"la colonne {m[3]}, les marges en pourcentage dans {m[4]}"),
    (r"empty client id; the row cannot be keyed and is not loaded",
     "identifiant client vide ; la ligne ne peut pas être identifiée et n'est pas chargée"),
    (r"client id '(.*)' appears in rows (.+); the first is kept",
     lambda m: f"l'identifiant client '{m[1]}' apparaît aux lignes {_and_fr(m[2])} ; la première est conservée"),
    (r"empty name", "nom vide"),
    # contacts
    (r"empty client id; the contact cannot be attached to a client and is not loaded",
     "identifiant client vide ; l'interlocuteur ne peut être rattaché à aucun client et n'est pas chargé"),
    (r"client id not in the client register; the contact is not loaded",
     "identifiant client absent du registre des clients ; l'interlocuteur n'est pas chargé"),
    (r"unknown side; expected ours \(our people\) or client \(the client's people\); the contact is not loaded",
     "côté inconnu ; attendu : ours (nos collaborateurs) ou client (les collaborateurs du client) ; "
     "l'interlocuteur n'est pas chargé"),
    (r"empty name; the contact is not loaded", "nom vide ; l'interlocuteur n'est pas chargé"),
    # invoice lines
    (r"column (.+) given for (\w+) is not in the file; columns found: (.*)",
     r"la colonne \1 indiquée pour \2 n'est pas dans le fichier ; colonnes trouvées : \3"),
    (r"column (.+) also looks like (\w+); using (.+)",
     r"la colonne \1 ressemble aussi à \2 ; c'est \3 qui est utilisée"),
    (r"missing required columns?: (.+); columns found: (.*) \(name them, or give a mapping such as "
     r"client_id=CustomerID\)",
     lambda m: f"colonne{'s' if ', ' in m[1] else ''} obligatoire{'s' if ', ' in m[1] else ''} "
               f"manquante{'s' if ', ' in m[1] else ''} : "
               f"{m[1].replace('amount (or quantity and unit_price)', 'amount (ou quantity et unit_price)')} ; "
               f"colonnes trouvées : {'aucune' if m[2] == 'none' else m[2]} (nommez-les, ou donnez une "
               "correspondance telle que client_id=CustomerID)"),
    (r"no client id; the line is not loaded", "pas d'identifiant client ; la ligne n'est pas chargée"),
    (r"no date; the line is not loaded", "pas de date ; la ligne n'est pas chargée"),
    (r"no (amount|quantity|unit price); the line is not loaded",
     lambda m: f"pas de {_FIELD_FR[m[1]]} ; la ligne n'est pas chargée"),
    (r"not a number; the line is not loaded", "pas un nombre ; la ligne n'est pas chargée"),
    (r"cost is not a number; the line is loaded without a cost",
     "le coût n'est pas un nombre ; la ligne est chargée sans coût"),
    (r"not a date in any of the formats (.+) \(or outside 1900-2199\); the line is not loaded",
     r"pas une date dans l'un des formats \1 (ou hors de 1900-2199) ; la ligne n'est pas chargée"),
]
_SEVERITY_FR = {"error": "erreur", "warning": "avertissement"}


@functools.cache
def _problem_patterns():
    import re

    return [(re.compile(p, re.DOTALL), repl) for p, repl in _PROBLEM_FR]


def translate_message(message, lang: str = "en"):
    """One problem message of the loaders in ``lang``; a message of no known shape stays as written.

    >>> translate_message("no date; the line is not loaded", "fr")
    "pas de date ; la ligne n'est pas chargée"
    >>> translate_message("something new", "fr")
    'something new'
    """
    if check_lang(lang) == "en" or not isinstance(message, str):
        return message
    for pattern, repl in _problem_patterns():
        m = pattern.fullmatch(message)
        if m:
            return repl(m) if callable(repl) else m.expand(repl)
    return message


def translate_problems(problems, lang: str):
    """A copy of a validation report's problems with ``message`` and ``severity`` in ``lang``.

    Each distinct message is translated once, then mapped onto the rows, so a file with
    many lines of the same problem costs one translation. Messages of no known shape,
    and the other columns (files, rows, values, suggestions), are kept as written.

    Parameters
    ----------
    problems : DataFrame
        ``ValidationReport.problems``: severity, file, row, column, value, message, suggestion.
    lang : {"en", "fr"}

    Returns
    -------
    DataFrame

    >>> import pandas as pd
    >>> p = pd.DataFrame({"severity": ["error"], "message": ["negative amount; expected >= 0"]})
    >>> translate_problems(p, "fr").iloc[0].tolist()
    ['erreur', 'montant négatif ; attendu : >= 0']
    """
    out = problems.copy()
    if check_lang(lang) == "en" or out.empty:
        return out
    if "message" in out.columns:
        uniq = out["message"].dropna().unique()
        out["message"] = out["message"].map({u: translate_message(u, lang) for u in uniq}).fillna(out["message"])
    if "severity" in out.columns:
        out["severity"] = out["severity"].replace(_SEVERITY_FR)
    return out
