"""Tests of portfolio_analysis.steps.retention: the article's figures and scenarios worked out by hand.

Hand figures: 0.525 ** (1/5) = exp(ln 0.525 / 5) = exp(-0.128871) = 0.879087 (churn 12.09 %);
r = 0.8, d = 0.10 → CLV = m × 0.8 / 0.3 = 2.6667 m; r = 0.85 → m × 0.85 / 0.25 = 3.4 m.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_analysis.config.catalogue import ConfigError, load_catalogue
from portfolio_analysis.steps import retention as ret
from portfolio_analysis.steps.concentration import client_profit

CAT = load_catalogue()
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "clients.csv"


def hand_register() -> pd.DataFrame:
    """A keeps growing; B's relationship is at risk; C is failing and loses money; D declines 50 %."""
    return pd.DataFrame(
        {
            "client_id": ["A", "B", "C", "D"],
            "billing": [1000.0, 500.0, 400.0, 100.0],
            "billing_previous": [900.0, 500.0, 400.0, 200.0],
            "profit": [200.0, 100.0, -100.0, 50.0],
            "relationship_type": ["partnership", "at_risk", "recurring", "occasional"],
            "business_outlook": ["growing", "stable", "failing", "stable"],
        }
    )


# -- the article's figures ----------------------------------------------------------
def test_annual_retention_from_the_article():
    r = ret.annual_retention(0.475, 5)
    assert r == pytest.approx(0.879087, abs=1e-6)
    assert (1 - r) * 100 == pytest.approx(12.1, abs=0.05)
    assert ret.annual_retention(0.45, 5) == pytest.approx(0.55 ** 0.2)
    assert ret.annual_retention(0.50, 5) == pytest.approx(0.870551, abs=1e-6)
    assert ret.annual_retention(0.0, 5) == 1.0
    assert ret.annual_retention(0.19, 2) == pytest.approx(0.9)  # 0.9² = 0.81 kept
    with pytest.raises(ValueError):
        ret.annual_retention(1.2, 5)
    with pytest.raises(ValueError):
        ret.annual_retention(0.4, 0)


def test_lifetime_value_known_value_and_convention():
    assert ret.lifetime_value(1.0, 0.8, 0.10) == pytest.approx(8 / 3)
    assert ret.lifetime_value(300.0, 0.8, 0.10) == pytest.approx(800.0)
    assert ret.lifetime_value(10.0, 0.5, 0.0) == pytest.approx(10.0)  # 10 × (1/2 + 1/4 + …)
    assert ret.lifetime_value(-30.0, 0.8, 0.10) == pytest.approx(-80.0)  # a loss-maker costs
    assert ret.lifetime_value(10.0, 0.0, 0.10) == 0.0
    # the convention: first margin one period from now, after surviving it
    t = np.arange(1, 400)
    assert ret.lifetime_value(7.0, 0.8, 0.10) == pytest.approx(np.sum(7.0 * 0.8**t / 1.1**t))
    s = ret.lifetime_value(pd.Series([3.0, 6.0], index=["x", "y"]), 0.8, 0.10)
    assert isinstance(s, pd.Series) and s.tolist() == pytest.approx([8.0, 16.0])
    arr = ret.lifetime_value(np.array([3.0, 3.0]), np.array([0.8, 0.85]), 0.10)
    assert arr.tolist() == pytest.approx([8.0, 10.2])


def test_lifetime_value_rejects_impossible_parameters():
    with pytest.raises(ValueError, match="between 0 and 1"):
        ret.lifetime_value(1.0, 1.1)
    with pytest.raises(ValueError, match="finite"):
        ret.lifetime_value(1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="discount"):
        ret.lifetime_value(1.0, 0.8, -0.1)


@settings(max_examples=60, deadline=None)
@given(st.integers(-10**6, 10**6).map(float), st.floats(0.01, 0.99), st.floats(0.0, 0.5))
def test_lifetime_value_is_the_margin_times_a_positive_multiple(m, r, d):
    clv = ret.lifetime_value(m, r, d)
    assert clv == pytest.approx(m * r / (1 + d - r))
    assert np.sign(clv) == np.sign(m) or r == 0 or m == 0
    assert abs(ret.lifetime_value(m, r + 0.005, d)) >= abs(clv) - 1e-6  # more retention, more at stake


