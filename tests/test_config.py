"""The configuration model: every problem of a configuration at once, each with its key path."""

from pathlib import Path

import pytest
import yaml

from portfolio_analysis.cli import main
from portfolio_analysis.config.catalogue import ConfigError, Problem, default_catalogue_path, load_catalogue
from portfolio_analysis.config.model import ConfigModel
from portfolio_analysis.steps import concentration, financials, profiles, retention, scoring
from portfolio_analysis.steps.actions import action_settings

# Ten mistakes, one of each kind; the comment is the problem's key path.
TEN_MISTAKES = """\
weights:
  profitabilty: 2            # weights.profitabilty: misspelt criterion
  upsell_potential: -1       # criteria.upsell_potential.weight: negative
criterias: {}                # criterias: unknown top-level key
criteria:
  profitability:             # criteria.profitability.levels.high.score: 1.5
    levels: {low: {score: 0}, moderate: {score: 0.5}, high: {score: 1.5}}
  business_outlook:          # criteria.business_outlook.levels.grwing: no such level
    levels: {grwing: {score: 1}}
  relationship_type:         # criteria.relationship_type.levels.partnership: scores all or none
    levels: {at_risk: {score: 0}, occasional: {score: 0.2}, recurring: {score: 0.6}}
settings:
  scoring: {min_coverag: 0.5}          # settings.scoring.min_coverag: misspelt setting
  retention: {discount_rate: -5}       # settings.retention.discount_rate
  segmentation: {k_range: [8, 2]}      # settings.segmentation.k_range: backwards
  concentration: {abc_cutoffs: [95, 80]}   # settings.concentration.abc_cutoffs: decreasing
"""

TEN_PATHS = {
    "weights.profitabilty": "did you mean 'profitability'?",
    "criteria.upsell_potential.weight": "negative",
    "criterias": "did you mean 'criteria'?",
    "criteria.profitability.levels.high.score": "1.5 is not a number in [0, 1]",
    "criteria.business_outlook.levels.grwing": "did you mean 'growing'?",
    "criteria.relationship_type.levels.partnership": "without a score",
    "settings.scoring.min_coverag": "did you mean 'min_coverage'?",
    "settings.retention.discount_rate": "-5 is not a number >= 0",
    "settings.segmentation.k_range": "[8, 2]",
    "settings.concentration.abc_cutoffs": "[95, 80]",
}


