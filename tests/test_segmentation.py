"""Tests of portfolio_analysis.steps.segmentation: the Gower distance on pairs worked out by hand,
its invariants, recovery of planted groups, determinism, stability, profiles and names.

Shipped catalogue weights used in the hand computations: relationship_type 3,
profitability 3, share_of_wallet 2; service_needs and business_type (descriptive) 1,
decision_criteria 1. Ranks: 4 levels 0, 1/3, 2/3, 1; 3 levels 0, 0.5, 1.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from portfolio_analysis.config.catalogue import ConfigError, load_catalogue  # noqa: E402
from portfolio_analysis.plots.segments import (  # noqa: E402
    plot_dendrogram,
    plot_segment_map,
    plot_segment_profiles,
)
from portfolio_analysis.steps.segmentation import (  # noqa: E402
    JACCARD_THRESHOLDS,
    Segmenter,
    _best_jaccard,
    _group_verdict,
    client_differences,
    criteria_table,
    criterion_association,
    dendrogram_linkage,
    dominant_criterion,
    encode_features,
    gower_distances,
    name_segments,
    nearest_peers,
    segment_map,
    segment_profiles,
    segment_stability,
)

CAT = load_catalogue()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    data = {"client_id": [chr(ord("A") + i) for i in range(n)]}
    data.update(columns)
    return pd.DataFrame(data)


def dist(clients, criteria, **kw) -> np.ndarray:
    return gower_distances(encode_features(clients, catalogue=CAT, criteria=criteria, **kw))


# -- a planted portfolio ---------------------------------------------------------------------------
PROTO = {  # level index per group (worst -> best)
    "relationship_type": (3, 2, 1, 0),
    "share_of_wallet": (2, 1, 0, 0),
    "profitability": (2, 2, 1, 0),
    "upsell_potential": (2, 3, 1, 0),
    "business_outlook": (2, 1, 1, 0),
    "rnd_collaboration": (2, 0, 0, 0),
    "learning_opportunities": (2, 0, 0, 1),
    "business_type": (3, 4, 4, 1),
}
DECISION = ("trust;supplier_quality", "ease_of_purchase;supplier_quality", "purchase_price", "purchase_price;trust")
MEDIAN = (300_000.0, 100_000.0, 15_000.0, 60_000.0)


def planted(n: int, *, seed: int = 0, noise: float = 0.1, sizes=(0.2, 0.35, 0.3, 0.15)) -> pd.DataFrame:
    """Four planted groups; ``noise`` of each criterion's values drawn at random; 3 % missing."""
    rng = np.random.default_rng(seed)
    counts = np.floor(np.asarray(sizes) * n).astype(int)
    counts[0] += n - counts.sum()
    group = rng.permutation(np.repeat(np.arange(4), counts))
    data = {"client_id": [f"C{i:04d}" for i in range(n)], "name": [f"Client {i}" for i in range(n)]}
    for key, proto in PROTO.items():
        levels = np.array([lv["key"] for lv in CAT.levels_of(key)], dtype=object)
        idx = np.where(rng.random(n) < noise, rng.integers(0, len(levels), n), np.asarray(proto)[group])
        values = levels[idx]
        values[rng.random(n) < 0.03] = None
        data[key] = pd.array(values, dtype="str")
    data["decision_criteria"] = pd.array(np.array(DECISION, dtype=object)[group], dtype="str")
    billing = rng.lognormal(np.log(np.asarray(MEDIAN)[group]), 0.5)
    data["billing"] = billing
    data["billing_previous"] = billing / rng.normal(1.05, 0.05, n)
    data["profit"] = billing * rng.normal(0.1, 0.05, n)
    out = pd.DataFrame(data)
    out["true_group"] = group
    return out


@pytest.fixture(scope="module")
def clean():
    return planted(300, seed=1)


@pytest.fixture(scope="module")
def fitted(clean):
    return Segmenter(random_state=0).fit(clean)


