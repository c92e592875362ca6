"""The analysis computed once: parameters as configuration, the saved analysis, the notebooks' cache."""

import json
from pathlib import Path

import pandas as pd
import pytest

from portfolio_analysis import archive
from portfolio_analysis.config.catalogue import ConfigError
from portfolio_analysis.load.portfolio import load_portfolio
from portfolio_analysis.pipeline import TABLES, analyse, parameter_overrides, resolve_config
from portfolio_analysis.steps.scoring import score_clients

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _register(n=12):
    levels = ["partnership", "recurring", "occasional", "at_risk"]
    prof = ["high", "moderate", "low"]
    return pd.DataFrame({
        "client_id": [f"K{i:02d}" for i in range(n)],
        "name": [f"Client {i}" for i in range(n)],
        "relationship_type": [levels[i % 4] for i in range(n)],
        "profitability": [prof[i % 3] for i in range(n)],
        "upsell_potential": [["none", "low", "moderate", "high"][(i * 7) % 4] for i in range(n)],
        "billing": [1000.0 * (i + 1) for i in range(n)],
    })


def test_parameters_become_overrides():
    assert parameter_overrides({"weights": {"profitability": 5, "upsell_potential": 0.5}, "n_clusters": 3,
                                "k_range": (2, 5), "random_state": None, "lost_share": [0.4, 0.5]}) == [
        "weights.profitability=5", "weights.upsell_potential=0.5", "settings.segmentation.n_clusters=3",
        "settings.segmentation.k_range=[2, 5]", "settings.retention.lost_share=[0.4, 0.5]"]
    # papermill -p passes text
    assert parameter_overrides({"weights": '{"profitability": 2}', "k_range": "[2, 5]", "n_clusters": "4"}) == [
        "weights.profitability=2", "settings.segmentation.k_range=[2, 5]", "settings.segmentation.n_clusters=4"]
    with pytest.raises(ConfigError, match="not an analysis parameter"):
        parameter_overrides({"n_clusterz": 3})


def test_a_notebook_parameter_comes_after_the_command_line():
    cat = resolve_config(overrides=["weights.profitability=2"], parameters={"weights": {"profitability": 7}})
    assert cat.criteria["profitability"].weight == 7
    assert resolve_config(overrides=["weights.profitability=2"]).criteria["profitability"].weight == 2


def test_the_weights_in_force_reach_the_scores():
    register = _register()
    cat = resolve_config(parameters={"weights": {"profitability": 9, "relationship_type": 0}})
    a = analyse(load_portfolio(register, catalogue=cat), cat)
    expected = score_clients(register, catalogue=cat)  # the same weights, scored directly
    pd.testing.assert_series_equal(a.scores["total_score"], expected["total_score"])
    w = a.weights.set_index("criterion")
    assert w.loc["profitability", "weight"] == 9 and w.loc["relationship_type", "weight"] == 0
    assert w["share_pct"].sum() == pytest.approx(100)
    # the action of every client is decided on those scores
    assert (a.actions.set_index("client_id").loc[expected["client_id"], "value_score"].to_numpy()
            == pytest.approx(expected["value_score"].to_numpy(), nan_ok=True))


def test_a_fixed_number_of_groups_reaches_every_table():
    cat = resolve_config(parameters={"n_clusters": 2})
    a = analyse(load_portfolio(_register(), catalogue=cat), cat)
    assert a.facts["segmentation"]["n_clusters"] == 2
    assert a.segments["segment"].nunique() == 2 and len(a.segment_profiles) == 2
    by_id = a.segments.set_index("client_id")["segment_name"]
    assert (a.relationship_plan.set_index("client_id")["segment"] == by_id.loc[a.relationship_plan["client_id"]]).all()


def test_an_analysis_is_saved_and_read_back(tmp_path):
    a = archive.run_analysis(_register(), lang="fr")
    assert set(a.tables) == set(TABLES)
    folder = archive.save_analysis(a, tmp_path / "analysis")
    b = archive.load_analysis(folder)
    assert b.facts == json.loads(json.dumps(a.facts)) and b.lang == "fr"
    for name, df in a.tables.items():
        pd.testing.assert_frame_equal(df.reset_index(drop=True), b.tables[name], check_dtype=False, obj=name)
    doc = json.loads((folder / "analysis.json").read_text(encoding="utf-8"))
    assert doc["run"]["inputs"][0]["file"] == "<DataFrame>" and len(doc["run"]["inputs"][0]["sha256"]) == 64
    assert {"pandas", "numpy", "portfolio-analysis"} <= set(doc["run"]["versions"])
    assert b.catalogue.criteria["profitability"].weight == a.catalogue.criteria["profitability"].weight


def test_the_run_records_its_inputs_and_configuration(tmp_path):
    config = tmp_path / "acme.yaml"
    config.write_text("weights:\n  profitability: 4\n", encoding="utf-8")
    a = archive.run_analysis(SAMPLE / "clients.csv", config=config, overrides=["weights.upsell_potential=1"],
                             parameters={"n_clusters": 3})
    run = a.run
    assert run["inputs"] == [archive._input_record("clients", SAMPLE / "clients.csv")]
    assert run["inputs"][0]["sha256"] == archive.file_sha256(SAMPLE / "clients.csv")
    assert run["configuration"] == {"files": ["acme.yaml"], "inline": False,
                                    "overrides": ["weights.upsell_potential=1"],
                                    "parameters": ["settings.segmentation.n_clusters=3"]}
    assert a.config["criteria"]["profitability"]["weight"] == 4


