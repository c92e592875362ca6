"""Tests of portfolio_analysis.widgets: compare_weights by hand, then the panel itself."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.load.portfolio import load_portfolio
from portfolio_analysis.steps.scoring import criterion_weights, scored_criteria
from portfolio_analysis.widgets import compare_weights, weights_panel

CAT = load_catalogue()
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "clients.csv"
# Only three criteria weigh: profitability and share of wallet (value), relationship type (relationship).
THREE = load_catalogue(
    {
        "weights": {k: 0 for k in CAT.weights()}
        | {"profitability": 1, "share_of_wallet": 1, "relationship_type": 1}
    }
)


def _register() -> pd.DataFrame:
    """Four clients; no profit figures, no strategic criteria, so no guard applies.

    Levels score low/small/at_risk 0, medium 0.5, occasional 1/3, high/large/partnership 1.
    With value weights profitability p and share of wallet s:
      X (high, small, partnership): value 100 p / (p + s), relationship 100
      Y (high, large, partnership): value 100, relationship 100        -> develop
      W (low, medium, occasional):  value 50 s / (p + s), relationship 33.3 -> end
      Z (low, small, at_risk):      value 0, relationship 0            -> end
    """
    return pd.DataFrame(
        {
            "client_id": ["X", "Y", "W", "Z"],
            "name": ["Xeno", "Yarrow", "Wold", "Zeal"],
            "profitability": ["high", "high", "low", "low"],
            "share_of_wallet": ["small", "large", "medium", "small"],
            "relationship_type": ["partnership", "partnership", "occasional", "at_risk"],
        }
    )


# -- compare_weights ----------------------------------------------------------------
def test_identical_weights_change_nothing():
    clients = _register()
    w = {"profitability": 1.0, "share_of_wallet": 1.05}
    scores, changed = compare_weights(clients, w, dict(w), catalogue=THREE)
    assert changed.empty
    assert list(changed.columns) == [
        "client_id",
        "name",
        "base_action",
        "new_action",
        "base_value_score",
        "value_score",
        "base_relationship_score",
        "relationship_score",
    ]
    assert scores["action"].tolist() == ["fix", "develop", "end", "end"]
    assert scores["action"].tolist() == scores["base_action"].tolist()


def test_client_just_under_the_split_flips():
    clients = _register()
    # X: 100 * 1 / 2.05 = 48.8 -> low value, strong relationship -> fix (just under 50);
    # share of wallet 0.95: 100 * 1 / 1.95 = 51.3 -> core partner -> develop.
    # W stays at 25.6 -> 24.4 (end), Y and Z do not move.
    scores, changed = compare_weights(
        clients,
        {"profitability": 1.0, "share_of_wallet": 1.05},
        {"profitability": 1.0, "share_of_wallet": 0.95},
        catalogue=THREE,
    )
    assert changed["client_id"].tolist() == ["X"]
    row = changed.iloc[0]
    assert (row["name"], row["base_action"], row["new_action"]) == ("Xeno", "fix", "develop")
    assert row["base_value_score"] == pytest.approx(100 / 2.05)
    assert row["value_score"] == pytest.approx(100 / 1.95)
    assert row["relationship_score"] == pytest.approx(100.0)
    assert scores["action"].tolist() == ["develop", "develop", "end", "end"]
    assert scores["base_action"].tolist() == ["fix", "develop", "end", "end"]


def test_scores_at_the_new_weights_by_hand():
    # profitability 1.5, share of wallet 1, relationship type 1 (total weight 3.5)
    scores, _ = compare_weights(_register(), None, {"profitability": 1.5}, catalogue=THREE)
    assert scores.columns[:2].tolist() == ["client_id", "name"]
    assert scores["value_score"].tolist() == pytest.approx([60.0, 100.0, 20.0, 0.0])
    assert scores["relationship_score"].tolist() == pytest.approx([100.0, 100.0, 100 / 3, 0.0])
    assert scores["total_score"].tolist() == pytest.approx(
        [100 * 2.5 / 3.5, 100.0, 100 * (0.5 + 1 / 3) / 3.5, 0.0]
    )


def test_scaling_every_weight_changes_nothing():
    clients = load_portfolio(SAMPLE).clients
    base = criterion_weights(catalogue=CAT)
    moved = {k: (3.0 if k == "profitability" else 1.0) * w for k, w in base.items()}
    _, changed = compare_weights(clients, base, {k: 3 * w for k, w in base.items()}, catalogue=CAT)
    assert changed.empty
    # the same sample does move when one weight alone is tripled (the test can fail)
    _, changed = compare_weights(clients, base, moved, catalogue=CAT)
    assert len(changed) > 0
    assert (changed["base_action"] != changed["new_action"]).all()


def test_input_not_mutated_and_bad_weights_named():
    clients = _register()
    before = clients.copy()
    compare_weights(clients, None, {"share_of_wallet": 3}, catalogue=THREE)
    pd.testing.assert_frame_equal(clients, before)
    with pytest.raises(ValueError, match="profitabilty.*did you mean 'profitability'"):
        compare_weights(clients, None, {"profitabilty": 2}, catalogue=THREE)


# -- the panel ---------------------------------------------------------------------
def _text(panel) -> str:
    (bundle,) = panel.output.outputs
    return bundle["data"]["text/plain"]


def _count(panel) -> int:
    text = _text(panel)
    if "No client changes action" in text:
        return 0
    return int(re.search(r"^(\d+) of \d+ clients? changes? action", text, re.M).group(1))


def test_import_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=re.escape("pip install -e '.[lab]'")):
        weights_panel(_register(), catalogue=THREE)


def test_module_imports_without_ipywidgets():
    code = (
        "import sys; sys.modules['ipywidgets'] = None; import portfolio_analysis.widgets as w; "
        "print(callable(w.weights_panel))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("True\n", "")


def test_panel_has_one_slider_per_scored_criterion():
    widgets = pytest.importorskip("ipywidgets")
    panel = weights_panel(_register(), catalogue=CAT)
    assert isinstance(panel, widgets.VBox)

    def walk(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from walk(child)

    found = [w for w in walk(panel) if isinstance(w, widgets.FloatSlider)]
    keys = scored_criteria(CAT)
    assert len(found) == len(keys) == len(panel.sliders)
    assert list(panel.sliders) == keys
    assert [s.description for s in panel.sliders.values()] == [CAT.label(k) for k in keys]
    assert {(s.min, s.max, s.step, s.continuous_update) for s in found} == {(0.0, 10.0, 0.5, False)}
    assert [s.value for s in panel.sliders.values()] == criterion_weights(catalogue=CAT).tolist()
    assert [b.description for b in walk(panel) if isinstance(b, widgets.Button)] == ["Reset", "Save"]


def test_moving_a_slider_updates_the_output_and_reset_restores_it():
    pytest.importorskip("ipywidgets")
    base = {"profitability": 1.5, "share_of_wallet": 1.0}
    panel = weights_panel(_register(), catalogue=THREE, weights=base)
    assert _count(panel) == 0
    assert "No client changes action from the base weights (4 clients)." in _text(panel)
    # share of wallet 2: X's value 100 * 1.5 / 3.5 = 42.9 -> fix
    panel.sliders["share_of_wallet"].value = 2.0
    text = _text(panel)
    assert "1 of 4 clients changes action from the base weights." in text
    assert "develop → fix 1" in text and re.search(r"Xeno\s+develop → fix", text)
    _, changed = compare_weights(_register(), base, base | {"share_of_wallet": 2.0}, catalogue=THREE)
    assert _count(panel) == len(changed) == 1
    # the top list is by total score: Y 100, then X (its total falls from 2.5 / 3.5 to 2.5 / 4.5 of the way), W, Z
    view = panel.model.update({k: s.value for k, s in panel.sliders.items()})
    assert view.top["client_id"].tolist() == ["Y", "X", "W", "Z"]
    html = panel.output.outputs[0]["data"]["text/html"]
    assert html.count("<table") == 2 and html.count("<svg") == 1  # top list, changed list; the small matrix
    assert "weights.share_of_wallet=2" in text  # the --set options of these weights
    panel.reset_button.click()
    assert panel.sliders["share_of_wallet"].value == 1.0
    assert _count(panel) == 0


def test_panel_count_matches_compare_weights_on_the_sample():
    pytest.importorskip("ipywidgets")
    clients = load_portfolio(SAMPLE).clients
    panel = weights_panel(clients, catalogue=CAT)
    panel.sliders["profitability"].value = 10.0
    current = {k: s.value for k, s in panel.sliders.items()}
    _, changed = compare_weights(clients, None, current, catalogue=CAT)
    assert len(changed) > 0
    assert _count(panel) == len(changed)
    assert f"of {len(clients)} clients" in _text(panel)


def test_all_weights_zero_shows_the_message():
    pytest.importorskip("ipywidgets")
    panel = weights_panel(_register(), catalogue=THREE)
    for slider in panel.sliders.values():
        slider.value = 0.0
    assert "every scored criterion has weight 0" in _text(panel)
    panel.reset_button.click()
    assert _count(panel) == 0


def test_moves_that_arrive_while_one_computes_are_coalesced():
    from portfolio_analysis.widgets import Coalescer

    queued, done = [], []
    c = Coalescer(done.append, schedule=queued.append)  # the event loop, by hand
    for w in ({"a": 1}, {"a": 2}, {"a": 3}):
        c.request(w)
    assert len(queued) == 1 and done == []  # one computation scheduled for three moves
    queued.pop()()
    assert done == [{"a": 3}]  # the last one wins
    c.request({"a": 4})
    queued.pop()()
    assert done == [{"a": 3}, {"a": 4}] and c.runs == 2


def test_the_panel_shows_rank_moves_and_saves_weights_a_run_takes(tmp_path):
    pytest.importorskip("ipywidgets")
    from portfolio_analysis.config.catalogue import load_catalogue
    from portfolio_analysis.widgets import PanelModel

    base = {"profitability": 1.5, "share_of_wallet": 1.0}
    model = PanelModel(_register(), catalogue=THREE, weights=base)
    view = model.update(base | {"share_of_wallet": 4.0})
    # X's total: relationship 100 (weight 1), value 100 * 1.5 / 5.5; W's value 50 * 4 / 5.5 -> W stays below X
    moves = dict(zip(view.top["client_id"], view.top["move"]))
    assert moves["Y"] == 0 and set(view.top["client_id"]) == {"X", "Y", "W", "Z"}
    assert view.transitions == {("develop", "fix"): 1}
    panel = weights_panel(_register(), catalogue=THREE, weights=base)
    panel.sliders["profitability"].value = 3.0
    panel.save_path.value = str(tmp_path / "mine.yaml")
    panel.save_button.click()
    cat = load_catalogue(tmp_path / "mine.yaml")
    assert cat.criteria["profitability"].weight == 3.0 and cat.criteria["share_of_wallet"].weight == 1.0
    assert f"Wrote {tmp_path / 'mine.yaml'}" in panel.save_note.value  # the whole path, beside the button
    panel.sliders["profitability"].value = 4.0
    panel.save_button.click()  # a file the panel wrote: replaced
    assert load_catalogue(tmp_path / "mine.yaml").criteria["profitability"].weight == 4.0
    panel.save_path.value = str(tmp_path / "mine.txt")
    panel.save_button.click()
    assert "give a file name ending in .yaml" in panel.save_note.value
    theirs = tmp_path / "theirs.yaml"  # a file the panel did not write: never replaced
    theirs.write_text("weights: {}\n", encoding="utf-8")
    panel.save_path.value = str(theirs)
    panel.save_button.click()
    assert "already exists" in panel.save_note.value and theirs.read_text(encoding="utf-8") == "weights: {}\n"