@pytest.fixture
def ten_mistakes(tmp_path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(TEN_MISTAKES, encoding="utf-8")
    return path


def test_ten_mistakes_give_one_error_with_ten_problems(ten_mistakes):
    with pytest.raises(ConfigError) as err:
        load_catalogue(ten_mistakes)
    problems = err.value.problems
    assert isinstance(err.value, ValueError)
    assert len(problems) == 10
    assert {p.path for p in problems} == set(TEN_PATHS)
    by_path = {p.path: p.message for p in problems}
    for path, words in TEN_PATHS.items():
        assert words in by_path[path], (path, by_path[path])
    # the misspellings, word for word
    assert by_path["weights.profitabilty"] == "unknown criterion (did you mean 'profitability'?)"
    assert by_path["settings.scoring.min_coverag"] == "unknown setting (did you mean 'min_coverage'?)"
    assert by_path["criterias"] == "unknown top-level key (did you mean 'criteria'?)"
    # one message, each problem on its own line with its path
    lines = str(err.value).splitlines()
    assert lines[0] == "10 problems in the configuration:"
    assert sorted(line.strip().split(":")[0] for line in lines[1:]) == sorted(TEN_PATHS)


def test_overrides_on_the_command_line_are_checked_with_the_file(ten_mistakes):
    with pytest.raises(ConfigError) as err:
        load_catalogue(ten_mistakes, overrides=["settings.financials.trend_dampng=0.3", "weights.profitability"])
    by_path = {p.path: p.message for p in err.value.problems}
    assert len(by_path) == 12
    assert by_path["settings.financials.trend_dampng"] == "unknown setting (did you mean 'trend_damping'?)"
    assert "expected KEY=VALUE" in by_path[""]


def test_a_misspelt_set_is_no_longer_silently_ignored():
    with pytest.raises(ConfigError, match=r"settings\.financials\.trend_dampng: unknown setting "
                                          r"\(did you mean 'trend_damping'\?\)"):
        load_catalogue(overrides=["settings.financials.trend_dampng=0.3"])
    with pytest.raises(ConfigError, match=r"weights\.profitabilty: unknown criterion"):
        load_catalogue(overrides=["weights.profitabilty=3"])


def test_all_weights_zero_is_refused():
    zero = {k: 0 for k, c in load_catalogue().criteria.items() if c.axis != "descriptive"}
    with pytest.raises(ConfigError) as err:
        load_catalogue({"weights": zero})
    assert [(p.path, "weight 0" in p.message) for p in err.value.problems] == [("weights", True)]
    # one positive weight is enough
    assert load_catalogue({"weights": {**zero, "profitability": 1}}).weights()["profitability"] == 1.0


def test_extra_keys_are_forbidden_at_every_depth():
    with pytest.raises(ConfigError) as err:
        load_catalogue({
            "criteria": {"profitability": {"wieght": 2}},
            "settings": {"actions": {"quadrants": {"secure": {"acton": "fix"}}},
                         "retention": {"discount_rte": 0.05}},
        })
    assert {(p.path, p.message) for p in err.value.problems} == {
        ("criteria.profitability.wieght", "unknown key (did you mean 'weight'?)"),
        ("settings.actions.quadrants.secure.acton", "unknown setting (did you mean 'action'?)"),
        ("settings.retention.discount_rte", "unknown setting (did you mean 'discount_rate'?)"),
    }


def test_cross_field_rules_are_reported_together():
    with pytest.raises(ConfigError) as err:
        load_catalogue({
            "positioning": {"trst": 1},
            "settings": {
                "concentration": {"margin_by_level": {"superb": 0.3}},
                "retention": {"lost_share": [0.5, 0.4], "acquisition_cost_range": [25, 5]},
                "actions": {"strategic_keep": {"action": "end"},
                            "levers": {"x": {"label": "x", "when": {"field": "billing", "belo": 3}}}},
            },
        })
    by_path = {p.path: p.message for p in err.value.problems}
    assert set(by_path) == {
        "positioning.trst", "settings.concentration.margin_by_level.superb", "settings.retention.lost_share",
        "settings.retention.acquisition_cost_range", "settings.actions.strategic_keep.action",
        "settings.actions.levers.x.when",
    }
    assert "did you mean 'trust'?" in by_path["positioning.trst"]
    assert "never ended" in by_path["settings.actions.strategic_keep.action"]
    assert "did you mean 'below'?" in by_path["settings.actions.levers.x.when"]


def test_the_new_settings_are_checked():
    with pytest.raises(ConfigError) as err:
        load_catalogue({"settings": {
            "random_state": -1,
            "segmentation": {"criteria": ["profitability", "profitabilty"], "n_clusters": 1,
                             "n_resamples": 0},
            "sensitivity": {"n_draws": 2.5, "concentration": 0, "action_draws": 0},
        }})
    assert {p.path for p in err.value.problems} == {
        "settings.random_state", "settings.segmentation.criteria[1]", "settings.segmentation.n_clusters",
        "settings.segmentation.n_resamples", "settings.sensitivity.n_draws",
        "settings.sensitivity.concentration", "settings.sensitivity.action_draws",
    }
    with pytest.raises(ConfigError, match="k_range"):
        load_catalogue({"settings": {"segmentation": {"k_range": [1, 5]}}})
    cat = load_catalogue({"settings": {"segmentation": {"criteria": ["profitability", "billing"], "n_clusters": 4,
                                                        "k_range": [3, 3]}}})
    seg = cat.config.settings.segmentation
    assert (seg.criteria, seg.n_clusters, seg.k_range) == (["profitability", "billing"], 4, (3, 3))


def test_the_shipped_new_settings():
    """Another pipeline reads exactly these keys and values."""
    shipped = yaml.safe_load(default_catalogue_path().read_text(encoding="utf-8"))["settings"]
    assert shipped["random_state"] == 0
    assert shipped["segmentation"] == {"criteria": None, "include": [], "exclude": [], "weights": {},
                                       "n_clusters": None, "k_range": [2, 8], "min_share": 0.03, "min_clients": 5,
                                       "n_resamples": 20}
    assert shipped["loading"]["reference_date"] is None
    assert shipped["sensitivity"] == {"n_draws": 1000, "concentration": 50, "action_draws": 200}


def test_segmentation_criteria_and_reference_date_are_checked():
    cat = load_catalogue(overrides=["settings.segmentation.include=[owner]",
                                    "settings.segmentation.exclude=[billing_growth]",
                                    "settings.segmentation.weights.relationship_type=2",
                                    "settings.loading.reference_date=2025-06-30"])
    seg = cat.settings["segmentation"]
    assert (seg["include"], seg["exclude"], seg["weights"]) == (["owner"], ["billing_growth"],
                                                                 {"relationship_type": 2})
    assert cat.config.settings.loading.reference_date == "2025-06-30"
    with pytest.raises(ConfigError) as caught:
        load_catalogue(overrides=["settings.segmentation.include=[relationshp_type]",
                                  "settings.segmentation.weights.profitability=-1",
                                  "settings.segmentation.weights.nowhere=1",
                                  "settings.loading.reference_date=31/12/2025"])
    paths = sorted(p.path for p in caught.value.problems)
    assert paths == ["settings.loading.reference_date", "settings.segmentation.include[0]",
                     "settings.segmentation.weights.nowhere", "settings.segmentation.weights.profitability"]
    assert "did you mean 'relationship_type'" in str(caught.value)


def test_defaults_come_from_criteria_yaml_only():
    """Each settings function returns the YAML's figures (read here with yaml, independently)."""
    shipped = yaml.safe_load(default_catalogue_path().read_text(encoding="utf-8"))["settings"]

    def same(got: dict, block: dict) -> None:
        assert set(got) == set(block)
        for key, value in block.items():
            want = tuple(value) if isinstance(value, list) and key != "top_n" else value
            assert got[key] == want, key

    same(scoring.scoring_settings(), shipped["scoring"])
    same(concentration.concentration_settings(), shipped["concentration"])
    same(retention.retention_settings(), shipped["retention"])
    same(financials.settings(), shipped["financials"])
    same(profiles.settings(), shipped["profiles"])
    rules = action_settings()
    assert rules["threshold"] == (50.0, 50.0) and rules["priority_order"] == shipped["actions"]["priority_order"]
    assert rules["levers"]["raise_prices"]["label"] == shipped["actions"]["levers"]["raise_prices"]["label"]
    for name in ("SCORING_DEFAULTS", "CONCENTRATION_DEFAULTS", "RETENTION_DEFAULTS", "DEFAULTS", "ACTION_DEFAULTS"):
        for module in (scoring, concentration, retention, financials, profiles):
            assert not hasattr(module, name), (module.__name__, name)


def test_a_changed_setting_reaches_the_step():
    cat = load_catalogue(overrides=["settings.financials.declining_threshold=-0.2",
                                    "settings.profiles.key_person_share=0.5"])
    assert financials.settings(cat)["declining_threshold"] == -0.2
    assert profiles.settings(cat)["key_person_share"] == 0.5


def test_the_model_holds_every_key_of_the_shipped_catalogue():
    shipped = yaml.safe_load(default_catalogue_path().read_text(encoding="utf-8"))
    # every key lives in criteria.yaml, but what the tool writes itself (what a ranking's `rest` stood for)
    assert set(ConfigModel.model_fields) - {"ranking_rest"} == set(shipped)
    assert set(ConfigModel.model_fields["settings"].annotation.model_fields) == set(shipped["settings"])


def test_unreadable_files_are_problems_too(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_catalogue(tmp_path / "missing.yaml")
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping at the top level"):
        load_catalogue(listed)


def test_config_error_from_a_text_keeps_its_path():
    err = ConfigError("weights.x: not a number")
    assert err.problems == [Problem("weights.x", "not a number")] and str(err) == "weights.x: not a number"


# -- the command line ---------------------------------------------------------------------
@pytest.mark.parametrize("command", ["validate", "report"])
def test_cli_prints_every_problem_before_reading_data(command, ten_mistakes, tmp_path, capsys):
    missing = str(tmp_path / "not_there.csv")  # never read: the configuration is checked first
    args = ["validate", missing] if command == "validate" else ["report", "--clients", missing,
                                                                 "--out", str(tmp_path / "out")]
    assert main([*args, "--config", str(ten_mistakes), "--set", "settings.scoring.flat_scor=0.4"]) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err and captured.out == ""
    assert err.startswith("error: 11 problems in the configuration:")
    for path in [*TEN_PATHS, "settings.scoring.flat_scor"]:
        assert f"\n  {path}: " in err, path
    assert "did you mean 'profitability'?" in err and "did you mean 'min_coverage'?" in err
    assert "not_there" not in err
    assert not (tmp_path / "out").exists()


def test_cli_one_problem(tmp_path, capsys):
    register = tmp_path / "clients.csv"
    register.write_text("client_id,name\nC1,Acme\n", encoding="utf-8")
    assert main(["validate", str(register), "--set", "weights.profitability=-2"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error in the configuration: criteria.profitability.weight: -2 is negative; weights must be >= 0")
    assert main(["validate", str(register), "--set", "weights.profitability=2"]) == 0


def test_cli_checks_a_configuration_on_its_own(ten_mistakes, tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text("weights: {profitability: 5}\n", encoding="utf-8")
    assert main(["validate", "--config", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "the configuration is valid"
    assert main(["validate", "--config", str(ten_mistakes)]) == 2
    assert capsys.readouterr().err.startswith("error: 10 problems in the configuration:")
