"""Tables written for spreadsheets never carry a formula."""

import pandas as pd

from portfolio_analysis.deliver.tables import defuse_formulas, save_table


def test_formula_like_text_is_prefixed_and_numbers_are_not():
    df = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://example.com","x")', "@SUM(A1)", "+33 1 23", "-minus", "\tTab", "Acme"],
            "profit": [-5.0, 1.0, 2.0, -3.0, 0.0, 7.0],
        }
    )
    out = defuse_formulas(df)
    assert out["name"].tolist() == [
        '\'=HYPERLINK("http://example.com","x")', "'@SUM(A1)", "'+33 1 23", "'-minus", "'\tTab", "Acme"
    ]
    assert out["profit"].tolist() == [-5.0, 1.0, 2.0, -3.0, 0.0, 7.0]
    assert df["name"][0].startswith("=")  # the input is not changed


def test_save_table(tmp_path):
    assert save_table(pd.DataFrame({"a": [1]}), None, "x") is None
    path = save_table(pd.DataFrame({"client_id": ["c1"], "name": ["=1+1"]}), tmp_path, "scores")
    assert path == tmp_path / "tables" / "scores.csv"
    assert path.read_text(encoding="utf-8") == "client_id,name\nc1,'=1+1\n"
