"""Tests of portfolio_analysis.plots: each function draws the table it is given, on the Axes given.

The tables are hand-made, so that what must be on the figure is known; the tests read the
returned Axes (points, bars, lines, texts), not pixels.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from portfolio_analysis.plots import palette  # noqa: E402
from portfolio_analysis.plots import profiles as profile_plots  # noqa: E402
from portfolio_analysis.plots import scoring as scoring_plots  # noqa: E402
from portfolio_analysis.plots import validation as validation_plots  # noqa: E402
from portfolio_analysis.plots.concentration import plot_lorenz, plot_whale_curve  # noqa: E402
from portfolio_analysis.plots.matrix import plot_portfolio_matrix  # noqa: E402
from portfolio_analysis.plots.segments import (  # noqa: E402
    plot_dendrogram,
    plot_segment_map,
    plot_segment_profiles,
)
from portfolio_analysis.plots.sensitivity import plot_rank_intervals  # noqa: E402

PLOTS = Path(__file__).resolve().parents[1] / "portfolio_analysis" / "plots"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- palette --------------------------------------------------------------------------------------
def test_action_colours_are_in_the_palette():
    assert list(palette.ACTION_COLOURS) == ["develop", "maintain", "fix", "end"]
    assert all(mcolors.is_color_like(c) for c in palette.ACTION_COLOURS.values())
    # a colour keeps its meaning: develop is good, end is bad
    assert palette.ACTION_COLOURS["develop"] == palette.STATUS["good"]
    assert palette.ACTION_COLOURS["end"] == palette.STATUS["bad"]


def test_group_colours():
    assert len(palette.group_colours(4)) == 4 and len(set(palette.group_colours(10))) == 10
    assert len(set(palette.group_colours(12))) == 12  # tab20 above ten groups
    assert palette.series_colours(21)[20] == palette.series_colours(21)[0]


@pytest.mark.parametrize("module", ["segments.py", "concentration.py", "sensitivity.py", "validation.py",
                                    "profiles.py", "scoring.py"])
def test_plot_modules_take_their_colours_from_the_palette(module):
    source = (PLOTS / module).read_text(encoding="utf-8")
    assert not re.findall(r"#[0-9A-Fa-f]{6}\b", source), "a colour written in a plot module: put it in palette.py"
    assert "colormaps[" not in source and "get_cmap(" not in source


def test_the_steps_draw_nothing():
    # the steps whose figures moved here compute tables only: importing them loads no matplotlib
    code = ("import sys; import portfolio_analysis.steps.segmentation, portfolio_analysis.steps.concentration, "
            "portfolio_analysis.steps.sensitivity; print(any(m.startswith('matplotlib') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- segments -------------------------------------------------------------------------------------
MAP = pd.DataFrame({
    "client_id": ["A", "B", "C", "D"],
    "x": [0.0, 0.1, 1.0, 1.2],
    "y": [0.0, -0.1, 0.5, 0.4],
    "segment": [1, 1, 2, 2],
})


def test_segment_map_draws_the_points_given():
    fig, ax = plt.subplots()
    assert plot_segment_map(MAP, names={1: "Partners"}, ax=ax) is ax
    assert len(ax.collections) == 2
    assert ax.collections[0].get_offsets().tolist() == [[0.0, 0.0], [0.1, -0.1]]
    assert ax.collections[1].get_offsets().tolist() == [[1.0, 0.5], [1.2, 0.4]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1: Partners", "group 2"]
    assert "sampled" not in ax.get_title(loc="left")
    ax = plot_segment_map(MAP, n_clients=10)
    assert ax.get_title(loc="left").endswith("(4 of 10 clients, sampled)")


def test_segment_map_other_columns():
    data = MAP.rename(columns={"x": "dim1", "y": "dim2", "segment": "group"})
    ax = plot_segment_map(data, x="dim1", y="dim2", hue="group")
    assert sum(len(c.get_offsets()) for c in ax.collections) == 4


# the tree of A, B (merged at 0), C (at 1/3) and D (at 8/9)
LINKAGE = pd.DataFrame({"left": [0, 2, 3], "right": [1, 4, 5], "height": [0.0, 1 / 3, 8 / 9], "size": [2, 3, 4]})
LEAVES = pd.DataFrame({"leaf": [0, 1, 2, 3], "client_id": list("ABCD"), "label": ["Alpha", "Beta", "Gamma", "Delta"]})


def test_dendrogram_draws_the_merges_given():
    fig, ax = plt.subplots()
    assert plot_dendrogram(LINKAGE, leaves=LEAVES, ax=ax) is ax
    # D joins last, at the top of the tree
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Delta", "Gamma", "Alpha", "Beta"]
    tops = sorted({round(y, 9) for line in ax.collections for path in line.get_paths()
                   for y in path.vertices[:, 1]})
    assert tops == pytest.approx([0.0, 1 / 3, 8 / 9])
    # the leaves in a shuffled table, or as a list in leaf order
    ax = plot_dendrogram(LINKAGE, leaves=LEAVES.iloc[::-1])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Delta", "Gamma", "Alpha", "Beta"]
    ax = plot_dendrogram(LINKAGE, leaves=["a", "b", "c", "d"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["d", "c", "a", "b"]
    with pytest.raises(ValueError, match="3 labels for a tree of 4 clients"):
        plot_dendrogram(LINKAGE, leaves=["a", "b", "c"])


def test_dendrogram_colours_the_groups_and_truncates():
    # cut into 2 groups: halfway between 1/3 and 8/9; the last merge is above the cut
    ax = plot_dendrogram(LINKAGE, leaves=LEAVES, n_clusters=2)
    colours = [mcolors.to_hex(c.get_colors()[0]) for c in ax.collections]
    assert mcolors.to_hex(palette.ABOVE_CUT) in colours
    assert len(set(colours)) >= 2
    # the last two branches only: D alone (its leaf number), and A, B, C (their count)
    ax = plot_dendrogram(LINKAGE, leaves=LEAVES, max_leaves=2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "(3)"]


def test_segment_profiles_draws_the_means_given():
    profiles = pd.DataFrame(
        {
            "n_clients": [3, 2],
            "profitability": ["high", "low"],
            "profitability_label": ["High", "Low"],
            "profitability_pct": [100.0, 50.0],
            "profitability_mean": [1.0, 0.25],
        },
        index=pd.Index([1, 2], name="segment"),
    )
    fig, ax = plt.subplots()
    assert plot_segment_profiles(profiles, names={1: "Profitable"}, ax=ax) is ax
    assert ax.images[0].get_array().tolist() == [[1.0], [0.25]]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1: Profitable", "group 2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Profitability"]
    assert [t.get_text() for t in ax.texts] == ["High\n100 %", "Low\n50 %"]
    with pytest.raises(ValueError, match="no ordinal or numeric criterion"):
        plot_segment_profiles(profiles.drop(columns="profitability_mean"))


def test_plots_make_their_own_figure_when_not_given_an_axes():
    before = plt.get_fignums()
    ax = plot_segment_map(MAP)
    assert ax.figure.number not in before
    assert np.isfinite(ax.get_xlim()).all()


# -- concentration --------------------------------------------------------------------------------
# billing 50, 30, 15, 5: cumulative 50, 80, 95, 100 % of billing at 25, 50, 75, 100 % of clients;
# Gini = sum |xi - xj| / (2 n^2 mean) = 300 / (2 * 16 * 25) = 0.375
LORENZ = pd.DataFrame({
    "client_id": list("abcd"),
    "billing": [50.0, 30.0, 15.0, 5.0],
    "cum_billing_pct": [50.0, 80.0, 95.0, 100.0],
    "cum_clients_pct": [25.0, 50.0, 75.0, 100.0],
})


def test_lorenz_draws_the_curve_and_the_gini_given():
    fig, ax = plt.subplots()
    assert plot_lorenz(LORENZ, gini=0.375, ax=ax) is ax
    assert list(ax.get_lines()[0].get_xdata()) == [0, 25, 50, 75, 100]
    assert list(ax.get_lines()[0].get_ydata()) == [0, 50, 80, 95, 100]
    assert ax.get_legend().get_texts()[0].get_text() == "billing (Gini 0.38)"
    ax = plot_lorenz(LORENZ, cutoffs=(70, 90))
    assert ax.get_legend().get_texts()[0].get_text() == "billing"
    assert [t.get_text() for t in ax.texts] == ["A up to 70 %", "B up to 90 %"]
    with pytest.raises(ValueError, match="two cut-offs"):
        plot_lorenz(LORENZ, cutoffs=(95, 80))


def test_whale_curve_from_its_table():
    # profits 60, 50, -10: cumulative 60, 110, 100 % of the profit of 100
    table = pd.DataFrame({
        "client_id": list("abc"),
        "profit": [60.0, 50.0, -10.0],
        "cum_clients_pct": [100 / 3, 200 / 3, 100.0],
        "cum_profit_pct": [60.0, 110.0, 100.0],
    })
    ax = plot_whale_curve(table)
    assert list(ax.get_lines()[0].get_ydata()) == [0, 60, 110, 100]
    assert "peak 110 % of profit\nfrom 67 % of clients" in [t.get_text() for t in ax.texts]
    assert ax.patches[0].get_x() == pytest.approx(200 / 3)  # the loss-making tail: the last client
    assert ax.get_title(loc="left") == "Whale curve"


# -- sensitivity ----------------------------------------------------------------------------------
def test_rank_intervals_from_the_ranks_table():
    ranks = pd.DataFrame({
        "client_id": ["a", "b", "c", "d"],
        "name": ["Alpha", None, "Gamma", "Delta"],
        "base_rank": pd.array([2, 1, 3, pd.NA], dtype="Int64"),
        "median_rank": pd.array([2, 1, 3, pd.NA], dtype="Int64"),
        "rank_p05": pd.array([1, 1, 2, pd.NA], dtype="Int64"),
        "rank_p95": pd.array([3, 2, 3, pd.NA], dtype="Int64"),
    })
    fig, ax = plt.subplots()
    assert plot_rank_intervals(ranks, n_draws=50, score="total_score", ax=ax) is ax
    # best first, b without a name shown by its id, d (not ranked) left out
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "Alpha", "Gamma"]
    assert ax.get_title() == "Rank under 50 weight draws (total score)"
    median = next(line for line in ax.get_lines() if line.get_label() == "median rank")
    assert list(median.get_xdata()) == [1, 2, 3]
    intervals = ax.collections[0].get_segments()
    assert [(s[0][0], s[1][0]) for s in intervals] == [(1, 2), (1, 3), (2, 3)]
    assert plot_rank_intervals(ranks, top=1).get_title() == "Rank under the weight draws"


# -- validation, profiles, scoring ----------------------------------------------------------------
def test_completeness_bars_coloured_by_share():
    data = pd.DataFrame({"label": ["Profit", "Outlook", "Billing"], "share": [0.4, 0.75, 1.0]})
    fig, ax = plt.subplots()
    assert validation_plots.plot_completeness(data, ax=ax) is ax
    assert [round(b.get_width(), 9) for b in ax.patches] == [40.0, 75.0, 100.0]
    colours = [mcolors.to_hex(b.get_facecolor()) for b in ax.patches]
    assert colours == [palette.STATUS["bad"].lower(), palette.STATUS["warn"].lower(), palette.STATUS["good"].lower()]
    assert [t.get_text() for t in ax.texts] == ["40 %", "75 %", "100 %"]


def test_problems_stacked_by_severity():
    problems = pd.DataFrame({"column": ["billing", "billing", "billing", None],
                             "severity": ["error", "warning", "warning", "error"]})
    ax = validation_plots.plot_problems(problems)
    # the errors (billing 1, the file itself 1), then the warnings stacked on them (billing 2, the file 0)
    assert [(b.get_x(), b.get_width()) for b in ax.patches] == [(0, 1), (0, 1), (1, 2), (1, 0)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["billing", "(file)"]
    empty = validation_plots.plot_problems(problems.iloc[:0])
    assert [t.get_text() for t in empty.texts] == ["no problem found"]


def test_profile_plots_draw_their_tables():
    counts = pd.DataFrame({"label": ["Low", "High"], "clients": [3, 5]})
    fig, ax = plt.subplots()
    assert profile_plots.plot_level_counts(counts, ax=ax, title="Profitability") is ax
    assert [b.get_height() for b in ax.patches] == [3, 5]
    assert ax.get_title(loc="left") == "Profitability"
    owners = pd.DataFrame({"owner": ["Ann", "Bob"], "billing_share_pct": [70.0, 30.0], "accounts": [4, 2],
                           "key_person_risk": [True, False]})
    ax = profile_plots.plot_owner_spread(owners)
    assert [mcolors.to_hex(b.get_facecolor()) for b in ax.patches] == [
        palette.STATUS["bad"].lower(), palette.STATUS["neutral"].lower()]
    assert [t.get_text() for t in ax.texts] == ["70 % · 4 accounts", "30 % · 2 accounts"]
    ax = profile_plots.plot_billing_distribution(pd.DataFrame({"billing": [10.0, 100.0, 1000.0, 0.0]}))
    assert sum(b.get_height() for b in ax.patches) == 3  # the zero is off a log scale
    assert ax.get_lines()[0].get_xdata()[0] == 100.0  # the median of 10, 100, 1000


def test_monthly_billing_and_its_projection():
    monthly = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]),
                            "billed": [11.0, 22.0, 33.0, np.nan], "projected": [np.nan, np.nan, np.nan, 20.0]})
    ax = profile_plots.plot_monthly_billing(monthly)
    billed, projected = ax.get_lines()
    assert list(billed.get_ydata()) == [11.0, 22.0, 33.0] and list(projected.get_ydata()) == [20.0]
    assert projected.get_linestyle() == "--"
    ax = profile_plots.plot_monthly_billing(monthly.iloc[:3])
    assert len(ax.get_lines()) == 1  # nothing projected, nothing dashed


def test_level_heatmap_orders_rows_and_shows_missing_in_grey():
    matrix = pd.DataFrame({"a": [0.0, 1.0], "b": [np.nan, 0.5]}, index=["x", "y"])
    ax = profile_plots.plot_level_heatmap(matrix, labels={"a": "Alpha"}, order=["y", "x"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Alpha", "b"]
    values = ax.collections[0].get_array()
    assert np.ma.filled(values, -1).tolist() == [[1.0, 0.5], [0.0, -1]]
    assert mcolors.to_hex(ax.collections[0].get_cmap().get_bad()) == palette.MISSING.lower()


def test_score_plots_draw_their_tables():
    contrib = pd.DataFrame({"client_id": ["a", "b"], "profitability": [30.0, 10.0], "outlook": [20.0, np.nan],
                            "total_score": [50.0, 10.0]})
    fig, ax = plt.subplots()
    assert scoring_plots.plot_contributions(contrib, names={"a": "Alpha"}, ax=ax) is ax
    # one bar per client and criterion, the second criterion stacked on the first
    assert [(b.get_x(), b.get_width()) for b in ax.patches] == [(0, 30), (0, 10), (30, 20), (10, 0)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Alpha  (50)", "b  (10)"]
    scores = pd.DataFrame({"relationship_score": [20.0, 80.0], "value_score": [60.0, 40.0]})
    ax = scoring_plots.plot_score_map(scores)
    assert ax.collections[0].get_offsets().tolist() == [[20.0, 60.0], [80.0, 40.0]]


# -- in French ------------------------------------------------------------------------------------
def _tick_texts(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_a_figure_drawn_in_french_has_french_texts_and_decimal_commas():
    ax = plot_lorenz(LORENZ, gini=0.375, lang="fr")
    assert ax.get_title(loc="left") == "Concentration de la facturation"
    assert ax.get_xlabel() == "clients, du plus grand au plus petit (% cumulé)"
    assert ax.get_ylabel() == "facturation (% cumulé du total)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["facturation (Gini 0,38)", "facturation égale"]
    assert [t.get_text() for t in ax.texts] == ["A jusqu'à 80 %", "B jusqu'à 95 %"]
    # the same figure in English is untouched
    en = plot_lorenz(LORENZ, gini=0.375)
    assert en.get_title(loc="left") == "Concentration of billing" and en.get_xlabel().startswith("clients, largest")


def test_french_axes_write_numbers_with_a_decimal_comma():
    scores = pd.DataFrame({"relationship_score": [0.2, 0.8], "value_score": [0.6, 0.4]})
    ax = scoring_plots.plot_score_map(scores, lang="fr")
    ax.set_xlim(0, 1)  # ticks 0.0, 0.2, ... with one decimal
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("score de relation", "score de valeur")
    assert ax.get_title(loc="left") == "Scores de valeur et de relation"
    assert _tick_texts(ax.xaxis)[:3] == ["0,0", "0,2", "0,4"]
    en = scoring_plots.plot_score_map(scores)
    en.set_xlim(0, 1)
    assert _tick_texts(en.xaxis)[:3] == ["0.0", "0.2", "0.4"]


def test_whale_curve_and_rank_intervals_in_french():
    table = pd.DataFrame({"client_id": list("abc"), "profit": [60.0, 50.0, -10.0],
                          "cum_clients_pct": [100 / 3, 200 / 3, 100.0], "cum_profit_pct": [60.0, 110.0, 100.0]})
    ax = plot_whale_curve(table, lang="fr")
    assert ax.get_title(loc="left") == "Courbe de la baleine"
    assert "pic : 110 % du bénéfice\navec 67 % des clients" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "bénéfice cumulé", "100 % du bénéfice", "clients déficitaires (1)"]
    ranks = pd.DataFrame({"client_id": ["a"], "base_rank": [1], "median_rank": [1.0], "rank_p05": [1.0],
                          "rank_p95": [2.0]})
    ax = plot_rank_intervals(ranks, n_draws=1000, score="value_score", lang="fr")
    assert ax.get_title() == "Rang sur 1\u202f000 tirages des pondérations (score de valeur)"
    assert ax.get_xlabel() == "rang (1 = le meilleur)"


def test_validation_and_profile_plots_in_french():
    problems = pd.DataFrame({"column": ["billing", None], "severity": ["error", "warning"]})
    ax = validation_plots.plot_problems(problems, lang="fr")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["erreur", "avertissement"]
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["(fichier)", "billing"]
    assert ax.get_title(loc="left") == "Problèmes relevés, par colonne"
    owners = pd.DataFrame({"owner": ["Ann", "Bob"], "billing_share_pct": [70.0, 30.0], "accounts": [4, 1],
                           "key_person_risk": [True, False]})
    ax = profile_plots.plot_owner_spread(owners, lang="fr")
    assert [t.get_text() for t in ax.texts] == ["70 % · 4 comptes", "30 % · 1 compte"]
    assert ax.get_xlabel() == "part de la facturation (%)"


def test_portfolio_matrix_in_french_names_quadrants_and_actions():
    data = pd.DataFrame({"client_id": ["a", "b"], "value_score": [80.0, 20.0], "relationship_score": [70.0, 30.0],
                         "action": ["develop", "end"], "billing": [10.0, 5.0]})
    quadrants = {"core": {"value": "high", "relationship": "strong", "label": "core partners", "action": "develop"},
                 "mine": {"value": "high", "relationship": "weak", "label": {"en": "ours", "fr": "les nôtres"},
                          "action": "maintain"},
                 "odd": {"value": "low", "relationship": "strong", "label": "a label of our own", "action": "fix"},
                 "gone": {"value": "low", "relationship": "weak", "label": "reconsider", "action": "end"}}
    ax = plot_portfolio_matrix(data, quadrants=quadrants, lang="fr")
    assert [t.get_text() for t in ax.texts] == [
        "partenaires essentiels\n→ développer", "les nôtres\n→ maintenir", "a label of our own\n→ redresser",
        "à reconsidérer\n→ mettre fin"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["développer (1)", "mettre fin (1)"]
    assert ax.get_title(loc="left") == "Matrice du portefeuille (surface des bulles : facturation)"
