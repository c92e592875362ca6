"""Segmentation: groups of clients on their mixed criteria, stable, named and explained.

The steps, in the order of the notebook, each in its module:

1. **Distance** (:mod:`._gower`) — :func:`encode_features` and :func:`gower_distances`:
   a Gower-style distance made for the criteria of the register (ordinal levels by
   rank, categories by match, the multi-valued decision criteria by Jaccard, amounts
   on a log scale, per-criterion weights, missing values skipped pair by pair).
2. **Groups** (:mod:`.cluster`) — :class:`Segmenter`: average-linkage hierarchical
   clustering refined by relocation (default) or k-medoids, on that distance; the
   number of groups is the one with the best silhouette over ``k_range`` among those
   whose every group has at least ``min_size`` clients, or fixed. Above
   ``sample_size`` clients a seeded random sample is clustered and every other client
   joins the group it is closest to (on average, or by its medoid), so that memory
   stays bounded (100,000 clients in about 10 s and 0.6 GB).
3. **Stability** (:mod:`.stability`) — :func:`segment_stability`: the segmentation is
   repeated on random subsamples; each group's best-match Jaccard (Hennig 2007) and
   the adjusted Rand index of the whole partition say whether the groups are real.
4. **Profiles and names** (:mod:`.describe`) — :func:`segment_profiles`,
   :func:`name_segments`, :func:`segment_table`; per client,
   :func:`client_differences` (how it differs from its group's medoid) and
   :func:`nearest_peers`.
5. **Pictures, computed** (:mod:`.layout`) — :func:`segment_map` (each client's place
   on a 2-D map) and :func:`dendrogram_linkage` (the merges of the tree), tables that
   :mod:`portfolio_analysis.plots.segments` draws; nothing here draws.

Weights default to the catalogue's; a criterion that feeds no score
(``service_needs``, ``business_type``) weighs :data:`DESCRIPTIVE_WEIGHT` (1).

>>> import pandas as pd
>>> clients = pd.DataFrame({
...     "client_id": ["A", "B", "C", "D"],
...     "relationship_type": ["partnership", "partnership", "at_risk", "at_risk"],
...     "profitability": ["high", "high", "low", "low"]})
>>> Segmenter(n_clusters=2).fit(clients).labels_.tolist()
[1, 1, 2, 2]
"""

from portfolio_analysis.steps.segmentation._gower import (
    DESCRIPTIVE_WEIGHT,
    EncodedClients,
    encode_features,
    gower_distances,
)
from portfolio_analysis.steps.segmentation.cluster import Segmenter
from portfolio_analysis.steps.segmentation.describe import (
    client_differences,
    name_segments,
    nearest_peers,
    segment_profiles,
    segment_table,
)
from portfolio_analysis.steps.segmentation.layout import DendrogramTables, dendrogram_linkage, segment_map
from portfolio_analysis.steps.segmentation.stability import (
    JACCARD_THRESHOLDS,
    StabilityReport,
    _best_jaccard,  # noqa: F401  (tested)
    _group_verdict,  # noqa: F401  (tested)
    segment_stability,
)

__all__ = [
    "DESCRIPTIVE_WEIGHT",
    "JACCARD_THRESHOLDS",
    "DendrogramTables",
    "EncodedClients",
    "Segmenter",
    "StabilityReport",
    "client_differences",
    "dendrogram_linkage",
    "encode_features",
    "gower_distances",
    "name_segments",
    "nearest_peers",
    "segment_map",
    "segment_profiles",
    "segment_stability",
    "segment_table",
]
