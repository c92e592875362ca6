"""Pictures of the segmentation: the map, the tree and the profiles of the groups.

Each function draws a table that :mod:`portfolio_analysis.steps.segmentation`
computed (:func:`~portfolio_analysis.steps.segmentation.segment_map`,
:func:`~portfolio_analysis.steps.segmentation.dendrogram_linkage`,
:func:`~portfolio_analysis.steps.segmentation.segment_profiles`) on ``ax`` (a new
figure when None) and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.i18n.language import language
from portfolio_analysis.plots import palette
from portfolio_analysis.plots._axes import get_ax
from portfolio_analysis.plots._language import local_numbers, number_formatter, percent

__all__ = ["plot_dendrogram", "plot_segment_map", "plot_segment_profiles"]


def _group_label(seg, names, lang: str = "en") -> str:
    if names is not None and seg in names:
        return f"{seg}: {names[seg]}"
    return language(lang).gettext("group {n}").format(n=seg)


def plot_segment_map(
    data: pd.DataFrame,
    *,
    x: str = "x",
    y: str = "y",
    hue: str = "segment",
    names: Mapping | pd.Series | None = None,
    n_clients: int | None = None,
    ax=None,
    lang: str = "en",
):
    """The map of the clients, one point each, coloured by group: close points are similar clients.

    Parameters
    ----------
    data : DataFrame
        :func:`~portfolio_analysis.steps.segmentation.segment_map`'s table
        (``client_id``, ``x``, ``y``, ``segment``).
    x, y, hue : str
        The columns of the coordinates and of the group.
    names : mapping or Series, optional
        Group names for the legend (from ``name_segments``).
    n_clients : int, optional
        The clients of the portfolio; when more than the rows of ``data`` (a sample
        was mapped), the title says so.
    ax : matplotlib Axes, optional
    lang : {"en", "fr"}
        The language of the texts.

    Returns
    -------
    matplotlib Axes
    """
    L = language(lang)
    ax = get_ax(ax, (7, 5))
    group = data[hue].to_numpy()
    segs = np.unique(group)
    colours = palette.group_colours(len(segs))
    xs, ys = data[x].to_numpy(dtype=float), data[y].to_numpy(dtype=float)
    for c, seg in enumerate(segs):
        mask = group == seg
        ax.scatter(xs[mask], ys[mask], s=14, alpha=0.75, color=colours[c], label=_group_label(seg, names, lang),
                   linewidths=0)
    ax.set_xticks([])
    ax.set_yticks([])
    shown = len(data)
    if n_clients is not None and shown < n_clients:
        title = L.gettext("Map of the clients: close points are similar clients ({shown} of {n} clients, sampled)")
    else:
        title = L.gettext("Map of the clients: close points are similar clients")
    ax.set_title(title.format(shown=L.num(shown), n=L.num(n_clients)), loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="best", markerscale=1.5)
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    return ax


def plot_dendrogram(
    linkage: pd.DataFrame,
    *,
    leaves: pd.DataFrame | Sequence[str] | None = None,
    n_clusters: int | None = None,
    max_leaves: int = 60,
    ax=None,
    lang: str = "en",
):
    """The tree of the clients: which merge first, at what distance.

    Parameters
    ----------
    linkage : DataFrame
        The merges (``left``, ``right``, ``height``, ``size``): the ``linkage`` of
        :func:`~portfolio_analysis.steps.segmentation.dendrogram_linkage`.
    leaves : DataFrame or list of str, optional
        The leaves' labels: its ``leaves`` table (``leaf``, ``label``), or one label per
        client in leaf order. Default: the leaf numbers.
    n_clusters : int, optional
        Colour the branches of this many top groups (the tree cut halfway between
        the heights of its last ``n_clusters`` merges).
    max_leaves : int
        Above this many clients only the last ``max_leaves`` branches are drawn, each
        leaf showing its number of clients in brackets (a single client: its leaf number).
    ax : matplotlib Axes, optional
    lang : {"en", "fr"}
        The language of the texts.

    Returns
    -------
    matplotlib Axes
    """
    from scipy.cluster.hierarchy import dendrogram

    Z = linkage[["left", "right", "height", "size"]].to_numpy(dtype=float)
    n = len(Z) + 1
    if isinstance(leaves, pd.DataFrame):
        ordered = leaves.sort_values("leaf") if "leaf" in leaves.columns else leaves
        labels = ordered["label"].astype(str).tolist()
    else:
        labels = None if leaves is None else [str(v) for v in leaves]
    if labels is not None and len(labels) != n:
        raise ValueError(f"leaves: {len(labels)} labels for a tree of {n} clients")
    threshold = 0.0
    if n_clusters is not None and 1 < n_clusters <= n:
        heights = Z[:, 2]
        threshold = float((heights[-n_clusters] + heights[-n_clusters + 1]) / 2)
    ax = get_ax(ax, (8, 5))
    truncate = n > max_leaves
    dendrogram(
        Z,
        ax=ax,
        labels=None if truncate else labels,
        truncate_mode="lastp" if truncate else None,
        p=max_leaves,
        color_threshold=threshold if threshold > 0 else 0,
        above_threshold_color=palette.ABOVE_CUT,
        leaf_font_size=7,
        orientation="top",
    )
    _ = language(lang).gettext
    ax.set_ylabel(_("Gower distance (average linkage)"))
    ax.set_title(_("How the clients group together"), loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)


def plot_segment_profiles(
    profiles: pd.DataFrame,
    *,
    names: Mapping | pd.Series | None = None,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | None = None,
    lang: str = "en",
    ax=None,
):
    """Heat map of the groups' profiles: mean position on each ordinal or numeric criterion.

    Colour: the group's mean level, from 0 (the first level in catalogue order, worst
    to best, or the lowest tercile) to 1 (the last level, the highest tercile); each
    cell is annotated with the group's dominant level and its share.

    Parameters
    ----------
    profiles : DataFrame
        From :func:`~portfolio_analysis.steps.segmentation.segment_profiles`.
    names : mapping or Series, optional
        Row labels (from ``name_segments``).
    catalogue : Catalogue, optional
        For the criteria's labels (the shipped catalogue by default).
    criteria : list of str, optional
        The columns shown (default: every profiled criterion with a mean position).
    lang : {"en", "fr"}
        The language of the texts and of the criteria's labels.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    L = language(lang)
    cat = load_catalogue() if catalogue is None else catalogue
    keys = list(criteria) if criteria is not None else [
        c[: -len("_mean")] for c in profiles.columns if c.endswith("_mean")
    ]
    keys = [k for k in keys if f"{k}_mean" in profiles.columns]
    if not keys:
        raise ValueError("profiles: no ordinal or numeric criterion to draw (no *_mean column)")
    values = profiles[[f"{k}_mean" for k in keys]].to_numpy(dtype=float)
    ax = get_ax(ax, (1.0 * len(keys) + 3, 0.6 * len(profiles) + 2))
    image = ax.imshow(values, cmap=palette.PROFILES_CMAP, vmin=0, vmax=1, aspect="auto")
    for r, seg in enumerate(profiles.index):
        for c, key in enumerate(keys):
            label = profiles.loc[seg, f"{key}_label"] if f"{key}_label" in profiles.columns else ""
            share = profiles.loc[seg, f"{key}_pct"] if f"{key}_pct" in profiles.columns else np.nan
            text = "" if pd.isna(share) else f"{label}\n{percent(lang, share)}"
            dark = np.isfinite(values[r, c]) and values[r, c] > 0.6
            ax.text(c, r, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
    known = [cat.label(k, lang) if (k in cat.criteria or k in cat.fields) else k for k in keys]
    ax.set_xticks(range(len(keys)), known, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(profiles)), [_group_label(s, names, lang) for s in profiles.index], fontsize=8)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label=L.gettext("mean level (0 first, 1 last)"))
    bar.ax.yaxis.set_major_formatter(number_formatter(lang))
    ax.set_title(L.gettext("Profiles of the groups: dominant level and its share"), loc="left", fontsize=10)
    return ax
