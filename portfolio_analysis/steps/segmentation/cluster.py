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

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.metrics import silhouette_score

from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.steps.segmentation import _latent
from portfolio_analysis.steps.segmentation._common import _catalogue, _check_random_state
from portfolio_analysis.steps.segmentation._gower import (
    EncodedClients,
    encode_features,
    gower_distances,
    nearest,
    nearest_group,
    resolve_criteria,
    resolve_weights,
)
from portfolio_analysis.steps.segmentation.stability import _best_jaccard, stability_report

__all__ = ["STABLE_JACCARD", "Segmenter", "choose_k", "segment_weights"]


# -- clustering on a precomputed distance ------------------------------------------------
def _medoids_of(D: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per group 0..k-1, the member with the smallest total distance to the other members."""
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), labels] = 1.0
    within = D @ onehot  # distance of each client to every group, summed
    within[onehot == 0] = np.inf
    return np.argmin(within, axis=0)


def _average_cut(Z: np.ndarray, D: np.ndarray, k: int, min_size: int) -> np.ndarray:
    """Cut the average-linkage tree into ``k`` groups of at least ``min_size`` clients.

    The tree is cut lower and lower until it has ``k`` branches of ``min_size``
    clients or more; the clients of the smaller branches (outliers, which average
    linkage isolates) join the group they are closest to on average.
    """
    n = len(D)
    t = _branches_needed(Z, n, k, min_size)
    labels = fcluster(Z, t, criterion="maxclust") - 1
    sizes = np.bincount(labels)
    big = np.argsort(-sizes, kind="stable")[: min(k, int((sizes > 0).sum()))]
    remap = np.full(len(sizes), -1)
    remap[big] = np.arange(len(big))
    out = remap[labels]
    small = out < 0
    if small.any():
        sub = np.flatnonzero(~small)
        onehot = np.zeros((len(sub), len(big)))
        onehot[np.arange(len(sub)), out[sub]] = 1.0
        out[small] = np.argmin(D[np.ix_(np.flatnonzero(small), sub)] @ onehot / onehot.sum(axis=0), axis=1)
    return out


def _branches_needed(Z: np.ndarray, n: int, k: int, min_size: int) -> int:
    """The fewest branches (at least ``k``) of the tree among which ``k`` hold ``min_size`` clients or more.

    Undoes the merges from the last one, counting the branches big enough; at most
    ``k + 10 * max(k, 5)`` branches.
    """
    limit = min(n, k + 10 * max(k, 5))
    size = lambda c: 1 if c < n else int(Z[int(c) - n, 3])  # noqa: E731
    big = int(n >= min_size)
    t = 1
    for row in Z[::-1][: limit - 1]:
        a, b = int(row[0]), int(row[1])
        big += int(size(a) >= min_size) + int(size(b) >= min_size) - int(row[3] >= min_size)
        t += 1
        if t >= k and big >= k:
            return t
    return max(k, min(t, limit))


def _ari(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labellings 0..ka-1 and 0..kb-1 (Hubert & Arabie 1985)."""
    kb = int(b.max()) + 1
    table = np.bincount(a * kb + b, minlength=(int(a.max()) + 1) * kb).astype(float)
    pairs = lambda x: float((x * (x - 1)).sum() / 2)  # noqa: E731
    total = pairs(np.array([len(a)], dtype=float))
    index = pairs(table)
    rows = pairs(np.bincount(a).astype(float))
    cols = pairs(np.bincount(b).astype(float))
    expected = rows * cols / total if total else 0.0
    top = (rows + cols) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


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


def _resolve_min_size(min_size, min_clients: int, n_total: int) -> int:
    """Smallest group allowed, in clients of the whole portfolio: a share (below 1) or a count, and ``min_clients``."""
    if isinstance(min_size, bool) or not isinstance(min_size, (int, float, np.number)) or min_size < 0:
        raise ValueError(f"min_size={min_size!r}: expected a share in [0, 1) or a number of clients")
    if isinstance(min_clients, bool) or not isinstance(min_clients, (int, np.integer)) or min_clients < 1:
        raise ValueError(f"min_clients={min_clients!r}: expected a positive number of clients")
    share = math.ceil(min_size * n_total) if min_size < 1 else math.ceil(min_size)
    return max(1, int(min_clients), share)


def _in_sample(min_clients: int, n_total: int, n_sample: int) -> int:
    """A portfolio's smallest group, scaled to a sample of it."""
    return max(1, math.ceil(min_clients * n_sample / n_total))


def _fasterpam(D: np.ndarray, start: np.ndarray, k: int, n_init: int, seed: int) -> np.ndarray:
    """k-medoids (FasterPAM, Schubert & Rousseeuw 2021) from ``start`` and ``n_init`` k-medoids++ seeds: labels."""
    import kmedoids

    best = kmedoids.fasterpam(D, np.asarray(start, dtype=np.int64), max_iter=100, n_cpu=1)
    for i in range(int(n_init)):
        other = kmedoids.fasterpam(D, k, max_iter=100, init="k-medoids++", random_state=seed + i, n_cpu=1)
        if other.loss < best.loss - 1e-12:
            best = other
    labels = np.asarray(best.labels, dtype=np.int64)
    labels[np.asarray(best.medoids)] = np.arange(k)  # a medoid stays in its own group, even on ties
    return labels


#: When the groups of a number of groups come back in resamples: every group's mean best-match
#: Jaccard at least 0.75 (Hennig 2007's "stable").
STABLE_JACCARD = 0.75


def choose_k(selection: pd.DataFrame) -> int | None:
    """The number of groups the table of :attr:`Segmenter.selection_` supports, or None.

    Among the numbers whose every group holds at least the smallest size allowed
    (``eligible``) and comes back in resamples (``jaccard_min`` >= :data:`STABLE_JACCARD`),
    the one with the lowest ``icl`` (the latent class model's integrated classification
    likelihood; the best ``silhouette`` without it). None when no number qualifies.

    Measured on the benchmark: the ICL finds the five planted groups where the silhouette
    finds two (groups blurred into their neighbouring levels), and stability alone six;
    stability keeps the numbers whose groups are a pattern of the sample out.
    """
    pool = selection[selection["eligible"]]
    if "jaccard_min" in pool and pool["jaccard_min"].notna().any():
        pool = pool[pool["jaccard_min"] >= STABLE_JACCARD]
    if pool.empty:
        return None
    if "icl" in pool and pool["icl"].notna().any():
        return int(pool["icl"].idxmin())
    return int(pool["silhouette"].fillna(-np.inf).idxmax())


class Segmenter(ClusterMixin, BaseEstimator):
    """Groups of clients on their criteria, with the Gower distance of this package.

    Parameters
    ----------
    criteria : list of str or dict of criterion to kind, optional
        The criteria to segment on (see :func:`encode_features`). Default: every
        catalogue criterion the register has, and ``business_type``.
    n_clusters : int, optional
        A fixed number of groups. Default: chosen from ``k_range`` by stability (see
        :func:`choose_k`).
    k_range : (int, int)
        Smallest and largest number of groups tried (inclusive).
    min_size : float or int
        Smallest group allowed: a share of the clients when below 1 (default 3 %), else
        a number of clients; never fewer than ``min_clients``.
    min_clients : int
        Smallest group allowed, in clients (default 5): a portfolio of 12 clients gets
        at most 2 groups.
    method : {"average", "kmedoids"}
        How the groups start. ``average`` (default): the average-linkage tree of the
        clients, cut into ``k`` groups of at least the smallest size (the clients of
        smaller branches, the outliers that average linkage isolates, join the nearest
        group), then each client moved to the group it is closest to on average until
        none moves. ``kmedoids``: FasterPAM (the ``kmedoids`` package) from the
        average-linkage medoids and from ``n_init`` k-medoids++ seeds, the lowest total
        distance kept.
    refine : bool
        Refine the groups with the latent class model of :mod:`._latent` (default): each
        client moves to the group under which its values are the most probable, until
        none moves. New clients are placed the same way.
    sample_size : int
        Above this many clients a seeded random sample of this size is clustered; the
        others join their most probable group under the sample's profiles (without the
        refinement: the group at the smallest mean distance), then the refinement runs
        on every client.
    weights : dict or "catalogue", optional
        Weight of each criterion in the distance and the refinement. Default: 1 each
        (Gower's choice: the scoring weights say what a criterion is worth, not how
        much two clients differ; measured, equal weights recover planted groups better).
        A dict overrides some of them; ``"catalogue"`` uses the scoring weights.
    catalogue : Catalogue, optional
        The shipped catalogue by default.
    n_init : int
        ``kmedoids`` only: k-medoids++ starts besides the average-linkage one.
    n_resamples : int
        Resamples for the choice of the number of groups and the stability report
        (0: none; the number of groups is then chosen by silhouette).
    fraction : float
        Share of the clustered clients in each resample.
    resample_size : int
        Resamples are drawn from at most this many clustered clients (their time grows
        with the square of it).
    random_state : int
        Seed of the sample, the resamples and the k-medoids++ starts; one seed, one result.

    Attributes
    ----------
    labels_ : Series of int
        Group of each client (1 = the largest group), indexed by ``client_id``.
    medoids_ : Series of str
        The medoid's ``client_id`` of each group, indexed by group.
    n_clusters_ : int
    segmented_ : bool
        False when no number of groups in ``k_range`` is supported by the data (groups
        too small or not coming back in resamples): the clients then form one group.
    silhouette_ : Series of float
        Mean silhouette on the clustered clients (at most ``resample_size`` of them), per number of groups tried.
    selection_ : DataFrame
        Per number of groups tried: ``silhouette``, ``icl`` (see :func:`choose_k`), ``stability`` (mean adjusted Rand
        index of the resamples against the groups), ``jaccard_min`` (the lowest mean
        best-match Jaccard of a group), ``smallest`` group (clients of the portfolio,
        estimated from the sample), ``eligible`` (every group of at least ``min_size_``
        clients), ``chosen``.
    stability_ : StabilityReport or None
        How well the chosen groups come back in the same resamples.
    min_size_ : int
        The smallest group allowed, in clients of the portfolio.
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
        min_clients: int = 5,
        method: str = "average",
        refine: bool = True,
        sample_size: int = 2000,
        weights: Mapping[str, float] | str | None = None,
        catalogue: Catalogue | None = None,
        n_init: int = 4,
        n_resamples: int = 20,
        fraction: float = 0.8,
        resample_size: int = 2000,
        random_state: int = 0,
    ):
        self.criteria = criteria
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.min_size = min_size
        self.min_clients = min_clients
        self.method = method
        self.refine = refine
        self.sample_size = sample_size
        self.weights = weights
        self.catalogue = catalogue
        self.n_init = n_init
        self.n_resamples = n_resamples
        self.fraction = fraction
        self.resample_size = resample_size
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------------
    def fit(self, clients: pd.DataFrame, y=None) -> Segmenter:
        """Group the clients; returns ``self`` with ``labels_``, ``medoids_``, ...

        Parameters
        ----------
        clients : DataFrame
            A loaded register (``client_id`` unique, criteria as canonical keys).
        """
        cat = _catalogue(self.catalogue)
        weights = segment_weights(clients, cat, self.criteria, self.weights)
        enc = encode_features(clients, catalogue=cat, criteria=self.criteria, weights=weights)
        if pd.Index(enc.client_id).has_duplicates:
            raise ValueError("clients: client_id must be unique to segment the clients")
        return self._fit_encoded(enc)

    def _check_params(self, n: int) -> list[int]:
        if self.method not in ("kmedoids", "average"):
            raise ValueError(f"method={self.method!r}: expected 'kmedoids' or 'average'")
        if not (isinstance(self.sample_size, (int, np.integer)) and self.sample_size >= 2):
            raise ValueError(f"sample_size={self.sample_size!r}: expected an integer >= 2")
        if not 0 < self.fraction < 1:
            raise ValueError(f"fraction={self.fraction!r}: expected a share in (0, 1)")
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
        sample = np.sort(rng.choice(n, size=int(self.sample_size), replace=False)) if n > self.sample_size \
            else np.arange(n)
        m = len(sample)
        sub = enc.take(sample)
        D = gower_distances(sub)
        self.min_size_ = _resolve_min_size(self.min_size, self.min_clients, n)
        floor = _in_sample(self.min_size_, n, m)
        X = _latent.features(enc) if self.refine else None
        Xs = X.take(sample) if X is not None else None
        if not D.any():  # every client alike: one group
            ks = [1]
        Z = linkage(squareform(D, checks=False), method="average") if m > 1 else None
        seed = int(rng.integers(2**31 - 1))
        fits = {k: self._cluster(D, Z, k, floor, Xs, seed) for k in ks}
        # the silhouette and the resamples on at most resample_size clustered clients (their time is quadratic)
        pool = np.sort(rng.choice(m, size=int(self.resample_size), replace=False)) if m > self.resample_size \
            else np.arange(m)
        rows = []
        for k, labels in fits.items():
            used = len(np.unique(labels[pool]))
            sil = (float(silhouette_score(D[np.ix_(pool, pool)], labels[pool], metric="precomputed"))
                   if 2 <= used <= len(pool) - 1 else np.nan)
            smallest = int(np.bincount(labels, minlength=k).min())
            rows.append({"k": k, "silhouette": sil, "icl": _latent.icl(Xs, labels, k) if Xs is not None else np.nan,
                         "smallest": math.floor(smallest * n / m), "eligible": bool(k == 1 or smallest >= floor)})
        table = pd.DataFrame(rows).set_index("k")
        resamples = self._resample(D, Xs, fits, floor, pool, rng) if self.n_resamples and ks != [1] else None
        if resamples is not None:
            table["stability"] = [float(np.mean(resamples["ari"][k])) for k in table.index]
            table["jaccard_min"] = [float(resamples["jaccard"][k].mean(axis=0).min()) for k in table.index]
        if len(ks) == 1:
            chosen = ks[0]
        else:
            chosen = choose_k(table)
        self.segmented_ = chosen is not None and chosen > 1
        if chosen is None:  # no number of groups the data support: one group
            chosen, fits[1] = 1, np.zeros(m, dtype=np.int64)
        table["chosen"] = table.index == chosen
        k = chosen
        part = fits[k]
        labels = np.empty(n, dtype=np.int64)
        labels[sample] = part
        rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
        if len(rest) and k > 1 and X is not None:  # the most probable group under the sample's profiles
            labels[rest] = np.argmax(_latent.log_scores(X.take(rest), _latent.profiles(Xs, part, k)), axis=1)
        elif len(rest) and k > 1:
            labels[rest] = nearest_group(enc.take(rest), sub, part, k)[0]
        elif len(rest):
            labels[rest] = 0
        self._profiles = None
        if X is not None and k > 1:
            labels, self._profiles = _latent.refine(X, labels, k)
        k = int(labels.max()) + 1
        medoid_pos = self._medoids(enc, D, sample, labels, k)
        # groups numbered 1.. by decreasing size, ties by their medoid's position
        sizes = np.bincount(labels, minlength=k)
        order = np.lexsort((medoid_pos, -sizes))
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(1, k + 1)
        index = pd.Index(enc.client_id, name="client_id")
        dist = np.empty(n)
        med = enc.take(medoid_pos)
        for g in range(k):
            rows_g = np.flatnonzero(labels == g)
            dist[rows_g] = gower_distances(enc.take(rows_g), med.take([g]))[:, 0]
        self.encoding_ = enc
        self.labels_ = pd.Series(rank[labels], index=index, name="segment")
        self.medoids_ = pd.Series(
            enc.client_id[medoid_pos[order]], index=pd.RangeIndex(1, k + 1, name="segment"), name="medoid"
        )
        self.n_clusters_ = k
        self.silhouette_ = table["silhouette"].rename("silhouette")
        self.selection_ = table
        self.distance_to_medoid_ = pd.Series(dist, index=index, name="distance_to_medoid")
        self.sample_ids_ = enc.client_id[sample]
        self._rank = rank
        self._members = (sub, rank[labels[sample]] - 1)
        self.stability_ = None
        if resamples is not None and k > 1 and k in resamples["labels"]:
            full = rank[labels[sample]] - 1
            jac = np.array([_best_jaccard(full[r], again, k)
                            for r, again in zip(resamples["rows"], resamples["labels"][k])])
            aris = np.array([_ari(full[r], again)
                             for r, again in zip(resamples["rows"], resamples["labels"][k])])
            self.stability_ = stability_report(np.bincount(rank[labels] - 1, minlength=k), jac, aris,
                                               fraction=self.fraction)
        return self

    def _cluster(self, D, Z, k, floor, X, seed) -> np.ndarray:
        """Groups 0..k-1 of the clustered clients (``X``: their features for the refinement, or None)."""
        n = len(D)
        if k == 1:
            return np.zeros(n, dtype=np.int64)
        tree = _average_cut(Z, D, k, floor)
        k = len(np.unique(tree))
        if self.method == "average":
            # measured: the refinement recovers the groups as well from the tree's cut as after relocation
            labels = tree if X is not None else _relocate(D, tree, k)
        else:
            labels = _fasterpam(D, _medoids_of(D, tree, k), k, self.n_init, seed)
        if X is not None:
            labels = _latent.refine(X, labels, k)[0]
        return labels

    def _resample(self, D, X, fits, floor, pool, rng) -> dict:
        """Re-cluster ``n_resamples`` subsamples of the clustered clients at every number of groups tried.

        One tree per resample serves every number of groups. Returns the rows of each
        resample, its groups per number of groups, their adjusted Rand index and
        best-match Jaccards against ``fits``.
        """
        m = len(D)
        size = max(2, round(self.fraction * len(pool)))
        out = {"rows": [], "labels": {k: [] for k in fits}, "ari": {k: [] for k in fits},
               "jaccard": {k: [] for k in fits}}
        small = _in_sample(floor, m, size)
        for _ in range(int(self.n_resamples)):
            rows = np.sort(rng.choice(pool, size=size, replace=False))
            seed = int(rng.integers(2**31 - 1))
            Dr = D[np.ix_(rows, rows)]
            Zr = linkage(squareform(Dr, checks=False), method="average")
            Xr = X.take(rows) if X is not None else None
            out["rows"].append(rows)
            for k, full in fits.items():
                again = self._cluster(Dr, Zr, k, small, Xr, seed) if k > 1 else np.zeros(size, dtype=np.int64)
                out["labels"][k].append(again)
                out["ari"][k].append(_ari(full[rows], again))
                out["jaccard"][k].append(_best_jaccard(full[rows], again, k))
        out["jaccard"] = {k: np.array(v) for k, v in out["jaccard"].items()}
        return out

    def _medoids(self, enc, D, sample, labels, k) -> np.ndarray:
        """Per group, the clustered member with the smallest total distance to the group's other clustered members."""
        in_sample = labels[sample]
        out = np.empty(k, dtype=np.int64)
        for g in range(k):
            members = np.flatnonzero(in_sample == g)
            if len(members):
                out[g] = sample[members[np.argmin(D[np.ix_(members, members)].sum(axis=1))]]
            else:  # a group of clients outside the sample only (rare): its medoid among them
                rows = np.flatnonzero(labels == g)[:2000]
                out[g] = rows[np.argmin(gower_distances(enc.take(rows)).sum(axis=1))]
        return out

    # -- new clients ---------------------------------------------------------------------
    def predict(self, clients: pd.DataFrame) -> pd.Series:
        """The group of new clients, placed as the clients of the portfolio were.

        With the refinement (default), the group under which the client's values are the
        most probable; without it, with ``method="average"`` the group at the smallest
        mean distance to its clustered members, with ``kmedoids`` the group of the
        nearest medoid (the first group on ties).

        Returns
        -------
        Series of int indexed by ``client_id``, named ``segment``.
        """
        if not hasattr(self, "medoids_"):
            raise ValueError("this Segmenter is not fitted yet: call fit(clients) first")
        enc = encode_features(clients, catalogue=self.catalogue, like=self.encoding_)
        if self._profiles is not None:
            where = self._rank[np.argmax(_latent.log_scores(_latent.features(enc, like=self.encoding_),
                                                            self._profiles), axis=1)] - 1
        elif self.n_clusters_ == 1:
            where = np.zeros(len(enc), dtype=np.int64)
        elif self.method == "average":
            members, groups = self._members
            where = nearest_group(enc, members, groups, self.n_clusters_)[0]
        else:
            pos = pd.Index(self.encoding_.client_id).get_indexer(self.medoids_.to_numpy())
            where = nearest(enc, self.encoding_.take(pos))[0]
        return pd.Series(where + 1, index=pd.Index(enc.client_id, name="client_id"), name="segment")

    def fit_predict(self, clients: pd.DataFrame, y=None) -> pd.Series:
        return self.fit(clients).labels_


def segment_weights(clients: pd.DataFrame, cat: Catalogue, criteria, weights) -> dict[str, float]:
    """The weights of the segmentation: 1 per criterion, ``weights`` overriding some; ``"catalogue"``: the scoring's."""
    if isinstance(weights, str):
        if weights != "catalogue":
            raise ValueError(f"weights={weights!r}: expected a mapping of criterion to weight, or 'catalogue'")
        return resolve_weights(cat, resolve_criteria(clients, cat, criteria), None)
    kinds = resolve_criteria(clients, cat, criteria)
    return {**dict.fromkeys(kinds, 1.0), **{k: v for k, v in (weights or {}).items()}}
