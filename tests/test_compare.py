"""`compare`: what changed between two runs, and why."""

import json
from pathlib import Path

import pandas as pd
import pytest

from portfolio_analysis import archive
from portfolio_analysis.cli import main
from portfolio_analysis.deliver.compare import CompareError, compare, to_text

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for name, overrides in (("a", []), ("b", ["weights.profitability=5"])):
        a = archive.run_analysis(SAMPLE / "clients.csv", overrides=overrides)
        archive.save_analysis(a, root / name / "analysis")
    return root / "a", root / "b"


def test_a_weight_change_is_found_with_the_clients_it_moves(runs):
    a_dir, b_dir = runs
    c = compare(a_dir, b_dir)
    assert c.same_inputs
    assert c.configuration.to_dict("records") == [{"setting": "criteria.profitability.weight", "a": 3, "b": 5}]
    assert c.options["b"]["overrides"] == ["weights.profitability=5"] and c.options["a"]["overrides"] == []
    # the clients whose action changed, worked out from the two saved action tables
    before = pd.read_parquet(a_dir / "analysis" / "actions.parquet").set_index("client_id")["action"]
    after = pd.read_parquet(b_dir / "analysis" / "actions.parquet").set_index("client_id")["action"]
    changed = sorted(before.index[before != after.loc[before.index]])
    assert changed and sorted(c.actions["client_id"]) == changed
    assert (c.actions["why"].str.contains("weight of profitability 3 -> 5")).all()
    counts = c.headline.set_index("figure")
    for action in ("develop", "maintain", "fix", "end"):
        row = counts.loc[f"clients to {action}"]
        assert (row["a"], row["b"]) == ((before == action).sum(), (after == action).sum())
    text = to_text(c)
    assert "criteria.profitability.weight: 3 -> 5" in text and f"{len(changed)} of 300 clients change" in text


def test_the_command_in_text_and_json(runs, capsys, tmp_path):
    a_dir, b_dir = runs
    assert main(["compare", str(a_dir), str(b_dir), "--format", "json", "--excel", str(tmp_path / "c.xlsx")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["configuration"][0]["setting"] == "criteria.profitability.weight"
    assert (tmp_path / "c.xlsx").is_file()
    assert main(["compare", str(a_dir), str(a_dir)]) == 0
    assert "0 setting(s) differ" in capsys.readouterr().out


def test_what_cannot_be_compared(runs, tmp_path, capsys):
    a_dir, _ = runs
    assert main(["compare", str(a_dir), str(tmp_path)]) == 2
    assert "not a deliverable" in capsys.readouterr().err
    other = archive.run_analysis(pd.DataFrame({"client_id": ["X1", "X2"], "name": ["x", "y"]}))
    archive.save_analysis(other, tmp_path / "other" / "analysis")
    with pytest.raises(CompareError, match="different portfolios"):
        compare(a_dir, tmp_path / "other")
    assert main(["compare", str(a_dir), str(a_dir), "--excel", "c.csv"]) == 2