# -- the distance on hand-made pairs ----------------------------------------------------------------
def test_ordinal_rank_difference():
    c = frame(relationship_type=["partnership", "at_risk", "recurring"])
    d = dist(c, ["relationship_type"])
    assert d[0, 1] == pytest.approx(1.0)
    assert d[0, 2] == pytest.approx(1 / 3)
    assert d[1, 2] == pytest.approx(2 / 3)


def test_weighted_mean_of_two_ordinals():
    # relationship |1 - 2/3| = 1/3 (w 3), profitability |1 - 0| = 1 (w 3): (1 + 3) / 6
    c = frame(relationship_type=["partnership", "recurring"], profitability=["high", "low"])
    assert dist(c, ["relationship_type", "profitability"])[0, 1] == pytest.approx(4 / 6)


def test_weights_override_and_zero_weight_drops_a_criterion():
    c = frame(relationship_type=["partnership", "recurring"], profitability=["high", "low"])
    d = dist(c, ["relationship_type", "profitability"], weights={"relationship_type": 1, "profitability": 3})
    assert d[0, 1] == pytest.approx((1 / 3 + 3) / 4)
    d = dist(c, ["relationship_type", "profitability"], weights={"profitability": 0})
    assert d[0, 1] == pytest.approx(1 / 3)
    with pytest.raises(ConfigError, match="negative"):
        dist(c, ["relationship_type"], weights={"relationship_type": -1})
    with pytest.raises(ConfigError, match="not one of the criteria"):
        dist(c, ["relationship_type"], weights={"profitability": 1})


def test_descriptive_criterion_weighs_one():
    # service_needs has weight 0 in the catalogue (it feeds no score): 1 here
    c = frame(service_needs=["basic", "total"], relationship_type=["partnership", "partnership"])
    assert dist(c, ["service_needs", "relationship_type"])[0, 1] == pytest.approx(1 / 4)


def test_categorical_match_and_open_list():
    c = frame(business_type=["investor", "investor", "Shipyard", "contractor"])
    d = dist(c, ["business_type"])
    assert d[0, 1] == 0.0
    assert d[0, 2] == 1.0
    assert d[2, 3] == 1.0


def test_jaccard_on_sets():
    c = frame(decision_criteria=["trust;purchase_price", "supplier_quality;trust", "trust", "lifecycle_cost", "trust"])
    d = dist(c, ["decision_criteria"])
    assert d[0, 1] == pytest.approx(1 - 1 / 3)  # {trust} of {trust, price, quality}
    assert d[0, 2] == pytest.approx(0.5)
    assert d[2, 4] == 0.0
    assert d[2, 3] == 1.0


def test_numeric_range_normalised_linear_and_log():
    c = frame(x=[0.0, 10.0, 40.0])
    assert dist(c, {"x": "numeric"})[0, 1] == pytest.approx(0.25)
    # billing is an amount: log1p; log(10) / log(100) = 0.5
    c = frame(billing=[0.0, 9.0, 99.0])
    d = dist(c, ["billing"])
    assert d[0, 1] == pytest.approx(0.5)
    assert d[0, 2] == pytest.approx(1.0)


def test_billing_size_criterion_is_log_and_growth_is_clipped():
    c = frame(billing=[0.0, 9.0, 99.0], billing_previous=[1.0, 9.0, 33.0])
    assert dist(c, ["billing_size"])[0, 1] == pytest.approx(0.5)
    # growth -1 -> clipped to -0.5; 0; +2 -> clipped to +0.5: range 1
    assert dist(c, ["billing_growth"])[0, 1] == pytest.approx(0.5)


def test_missing_values_are_skipped_pair_by_pair():
    c = frame(
        relationship_type=["partnership", "at_risk", None, None],
        profitability=[None, "high", "low", None],
    )
    d = dist(c, ["relationship_type", "profitability"])
    assert d[0, 1] == pytest.approx(1.0)  # only relationship_type in common
    assert d[1, 2] == pytest.approx(1.0)  # only profitability in common
    assert d[0, 2] == 1.0  # nothing in common: the maximum
    assert d[3, 3] == 0.0  # a client is at distance 0 from itself, even without data


