"""Reading tables: encodings, separators, row numbers as a spreadsheet shows them."""

import pytest

from portfolio_analysis.load.files import read_table
from portfolio_analysis.load.validation import InputError, problem_message


def test_row_numbers_follow_records_not_lines(tmp_path):
    # the second record spans two lines inside quotes: it is still spreadsheet row 3
    path = tmp_path / "c.csv"
    path.write_text('id,note\nA,"one"\nB,"two\nlines"\nC,three\n', encoding="utf-8")
    t = read_table(path)
    assert t.data["id"].tolist() == ["A", "B", "C"]
    assert t.rows.tolist() == [2, 3, 4]
    assert t.data["note"][1] == "two\nlines"


def test_a_row_with_too_many_cells_is_reported_not_shifted(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id;name;billing\nC1;Acme;100\nC2;Dupont; Fils;200\n", encoding="utf-8")
    t = read_table(path)
    assert t.data["id"].tolist() == ["C1", "C2"]  # ids stay ids
    [p] = t.problems
    assert (p.severity, p.row, problem_message(p.template, p.params), p.value) == (
        "error", 3, "the row has 4 cells but the header has 3; the cells after column 3 were not read "
           "(an unquoted ';' inside a cell?)", "200")


def test_blank_lines_are_kept_as_blank_rows(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,name\nA,x\n\nB,y\n", encoding="utf-8")
    t = read_table(path)
    assert t.data["id"].tolist() == ["A", "", "B"]
    assert t.rows.tolist() == [2, 3, 4]


def test_cp1252_and_bom(tmp_path):
    p1 = tmp_path / "a.csv"
    p1.write_bytes("id;montant\nC1;12 345,67 €\n".encode("cp1252"))
    p2 = tmp_path / "b.csv"
    p2.write_bytes("id;montant\nC1;12 345,67 €\n".encode("utf-8-sig"))
    for p, enc in ((p1, "cp1252"), (p2, "utf-8-sig")):
        t = read_table(p)
        assert (t.encoding, t.sep) == (enc, ";")
        assert list(t.data.columns) == ["id", "montant"]
        assert t.data["montant"][0] == "12 345,67 €"


def test_unreadable_files_say_so(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    empty = tmp_path / "e.csv"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="empty"):
        read_table(empty)
    bad = tmp_path / "b.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(InputError, match="b.xlsx"):
        read_table(bad)
