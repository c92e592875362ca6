"""How stable the groups are: re-clustering random subsamples (Hennig 2007)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from portfolio_analysis.steps.segmentation._common import _check_random_state

__all__ = ["JACCARD_THRESHOLDS", "StabilityReport", "segment_stability", "stability_report"]


#: Hennig's (2007, 2008) reading of a group's mean best-match Jaccard over resamples:
#: below 0.5 the group dissolves; 0.5-0.6 unstable; 0.6-0.75 a pattern whose members are
#: doubtful; 0.75-0.85 stable; 0.85 and above highly stable.
JACCARD_THRESHOLDS = {"dissolved": 0.5, "unstable": 0.6, "pattern": 0.75, "stable": 0.85}


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
    segmenter,
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

    A :class:`Segmenter` fitted on ``clients`` already holds this report for its own
    resamples (``stability_``, the same ones that chose the number of groups); this
    function re-fits whole segmentations, for a second opinion or another number of
    resamples.

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
        model = clone(segmenter).set_params(n_clusters=k, random_state=seed, n_resamples=0)
        model._fit_encoded(enc.take(rows))
        again = model.labels_.to_numpy() - 1
        jac[r] = _best_jaccard(full[rows], again, k)
        aris[r] = adjusted_rand_score(full[rows], again)
    return stability_report(np.bincount(full, minlength=k), jac, aris, fraction=fraction)


def stability_report(sizes: np.ndarray, jac: np.ndarray, aris: np.ndarray, *, fraction: float) -> StabilityReport:
    """The report of resamples: ``jac`` (resamples x groups) best-match Jaccards, ``aris`` per resample."""
    n_resamples, k = jac.shape
    mean = jac.mean(axis=0) if n_resamples else np.full(k, np.nan)
    groups = pd.DataFrame(
        {
            "size": np.asarray(sizes, dtype=np.int64),
            "jaccard": mean,
            "jaccard_min": jac.min(axis=0) if n_resamples else np.full(k, np.nan),
            "dissolved_pct": 100.0 * (jac < JACCARD_THRESHOLDS["dissolved"]).mean(axis=0) if n_resamples
            else np.full(k, np.nan),
            "verdict": _group_verdict(mean),
        },
        index=pd.RangeIndex(1, k + 1, name="segment"),
    )
    ari = float(aris.mean()) if n_resamples else float("nan")
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
    return StabilityReport(groups, ari, np.asarray(aris), stable, verdict, int(n_resamples), float(fraction))


def _and(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
