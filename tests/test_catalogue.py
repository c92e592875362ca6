"""The criteria catalogue: contents, matching, overrides and the errors of a bad config."""

import pytest
import yaml

from portfolio_analysis.config.catalogue import ConfigError, load_catalogue, normalise, set_dotted

ARTICLE_CRITERIA = {
    "relationship_type": ["at_risk", "occasional", "recurring", "partnership"],
    "service_needs": ["basic", "specialised", "total"],
    "share_of_wallet": ["small", "medium", "large"],
    "profitability": ["low", "moderate", "high"],
    "upsell_potential": ["none", "low", "moderate", "high"],
    "ease_of_collaboration": ["challenging", "medium", "easy"],
    "business_outlook": ["failing", "stable", "growing"],
    "rnd_collaboration": ["none", "emerging", "ongoing"],
    "learning_opportunities": ["low", "moderate", "high"],
}


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_every_article_criterion_with_its_levels_worst_to_best(cat):
    for key, levels in ARTICLE_CRITERIA.items():
        assert cat.criteria[key].level_keys == levels, key
    assert set(cat.criteria["decision_criteria"].level_keys) == {
        "purchase_price", "lifecycle_cost", "ease_of_purchase", "trust", "supplier_quality"
    }
    assert cat.criteria["decision_criteria"].kind == "multi"


def test_default_level_scores_are_evenly_spaced(cat):
    assert cat.criteria["relationship_type"].scores == pytest.approx(
        {"at_risk": 0.0, "occasional": 1 / 3, "recurring": 2 / 3, "partnership": 1.0}
    )
    assert cat.criteria["profitability"].scores == {"low": 0.0, "moderate": 0.5, "high": 1.0}


def test_every_criterion_has_both_labels_and_an_axis(cat):
    for key, crit in cat.criteria.items():
        assert crit.label.get("en") and crit.label.get("fr"), key
        assert crit.axis in ("value", "relationship", "descriptive")
        for lv in crit.levels:
            assert lv.label.get("en") and lv.label.get("fr"), (key, lv.key)
    assert cat.criteria["service_needs"].axis == "descriptive"  # a cost driver, not better or worse


@pytest.mark.parametrize(
    "text, expected",
    [("Élevée", "élevée"), ("  Coût total du cycle-de-vie ", "cout total du cycle de vie"), ("R&D", "r d")],
)
def test_normalise(text, expected):
    assert normalise(text) == normalise(expected)
    assert normalise(text) == normalise(text.upper())


@pytest.mark.parametrize(
    "key, value, level",
    [
        ("profitability", "Élevée", "high"),
        ("profitability", "ELEVEE", "high"),
        ("profitability", "modérée", "moderate"),
        ("relationship_type", "en danger", "at_risk"),
        ("relationship_type", "At-Risk", "at_risk"),
        ("relationship_type", "Récurrent", "recurring"),
        ("service_needs", "de base", "basic"),
        ("service_needs", "Spécialisé", "specialised"),
        ("ease_of_collaboration", "stimulant", "challenging"),
        ("business_outlook", "échec", "failing"),
        ("business_outlook", "croissance", "growing"),
        ("rnd_collaboration", "en cours", "ongoing"),
        ("learning_opportunities", "élevées", "high"),
        ("decision_criteria", "qualité du fournisseur", "supplier_quality"),
        ("decision_criteria", "Coût total du cycle de vie", "lifecycle_cost"),
        ("share_of_wallet", "Petite", "small"),
        ("upsell_potential", "aucun", "none"),
    ],
)
def test_levels_match_in_english_and_french_any_case_and_accents(cat, key, value, level):
    assert cat.match_level(key, value) == level


def test_unknown_level_gets_a_close_suggestion(cat):
    assert cat.match_level("profitability", "moderee") == "moderate"  # an alias: accents dropped
    assert cat.match_level("profitability", "modrate") is None
    assert cat.suggest("profitability", "modrate") == "moderate"
    assert cat.suggest("profitability", "banana") is None


