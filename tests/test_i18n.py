"""Tests of the report's languages: the validation problems written in French from their neutral form."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

import pandas as pd
import pytest

from portfolio_analysis.i18n.language import language
from portfolio_analysis.load.contacts import load_contacts
from portfolio_analysis.load.invoices import load_invoices
from portfolio_analysis.load.register import load_clients
from portfolio_analysis.load.validation import (
    DataValidationError,
    ValidationReport,
    problem_message,
    problems_in,
)

PACKAGE = Path(__file__).resolve().parents[1] / "portfolio_analysis"
# the shipped date formats, as a reader sees them: by example (31 December 2025, 23:59:58)
FORMATS = "2025-12-31, 2025-12-31 23:59, 2025-12-31 23:59:58, 31/12/2025, 31/12/2025 23:59, 31.12.2025"

# (English message as the loaders write it, the French expected), one pair per message shape; the
# French of a label, of a level list and of a suggestion is the catalogue's French label
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
     "colonnes obligatoires manquantes : client_id (Identifiant client) et name (Nom de la société) ; colonnes "
     "trouvées : 'foo'. Nommez la colonne dans l'en-tête (libellé anglais ou français, ou un alias) ou indiquez "
     "la correspondance, par exemple --map client_id=COLONNE"),
    ("missing required columns client_id (Client ID) and name (Company name); the columns found are: none. "
     "Name the column in the header (English or French label, or an alias) or map it, "
     "e.g. --map client_id=COLUMN",
     "colonnes obligatoires manquantes : client_id (Identifiant client) et name (Nom de la société) ; colonnes "
     "trouvées : aucune. Nommez la colonne dans l'en-tête (libellé anglais ou français, ou un alias) ou indiquez "
     "la correspondance, par exemple --map client_id=COLONNE"),
    ("missing required column name (Company name); the columns found are: 'client_id'. "
     "Name the column in the header (English or French label, or an alias) or map it, "
     "e.g. --map client_id=COLUMN",
     "colonne obligatoire manquante : name (Nom de la société) ; colonnes trouvées : 'client_id'. Nommez la "
     "colonne dans l'en-tête (libellé anglais ou français, ou un alias) ou indiquez la correspondance, "
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
     "niveau inconnu 'Modrate' pour Rentabilité ; attendu l'un de : Faible, Modérée, Élevée"),
    ("a number where a level of Profitability is expected (low, moderate, high); profit figures go in the "
     "profit column, margins as a percentage in margin_pct",
     "un nombre là où un niveau de Rentabilité est attendu (Faible, Modérée, Élevée) ; les bénéfices vont dans "
     "la colonne profit, les marges en pourcentage dans margin_pct"),
    ("empty client id; the row cannot be keyed and is not loaded",
     "identifiant client vide ; la ligne ne peut pas être identifiée et n'est pas chargée"),
    ("client id 'C2' appears in rows 3 and 4; the first is kept",
     "l'identifiant client 'C2' apparaît aux lignes 3 et 4 ; la première est conservée"),
    ("client id 'C7' appears in rows 2, 4 and 6; the first is kept",
     "l'identifiant client 'C7' apparaît aux lignes 2, 4 et 6 ; la première est conservée"),
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
    ("missing required column name in the contacts table; the columns found are: 'client_id', 'side'. "
     "Expected client id, side (ours or client), name and optionally role, in English or French",
     "colonne obligatoire manquante dans la table des interlocuteurs : name ; colonnes trouvées : "
     "'client_id', 'side'. Attendu : identifiant client, côté (ours ou client), nom et, en option, rôle, "
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
    ("column 'Montant' given for amount is not in the file; columns found: client_id, date, amount, cost, CustomerID",
     "la colonne 'Montant' indiquée pour amount n'est pas dans le fichier ; colonnes trouvées : "
     "client_id, date, amount, cost, CustomerID"),
    ("column 'CustomerID' also looks like client_id; using 'client_id'",
     "la colonne 'CustomerID' ressemble aussi à client_id ; c'est 'client_id' qui est utilisée"),
    ("missing required columns: client_id, date, amount (or quantity and unit_price); columns found: foo, bar "
     "(name them, or give a mapping such as client_id=CustomerID)",
     "colonnes obligatoires manquantes : client_id, date, amount (ou quantity et unit_price) ; colonnes "
     "trouvées : foo, bar (nommez-les, ou donnez une correspondance telle que client_id=CustomerID)"),
    ("missing required column: date; columns found: client_id, amount (name them, or give a mapping such as "
     "client_id=CustomerID)",
     "colonne obligatoire manquante : date ; colonnes trouvées : client_id, amount (nommez-la, ou donnez une "
     "correspondance telle que client_id=CustomerID)"),
    ("no client id; the line is not loaded", "pas d'identifiant client ; la ligne n'est pas chargée"),
    ("no date; the line is not loaded", "pas de date ; la ligne n'est pas chargée"),
    ("no amount; the line is not loaded", "pas de montant ; la ligne n'est pas chargée"),
    ("no unit price; the line is not loaded", "pas de prix unitaire ; la ligne n'est pas chargée"),
    ("not a number; the line is not loaded", "pas un nombre ; la ligne n'est pas chargée"),
    ("cost is not a number; the line is loaded without a cost",
     "le coût n'est pas un nombre ; la ligne est chargée sans coût"),
    (f"not a date written as {FORMATS} (or outside 1900-2199); the line is not loaded",
     f"pas une date écrite comme {FORMATS} (ou hors de 1900-2199) ; la ligne n'est pas chargée"),
]


def _problems(call, *args, **kwargs) -> pd.DataFrame:
    report = ValidationReport()
    try:
        call(*args, report=report, **kwargs)
    except DataValidationError:
        pass
    return report.problems


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> pd.DataFrame:
    """Messy files through the real loaders: every problem they write, each shape at least once."""
    d = tmp_path_factory.mktemp("messy")
    files = {
        "clients.csv": "client_id,name,billing,margin_pct,profitability,Profitability,Busines type,Billing size,"
                       "share_of_wallet\n"
                       "C1,Acme,1000,10,moderate,high,x,1,high\n"
                       "C2,Beta,abc,150,Modrate,high,x,1,50 %\n"
                       "C2,,-5,10,12,high,x,1,high\n"
                       ",Delta,10,10,low,high,x,1,high,extra\n",
        "clients_two.csv": "client_id,name\nC1,Acme\n",
        "clients_one.csv": "client_id\nC1\n",
        "clients_numbers.csv": "client_id,name,profit,margin_pct,share_of_wallet_pct\nC7,A,abc,abc,150\n"
                               "C8,B,1,1,1\nC7,C,1,1,1\nC9,D,1,1,1\nC7,E,1,1,1\n",
        "contacts.csv": "client_id,side,name,Name\nC1,ours,Ann,x\n,ours,Bob,x\nC9,ours,Cy,x\nC1,nobody,Di,x\n"
                        "C1,client,,x\n",
        "contacts_bad.csv": "client,who\nC1,x\n",
        "contacts_one.csv": "client_id,side\nC1,ours\n",
        "invoices.csv": "client_id,date,amount,cost,CustomerID\nC1,2023-01-05,10,1,x\n,2023-01-05,10,1,x\n"
                        "C1,,10,1,x\nC1,2023-02-30,10,1,x\nC1,2023-01-05,,1,x\nC1,2023-01-05,abc,1,x\n"
                        "C1,2023-01-05,10,abc,x\n",
        "inv_bad.csv": "foo,bar\n1,2\n",
        "inv_no_date.csv": "client_id,amount\nC1,3\n",
        "inv_units.csv": "client_id,date,quantity,unit_price\nC1,2023-01-05,2,\n",
    }
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    parts = [
        _problems(load_clients, d / "clients.csv"),
        _problems(load_clients, d / "clients_two.csv", mapping={"owner": "Boss"}),
        _problems(load_clients, d / "clients_one.csv"),
        _problems(load_clients, d / "clients_numbers.csv"),
        _problems(load_clients, pd.DataFrame({"foo": ["1"]})),
        _problems(load_clients, pd.DataFrame()),
        _problems(load_contacts, d / "contacts.csv", clients=pd.DataFrame({"client_id": ["C1"]}),
                  mapping={"role": "Role"}),
        _problems(load_contacts, d / "contacts_bad.csv"),
        _problems(load_contacts, d / "contacts_one.csv"),
        _problems(load_invoices, d / "invoices.csv", mapping={"amount": "Montant"}),
        _problems(load_invoices, d / "invoices.csv"),
        _problems(load_invoices, d / "inv_bad.csv"),
        _problems(load_invoices, d / "inv_no_date.csv"),
        _problems(load_invoices, d / "inv_units.csv"),
    ]
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize(("english", "french"), CASES, ids=[c[0][:40] for c in CASES])
def test_each_message_shape_in_english_and_french(loaded, english, french):
    found = loaded[loaded["message"] == english]
    assert len(found), f"no loader wrote {english!r}"
    assert set(problems_in(found, "fr")["message"]) == {french}
    assert problems_in(found, "en")["message"].eq(english).all()


def test_no_message_of_the_loaders_stays_in_english(loaded):
    """Every shape the loaders write has its French (the message differs from the English)."""
    french = problems_in(loaded, "fr")
    same = loaded.loc[french["message"].eq(loaded["message"]), "message"].unique().tolist()
    assert same == []
    assert loaded["template"].notna().all() and loaded["message"].nunique() >= 35


def test_the_french_level_list_and_suggestion_use_the_french_labels(loaded):
    row = loaded[loaded["message"].str.startswith("unknown level 'Modrate'")]
    fr = problems_in(row, "fr").iloc[0]
    assert fr["message"].endswith("attendu l'un de : Faible, Modérée, Élevée")
    assert (row.iloc[0]["suggestion"], fr["suggestion"]) == ("moderate", "Modérée")
    assert fr["severity"] == "erreur" and fr["row"] == row.iloc[0]["row"] and fr["value"] == "Modrate"


def test_a_problem_keeps_its_neutral_form(loaded):
    row = loaded[loaded["message"].str.startswith("unknown level 'Modrate'")].iloc[0]
    assert row["template"] == "unknown level '{value}' for {label}; expected one of: {levels}"
    params = json.loads(row["params"])
    assert params["label"] == {"en": "Profitability", "fr": "Rentabilité"}
    assert problem_message(row["template"], row["params"], "en", value=row["value"]) == row["message"]


def _table(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"severity": ["error"] * n, "file": ["f.csv"] * n, "row": list(range(2, n + 2)), "column": ["c"] * n,
            "value": ["v"] * n, "message": [""] * n, "suggestion": [None] * n, "template": [None] * n,
            "params": [None] * n}
    return pd.DataFrame({**base, **columns})


def test_problems_in_french_is_a_copy():
    p = _table(severity=["error", "warning", "error"],
               message=["empty name", "a message of a shape never seen", None],
               template=["empty name", None, None])
    before = p.copy()
    out = problems_in(p, "fr")
    assert out["severity"].tolist() == ["erreur", "avertissement", "erreur"]
    assert out["message"].tolist()[:2] == ["nom vide", "a message of a shape never seen"]  # no template: as written
    assert pd.isna(out["message"].iloc[2])
    same = ["file", "row", "column", "value", "suggestion", "template", "params"]
    assert out[same].equals(p[same])
    pd.testing.assert_frame_equal(p, before)  # the input is left alone


def test_problems_in_english_unchanged():
    p = _table(message=["empty name", "no date; the line is not loaded"],
               template=["empty name", "no date; the line is not loaded"])
    out = problems_in(p, "en")
    pd.testing.assert_frame_equal(out, p)
    assert out is not p
    with pytest.raises(ValueError):
        problems_in(p, "de")


def test_problems_in_empty():
    p = _table(message=[]).astype(object)
    assert problems_in(p, "fr").empty


def test_many_identical_messages_fast():
    n = 100_000
    messages = ["no client id; the line is not loaded"] * (n - 1) + ["negative amount; expected >= 0"]
    p = _table(message=messages, template=messages)
    start = time.perf_counter()
    out = problems_in(p, "fr")
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    assert (out["message"].iloc[:-1] == "pas d'identifiant client ; la ligne n'est pas chargée").all()
    assert out["message"].iloc[-1] == "montant négatif ; attendu : >= 0"
    assert (out["severity"] == "erreur").all()


def test_the_text_report_in_french(loaded, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("client_id,name,profitability\nC1,Acme,Modrate\nC1,Beta,high\n", encoding="utf-8")
    report = ValidationReport()
    load_clients(path, report=report)
    text = report.to_text(lang="fr")
    assert "clients.csv (clients) : 2 lignes lues, 1 chargées, 1 rejetées" in text
    assert "clients.csv ligne 2: profitability = 'Modrate': niveau inconnu 'Modrate' pour Rentabilité" in text
    assert "(vouliez-vous dire 'Modérée' ?)" in text
    english = report.to_text()
    assert "2 rows read, 1 loaded, 1 rejected" in english and "(did you mean 'moderate'?)" in english


def test_numbers_and_texts_of_a_language():
    fr, en = language("fr"), language("en")
    assert fr.num(1234567.891, 1) == "1\u202f234\u202f567,9" and en.num(1234567.891, 1) == "1,234,567.9"
    assert fr.num(float("nan")) == "–"
    assert en.num(-3.5, 1, sign=True) == "-3.5"
    assert fr.text({"en": "profit", "fr": "bénéfice"}) == "bénéfice"
    assert en.text({"en": "profit", "fr": "bénéfice"}) == "profit"
    assert fr.plural("{n} error", "{n} errors", 0).format(n=0) == "0 erreur"
    assert en.plural("{n} error", "{n} errors", 0).format(n=0) == "0 errors"


# -- no translation by rewriting English ------------------------------------------------------
def _imports_re(tree) -> bool:
    return any(isinstance(node, ast.Import) and any(a.name == "re" for a in node.names)
               or isinstance(node, ast.ImportFrom) and node.module == "re" for node in ast.walk(tree))


def test_no_module_translates_with_regular_expressions_or_tables_of_french():
    """French comes from the catalogue only: no module rewrites English with `re`, none holds a French table.

    A module may use `re` to read files or data (the loaders, the rules' multi-valued cells, the
    configuration's paths, the catalogue's placeholder check, Markdown escaping, Excel's sheet
    names); none of those modules writes a phrase for a reader. The modules that do — the figures, the steps' words,
    the deliverable, i18n itself — import no `re`, and no module names a table ``*_FR``.
    """
    reader_facing = ["plots", "steps/actions/explain.py", "steps/actions/decide.py", "steps/actions/plan.py",
                     "steps/segmentation/describe.py", "steps/profiles.py", "template.py",
                     "deliver/summary.py", "i18n/__init__.py", "i18n/language.py",
                     "load/validation.py"]
    for module in sorted(PACKAGE.rglob("*.py")):
        rel = module.relative_to(PACKAGE).as_posix()
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) for t in node.targets
                 if isinstance(t, ast.Name)}
        if rel != "sample/parameters.py":  # the sample's French town and region names are data, not translations
            assert not [n for n in names if n.endswith("_FR") or n.startswith("_FR")], rel
        if any(rel == r or rel.startswith(r + "/") for r in reader_facing):
            assert not _imports_re(tree), f"{rel} imports re"
    i18n = (PACKAGE / "i18n" / "__init__.py").read_text(encoding="utf-8")
    for gone in ("translate_figure", "translate_message", "translate_problems", "def tr(", "NAMES_FR"):
        assert gone not in i18n
