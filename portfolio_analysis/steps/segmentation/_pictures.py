"""Pictures of the segmentation (moving to portfolio_analysis.plots)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.steps.segmentation._common import _align_labels, _catalogue
from portfolio_analysis.steps.segmentation._gower import encode_features, gower_distances


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

