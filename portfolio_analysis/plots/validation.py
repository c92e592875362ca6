"""Pictures of the data check (step 1): how complete the register is, what problems were found.

Each function takes its table first, draws on ``ax`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import pandas as pd

from portfolio_analysis.plots._axes import get_ax
from portfolio_analysis.plots.palette import STATUS

__all__ = ["plot_completeness", "plot_problems"]


def plot_completeness(data: pd.DataFrame, *, ax=None, threshold: float = 0.6):
    """Horizontal bars: share of clients with a value, per criterion or field.

    ``data`` is :func:`portfolio_analysis.load.portfolio.completeness`'s frame (``label``, ``share``).
    Bars under ``threshold`` are drawn in the warning colour.
    """
    ax = get_ax(ax, (7, 0.32 * len(data) + 1.2))
    shares = data["share"].to_numpy() * 100
    colours = [STATUS["good"] if s >= 99.95 else STATUS["warn"] if s >= threshold * 100 else STATUS["bad"]
               for s in shares]
    ax.barh(data["label"], shares, color=colours)
    ax.set_xlim(0, 100)
    ax.set_xlabel("clients with a value (%)")
    ax.invert_yaxis()
    for y, s in enumerate(shares):
        ax.text(min(s, 88) + 1, y, f"{s:.0f} %", va="center", fontsize=8)
    ax.set_title("How complete is the register?", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_problems(problems: pd.DataFrame, *, ax=None, top: int = 12):
    """Bars of the number of problems per column and severity."""
    ax = get_ax(ax, (7, 4))
    if problems.empty:
        ax.text(0.5, 0.5, "no problem found", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    counts = (
        problems.assign(column=problems["column"].fillna("(file)"))
        .groupby(["column", "severity"]).size().unstack(fill_value=0)
    )
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False).index[:top]]
    left = pd.Series(0, index=counts.index)
    for sev, colour in (("error", STATUS["bad"]), ("warning", STATUS["warn"])):
        if sev in counts:
            ax.barh(counts.index, counts[sev], left=left, color=colour, label=sev)
            left = left + counts[sev]
    ax.invert_yaxis()
    ax.set_xlabel("problems")
    ax.legend(frameon=False)
    ax.set_title("Problems found, by column", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax
