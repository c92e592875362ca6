"""Pictures of the data check (step 1): how complete the register is, what problems were found.

Each function takes its table first, draws on ``ax`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import pandas as pd

from portfolio_analysis.i18n.language import N_, language
from portfolio_analysis.plots._axes import get_ax
from portfolio_analysis.plots._language import local_numbers, percent
from portfolio_analysis.plots.palette import STATUS

__all__ = ["plot_completeness", "plot_problems"]

SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


def plot_completeness(data: pd.DataFrame, *, ax=None, threshold: float = 0.6, lang: str = "en"):
    """Horizontal bars: share of clients with a value, per criterion or field.

    ``data`` is :func:`portfolio_analysis.load.portfolio.completeness`'s frame (``label``, ``share``).
    Bars under ``threshold`` are drawn in the warning colour. ``lang`` is the language of the texts.
    """
    L = language(lang)
    _ = L.gettext
    ax = get_ax(ax, (7, 0.32 * len(data) + 1.2))
    shares = data["share"].to_numpy() * 100
    colours = [STATUS["good"] if s >= 99.95 else STATUS["warn"] if s >= threshold * 100 else STATUS["bad"]
               for s in shares]
    ax.barh(data["label"], shares, color=colours)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("clients with a value (%)"))
    ax.invert_yaxis()
    for y, s in enumerate(shares):
        ax.text(min(s, 88) + 1, y, percent(lang, s), va="center", fontsize=8)
    ax.set_title(_("How complete is the register?"), loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)


def plot_problems(problems: pd.DataFrame, *, ax=None, top: int = 12, lang: str = "en"):
    """Bars of the number of problems per column and severity (texts in ``lang``)."""
    _ = language(lang).gettext
    ax = get_ax(ax, (7, 4))
    if problems.empty:
        ax.text(0.5, 0.5, _("no problem found"), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    counts = (
        problems.assign(column=problems["column"].fillna(_("(file)")))
        .groupby(["column", "severity"]).size().unstack(fill_value=0)
    )
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False).index[:top]]
    left = pd.Series(0, index=counts.index)
    for sev, colour in (("error", STATUS["bad"]), ("warning", STATUS["warn"])):
        if sev in counts:
            ax.barh(counts.index, counts[sev], left=left, color=colour, label=_(SEVERITIES[sev]))
            left = left + counts[sev]
    ax.invert_yaxis()
    ax.set_xlabel(_("problems"))
    ax.legend(frameon=False)
    ax.set_title(_("Problems found, by column"), loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)