@pytest.mark.parametrize(
    "header, key",
    [
        ("Rentabilité", "profitability"),
        ("Type de relation", "relationship_type"),
        ("CustomerID", "client_id"),
        ("Identifiant client", "client_id"),
        ("Nom de la société", "name"),
        ("Part des achats", "share_of_wallet"),
        ("Collaboration en R&D", "rnd_collaboration"),
        ("Chiffre d'affaires", "billing"),
        ("business_outlook", "business_outlook"),
    ],
)
def test_headers_match_keys_labels_and_aliases(cat, header, key):
    assert cat.match_header(header) == key


def test_billing_category_headers(cat):
    assert cat.category_of_header("Facturation maintenance") == "maintenance"
    assert cat.category_of_header("Billing: spare parts") == "spare_parts"
    assert cat.category_of_header("Profit") is None


def test_every_label_and_alias_maps_back_to_its_own_criterion(cat):
    """No alias of one column shadows another column's name."""
    for key, crit in cat.criteria.items():
        for name in [crit.label["en"], crit.label["fr"], *crit.aliases]:
            assert cat.match_header(name) == key, (name, key)


def test_override_is_merged_not_replaced(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"weights": {"profitability": 5}, "criteria": {"upsell_potential": {"weight": 0}}}))
    cat = load_catalogue(path)
    assert cat.criteria["profitability"].weight == 5
    assert cat.criteria["upsell_potential"].weight == 0
    # everything else is still there, untouched
    assert cat.criteria["profitability"].level_keys == ["low", "moderate", "high"]
    assert cat.criteria["relationship_type"].weight == load_catalogue().criteria["relationship_type"].weight


def test_level_scores_can_be_patched_by_level_key():
    cat = load_catalogue(
        {"criteria": {"profitability": {"levels": {"low": {"score": 0}, "moderate": {"score": 0.3},
                                                   "high": {"score": 1}}}}}
    )
    assert cat.criteria["profitability"].scores == {"low": 0.0, "moderate": 0.3, "high": 1.0}
    assert cat.match_level("profitability", "modérée") == "moderate"  # labels kept


def test_command_line_overrides():
    cat = load_catalogue(overrides=["weights.profitability=3.5", "criteria.business_outlook.weight=0"])
    assert cat.criteria["profitability"].weight == 3.5
    assert cat.criteria["business_outlook"].weight == 0
    assert set_dotted({}, "settings.scoring.min_coverage=0.5") == {"settings": {"scoring": {"min_coverage": 0.5}}}


@pytest.mark.parametrize(
    "config, words",
    [
        ({"weights": {"profitabilty": 2}}, ["weights.profitabilty", "unknown criterion", "'profitability'"]),
        ({"criteria": {"profitabilty": {"weight": 2}}}, ["criteria.profitabilty", "'profitability'"]),
        ({"weights": {"profitability": -1}}, ["criteria.profitability.weight", "negative"]),
        ({"criteria": {"profitability": {"levels": {"moderate": {"score": 0.4}}}}},
         ["criteria.profitability.levels.low", "without a score"]),
        ({"criteria": {"profitability": {"levels": {"low": {"score": 0}, "moderate": {"score": 0.5},
                                                    "high": {"score": 1.5}}}}},
         ["criteria.profitability.levels.high.score", "[0, 1]"]),
        ({"criteria": {"profitability": {"axis": "money"}}}, ["criteria.profitability.axis", "money"]),
        ({"positioning": {"cheapness": 1}}, ["positioning.cheapness"]),
        ({"weights": {"profitability": "high"}}, ["criteria.profitability.weight", "not a number"]),
        ({"criterias": {}}, ["criterias"]),
    ],
)
def test_bad_config_names_the_key(config, words):
    with pytest.raises(ConfigError) as err:
        load_catalogue(config)
    for word in words:
        assert word in str(err.value)


def test_a_new_criterion_can_be_added_when_fully_defined():
    cat = load_catalogue(
        {"criteria": {"payment_behaviour": {
            "kind": "ordinal", "axis": "value", "weight": 1,
            "label": {"en": "Payment behaviour", "fr": "Comportement de paiement"},
            "levels": [{"key": "late"}, {"key": "on_time"}, {"key": "early"}]}}}
    )
    assert cat.criteria["payment_behaviour"].scores == {"late": 0.0, "on_time": 0.5, "early": 1.0}
    assert cat.match_header("Comportement de paiement") == "payment_behaviour"


def test_bad_yaml_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("criteria: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_catalogue(path)
