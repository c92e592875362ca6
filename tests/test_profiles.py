"""Client profiles: level counts, level matrix, relationship coverage, owner spread."""

import numpy as np
import pandas as pd
import pytest

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.steps import profiles


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


@pytest.fixture
def clients():
    return pd.DataFrame(
        {
            "client_id": ["a", "b", "c", "d"],
            "relationship_type": ["partnership", "at_risk", None, "partnership"],
            "business_type": ["investor", "brewery", "investor", None],
            "profitability": ["high", "low", "moderate", None],
            "owner": ["Ann", "Ann", "Bob", None],
            "billing": [600.0, 200.0, 150.0, 50.0],
        }
    )


def test_level_counts_follow_the_catalogue_order(cat, clients):
    out = profiles.level_counts(clients, "relationship_type", catalogue=cat)
    assert out["level"].tolist()[:4] == ["at_risk", "occasional", "recurring", "partnership"]
    assert out["clients"].tolist() == [1, 0, 0, 2, 1]  # the last row is the missing one
    assert out["share_pct"].sum() == pytest.approx(100.0)
    fr = profiles.level_counts(clients, "relationship_type", catalogue=cat, lang="fr")
    assert fr["label"].tolist()[0] == "En danger"


def test_open_list_values_are_counted_too(cat, clients):
    out = profiles.level_counts(clients, "business_type", catalogue=cat)
    counts = dict(zip(out["label"], out["clients"]))
    assert counts["Investor"] == 2 and counts["brewery"] == 1 and counts["missing"] == 1


def test_level_matrix_holds_level_scores(cat, clients):
    m = profiles.level_matrix(clients, catalogue=cat)
    assert m.loc["a", "relationship_type"] == 1.0
    assert m.loc["b", "profitability"] == 0.0
    assert m.loc["c", "profitability"] == 0.5
    assert np.isnan(m.loc["c", "relationship_type"])
    assert "decision_criteria" not in m.columns  # multi-valued: not a level
    assert "service_needs" not in m.columns  # descriptive: not better or worse


def test_relationship_coverage(clients):
    contacts = pd.DataFrame(
        {
            "client_id": ["a", "a", "a", "a", "b", "b", "b", "c"],
            "side": ["ours", "ours", "client", "client", "ours", "client", "client", "ours"],
            "name": ["Ann", "Tom", "X", "Y", "Ann", "P", "Q", "Bob"],
        }
    )
    cov = profiles.relationship_coverage(clients, contacts).set_index("client_id")
    assert cov.loc["a"].tolist() == [2, 2, False, False]
    assert cov.loc["b"].tolist() == [1, 2, True, False]  # one person on our side: fragile
    assert cov.loc["c"].tolist() == [1, 0, True, True]
    assert cov.loc["d"].tolist() == [0, 0, False, True]  # nobody recorded: missing data, not fragile


def test_owner_spread_and_key_person_risk(clients):
    out = profiles.owner_spread(clients, key_person_share=0.25).set_index("owner")
    # Ann: 600 + 200 = 800 of 1000 -> 80 %; Bob 150 -> 15 %; no owner 50 -> 5 %
    assert out.loc["Ann", "accounts"] == 2
    assert out.loc["Ann", "billing_share_pct"] == pytest.approx(80.0)
    # the accounts without an owner are one row, last, with no owner named: never a person at risk
    assert out["key_person_risk"].to_dict() == {"Ann": True, "Bob": False, None: False}
    assert out.index[-1] is None and out.loc[[None], "accounts"].item() == 1
