"""The command line: validate (text, JSON, exit codes), template, sample, and the loading round trip."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from portfolio_analysis.cli import main
from portfolio_analysis.load.portfolio import load_portfolio
from portfolio_analysis.load.validation import DataValidationError
from portfolio_analysis.template import write_template

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def register(tmp_path):
    return _write(
        tmp_path / "clients.csv",
        "client_id,name,relationship_type,profitability,billing\n"
        "C1,Acme,partnership,high,1000\n"
        "C2,Beta,recurring,modrate,500\n"
        "C1,Acme again,occasional,low,10\n",
    )


def test_validate_text_lists_problems_and_exits_0(register, capsys):
    assert main(["validate", str(register)]) == 0
    out = capsys.readouterr().out
    assert "3 rows read, 2 loaded, 1 rejected" in out
    assert "did you mean 'moderate'?" in out
    assert "rows 2 and 4" in out


def test_the_register_as_argument_or_option_in_both_commands(register, tmp_path, capsys):
    assert main(["validate", "--clients", str(register), "--format", "json"]) == 0
    as_option = json.loads(capsys.readouterr().out)
    assert main(["validate", str(register), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == as_option
    other = tmp_path / "other.csv"
    shutil.copy(register, other)
    assert main(["validate", str(register), "--clients", str(other)]) == 2
    assert "two registers; expected one" in capsys.readouterr().err
    # report takes the register as its first argument too (it stops here on a mistake: nothing runs)
    assert main(["report", str(register), "--out", str(register.parent), "--clients", str(other)]) == 2


def test_validate_in_french(register, capsys):
    assert main(["validate", str(register), "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "3 lignes lues, 2 chargées, 1 rejetées" in out
    assert "niveau inconnu 'modrate' pour Rentabilité ; attendu l'un de : Faible, Modérée, Élevée" in out
    assert "(vouliez-vous dire 'Modérée' ?)" in out
    assert "aux lignes 2 et 4 ; la première est conservée" in out
    assert main(["validate", str(register), "--lang", "fr", "--format", "json"]) == 0
    problems = json.loads(capsys.readouterr().out)["files"][0]["problems"]
    assert {p["severity"] for p in problems} <= {"erreur", "avertissement"}


def test_validate_json(register, capsys):
    assert main(["validate", str(register), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    f = data["files"][0]
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (3, 2, 1)
    by_row = {(p["row"], p["column"]): p for p in f["problems"]}
    assert by_row[(3, "profitability")]["value"] == "modrate"
    assert by_row[(3, "profitability")]["suggestion"] == "moderate"
    assert by_row[(4, "client_id")]["severity"] == "error"
    assert set(by_row[(3, "profitability")]) == {"severity", "file", "row", "column", "value", "message", "suggestion"}


def test_validate_strict_exits_1(register):
    assert main(["validate", str(register), "--strict"]) == 1


def test_validate_unreadable_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing.csv")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_validate_missing_required_column_exits_1_naming_found_columns(tmp_path, capsys):
    path = _write(tmp_path / "c.csv", "code,raison\nC1,Acme\n")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "client_id" in out and "'code', 'raison'" in out


def test_validate_invoices_alone_through_a_mapping(tmp_path, capsys):
    path = _write(
        tmp_path / "inv.csv",
        "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice\n"
        "1,17850,2011-01-05 08:26,6,2.55\n"
        "2,,2011-01-05 08:26,1,1.00\n"
        "3,17850,2011-13-05 08:26,1,1.00\n",
    )
    args = ["validate", "--invoices", str(path), "--map", "client_id=CustomerID", "--map", "date=InvoiceDate",
            "--map", "quantity=Quantity", "--map", "unit_price=UnitPrice", "--format", "json"]
    assert main(args) == 0
    f = json.loads(capsys.readouterr().out)["files"][0]
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (3, 1, 2)
    assert sorted(p["row"] for p in f["problems"]) == [3, 4]


def test_a_map_naming_no_column_is_an_error(register, capsys):
    assert main(["validate", str(register), "--map", "client_id=Kunde"]) == 2
    assert "Kunde" in capsys.readouterr().err


def test_template_command(tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["template", str(out), "--lang", "fr"]) == 0
    with pd.ExcelFile(out, engine="calamine") as book:
        assert book.sheet_names[0] == "Clients"


def test_sample_command_matches_shipped_sample(tmp_path):
    if not SAMPLE.exists():
        pytest.skip("no shipped sample")
    assert main(["sample", str(tmp_path), "--n-clients", "300", "--seed", "7"]) == 0
    for name in ("clients.csv", "invoices.csv", "contacts.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_filled_french_template_loads_back(tmp_path):
    """A consultant's round trip: the French template, filled in French, loads with the right levels."""
    path = write_template(tmp_path / "registre.xlsx", lang="fr")
    headers = pd.read_excel(path, sheet_name="Clients", engine="calamine").columns.tolist()
    row = dict.fromkeys(headers, None)
    row.update({
        "Identifiant client": "F001", "Nom de la société": "Dupont SA", "Type de relation": "Récurrent",
        "Rentabilité": "Modérée", "Part des achats": "35 %", "Critères de décision": "Confiance et Prix d'achat",
        "Perspectives commerciales": "Croissance", "Facturation (12 derniers mois)": "12 345,67 €",
    })
    filled = tmp_path / "rempli.xlsx"
    pd.DataFrame([row], columns=headers).to_excel(filled, sheet_name="Clients", index=False)
    pf = load_portfolio(filled)
    c = pf.clients.iloc[0]
    assert (c["client_id"], c["relationship_type"], c["profitability"]) == ("F001", "recurring", "moderate")
    assert c["share_of_wallet_pct"] == 35.0 and c["share_of_wallet"] == "medium"
    assert c["decision_criteria"] == "purchase_price;trust"
    assert c["billing"] == pytest.approx(12345.67)
    assert c["business_outlook"] == "growing"


def test_strict_load_raises_on_the_sample(tmp_path):
    if not SAMPLE.exists():
        pytest.skip("no shipped sample")
    clients = shutil.copy(SAMPLE / "clients.csv", tmp_path / "clients.csv")
    with pytest.raises(DataValidationError) as err:
        load_portfolio(clients, strict=True)
    assert err.value.report.n_errors == 2  # the duplicated id and the misspelt level


def test_a_mapping_names_a_column_of_the_chosen_sheet(tmp_path):
    """--map is checked against the sheet the register is read from, not the workbook's first sheet."""
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"notes": ["x"]}).to_excel(writer, sheet_name="Read me", index=False)
        pd.DataFrame({"Kundennummer": ["K1", "K2"], "Firma": ["A", "B"]}).to_excel(writer, sheet_name="Kunden",
                                                                                   index=False)
    pf = load_portfolio(path, sheet="Kunden", mapping={"client_id": "Kundennummer", "name": "Firma"})
    assert pf.clients["client_id"].tolist() == ["K1", "K2"] and pf.clients["name"].tolist() == ["A", "B"]
