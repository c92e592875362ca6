"""Pictures of the portfolio at a glance (step 2): levels, billing, owners, months.

Each function takes its table first, draws on ``ax`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_analysis.i18n.language import language
from portfolio_analysis.plots._axes import get_ax
from portfolio_analysis.plots._language import local_numbers, number_formatter, percent
from portfolio_analysis.plots.palette import LEVELS_CMAP, MISSING, STATUS

__all__ = [
    "plot_billing_distribution",
    "plot_level_counts",
    "plot_level_heatmap",
    "plot_monthly_billing",
    "plot_owner_spread",
]


def plot_level_counts(data: pd.DataFrame, *, ax=None, title: str | None = None, color=None, lang: str = "en"):
    """Bars of clients per level (``label``, ``clients``), in the order given (axis texts in ``lang``)."""
    ax = get_ax(ax, (4.5, 3))
    ax.bar(data["label"].astype(str), data["clients"], color=color or STATUS["neutral"])
    ax.set_ylabel(language(lang).gettext("clients"))
    if title:
        ax.set_title(title, loc="left")
    ax.tick_params(axis="x", rotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)


def plot_billing_distribution(clients: pd.DataFrame, *, ax=None, column: str = "billing", lang: str = "en"):
    """Histogram of billing per client on a log scale (heavy tails are the rule; texts in ``lang``)."""
    _ = language(lang).gettext
    ax = get_ax(ax, (7, 4))
    values = pd.to_numeric(clients[column], errors="coerce")
    values = values[values > 0]
    if values.empty:
        ax.text(0.5, 0.5, _("no billing"), ha="center", va="center", transform=ax.transAxes)
        return ax
    bins = np.logspace(np.log10(values.min()), np.log10(values.max()), 30)
    ax.hist(values, bins=bins, color=STATUS["neutral"], edgecolor="white")
    ax.set_xscale("log")
    ax.axvline(values.median(), color=STATUS["bad"], linestyle="--", linewidth=1)
    ax.text(values.median(), ax.get_ylim()[1] * 0.95, " " + _("median"), color=STATUS["bad"], va="top", fontsize=8)
    ax.set_xlabel(_("billing, last 12 months (log scale)"))
    ax.set_ylabel(_("clients"))
    ax.set_title(_("Billing per client"), loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)


def plot_level_heatmap(matrix: pd.DataFrame, *, labels: dict | None = None, ax=None, order=None, lang: str = "en"):
    """Heat map of clients (rows) × criteria (columns), each cell the level score in [0, 1].

    ``order`` sorts the rows (e.g. by total score); missing cells are shown in grey; texts in ``lang``.
    """
    import seaborn as sns

    L = language(lang)
    data = matrix.loc[order] if order is not None else matrix
    if labels:
        data = data.rename(columns=labels)
    ax = get_ax(ax, (7, 6))
    cmap = sns.color_palette(LEVELS_CMAP, as_cmap=True).with_extremes(bad=MISSING)
    sns.heatmap(data, ax=ax, cmap=cmap, vmin=0, vmax=1, yticklabels=False,
                cbar_kws={"label": L.gettext("level (0 = worst, 1 = best)")})
    ax.set_ylabel(L.plural("{n} client", "{n} clients", len(data)).format(n=L.num(len(data))))
    ax.set_xlabel("")
    ax.set_title(L.gettext("Criteria levels across clients"), loc="left")
    ax.collections[0].colorbar.ax.yaxis.set_major_formatter(number_formatter(lang))
    return ax


def plot_owner_spread(data: pd.DataFrame, *, ax=None, top: int = 15, lang: str = "en"):
    """Billing share per owner on our side; key-person risks in the alarm colour (texts in ``lang``)."""
    L = language(lang)
    ax = get_ax(ax, (7, 4))
    data = data.head(top)
    colours = [STATUS["bad"] if r else STATUS["neutral"] if pd.notna(o) else MISSING
               for o, r in zip(data["owner"], data["key_person_risk"])]
    names = [str(o) if pd.notna(o) else L.gettext("(no owner)") for o in data["owner"]]
    ax.barh(names, data["billing_share_pct"], color=colours)
    for y, (share, n) in enumerate(zip(data["billing_share_pct"], data["accounts"])):
        ax.text(share + 0.5, y, L.plural("{share} · {n} account", "{share} · {n} accounts", n).format(
            share=percent(lang, share), n=L.num(n)), va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(L.gettext("share of billing (%)"))
    ax.set_title(L.gettext("Billing carried by each of our people"), loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)


def plot_monthly_billing(monthly: pd.DataFrame, *, ax=None, lang: str = "en"):
    """The portfolio's monthly billing and, dashed, the projected next 12 months (texts in ``lang``).

    ``monthly`` is :func:`portfolio_analysis.steps.financials.portfolio_monthly`'s table
    (``month``, ``billed``, ``projected``: each month holds one of the two).
    """
    _ = language(lang).gettext
    ax = get_ax(ax, (8, 3.5))
    billed = monthly.dropna(subset=["billed"])
    ax.plot(billed["month"], billed["billed"], color=STATUS["neutral"], label=_("billed"))
    ahead = monthly.dropna(subset=["projected"])
    if len(ahead):
        ax.plot(ahead["month"], ahead["projected"], color=STATUS["good"], linestyle="--", label=_("projected"))
    ax.set_ylabel(_("billing per month"))
    ax.legend(frameon=False)
    ax.set_title(_("Monthly billing of the portfolio"), loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)
