"""Pictures of the profit and billing concentration: the whale curve and the Lorenz curve.

Each function draws a table that :mod:`portfolio_analysis.steps.concentration`
computed on ``ax`` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from portfolio_analysis.i18n.language import language
from portfolio_analysis.plots._axes import get_ax
from portfolio_analysis.plots._language import local_numbers, percent
from portfolio_analysis.plots.palette import CURVES

__all__ = ["plot_lorenz", "plot_whale_curve"]


def plot_whale_curve(curve, *, ax=None, lang: str = "en"):
    """Draw the whale curve: the peak annotated, the 100 % line, the loss-making tail shaded.

    Parameters
    ----------
    curve : WhaleCurve or DataFrame
        :func:`~portfolio_analysis.steps.concentration.whale_curve`'s result, or its
        ``curve`` table (``cum_clients_pct``, ``cum_profit_pct``, ``profit`` and
        optionally ``profit_is_estimated``), most profitable client first.
    ax : matplotlib Axes, optional
    lang : {"en", "fr"}
        The language of the texts.

    Returns
    -------
    matplotlib Axes
        The title says "estimated" when any profit on the curve is an estimate.
    """
    L = language(lang)
    _ = L.gettext
    table = curve if isinstance(curve, pd.DataFrame) else curve.curve
    ax = get_ax(ax, (7, 4.5))
    x = np.concatenate([[0.0], table["cum_clients_pct"].to_numpy(dtype=float)])
    y = np.concatenate([[0.0], table["cum_profit_pct"].to_numpy(dtype=float)])
    ax.plot(x, y, color=CURVES["curve"], lw=2, label=_("cumulative profit"))
    ax.axhline(100, color=CURVES["ref"], lw=1, ls="--", label=_("100 % of profit"))
    losing = table["profit"].to_numpy() < 0
    if losing.any():
        first = int(np.argmax(losing))  # clients are sorted: the loss-makers are the tail
        ax.axvspan(x[first], 100, color=CURVES["loss"], alpha=0.12,
                   label=L.plural("loss-making tail ({n} client)", "loss-making tail ({n} clients)",
                                  int(losing.sum())).format(n=L.num(int(losing.sum()))))
    k = int(np.argmax(y))
    ax.scatter([x[k]], [y[k]], color=CURVES["curve"], zorder=3)
    ax.annotate(
        _("peak {peak} of profit\nfrom {share} of clients").format(peak=percent(lang, y[k]), share=percent(lang, x[k])),
        (x[k], y[k]), xytext=(-8 if x[k] > 50 else 8, -32), textcoords="offset points", fontsize=9,
        ha="right" if x[k] > 50 else "left",
    )
    estimated = bool(table.get("profit_is_estimated", pd.Series(False)).any())
    ax.set_xlim(0, 100)
    ax.set_ylim(min(0.0, y.min()) - 5, max(y.max(), 100) * 1.12)
    ax.set_xlabel(_("clients, most profitable first (cumulative %)"))
    ax.set_ylabel(_("cumulative profit (% of total)"))
    title = _("Whale curve (profit partly estimated from profitability levels)") if estimated else _("Whale curve")
    ax.set_title(title, loc="left")
    ax.legend(frameon=False, loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)


def plot_lorenz(
    curve: pd.DataFrame, *, cutoffs: Sequence[float] = (80.0, 95.0), gini: float | None = None, ax=None,
    lang: str = "en",
):
    """Draw the billing concentration curve with the diagonal and the ABC cut-offs.

    Parameters
    ----------
    curve : DataFrame
        :func:`~portfolio_analysis.steps.concentration.lorenz_curve`'s (or
        ``abc_classes``') result: ``cum_clients_pct`` and ``cum_billing_pct``, largest
        client first.
    cutoffs : (float, float)
        The ABC cut-offs (% of billing), drawn as horizontal lines.
    gini : float, optional
        The Gini coefficient of the billing
        (:func:`~portfolio_analysis.steps.concentration.gini`, or
        ``concentration_summary(...)["gini"]``), shown in the legend when given.
    ax : matplotlib Axes, optional
    lang : {"en", "fr"}
        The language of the texts.

    Returns
    -------
    matplotlib Axes
    """
    L = language(lang)
    _ = L.gettext
    table = curve.dropna(subset=["cum_billing_pct"])
    ax = get_ax(ax, (7, 4.5))
    x = np.concatenate([[0.0], table["cum_clients_pct"].to_numpy(dtype=float)])
    y = np.concatenate([[0.0], table["cum_billing_pct"].to_numpy(dtype=float)])
    label = _("billing") if gini is None else _("billing (Gini {gini})").format(gini=L.num(gini, 2))
    ax.plot(x, y, color=CURVES["curve"], lw=2, label=label)
    ax.plot([0, 100], [0, 100], color=CURVES["ref"], lw=1, ls="--", label=_("equal billing"))
    cuts = [float(c) for c in cutoffs]
    if len(cuts) != 2 or not 0 < cuts[0] < cuts[1] <= 100:
        raise ValueError(f"cutoffs={tuple(cutoffs)!r}: expected two cut-offs 0 < A < B <= 100 (% of billing)")
    for cut, name in zip(cuts, ("A", "B")):
        ax.axhline(cut, color=CURVES["cut"], lw=1, ls=":")
        ax.text(1, cut + 1, _("{name} up to {cut}").format(name=name, cut=percent(lang, cut, 0 if cut.is_integer() else 1)),
                fontsize=8, color=CURVES["ref"])
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    ax.set_xlabel(_("clients, largest first (cumulative %)"))
    ax.set_ylabel(_("billing (cumulative % of total)"))
    ax.set_title(_("Concentration of billing"), loc="left")
    ax.legend(frameon=False, loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return local_numbers(ax, lang)
