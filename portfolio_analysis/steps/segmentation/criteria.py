"""Which criteria the segmentation can use, and which ones make its groups.

:func:`criteria_table` says, before any grouping, which criteria carry information
(values known for enough clients, not all alike): with fewer than two of them there is
nothing to segment — groups on billing alone would only be billing bands.
:func:`criterion_association` says, after it, how much each criterion goes with the
groups (Cramér's V, and the adjusted Rand index between the groups and the criterion's
levels); :func:`dominant_criterion` names the criterion that alone makes the groups
(the groups *are* its levels), so that the report says so.

>>> clients = pd.DataFrame({"client_id": list("ABCDEF"),
...                         "relationship_type": ["partnership"] * 3 + ["at_risk"] * 3,
...                         "profitability": ["high", "low", "high", "low", "high", "low"]})
>>> labels = pd.Series([1, 1, 1, 2, 2, 2], index=list("ABCDEF"))
>>> assoc = criterion_association(clients, labels, criteria=["relationship_type", "profitability"])
>>> assoc[["criterion", "cramers_v", "ari"]].round(2).to_dict("list")
{'criterion': ['relationship_type', 'profitability'], 'cramers_v': [1.0, 0.33], 'ari': [1.0, -0.11]}
>>> dominant_criterion(assoc)
'relationship_type'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.steps.segmentation._common import _align_labels, _catalogue
from portfolio_analysis.steps.segmentation._gower import DEFAULT_EXTRA_CRITERIA, _available, encode_features

__all__ = ["DOMINANT_ARI", "MIN_KNOWN", "MAX_TOP_SHARE", "criteria_table", "criterion_association",
           "dominant_criterion", "resolve_segmentation_criteria"]

#: A criterion informs the segmentation when its values are known for at least this share of the clients...
MIN_KNOWN = 0.2
#: ... and its most common value is held by less than this share of those (else it is nearly constant).
MAX_TOP_SHARE = 0.95
#: The groups are one criterion's levels when their adjusted Rand index against them reaches this.
DOMINANT_ARI = 0.8


def resolve_segmentation_criteria(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[str]:
    """The criteria asked for: ``criteria`` (default: every catalogue criterion the clients have a value
    of, and ``business_type``), then ``include`` added and ``exclude`` taken out, in that order."""
    cat = _catalogue(catalogue)
    if criteria is None:
        keys = [k for k in (*cat.criteria, *DEFAULT_EXTRA_CRITERIA) if _available(clients, cat, k)]
    else:
        keys = [criteria] if isinstance(criteria, str) else list(criteria)
    keys += [k for k in include if k not in keys]
    return [k for k in keys if k not in set(exclude)]


def criteria_table(
    clients: pd.DataFrame,
    criteria: Sequence[str] | Mapping[str, str | None],
    *,
    catalogue: Catalogue | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per criterion asked for: whether it carries information for a segmentation.

    Returns
    -------
    DataFrame
        ``criterion``, ``kind`` (as encoded; empty when the clients have no value of
        it), ``known_pct`` (% of clients with a value), ``top_share_pct`` (% of those
        holding the most common value; numbers in tenths of their range),
        ``informative`` (known for at least :data:`MIN_KNOWN` of the clients and the
        most common value under :data:`MAX_TOP_SHARE` of them).
    """
    cat = _catalogue(catalogue)
    keys = list(criteria)
    have = [k for k in keys if _available(clients, cat, k)]
    rows = {k: {"criterion": k, "kind": "", "known_pct": 0.0, "top_share_pct": np.nan} for k in keys}
    if have:
        given = {k: criteria[k] for k in have} if isinstance(criteria, Mapping) else have
        w = {k: v for k, v in (weights or {}).items() if k in have}
        enc = encode_features(clients, catalogue=cat, criteria=given, weights={**dict.fromkeys(have, 1.0), **w})
        for key in enc.criteria:
            codes = _codes(enc, key, bins=10)
            known = codes[codes >= 0]
            top = np.bincount(known).max() / len(known) if len(known) else np.nan
            rows[key].update(kind=enc.kinds[key], known_pct=100.0 * len(known) / max(len(enc), 1),
                             top_share_pct=100.0 * top)
    out = pd.DataFrame([rows[k] for k in keys], columns=["criterion", "kind", "known_pct", "top_share_pct"])
    out["informative"] = (out["known_pct"] >= 100 * MIN_KNOWN) & (out["top_share_pct"] < 100 * MAX_TOP_SHARE)
    return out.astype({"criterion": "str", "kind": "str"})


def _codes(enc, key: str, *, bins: int) -> np.ndarray:
    """A criterion's values as codes 0.. (-1 missing); a number by its place among ``bins`` equal parts of its range."""
    if key in enc.code_keys:
        return enc.codes[:, enc.code_keys.index(key)]
    x = enc.values[:, enc.value_keys.index(key)]
    return np.where(np.isnan(x), -1, np.minimum(np.nan_to_num(x) * bins, bins - 1)).astype(np.int64)


def _terciles(enc, key: str) -> np.ndarray:
    x = enc.values[:, enc.value_keys.index(key)]
    ok = ~np.isnan(x)
    if not ok.any():
        return np.full(len(x), -1)
    cuts = np.quantile(x[ok], [1 / 3, 2 / 3])
    return np.where(ok, np.searchsorted(cuts, np.nan_to_num(x), side="right"), -1)


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two codings 0.. of the same clients (bias left in: a plain measure for a report)."""
    table = pd.crosstab(a, b).to_numpy(dtype=float)
    r, c = table.shape
    if min(r, c) < 2:
        return 0.0
    n = table.sum()
    expected = table.sum(axis=1, keepdims=True) @ table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(r, c) - 1))))


def criterion_association(
    clients: pd.DataFrame,
    labels: pd.Series,
    *,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """How much each criterion goes with the groups, on the clients with a value of it.

    Returns
    -------
    DataFrame
        ``criterion``, ``cramers_v`` (0 = unrelated, 1 = the group says the level or the
        level says the group) and ``ari`` (adjusted Rand index between the groups and the
        criterion's levels: 1 when they are the same partition); a number is read by
        terciles of the portfolio, a set of decision criteria as it is.
    """
    group = _align_labels(clients, labels)
    enc = encode_features(clients, catalogue=_catalogue(catalogue), criteria=criteria)
    from sklearn.metrics import adjusted_rand_score

    rows = []
    for key in enc.criteria:
        codes = _codes(enc, key, bins=10) if key in enc.code_keys else _terciles(enc, key)
        ok = codes >= 0
        if ok.sum() < 2:
            rows.append({"criterion": key, "cramers_v": np.nan, "ari": np.nan})
            continue
        rows.append({"criterion": key, "cramers_v": _cramers_v(group[ok], codes[ok]),
                     "ari": float(adjusted_rand_score(group[ok], codes[ok]))})
    return pd.DataFrame(rows, columns=["criterion", "cramers_v", "ari"]).astype({"criterion": "str"})


def dominant_criterion(association: pd.DataFrame) -> str | None:
    """The criterion whose levels the groups are (ARI >= :data:`DOMINANT_ARI`), the closest first; else None."""
    strong = association[association["ari"] >= DOMINANT_ARI]
    return None if strong.empty else str(strong.sort_values("ari", ascending=False, kind="stable")["criterion"].iloc[0])