def test_assumptions_defaults_and_overrides():
    a = ret.retention_assumptions()
    assert a["annual_retention"] == pytest.approx(0.879087, abs=1e-6)
    assert a["annual_churn"] == pytest.approx(0.120913, abs=1e-6)
    assert a["annual_retention_range"] == pytest.approx((0.870551, 0.887304), abs=1e-6)
    assert a["acquisition_cost_multiple"] == 20 and a["acquisition_cost_range"] == (5, 25)
    assert a["literature_profit_uplift"] == (0.25, 0.85) and a["retention_uplift"] == 0.05
    assert a["expected_lifetime_years"] == pytest.approx(1 / 0.120913, rel=1e-5)
    assert a["lifetime_multiple"] == pytest.approx(0.879087 / (1.1 - 0.879087), rel=1e-5)
    b = ret.retention_assumptions(lost_share=(0.5, 0.5), discount_rate=0.0)
    assert b["annual_retention"] == pytest.approx(0.5**0.2)
    c = ret.retention_assumptions(annual_retention=0.8)
    assert c["annual_retention"] == 0.8 and c["lifetime_multiple"] == pytest.approx(8 / 3)
    with pytest.raises(TypeError, match="churn"):
        ret.retention_assumptions(churn=0.1)


def test_settings_from_the_catalogue_are_checked():
    cat = load_catalogue({"settings": {"retention": {"annual_retention": 0.9, "discount_rate": 0.05}}})
    a = ret.retention_assumptions(catalogue=cat)
    assert a["annual_retention"] == 0.9 and a["discount_rate"] == 0.05
    with pytest.raises(ConfigError, match="discount_rte.*discount_rate"):
        ret.retention_settings(load_catalogue({"settings": {"retention": {"discount_rte": 0.05}}}))
    with pytest.raises(ConfigError, match="lost_share"):
        ret.retention_settings(load_catalogue({"settings": {"retention": {"lost_share": [0.5, 0.4]}}}))
    with pytest.raises(ConfigError, match="annual_retention"):
        ret.retention_settings(load_catalogue({"settings": {"retention": {"annual_retention": 1.5}}}))


# -- per client -------------------------------------------------------------------
def test_at_risk_clients_and_reasons():
    reg = pd.DataFrame(
        {
            "client_id": ["rel", "fail", "down15", "down10", "ok", "blank"],
            "billing": [100.0, 100.0, 85.0, 90.0, 100.0, np.nan],
            "billing_previous": [100.0, 100.0, 100.0, 100.0, 100.0, np.nan],
            "relationship_type": ["at_risk", "recurring", "recurring", "recurring", "partnership", pd.NA],
            "business_outlook": ["failing", "failing", "stable", "growing", "stable", pd.NA],
        }
    )
    out = ret.at_risk_clients(reg, catalogue=CAT)
    assert out["at_risk"].tolist() == [True, True, True, True, False, False]  # -10 % is inclusive
    assert out["reasons"].tolist() == [
        "relationship at risk; failing outlook",
        "failing outlook",
        "billing -15 % on the previous year",
        "billing -10 % on the previous year",
        "",
        "",
    ]
    assert ret.at_risk_clients(reg, declining_threshold=-0.12)["at_risk"].tolist()[2:4] == [True, False]


def test_client_lifetime_values_and_portfolio_value():
    reg = pd.DataFrame({"client_id": ["a", "b", "c"], "billing": [1000.0, 500.0, 100.0]})
    pf = pd.DataFrame({"client_id": ["c", "a", "b"], "profit": [np.nan, 150.0, -75.0]})
    lv = ret.client_lifetime_values(reg, pf, retention=0.8, discount_rate=0.10)
    assert lv["client_id"].tolist() == ["a", "b", "c"]
    assert lv["lifetime_value"].tolist()[:2] == pytest.approx([400.0, -200.0])
    assert np.isnan(lv["lifetime_value"].iloc[2])
    assert ret.portfolio_value(lv) == pytest.approx(200.0)
    per_client = ret.client_lifetime_values(reg, pf, retention={"a": 0.5}, discount_rate=0.0)
    # a at 0.5: 150 × 0.5/0.5; b takes the portfolio's implied retention
    r = ret.annual_retention(0.475, 5)
    assert per_client["lifetime_value"].tolist()[:2] == pytest.approx([150.0, -75 * r / (1 - r)])
    assert np.isnan(ret.portfolio_value(lv.assign(lifetime_value=np.nan)))


