"""The Excel relationship plan: text never becomes a formula, headers frozen, formats by column."""

import openpyxl
import pandas as pd

from portfolio_analysis.deliver.workbook import sheet_name, write_workbook


def test_formula_like_names_stay_text(tmp_path):
    df = pd.DataFrame({
        "client_id": ["C1", "C2", "C3"],
        "name": ['=HYPERLINK("http://example.com","x")', "@SUM(A1)", "+33 Ltd"],
        "billing": [1234.5, 10.0, -5.0],
        "total_score": [87.4, 12.0, None],
        "strategic_keep": [True, False, False],
    })
    path = write_workbook(tmp_path / "plan.xlsx", {"All clients": df})
    ws = openpyxl.load_workbook(path)["All clients"]
    cells = [ws.cell(row=r, column=2) for r in (2, 3, 4)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://example.com","x")', "@SUM(A1)", "+33 Ltd"]
    assert all(c.data_type == "s" for c in cells)  # strings, not formulas
    assert ws.cell(row=2, column=3).value == 1234.5 and ws.cell(row=2, column=3).number_format == "#,##0"
    assert ws.cell(row=4, column=3).value == -5.0  # a real negative number stays a number
    assert ws.cell(row=2, column=4).number_format == "0"
    assert ws.cell(row=4, column=4).value is None  # missing stays empty
    assert ws.freeze_panes == "C2"  # id and name stay in view
    assert ws.auto_filter.ref == "A1:E4"
    assert ws.cell(row=2, column=5).value is True and ws.cell(row=3, column=5).value is False  # real booleans


def test_sheet_names_are_valid_and_unique():
    assert sheet_name("Fix / end: [review]?") == "Fix   end   review"
    assert len(sheet_name("x" * 40)) == 31
    assert sheet_name("develop", {"Develop"}) == "develop (2)"


def test_notes_go_above_the_table(tmp_path):
    path = write_workbook(tmp_path / "p.xlsx", {"Whale curve": pd.DataFrame({"client_id": ["a"], "profit": [1.0]})},
                          notes={"Whale curve": "Profit is estimated from profitability levels."})
    ws = openpyxl.load_workbook(path)["Whale curve"]
    assert ws["A1"].value.startswith("Profit is estimated")
    assert ws["A3"].value == "client_id" and ws.freeze_panes == "B4"
