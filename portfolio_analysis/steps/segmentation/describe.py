"""What the groups are: profiles, names, each client against its group, its nearest peers.

The words (group names, how a client differs) are built once, in the language asked for:
phrases from the message catalogue, criteria and levels in the catalogue's labels,
numbers by Babel.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.i18n.language import N_, Language, language, lower_first
from portfolio_analysis.steps.segmentation._common import _align_labels, _catalogue
from portfolio_analysis.steps.segmentation._gower import (
    _block,
    _chunk_rows,
    _numeric_values,
    _text,
    encode_features,
    resolve_criteria,
)
from portfolio_analysis.steps.segmentation.cluster import Segmenter

__all__ = [
    "client_differences",
    "name_segments",
    "nearest_peers",
    "segment_profiles",
    "segment_table",
]

# how a trait reads in a segment name ({level} and {criterion} are the catalogue's labels)
_LEVEL_ALONE = ("relationship_type", "business_type")  # "Partnership", "Investor"
_PHRASES = {
    "decision_criteria": N_("buys on {level}"),
    "ease_of_collaboration": N_("{level} to work with"),
    "business_outlook": N_("{level} business"),
}
_TRAIT = N_("{level} {criterion}")  # "high profitability"
_NO_TRAIT = N_("no {criterion}")  # a criterion's level "none": "no R&D collaboration"
_MIXED = N_("Mixed group {n}")
_TERCILES = ("low", "medium", "high")
_TERCILE_LABELS = (N_("Low"), N_("Medium"), N_("High"))
# how a client differs from its group's medoid
_DIFFERENCE = N_("{criterion}: {value} (medoid: {medoid})")
_SEPARATOR = N_("; ")
MISSING = N_("missing")


# -- profiles and names ------------------------------------------------------------------
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
        return ind, list(_TERCILES), [language(lang).gettext(label) for label in _TERCILE_LABELS]
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


def _phrase(cat: Catalogue, key: str, level: str, level_label: str, L: Language) -> str:
    """How a group's trait (a criterion's dominant level) reads in its name, in ``L``'s language."""
    known = key in cat.criteria or key in cat.fields
    crit_label = cat.label(key, L.lang) if known else str(key)
    if key in _LEVEL_ALONE:
        template = "{level}"
    elif key in _PHRASES:
        template = L.gettext(_PHRASES[key])
    elif not known and level not in _TERCILES:
        template = "{criterion} {level}"  # a column the catalogue does not know: its name, its value
    elif level == "none":
        template = L.gettext(_NO_TRAIT)
    else:
        template = L.gettext(_TRAIT)
    return template.format(level=lower_first(level_label), criterion=lower_first(crit_label))


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
    L = language(lang)
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
                cand.append((-round(gain, 9), order, _phrase(cat, key, str(level), label, L)))
        traits[seg] = [p for _, _, p in sorted(cand)]
    used = dict.fromkeys(profiles.index, max(1, int(n_traits)))

    def build(seg):
        parts = traits[seg][: used[seg]]
        if not parts:
            return L.gettext(_MIXED).format(n=seg)
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
def _value_words(clients: pd.DataFrame, cat: Catalogue, key: str, kind: str, L: Language) -> np.ndarray:
    """Each client's value of a criterion as a reader sees it (labels, amounts), in ``L``'s language."""
    missing = L.gettext(MISSING)
    if kind in ("numeric", "log"):
        x = _numeric_values(clients, cat, key)
        growth = key == "billing_growth" or (key in cat.criteria and cat.criteria[key].spec.get("source") ==
                                             "billing_growth")
        words = np.array([L.percent(v, sign=True) if growth else L.num(v) for v in np.nan_to_num(x)], dtype=object)
        words[~np.isfinite(x)] = missing
        return words
    text = _text(clients[key])
    uniq = text.dropna().unique()
    known = key in cat.criteria or key in cat.fields
    if kind == "multi":
        def words_of(value):
            items = [t.strip() for t in str(value).split(";") if t.strip()]
            return ", ".join(lower_first(cat.level_label(key, t, L.lang)) if known else t for t in items)
    else:
        def words_of(value):
            return lower_first(cat.level_label(key, value, L.lang)) if known else str(value)
    mapping = {u: words_of(u) for u in uniq}
    return text.map(mapping).fillna(missing).to_numpy(dtype=object)


def _fill_arrays(template: str, n: int, **fields) -> np.ndarray:
    """``template`` filled element-wise with texts or arrays of ``n`` texts (a vectorised ``str.format``)."""
    out = np.full(n, "", dtype=object)
    for literal, field, _, _ in string.Formatter().parse(template):
        out = out + literal
        if field is not None:
            out = out + np.asarray(fields[field], dtype=object)
    return out


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
    L = language(lang)
    difference, sep = L.gettext(_DIFFERENCE), L.gettext(_SEPARATOR)
    texts = np.empty(d.shape, dtype=object)
    for col, key in enumerate(per.columns):
        kind = enc.kinds[key]
        words = _value_words(clients, cat, key, kind, L)
        known = key in cat.criteria or key in cat.fields
        label = cat.label(key, lang) if known else str(key)
        texts[:, col] = np.where(differs[:, col], _fill_arrays(difference, len(enc), criterion=label,
                                                               value=words, medoid=words[j]), "")
    ordered = np.take_along_axis(texts, order, axis=1)
    ordered_diff = np.take_along_axis(differs, order, axis=1)
    joined = pd.Series([sep.join(t for t, shown in zip(row, flags) if shown)
                        for row, flags in zip(ordered, ordered_diff)], dtype="str")
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