def test_notebooks_share_one_cached_analysis(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_ANALYSIS_CACHE", str(tmp_path / "cache"))
    register = tmp_path / "clients.csv"
    _register().to_csv(register, index=False)
    calls = []
    real = archive.run_analysis
    monkeypatch.setattr(archive, "run_analysis", lambda **kw: calls.append(kw) or real(**kw))
    first = archive.open_analysis(clients=register)
    second = archive.open_analysis(clients=register)
    assert len(calls) == 1  # the second notebook read the first one's analysis
    pd.testing.assert_frame_equal(first.scores, second.scores)
    archive.open_analysis(clients=register, parameters={"weights": {"profitability": 8}})
    assert len(calls) == 2  # another configuration, another analysis
    register.write_text(register.read_text().replace("Client 3", "Client three"))
    changed = archive.open_analysis(clients=register)
    assert len(calls) == 3 and "Client three" in set(changed.clients["name"])  # other bytes, another analysis
    assert len([p for p in (tmp_path / "cache").iterdir() if p.is_dir()]) == 3


def test_a_saved_analysis_takes_no_parameters(tmp_path):
    folder = archive.save_analysis(archive.run_analysis(_register()), tmp_path / "a")
    assert archive.open_analysis(folder, parameters={"weights": {}, "n_clusters": None}).facts
    with pytest.raises(ValueError, match="give them to the report"):
        archive.open_analysis(folder, parameters={"n_clusters": 3})


@pytest.mark.slow
@pytest.mark.parametrize("how", [["-p", "weights", '{"profitability": 5}'], ["-y", "weights: {profitability: 5}"]])
def test_papermill_passes_a_notebook_its_weights(tmp_path, how, monkeypatch):
    """A dict parameter works both as JSON text (-p) and as YAML (-y), as the README shows."""
    import subprocess
    import sys

    import nbformat

    monkeypatch.setenv("PORTFOLIO_ANALYSIS_CACHE", str(tmp_path / "cache"))
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    out = tmp_path / "out.ipynb"
    subprocess.run([sys.executable, "-m", "papermill", "03_scoring.ipynb", str(out), *how, "--cwd", str(notebooks),
                    "--log-level", "ERROR"], cwd=notebooks, check=True, capture_output=True)
    shown = [o.get("data", {}).get("text/plain", "") for c in nbformat.read(out, as_version=4).cells
             for o in c.get("outputs", [])]
    weights_table = next(t for t in shown if "Share of the total weight" in t)
    assert any(line.split()[:1] == ["Profitability"] and line.split()[-2] == "5.0" for line in weights_table.splitlines())


def test_a_ranking_gives_weights_and_its_rest_is_said():
    cat = resolve_config({"ranking": ["profitability", ["upsell_potential", "share_of_wallet"], "rest"]})
    w = {k: c.weight for k, c in cat.criteria.items() if c.axis != "descriptive"}
    # 11 scored criteria, rank-order centroid c_i = (1/11) sum_{k=i}^{11} 1/k; H(11) = 3.019877
    h11 = sum(1 / k for k in range(1, 12))
    assert w["profitability"] == pytest.approx(h11 / 11, abs=1e-6)
    tied = ((h11 - 1) / 11 + (h11 - 1 - 1 / 2) / 11) / 2  # positions 2 and 3, shared
    assert w["upsell_potential"] == w["share_of_wallet"] == pytest.approx(tied, abs=1e-6)
    rest = [k for k in w if k not in ("profitability", "upsell_potential", "share_of_wallet")]
    assert sum(w[k] for k in rest) == pytest.approx(1 - h11 / 11 - 2 * tied, abs=1e-5)
    assert cat.raw["ranking_rest"] == rest
    a = analyse(load_portfolio(_register(), catalogue=cat), cat)
    assert a.facts["notes"][0] == {"kind": "ranking_rest", "key": "ranking", "criteria": rest}
    with pytest.raises(ConfigError, match="are not ranked"):
        resolve_config({"ranking": ["profitability", "upsell_potential"]})


def test_a_change_that_changes_nothing_is_said():
    levels = {"low": {"score": 0}, "moderate": {"score": 0.3}, "high": {"score": 1}}
    with_margin = _register().assign(margin_pct=12.0)  # a real margin beats the profitability level for all
    cat = resolve_config({"criteria": {"profitability": {"levels": levels}}, "weights": {"rnd_collaboration": 4}})
    notes = analyse(load_portfolio(with_margin, catalogue=cat), cat).facts["notes"]
    # moderate 0.5 -> 0.3 is inert (margins everywhere); low and high are the shipped 0 and 1; nobody has R&D data
    assert {n["key"] for n in notes} == {"criteria.profitability.levels.moderate.score",
                                         "criteria.rnd_collaboration.weight"}
    notes = analyse(load_portfolio(_register(), catalogue=cat), cat).facts["notes"]
    assert {n["key"] for n in notes} == {"criteria.rnd_collaboration.weight"}  # without margins, the level counts
