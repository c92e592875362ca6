"""The empty Excel register: headers in the chosen language, drop-down lists, the guide sheet."""

import openpyxl
import pytest

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.template import write_template


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def _validations(ws):
    """Column letter -> the data-validation rule on that column."""
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}


@pytest.mark.parametrize("lang, sheet, guide", [("en", "Clients", "Criteria"), ("fr", "Clients", "Critères")])
def test_headers_and_dropdowns(tmp_path, cat, lang, sheet, guide):
    path = write_template(tmp_path / f"t_{lang}.xlsx", lang=lang)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == sheet and guide in wb.sheetnames
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    assert headers[:2] == [cat.label("client_id", lang), cat.label("name", lang)]
    assert cat.label("relationship_type", lang) in headers
    validations = _validations(ws)
    levels_sheet = wb["_levels"]
    assert levels_sheet.sheet_state == "hidden"
    # every ordinal and categorical criterion column has a list of exactly its levels, in order
    for key, crit in cat.criteria.items():
        if crit.kind not in ("ordinal", "categorical"):
            continue
        col = headers.index(cat.label(key, lang)) + 1
        letter = openpyxl.utils.get_column_letter(col)
        dv = validations[letter]
        assert dv.type == "list"
        listed = [levels_sheet.cell(row=r, column=col).value for r in range(1, len(crit.levels) + 1)]
        assert listed == [lv.label[lang] for lv in crit.levels]
        assert dv.formula1 == f"_levels!${letter}$1:${letter}${len(crit.levels)}"
        assert str(dv.sqref) == f"{letter}2:{letter}1001"


def test_french_levels_are_the_articles_words(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", lang="fr"))
    headers = [c.value for c in wb["Clients"][1]]
    col = headers.index("Type de relation") + 1
    listed = [wb["_levels"].cell(row=r, column=col).value for r in range(1, 5)]
    assert listed == ["En danger", "Occasionnel", "Récurrent", "Partenariat"]


def test_guide_explains_every_column(tmp_path, cat):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", lang="en"))
    guide = wb["Criteria"]
    rows = list(guide.iter_rows(min_row=2, values_only=True))
    described = {r[0] for r in rows if r[0]}
    for key in cat.register_columns:
        assert cat.label(key, "en") in described
    profit_row = next(r for r in rows if r[0] == "Profitability")
    assert profit_row[4] == "Low, Moderate, High"


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match="lang"):
        write_template(tmp_path / "t.xlsx", lang="de")