def test_every_kind_together_by_hand():
    c = frame(
        relationship_type=["partnership", "at_risk"],
        decision_criteria=["trust;purchase_price", "trust"],
        business_type=["investor", "Shipyard"],
        billing=[100.0, 1000.0],
    )
    c = pd.concat([c, frame(relationship_type=[None], decision_criteria=[None], business_type=[None],
                            billing=[10.0]).assign(client_id="C")], ignore_index=True)
    low, high = math.log1p(10), math.log1p(1000)
    billing_gap = (math.log1p(1000) - math.log1p(100)) / (high - low)
    expected = (3 * 1 + 1 * 0.5 + 1 * 1 + 1 * billing_gap) / 6
    d = dist(c, ["relationship_type", "decision_criteria", "business_type", "billing"])
    assert d[0, 1] == pytest.approx(expected)


def test_unknown_level_is_an_error():
    with pytest.raises(ValueError, match="unknown levels"):
        dist(frame(relationship_type=["Partnership"]), ["relationship_type"])


def random_register(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)

    def pick(key):
        levels = np.array([lv["key"] for lv in CAT.levels_of(key)] + [None], dtype=object)
        return pd.array(levels[rng.integers(0, len(levels), n)], dtype="str")

    items = np.array(["trust", "purchase_price", "supplier_quality", None], dtype=object)
    return pd.DataFrame(
        {
            "client_id": [f"R{i}" for i in range(n)],
            "relationship_type": pick("relationship_type"),
            "profitability": pick("profitability"),
            "business_type": pick("business_type"),
            "decision_criteria": pd.array(items[rng.integers(0, 4, n)], dtype="str"),
            "billing": np.where(rng.random(n) < 0.2, np.nan, rng.lognormal(10, 2, n)),
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 25), chunk=st.integers(1, 30))
def test_distance_invariants(seed, n, chunk):
    enc = encode_features(random_register(seed, n), catalogue=CAT)
    d = gower_distances(enc)
    assert np.allclose(d, d.T)
    assert np.all(np.diag(d) == 0)
    assert d.min() >= 0 and d.max() <= 1
    assert np.array_equal(gower_distances(enc, chunk_size=chunk), d)


def test_distance_to_other_clients_encoded_alike():
    reg = random_register(3, 20)
    enc = encode_features(reg, catalogue=CAT)
    part = encode_features(reg.iloc[5:9], catalogue=CAT, like=enc)
    assert np.allclose(gower_distances(part, enc), gower_distances(enc)[5:9])
    with pytest.raises(ValueError, match="like=X"):
        gower_distances(enc, encode_features(reg, catalogue=CAT, criteria=["profitability"]))


# -- clustering ------------------------------------------------------------------------------------------
def test_docstring_example():
    c = frame(relationship_type=["partnership", "partnership", "at_risk", "at_risk"],
              profitability=["high", "high", "low", "low"])
    seg = Segmenter(n_clusters=2).fit(c)
    assert seg.labels_.tolist() == [1, 1, 2, 2]
    assert seg.labels_.index.tolist() == ["A", "B", "C", "D"]
    assert seg.medoids_.tolist() == ["A", "C"]


def test_planted_groups_recovered(clean, fitted):
    assert fitted.n_clusters_ == 4
    assert adjusted_rand_score(clean["true_group"], fitted.labels_.to_numpy()) >= 0.9
    # groups numbered by decreasing size, each medoid in its own group
    sizes = fitted.labels_.value_counts().sort_index()
    assert sizes.is_monotonic_decreasing
    assert fitted.labels_[fitted.medoids_].tolist() == [1, 2, 3, 4]
    assert fitted.selection_.loc[4, "chosen"]
    assert fitted.silhouette_.idxmax() == 4


