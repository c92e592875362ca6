"""The empty client register a consultant hands to the company to fill in.

One sheet with the header row in English or French and, in every column of an
ordinal or categorical criterion, a drop-down list (Excel data validation) of
the allowed levels; a second sheet explaining each criterion and its levels.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, load_catalogue

_TEXT = {
    "en": {
        "register": "Clients",
        "guide": "Criteria",
        "column": "Column",
        "kind": "Kind",
        "axis": "Feeds",
        "weight": "Default weight",
        "levels": "Allowed values (worst to best)",
        "help": "How to fill it",
        "kinds": {
            "id": "Unique identifier of the client (required)",
            "text": "Free text",
            "names": "Names separated by ';', a role in brackets: 'Ann Lee (buyer); Tom Roy'",
            "amount": "Amount in your currency, 12 345,67 or 12345.67",
            "signed_amount": "Amount, negative for a loss",
            "percent": "Percentage, 35 or 35 %",
            "ordinal": "Pick one level from the list",
            "categorical": "Pick one value from the list (other values are kept as written)",
            "multi": "One or several, separated by ';'",
        },
        "axes": {"value": "value score", "relationship": "relationship score", "descriptive": "description only"},
        "share": "A level, or our real share of the client's purchases in % (e.g. 35 %)",
        "profitability": "A level; real figures go in Profit / Margin (%) / Cost to serve and take precedence",
        "category": "Billing by service category: add one column per category, named 'Billing <category>'",
    },
    "fr": {
        "register": "Clients",
        "guide": "Critères",
        "column": "Colonne",
        "kind": "Type",
        "axis": "Alimente",
        "weight": "Poids par défaut",
        "levels": "Valeurs admises (de la pire à la meilleure)",
        "help": "Comment la remplir",
        "kinds": {
            "id": "Identifiant unique du client (obligatoire)",
            "text": "Texte libre",
            "names": "Noms séparés par « ; », le rôle entre parenthèses : « Anne Roy (acheteuse) ; Luc Petit »",
            "amount": "Montant dans votre devise, 12 345,67 ou 12345.67",
            "signed_amount": "Montant, négatif pour une perte",
            "percent": "Pourcentage, 35 ou 35 %",
            "ordinal": "Choisir un niveau dans la liste",
            "categorical": "Choisir une valeur dans la liste (les autres valeurs sont conservées telles quelles)",
            "multi": "Une ou plusieurs, séparées par « ; »",
        },
        "axes": {"value": "score de valeur", "relationship": "score de relation", "descriptive": "description seule"},
        "share": "Un niveau, ou notre part réelle des achats du client en % (ex. 35 %)",
        "profitability": "Un niveau ; les chiffres réels vont dans Bénéfice / Marge (%) / Coût de service et priment",
        "category": "Facturation par catégorie de service : une colonne par catégorie, nommée « Facturation <catégorie> »",
    },
}

_TEMPLATE_ROWS = 1000  # rows that get the drop-down lists


def template_columns(catalogue: Catalogue) -> list[str]:
    """Canonical keys of the template's columns, in order."""
    return catalogue.register_columns


def write_template(path: str | Path, *, lang: str = "en", catalogue: Catalogue | None = None) -> Path:
    """Write the empty client register to ``path`` (.xlsx).

    Parameters
    ----------
    path : output file; its folder must exist.
    lang : 'en' or 'fr' — the language of the headers, the levels and the guide.
    catalogue : the criteria catalogue (default: the shipped one).

    Returns
    -------
    Path of the written file.
    """
    if lang not in _TEXT:
        raise ValueError(f"lang must be one of {sorted(_TEXT)}, got {lang!r}")
    cat = catalogue or load_catalogue()
    text = _TEXT[lang]
    path = Path(path)
    columns = template_columns(cat)
    headers = [cat.label(k, lang) for k in columns]

    guide_rows = []
    for key in columns:
        kind = cat.column_kind(key)
        levels = [lv["label"].get(lang) or lv["key"] for lv in cat.levels_of(key)] if kind in (
            "ordinal",
            "categorical",
            "multi",
        ) else []
        help_text = text["kinds"].get(kind, "")
        if key == "share_of_wallet":
            help_text = text["share"]
        elif key == "profitability":
            help_text = text["profitability"]
        axis = cat.criteria[key].axis if key in cat.criteria else None
        weight = cat.criteria[key].weight if key in cat.criteria else None
        guide_rows.append(
            {
                text["column"]: cat.label(key, lang),
                text["kind"]: kind,
                text["axis"]: text["axes"].get(axis, "") if axis else "",
                text["weight"]: weight,
                text["levels"]: ", ".join(levels),
                text["help"]: help_text,
            }
        )
    guide = pd.DataFrame(guide_rows)

    with pd.ExcelWriter(
        path,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        book = writer.book
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        sheet = book.add_worksheet(text["register"])
        writer.sheets[text["register"]] = sheet
        lists = book.add_worksheet("_levels")  # drop-down sources; hidden
        for col, (key, header) in enumerate(zip(columns, headers)):
            sheet.write_string(0, col, header, head)
            sheet.set_column(col, col, max(14, min(40, len(header) + 4)))
            kind = cat.column_kind(key)
            if kind not in ("ordinal", "categorical", "multi"):
                continue
            labels = [lv["label"].get(lang) or lv["key"] for lv in cat.levels_of(key)]
            for r, lab in enumerate(labels):
                lists.write_string(r, col, lab)
            letter = _col_letter(col)
            source = f"=_levels!${letter}$1:${letter}${len(labels)}"
            if kind == "multi":
                # several values in one cell: the list helps, but other text is allowed
                sheet.data_validation(
                    1, col, _TEMPLATE_ROWS, col,
                    {"validate": "list", "source": source, "show_error": False,
                     "input_title": header[:32], "input_message": text["kinds"]["multi"][:255]},
                )
            elif key == "share_of_wallet":
                sheet.data_validation(
                    1, col, _TEMPLATE_ROWS, col,
                    {"validate": "list", "source": source, "show_error": False,
                     "input_title": header[:32], "input_message": text["share"][:255]},
                )
            else:
                open_list = bool(cat.fields.get(key, {}).get("open"))
                sheet.data_validation(
                    1, col, _TEMPLATE_ROWS, col,
                    {"validate": "list", "source": source, "error_type": "warning" if open_list else "stop"},
                )
        sheet.freeze_panes(1, 2)
        lists.hide()
        guide.to_excel(writer, sheet_name=text["guide"], index=False)
        gsheet = writer.sheets[text["guide"]]
        for col, width in enumerate((32, 14, 20, 14, 60, 70)):
            gsheet.set_column(col, col, width, book.add_format({"text_wrap": True, "valign": "top"}))
        gsheet.freeze_panes(1, 0)
        gsheet.write_string(len(guide) + 2, 0, text["category"])
    return path


def _col_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
