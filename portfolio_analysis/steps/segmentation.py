"""Segmentation: groups of clients on their mixed criteria, stable, named and explained.

The steps, in the order of the notebook:

1. **Distance** — :func:`encode_features` and :func:`gower_distances`: a Gower-style
   distance made for the criteria of the register (ordinal levels by rank,
   categories by match, the multi-valued decision criteria by Jaccard, amounts on a
   log scale, per-criterion weights, missing values skipped pair by pair). The
   rules are written out in :mod:`portfolio_analysis.steps._gower`.
2. **Groups** — :class:`Segmenter`: average-linkage hierarchical clustering
   refined by relocation (default) or k-medoids, on that distance; the number of
   groups is the one with the best silhouette over ``k_range`` among those whose
   every group has at least ``min_size`` clients, or fixed. Above ``sample_size``
   clients a seeded random sample is clustered and every other client joins the
   group it is closest to (on average, or by its medoid), so that memory stays
   bounded (100,000 clients in about 10 s and 0.6 GB).
3. **Stability** — :func:`segment_stability`: the segmentation is repeated on
   random subsamples; each group's best-match Jaccard (Hennig 2007) and the
   adjusted Rand index of the whole partition say whether the groups are real.
4. **Profiles and names** — :func:`segment_profiles`, :func:`name_segments`; per
   client, :func:`client_differences` (how it differs from its group's medoid) and
   :func:`nearest_peers`.
5. **Pictures** — :func:`plot_segment_map`, :func:`plot_dendrogram`,
   :func:`plot_segment_profiles`.

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

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import dendrogram, fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.metrics import adjusted_rand_score, silhouette_score

from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.steps._gower import (
    DESCRIPTIVE_WEIGHT,
    EncodedClients,
    _block,
    _chunk_rows,
    _numeric_values,
    _text,
    encode_features,
    gower_distances,
    nearest,
    nearest_group,
    resolve_criteria,
)

__all__ = [
    "DESCRIPTIVE_WEIGHT",
    "JACCARD_THRESHOLDS",
    "EncodedClients",
    "Segmenter",
    "StabilityReport",
    "client_differences",
    "encode_features",
    "gower_distances",
    "name_segments",
    "nearest_peers",
    "plot_dendrogram",
    "plot_segment_map",
    "plot_segment_profiles",
    "segment_profiles",
    "segment_stability",
]

#: Hennig's (2007, 2008) reading of a group's mean best-match Jaccard over resamples:
#: below 0.5 the group dissolves; 0.5-0.6 unstable; 0.6-0.75 a pattern whose members are
#: doubtful; 0.75-0.85 stable; 0.85 and above highly stable.
JACCARD_THRESHOLDS = {"dissolved": 0.5, "unstable": 0.6, "pattern": 0.75, "stable": 0.85}

# how a trait reads in a segment name ({level} and {criterion} are the catalogue's labels)
_PHRASES = {
    "relationship_type": "{level}",
    "business_type": "{level}",
    "decision_criteria": "buys on {level}",
    "ease_of_collaboration": "{level} to work with",
    "business_outlook": "{level} business",
}
_TERCILES = ("low", "medium", "high")
_TERCILE_LABELS = {"en": ("Low", "Medium", "High"), "fr": ("Faible", "Moyen", "Élevé")}


def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    return load_catalogue() if catalogue is None else catalogue


def _check_random_state(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        raise ValueError("random_state=None: give a seed (an int) so that the segmentation is deterministic")
    return np.random.default_rng(random_state)


# -- clustering on a precomputed distance ------------------------------------------------
def _medoids_of(D: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per group 0..k-1, the member with the smallest total distance to the other members."""
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), labels] = 1.0
    within = D @ onehot  # distance of each client to every group, summed
    within[onehot == 0] = np.inf
    return np.argmin(within, axis=0)


def _cost(D: np.ndarray, medoids: np.ndarray) -> float:
    return float(D[:, medoids].min(axis=1).sum())


def _alternate(D: np.ndarray, medoids: np.ndarray, max_iter: int = 100) -> np.ndarray:
    """k-medoids by alternating assignment and medoid update, until nothing moves."""
    k = len(medoids)
    for _ in range(max_iter):
        labels = np.argmin(D[:, medoids], axis=1)
        labels[medoids] = np.arange(k)  # a medoid stays in its own group, even on ties
        new = _medoids_of(D, labels, k)
        if np.array_equal(new, medoids):
            break
        medoids = new
    return medoids


