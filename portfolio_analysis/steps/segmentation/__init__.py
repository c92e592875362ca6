"""Segmentation: groups of clients on their mixed criteria, stable, named and explained.

The steps, in the order of the notebook, each in its module:

1. **Distance** (:mod:`._gower`) — :func:`encode_features` and :func:`gower_distances`:
   a Gower-style distance made for the criteria of the register (ordinal levels by
   rank, categories by match, the multi-valued decision criteria by Jaccard, amounts
   on a log scale, per-criterion weights, missing values skipped pair by pair).
2. **Groups** (:mod:`.cluster`) — :class:`Segmenter`: average-linkage hierarchical
   clustering on that distance, refined by a latent class model (:mod:`._latent`:
   each client moves to the group under which its values are the most probable). The
   number of groups, unless fixed, is the one with the best ICL among those whose
   groups all come back in resamples and hold at least ``min_size`` clients; when
   none does, there is no segmentation (``segmented_`` is False). Above
   ``sample_size`` clients a seeded random sample starts the groups and every client
   is then refined, so that memory stays bounded.
3. **Stability** (:mod:`.stability`) — the resamples that chose the number of groups
   say how well each group comes back (``Segmenter.stability_``: best-match Jaccard,
   Hennig 2007, and the adjusted Rand index); :func:`segment_stability` re-fits whole
   segmentations for a second opinion. **Criteria** (:mod:`.criteria`): which ones
   carry information (:func:`criteria_table`; fewer than two, no segmentation) and
   which one, if any, alone makes the groups (:func:`criterion_association`,
   :func:`dominant_criterion`).
4. **Profiles and names** (:mod:`.describe`) — :func:`segment_profiles`,
   :func:`name_segments`, :func:`segment_table`; per client,
   :func:`client_differences` (how it differs from its group's medoid) and
   :func:`nearest_peers`.
5. **Pictures, computed** (:mod:`.layout`) — :func:`segment_map` (each client's place
   on a 2-D map) and :func:`dendrogram_linkage` (the merges of the tree), tables that
   :mod:`portfolio_analysis.plots.segments` draws; nothing here draws.

:func:`encode_features` weighs the criteria as the scores do (a criterion that feeds no
score, ``service_needs`` or ``business_type``, weighs :data:`DESCRIPTIVE_WEIGHT`, 1);
:class:`Segmenter` weighs each criterion 1 unless told otherwise (:func:`segment_weights`).

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
from portfolio_analysis.steps.segmentation.cluster import Segmenter, choose_k, segment_weights
from portfolio_analysis.steps.segmentation.criteria import (
    criteria_table,
    criterion_association,
    dominant_criterion,
    resolve_segmentation_criteria,
)
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
    stability_report,
)

__all__ = [
    "DESCRIPTIVE_WEIGHT",
    "JACCARD_THRESHOLDS",
    "DendrogramTables",
    "EncodedClients",
    "Segmenter",
    "StabilityReport",
    "choose_k",
    "client_differences",
    "criteria_table",
    "criterion_association",
    "dendrogram_linkage",
    "dominant_criterion",
    "encode_features",
    "gower_distances",
    "name_segments",
    "nearest_peers",
    "resolve_segmentation_criteria",
    "segment_map",
    "segment_profiles",
    "segment_stability",
    "segment_table",
    "segment_weights",
    "stability_report",
]
