"""The empty client register a consultant hands to the company to fill in.

One sheet with the header row in English or French and, in every column of an
ordinal or categorical criterion, a drop-down list (Excel data validation) of
the allowed levels; a second sheet explaining each criterion and its levels.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.i18n.language import N_, check_lang, language

# the template's words, in English; the catalogue gives them in the other languages
_SHEETS = {"register": N_("Clients"), "guide": N_("Criteria")}
_HEADINGS = {"column": N_("Column"), "kind": N_("Kind"), "axis": N_("Feeds"), "weight": N_("Default weight"),
             "levels": N_("Allowed values (worst to best)"), "help": N_("How to fill it")}
_KINDS = {
    "id": N_("Unique identifier of the client (required)"),
    "text": N_("Free text"),
    "names": N_("Names separated by ';', a role in brackets: 'Ann Lee (buyer); Tom Roy'"),
    "amount": N_("Amount in your currency, 12 345,67 or 12345.67"),
    "signed_amount": N_("Amount, negative for a loss"),
    "percent": N_("Percentage, 35 or 35 %"),
    "ordinal": N_("Pick one level from the list"),
    "categorical": N_("Pick one value from the list (other values are kept as written)"),
    "multi": N_("One or several, separated by ';'"),
}
_AXES = {"value": N_("value score"), "relationship": N_("relationship score"), "descriptive": N_("description only")}
_SHARE = N_("A level, or our real share of the client's purchases in % (e.g. 35 %)")
_PROFITABILITY = N_("A level; real figures go in Profit / Margin (%) / Cost to serve and take precedence")
_CATEGORY = N_("Billing by service category: add one column per category, named 'Billing <category>'")

_TEMPLATE_ROWS = 1000  # rows that get the drop-down lists


def template_columns(catalogue: Catalogue) -> list[str]:
    """Canonical keys of the template's columns, in order."""
    return catalogue.register_columns


class TemplateError(ValueError):
    """The template cannot be written there: the message says why and what is expected."""


def check_template_path(path: str | Path, *, force: bool = False) -> Path:
    """``path`` when the template may be written there; :class:`TemplateError` otherwise.

    The template is an ``.xlsx`` file in an existing folder; an existing file is never
    replaced unless ``force`` (and a folder never is).
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise TemplateError(f"{path}: expected a file name ending in .xlsx (the template is an Excel workbook)")
    if path.is_dir():
        raise TemplateError(f"{path}: is a folder; expected the name of the .xlsx file to write")
    if not path.parent.is_dir():
        raise TemplateError(f"{path}: the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise TemplateError(f"{path}: the file exists; give --force to replace it, or another name")
    return path


def write_template(path: str | Path, *, lang: str = "en", catalogue: Catalogue | None = None,
                   force: bool = False) -> Path:
    """Write the empty client register to ``path`` (.xlsx).

    Parameters
    ----------
    path : output file, ending in ``.xlsx``; its folder must exist.
    lang : 'en' or 'fr' — the language of the headers, the levels and the guide.
    catalogue : the criteria catalogue (default: the shipped one).
    force : replace ``path`` when it exists (by default an existing file is never touched).

    Returns
    -------
    Path of the written file.

    Raises
    ------
    TemplateError
        A name not ending in ``.xlsx``, a folder, or an existing file without ``force``.
    """
    _ = language(check_lang(lang)).gettext
    path = check_template_path(path, force=force)
    cat = catalogue or load_catalogue()
    text = {key: _(words) for key, words in {**_SHEETS, **_HEADINGS}.items()}
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
        help_text = _(_KINDS[kind]) if kind in _KINDS else ""
        if key == "share_of_wallet":
            help_text = _(_SHARE)
        elif key == "profitability":
            help_text = _(_PROFITABILITY)
        axis = cat.criteria[key].axis if key in cat.criteria else None
        weight = cat.criteria[key].weight if key in cat.criteria else None
        guide_rows.append(
            {
                text["column"]: cat.label(key, lang),
                text["kind"]: kind,
                text["axis"]: _(_AXES[axis]) if axis in _AXES else "",
                text["weight"]: weight,
                text["levels"]: ", ".join(levels),
                text["help"]: help_text,
            }
        )
    guide = pd.DataFrame(guide_rows)

    partial = path.with_name(f".{path.name}.partial")
    try:
        with pd.ExcelWriter(
            partial,
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
                letter = xl_col_to_name(col)
                source = f"=_levels!${letter}$1:${letter}${len(labels)}"
                if kind == "multi":
                    # several values in one cell: the list helps, but other text is allowed
                    sheet.data_validation(
                        1, col, _TEMPLATE_ROWS, col,
                        {"validate": "list", "source": source, "show_error": False,
                         "input_title": header[:32], "input_message": _(_KINDS["multi"])[:255]},
                    )
                elif key == "share_of_wallet":
                    sheet.data_validation(
                        1, col, _TEMPLATE_ROWS, col,
                        {"validate": "list", "source": source, "show_error": False,
                         "input_title": header[:32], "input_message": _(_SHARE)[:255]},
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
            gsheet.write_string(len(guide) + 2, 0, _(_CATEGORY))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