def _kmedoids_pp(D: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-medoids++ seeding: each next medoid drawn with probability proportional to d^2."""
    n = len(D)
    chosen = [int(rng.integers(n))]
    closest = D[:, chosen[0]].copy()
    for _ in range(k - 1):
        weight = closest**2
        total = weight.sum()
        nxt = int(rng.choice(n, p=weight / total)) if total > 0 else int(rng.integers(n))
        chosen.append(nxt)
        np.minimum(closest, D[:, nxt], out=closest)
    return np.array(chosen)


def _kmedoids(D: np.ndarray, k: int, starts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Best of the starts (lowest total distance to the medoids; the first on ties)."""
    best, best_cost = None, np.inf
    for start in starts:
        medoids = _alternate(D, np.asarray(start))
        cost = _cost(D, medoids)
        if cost < best_cost - 1e-12:
            best, best_cost = medoids, cost
    labels = np.argmin(D[:, best], axis=1)
    labels[best] = np.arange(k)
    return labels, best


def _average_cut(Z: np.ndarray, D: np.ndarray, k: int, min_size: int) -> np.ndarray:
    """Cut the average-linkage tree into ``k`` groups of at least ``min_size`` clients.

    The tree is cut lower and lower until it has ``k`` branches of ``min_size``
    clients or more; the clients of the smaller branches (outliers, which average
    linkage isolates) join the nearest of those groups' medoids.
    """
    n = len(D)
    labels = fcluster(Z, k, criterion="maxclust") - 1
    for t in range(k, min(n, k + 10 * max(k, 5)) + 1):
        labels = fcluster(Z, t, criterion="maxclust") - 1
        sizes = np.bincount(labels)
        if (sizes >= min_size).sum() >= k:
            break
    sizes = np.bincount(labels)
    big = np.argsort(-sizes, kind="stable")[: min(k, int((sizes > 0).sum()))]
    remap = np.full(len(sizes), -1)
    remap[big] = np.arange(len(big))
    out = remap[labels]
    small = out < 0
    if small.any():
        sub = np.flatnonzero(~small)
        medoids = sub[_medoids_of(D[np.ix_(sub, sub)], out[sub], len(big))]
        out[small] = np.argmin(D[np.ix_(np.flatnonzero(small), medoids)], axis=1)
    return out


def _relocate(D: np.ndarray, labels: np.ndarray, k: int, max_iter: int = 50) -> np.ndarray:
    """Move each client to the group it is closest to on average, until none moves.

    The mean distance to its own group leaves the client out (the silhouette's
    ``a(i)``). A pass that would empty a group is not made.
    """
    n = len(D)
    rows = np.arange(n)
    for _ in range(max_iter):
        onehot = np.zeros((n, k))
        onehot[rows, labels] = 1.0
        sizes = onehot.sum(axis=0)
        count = np.broadcast_to(sizes, (n, k)).copy()
        count[rows, labels] -= 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (D @ onehot) / count
        mean[count <= 0] = np.inf
        new = np.argmin(mean, axis=1)
        if np.array_equal(new, labels) or len(np.unique(new)) < k:
            break
        labels = new
    return labels


def _resolve_min_size(min_size, n_total: int, n_sample: int) -> int:
    """Minimum group size in the clustered sample (a share, or a count of the whole portfolio)."""
    if isinstance(min_size, bool) or not isinstance(min_size, (int, float, np.number)) or min_size < 0:
        raise ValueError(f"min_size={min_size!r}: expected a share in [0, 1) or a number of clients")
    if min_size < 1:
        return max(1, math.ceil(min_size * n_sample))
    return max(1, math.ceil(min_size * n_sample / n_total))


@dataclass(frozen=True)
class _Partition:
    labels: np.ndarray  # 0..k-1 per clustered client
    medoids: np.ndarray  # positions in the clustered sample
    silhouette: pd.Series
    selection: pd.DataFrame


class Segmenter(ClusterMixin, BaseEstimator):
    """Groups of clients on their criteria, with the Gower distance of this package.

    Parameters
    ----------
    criteria : list of str or dict of criterion to kind, optional
        The criteria to segment on (see :func:`encode_features`). Default: every
        catalogue criterion the register has, and ``business_type``.
    n_clusters : int, optional
        A fixed number of groups. Default: chosen from ``k_range`` by silhouette.
    k_range : (int, int)
        Smallest and largest number of groups tried (inclusive).
    min_size : float or int
        Smallest group allowed when choosing the number of groups: a share of the
        clients when below 1 (default 3 %), else a number of clients.
    method : {"average", "kmedoids"}
        ``average`` (default): the average-linkage tree of the clients, cut into ``k``
        groups of at least ``min_size`` clients (the clients of smaller branches, the
        outliers that average linkage isolates, join the nearest group), then each
        client moved to the group it is closest to on average until none moves; a
        client outside the clustered sample joins the group at the smallest mean
        distance. ``kmedoids``: k-medoids by alternating assignment and medoid update,
        started from the average-linkage groups and from ``n_init`` k-medoids++ seeds,
        the lowest total distance to the medoids kept; a client outside the sample
        joins its nearest medoid.
    sample_size : int
        Above this many clients a seeded random sample of this size is clustered and
        the others are assigned as ``method`` says.
    weights : dict, optional
        Per-criterion weights overriding the catalogue's.
    catalogue : Catalogue, optional
        The shipped catalogue by default.
    n_init : int
        ``kmedoids`` only: k-medoids++ starts besides the average-linkage one.
    random_state : int
        Seed of the sample and of the k-medoids++ starts; one seed, one result.

    Attributes
    ----------
    labels_ : Series of int
        Group of each client (1 = the largest group), indexed by ``client_id``.
    medoids_ : Series of str
        The medoid's ``client_id`` of each group, indexed by group.
    n_clusters_ : int
    silhouette_ : Series of float
        Mean silhouette on the clustered clients, per number of groups tried.
    selection_ : DataFrame
        Per number of groups tried: ``silhouette``, ``smallest`` group, ``eligible``
        (every group of at least ``min_size_`` clients), ``chosen``.
    distance_to_medoid_ : Series of float
        Each client's distance to its group's medoid.
    encoding_ : EncodedClients
        The clients as encoded (criteria, weights, scales).
    sample_ids_ : ndarray
        The clients that were clustered (all of them up to ``sample_size``).
    """

    def __init__(
        self,
        criteria: Sequence[str] | Mapping[str, str | None] | None = None,
        n_clusters: int | None = None,
        k_range: tuple[int, int] = (2, 8),
        min_size: float = 0.03,
        method: str = "average",
        sample_size: int = 3000,
        weights: Mapping[str, float] | None = None,
        catalogue: Catalogue | None = None,
        n_init: int = 4,
        random_state: int = 0,
    ):
        self.criteria = criteria
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.min_size = min_size
        self.method = method
        self.sample_size = sample_size
        self.weights = weights
        self.catalogue = catalogue
        self.n_init = n_init
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------------
    def fit(self, clients: pd.DataFrame, y=None) -> Segmenter:
        """Group the clients; returns ``self`` with ``labels_``, ``medoids_``, ...

        Parameters
        ----------
        clients : DataFrame
            A loaded register (``client_id`` unique, criteria as canonical keys).
        """
        enc = encode_features(
            clients, catalogue=self.catalogue, criteria=self.criteria, weights=self.weights
        )
        if pd.Index(enc.client_id).has_duplicates:
            raise ValueError("clients: client_id must be unique to segment the clients")
        return self._fit_encoded(enc)

    def _check_params(self, n: int) -> list[int]:
        if self.method not in ("kmedoids", "average"):
            raise ValueError(f"method={self.method!r}: expected 'kmedoids' or 'average'")
        if not (isinstance(self.sample_size, (int, np.integer)) and self.sample_size >= 2):
            raise ValueError(f"sample_size={self.sample_size!r}: expected an integer >= 2")
        if n < 2:
            raise ValueError(f"{n} client(s): at least 2 are needed to form groups")
        if self.n_clusters is not None:
            k = int(self.n_clusters)
            if k < 1:
                raise ValueError(f"n_clusters={self.n_clusters!r}: expected a positive number of groups")
            return [min(k, n)]
        low, high = (int(v) for v in self.k_range)
        if not 2 <= low <= high:
            raise ValueError(f"k_range={self.k_range!r}: expected (low, high) with 2 <= low <= high")
        ks = [k for k in range(low, high + 1) if k < n]
        return ks or [min(low, n)]

    def _fit_encoded(self, enc: EncodedClients) -> Segmenter:
        n = len(enc)
        ks = self._check_params(n)
        rng = _check_random_state(self.random_state)
        if n > self.sample_size:
            sample = np.sort(rng.choice(n, size=int(self.sample_size), replace=False))
        else:
            sample = np.arange(n)
        sub = enc.take(sample)
        D = gower_distances(sub)
        min_size = _resolve_min_size(self.min_size, n, len(sample))
        part = self._partition(D, ks, min_size, rng)
        k = len(part.medoids)
        labels = np.empty(n, dtype=np.int64)
        labels[sample] = part.labels
        rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
        if len(rest):
            labels[rest] = self._assign(enc.take(rest), sub, part.labels, sample[part.medoids], enc, k)
        medoid_pos = sample[part.medoids]
        # groups numbered 1.. by decreasing size, ties by their medoid's position
        sizes = np.bincount(labels, minlength=k)
        order = np.lexsort((medoid_pos, -sizes))
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(1, k + 1)
        index = pd.Index(enc.client_id, name="client_id")
        dist = np.empty(n)
        dist[sample] = D[np.arange(len(sample)), part.medoids[part.labels]]
        if len(rest):
            med = enc.take(medoid_pos)
            for g in range(k):
                rows = rest[labels[rest] == g]
                dist[rows] = gower_distances(enc.take(rows), med.take([g]))[:, 0]
        self.encoding_ = enc
        self.labels_ = pd.Series(rank[labels], index=index, name="segment")
        self.medoids_ = pd.Series(
            enc.client_id[medoid_pos[order]], index=pd.RangeIndex(1, k + 1, name="segment"), name="medoid"
        )
        self.n_clusters_ = k
        self.silhouette_ = part.silhouette
        self.selection_ = part.selection
        self.min_size_ = min_size
        self.distance_to_medoid_ = pd.Series(dist, index=index, name="distance_to_medoid")
        self.sample_ids_ = enc.client_id[sample]
        self._members = (sub, rank[part.labels] - 1)
        return self

    def _assign(self, X: EncodedClients, members: EncodedClients, groups, medoid_pos, enc, k) -> np.ndarray:
        """Groups 0..k-1 of clients that were not clustered."""
        if self.method == "average":
            return nearest_group(X, members, groups, k)[0]
        return nearest(X, enc.take(medoid_pos))[0]

    def _cluster(self, D, Z, k, min_size, rng) -> tuple[np.ndarray, np.ndarray]:
        n = len(D)
        if k == 1:
            return np.zeros(n, dtype=np.int64), _medoids_of(D, np.zeros(n, dtype=np.int64), 1)
        tree = _average_cut(Z, D, k, min_size)
        k = len(np.unique(tree))
        if self.method == "average":
            labels = _relocate(D, tree, k)
            return labels, _medoids_of(D, labels, k)
        starts = [_medoids_of(D, tree, k)]
        starts += [_kmedoids_pp(D, k, rng) for _ in range(int(self.n_init))]
        return _kmedoids(D, k, starts)

    def _partition(self, D: np.ndarray, ks: list[int], min_size: int, rng) -> _Partition:
        n = len(D)
        if not D.any():  # every client alike: one group
            ks = [1]
        Z = linkage(squareform(D, checks=False), method="average") if n > 1 else None
        rows, results = [], {}
        for k in ks:
            labels, medoids = self._cluster(D, Z, k, min_size, rng)
            used = len(np.unique(labels))
            sil = (
                float(silhouette_score(D, labels, metric="precomputed")) if 2 <= used <= n - 1 else np.nan
            )
            smallest = int(np.bincount(labels).min())
            rows.append({"k": k, "silhouette": sil, "smallest": smallest, "eligible": smallest >= min_size})
            results[k] = (labels, medoids)
        table = pd.DataFrame(rows).set_index("k")
        if len(ks) == 1:
            chosen = ks[0]
        else:
            pool = table[table["eligible"]] if table["eligible"].any() else table
            # the best silhouette; without any eligible k, the k whose smallest group is largest
            if table["eligible"].any():
                chosen = int(pool["silhouette"].fillna(-np.inf).idxmax())
            else:
                chosen = int(pool.sort_values(["smallest", "silhouette"], ascending=False, kind="stable").index[0])
        table["chosen"] = table.index == chosen
        labels, medoids = results[chosen]
        return _Partition(labels, np.asarray(medoids), table["silhouette"].rename("silhouette"), table)

    # -- new clients ---------------------------------------------------------------------
    def predict(self, clients: pd.DataFrame) -> pd.Series:
        """The group of new clients, assigned as the clients outside the clustered sample were.

        With ``method="average"`` the group at the smallest mean distance to its
        clustered members; with ``kmedoids`` the group of the nearest medoid (the
        first group on ties).

        Returns
        -------
        Series of int indexed by ``client_id``, named ``segment``.
        """
        if not hasattr(self, "medoids_"):
            raise ValueError("this Segmenter is not fitted yet: call fit(clients) first")
        enc = encode_features(clients, catalogue=self.catalogue, like=self.encoding_)
        members, groups = self._members
        pos = pd.Index(self.encoding_.client_id).get_indexer(self.medoids_.to_numpy())
        # medoids_ and the members' groups are both in segment order: position + 1 is the segment
        where = self._assign(enc, members, groups, pos, self.encoding_, self.n_clusters_)
        return pd.Series(where + 1, index=pd.Index(enc.client_id, name="client_id"), name="segment")

    def fit_predict(self, clients: pd.DataFrame, y=None) -> pd.Series:
        return self.fit(clients).labels_


# -- stability ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StabilityReport:
    """How stable a segmentation is under resampling (from :func:`segment_stability`).

    Attributes
    ----------
    groups : DataFrame
        Per group (``segment``): ``size``, ``jaccard`` (mean best-match Jaccard over the
        resamples), ``jaccard_min``, ``dissolved_pct`` (% of resamples where its best
        match is below 0.5) and ``verdict`` (see :data:`JACCARD_THRESHOLDS`).
    ari : float
        Mean adjusted Rand index between the full-data groups and the resample groups,
        on the clients they share.
    ari_resamples : ndarray
        The adjusted Rand index of each resample.
    stable : bool
        Every group at least ``stable`` in Hennig's sense (Jaccard >= 0.75).
    verdict : str
        One sentence for the report.
    """

    groups: pd.DataFrame
    ari: float
    ari_resamples: np.ndarray
    stable: bool
    verdict: str
    n_resamples: int
    fraction: float


def _group_verdict(j: np.ndarray) -> np.ndarray:
    t = JACCARD_THRESHOLDS
    return np.select(
        [j < t["dissolved"], j < t["unstable"], j < t["pattern"], j < t["stable"]],
        ["dissolved", "unstable", "pattern", "stable"],
        default="highly stable",
    )


def _best_jaccard(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """For each group 0..k-1 of ``a``, its best Jaccard with a group of ``b`` (0 when absent)."""
    kb = int(b.max()) + 1
    table = np.zeros((k, kb))
    np.add.at(table, (a, b), 1.0)
    size_a = table.sum(axis=1, keepdims=True)
    size_b = table.sum(axis=0, keepdims=True)
    union = size_a + size_b - table
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, table / union, 0.0)
    return jac.max(axis=1)


def segment_stability(
    clients: pd.DataFrame,
    segmenter: Segmenter,
    n_resamples: int = 20,
    random_state: int = 0,
    *,
    fraction: float = 0.8,
) -> StabilityReport:
    """Re-cluster random subsamples and measure how well each group comes back.

    Each resample keeps ``fraction`` of the clients (without replacement) and is
    segmented with the same settings and the same number of groups as the full data.
    For each original group, its Jaccard with the most similar resample group, on the
    clients both contain, is averaged over the resamples (Hennig 2007's cluster-wise
    stability); the adjusted Rand index compares the whole partitions.

    Parameters
    ----------
    clients : DataFrame
        The register the segmenter was (or will be) fitted on.
    segmenter : Segmenter
        Fitted on ``clients`` (its groups are used) or not (a copy is fitted).
    n_resamples : int
    random_state : int
        Seed of the subsamples and of the re-clusterings.
    fraction : float
        Share of the clients in each subsample.

    Returns
    -------
    StabilityReport
        The thresholds: below 0.5 a group *dissolves*, below 0.6 it is *unstable*,
        0.6-0.75 a *pattern* whose members are doubtful, 0.75-0.85 *stable*, 0.85 and
        above *highly stable*. The partition is called stable when every group is at
        least stable; unstable when any group is below 0.6.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction={fraction!r}: expected a share in (0, 1)")
    if n_resamples < 1:
        raise ValueError(f"n_resamples={n_resamples!r}: expected at least 1")
    ids = clients["client_id"].astype(str).to_numpy()
    fitted = getattr(segmenter, "labels_", None)
    if fitted is None or not np.array_equal(fitted.index.to_numpy(dtype=object), ids.astype(object)):
        segmenter = clone(segmenter).fit(clients)
    enc = segmenter.encoding_
    full = segmenter.labels_.to_numpy() - 1
    k = segmenter.n_clusters_
    n = len(full)
    rng = _check_random_state(random_state)
    size = max(2, round(fraction * n))
    jac = np.zeros((n_resamples, k))
    aris = np.zeros(n_resamples)
    for r in range(n_resamples):
        rows = np.sort(rng.choice(n, size=size, replace=False))
        seed = int(rng.integers(2**31 - 1))
        model = clone(segmenter).set_params(n_clusters=k, random_state=seed)
        model._fit_encoded(enc.take(rows))
        again = model.labels_.to_numpy() - 1
        jac[r] = _best_jaccard(full[rows], again, k)
        aris[r] = adjusted_rand_score(full[rows], again)
    mean = jac.mean(axis=0)
    groups = pd.DataFrame(
        {
            "size": np.bincount(full, minlength=k),
            "jaccard": mean,
            "jaccard_min": jac.min(axis=0),
            "dissolved_pct": 100.0 * (jac < JACCARD_THRESHOLDS["dissolved"]).mean(axis=0),
            "verdict": _group_verdict(mean),
        },
        index=pd.RangeIndex(1, k + 1, name="segment"),
    )
    ari = float(aris.mean())
    weak = groups.index[groups["jaccard"] < JACCARD_THRESHOLDS["unstable"]].tolist()
    doubtful = groups.index[groups["jaccard"] < JACCARD_THRESHOLDS["pattern"]].tolist()
    stable = not doubtful
    words = f"adjusted Rand index {ari:.2f} over {n_resamples} resamples of {fraction:.0%} of the clients"
    if stable:
        verdict = f"stable: every group comes back in resamples (Jaccard >= 0.75); {words}"
    elif weak:
        verdict = (
            f"unstable: group{'s' if len(weak) > 1 else ''} {_and(weak)} "
            f"{'do' if len(weak) > 1 else 'does'} not come back in resamples (Jaccard < 0.6): "
            f"read {'them' if len(weak) > 1 else 'it'} as a tendency, not a firm group; {words}"
        )
    else:
        verdict = (
            f"partly stable: group{'s' if len(doubtful) > 1 else ''} {_and(doubtful)} "
            f"{'are patterns' if len(doubtful) > 1 else 'is a pattern'} whose members change between "
            f"resamples (Jaccard 0.6-0.75); {words}"
        )
    return StabilityReport(groups, ari, aris, stable, verdict, int(n_resamples), float(fraction))


def _and(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- profiles and names ------------------------------------------------------------------
def _align_labels(clients: pd.DataFrame, labels) -> np.ndarray:
    """The group of each row of ``clients`` from a Series keyed by client_id (or aligned)."""
    ids = clients["client_id"].astype(str).to_numpy()
    if isinstance(labels, pd.Series):
        out = labels.set_axis(labels.index.astype(str)).reindex(ids)
        if out.isna().any() and len(labels) == len(clients):
            out = pd.Series(labels.to_numpy(), index=ids)  # aligned with the rows
    else:
        out = pd.Series(np.asarray(labels), index=ids)
    if len(out) != len(clients) or out.isna().any():
        missing = ids[out.isna().to_numpy()][:5].tolist()
        raise ValueError(f"labels: no group for clients {missing}; pass the labels_ of a segmenter fitted on them")
    return out.to_numpy()


def _level_table(clients: pd.DataFrame, cat: Catalogue, key: str, kind: str, lang: str):
    """Indicators (n x levels, float with NaN where missing), level keys and labels of a criterion."""
    n = len(clients)
    if kind in ("numeric", "log"):
        x = _numeric_values(clients, cat, key)
        ok = np.isfinite(x)
        cuts = np.quantile(x[ok], [1 / 3, 2 / 3]) if ok.any() else np.array([0.0, 0.0])
        idx = np.searchsorted(cuts, x, side="right")
        ind = np.zeros((n, 3))
        ind[np.arange(n), np.clip(idx, 0, 2)] = 1.0
        ind[~ok] = np.nan
        return ind, list(_TERCILES), list(_TERCILE_LABELS.get(lang, _TERCILE_LABELS["en"]))
    text = _text(clients[key])
    known = cat.criteria[key].level_keys if key in cat.criteria else (
        [str(lv["key"]) for lv in cat.fields[key].get("levels") or []] if key in cat.fields else []
    )
    if kind == "multi":
        items = text.str.split(r"\s*;\s*", regex=True)
        exploded = items.explode().str.strip()
        seen = sorted(set(exploded.dropna().unique()) - set(known) - {""})
        keys = known + seen
        exploded = exploded[exploded.isin(keys)]
        ind = np.zeros((n, len(keys)))
        rows = pd.Series(np.arange(n), index=clients.index).reindex(exploded.index).to_numpy()
        ind[rows, pd.Index(keys).get_indexer(exploded.to_numpy())] = 1.0
        ind[text.isna().to_numpy()] = np.nan
    else:
        seen = sorted(set(text.dropna().unique()) - set(known), key=str)
        keys = known + seen
        codes = pd.Index(keys).get_indexer(text.fillna("\x00").to_numpy())
        ind = np.zeros((n, len(keys)))
        ok = codes >= 0
        ind[np.flatnonzero(ok), codes[ok]] = 1.0
        ind[~ok] = np.nan
    labels = [cat.level_label(key, lv, lang) if (key in cat.criteria or key in cat.fields) else str(lv)
              for lv in keys]
    return ind, keys, labels


def segment_profiles(
    clients: pd.DataFrame,
    labels: pd.Series,
    scores: pd.DataFrame | None = None,
    *,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """One row per group: size, money, mean scores and the dominant level of each criterion.

    Parameters
    ----------
    clients : DataFrame
        The register.
    labels : Series
        The group of each client, indexed by ``client_id`` (``Segmenter.labels_``).
    scores : DataFrame, optional
        ``score_clients(clients)``: adds the mean ``value_score``, ``relationship_score``
        and ``total_score`` of each group.
    catalogue : Catalogue, optional
    criteria : list or dict, optional
        The criteria profiled (default: those a :class:`Segmenter` uses by default).
        A numeric criterion is profiled by the portfolio's terciles (low, medium, high).
    lang : {"en", "fr"}
        Language of the level labels.

    Returns
    -------
    DataFrame indexed by ``segment``
        ``n_clients``, ``clients_pct``; ``billing``, ``billing_share_pct``, ``profit``,
        ``profit_share_pct`` where the register has them (shares of the portfolio's
        totals; NaN when the total is not positive); the mean scores; then per criterion
        ``c``: ``c`` (dominant level key: the most frequent among the group's clients
        with a value, the first in catalogue order on ties), ``c_label``, ``c_pct`` (% of
        the group's clients with a value that have it), ``c_portfolio_pct`` (the same
        for the whole portfolio), ``c_lift`` (their ratio: 2 = twice as common as in the
        portfolio) and, for ordinal and numeric criteria, ``c_mean`` (the group's mean
        position from 0 = worst level or lowest tercile to 1 = best or highest).
    """
    cat = _catalogue(catalogue)
    group = _align_labels(clients, labels)
    segments = np.unique(group)
    gidx = np.searchsorted(segments, group)
    g = len(segments)
    onehot = np.zeros((len(clients), g))
    onehot[np.arange(len(clients)), gidx] = 1.0
    out = pd.DataFrame(index=pd.Index(segments, name="segment"))
    out["n_clients"] = onehot.sum(axis=0).astype(np.int64)
    out["clients_pct"] = 100.0 * out["n_clients"] / len(clients)
    for money in ("billing", "profit"):
        if money in clients.columns:
            x = pd.to_numeric(clients[money], errors="coerce").to_numpy(dtype=float)
            total = np.nansum(x)
            sums = np.nan_to_num(x) @ onehot
            out[money] = sums
            out[f"{money}_share_pct"] = 100.0 * sums / total if total > 0 else np.nan
    if scores is not None:
        keyed = scores.set_index(scores["client_id"].astype(str)) if "client_id" in scores.columns else scores
        ids = clients["client_id"].astype(str).to_numpy()
        for col in ("value_score", "relationship_score", "total_score"):
            if col in keyed.columns:
                s = pd.Series(keyed[col].reindex(ids).to_numpy(dtype=float))
                out[col] = s.groupby(gidx).mean().reindex(range(g)).to_numpy()
    kinds = resolve_criteria(clients, cat, criteria)
    for key, kind in kinds.items():
        ind, keys, names = _level_table(clients, cat, key, kind, lang)
        has = ~np.isnan(ind[:, 0]) if ind.shape[1] else np.zeros(len(clients), bool)
        filled = np.nan_to_num(ind)
        counts = onehot.T @ filled  # (groups, levels)
        with_value = onehot[has].sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = counts / with_value[:, None]
            port = filled[has].mean(axis=0) if has.any() else np.full(len(keys), np.nan)
        top = np.argmax(np.nan_to_num(share, nan=-1.0), axis=1)
        rows = np.arange(g)
        dom_share = share[rows, top]
        dom_port = port[top]
        valid = with_value > 0
        out[key] = np.where(valid, np.array(keys, dtype=object)[top], None)
        out[f"{key}_label"] = np.where(valid, np.array(names, dtype=object)[top], None)
        out[f"{key}_pct"] = 100.0 * dom_share
        out[f"{key}_portfolio_pct"] = np.where(valid, 100.0 * dom_port, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{key}_lift"] = np.where(valid & (dom_port > 0), dom_share / dom_port, np.nan)
        if kind in ("ordinal", "numeric", "log") and len(keys) > 1:
            position = filled @ (np.arange(len(keys)) / (len(keys) - 1))
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{key}_mean"] = (onehot[has].T @ position[has]) / with_value
        out[key] = out[key].astype("str")
        out[f"{key}_label"] = out[f"{key}_label"].astype("str")
    out.attrs["criteria"] = list(kinds)
    return out


def _lower_first(text: str) -> str:
    if len(text) >= 2 and text[:2].isupper():
        return text  # an acronym: R&D, TCO
    return text[:1].lower() + text[1:]


def _phrase(cat: Catalogue, key: str, level: str, level_label: str, lang: str) -> str:
    known = key in cat.criteria or key in cat.fields
    crit_label = cat.label(key, lang) if known else str(key)
    if lang == "en" and key in _PHRASES:
        template = _PHRASES[key]
    elif not known:
        template = "{criterion} {level}" if level not in _TERCILES else "{level} {criterion}"
    elif lang == "en" and level == "none":
        return f"no {_lower_first(crit_label)}"
    elif lang == "en":
        template = "{level} {criterion}"
    else:
        template = "{criterion} {level}"
    return template.format(level=_lower_first(level_label), criterion=_lower_first(crit_label))


def name_segments(
    profiles: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    n_traits: int = 2,
    min_share: float = 50.0,
    lang: str = "en",
) -> pd.Series:
    """A readable, unique name for each group from its most distinctive traits.

    A trait is a criterion's dominant level in the group, held by at least
    ``min_share`` % of the group's clients; it is the more distinctive the more it
    exceeds its share in the portfolio (``c_pct - c_portfolio_pct``). The name joins
    the ``n_traits`` most distinctive traits (ties: catalogue order), e.g.
    ``"Partnership, high profitability"``. Two groups that would share a name get a
    further trait each, and a number if they still collide. A group with no
    distinctive trait is called ``"Mixed group N"``.

    Parameters
    ----------
    profiles : DataFrame
        From :func:`segment_profiles`.
    catalogue : Catalogue, optional
    n_traits : int
    min_share : float
        In %, the share of the group a trait must hold.
    lang : {"en", "fr"}

    Returns
    -------
    Series of str indexed by ``segment``, named ``name``.
    """
    cat = _catalogue(catalogue)
    keys = profiles.attrs.get("criteria") or [
        c[: -len("_portfolio_pct")] for c in profiles.columns if c.endswith("_portfolio_pct")
    ]
    traits: dict = {}
    for seg in profiles.index:
        row = profiles.loc[seg]
        cand = []
        for order, key in enumerate(keys):
            share, port = row.get(f"{key}_pct"), row.get(f"{key}_portfolio_pct")
            level = row.get(key)
            if level is None or pd.isna(share) or pd.isna(port) or pd.isna(level) or level in ("None", "nan"):
                continue
            gain = float(share) - float(port)
            if float(share) >= min_share and gain > 1e-9:
                label = row.get(f"{key}_label")
                label = str(label) if label is not None and not pd.isna(label) else str(level)
                cand.append((-round(gain, 9), order, _phrase(cat, key, str(level), label, lang)))
        traits[seg] = [p for _, _, p in sorted(cand)]
    used = dict.fromkeys(profiles.index, max(1, int(n_traits)))

    def build(seg):
        parts = traits[seg][: used[seg]]
        if not parts:
            return f"Mixed group {seg}" if lang == "en" else f"Groupe mixte {seg}"
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]

    names = {seg: build(seg) for seg in profiles.index}
    for _ in range(len(keys) + 1):
        counts = pd.Series(names).value_counts()
        clash = [s for s, nm in names.items() if counts[nm] > 1 and used[s] < len(traits[s])]
        if not clash:
            break
        for s in clash:
            used[s] += 1
            names[s] = build(s)
    counts = pd.Series(names).value_counts()
    seen: dict[str, int] = {}
    for seg in profiles.index:
        nm = names[seg]
        if counts[nm] > 1:
            seen[nm] = seen.get(nm, 0) + 1
            names[seg] = f"{nm} ({seen[nm]})"
    return pd.Series(names, name="name").rename_axis("segment")


# -- each client against its group -----------------------------------------------------------
def _value_words(clients: pd.DataFrame, cat: Catalogue, key: str, kind: str, lang: str) -> np.ndarray:
    """Each client's value of a criterion as a reader sees it (labels, amounts)."""
    if kind in ("numeric", "log"):
        x = _numeric_values(clients, cat, key)
        growth = key == "billing_growth" or (key in cat.criteria and cat.criteria[key].spec.get("source") ==
                                             "billing_growth")
        words = np.array([f"{v:+.0%}" if growth else f"{v:,.0f}" for v in np.nan_to_num(x)], dtype=object)
        words[~np.isfinite(x)] = "missing"
        return words
    text = _text(clients[key])
    uniq = text.dropna().unique()
    known = key in cat.criteria or key in cat.fields
    if kind == "multi":
        def words_of(value):
            items = [t.strip() for t in str(value).split(";") if t.strip()]
            return ", ".join(_lower_first(cat.level_label(key, t, lang)) if known else t for t in items)
    else:
        def words_of(value):
            return _lower_first(cat.level_label(key, value, lang)) if known else str(value)
    mapping = {u: words_of(u) for u in uniq}
    return text.map(mapping).fillna("missing").to_numpy(dtype=object)


def client_differences(
    clients: pd.DataFrame,
    labels: pd.Series,
    medoids: pd.Series,
    *,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
    weights: Mapping[str, float] | None = None,
    numeric_tolerance: float = 0.1,
    lang: str = "en",
) -> pd.DataFrame:
    """How each client differs from its group's medoid (the group's most typical client).

    Parameters
    ----------
    clients : DataFrame
        The register (the medoids among its clients).
    labels : Series
        Group per client, indexed by ``client_id`` (``Segmenter.labels_``).
    medoids : Series
        The medoid's ``client_id`` per group (``Segmenter.medoids_``).
    criteria, weights, catalogue
        As given to the segmenter.
    numeric_tolerance : float
        A numeric criterion differs when the two values are at least this share of the
        portfolio's range apart (levels and sets differ whenever they are not equal).
        Criteria missing on either side are not compared.
    lang : {"en", "fr"}

    Returns
    -------
    DataFrame
        ``client_id``, ``segment``, ``medoid``, ``distance_to_medoid``,
        ``n_differences``, ``main_difference`` (the criterion that adds most to the
        distance) and ``differences``: e.g. ``"Profitability: low (medoid: high);
        Business outlook: failing (medoid: growing)"``, the largest weighted
        differences first. The medoid itself has none.
    """
    cat = _catalogue(catalogue)
    group = _align_labels(clients, labels)
    enc = encode_features(clients, catalogue=cat, criteria=criteria, weights=weights)
    pos = pd.Index(enc.client_id)
    med_ids = medoids.reindex(group).to_numpy()
    if pd.isna(med_ids).any():
        raise ValueError("medoids: a group has no medoid; pass the medoids_ of the same segmenter")
    j = pos.get_indexer(med_ids.astype(str))
    if (j < 0).any():
        raise ValueError("medoids: a medoid is not among the clients")
    i = np.arange(len(enc))
    per = enc.criterion_distances(i, j)
    w = np.array([enc.weights[k] for k in per.columns])
    d = per.to_numpy()
    has = ~np.isnan(d)
    den = (has * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(den > 0, (np.nan_to_num(d) * w).sum(axis=1) / den, 1.0)
    total[i == j] = 0.0
    numeric = np.array([enc.kinds[k] in ("numeric", "log") for k in per.columns])
    differs = has & np.where(numeric, np.nan_to_num(d) >= numeric_tolerance - 1e-12, np.nan_to_num(d) > 0)
    contrib = np.where(differs, np.nan_to_num(d) * w, -1.0)
    order = np.argsort(-contrib, axis=1, kind="stable")
    texts = np.empty(d.shape, dtype=object)
    for col, key in enumerate(per.columns):
        kind = enc.kinds[key]
        words = _value_words(clients, cat, key, kind, lang)
        known = key in cat.criteria or key in cat.fields
        label = cat.label(key, lang) if known else str(key)
        medoid_word = "médoïde" if lang == "fr" else "medoid"
        texts[:, col] = np.where(
            differs[:, col], label + ": " + words + " (" + medoid_word + ": " + words[j] + ")", ""
        )
    ordered = np.take_along_axis(texts, order, axis=1)
    ordered_diff = np.take_along_axis(differs, order, axis=1)
    pieces = [np.where(ordered_diff[:, c], ordered[:, c] + "; ", "") for c in range(ordered.shape[1])]
    joined = reduce(np.add, pieces, np.full(len(enc), "", dtype=object)) if pieces else np.full(len(enc), "")
    joined = pd.Series(joined, dtype="str").str.removesuffix("; ")
    n_diff = differs.sum(axis=1)
    main = np.where(n_diff > 0, np.array(per.columns, dtype=object)[order[:, 0]], None)
    return pd.DataFrame(
        {
            "client_id": pd.Series(enc.client_id, dtype="str"),
            "segment": group,
            "medoid": pd.Series(med_ids.astype(str), dtype="str"),
            "distance_to_medoid": total,
            "n_differences": n_diff.astype(np.int64),
            "main_difference": pd.Series(main, dtype="str"),
            "differences": joined,
        }
    )


def nearest_peers(
    clients: pd.DataFrame,
    k: int = 3,
    *,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
    weights: Mapping[str, float] | None = None,
    chunk_size: int | None = None,
) -> pd.DataFrame:
    """Each client's ``k`` most similar other clients on the Gower distance.

    Every pair is compared (in chunks of rows, so memory stays bounded): the time
    grows with the square of the number of clients, about a second per 5,000 x 5,000.

    Parameters
    ----------
    clients : DataFrame
    k : int
        Peers per client (fewer when the portfolio is smaller).
    catalogue, criteria, weights
        As for :class:`Segmenter`.
    chunk_size : int, optional
        Rows per chunk (see :func:`gower_distances`).

    Returns
    -------
    DataFrame
        ``client_id``, then ``peer_1``, ``distance_1``, ..., ``peer_k``, ``distance_k``,
        nearest first; on equal distances the client listed first in the register first.
    """
    if k < 1:
        raise ValueError(f"k={k!r}: expected at least one peer")
    enc = encode_features(clients, catalogue=catalogue, criteria=criteria, weights=weights)
    n = len(enc)
    kk = min(int(k), n - 1)
    step = _chunk_rows(n, chunk_size)
    peers = np.zeros((n, max(kk, 0)), dtype=np.int64)
    dists = np.zeros((n, max(kk, 0)))
    col_bits = max(1, int(n).bit_length())
    cols = np.arange(n, dtype=np.int64)
    for start in range(0, n, step):
        stop = min(start + step, n)
        block = _block(enc, enc, slice(start, stop))
        # exact ties broken by position: integer keys of (distance rounded to 1e-9, column)
        key = (np.rint(block * 1e9).astype(np.int64) << col_bits) | cols[None, :]
        key[np.arange(stop - start), np.arange(start, stop)] = np.iinfo(np.int64).max  # not its own peer
        if kk == 0:
            continue
        part = np.argpartition(key, kk - 1, axis=1)[:, :kk] if kk < n else np.argsort(key, axis=1)[:, :kk]
        part_keys = np.take_along_axis(key, part, axis=1)
        idx = np.argsort(part_keys, axis=1)
        best = np.take_along_axis(part, idx, axis=1)
        peers[start:stop] = best
        dists[start:stop] = np.take_along_axis(block, best, axis=1)
    out = {"client_id": pd.Series(enc.client_id, dtype="str")}
    for r in range(kk):
        out[f"peer_{r + 1}"] = pd.Series(enc.client_id[peers[:, r]], dtype="str")
        out[f"distance_{r + 1}"] = dists[:, r]
    return pd.DataFrame(out)


# -- pictures ----------------------------------------------------------------------------------
def _ax(ax, figsize=(7, 5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_segment_map(
    clients: pd.DataFrame,
    labels: pd.Series,
    *,
    ax=None,
    names: Mapping | pd.Series | None = None,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
    weights: Mapping[str, float] | None = None,
    max_points: int = 1500,
    random_state: int = 0,
):
    """A 2-D map of the clients (metric MDS of the Gower distances), coloured by group.

    Close points are similar clients. Above ``max_points`` clients a seeded random
    sample is drawn (the title says so). MDS starts from classical MDS, so the map
    is the same on every run.

    Parameters
    ----------
    clients : DataFrame
    labels : Series
        Group per client, indexed by ``client_id``.
    ax : matplotlib Axes, optional
    names : mapping or Series, optional
        Group names for the legend (from :func:`name_segments`).
    catalogue, criteria, weights
        As given to the segmenter.
    max_points : int
    random_state : int

    Returns
    -------
    matplotlib Axes
    """
    from sklearn.manifold import MDS

    cat = _catalogue(catalogue)
    group = _align_labels(clients, labels)
    n = len(clients)
    rows = np.arange(n)
    if n > max_points:
        rows = np.sort(np.random.default_rng(random_state).choice(n, size=max_points, replace=False))
    enc = encode_features(clients.iloc[rows], catalogue=cat, criteria=criteria, weights=weights)
    D = gower_distances(enc)
    if len(rows) >= 3:
        mds = MDS(
            n_components=2,
            metric_mds=True,
            metric="precomputed",
            init="classical_mds",
            n_init=1,
            max_iter=300,
            random_state=random_state,
            normalized_stress="auto",
        )
        xy = mds.fit_transform(D)
    else:
        xy = np.column_stack([np.arange(len(rows), dtype=float), np.zeros(len(rows))])
    ax = _ax(ax)
    segs = np.unique(group)
    cmap = _colours(len(segs))
    for c, seg in enumerate(segs):
        mask = group[rows] == seg
        label = f"{seg}: {names[seg]}" if names is not None and seg in names else f"group {seg}"
        ax.scatter(xy[mask, 0], xy[mask, 1], s=14, alpha=0.75, color=cmap[c], label=label, linewidths=0)
    ax.set_xticks([])
    ax.set_yticks([])
    shown = f" ({len(rows):,} of {n:,} clients, sampled)" if len(rows) < n else ""
    ax.set_title(f"Map of the clients: close points are similar clients{shown}", loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="best", markerscale=1.5)
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    return ax


def _colours(k: int):
    import matplotlib as mpl

    base = mpl.colormaps["tab10" if k <= 10 else "tab20"]
    return [base(i % base.N) for i in range(k)]


def plot_dendrogram(
    clients: pd.DataFrame,
    *,
    ax=None,
    n_clusters: int | None = None,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
    weights: Mapping[str, float] | None = None,
    label_column: str = "name",
    max_leaves: int = 60,
    max_clients: int = 2000,
):
    """The average-linkage tree of the clients on the Gower distance (small portfolios).

    Parameters
    ----------
    clients : DataFrame
    ax : matplotlib Axes, optional
    n_clusters : int, optional
        Colour the branches of this many top groups.
    catalogue, criteria, weights
        As given to the segmenter.
    label_column : str
        Leaf labels (``name`` by default, ``client_id`` when absent).
    max_leaves : int
        Above this many clients only the last ``max_leaves`` merges are drawn, each
        leaf showing its number of clients.
    max_clients : int
        Larger portfolios raise ``ValueError``: use :func:`plot_segment_map`.

    Returns
    -------
    matplotlib Axes
    """
    n = len(clients)
    if n > max_clients:
        raise ValueError(
            f"{n:,} clients: a dendrogram is readable for small portfolios only (at most {max_clients:,}); "
            "use plot_segment_map"
        )
    if n < 2:
        raise ValueError("a dendrogram needs at least 2 clients")
    enc = encode_features(clients, catalogue=catalogue, criteria=criteria, weights=weights)
    Z = linkage(squareform(gower_distances(enc), checks=False), method="average")
    column = label_column if label_column in clients.columns else "client_id"
    leaf = clients[column].astype("string").fillna(clients["client_id"].astype(str)).to_numpy(dtype=object)
    threshold = 0.0
    if n_clusters is not None and 1 < n_clusters <= n:
        heights = Z[:, 2]
        threshold = float((heights[-n_clusters] + heights[-n_clusters + 1]) / 2)
    ax = _ax(ax, figsize=(8, 5))
    truncate = n > max_leaves
    dendrogram(
        Z,
        ax=ax,
        labels=None if truncate else list(leaf),
        truncate_mode="lastp" if truncate else None,
        p=max_leaves,
        color_threshold=threshold if threshold > 0 else 0,
        above_threshold_color="#9E9E9E",
        leaf_font_size=7,
        orientation="top",
    )
    ax.set_ylabel("Gower distance (average linkage)")
    ax.set_title("How the clients group together", loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_segment_profiles(
    profiles: pd.DataFrame,
    *,
    ax=None,
    names: Mapping | pd.Series | None = None,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | None = None,
    lang: str = "en",
):
    """Heat map of the groups' profiles: mean position on each ordinal or numeric criterion.

    Colour: the group's mean level, from 0 (the first level in catalogue order, worst
    to best, or the lowest tercile) to 1 (the last level, the highest tercile); each
    cell is annotated with the group's dominant level and its share.

    Parameters
    ----------
    profiles : DataFrame
        From :func:`segment_profiles`.
    ax : matplotlib Axes, optional
    names : mapping or Series, optional
        Row labels (from :func:`name_segments`).
    criteria : list of str, optional
        The columns shown (default: every profiled criterion with a mean position).

    Returns
    -------
    matplotlib Axes
    """
    cat = _catalogue(catalogue)
    keys = list(criteria) if criteria is not None else [
        c[: -len("_mean")] for c in profiles.columns if c.endswith("_mean")
    ]
    keys = [k for k in keys if f"{k}_mean" in profiles.columns]
    if not keys:
        raise ValueError("profiles: no ordinal or numeric criterion to draw (no *_mean column)")
    values = profiles[[f"{k}_mean" for k in keys]].to_numpy(dtype=float)
    ax = _ax(ax, figsize=(1.0 * len(keys) + 3, 0.6 * len(profiles) + 2))
    # a sequential scale: service needs, for one, are ordered but not better or worse
    image = ax.imshow(values, cmap="YlGnBu", vmin=0, vmax=1, aspect="auto")
    for r, seg in enumerate(profiles.index):
        for c, key in enumerate(keys):
            label = profiles.loc[seg, f"{key}_label"] if f"{key}_label" in profiles.columns else ""
            share = profiles.loc[seg, f"{key}_pct"] if f"{key}_pct" in profiles.columns else np.nan
            text = "" if pd.isna(share) else f"{label}\n{share:.0f} %"
            dark = np.isfinite(values[r, c]) and values[r, c] > 0.6
            ax.text(c, r, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
    known = [cat.label(k, lang) if (k in cat.criteria or k in cat.fields) else k for k in keys]
    ax.set_xticks(range(len(keys)), known, rotation=35, ha="right", fontsize=8)
    rows = [f"{s}: {names[s]}" if names is not None and s in names else f"group {s}" for s in profiles.index]
    ax.set_yticks(range(len(profiles)), rows, fontsize=8)
    ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="mean level (0 first, 1 last)")
    ax.set_title("Profiles of the groups: dominant level and its share", loc="left", fontsize=10)
    return ax


def segment_table(
    clients: pd.DataFrame,
    segmenter: Segmenter,
    *,
    scores: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Each client's group and the group's name: ``client_id, segment, segment_name``.

    ``segmenter`` is fitted on ``clients``; the names come from :func:`name_segments`
    on :func:`segment_profiles`, so they are the same wherever this table is built.
    """
    labels = segmenter.labels_
    profiles = segment_profiles(clients, labels, scores, catalogue=catalogue, lang=lang)
    names = name_segments(profiles, catalogue=catalogue, lang=lang)
    out = pd.DataFrame({"client_id": labels.index.astype("str"), "segment": labels.to_numpy()})
    out["segment_name"] = out["segment"].map(names)
    return out