def test_kmedoids_method_recovers_too(clean):
    seg = Segmenter(method="kmedoids", n_clusters=4, random_state=0).fit(clean)
    assert adjusted_rand_score(clean["true_group"], seg.labels_.to_numpy()) >= 0.9


def test_deterministic_for_a_seed(clean):
    a = Segmenter(sample_size=120, random_state=7).fit(clean)
    b = Segmenter(sample_size=120, random_state=7).fit(clean)
    assert a.labels_.equals(b.labels_)
    assert a.medoids_.equals(b.medoids_)
    assert a.selection_.equals(b.selection_)


def test_sample_then_assign(clean):
    seg = Segmenter(sample_size=120, random_state=0).fit(clean)
    assert len(seg.sample_ids_) == 120
    assert seg.labels_.notna().all() and len(seg.labels_) == len(clean)
    assert adjusted_rand_score(clean["true_group"], seg.labels_.to_numpy()) >= 0.85
    # the clients outside the sample are placed as predict places new clients
    rest = clean[~clean["client_id"].isin(seg.sample_ids_)]
    assert seg.predict(rest).equals(seg.labels_.loc[rest["client_id"]])
    med = Segmenter(method="kmedoids", sample_size=120, random_state=0).fit(clean)
    rest = clean[~clean["client_id"].isin(med.sample_ids_)]
    assert med.predict(rest).equals(med.labels_.loc[rest["client_id"]])


def test_fixed_number_of_groups_and_criteria_subset(clean):
    seg = Segmenter(n_clusters=2, criteria=["relationship_type", "profitability"]).fit(clean)
    assert seg.n_clusters_ == 2
    assert seg.encoding_.criteria == ("relationship_type", "profitability")
    assert list(seg.selection_.index) == [2]


def test_outliers_do_not_make_a_group():
    base = planted(120, seed=4, noise=0.0, sizes=(0.5, 0.5, 0.0, 0.0))
    odd = base.iloc[:2].assign(client_id=["X1", "X2"], relationship_type="occasional", profitability="moderate",
                               business_type="other", decision_criteria="lifecycle_cost")
    seg = Segmenter(k_range=(2, 4), min_size=0.05).fit(pd.concat([base, odd], ignore_index=True))
    assert seg.n_clusters_ == 2
    assert seg.selection_["eligible"].loc[seg.n_clusters_]


def test_bad_parameters():
    c = frame(relationship_type=["partnership", "at_risk", "recurring"])
    with pytest.raises(ValueError, match="method"):
        Segmenter(method="ward").fit(c)
    with pytest.raises(ValueError, match="at least 2"):
        Segmenter().fit(c.iloc[:1])
    with pytest.raises(ValueError, match="k_range"):
        Segmenter(k_range=(1, 3)).fit(c)
    with pytest.raises(ValueError, match="not fitted"):
        Segmenter().predict(c)


# -- stability -------------------------------------------------------------------------------------------
def test_best_jaccard_by_hand():
    a = np.array([0, 0, 0, 1, 1, 1])
    b = np.array([0, 0, 1, 1, 1, 1])
    # group 0 {0,1,2} vs {0,1}: 2/3; group 1 {3,4,5} vs {2,3,4,5}: 3/4
    assert _best_jaccard(a, b, 2) == pytest.approx([2 / 3, 3 / 4])


def test_verdict_thresholds():
    assert JACCARD_THRESHOLDS == {"dissolved": 0.5, "unstable": 0.6, "pattern": 0.75, "stable": 0.85}
    got = _group_verdict(np.array([0.4, 0.55, 0.7, 0.8, 0.9]))
    assert got.tolist() == ["dissolved", "unstable", "pattern", "stable", "highly stable"]


def test_stability_of_well_separated_groups(clean, fitted):
    report = segment_stability(clean, fitted, n_resamples=5, random_state=0)
    assert report.stable
    assert report.verdict.startswith("stable")
    assert (report.groups["jaccard"] >= 0.9).all()
    assert report.groups["verdict"].eq("highly stable").all()
    assert report.ari >= 0.9
    assert report.groups["size"].tolist() == fitted.labels_.value_counts().sort_index().tolist()
    again = segment_stability(clean, fitted, n_resamples=5, random_state=0)
    assert np.array_equal(again.ari_resamples, report.ari_resamples)