# -- scenarios --------------------------------------------------------------------
def test_scenarios_by_hand():
    reg = hand_register()
    sc = ret.retention_scenarios(reg, retention=0.8, discount_rate=0.10, end_ids=["C"],
                                 retention_cost_per_client=10.0, catalogue=CAT).set_index("scenario")
    assert list(sc.index) == ["base", "retention_plus", "lose_at_risk", "end_clients",
                              "literature_low", "literature_high"]
    assert list(sc.reset_index().columns) == ret.SCENARIO_COLUMNS

    base = sc.loc["base"]
    assert (base["billing"], base["profit"]) == pytest.approx((2000.0, 250.0))
    assert base["portfolio_value"] == pytest.approx(250 * 8 / 3)
    assert base["n_clients"] == 4

    up = sc.loc["retention_plus"]  # r 0.80 → 0.85: multiple 8/3 → 3.4
    assert up["portfolio_value"] == pytest.approx(850.0)
    assert up["value_change"] == pytest.approx(850 - 2000 / 3)
    assert (up["billing_change"], up["profit_change"]) == pytest.approx((100.0, 12.5))
    assert up["profit_change_pct"] == pytest.approx(5.0)

    risk = sc.loc["lose_at_risk"]  # B (relationship), C (failing), D (billing -50 %)
    assert risk["n_clients"] == 3
    assert risk["billing_change"] == pytest.approx(-1000.0)
    assert risk["profit_change"] == pytest.approx(-50.0)
    assert risk["profit"] == pytest.approx(200.0)
    assert risk["value_change"] == pytest.approx(-50 * 8 / 3)
    assert risk["cost_freed"] == pytest.approx(400 + 500 + 50)
    assert risk["replacement_cost"] == pytest.approx(3 * 10 * 20)
    assert "20×" in risk["caveat"]

    end = sc.loc["end_clients"]  # ending the loss-maker C raises profit
    assert end["n_clients"] == 1
    assert end["billing_change"] == pytest.approx(-400.0)
    assert end["cost_freed"] == pytest.approx(500.0)
    assert end["profit_change"] == pytest.approx(100.0)
    assert end["profit"] == pytest.approx(350.0)
    assert end["profit_change_pct"] == pytest.approx(40.0)
    assert end["value_change"] == pytest.approx(100 * 8 / 3)
    assert "fixed costs" in end["caveat"] and np.isnan(end["replacement_cost"])

    low, high = sc.loc["literature_low"], sc.loc["literature_high"]
    assert (low["profit_change"], high["profit_change"]) == pytest.approx((62.5, 212.5))
    assert (low["profit_change_pct"], high["profit_change_pct"]) == pytest.approx((25.0, 85.0))
    assert "Literature" in low["label"] and "not a prediction" in high["caveat"]


def test_scenario_parameters_and_defaults():
    reg = hand_register()
    sc = ret.retention_scenarios(reg, retention=0.8, discount_rate=0.10, retention_uplift=0.10,
                                 literature_profit_uplift=(0.1, 0.2), catalogue=CAT).set_index("scenario")
    # r 0.9: 0.9 / 0.2 = 4.5 × 250
    assert sc.loc["retention_plus", "portfolio_value"] == pytest.approx(1125.0)
    assert "+10 points" in sc.loc["retention_plus", "label"]
    assert sc.loc["literature_high", "profit_change"] == pytest.approx(50.0)
    # nothing to end: zero change; no retention cost: no replacement cost
    assert sc.loc["end_clients", "n_clients"] == 0 and sc.loc["end_clients", "profit_change"] == 0
    assert np.isnan(sc.loc["lose_at_risk", "replacement_cost"])
    # defaults: the implied retention and 10 %
    r = ret.annual_retention(0.475, 5)
    default = ret.retention_scenarios(reg, catalogue=CAT).set_index("scenario")
    assert default.loc["base", "portfolio_value"] == pytest.approx(250 * r / (1.1 - r))
    with pytest.raises(KeyError, match="Z9"):
        ret.retention_scenarios(reg, end_ids=["A", "Z9"], catalogue=CAT)


def test_scenarios_flag_estimated_profit_and_missing_profit():
    reg = hand_register().assign(profit=[200.0, np.nan, -100.0, np.nan],
                                 profitability=[pd.NA, "high", pd.NA, pd.NA])
    pf = client_profit(reg, catalogue=CAT)  # B: 20 % of 500, estimated; D: no figure
    sc = ret.retention_scenarios(reg, pf, retention=0.8, discount_rate=0.10, end_ids=["D"],
                                 catalogue=CAT).set_index("scenario")
    assert sc.loc["base", "profit"] == pytest.approx(200.0)  # 200 + 100 - 100
    assert sc.loc["base", "profit_is_estimated"] and sc.loc["base", "n_without_profit"] == 1
    assert sc.loc["lose_at_risk", "profit_is_estimated"]
    assert sc.loc["end_clients", "n_without_profit"] == 1
    assert not sc.loc["end_clients", "profit_is_estimated"]


def test_on_the_sample_portfolio():
    if not SAMPLE.exists():
        pytest.skip("no sample portfolio")
    from portfolio_analysis.load.register import load_clients

    clients = load_clients(SAMPLE)
    sc = ret.retention_scenarios(clients).set_index("scenario")
    assert sc.loc["retention_plus", "value_change"] > 0
    assert sc.loc["lose_at_risk", "n_clients"] > 0
