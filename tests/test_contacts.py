"""Tests of the contacts loader and of the people named in the register, on small tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_analysis.load.contacts import contacts_from_register, load_contacts
from portfolio_analysis.load.validation import DataValidationError, ValidationReport


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_load_contacts_french_headers(tmp_path):
    path = write(
        tmp_path / "contacts.csv",
        "Identifiant client;Côté;Nom;Fonction;Email\n"
        "C1;Nous;Ana Martin;KAM;a@x.fr\n"
        "C1;le client;Marie Dupont (acheteuse);;\n"
        ";;;;\n"
        "C9;client;Bob;;\n"
        "C1;partner;Eve;;\n"
        "C1;ours;;;\n"
        ";ours;Zed;;\n",
    )
    clients = pd.DataFrame({"client_id": ["C1", "C2"]})
    report = ValidationReport()
    df = load_contacts(path, clients=clients, report=report)
    assert df[["client_id", "side", "name", "role"]].values.tolist() == [
        ["C1", "ours", "Ana Martin", "KAM"],
        ["C1", "client", "Marie Dupont", "acheteuse"],
    ]
    assert df["source_row"].tolist() == [2, 3]
    assert df["Email"].tolist()[0] == "a@x.fr"
    errors = report.problems
    assert errors[["row", "column"]].values.tolist() == [
        [5, "Identifiant client"],
        [6, "Côté"],
        [7, "Nom"],
        [8, "Identifiant client"],
    ]
    assert "expected ours" in errors["message"].iloc[1]
    s = report.files[str(path)]
    assert (s.kind, s.rows_read, s.rows_loaded, s.rows_rejected, s.rows_blank) == ("contacts", 7, 2, 4, 1)


def test_load_contacts_missing_column_and_mapping():
    with pytest.raises(DataValidationError, match="'Who', 'Name'"):
        load_contacts(pd.DataFrame({"Who": ["C1"], "Name": ["A"]}))
    df = load_contacts(
        pd.DataFrame({"Who": ["C1"], "Camp": ["customer"], "Name": ["A"]}),
        mapping={"client_id": "Who", "amount": "x"},
    )
    assert df[["client_id", "side", "name"]].values.tolist() == [["C1", "client", "A"]]
    assert df["role"].isna().all()


def test_contacts_from_register_order_and_empty():
    reg = pd.DataFrame(
        {"client_id": ["B", "A"], "our_contacts": ["X", None], "client_contacts": ["Y (CEO); Z", "W"]},
        index=[10, 10],
    )
    out = contacts_from_register(reg)
    assert out.values.tolist() == [
        ["B", "ours", "X", np.nan],
        ["B", "client", "Y", "CEO"],
        ["B", "client", "Z", np.nan],
        ["A", "client", "W", np.nan],
    ]
    empty = contacts_from_register(pd.DataFrame({"client_id": ["A"]}))
    assert list(empty.columns) == ["client_id", "side", "name", "role"] and empty.empty