def test_stability_flags_noise():
    noise = random_register(11, 150).dropna(subset=["relationship_type"])
    report = segment_stability(noise, Segmenter(n_clusters=4, random_state=0), n_resamples=5, random_state=0)
    assert not report.stable
    assert report.verdict.split(":")[0] in ("unstable", "partly stable")


# -- profiles, names, each client ----------------------------------------------------------------
@pytest.fixture
def small():
    c = frame(
        relationship_type=["partnership", "partnership", "recurring", "at_risk", "at_risk", "occasional"],
        profitability=["high", "high", "high", "low", "low", None],
        business_type=["investor", "investor", "contractor", "contractor", "contractor", "contractor"],
        billing=[500.0, 300.0, 200.0, 0.0, 0.0, 0.0],
        profit=[100.0, 60.0, 40.0, -50.0, -50.0, 0.0],
    )
    labels = pd.Series([1, 1, 1, 2, 2, 2], index=pd.Index(list("ABCDEF"), name="client_id"), name="segment")
    return c, labels


def test_profiles_by_hand(small):
    c, labels = small
    scores = pd.DataFrame({"client_id": list("ABCDEF"), "total_score": [90, 80, 70, 10, 20, 30.0]})
    p = segment_profiles(c, labels, scores, catalogue=CAT,
                         criteria=["relationship_type", "profitability", "business_type"])
    assert p["n_clients"].tolist() == [3, 3]
    assert p["billing_share_pct"].tolist() == pytest.approx([100.0, 0.0])
    assert p["profit_share_pct"].tolist() == pytest.approx([200 / 100 * 100, -100.0])
    assert p["total_score"].tolist() == pytest.approx([80.0, 20.0])
    assert p.loc[1, "relationship_type"] == "partnership"
    assert p.loc[1, "relationship_type_pct"] == pytest.approx(200 / 3)
    assert p.loc[1, "relationship_type_portfolio_pct"] == pytest.approx(100 / 3)
    assert p.loc[1, "relationship_type_lift"] == pytest.approx(2.0)
    # profitability: group 2 has a value for 2 clients, both low; portfolio 2 of 5 low
    assert p.loc[2, "profitability"] == "low"
    assert p.loc[2, "profitability_pct"] == pytest.approx(100.0)
    assert p.loc[2, "profitability_portfolio_pct"] == pytest.approx(40.0)
    # mean position: ranks 0, 0, 1/3 -> 1/9
    assert p.loc[2, "relationship_type_mean"] == pytest.approx(1 / 9)
    assert p.loc[1, "business_type_label"] == "Investor"


def test_names_from_distinctive_traits(small):
    c, labels = small
    p = segment_profiles(c, labels, catalogue=CAT, criteria=["relationship_type", "profitability", "business_type"])
    names = name_segments(p, catalogue=CAT)
    # group 1: high profitability +40 points, partnership +33, investor +33 (catalogue order breaks the tie)
    assert names[1] == "High profitability, partnership"
    assert names[2] == "Low profitability, at risk"
    assert name_segments(p, catalogue=CAT).equals(names)


def test_names_unique_on_collision(small):
    c, labels = small
    p = segment_profiles(c, labels, catalogue=CAT, criteria=["relationship_type", "profitability", "business_type"])
    twin = pd.concat([p, p.iloc[[0]].rename(index={1: 3})])
    twin.attrs = p.attrs
    names = name_segments(twin, catalogue=CAT, n_traits=1)
    assert names.is_unique
    assert names[1].startswith("High profitability, partnership")
    assert names[3].endswith("(2)")
    assert names[1].endswith("(1)")


