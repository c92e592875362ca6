"""Tests of portfolio_analysis.steps.segmentation.layout: the map's coordinates and the tree's merges.

On one ordinal criterion the Gower distance is the difference of ranks (relationship_type:
at_risk 0, occasional 1/3, recurring 2/3, partnership 1), a line: the map must lay the
clients out along it, at exactly those distances.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.steps.segmentation import Segmenter, dendrogram_linkage, segment_map

CAT = load_catalogue()
RANK = {"at_risk": 0.0, "occasional": 1 / 3, "recurring": 2 / 3, "partnership": 1.0}


def register(relationship, **more) -> pd.DataFrame:
    ids = [chr(ord("A") + i) for i in range(len(relationship))]
    return pd.DataFrame({"client_id": ids, "relationship_type": relationship, **more})


def pairwise(points: pd.DataFrame) -> np.ndarray:
    xy = points[["x", "y"]].to_numpy()
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))


# -- segment_map -------------------------------------------------------------------------------
def test_map_one_row_per_client_with_the_labels_given():
    c = register(["partnership", "partnership", "recurring", "at_risk", "occasional", "at_risk"],
                 profitability=["high", "high", "moderate", "low", None, "low"])
    # labels keyed by client_id, listed in another order than the register
    labels = pd.Series([2, 1, 2, 1, 1, 2], index=list("FEDCBA"), name="segment")
    points = segment_map(c, labels, catalogue=CAT, criteria=["relationship_type", "profitability"])
    assert points.columns.tolist() == ["client_id", "x", "y", "segment"]
    assert points["client_id"].tolist() == list("ABCDEF")
    assert points["segment"].tolist() == [2, 1, 1, 2, 1, 2]
    assert np.isfinite(points[["x", "y"]].to_numpy()).all()


def test_identical_clients_share_a_point():
    c = register(["partnership", "partnership", "recurring", "at_risk", "occasional"],
                 profitability=["high", "high", "low", "low", "moderate"])
    points = segment_map(c, pd.Series([1, 1, 2, 2, 2], index=list("ABCDE")), catalogue=CAT,
                         criteria=["relationship_type", "profitability"]).set_index("client_id")
    assert points.loc["A", ["x", "y"]].tolist() == pytest.approx(points.loc["B", ["x", "y"]].tolist(), abs=1e-9)
    # and no one else is there: C differs from A on both criteria (distance (3 * 1/3 + 3 * 1) / 6 = 2/3)
    assert np.hypot(*(points.loc["A", ["x", "y"]] - points.loc["C", ["x", "y"]])) > 0.3


def test_map_distances_are_the_gower_distances_on_a_line():
    levels = ["at_risk", "occasional", "recurring", "partnership", "recurring"]
    c = register(levels)
    points = segment_map(c, pd.Series([1, 1, 2, 2, 2], index=list("ABCDE")), catalogue=CAT,
                         criteria=["relationship_type"])
    r = np.array([RANK[v] for v in levels])
    # at_risk to partnership 1, occasional to recurring 1/3, the two recurring 0 ...
    assert pairwise(points) == pytest.approx(np.abs(r[:, None] - r[None, :]), abs=1e-6)


def test_map_of_one_or_two_clients():
    two = segment_map(register(["partnership", "at_risk"]), pd.Series([1, 2], index=["A", "B"]),
                      catalogue=CAT, criteria=["relationship_type"])
    assert two[["x", "y"]].to_numpy().tolist() == [[0.0, 0.0], [1.0, 0.0]]
    one = segment_map(register(["partnership"]), pd.Series([1], index=["A"]), catalogue=CAT,
                      criteria=["relationship_type"])
    assert one[["client_id", "x", "y", "segment"]].to_numpy().tolist() == [["A", 0.0, 0.0, 1]]


def test_map_samples_above_max_points_and_is_deterministic():
    levels = ["at_risk", "occasional", "recurring", "partnership"] * 5
    c = register(levels)
    labels = pd.Series(np.arange(20) % 3 + 1, index=c["client_id"])
    a = segment_map(c, labels, catalogue=CAT, criteria=["relationship_type"], max_points=8, random_state=3)
    b = segment_map(c, labels, catalogue=CAT, criteria=["relationship_type"], max_points=8, random_state=3)
    assert len(a) == 8 and a["client_id"].is_unique
    assert a["client_id"].isin(c["client_id"]).all()
    # in the register's order, each with its own label
    assert a["client_id"].tolist() == sorted(a["client_id"], key=lambda i: c["client_id"].tolist().index(i))
    assert a["segment"].tolist() == labels.loc[a["client_id"]].tolist()
    pd.testing.assert_frame_equal(a, b)


def test_map_needs_a_label_for_every_client():
    c = register(["partnership", "at_risk", "recurring"])
    with pytest.raises(ValueError, match="no group for clients"):
        segment_map(c, pd.Series([1, 2], index=["A", "B"]), catalogue=CAT, criteria=["relationship_type"])


def test_map_of_a_fitted_segmenter():
    c = register(["partnership", "partnership", "recurring", "at_risk", "at_risk", "occasional"])
    seg = Segmenter(criteria=["relationship_type"], n_clusters=2, catalogue=CAT).fit(c)
    points = segment_map(c, seg.labels_, catalogue=CAT, criteria=["relationship_type"])
    assert points.set_index("client_id")["segment"].equals(seg.labels_.rename_axis("client_id"))


# -- dendrogram_linkage ---------------------------------------------------------------------
def test_linkage_by_hand():
    # A, B partnership (1), C recurring (2/3), D at_risk (0):
    # A-B 0; {A,B}-C 1/3; D to {A,B,C}: (1 + 1 + 2/3) / 3 = 8/9
    c = register(["partnership", "partnership", "recurring", "at_risk"], name=["Alpha", None, "Gamma", "Delta"])
    tree = dendrogram_linkage(c, catalogue=CAT, criteria=["relationship_type"])
    z = tree.linkage
    assert z.columns.tolist() == ["left", "right", "height", "size"]
    assert len(z) == 3
    assert [set(pair) for pair in zip(z["left"], z["right"])] == [{0, 1}, {2, 4}, {3, 5}]
    assert z["height"].tolist() == pytest.approx([0.0, 1 / 3, 8 / 9])
    assert z["size"].tolist() == [2, 3, 4]
    assert tree.leaves["leaf"].tolist() == [0, 1, 2, 3]
    assert tree.leaves["client_id"].tolist() == ["A", "B", "C", "D"]
    # B has no name: its client_id stands in
    assert tree.leaves["label"].tolist() == ["Alpha", "B", "Gamma", "Delta"]


def test_linkage_invariants():
    rng = np.random.default_rng(5)
    levels = list(RANK)
    c = register([levels[i] for i in rng.integers(0, 4, 30)],
                 profitability=[["low", "moderate", "high"][i] for i in rng.integers(0, 3, 30)])
    tree = dendrogram_linkage(c, catalogue=CAT, criteria=["relationship_type", "profitability"])
    z = tree.linkage
    n = len(c)
    assert len(z) == n - 1
    assert (np.diff(z["height"].to_numpy()) >= -1e-12).all()  # average linkage: no inversions
    assert z["height"].between(0, 1).all()
    assert z["size"].iloc[-1] == n
    # every cluster is merged exactly once, and only after it exists
    merged = np.concatenate([z["left"], z["right"]])
    assert sorted(merged) == list(range(2 * n - 2))
    assert all(max(lt, rt) < n + i for i, (lt, rt) in enumerate(zip(z["left"], z["right"])))
    # without a name column the labels are the client ids
    assert tree.leaves["label"].tolist() == c["client_id"].tolist()


def test_linkage_size_limits():
    c = register(["partnership", "at_risk", "recurring"])
    with pytest.raises(ValueError, match="small portfolios"):
        dendrogram_linkage(c, catalogue=CAT, criteria=["relationship_type"], max_clients=2)
    with pytest.raises(ValueError, match="at least 2 clients"):
        dendrogram_linkage(c.iloc[:1], catalogue=CAT, criteria=["relationship_type"])
