"""Tests of portfolio_analysis.steps.concentration: values worked out by hand, and invariants."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from portfolio_analysis.config.catalogue import ConfigError, load_catalogue  # noqa: E402
from portfolio_analysis.plots.concentration import plot_lorenz, plot_whale_curve  # noqa: E402
from portfolio_analysis.steps import concentration as conc  # noqa: E402

CAT = load_catalogue()
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "clients.csv"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _profits(values, ids=None) -> pd.DataFrame:
    ids = ids or [f"c{i:03d}" for i in range(len(values))]
    return pd.DataFrame({"client_id": ids, "profit": np.asarray(values, dtype=float)})


# -- profit -----------------------------------------------------------------------
def test_client_profit_precedence_and_estimate_flag():
    reg = pd.DataFrame(
        {
            "client_id": ["real", "margin", "level", "nothing", "no_billing"],
            "billing": [1000.0, 2000.0, 3000.0, 500.0, np.nan],
            "profit": [-50.0, np.nan, np.nan, np.nan, np.nan],
            "margin_pct": [40.0, 15.0, np.nan, np.nan, np.nan],
            "profitability": ["high", "low", "moderate", pd.NA, "high"],
        }
    )
    out = conc.client_profit(reg, catalogue=CAT)
    # real profit beats the margin; 15 % of 2000; 10 % (moderate) of 3000; no level; no billing
    assert out["profit"].tolist()[:3] == pytest.approx([-50.0, 300.0, 300.0])
    assert out["profit"].isna().tolist() == [False, False, False, True, True]
    assert out["profit_is_estimated"].tolist() == [False, False, True, False, False]
    assert out["profit_source"].tolist()[:3] == ["profit", "margin_pct", "profitability"]
    assert reg["profit"].isna().sum() == 4  # input untouched


def test_client_profit_margins_from_the_catalogue_and_argument():
    cat = load_catalogue({"settings": {"concentration": {"margin_by_level": {"moderate": 0.3}}}})
    reg = pd.DataFrame({"client_id": ["a", "b"], "billing": [100.0, 100.0], "profitability": ["moderate", "high"]})
    out = conc.client_profit(reg, catalogue=cat)
    # an analyst's YAML is merged into the catalogue: "moderate" changes, "high" keeps its 20 %
    assert out["profit"].tolist() == pytest.approx([30.0, 20.0])
    out = conc.client_profit(reg, margin_by_level={"moderate": -0.05, "high": 0.5})
    assert out["profit"].tolist() == pytest.approx([-5.0, 50.0])


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="abc_cutof"):
        conc.concentration_settings(load_catalogue({"settings": {"concentration": {"abc_cutof": [70, 90]}}}))
    with pytest.raises(ConfigError, match="abc_cutoffs"):
        conc.concentration_settings(load_catalogue({"settings": {"concentration": {"abc_cutoffs": [95, 80]}}}))
    with pytest.raises(ConfigError, match="superb"):
        conc.concentration_settings(
            load_catalogue({"settings": {"concentration": {"margin_by_level": {"superb": 0.3}}}})
        )
    cfg = conc.concentration_settings(load_catalogue({"settings": {"concentration": {"abc_cutoffs": [70, 90]}}}))
    assert cfg["abc_cutoffs"] == (70.0, 90.0) and cfg["major_customer_pct"] == 10.0


# -- whale curve ------------------------------------------------------------------
def test_whale_curve_known_value_100_clients():
    # total 1000: top 20 make 2000 (+200 %), middle 70 make 0, bottom 10 lose 1000 (-100 %)
    values = [100.0] * 20 + [0.0] * 70 + [-100.0] * 10
    w = conc.whale_curve(_profits(values))
    assert w.total_profit == pytest.approx(1000.0)
    assert w.peak_pct == pytest.approx(200.0)
    assert w.clients_at_peak_pct == pytest.approx(20.0)
    assert w.n_loss_making == 10 and w.n_profitable == 20 and w.n_clients == 100
    assert w.loss_tail_cost_pct == pytest.approx(100.0)
    assert w.curve["cum_profit_pct"].iloc[-1] == pytest.approx(100.0)
    assert w.curve["cum_profit_pct"].iloc[89] == pytest.approx(200.0)  # flat over the middle 70


def test_whale_curve_middle_about_zero():
    # the middle 70 alternate +1 / -1: peak = (2000 + 35) / 1000 = 203.5 %, near 200 %
    values = [100.0] * 20 + [1.0, -1.0] * 35 + [-100.0] * 10
    w = conc.whale_curve(_profits(values))
    assert w.peak_pct == pytest.approx(203.5)
    assert abs(w.peak_pct - 200) < 5
    assert w.clients_at_peak_pct == pytest.approx(55.0)
    assert w.loss_tail_cost_pct == pytest.approx(103.5)


def test_whale_curve_small_by_hand():
    w = conc.whale_curve(_profits([0.0, -100.0, 300.0], ids=["b", "c", "a"]))
    assert w.curve["client_id"].tolist() == ["a", "b", "c"]
    assert w.curve["rank"].tolist() == [1, 2, 3]
    assert w.curve["cum_profit_pct"].tolist() == pytest.approx([150.0, 150.0, 100.0])
    assert w.curve["cum_clients_pct"].tolist() == pytest.approx([100 / 3, 200 / 3, 100.0])
    assert (w.peak_pct, w.clients_at_peak_pct) == pytest.approx((150.0, 100 / 3))
    assert w.loss_tail_cost_pct == pytest.approx(50.0)
    assert w.summary()["n_loss_making"] == 1


def test_whale_curve_ties_by_client_id_and_missing_profit_counted():
    w = conc.whale_curve(_profits([5.0, 5.0, np.nan, 5.0], ids=["z", "m", "x", "a"]))
    assert w.curve["client_id"].tolist() == ["a", "m", "z"]
    assert w.n_excluded == 1 and w.n_clients == 3
    assert w.loss_tail_cost_pct == 0.0 and not np.signbit(w.loss_tail_cost_pct)
    assert w.peak_pct == 100.0 and w.clients_at_peak_pct == 100.0


@pytest.mark.parametrize(("values", "shown"), [([100.0, -100.0], "0.00"), ([50.0, -150.0], "-100.00"),
                                               ([0.1, 0.2, -0.3], "0.00")])
def test_no_profit_is_a_clear_error(values, shown):
    with pytest.raises(conc.NoProfitError, match=f"total profit .* is {shown}") as err:
        conc.whale_curve(_profits(values))
    assert isinstance(err.value, ValueError)


def test_no_profit_figure_at_all():
    with pytest.raises(conc.NoProfitError, match="no client has a profit"):
        conc.whale_curve(_profits([np.nan, np.nan]))


def test_estimated_profit_is_flagged_through_to_the_plot():
    reg = pd.DataFrame({"client_id": ["a", "b", "c"], "billing": [1000.0, 1000.0, 1000.0],
                        "profit": [200.0, -20.0, np.nan], "profitability": [pd.NA, pd.NA, "low"]})
    w = conc.whale_curve(conc.client_profit(reg, catalogue=CAT))
    assert w.profit_is_estimated and w.n_estimated == 1
    assert w.curve.set_index("client_id").loc["c", "profit_is_estimated"]
    assert w.total_profit == pytest.approx(200.0)  # 200 - 20 + 2 % of 1000
    ax = plot_whale_curve(w)
    assert "estimated" in ax.get_title(loc="left")
    real = conc.whale_curve(_profits([200.0, -20.0]))
    assert not real.profit_is_estimated
    assert "estimated" not in plot_whale_curve(real).get_title(loc="left")


def test_plot_whale_curve_draws_peak_line_and_tail():
    w = conc.whale_curve(_profits([100.0] * 2 + [0.0] * 6 + [-50.0] * 2))
    fig, ax = plt.subplots()
    assert plot_whale_curve(w, ax=ax) is ax
    curve_line = ax.get_lines()[0]
    assert curve_line.get_xdata()[0] == 0 and curve_line.get_ydata()[-1] == pytest.approx(100.0)
    assert max(curve_line.get_ydata()) == pytest.approx(200.0)
    assert any(list(line.get_ydata()) == [100, 100] for line in ax.get_lines()[1:])
    assert "peak 200 %" in " ".join(t.get_text() for t in ax.texts)
    assert len(ax.patches) == 1  # the loss-making tail
    assert ax.patches[0].get_x() == pytest.approx(80.0)
    # the curve table alone works too
    assert plot_whale_curve(w.curve) is not None


profit_lists = st.lists(st.integers(-1000, 1000), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None)
@given(profit_lists)
def test_whale_curve_invariants(values):
    assume(sum(values) > 0)
    w = conc.whale_curve(_profits(values))
    cum = w.curve["cum_profit_pct"].to_numpy()
    clients = w.curve["cum_clients_pct"].to_numpy()
    positive = sum(v for v in values if v > 0)
    assert cum[-1] == pytest.approx(100.0)
    assert w.peak_pct == pytest.approx(positive / sum(values) * 100)
    assert w.peak_pct >= 100 - 1e-9
    assert w.peak_pct == pytest.approx(100 + w.loss_tail_cost_pct)
    assert clients[-1] == pytest.approx(100.0)
    assert np.all(np.diff(clients) > 0)
    assert np.all(np.diff(w.curve["profit"].to_numpy()) <= 0)


# -- billing concentration -------------------------------------------------------
def test_gini_known_values():
    assert conc.gini([5, 5, 5, 5]) == 0.0
    assert conc.gini([1, 0, 0, 0]) == pytest.approx(0.75)  # (n - 1) / n, no n / (n - 1) correction
    assert conc.gini([1, 3]) == pytest.approx(0.25)  # |1-3| * 2 / (2 * 2² * 2)
    assert conc.gini([50] + [5] * 10) == pytest.approx(9 / 22)  # 900 / (2 * 121 * 100/11)
    assert np.isnan(conc.gini([])) and np.isnan(conc.gini([0, 0]))
    assert conc.gini([1, np.nan, 0, 0, 0]) == pytest.approx(0.75)  # missing ignored
    with pytest.raises(ValueError, match="negative"):
        conc.gini([1, -1])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50), st.floats(1e-3, 1e3))
def test_gini_in_range_and_scale_invariant(values, scale):
    assume(sum(values) > 1e-6)
    g = conc.gini(values)
    assert 0 <= g < 1
    assert conc.gini([v * scale for v in values]) == pytest.approx(g, abs=1e-9)


def test_hhi_known_values():
    assert conc.hhi([7.0] * 10) == pytest.approx(1000.0)
    assert conc.hhi([50] + [5] * 10) == pytest.approx(2750.0)
    assert conc.hhi([42.0]) == pytest.approx(10_000.0)
    assert conc.equivalent_number(1000.0) == pytest.approx(10.0)
    assert conc.equivalent_number(conc.hhi([50] + [5] * 10)) == pytest.approx(10_000 / 2750)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50))
def test_hhi_bounds(values):
    assume(sum(values) > 1e-6)
    h = conc.hhi(values)
    assert 10_000 / len(values) * (1 - 1e-9) <= h <= 10_000 * (1 + 1e-9)


def test_top_shares():
    assert conc.top_shares([20, 40, 10, 30], ns=(1, 2, 5)) == pytest.approx({1: 40.0, 2: 70.0, 5: 100.0})
    shares = conc.top_shares([50] + [5] * 10)
    assert shares == pytest.approx({1: 50.0, 5: 70.0, 10: 95.0})


def test_lorenz_curve_largest_first():
    curve = conc.lorenz_curve(pd.Series([10.0, 60.0, 30.0, np.nan], index=["a", "b", "c", "d"]))
    assert curve["client_id"].tolist() == ["b", "c", "a"]
    assert curve["cum_billing_pct"].tolist() == pytest.approx([60.0, 90.0, 100.0])
    assert curve["cum_clients_pct"].tolist() == pytest.approx([100 / 3, 200 / 3, 100.0])


def test_abc_boundary_rule():
    # before each client: 0, 40, 80, 95 -> A, A, B (starts exactly at 80), C (starts exactly at 95)
    out = conc.abc_classes(pd.Series([40.0, 40.0, 15.0, 5.0], index=list("abcd")))
    assert out["abc_class"].tolist() == ["A", "A", "B", "C"]
    # the client that crosses a cut-off stays in the upper class: b takes 50 -> 90 %, c 90 -> 96 %
    out = conc.abc_classes(pd.Series([50.0, 40.0, 6.0, 4.0], index=list("abcd")))
    assert out["abc_class"].tolist() == ["A", "A", "B", "C"]
    assert out["cum_before_pct"].tolist() == pytest.approx([0, 50, 90, 96])
    # float noise on the boundary: 0.7 + 0.1 is 80 % of the total, so the third client is B
    out = conc.abc_classes(pd.Series([0.7, 0.1, 0.1, 0.1], index=list("abcd")))
    assert out["abc_class"].tolist() == ["A", "A", "B", "B"]
    # 5.43 + 2.57 is 80 % of 10, but the float cumulative share before the third is 79.999…
    out = conc.abc_classes(pd.Series([5.43, 2.57, 2.0], index=list("abc")))
    assert out["cum_before_pct"].iloc[2] < 80
    assert out["abc_class"].tolist() == ["A", "A", "B"]
    out = conc.abc_classes(pd.Series([40.0, 40.0, 15.0, 5.0], index=list("abcd")), cutoffs=(30, 85))
    assert out["abc_class"].tolist() == ["A", "B", "B", "C"]  # before: 0 < 30, 40 and 80 < 85, 95


def test_abc_keeps_clients_without_billing_and_checks_cutoffs():
    reg = pd.DataFrame({"client_id": ["a", "b", "c"], "billing": [10.0, np.nan, 90.0]})
    out = conc.abc_classes(reg)
    assert out["client_id"].tolist() == ["c", "a", "b"]
    assert out["abc_class"].tolist()[:2] == ["A", "B"] and pd.isna(out["abc_class"].iloc[2])
    with pytest.raises(ConfigError):
        conc.abc_classes(reg, cutoffs=(90, 80))


def test_major_customers_inclusive_at_10_pct():
    out = conc.major_customers(pd.Series([10.0, 20.0, 30.0, 40.0], index=list("abcd")))
    assert out["client_id"].tolist() == ["d", "c", "b", "a"]  # a holds exactly 10 %
    assert out["share_pct"].tolist() == pytest.approx([40, 30, 20, 10])
    assert conc.major_customers(pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd")))["client_id"].tolist()[-1] == "a"
    out = conc.major_customers(pd.Series([9.99, 20.0, 30.0, 40.01], index=list("abcd")))
    assert "a" not in out["client_id"].tolist() and len(out) == 3
    assert conc.major_customers(pd.Series([10.0, 20.0, 30.0, 40.0], index=list("abcd")),
                                threshold_pct=30)["client_id"].tolist() == ["d", "c"]


def test_concentration_summary_by_hand():
    reg = pd.DataFrame({"client_id": ["big"] + [f"s{i}" for i in range(10)] + ["none"],
                        "billing": [50.0] + [5.0] * 10 + [np.nan]})
    s = conc.concentration_summary(reg, catalogue=CAT)
    assert s["n_clients"] == 11 and s["n_without_billing"] == 1 and s["total_billing"] == 100.0
    assert s["gini"] == pytest.approx(9 / 22)
    assert s["hhi"] == pytest.approx(2750.0)
    assert s["equivalent_number"] == pytest.approx(10_000 / 2750)
    assert (s["top_1_pct"], s["top_5_pct"], s["top_10_pct"]) == pytest.approx((50.0, 70.0, 95.0))
    # before: 0, 50, 55, ..., 75 -> 7 A; 80, 85, 90 -> 3 B; 95 -> 1 C
    assert s["abc_counts"] == {"A": 7, "B": 3, "C": 1}
    assert s["abc_billing_pct"] == pytest.approx({"A": 80.0, "B": 15.0, "C": 5.0})
    assert s["major_customer_ids"] == ["big"]


def test_plot_lorenz():
    curve = conc.lorenz_curve(pd.Series([50.0, 30.0, 15.0, 5.0], index=list("abcd")))
    ax = plot_lorenz(curve, cutoffs=(80, 95))
    lines = ax.get_lines()
    assert list(lines[0].get_ydata()) == pytest.approx([0, 50, 80, 95, 100])
    assert list(lines[1].get_xdata()) == [0, 100] and list(lines[1].get_ydata()) == [0, 100]
    assert {tuple(line.get_ydata()) for line in lines[2:]} == {(80, 80), (95, 95)}


def test_on_the_sample_portfolio():
    if not SAMPLE.exists():
        pytest.skip("no sample portfolio")
    from portfolio_analysis.load.register import load_clients

    clients = load_clients(SAMPLE)
    w = conc.whale_curve(conc.client_profit(clients))
    assert w.peak_pct > 100 and w.n_loss_making > 0 and not w.profit_is_estimated
    s = conc.concentration_summary(clients)
    assert 0 < s["gini"] < 1 and sum(s["abc_counts"].values()) == s["n_clients"]


def test_a_register_with_net_credit_clients_leaves_them_out_and_counts_them():
    reg = pd.DataFrame({"client_id": ["a", "b", "c", "d"], "billing": [60.0, 40.0, -10.0, -5.7e-14]})
    out = conc.concentration_summary(reg)
    # d is rounding noise (0.00); c's credit notes exceed its sales: out of the measures, counted
    assert out["n_negative_billing"] == 1 and out["n_without_billing"] == 1
    assert out["n_clients"] == 3 and out["total_billing"] == pytest.approx(100.0)
    assert out["hhi"] == pytest.approx(60**2 + 40**2)