def test_names_of_the_planted_groups(clean, fitted):
    p = segment_profiles(clean, fitted.labels_, catalogue=CAT)
    names = name_segments(p, catalogue=CAT)
    assert names.is_unique and len(names) == 4
    by_group = dict(zip(fitted.labels_[fitted.medoids_].to_numpy(), clean.set_index("client_id").loc[
        fitted.medoids_, "true_group"], strict=True))
    at_risk = [s for s, g in by_group.items() if g == 3][0]
    # its prototype: at risk, low profitability, failing business (the group's two most distinctive)
    traits = names[at_risk].lower().split(", ")
    assert len(traits) == 2 and set(traits) <= {"at risk", "low profitability", "failing business"}


def test_client_differences_by_hand(small):
    c, labels = small
    medoids = pd.Series(["A", "D"], index=pd.Index([1, 2], name="segment"))
    diff = client_differences(c, labels, medoids, catalogue=CAT,
                              criteria=["relationship_type", "profitability", "business_type"])
    row = diff.set_index("client_id").loc["C"]
    # C vs A: relationship 2/3 vs 1 (w 3 -> 1), business type differs (w 1 -> 1): (1 + 0 + 1) / 7
    assert row["distance_to_medoid"] == pytest.approx(2 / 7)
    assert row["n_differences"] == 2
    assert row["main_difference"] == "relationship_type"
    assert row["differences"] == (
        "Relationship type: recurring (medoid: partnership); Business type: contractor (medoid: investor)"
    )
    assert diff.set_index("client_id").loc["A", "n_differences"] == 0
    assert diff.set_index("client_id").loc["A", "differences"] == ""
    # F has no profitability: not compared
    assert "Profitability" not in diff.set_index("client_id").loc["F", "differences"]


def test_names_and_differences_in_french(small):
    c, labels = small
    p = segment_profiles(c, labels, catalogue=CAT, criteria=["relationship_type", "profitability", "business_type"],
                         lang="fr")
    names = name_segments(p, catalogue=CAT, lang="fr")
    # the same traits as in English, in the catalogue's French labels: "Élevée" rentabilité, "Partenariat"
    assert names[1] == "Rentabilité élevée, partenariat"
    assert names[2] == "Rentabilité faible, en danger"
    assert p.loc[1, "business_type_label"] == "Investisseur"
    medoids = pd.Series(["A", "D"], index=pd.Index([1, 2], name="segment"))
    diff = client_differences(c, labels, medoids, catalogue=CAT,
                              criteria=["relationship_type", "profitability", "business_type"], lang="fr")
    assert diff.set_index("client_id").loc["C", "differences"] == (
        "Type de relation : récurrent (médoïde : partenariat) ; Activité du client : entrepreneur "
        "(médoïde : investisseur)"
    )


def test_a_group_without_a_distinctive_trait_and_a_level_none():
    profiles = pd.DataFrame({"rnd_collaboration": ["none", "ongoing"], "rnd_collaboration_label": ["None", "Ongoing"],
                             "rnd_collaboration_pct": [80.0, 40.0], "rnd_collaboration_portfolio_pct": [60.0, 40.0]},
                            index=pd.Index([1, 2], name="segment"))
    profiles.attrs["criteria"] = ["rnd_collaboration"]
    assert name_segments(profiles, catalogue=CAT).tolist() == ["No R&D collaboration", "Mixed group 2"]
    fr = profiles.assign(rnd_collaboration_label=["Aucune", "En cours"])
    fr.attrs = profiles.attrs
    assert name_segments(fr, catalogue=CAT, lang="fr").tolist() == ["Sans collaboration en R&D", "Groupe mixte 2"]


