"""Tests of the report's languages: numbers, texts, and the validation problems in French."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from portfolio_analysis.i18n import numbers, plural, tr, translate_message, translate_problems
from portfolio_analysis.load.contacts import load_contacts
from portfolio_analysis.load.invoices import load_invoices
from portfolio_analysis.load.register import load_clients
from portfolio_analysis.load.validation import DataValidationError, ValidationReport

FORMATS = "%Y-%m-%d, %Y-%m-%d %H:%M, %Y-%m-%d %H:%M:%S, %d/%m/%Y, %d/%m/%Y %H:%M, %d.%m.%Y"

# (English message as the loaders write it, the French expected), one pair per message shape
CASES = [
    # reader
    ("the row has 10 cells but the header has 9; the cells after column 9 were not read "
     "(an unquoted ',' inside a cell?)",
     "la ligne a 10 cellules mais l'en-tête en a 9 ; les cellules après la colonne 9 n'ont pas été lues "
     "(un « , » sans guillemets dans une cellule ?)"),
    # client register headers
    ("mapping owner=Boss: no column 'Boss' in this file (columns found: 'client_id', 'name'); "
     "Account owner (our side) is looked for among the headers instead",
     "correspondance owner=Boss : aucune colonne 'Boss' dans ce fichier (colonnes trouvées : 'client_id', "
     "'name') ; Responsable du compte (chez nous) est recherché parmi les en-têtes"),
    ("column 'Billing size' is Billing size, which the analysis computes itself; kept as an extra column",
     "la colonne 'Billing size' est Taille de la facturation, que l'analyse calcule elle-même ; "
     "conservée comme colonne supplémentaire"),
    ("column 'Profitability' is also Profitability, already read from column 'profitability'; "
     "kept as an extra column",
     "la colonne 'Profitability' est aussi Rentabilité, déjà lu dans la colonne 'profitability' ; "
     "conservée comme colonne supplémentaire"),
    ("unknown column 'Busines type', kept as an extra column; did you mean 'Business type' (business_type)?",
     "colonne inconnue 'Busines type', conservée comme colonne supplémentaire ; "
     "vouliez-vous dire 'Activité du client' (business_type) ?"),
    ("missing required columns client_id (Client ID) and name (Company name); the columns found are: 'foo'. "
     "Name the column in the header (English or French label, or an alias) or map it, "
     "e.g. --map client_id=COLUMN",
     "colonnes obligatoires manquantes : client_id (Client ID) et name (Company name) ; colonnes trouvées : "
     "'foo'. Nommez la colonne dans l'en-tête (libellé anglais ou français, ou un alias) ou indiquez la "
     "correspondance, par exemple --map client_id=COLONNE"),
    ("missing required column name (Company name); the columns found are: none. "
     "Name the column in the header (English or French label, or an alias) or map it, "
     "e.g. --map client_id=COLUMN",
     "colonne obligatoire manquante : name (Company name) ; colonnes trouvées : aucune. Nommez la colonne "
     "dans l'en-tête (libellé anglais ou français, ou un alias) ou indiquez la correspondance, "
     "par exemple --map client_id=COLONNE"),
    ("no Business outlook column (business_outlook): scoring will treat it as missing for every client",
     "pas de colonne Perspectives commerciales (business_outlook) : le calcul des scores la considérera "
     "comme manquante pour chaque client"),
    # client register cells
    ("not a number; expected an amount >= 0, e.g. 12 345,67",
     "pas un nombre ; attendu : un montant >= 0, par exemple 12 345,67"),
    ("not a number; expected a percentage, e.g. 35 %",
     "pas un nombre ; attendu : un pourcentage, par exemple 35 %"),
    ("not a number; expected an amount, e.g. -1 250,00",
     "pas un nombre ; attendu : un montant, par exemple -1 250,00"),
    ("negative amount; expected >= 0", "montant négatif ; attendu : >= 0"),
    ("Share of wallet (%) outside its range; expected a percentage between 0 and 100",
     "Part des achats (%) hors de sa plage ; attendu : un pourcentage entre 0 et 100"),
    ("Margin (%) outside its range; expected a percentage at most 100",
     "Marge (%) hors de sa plage ; attendu : un pourcentage d'au plus 100"),
    ("unknown level 'Modrate' for Profitability; expected one of: low, moderate, high",
     "niveau inconnu 'Modrate' pour Rentabilité ; attendu l'un de : low, moderate, high"),
    ("a number where a level of Profitability is expected (low, moderate, high); profit figures go in the "
     "profit column, margins as a percentage in margin_pct",
     "un nombre là où un niveau de Rentabilité est attendu (low, moderate, high) ; les bénéfices vont dans "
     "la colonne profit, les marges en pourcentage dans margin_pct"),
    ("empty client id; the row cannot be keyed and is not loaded",
     "identifiant client vide ; la ligne ne peut pas être identifiée et n'est pas chargée"),
    ("client id 'C0108' appears in rows 109 and 110; the first is kept",
     "l'identifiant client 'C0108' apparaît aux lignes 109 et 110 ; la première est conservée"),
    ("client id 'C7' appears in rows 3, 5 and 9; the first is kept",
     "l'identifiant client 'C7' apparaît aux lignes 3, 5 et 9 ; la première est conservée"),
    ("empty name", "nom vide"),
    # contacts
    ("column 'Name' is also name, already read from column 'name'; kept as an extra column",
     "la colonne 'Name' est aussi name, déjà lu dans la colonne 'name' ; conservée comme colonne supplémentaire"),
    ("mapping role=Role: no column 'Role' in this file; looking for it among the headers instead",
     "correspondance role=Role : aucune colonne 'Role' dans ce fichier ; recherche parmi les en-têtes"),
    ("missing required columns side and name in the contacts table; the columns found are: 'client', 'who'. "
     "Expected client id, side (ours or client), name and optionally role, in English or French",
     "colonnes obligatoires manquantes dans la table des interlocuteurs : side et name ; colonnes trouvées : "
     "'client', 'who'. Attendu : identifiant client, côté (ours ou client), nom et, en option, rôle, "
     "en anglais ou en français"),
    ("empty client id; the contact cannot be attached to a client and is not loaded",
     "identifiant client vide ; l'interlocuteur ne peut être rattaché à aucun client et n'est pas chargé"),
    ("client id not in the client register; the contact is not loaded",
     "identifiant client absent du registre des clients ; l'interlocuteur n'est pas chargé"),
    ("unknown side; expected ours (our people) or client (the client's people); the contact is not loaded",
     "côté inconnu ; attendu : ours (nos collaborateurs) ou client (les collaborateurs du client) ; "
     "l'interlocuteur n'est pas chargé"),
    ("empty name; the contact is not loaded", "nom vide ; l'interlocuteur n'est pas chargé"),
    # invoice lines
    ("column 'Montant' given for amount is not in the file; columns found: client_id, date, amount",
     "la colonne 'Montant' indiquée pour amount n'est pas dans le fichier ; colonnes trouvées : "
     "client_id, date, amount"),
    ("column 'CustomerID' also looks like client_id; using 'client_id'",
     "la colonne 'CustomerID' ressemble aussi à client_id ; c'est 'client_id' qui est utilisée"),
    ("missing required columns: client_id, date, amount (or quantity and unit_price); columns found: foo, bar "
     "(name them, or give a mapping such as client_id=CustomerID)",
     "colonnes obligatoires manquantes : client_id, date, amount (ou quantity et unit_price) ; colonnes "
     "trouvées : foo, bar (nommez-les, ou donnez une correspondance telle que client_id=CustomerID)"),
    ("missing required column: date; columns found: none (name them, or give a mapping such as "
     "client_id=CustomerID)",
     "colonne obligatoire manquante : date ; colonnes trouvées : aucune (nommez-les, ou donnez une "
     "correspondance telle que client_id=CustomerID)"),
    ("no client id; the line is not loaded", "pas d'identifiant client ; la ligne n'est pas chargée"),
    ("no date; the line is not loaded", "pas de date ; la ligne n'est pas chargée"),
    ("no amount; the line is not loaded", "pas de montant ; la ligne n'est pas chargée"),
    ("no unit price; the line is not loaded", "pas de prix unitaire ; la ligne n'est pas chargée"),
    ("not a number; the line is not loaded", "pas un nombre ; la ligne n'est pas chargée"),
    ("cost is not a number; the line is loaded without a cost",
     "le coût n'est pas un nombre ; la ligne est chargée sans coût"),
    (f"not a date in any of the formats {FORMATS} (or outside 1900-2199); the line is not loaded",
     f"pas une date dans l'un des formats {FORMATS} (ou hors de 1900-2199) ; la ligne n'est pas chargée"),
]


@pytest.mark.parametrize(("english", "french"), CASES, ids=[c[0][:40] for c in CASES])
def test_each_message_shape_in_french(english, french):
    assert translate_message(english, "fr") == french
    assert translate_message(english, "en") == english


def test_every_pattern_is_exercised():
    from portfolio_analysis.i18n import _problem_patterns

    used = {next(i for i, (p, _) in enumerate(_problem_patterns()) if p.fullmatch(en)) for en, _ in CASES}
    assert used == set(range(len(_problem_patterns())))


def _problems(**columns):
    n = len(next(iter(columns.values())))
    base = {"severity": ["error"] * n, "file": ["f.csv"] * n, "row": list(range(2, n + 2)), "column": ["c"] * n,
            "value": ["v"] * n, "message": [""] * n, "suggestion": [None] * n}
    return pd.DataFrame({**base, **columns})


def test_translate_problems_french_copy():
    p = _problems(severity=["error", "warning", "error"],
                  message=["empty name", "a message of a shape never seen", None])
    before = p.copy()
    out = translate_problems(p, "fr")
    assert out["severity"].tolist() == ["erreur", "avertissement", "erreur"]
    assert out["message"].tolist()[:2] == ["nom vide", "a message of a shape never seen"]  # unknown kept
    assert pd.isna(out["message"].iloc[2])
    assert out.drop(columns=["severity", "message"]).equals(p.drop(columns=["severity", "message"]))
    pd.testing.assert_frame_equal(p, before)  # the input is left alone


def test_translate_problems_english_unchanged():
    p = _problems(message=["empty name", "no date; the line is not loaded"])
    out = translate_problems(p, "en")
    pd.testing.assert_frame_equal(out, p)
    assert out is not p
    with pytest.raises(ValueError):
        translate_problems(p, "de")


def test_translate_problems_empty():
    p = _problems(message=[]).astype(object)
    assert translate_problems(p, "fr").empty


def test_many_identical_messages_fast():
    n = 100_000
    p = _problems(message=["no client id; the line is not loaded"] * (n - 1) + ["negative amount; expected >= 0"])
    start = time.perf_counter()
    out = translate_problems(p, "fr")
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    assert (out["message"].iloc[:-1] == "pas d'identifiant client ; la ligne n'est pas chargée").all()
    assert out["message"].iloc[-1] == "montant négatif ; attendu : >= 0"
    assert (out["severity"] == "erreur").all()


def _messages(call, *args, **kwargs) -> list[str]:
    report = ValidationReport()
    try:
        call(*args, report=report, **kwargs)
    except DataValidationError:
        pass
    return report.problems["message"].tolist()


def test_messages_written_by_the_loaders_all_translated(tmp_path):
    """Messy files through the real loaders: no message comes out still in English."""
    (tmp_path / "clients.csv").write_text(
        "client_id,name,billing,margin_pct,profitability,Profitability,Busines type,Billing size,share_of_wallet\n"
        "C1,Acme,1000,10,moderate,high,x,1,high\n"
        "C2,Beta,abc,150,Modrate,high,x,1,50 %\n"
        "C2,,-5,10,12,high,x,1,high\n"
        ",Delta,10,10,low,high,x,1,high,extra\n")
    (tmp_path / "contacts.csv").write_text(
        "client_id,side,name,Name\nC1,ours,Ann,x\n,ours,Bob,x\nC9,ours,Cy,x\nC1,nobody,Di,x\nC1,client,,x\n")
    (tmp_path / "contacts_bad.csv").write_text("client,who\nC1,x\n")
    (tmp_path / "invoices.csv").write_text(
        "client_id,date,amount,cost,CustomerID\nC1,2023-01-05,10,1,x\n,2023-01-05,10,1,x\nC1,,10,1,x\n"
        "C1,2023-02-30,10,1,x\nC1,2023-01-05,,1,x\nC1,2023-01-05,abc,1,x\nC1,2023-01-05,10,abc,x\n")
    (tmp_path / "inv_bad.csv").write_text("foo,bar\n1,2\n")
    messages = (
        _messages(load_clients, tmp_path / "clients.csv", mapping={"owner": "Boss"})
        + _messages(load_clients, pd.DataFrame({"foo": ["1"]}))
        + _messages(load_contacts, tmp_path / "contacts.csv", clients=pd.DataFrame({"client_id": ["C1"]}),
                    mapping={"role": "Role"})
        + _messages(load_contacts, tmp_path / "contacts_bad.csv")
        + _messages(load_invoices, tmp_path / "invoices.csv", mapping={"amount": "Montant"})
        + _messages(load_invoices, tmp_path / "invoices.csv")
        + _messages(load_invoices, tmp_path / "inv_bad.csv")
    )
    assert len(set(messages)) >= 30
    untranslated = [m for m in set(messages) if translate_message(m, "fr") == m]
    assert untranslated == []


def test_numbers_and_tr():
    assert numbers("fr")(1234567.891, 1) == "1\u202f234\u202f567,9"
    assert numbers("en")(1234567.891, 1) == "1,234,567.9"
    assert numbers("fr")(float("nan")) == "–"
    assert numbers("en")(-3.5, 1, sign=True) == "-3.5"
    assert tr("fr", en="profit", fr="bénéfice") == "bénéfice"
    assert tr("en", en="profit", fr="bénéfice") == "profit"
    assert plural(0, "vide", "vides", "fr") == "vide"
    assert plural(0, "error", "errors", "en") == "errors"
