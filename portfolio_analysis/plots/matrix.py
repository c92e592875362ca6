"""The portfolio matrix (value × relationship) and Shapiro et al.'s net price × cost to serve.

Seaborn's shape: the data first, options keyword-only, ``ax=None`` in (a new figure
then), the Axes returned, never ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.i18n import action_name
from portfolio_analysis.i18n.language import N_, language
from portfolio_analysis.plots._language import local_numbers
from portfolio_analysis.plots.palette import ACTION_COLOURS
from portfolio_analysis.steps.actions import action_settings

__all__ = ["plot_portfolio_matrix", "plot_price_cost_matrix"]

#: What the bubbles of the portfolio matrix can measure, as the title names it.
SIZE_NAMES = {"billing": N_("billing"), "profit": N_("profit")}


def _ax(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _bubbles(values: pd.Series | None, n: int, max_size: float) -> np.ndarray:
    if values is None:
        return np.full(n, 30.0)
    v = pd.to_numeric(values, errors="coerce").clip(lower=0).fillna(0).to_numpy(dtype="float64")
    top = v.max() if len(v) else 0
    return np.where(top > 0, 8 + max_size * np.sqrt(v / top if top > 0 else v), 30.0)


def plot_portfolio_matrix(
    data: pd.DataFrame,
    *,
    ax=None,
    size: str | None = "billing",
    hue: str = "action",
    value_threshold: float | None = None,
    relationship_threshold: float | None = None,
    quadrants: Mapping | None = None,
    max_size: float = 600.0,
    lang: str = "en",
):
    """The portfolio matrix: relationship score (x) against value score (y).

    Parameters
    ----------
    data : DataFrame
        :func:`~portfolio_analysis.steps.actions.decide_actions`'s result (or
        :func:`~portfolio_analysis.steps.actions.portfolio_matrix`'s with ``hue``
        ``"default_action"``): ``value_score``, ``relationship_score``, ``hue`` and
        ``size`` columns; the split lines and quadrant labels are read from its ``attrs``.
    ax : matplotlib Axes, optional
    size : str or None
        Column setting the bubble area (billing); None for equal points.
    hue : str
        Column of actions colouring the points.
    value_threshold, relationship_threshold : float, optional
        The split lines; default: ``data.attrs``, else ``settings.actions.threshold`` (50).
    quadrants : mapping, optional
        ``settings.actions.quadrants`` of the configuration in force (their labels and actions);
        default: ``data.attrs``, else the shipped ones.
    max_size : float
        Area of the largest bubble, in points².
    lang : {"en", "fr"}
        The language of the texts (a quadrant's label as :meth:`Language.text` gives it).

    Returns
    -------
    matplotlib Axes
    """
    L = language(lang)
    _ = L.gettext
    ax = _ax(ax, (7.5, 6))
    shipped = action_settings()  # the rules where data.attrs says nothing
    tv = value_threshold if value_threshold is not None else data.attrs.get(
        "value_threshold", shipped["threshold"][0])
    tr = relationship_threshold if relationship_threshold is not None else data.attrs.get(
        "relationship_threshold", shipped["threshold"][1])
    sizes = _bubbles(data[size] if size and size in data.columns else None, len(data), max_size)
    for act in ACTIONS:
        mask = (data[hue] == act).fillna(False).to_numpy(dtype=bool) if hue in data.columns else None
        if mask is None or not mask.any():
            continue
        ax.scatter(data.loc[mask, "relationship_score"], data.loc[mask, "value_score"], s=sizes[mask],
                   color=ACTION_COLOURS[act], alpha=0.6, edgecolors="white", linewidths=0.5,
                   label=f"{action_name(act, lang)} ({L.num(int(mask.sum()))})")
    ax.axvline(tr, color="0.4", linestyle="--", linewidth=1)
    ax.axhline(tv, color="0.4", linestyle="--", linewidth=1)
    quadrants = quadrants or data.attrs.get("quadrants") or shipped["quadrants"]
    corners = {("high", "strong"): (98, 98, "right", "top"), ("high", "weak"): (2, 98, "left", "top"),
               ("low", "strong"): (98, 2, "right", "bottom"), ("low", "weak"): (2, 2, "left", "bottom")}
    for key, q in quadrants.items():
        if q is None:
            continue
        x, y, ha, va = corners[(q["value"], q["relationship"])]
        ax.text(x, y, f"{L.text(q['label'])}\n→ {_quadrant_actions(data, key, q, hue, L)}", ha=ha, va=va, fontsize=9,
                color="0.25", bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "0.8", "alpha": 0.8})
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel(_("relationship score"))
    ax.set_ylabel(_("value score"))
    title = _("Portfolio matrix")
    if size and size in data.columns:
        title = _("Portfolio matrix (bubble area: {size})").format(
            size=_(SIZE_NAMES[size]) if size in SIZE_NAMES else size)
    ax.set_title(title, loc="left")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, markerscale=0.5)
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)


def _quadrant_actions(data: pd.DataFrame, key: str, quadrant, hue: str, L) -> str:
    """What the clients of a quadrant actually get: its action alone when the rules changed none of them,
    else each action with its count (the colours of its points), most frequent first."""
    if "quadrant" not in data.columns or hue not in data.columns:
        return action_name(quadrant["action"], L.lang)
    counts = data.loc[data["quadrant"] == key, hue].value_counts()
    if counts.empty or (len(counts) == 1 and counts.index[0] == quadrant["action"]):
        return action_name(quadrant["action"], L.lang)
    return " · ".join(f"{action_name(act, L.lang)} {L.num(int(n))}" for act, n in counts.items())


def plot_price_cost_matrix(
    data: pd.DataFrame | None,
    *,
    ax=None,
    sizes: pd.Series | None = None,
    max_size: float = 400.0,
    lang: str = "en",
):
    """Shapiro et al.'s matrix: cost to serve (x) against net price (y), split at the medians.

    Parameters
    ----------
    data : DataFrame or None
        :func:`~portfolio_analysis.steps.actions.price_cost_matrix`'s result; None or empty
        draws a note instead.
    ax : matplotlib Axes, optional
    sizes : Series, optional
        Bubble area per row of ``data`` (e.g. billing); equal points otherwise.
    max_size : float
    lang : {"en", "fr"}
        The language of the texts.

    Returns
    -------
    matplotlib Axes
    """
    L = language(lang)
    _ = L.gettext
    ax = _ax(ax, (7, 5.5))
    if data is None or data.empty:
        ax.text(0.5, 0.5, _("no net price and cost-to-serve figures"), ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    s = _bubbles(sizes, len(data), max_size) if sizes is not None else np.full(len(data), 30.0)
    colours = {"carriage trade": "#6A1B9A", "passive": "#2E7D32", "aggressive": "#C62828",
               "bargain basement": "#546E7A"}
    for name, colour in colours.items():
        mask = (data["quadrant"] == name).fillna(False).to_numpy(dtype=bool)
        if mask.any():
            ax.scatter(data.loc[mask, "cost_to_serve"], data.loc[mask, "net_price"], s=s[mask], color=colour,
                       alpha=0.6, edgecolors="white", linewidths=0.5, label=f"{_(name)} ({L.num(int(mask.sum()))})")
    ax.axvline(data.attrs.get("cost_split", data["cost_to_serve"].median()), color="0.4", linestyle="--", lw=1)
    ax.axhline(data.attrs.get("price_split", data["net_price"].median()), color="0.4", linestyle="--", lw=1)
    spots = {"carriage trade": (0.98, 0.98, "right", "top"), "passive": (0.02, 0.98, "left", "top"),
             "aggressive": (0.98, 0.02, "right", "bottom"), "bargain basement": (0.02, 0.02, "left", "bottom")}
    for name, (x, y, ha, va) in spots.items():
        ax.text(x, y, _(name), transform=ax.transAxes, ha=ha, va=va, fontsize=9, color="0.3")
    ax.set_xlabel(_(data.attrs.get("cost_label", N_("cost to serve"))))
    ax.set_ylabel(_("net price"))
    ax.set_title(_("Net price × cost to serve (Shapiro et al. 1987)"), loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, markerscale=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)