def test_nearest_peers_by_hand():
    c = frame(relationship_type=["partnership", "recurring", "partnership", "at_risk"])
    peers = nearest_peers(c, k=2, catalogue=CAT, criteria=["relationship_type"])
    assert peers.columns.tolist() == ["client_id", "peer_1", "distance_1", "peer_2", "distance_2"]
    a = peers.set_index("client_id").loc["A"]
    assert (a["peer_1"], a["distance_1"]) == ("C", 0.0)
    assert a["peer_2"] == "B" and a["distance_2"] == pytest.approx(1 / 3)
    # B: A and C both at 1/3, the first in the register first
    b = peers.set_index("client_id").loc["B"]
    assert (b["peer_1"], b["peer_2"]) == ("A", "C")
    chunked = nearest_peers(c, k=2, catalogue=CAT, criteria=["relationship_type"], chunk_size=1)
    assert chunked.equals(peers)


# -- pictures --------------------------------------------------------------------------------------------
def test_plots_return_their_axes(clean, fitted):
    p = segment_profiles(clean, fitted.labels_, catalogue=CAT)
    names = name_segments(p, catalogue=CAT)
    points = segment_map(clean, fitted.labels_, max_points=150)
    ax = plot_segment_map(points, names=names, n_clients=len(clean))
    assert len(ax.collections) == 4
    assert sum(len(col.get_offsets()) for col in ax.collections) == 150
    assert "sampled" in ax.get_title(loc="left")
    tree = dendrogram_linkage(clean.iloc[:40])
    ax = plot_dendrogram(tree.linkage, leaves=tree.leaves, n_clusters=3)
    assert len(ax.get_xticklabels()) == 40
    fig, ax0 = plt.subplots()
    assert plot_segment_profiles(p, ax=ax0, names=names) is ax0
    assert len(ax0.get_yticklabels()) == 4
    with pytest.raises(ValueError, match="small portfolios"):
        dendrogram_linkage(clean, max_clients=100)


# -- how many groups, and whether there are any -------------------------------------------------------
def two_groups(n: int = 60) -> pd.DataFrame:
    """Two obvious groups: partners with high profitability and growing business, at-risk clients with the opposite."""
    half = n // 2
    return frame(relationship_type=["partnership"] * half + ["at_risk"] * (n - half),
                 profitability=["high"] * half + ["low"] * (n - half),
                 business_outlook=["growing"] * half + ["failing"] * (n - half))


def test_two_obvious_groups_are_found_stable():
    c = two_groups()
    seg = Segmenter(random_state=0).fit(c)
    assert seg.segmented_ and seg.n_clusters_ == 2
    assert adjusted_rand_score([0] * 30 + [1] * 30, seg.labels_.to_numpy()) == 1.0
    assert seg.stability_.stable and seg.stability_.ari == pytest.approx(1.0)
    # k = 3 would split one of two identical halves: its groups do not come back
    assert seg.selection_.loc[2, "chosen"] and seg.selection_.loc[2, "jaccard_min"] == pytest.approx(1.0)


def test_no_stable_groups_in_noise_and_a_small_portfolio_gets_two_at_most():
    noise = random_register(3, 200).dropna(subset=["relationship_type"])
    seg = Segmenter(criteria=["relationship_type", "profitability", "business_type"], random_state=0).fit(noise)
    assert not seg.segmented_ and seg.n_clusters_ == 1 and seg.labels_.eq(1).all()
    small = two_groups(12)
    seg = Segmenter(random_state=0).fit(small)
    assert seg.min_size_ == 5  # never fewer than 5 clients a group: 12 clients hold 2 groups at most
    assert seg.selection_.loc[seg.selection_["eligible"]].index.max() == 2
    assert seg.n_clusters_ == 2


def test_the_refinement_recovers_blurred_levels():
    # every level blurred into its neighbour for 30 % of the clients: the silhouette of the tree alone prefers 2
    clean = planted(400, seed=2, noise=0.0)
    rng = np.random.default_rng(0)
    blurred = clean.copy()
    for key in ("relationship_type", "share_of_wallet", "profitability", "upsell_potential", "business_outlook"):
        levels = [lv["key"] for lv in CAT.levels_of(key)]
        idx = blurred[key].map({lv: i for i, lv in enumerate(levels)}).to_numpy(dtype=float)
        step = np.where(rng.random(len(idx)) < 0.5, -1, 1)
        moved = np.clip(idx + step, 0, len(levels) - 1)
        idx = np.where((rng.random(len(idx)) < 0.3) & ~np.isnan(idx), moved, idx)
        blurred[key] = pd.array([levels[int(i)] if not np.isnan(i) else None for i in idx], dtype="str")
    seg = Segmenter(random_state=0).fit(blurred)
    assert seg.n_clusters_ == 4
    assert adjusted_rand_score(blurred["true_group"], seg.labels_.to_numpy()) >= 0.9


