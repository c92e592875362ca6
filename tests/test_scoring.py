"""Tests of portfolio_analysis.steps.scoring: scores worked out by hand, and invariants.

Shipped catalogue weights used in the hand computations:
value axis (total 10): share_of_wallet 2, profitability 3, upsell_potential 2, billing_size 2,
billing_growth 1; relationship axis (total 10): relationship_type 3, decision_criteria 1,
ease_of_collaboration 2, business_outlook 2, rnd_collaboration 1, learning_opportunities 1.
Level scores are evenly spaced: 4 levels 0, 1/3, 2/3, 1; 3 levels 0, 0.5, 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_analysis.config.catalogue import ConfigError, load_catalogue
from portfolio_analysis.steps.scoring import (
    contributions,
    criterion_scores,
    criterion_weights,
    rank_order_centroid,
    score_clients,
    scored_criteria,
    scoring_settings,
)

CAT = load_catalogue()
ORDINAL = [k for k, c in CAT.criteria.items() if c.kind == "ordinal" and c.axis != "descriptive"]
DECISIONS = CAT.criteria["decision_criteria"].level_keys


def hand_clients() -> pd.DataFrame:
    """Four clients; A complete, B with real figures and gaps, C sparse, D empty."""
    return pd.DataFrame(
        {
            "client_id": ["A", "B", "C", "D"],
            "name": ["Alpha", "Beta", "Gamma", "Delta"],
            "relationship_type": ["partnership", "occasional", "at_risk", None],
            "service_needs": ["total", "basic", None, None],
            "decision_criteria": ["trust;purchase_price", None, None, None],
            "share_of_wallet": ["large", "small", None, None],
            "share_of_wallet_pct": [np.nan, 35.0, np.nan, np.nan],
            "profitability": ["moderate", "high", "low", None],
            "margin_pct": [np.nan, 15.0, np.nan, np.nan],
            "upsell_potential": ["low", "high", None, None],
            "ease_of_collaboration": ["easy", "challenging", None, None],
            "business_outlook": ["stable", "growing", None, None],
            "rnd_collaboration": ["none", "ongoing", None, None],
            "learning_opportunities": ["high", None, None, None],
            # log10(1 + billing) = 3, 1, 5 -> min-max over [1, 5]: 0.5, 0, 1
            "billing": [999.0, 9.0, 99999.0, np.nan],
            # growth: A 999 / 799.2 - 1 = 0.25; B unknown; C 99999 / 199998 - 1 = -0.5
            "billing_previous": [799.2, np.nan, 199998.0, np.nan],
        }
    )


# -- criterion scores by hand ----------------------------------------------
def test_criterion_scores_by_hand():
    got = criterion_scores(hand_clients()).set_index("client_id")
    assert list(got.columns) == scored_criteria()
    assert "service_needs" not in got.columns  # descriptive: feeds no score
    a, b, c = got.loc["A"], got.loc["B"], got.loc["C"]
    assert a["relationship_type"] == 1.0 and b["relationship_type"] == pytest.approx(1 / 3)
    # trust +1, purchase_price -1: mean 0, scaled from [-1, 1] to [0, 1] -> 0.5
    assert a["decision_criteria"] == 0.5
    assert a["share_of_wallet"] == 1.0
    assert b["share_of_wallet"] == pytest.approx(0.35)  # 35 % wins over the level "small"
    assert a["profitability"] == 0.5
    assert b["profitability"] == pytest.approx(0.5)  # margin 15 % of [0, 30] wins over "high"
    assert a["upsell_potential"] == pytest.approx(1 / 3)
    assert (a["billing_size"], b["billing_size"], c["billing_size"]) == pytest.approx((0.5, 0.0, 1.0))
    assert a["billing_growth"] == pytest.approx(0.75)  # (0.25 + 0.5) / 1
    assert c["billing_growth"] == pytest.approx(0.0)
    assert math.isnan(b["billing_growth"]) and math.isnan(b["learning_opportunities"])
    assert got.loc["D"].isna().all()


def test_score_clients_by_hand():
    got = score_clients(hand_clients()).set_index("client_id")
    assert list(got.columns) == [
        "value_score",
        "relationship_score",
        "total_score",
        "coverage",
        "value_coverage",
        "relationship_coverage",
        "insufficient_data",
    ]
    # A value: 1*2 + 0.5*3 + 1/3*2 + 0.5*2 + 0.75*1 = 5.91667 over 10
    # A relationship: 1*3 + 0.5*1 + 1*2 + 0.5*2 + 0*1 + 1*1 = 7.5 over 10
    a = got.loc["A"]
    assert a["value_score"] == pytest.approx(59.1666667)
    assert a["relationship_score"] == pytest.approx(75.0)
    assert a["total_score"] == pytest.approx(100 * 13.4166667 / 20)
    assert (a["coverage"], a["insufficient_data"]) == (1.0, False)
    # B value: 0.35*2 + 0.5*3 + 1*2 + 0*2 = 4.2 over 9 (growth missing)
    # B relationship: 1/3*3 + 0*2 + 1*2 + 1*1 = 4 over 8 (decision criteria, learning missing)
    b = got.loc["B"]
    assert b["value_score"] == pytest.approx(100 * 4.2 / 9)
    assert b["relationship_score"] == pytest.approx(50.0)
    assert b["total_score"] == pytest.approx(100 * 8.2 / 17)  # 48.235
    assert (b["coverage"], b["value_coverage"], b["relationship_coverage"]) == pytest.approx((0.85, 0.9, 0.8))
    assert not b["insufficient_data"]
    # C: profitability 0 (w 3), billing size 1 (w 2), growth 0 (w 1); relationship type 0 (w 3)
    c = got.loc["C"]
    assert c["value_score"] == pytest.approx(100 * 2 / 6)
    assert c["relationship_score"] == 0.0
    assert c["total_score"] == pytest.approx(100 * 2 / 9)
    assert c["coverage"] == pytest.approx(9 / 20)
    assert c["insufficient_data"]  # 0.45 < 0.6
    d = got.loc["D"]
    assert np.isnan(d[["value_score", "relationship_score", "total_score"]].astype(float)).all()
    assert (d["coverage"], d["insufficient_data"]) == (0.0, True)


def test_contributions_by_hand():
    got = contributions(hand_clients()).set_index("client_id")
    crit = scored_criteria()
    assert list(got.columns) == crit + ["total_score"]
    b = got.loc["B"]
    # 100 * w * s / 17 (the weight B has data for)
    assert b["share_of_wallet"] == pytest.approx(100 * 0.7 / 17)
    assert b["profitability"] == pytest.approx(100 * 1.5 / 17)
    assert b["business_outlook"] == pytest.approx(200 / 17)
    assert b["ease_of_collaboration"] == 0.0
    assert math.isnan(b["billing_growth"]) and math.isnan(b["decision_criteria"])
    assert b[crit].sum() == pytest.approx(100 * 8.2 / 17)
    assert got.loc["A", "relationship_type"] == pytest.approx(100 * 3 / 20)
    assert got.loc["D"].isna().all()


def test_contributions_per_axis_sum_to_the_axis_score():
    clients = hand_clients()
    scores = score_clients(clients).set_index("client_id")
    for axis in ("value", "relationship"):
        got = contributions(clients, score=f"{axis}_score").set_index("client_id")
        crit = [k for k in scored_criteria() if CAT.criteria[k].axis == axis]
        assert list(got.columns) == crit + [f"{axis}_score"]
        assert got.loc[["A", "B", "C"], crit].sum(axis=1).to_numpy() == pytest.approx(
            scores.loc[["A", "B", "C"], f"{axis}_score"].to_numpy()
        )
    with pytest.raises(ValueError, match="score="):
        contributions(clients, score="value")


# -- the transforms --------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("trust", 1.0),
        ("purchase_price", 0.0),
        ("ease_of_purchase", 0.5),  # neutral
        ("lifecycle_cost;supplier_quality", 1.0),
        ("trust;purchase_price;ease_of_purchase", 0.5),  # mean(1, -1, 0) = 0 -> 0.5
        ("purchase_price;ease_of_purchase", 0.25),  # mean(-1, 0) = -0.5 -> 0.25
        ("Confiance, Prix d'achat", 0.5),  # French labels, another separator
        ("trust;telepathy", 1.0),  # an unknown token is ignored
        ("telepathy", None),
        ("", None),
    ],
)
def test_decision_criteria_fit(value, expected):
    got = criterion_scores(pd.DataFrame({"client_id": ["X"], "decision_criteria": [value]}))
    fit = got["decision_criteria"].item()
    assert math.isnan(fit) if expected is None else fit == pytest.approx(expected)


def test_positioning_is_configurable():
    cat = load_catalogue({"positioning": {"purchase_price": 1, "trust": -1}})
    got = criterion_scores(
        pd.DataFrame({"client_id": ["X", "Y"], "decision_criteria": ["purchase_price", "trust"]}),
        catalogue=cat,
    )
    assert got["decision_criteria"].tolist() == [1.0, 0.0]


def test_levels_not_normalised_by_the_loader_still_score():
    clients = pd.DataFrame({"client_id": ["X", "Y", "Z"], "profitability": ["Modérée", "ÉLEVÉE", "bof"]})
    got = criterion_scores(clients)["profitability"].tolist()
    assert got[:2] == [0.5, 1.0] and math.isnan(got[2])


def test_level_scores_from_the_catalogue_are_used():
    cat = load_catalogue(
        {
            "criteria": {
                "relationship_type": {
                    "levels": {
                        "at_risk": {"score": 0.0},
                        "occasional": {"score": 0.2},
                        "recurring": {"score": 0.7},
                        "partnership": {"score": 1.0},
                    }
                }
            }
        }
    )
    got = criterion_scores(
        pd.DataFrame({"client_id": ["X"], "relationship_type": ["recurring"]}), catalogue=cat
    )
    assert got["relationship_type"].item() == 0.7


def test_billing_size_without_spread_is_neutral():
    one = criterion_scores(pd.DataFrame({"client_id": ["X"], "billing": [5000.0]}))
    assert one["billing_size"].item() == scoring_settings()["flat_score"] == 0.5
    equal = criterion_scores(pd.DataFrame({"client_id": ["X", "Y", "Z"], "billing": [10.0, 10.0, np.nan]}))
    assert equal["billing_size"].tolist()[:2] == [0.5, 0.5] and math.isnan(equal["billing_size"].iloc[2])
    cat = load_catalogue({"settings": {"scoring": {"flat_score": 1.0}}})
    assert (
        criterion_scores(pd.DataFrame({"client_id": ["X"], "billing": [1.0]}), catalogue=cat)[
            "billing_size"
        ].item()
        == 1.0
    )


def test_billing_size_is_the_portfolio_relative_criterion():
    two = pd.DataFrame({"client_id": ["X", "Y"], "billing": [9.0, 99.0]})  # log10(1+b) = 1, 2
    three = pd.concat([two, pd.DataFrame({"client_id": ["Z"], "billing": [9999.0]})], ignore_index=True)
    assert criterion_scores(two)["billing_size"].tolist() == [0.0, 1.0]
    assert criterion_scores(three)["billing_size"].tolist() == pytest.approx([0.0, 1 / 3, 1.0])


def test_billing_growth():
    clients = pd.DataFrame(
        {
            "client_id": list("VWXYZ"),
            "billing": [150.0, 100.0, 10.0, 100.0, 100.0],
            # growth +0.5 -> 1, 0 -> 0.5, -0.9 clipped to -0.5 -> 0, previous 0 and missing -> undefined
            "billing_previous": [100.0, 100.0, 100.0, 0.0, np.nan],
        }
    )
    got = criterion_scores(clients)["billing_growth"].to_numpy()
    assert got[:3] == pytest.approx([1.0, 0.5, 0.0])
    assert np.isnan(got[3:]).all()


def test_profitability_from_real_figures():
    clients = pd.DataFrame(
        {
            "client_id": list("VWXYZ"),
            "profitability": ["high", "high", "low", "low", "moderate"],
            # margin 45 % -> clipped 1; -10 % -> 0; missing margin: profit / billing = 6 / 100 -> 6 % -> 0.2;
            # Z has no figures: the level's 0.5
            "margin_pct": [45.0, -10.0, np.nan, np.nan, np.nan],
            "profit": [np.nan, np.nan, 6.0, 6.0, np.nan],
            "billing": [np.nan, np.nan, 100.0, 0.0, np.nan],
        }
    )
    got = criterion_scores(clients)["profitability"].tolist()
    assert got == pytest.approx([1.0, 0.0, 0.2, 0.0, 0.5])  # Y: billing 0, no margin: its level "low"
    cat = load_catalogue({"settings": {"scoring": {"margin_pct_range": [0, 60]}}})
    assert criterion_scores(clients, catalogue=cat)["profitability"].iloc[0] == pytest.approx(0.75)


def test_share_of_wallet_percentage_takes_precedence():
    clients = pd.DataFrame(
        {
            "client_id": list("XYZ"),
            "share_of_wallet": ["small", None, "medium"],
            "share_of_wallet_pct": [80.0, 150.0, np.nan],
        }
    )
    assert criterion_scores(clients)["share_of_wallet"].tolist() == pytest.approx([0.8, 1.0, 0.5])
    cat = load_catalogue({"settings": {"scoring": {"share_of_wallet_pct_range": [0, 50]}}})
    assert criterion_scores(clients, catalogue=cat)["share_of_wallet"].tolist() == pytest.approx(
        [1.0, 1.0, 0.5]
    )


def test_absent_columns_count_as_missing():
    got = score_clients(pd.DataFrame({"client_id": ["X", "Y"]}))
    assert got[["value_score", "relationship_score", "total_score"]].isna().all().all()
    assert got["coverage"].tolist() == [0.0, 0.0] and got["insufficient_data"].all()


# -- weights, coverage ---------------------------------------------------------
def test_weights_override():
    # only relationship_type (1) and business_outlook (1) count; B: (1/3 + 1) / 2
    weights = {k: 0 for k in scored_criteria()} | {"relationship_type": 1, "business_outlook": 1}
    got = score_clients(hand_clients(), weights=weights).set_index("client_id")
    assert got.loc["B", "total_score"] == pytest.approx(100 * (4 / 3) / 2)
    assert got.loc["B", "coverage"] == 1.0
    assert np.isnan(got.loc["B", "value_score"]) and np.isnan(got.loc["B", "value_coverage"])
    assert got.loc["C", "coverage"] == 0.5  # has relationship_type, not business_outlook


def test_weights_from_the_catalogue_override():
    cat = load_catalogue({"weights": {"profitability": 6}})
    a = score_clients(hand_clients(), catalogue=cat).set_index("client_id").loc["A"]
    # value: 5.91667 + 0.5 * 3 more weight -> 7.41667 over 13
    assert a["value_score"] == pytest.approx(100 * 7.4166667 / 13)
    assert criterion_weights(catalogue=cat)["profitability"] == 6.0


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"profitabilty": 1}, "did you mean 'profitability'"),
        ({"service_needs": 1}, "descriptive"),
        ({"profitability": -1}, ">= 0"),
        ({"profitability": "high"}, "not a number"),
        ({"profitability": float("nan")}, "finite"),
        ({k: 0 for k in scored_criteria(CAT)}, "weight 0"),
    ],
)
def test_bad_weights_name_the_key(weights, message):
    with pytest.raises(ConfigError, match=message):
        score_clients(hand_clients(), weights=weights)


def test_insufficient_data_threshold():
    clients = hand_clients()  # C covers 9 / 20 = 0.45 of the weight
    flag = lambda **kw: score_clients(clients, **kw).set_index("client_id")["insufficient_data"]  # noqa: E731
    assert flag(min_coverage=0.45)["C"] == False  # noqa: E712 - not below
    assert flag(min_coverage=0.46)["C"] == True  # noqa: E712
    assert flag(min_coverage=0.0).sum() == 0
    cat = load_catalogue({"settings": {"scoring": {"min_coverage": 0.4}}})
    assert score_clients(clients, catalogue=cat)["insufficient_data"].tolist() == [False, False, False, True]
    with pytest.raises(ConfigError, match="min_coverage"):
        score_clients(clients, min_coverage=1.5)


def test_bad_scoring_settings():
    with pytest.raises(ConfigError, match="margin_pct_range"):
        scoring_settings(load_catalogue({"settings": {"scoring": {"margin_pct_range": [30, 0]}}}))
    with pytest.raises(ConfigError, match="did you mean 'min_coverage'"):
        scoring_settings(load_catalogue({"settings": {"scoring": {"min_coverag": 0.5}}}))


def test_client_id_is_required_and_unique():
    with pytest.raises(ValueError, match="client_id"):
        score_clients(pd.DataFrame({"name": ["x"]}))
    with pytest.raises(ValueError, match="not unique"):
        score_clients(pd.DataFrame({"client_id": ["X", "X"]}))


def test_inputs_are_not_mutated_and_order_is_kept():
    clients = hand_clients().iloc[::-1].set_index(pd.Index([10, 20, 30, 40]))
    before = clients.copy()
    got = score_clients(clients)
    contributions(clients)
    pd.testing.assert_frame_equal(clients, before)
    assert got["client_id"].tolist() == ["D", "C", "B", "A"]


# -- rank-order centroid -------------------------------------------------------
def test_rank_order_centroid_values():
    got = rank_order_centroid(["profitability", "relationship_type", "share_of_wallet", "upsell_potential"])
    assert list(got) == ["profitability", "relationship_type", "share_of_wallet", "upsell_potential"]
    # (1/4)(1 + 1/2 + 1/3 + 1/4) = 25/48, 13/48, 7/48, 3/48
    assert [round(w, 4) for w in got.values()] == [0.5208, 0.2708, 0.1458, 0.0625]
    assert list(got.values()) == pytest.approx([25 / 48, 13 / 48, 7 / 48, 3 / 48])
    assert rank_order_centroid(["profitability"]) == {"profitability": 1.0}


def test_rank_order_centroid_ties_and_errors():
    # n = 3: 11/18, 5/18, 2/18; a and b share (11/18 + 5/18) / 2 = 4/9
    got = rank_order_centroid([["a", "b"], "c"])
    assert got == pytest.approx({"a": 4 / 9, "b": 4 / 9, "c": 1 / 9})
    with pytest.raises(ValueError, match="empty"):
        rank_order_centroid([])
    with pytest.raises(ValueError, match="more than once"):
        rank_order_centroid(["a", "b", "a"])


def test_rank_order_centroid_feeds_score_clients():
    ranking = ["profitability", "relationship_type"] + [
        k for k in scored_criteria() if k not in ("profitability", "relationship_type")
    ]
    weights = rank_order_centroid(ranking)
    assert sum(weights.values()) == pytest.approx(1.0)
    got = score_clients(hand_clients(), weights=weights)
    assert got["total_score"].between(0, 100).sum() == 3


# -- invariants (hypothesis) ---------------------------------------------------
def _level(key):
    return st.sampled_from(CAT.criteria[key].level_keys + [None])


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def client_rows(draw, n_min=1, n_max=8, numeric=True):
    n = draw(st.integers(n_min, n_max))
    rows = []
    for i in range(n):
        row = {"client_id": f"C{i}"}
        for key in ORDINAL:
            row[key] = draw(_level(key))
        picks = draw(st.lists(st.sampled_from(DECISIONS), max_size=3, unique=True))
        row["decision_criteria"] = ";".join(picks) or None
        row["margin_pct"] = draw(_maybe(st.floats(-50, 80)))
        row["share_of_wallet_pct"] = draw(_maybe(st.floats(0, 100)))
        if numeric:
            row["billing"] = draw(_maybe(st.floats(1, 1e9)))
            row["billing_previous"] = draw(_maybe(st.floats(0, 1e9)))
            row["profit"] = draw(_maybe(st.floats(-1e6, 1e6)))
        rows.append(row)
    return pd.DataFrame(rows)


def _frame(rows: pd.DataFrame) -> pd.DataFrame:
    # the loader's dtypes: missing as NaN in float columns
    return rows.astype(
        {
            c: "float64"
            for c in ("margin_pct", "share_of_wallet_pct", "billing", "billing_previous", "profit")
            if c in rows
        }
    )


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(client_rows())
def test_scores_stay_in_range_and_contributions_sum(rows):
    clients = _frame(rows)
    got = score_clients(clients, catalogue=CAT)
    for col in ("value_score", "relationship_score", "total_score"):
        known = got[col].dropna()
        assert ((known >= -1e-9) & (known <= 100 + 1e-9)).all()
    assert got["coverage"].between(0, 1).all()
    parts = contributions(clients, catalogue=CAT)
    crit = scored_criteria(CAT)
    has = got["total_score"].notna()
    assert parts.loc[has, crit].sum(axis=1).to_numpy() == pytest.approx(
        got.loc[has, "total_score"].to_numpy()
    )
    assert parts.loc[~has, crit].isna().all().all()


def _extreme(best: bool, draw) -> dict:
    row = {key: CAT.criteria[key].level_keys[-1 if best else 0] for key in ORDINAL}
    row["decision_criteria"] = draw(
        st.sampled_from(["trust;supplier_quality", "lifecycle_cost", "trust"] if best else ["purchase_price"])
    )
    row["margin_pct"] = draw(st.sampled_from([None, 45.0] if best else [None, -5.0, 0.0]))
    row["share_of_wallet_pct"] = draw(st.sampled_from([None, 100.0] if best else [None, 0.0]))
    row["profit"] = None
    # billing beyond every other client's; growth beyond the clip
    row["billing"], row["billing_previous"] = (2e9, 1e9) if best else (0.0, 100.0)
    return row


@FAST
@given(client_rows(n_min=0), st.data())
def test_best_client_scores_100_and_worst_0(rows, data):
    best = {"client_id": "BEST", **_extreme(True, data.draw)}
    worst = {"client_id": "WORST", **_extreme(False, data.draw)}
    clients = _frame(pd.concat([rows, pd.DataFrame([best, worst])], ignore_index=True))
    got = score_clients(clients, catalogue=CAT).set_index("client_id")
    for col in ("value_score", "relationship_score", "total_score"):
        assert got.loc["BEST", col] == pytest.approx(100.0)
        assert got.loc["WORST", col] == pytest.approx(0.0, abs=1e-9)
    assert got.loc["BEST", "coverage"] == got.loc["WORST", "coverage"] == 1.0


@FAST
@given(
    client_rows(),
    st.dictionaries(st.sampled_from(scored_criteria(CAT)), st.floats(0.01, 100)),
    st.floats(1e-3, 1e3),
)
def test_scaling_all_weights_changes_nothing(rows, overrides, factor):
    clients = _frame(rows)
    weights = criterion_weights(catalogue=CAT).to_dict() | overrides
    base = score_clients(clients, catalogue=CAT, weights=weights)
    scaled = score_clients(clients, catalogue=CAT, weights={k: w * factor for k, w in weights.items()})
    for col in ("value_score", "relationship_score", "total_score", "coverage"):
        np.testing.assert_allclose(scaled[col], base[col], rtol=1e-9, atol=1e-9)


@FAST
@given(client_rows(numeric=False), client_rows(n_min=1, n_max=1, numeric=False))
def test_adding_a_client_leaves_the_others_unchanged(rows, extra):
    # every criterion except billing size is scored on the client alone
    clients = _frame(rows)
    extra = _frame(extra).assign(client_id="NEW")
    before = score_clients(clients, catalogue=CAT)
    after = score_clients(pd.concat([clients, extra], ignore_index=True), catalogue=CAT).iloc[: len(clients)]
    pd.testing.assert_frame_equal(after.reset_index(drop=True), before)
