"""Groups of clients on the Gower distance: :class:`Segmenter`.

Average-linkage hierarchical clustering refined by relocation (default) or
k-medoids, on the distance of :mod:`._gower`; the number of groups is the one with
the best silhouette over ``k_range`` among those whose every group has at least
``min_size`` clients, or fixed. Above ``sample_size`` clients a seeded random sample
is clustered and every other client joins the group it is closest to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.metrics import silhouette_score

from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.steps.segmentation._common import _check_random_state
from portfolio_analysis.steps.segmentation._gower import (
    EncodedClients,
    encode_features,
    gower_distances,
    nearest,
    nearest_group,
)

__all__ = ["Segmenter"]


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
