"""Tests of the client register loader, on small files with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.load.contacts import contacts_from_register
from portfolio_analysis.load.register import load_clients
from portfolio_analysis.load.validation import DataValidationError, ValidationReport

CAT = load_catalogue()
ALL_CRITERIA = [k for k, c in CAT.criteria.items() if c.kind != "numeric"]


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(report, column=None):
    p = report.problems
    return p if column is None else p[p["column"] == column]


def frame(**columns):
    """A register as an in-memory frame: every criterion present so that only the tested problems show."""
    n = len(next(iter(columns.values())))
    base = {k: [None] * n for k in ALL_CRITERIA}
    base.update(columns)
    return pd.DataFrame(base)


def adds_up(report, file):
    s = report.files[file]
    return s.rows_read == s.rows_loaded + s.rows_rejected + s.rows_blank


# -- formats and encodings ----------------------------------------------------
def test_comma_csv_utf8(tmp_path):
    path = write(
        tmp_path / "clients.csv",
        "Client ID,Company name,Relationship type,Profitability,Billing,Share of wallet\n"
        "C1,Acme,Partnership,high,1234.5,large\n"
        'C2,Beta,occasional,LOW,"2,000.25",small\n',
    )
    report = ValidationReport()
    df = load_clients(path, report=report)
    assert list(df.columns[:3]) == ["client_id", "name", "business_type"]
    assert df["client_id"].tolist() == ["C1", "C2"]
    assert df["name"].tolist() == ["Acme", "Beta"]
    assert df["relationship_type"].tolist() == ["partnership", "occasional"]
    assert df["profitability"].tolist() == ["high", "low"]
    assert df["billing"].tolist() == [1234.5, 2000.25]
    assert df["share_of_wallet"].tolist() == ["large", "small"]
    assert df["share_of_wallet_pct"].isna().all()
    assert df["source_row"].tolist() == [2, 3]
    assert df["from_invoices_only"].tolist() == [False, False]
    assert df["billing"].dtype == "float64" and df["profit"].dtype == "float64"
    assert df["client_id"].dtype == "str" and df["owner"].dtype == "str"
    # every register column is there even when the file lacks it
    for col in CAT.register_columns + ["share_of_wallet_pct"]:
        assert col in df.columns
    assert df["upsell_potential"].isna().all()
    s = report.files[str(path)]
    assert (s.kind, s.rows_read, s.rows_loaded, s.rows_rejected, s.rows_blank) == ("clients", 2, 2, 0, 0)
    # the six criteria missing altogether get one warning each, and nothing else is wrong
    missing = {
        "service_needs",
        "decision_criteria",
        "upsell_potential",
        "ease_of_collaboration",
        "business_outlook",
        "rnd_collaboration",
        "learning_opportunities",
    }
    p = report.problems
    assert set(p["column"]) == missing
    assert (p["severity"] == "warning").all() and p["row"].isna().all()
    assert p["message"].str.contains("scoring will treat it as missing").all()
    assert not report.has_errors


@pytest.mark.parametrize("figure", ["profit", "margin_pct"])
def test_a_profit_figure_stands_in_for_the_profitability_column(figure):
    register = pd.DataFrame({"client_id": ["A", "B"], "name": ["a", "b"], "billing": [100.0, 200.0],
                             figure: [10.0, -5.0]})
    report = ValidationReport()
    load_clients(register, report=report)
    said = report.problems.loc[report.problems["column"] == "profitability", "message"].tolist()
    assert said == []  # the figure is used: no "scoring will treat it as missing"
    report = ValidationReport()
    load_clients(register.drop(columns=figure), report=report)
    said = report.problems.loc[report.problems["column"] == "profitability", "message"].tolist()
    assert len(said) == 1 and "scoring will treat it as missing" in said[0]


def test_the_figures_that_stand_in_for_a_level_are_those_scoring_uses():
    from portfolio_analysis.config.catalogue import LEVEL_FIGURES
    from portfolio_analysis.steps import scoring

    assert set(LEVEL_FIGURES) == set(scoring._OVERRIDES)


def test_semicolon_utf8_bom_french(tmp_path):
    text = (
        "\ufeffIdentifiant client;Nom de la société;Type de relation;Rentabilité;Part des achats;"
        "Facturation;Facturation maintenance;Critères de décision;Perspectives commerciales;"
        "Activité du client\n"
        "C1;Société Générale;Récurrent;Élevée;35 %;12\u00a0345,67 €;1\u202f000,5;"
        "Prix d'achat et Confiance;Croissance;Fabricant\n"
        "C2;Dupont & Fils;EN DANGER;modérée;petite;987,6;;qualité;échec;Collectivité\n"
    )
    path = write(tmp_path / "registre.csv", text)
    report = ValidationReport()
    df = load_clients(path, report=report)
    assert df["client_id"].tolist() == ["C1", "C2"]
    assert df["name"].tolist() == ["Société Générale", "Dupont & Fils"]
    assert df["relationship_type"].tolist() == ["recurring", "at_risk"]
    assert df["profitability"].tolist() == ["high", "moderate"]
    assert df["billing"].tolist() == [12345.67, 987.6]
    assert df["billing__maintenance"].iloc[0] == 1000.5 and np.isnan(df["billing__maintenance"].iloc[1])
    assert df["share_of_wallet_pct"].iloc[0] == 35.0 and np.isnan(df["share_of_wallet_pct"].iloc[1])
    assert df["share_of_wallet"].tolist() == ["medium", "small"]  # 35 % is >= 20 and < 50
    assert df["decision_criteria"].tolist() == ["purchase_price;trust", "supplier_quality"]
    assert df["business_outlook"].tolist() == ["growing", "failing"]
    assert df["business_type"].tolist() == ["manufacturer", "municipal"]
    assert not report.has_errors
    assert report.files[str(path)].rows_loaded == 2


def test_cp1252(tmp_path):
    text = "Code client;Raison sociale;Rentabilité;Chiffre d'affaires\nK1;Créteil Énergie;élevée;1 500,00 €\n"
    path = write(tmp_path / "cp.csv", text, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the file really is Windows-1252
    df = load_clients(path)
    assert df["name"].tolist() == ["Créteil Énergie"]
    assert df["profitability"].tolist() == ["high"]
    assert df["billing"].tolist() == [1500.0]


# _io reads sheets with ExcelFile.parse, deprecated in pandas 3.1 (asked to the lead: use pd.read_excel)
def test_xlsx_with_chosen_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["nothing here"])
    ws = wb.create_sheet("Clients 2025")
    ws.append(["Client ID", "Name", "Billing", "Share of wallet", "Profitability", "Comment"])
    ws.append([7, "Acme", 1500.5, 42, "Moderate", "key account"])
    ws.append([None, None, None, None, None, None])
    ws.append(["C8", "Beta", 300, "large", "low", None])
    wb.save(path)
    report = ValidationReport()
    df = load_clients(path, sheet="Clients 2025", report=report)
    assert df["client_id"].tolist() == ["7", "C8"]  # a numeric id becomes text, without ".0"
    assert df["billing"].tolist() == [1500.5, 300.0]
    assert df["share_of_wallet_pct"].iloc[0] == 42.0
    assert df["share_of_wallet"].tolist() == ["medium", "large"]
    assert df["profitability"].tolist() == ["moderate", "low"]
    assert df["Comment"].iloc[0] == "key account" and pd.isna(df["Comment"].iloc[1])
    assert df["source_row"].tolist() == [2, 4]
    s = report.files[str(path)]
    assert (s.rows_read, s.rows_loaded, s.rows_blank, s.rows_rejected) == (3, 2, 1, 0)


def test_dataframe_source_is_not_mutated():
    raw = frame(**{"ID": [" C1 ", "C2"], "Nom": ["A", "B"], "Billing": ["1 000", "x"]})
    before = raw.copy()
    report = ValidationReport()
    df = load_clients(raw, report=report)
    pd.testing.assert_frame_equal(raw, before)
    assert df["client_id"].tolist() == ["C1", "C2"]
    assert "<dataframe>" in report.files
    p = problems_of(report, "Billing")
    assert p[["row", "value"]].values.tolist() == [[3, "x"]]


# -- levels -------------------------------------------------------------------
def test_unknown_level_with_suggestion():
    # "moderee" is the French label Modérée without its accent, so it is a known level;
    # a typo such as "modrate" is what gets the suggestion
    assert CAT.match_level("profitability", "moderee") == "moderate"
    report = ValidationReport()
    df = load_clients(
        frame(client_id=["C1", "C2"], name=["A", "B"], profitability=["modrate", "moderee"]), report=report
    )
    assert pd.isna(df["profitability"].iloc[0]) and df["profitability"].iloc[1] == "moderate"
    p = problems_of(report, "profitability")
    assert len(p) == 1
    row = p.iloc[0]
    assert (row["severity"], row["row"], row["value"], row["suggestion"]) == (
        "error",
        2,
        "modrate",
        "moderate",
    )
    assert row["message"] == "unknown level 'modrate' for Profitability; expected one of: low, moderate, high"
    assert report.has_errors


def test_business_type_is_open():
    report = ValidationReport()
    df = load_clients(
        frame(
            client_id=["1", "2", "3"],
            name=["a", "b", "c"],
            business_type=["Fabricant", " Bank ", "organisation gouvernementale"],
        ),
        report=report,
    )
    assert df["business_type"].tolist() == ["manufacturer", "Bank", "government"]
    assert report.problems.empty


def test_multi_valued_decision_criteria():
    values = [
        "prix et confiance",  # et
        "Trust AND supplier quality",  # and, any case
        "trust;lifecycle cost;trust",  # order of the catalogue, no repeat
        "TCO / Prix d'achat",  # /
        "qualité + facilité d'achat | prix",  # + and |
        "confiance, bidule",  # an unknown part: the known one is kept
        "bidule",
    ]
    report = ValidationReport()
    df = load_clients(
        frame(client_id=[f"C{i}" for i in range(7)], name=list("abcdefg"), decision_criteria=values),
        report=report,
    )
    assert df["decision_criteria"].tolist()[:6] == [
        "purchase_price;trust",
        "trust;supplier_quality",
        "lifecycle_cost;trust",
        "purchase_price;lifecycle_cost",
        "purchase_price;ease_of_purchase;supplier_quality",
        "trust",
    ]
    assert pd.isna(df["decision_criteria"].iloc[6])
    p = problems_of(report, "decision_criteria")
    assert p[["row", "value"]].values.tolist() == [[7, "bidule"], [8, "bidule"]]
    assert (p["severity"] == "error").all()


def test_share_of_wallet_levels_and_percentages():
    report = ValidationReport()
    raw = frame(
        client_id=list("ABCDEFG"),
        name=list("abcdefg"),
        share_of_wallet=["35 %", "50", "19,9 %", "150 %", "Grande", "", "12"],
        share_of_wallet_pct=[None, None, None, None, None, "60", "55"],
    )
    df = load_clients(raw, report=report)
    pct = df["share_of_wallet_pct"].tolist()
    assert pct[:3] == [35.0, 50.0, 19.9]
    assert np.isnan(pct[3]) and np.isnan(pct[4])
    # the separate percentage column wins where both are given
    assert pct[5:] == [60.0, 55.0]
    levels = df["share_of_wallet"].tolist()
    # cut-offs: medium from 20 %, large from 50 % (lower bound inclusive)
    assert levels[:3] + levels[4:] == ["medium", "large", "small", "large", "large", "large"]
    assert pd.isna(levels[3])
    p = problems_of(report, "share_of_wallet")
    assert p[["row", "value"]].values.tolist() == [[5, "150 %"]]
    assert "between 0 and 100" in p["message"].iloc[0]


def test_profitability_percent_and_bare_number():
    report = ValidationReport()
    raw = frame(
        client_id=["A", "B", "C", "D"],
        name=list("abcd"),
        profitability=["18 %", "12", "élevée", "-5 %"],
        margin_pct=[None, None, "30", "7"],
    )
    df = load_clients(raw, report=report)
    assert df["profitability"].tolist()[2] == "high"
    assert df["profitability"].iloc[[0, 1, 3]].isna().all()
    # a percentage in the level column is a margin, used where the margin column is empty
    assert df["margin_pct"].tolist()[0] == 18.0 and np.isnan(df["margin_pct"].iloc[1])
    assert df["margin_pct"].tolist()[2:] == [30.0, 7.0]
    p = problems_of(report, "profitability")
    assert p[["row", "value"]].values.tolist() == [[3, "12"]]
    assert "profit" in p["message"].iloc[0]


# -- ids and rows -------------------------------------------------------------
def test_duplicate_ids_name_every_row():
    ids = ["C001", "C002", "C003", "C007", "C004", "C005", "C006", "C007", "C008", "C009", "C007"]
    report = ValidationReport()
    df = load_clients(frame(client_id=ids, name=[f"n{i}" for i in range(11)]), report=report)
    # rows 2..12: C007 sits in rows 5, 9 and 12
    assert df["client_id"].tolist() == [
        "C001",
        "C002",
        "C003",
        "C007",
        "C004",
        "C005",
        "C006",
        "C008",
        "C009",
    ]
    assert df.loc[df["client_id"] == "C007", "name"].tolist() == ["n3"]
    p = problems_of(report, "client_id")
    assert p["row"].tolist() == [9, 12]
    assert set(p["message"]) == {"client id 'C007' appears in rows 5, 9 and 12; the first is kept"}
    s = report.files["<dataframe>"]
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (11, 9, 2)


def test_blank_id_rejected_blank_name_kept():
    report = ValidationReport()
    df = load_clients(frame(client_id=["C1", "  ", None, "C4"], name=["A", "B", "C", ""]), report=report)
    assert df["client_id"].tolist() == ["C1", "C4"]
    assert pd.isna(df["name"].iloc[1])
    ids = problems_of(report, "client_id")
    assert ids["row"].tolist() == [3, 4] and (ids["severity"] == "error").all()
    names = problems_of(report, "name")
    assert names[["severity", "row", "message"]].values.tolist() == [["warning", 5, "empty name"]]
    s = report.files["<dataframe>"]
    assert (s.rows_read, s.rows_loaded, s.rows_rejected, s.rows_blank) == (4, 2, 2, 0)


def test_blank_rows_skipped_and_counted(tmp_path):
    path = write(tmp_path / "c.csv", "client_id,name,billing\nC1,A,10\n,,\n\nC2,B,20\n , ,\n")
    report = ValidationReport()
    df = load_clients(path, report=report)
    assert df["client_id"].tolist() == ["C1", "C2"]
    assert df["source_row"].tolist() == [2, 5]
    s = report.files[str(path)]
    assert (s.rows_read, s.rows_loaded, s.rows_rejected, s.rows_blank) == (5, 2, 0, 3)
    assert problems_of(report, "client_id").empty


def test_missing_required_column_lists_found_columns():
    report = ValidationReport()
    raw = pd.DataFrame({"Code": ["1", "2"], "Company": ["A", "B"], "Region": ["N", "S"]})
    with pytest.raises(DataValidationError) as info:
        load_clients(raw, report=report)
    text = str(info.value)
    assert "client_id" in text
    assert "'Code', 'Company', 'Region'" in text
    assert info.value.report is report
    errors = report.problems
    assert len(errors) == 1 and errors["severity"].iloc[0] == "error"
    s = report.files["<dataframe>"]
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (2, 0, 2)
    with pytest.raises(DataValidationError, match="client_id .* and name"):
        load_clients(pd.DataFrame({"x": ["1"]}))


# -- columns ------------------------------------------------------------------
def test_extra_and_billing_category_columns(tmp_path):
    path = write(
        tmp_path / "c.csv",
        "client_id;name;Region;Facturation maintenance;Billing consulting;Revenue Spare parts;Notes\n"
        "C1;A;Nord;1 000;2,5;;=1+1\n"
        "C2;B;;x;-3;7;  spaced  \n",
    )
    report = ValidationReport()
    df = load_clients(path, report=report)
    cols = list(df.columns)
    cats = ["billing__maintenance", "billing__consulting", "billing__spare_parts"]
    assert cols[cols.index("billing__maintenance") :] == cats + [
        "Region",
        "Notes",
        "source_row",
        "from_invoices_only",
    ]
    assert df["billing__maintenance"].tolist()[0] == 1000.0 and np.isnan(df["billing__maintenance"].iloc[1])
    assert df["billing__consulting"].tolist()[0] == 2.5 and np.isnan(df["billing__consulting"].iloc[1])
    assert np.isnan(df["billing__spare_parts"].iloc[0]) and df["billing__spare_parts"].iloc[1] == 7.0
    # extra columns are carried as written
    assert df["Region"].tolist()[0] == "Nord" and pd.isna(df["Region"].iloc[1])
    assert df["Notes"].tolist() == ["=1+1", "  spaced  "]
    errs = report.problems[report.problems["severity"] == "error"]
    assert errs[["row", "column", "value"]].values.tolist() == [
        [3, "Billing consulting", "-3"],
        [3, "Facturation maintenance", "x"],
    ]


def test_duplicate_and_near_miss_headers():
    report = ValidationReport()
    raw = pd.DataFrame(
        {
            "client_id": ["C1"],
            "name": ["A"],
            "Billing": ["10"],
            "Chiffre d'affaires": ["20"],
            "Profitabilty": ["high"],
        }
    )
    df = load_clients(raw, report=report)
    assert df["billing"].tolist() == [10.0]
    assert df["Chiffre d'affaires"].tolist() == ["20"]  # the second billing column, carried as extra
    assert df["Profitabilty"].tolist() == ["high"] and df["profitability"].isna().all()
    p = report.problems
    dup = p[p["column"] == "Chiffre d'affaires"]
    assert (
        dup["severity"].tolist() == ["warning"]
        and "already read from column 'Billing'" in dup["message"].iloc[0]
    )
    near = p[p["column"] == "Profitabilty"]
    assert near["suggestion"].tolist() == ["profitability"] and near["severity"].tolist() == ["warning"]


def test_mapping_takes_precedence():
    raw = pd.DataFrame(
        {
            "Code": ["X1", "X2"],
            "Client ID": ["ignored", "ignored2"],
            "Libellé": ["A", "B"],
            "Turn over": ["5", "6"],
        }
    )
    report = ValidationReport()
    df = load_clients(
        raw,
        mapping={"client_id": "Code", "name": "libelle", "billing": "Turn over", "date": "InvoiceDate"},
        report=report,
    )
    assert df["client_id"].tolist() == ["X1", "X2"]
    assert df["name"].tolist() == ["A", "B"]
    assert df["billing"].tolist() == [5.0, 6.0]
    assert df["Client ID"].tolist() == ["ignored", "ignored2"]
    assert "already read from column 'Code'" in problems_of(report, "Client ID")["message"].iloc[0]
    # a mapping to a column the file lacks is reported, and headers are matched instead
    report = ValidationReport()
    df = load_clients(
        pd.DataFrame({"client_id": ["Z"], "name": ["n"]}), mapping={"client_id": "Nope"}, report=report
    )
    assert df["client_id"].tolist() == ["Z"]
    assert "no column 'Nope'" in problems_of(report, "client_id")["message"].iloc[0]


def test_amounts_negative_and_non_numeric():
    report = ValidationReport()
    raw = frame(
        client_id=["A", "B", "C"],
        name=list("abc"),
        billing=["-100", "abc", "(50)"],
        profit=["-1 250,5", "x", "3"],
        cost_to_serve=["12 %", "", "4"],
        margin_pct=["-12,5 %", "150", "40"],
    )
    df = load_clients(raw, report=report)
    assert df["billing"].isna().all()
    assert (
        df["profit"].tolist()[0] == -1250.5 and np.isnan(df["profit"].iloc[1]) and df["profit"].iloc[2] == 3.0
    )
    assert np.isnan(df["cost_to_serve"].iloc[0]) and df["cost_to_serve"].iloc[2] == 4.0
    assert df["margin_pct"].tolist()[0] == -12.5 and np.isnan(df["margin_pct"].iloc[1])
    p = report.problems
    got = {
        (r.row, r.column, r.value, r.message.split(";")[0]) for r in p.itertuples() if r.severity == "error"
    }
    assert got == {
        (2, "billing", "-100", "negative amount"),
        (3, "billing", "abc", "not a number"),
        (4, "billing", "(50)", "negative amount"),
        (3, "profit", "x", "not a number"),
        (2, "cost_to_serve", "12 %", "not a number"),
        (3, "margin_pct", "150", "Margin (%) outside its range"),
    }
    assert len(df) == 3  # bad cells never reject a row


def test_names_fields():
    raw = frame(
        client_id=["A", "B"],
        name=["a", "b"],
        our_contacts=["Ana (KAM);  Bo\nCy", " ; "],
        client_contacts=["Marie Dupont (buyer)", None],
        owner=[" Ana ", None],
    )
    df = load_clients(raw)
    assert df["our_contacts"].tolist()[0] == "Ana (KAM); Bo; Cy" and pd.isna(df["our_contacts"].iloc[1])
    assert df["owner"].tolist()[0] == "Ana" and pd.isna(df["owner"].iloc[1])
    contacts = contacts_from_register(df)
    assert contacts.values.tolist() == [
        ["A", "ours", "Ana", "KAM"],
        ["A", "ours", "Bo", np.nan],
        ["A", "ours", "Cy", np.nan],
        ["A", "client", "Marie Dupont", "buyer"],
    ]


def test_has_errors_reflects_errors_only():
    report = ValidationReport()
    load_clients(frame(client_id=["A"], name=[""]), report=report)
    assert report.n_warnings == 1 and not report.has_errors
    report.raise_if_errors()  # warnings never stop a strict run
    report = ValidationReport()
    load_clients(frame(client_id=["A"], name=["a"], billing=["-1"]), report=report)
    assert report.has_errors
    with pytest.raises(DataValidationError):
        report.raise_if_errors()


# -- the counts always add up ---------------------------------------------------
CELLS = {
    "client_id": ["C1", "C2", "C3", " C1 ", "", " ", None],
    "name": ["A", "", None, "Él"],
    "profitability": ["low", "Modérée", "modrate", "12", "18 %", "", None],
    "billing": ["1 000", "-5", "abc", "12,5", "", None],
    "decision_criteria": ["prix et confiance", "foo / tco", "", None],
    "Extra": ["x", "", None],
}


@st.composite
def messy_frames(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for _ in range(n):
        if draw(st.booleans()) and draw(st.booleans()):
            rows.append({k: draw(st.sampled_from(["", None])) for k in CELLS})  # a blank row
        else:
            rows.append({k: draw(st.sampled_from(v)) for k, v in CELLS.items()})
    return pd.DataFrame(rows, columns=list(CELLS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_frames())
def test_counts_add_up(raw):
    report = ValidationReport()
    df = load_clients(raw, catalogue=CAT, report=report)
    s = report.files["<dataframe>"]
    assert s.rows_read == len(raw)
    assert s.rows_read == s.rows_loaded + s.rows_rejected + s.rows_blank
    assert s.rows_loaded == len(df)
    assert df["client_id"].is_unique and df["client_id"].notna().all()
    # every rejected row is listed with an error on its client id
    blank_row = raw.apply(lambda col: col.map(lambda v: pd.isna(v) or str(v).strip() == "")).all(axis=1)
    rows = pd.Series(range(2, len(raw) + 2), index=raw.index)
    rejected = set(rows[~blank_row]) - set(df["source_row"])
    id_errors = problems_of(report, "client_id")
    assert set(id_errors.loc[id_errors["severity"] == "error", "row"]) == rejected
    assert len(rejected) == s.rows_rejected
    assert s.rows_blank == int(blank_row.sum())
    # an error is reported exactly when a cell was bad or a row rejected
    bad_values = ["modrate", "12", "-5", "abc", "foo / tco"]
    bad_cells = raw[["profitability", "billing", "decision_criteria"]].isin(bad_values).any(axis=1)
    expected_errors = bool(rejected) or bool((bad_cells & ~blank_row).any())
    assert report.has_errors == expected_errors