def test_one_dominating_categorical_criterion_is_named():
    # a region splits the clients in three; the other criteria are noise
    rng = np.random.default_rng(5)
    c = random_register(5, 150).assign(region=np.repeat(["north", "south", "west"], 50))
    c["region_score"] = rng.normal(size=150)
    seg = Segmenter(criteria={"region": "categorical", "relationship_type": None, "profitability": None},
                    weights={"region": 5}, random_state=0).fit(c)
    assoc = criterion_association(c, seg.labels_, criteria={"region": "categorical",
                                                            "relationship_type": None, "profitability": None})
    assert seg.n_clusters_ == 3
    assert assoc.set_index("criterion").loc["region", "ari"] == pytest.approx(1.0)
    assert assoc.set_index("criterion").loc["region", "cramers_v"] == pytest.approx(1.0)
    assert dominant_criterion(assoc) == "region"


def test_criteria_that_carry_information():
    c = frame(relationship_type=["partnership", "at_risk", None, None, None, None, None, None, None, None, None],
              profitability=["high"] * 11, billing=[float(10 ** i) for i in range(11)])
    table = criteria_table(c, ["relationship_type", "profitability", "billing_size", "rnd_collaboration"],
                           catalogue=CAT).set_index("criterion")
    # 2 of 11 known (18 % < 20 %); all alike; a spread of figures; no column at all
    assert table.loc["relationship_type", "known_pct"] == pytest.approx(200 / 11)
    assert table.loc["profitability", "top_share_pct"] == pytest.approx(100.0)
    assert table["informative"].tolist() == [False, False, True, False]
    assert table.loc["rnd_collaboration", "known_pct"] == 0.0


def test_only_billing_gives_no_segmentation():
    from portfolio_analysis.load.portfolio import load_portfolio
    from portfolio_analysis.pipeline import analyse

    register = pd.DataFrame({"client_id": [f"C{i}" for i in range(12)], "name": [f"N{i}" for i in range(12)],
                             "billing": [1000.0 * (i + 1) ** 2 for i in range(12)]})
    a = analyse(load_portfolio(register))
    seg = a.facts["segmentation"]
    assert seg["status"] == "too_few_criteria" and seg["criteria"] == ["billing_size"]
    assert a.segments["segment"].isna().all() and a.segments["segment_name"].eq("not segmented").all()
    assert a.relationship_plan["segment"].eq("not segmented").all()
    assert a.segment_profiles.empty and a.segment_map.empty
    fr = analyse(load_portfolio(register), lang="fr")
    assert fr.segments["segment_name"].eq("non segmenté").all()


def test_include_exclude_and_weights_reach_the_segmentation():
    from portfolio_analysis.load.portfolio import load_portfolio
    from portfolio_analysis.pipeline import analyse, resolve_config

    c = planted(150, seed=3)
    cat = resolve_config(overrides=["settings.segmentation.exclude=[business_type, decision_criteria]",
                                    "settings.segmentation.weights.profitability=3"])
    a = analyse(load_portfolio(c.drop(columns="true_group"), catalogue=cat), cat)
    seg = a.facts["segmentation"]
    assert "business_type" not in seg["criteria"] and "decision_criteria" not in seg["criteria"]
    assert seg["weights"]["profitability"] == 3.0 and seg["weights"]["relationship_type"] == 1.0
    assert set(a.segment_criteria["criterion"]) == set(seg["criteria_asked"])
