"""Where the clients sit in the pictures of the segmentation: computed here, drawn in plots.

:func:`segment_map` gives each client's place on the 2-D map (metric MDS of the
Gower distances) and :func:`dendrogram_linkage` the merges of the average-linkage
tree; :mod:`portfolio_analysis.plots.segments` only draws these tables.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import squareform

from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.steps.segmentation._common import _align_labels, _catalogue
from portfolio_analysis.steps.segmentation._gower import encode_features, gower_distances

__all__ = ["DendrogramTables", "dendrogram_linkage", "segment_map"]


def segment_map(
    clients: pd.DataFrame,
    labels: pd.Series,
    *,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
    weights: Mapping[str, float] | None = None,
    max_points: int = 1500,
    random_state: int = 0,
) -> pd.DataFrame:
    """Each client's place on a 2-D map where close points are similar clients.

    The coordinates are a metric MDS of the Gower distances, started from classical
    MDS, so that the map is the same on every run; two clients at distance 0 (alike
    on every criterion) share a point. The axes have no unit: only distances between
    points mean something. Above ``max_points`` clients a seeded random sample is
    mapped (MDS needs every pair of distances).

    Parameters
    ----------
    clients : DataFrame
        The register.
    labels : Series
        Group per client, indexed by ``client_id`` (``Segmenter.labels_``).
    catalogue, criteria, weights
        As given to the segmenter.
    max_points : int
        The most clients mapped.
    random_state : int
        Seed of the sample and of MDS.

    Returns
    -------
    DataFrame
        ``client_id``, ``x``, ``y``, ``segment``: one row per mapped client (every
        client up to ``max_points``), in the order of the register.

    Examples
    --------
    >>> clients = pd.DataFrame({"client_id": ["A", "B"], "relationship_type": ["partnership", "at_risk"]})
    >>> segment_map(clients, pd.Series([1, 2], index=["A", "B"]), criteria=["relationship_type"])
      client_id    x    y  segment
    0         A  0.0  0.0        1
    1         B  1.0  0.0        2
    """
    cat = _catalogue(catalogue)
    group = _align_labels(clients, labels)
    n = len(clients)
    rows = np.arange(n)
    if n > max_points:
        rows = np.sort(np.random.default_rng(random_state).choice(n, size=max_points, replace=False))
    enc = encode_features(clients.iloc[rows], catalogue=cat, criteria=criteria, weights=weights)
    if len(rows) >= 3:
        from sklearn.manifold import MDS

        distances = gower_distances(enc)

        def mds(init: str):
            return MDS(n_components=2, metric_mds=True, metric="precomputed", init=init, n_init=1, max_iter=300,
                       random_state=random_state, normalized_stress="auto").fit_transform(distances)

        try:
            # the classical start takes square roots of the eigenvalues: a negative one warns, then fails below
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "invalid value encountered in sqrt", RuntimeWarning)
                xy = mds("classical_mds")
        except ValueError:
            # distances that are far from Euclidean (a few clients, few criteria) give the classical start a
            # negative eigenvalue, hence NaN: start from random positions instead
            xy = mds("random")
    else:
        # one or two clients: side by side, one unit apart
        xy = np.column_stack([np.arange(len(rows), dtype=float), np.zeros(len(rows))])
    return pd.DataFrame(
        {
            "client_id": pd.Series(enc.client_id, dtype="str"),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "segment": group[rows],
        }
    )


class DendrogramTables(NamedTuple):
    """The average-linkage tree of the clients, as :func:`dendrogram_linkage` gives it.

    Attributes
    ----------
    linkage : DataFrame
        One row per merge, lowest first (``n - 1`` rows): ``left`` and ``right`` (the
        merged clusters: ``0 .. n-1`` a client, by its ``leaf`` number; ``n + i`` the
        cluster formed by merge ``i``), ``height`` (their average Gower distance) and
        ``size`` (clients in the new cluster). SciPy's linkage matrix, column by column.
    leaves : DataFrame
        One row per client: ``leaf`` (0 .. n-1, the register's order), ``client_id``
        and ``label`` (the text under the leaf).
    """

    linkage: pd.DataFrame
    leaves: pd.DataFrame


def dendrogram_linkage(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
    weights: Mapping[str, float] | None = None,
    label_column: str = "name",
    max_clients: int = 2000,
) -> DendrogramTables:
    """The average-linkage tree of the clients on the Gower distance (small portfolios).

    The tree the segmenter cuts (see :class:`Segmenter`), for a dendrogram.

    Parameters
    ----------
    clients : DataFrame
        The register.
    catalogue, criteria, weights
        As given to the segmenter.
    label_column : str
        The leaves' labels (``name`` by default; ``client_id`` when there is no such column or the cell is missing).
    max_clients : int
        Larger portfolios raise ``ValueError``: a dendrogram of thousands of leaves is
        unreadable (and the distances take ``8 n²`` bytes); use :func:`segment_map`.

    Returns
    -------
    DendrogramTables
        ``linkage`` (one row per merge) and ``leaves`` (one row per client).

    Examples
    --------
    >>> clients = pd.DataFrame({"client_id": ["A", "B", "C"],
    ...                         "relationship_type": ["partnership", "partnership", "at_risk"]})
    >>> tree = dendrogram_linkage(clients, criteria=["relationship_type"])
    >>> tree.linkage
       left  right  height  size
    0     0      1     0.0     2
    1     2      3     1.0     3
    >>> tree.leaves["label"].tolist()
    ['A', 'B', 'C']
    """
    n = len(clients)
    if n > max_clients:
        raise ValueError(
            f"{n:,} clients: a dendrogram is readable for small portfolios only (at most {max_clients:,}); "
            "use segment_map"
        )
    if n < 2:
        raise ValueError("a dendrogram needs at least 2 clients")
    enc = encode_features(clients, catalogue=catalogue, criteria=criteria, weights=weights)
    Z = linkage(squareform(gower_distances(enc), checks=False), method="average")
    merges = pd.DataFrame(
        {
            "left": Z[:, 0].astype(np.int64),
            "right": Z[:, 1].astype(np.int64),
            "height": Z[:, 2],
            "size": Z[:, 3].astype(np.int64),
        }
    )
    ids = clients["client_id"].astype("str")
    column = label_column if label_column in clients.columns else "client_id"
    leaves = pd.DataFrame(
        {
            "leaf": np.arange(n, dtype=np.int64),
            "client_id": ids.to_numpy(),
            "label": clients[column].astype("string").fillna(ids.astype("string")).to_numpy(dtype=object),
        }
    )
    leaves = leaves.astype({"client_id": "str", "label": "str"})
    return DendrogramTables(merges, leaves)
