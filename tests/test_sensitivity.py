"""Tests of portfolio_analysis.steps.sensitivity: weight draws, rank intervals, Kendall's tau."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from portfolio_analysis.config.catalogue import load_catalogue  # noqa: E402
from portfolio_analysis.plots.sensitivity import plot_rank_intervals  # noqa: E402
from portfolio_analysis.steps.scoring import score_clients, scored_criteria  # noqa: E402
from portfolio_analysis.steps.sensitivity import (  # noqa: E402
    SensitivityResult,
    weight_sensitivity,
)

CAT = load_catalogue()
ORDINAL = [k for k, c in CAT.criteria.items() if c.kind == "ordinal" and c.axis != "descriptive"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def graded_clients() -> pd.DataFrame:
    """Five clients, E0 at the best level of every criterion, E4 at the worst, in steps.

    Client i takes the level at position round((1 - i/4) * (n_levels - 1)); billing falls
    and growth falls with i, so E0 dominates every other client on every criterion.
    """
    rows = []
    for i in range(5):
        row = {"client_id": f"E{i}", "name": f"Client {i}"}
        for key in ORDINAL:
            levels = CAT.criteria[key].level_keys
            row[key] = levels[round((1 - i / 4) * (len(levels) - 1))]
        row["decision_criteria"] = [
            "trust",
            "trust;ease_of_purchase",
            "ease_of_purchase",
            "ease_of_purchase;purchase_price",
            "purchase_price",
        ][i]
        row["billing"] = 10.0 ** (6 - i)
        row["billing_previous"] = row["billing"] / (1.4 - 0.2 * i)
        rows.append(row)
    return pd.DataFrame(rows)


def test_seeded_draws_are_deterministic():
    clients = graded_clients()
    a = weight_sensitivity(clients, catalogue=CAT, n_draws=200, random_state=7)
    b = weight_sensitivity(clients, catalogue=CAT, n_draws=200, random_state=7)
    c = weight_sensitivity(clients, catalogue=CAT, n_draws=200, random_state=8)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    pd.testing.assert_frame_equal(a.weights_, b.weights_)
    pd.testing.assert_series_equal(a.kendall_tau, b.kendall_tau)
    assert not np.allclose(a.weights_.to_numpy(), c.weights_.to_numpy())


def test_result_shape_and_draws():
    res = weight_sensitivity(graded_clients(), catalogue=CAT, n_draws=2000, random_state=0)
    assert isinstance(res, SensitivityResult)
    assert list(res.weights_.columns) == scored_criteria(CAT)
    assert res.weights_.shape == (2000, 11) and res.n_draws == 2000
    assert res.weights_.sum(axis=1).to_numpy() == pytest.approx(np.ones(2000))
    # the draws are centred on the chosen weights: relationship_type 3 of 20
    assert res.base_weights["relationship_type"] == pytest.approx(0.15)
    assert res.weights_.mean().to_numpy() == pytest.approx(res.base_weights.to_numpy(), abs=0.005)
    assert list(res.ranks.columns) == [
        "client_id",
        "name",
        "score",
        "base_rank",
        "median_rank",
        "rank_p05",
        "rank_p95",
        "interval_width",
        "top_quartile_share",
    ]
    base = score_clients(graded_clients(), catalogue=CAT)["total_score"]
    assert res.ranks["score"].to_numpy() == pytest.approx(base.to_numpy())
    assert res.portfolio["n_draws"] == 2000 and res.portfolio["n_clients_ranked"] == 5


def test_a_dominating_client_always_ranks_first():
    res = weight_sensitivity(graded_clients(), catalogue=CAT, n_draws=500, concentration=2.0)
    first = res.ranks.set_index("client_id").loc["E0"]
    assert (first["base_rank"], first["median_rank"], first["rank_p05"], first["rank_p95"]) == (1, 1, 1, 1)
    assert first["top_quartile_share"] == 1.0  # top ceil(5 / 4) = 2 positions
    assert (res.rank_draws_[0] == 1).all()
    last = res.ranks.set_index("client_id").loc["E4"]
    assert last["rank_p05"] == last["rank_p95"] == 5  # dominated by everyone


def test_huge_concentration_collapses_every_interval():
    res = weight_sensitivity(graded_clients(), catalogue=CAT, n_draws=100, concentration=1e9)
    r = res.ranks
    assert r["base_rank"].tolist() == [1, 2, 3, 4, 5]
    for col in ("median_rank", "rank_p05", "rank_p95"):
        assert r[col].tolist() == r["base_rank"].tolist()
    assert (r["interval_width"] == 0).all()
    assert res.kendall_tau.to_numpy() == pytest.approx(np.ones(100))
    assert res.weights_.to_numpy() == pytest.approx(np.tile(res.base_weights.to_numpy(), (100, 1)), abs=1e-3)


def test_two_clients_trading_places_by_hand():
    # Only relationship_type (2) and profitability (1) weigh: base weights 2/3, 1/3.
    # X scores 100 * w_rel, Y 100 * w_prof: X ranks first iff w_rel > 1/2.
    # With concentration 3, w_rel ~ Beta(2, 1), whose density is 2w: P(w_rel > 1/2) = 1 - 1/4 = 0.75.
    weights = {k: 0 for k in scored_criteria(CAT)} | {"relationship_type": 2, "profitability": 1}
    clients = pd.DataFrame(
        {
            "client_id": ["X", "Y"],
            "relationship_type": ["partnership", "at_risk"],
            "profitability": ["low", "high"],
        }
    )
    res = weight_sensitivity(
        clients, catalogue=CAT, weights=weights, n_draws=4000, concentration=3.0, random_state=1
    )
    x = res.ranks.set_index("client_id").loc["X"]
    assert x["score"] == pytest.approx(100 * 2 / 3) and x["base_rank"] == 1
    assert x["top_quartile_share"] == pytest.approx(0.75, abs=0.025)  # sd 0.007
    assert (x["median_rank"], x["rank_p05"], x["rank_p95"]) == (1, 1, 2)
    # zero-weight criteria are never drawn
    assert (res.weights_.drop(columns=["relationship_type", "profitability"]) == 0).all().all()
    # tau is +1 when X stays first, -1 when the two swap: mean 0.75 - 0.25 = 0.5
    assert set(np.unique(res.kendall_tau)) == {-1.0, 1.0}
    assert res.kendall_tau.mean() == pytest.approx(0.5, abs=0.05)
    assert res.portfolio["kendall_tau_median"] == 1.0 and res.portfolio["kendall_tau_p05"] == -1.0


def test_ties_share_the_best_rank_and_unscored_clients_are_not_ranked():
    clients = pd.DataFrame(
        {
            "client_id": ["A", "B", "C", "D"],
            "relationship_type": ["partnership", "recurring", "recurring", None],
            "business_outlook": ["growing", "stable", "stable", None],
        }
    )
    res = weight_sensitivity(clients, catalogue=CAT, n_draws=50)
    r = res.ranks.set_index("client_id")
    assert r.loc[["A", "B", "C"], "base_rank"].tolist() == [1, 2, 2]
    assert r.loc[["B", "C"], "rank_p95"].tolist() == [2, 2]
    assert r.loc["D"].drop("score").isna().all() and np.isnan(r.loc["D", "score"])
    assert res.portfolio["n_clients_ranked"] == 3


def test_axis_score_perturbs_that_axis_only():
    res = weight_sensitivity(graded_clients(), catalogue=CAT, score="value_score", n_draws=50)
    value = [k for k in scored_criteria(CAT) if CAT.criteria[k].axis == "value"]
    assert list(res.weights_.columns) == value and res.score == "value_score"
    base = score_clients(graded_clients(), catalogue=CAT)["value_score"]
    assert res.ranks["score"].to_numpy() == pytest.approx(base.to_numpy())


def test_bad_arguments():
    clients = graded_clients()
    with pytest.raises(ValueError, match="n_draws"):
        weight_sensitivity(clients, catalogue=CAT, n_draws=0)
    with pytest.raises(ValueError, match="concentration"):
        weight_sensitivity(clients, catalogue=CAT, concentration=0)
    with pytest.raises(ValueError, match="score="):
        weight_sensitivity(clients, catalogue=CAT, score="total")


def test_chunked_draws_match_one_chunk(monkeypatch):
    import portfolio_analysis.steps.sensitivity as sens

    clients = graded_clients()
    whole = weight_sensitivity(clients, catalogue=CAT, n_draws=30, concentration=5.0)
    monkeypatch.setattr(sens, "_CHUNK_CELLS", 5 * 7)  # 7 draws per chunk
    chunked = weight_sensitivity(clients, catalogue=CAT, n_draws=30, concentration=5.0)
    pd.testing.assert_frame_equal(whole.ranks, chunked.ranks)
    pd.testing.assert_series_equal(whole.kendall_tau, chunked.kendall_tau)


def test_plot_rank_intervals():
    res = weight_sensitivity(graded_clients(), catalogue=CAT, n_draws=100, concentration=5.0)
    ax = plot_rank_intervals(res, top=3)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Client 0", "Client 1", "Client 2"]
    assert ax.get_xlabel() == "rank (1 = best)"
    median_line = next(line for line in ax.get_lines() if line.get_label() == "median rank")
    assert list(median_line.get_xdata()) == res.ranks["median_rank"].head(3).tolist()
    fig, given_ax = plt.subplots()
    assert plot_rank_intervals(res, ax=given_ax, top=None) is given_ax
    assert len(given_ax.get_yticks()) == 5
