"""Pictures of the scores (step 3): what makes each score, and the value-relationship map.

Each function takes its table first, draws on ``ax`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_analysis.i18n.language import N_, language
from portfolio_analysis.plots._axes import get_ax
from portfolio_analysis.plots._language import local_numbers
from portfolio_analysis.plots.palette import STATUS, series_colours

__all__ = ["plot_contributions", "plot_score_map"]

#: The axis of :func:`plot_contributions` for each score.
POINTS_OF = {"total_score": N_("points of the total score (0–100)"),
             "value_score": N_("points of the value score (0–100)"),
             "relationship_score": N_("points of the relationship score (0–100)")}


def plot_contributions(contrib: pd.DataFrame, *, labels: dict | None = None, names: dict | None = None,
                       ax=None, score: str = "total_score", lang: str = "en"):
    """Points each criterion adds to the score of a few clients, one bar group per client.

    ``contrib`` is :func:`portfolio_analysis.steps.scoring.contributions` restricted to the
    clients to show (``client_id`` plus one column per criterion and ``score``).
    Bars for each criterion sum to the client's score. ``lang`` is the language of the texts.
    """
    L = language(lang)
    crits = [c for c in contrib.columns if c not in ("client_id", score)]
    data = contrib.set_index("client_id")
    ax = get_ax(ax, (8, 0.55 * len(data) + 1.5))
    colours = series_colours(len(crits))
    left = np.zeros(len(data))
    ylabels = [f"{names.get(c, c) if names else c}  ({L.num(data.loc[c, score])})" for c in data.index]
    for i, crit in enumerate(crits):
        vals = data[crit].fillna(0).to_numpy()
        ax.barh(ylabels, vals, left=left, color=colours[i], label=(labels or {}).get(crit, crit))
        left += vals
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(L.gettext(POINTS_OF[score]) if score in POINTS_OF else
                  L.gettext("points of {score} (0–100)").format(score=score))
    ax.legend(frameon=False, fontsize=7, ncol=2, loc="lower right")
    ax.set_title(L.gettext("What makes each score"), loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)


def plot_score_map(scores: pd.DataFrame, *, ax=None, hue: str | None = None, lang: str = "en"):
    """Value score against relationship score, one point per client (texts in ``lang``)."""
    _ = language(lang).gettext
    ax = get_ax(ax, (6, 5))
    ax.scatter(scores["relationship_score"], scores["value_score"], s=18, alpha=0.7,
               c=STATUS["neutral"] if hue is None else scores[hue])
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel(_("relationship score"))
    ax.set_ylabel(_("value score"))
    ax.set_title(_("Value and relationship scores"), loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)
