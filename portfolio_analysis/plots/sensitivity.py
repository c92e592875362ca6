"""Pictures of the weight sensitivity: each client's rank interval under the weight draws.

:func:`plot_rank_intervals` draws what
:func:`~portfolio_analysis.steps.sensitivity.weight_sensitivity` computed on ``ax``
(a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_analysis.i18n.language import N_, language
from portfolio_analysis.plots._axes import get_ax
from portfolio_analysis.plots._language import local_numbers
from portfolio_analysis.plots.palette import RANKS

__all__ = ["plot_rank_intervals"]

#: How the title names the score ranked.
SCORE_NAMES = {"total_score": N_("total score"), "value_score": N_("value score"),
               "relationship_score": N_("relationship score")}


def plot_rank_intervals(
    result, *, top: int | None = 30, n_draws: int | None = None, score: str | None = None, ax=None,
    lang: str = "en",
):
    """Each client's median rank and 90 % rank interval under the weight draws.

    Clients are listed by their rank at the chosen weights, best at the top; a short
    interval means a position that does not depend on the weights.

    Parameters
    ----------
    result : SensitivityResult or DataFrame
        From :func:`~portfolio_analysis.steps.sensitivity.weight_sensitivity`, or its
        ``ranks`` table (``client_id``, optionally ``name``, ``base_rank``,
        ``median_rank``, ``rank_p05``, ``rank_p95``).
    top : int or None
        Show the best ``top`` clients at the chosen weights (None: all ranked clients).
    n_draws, score : optional
        For the title: the number of draws and the score ranked (taken from a
        ``SensitivityResult``; given with a ``ranks`` table).
    ax : matplotlib Axes, optional
        Drawn on; a new figure sized to the number of clients otherwise.
    lang : {"en", "fr"}
        The language of the texts.

    Returns
    -------
    matplotlib Axes
    """
    L = language(lang)
    _ = L.gettext
    if isinstance(result, pd.DataFrame):
        ranks = result
    else:
        ranks = result.ranks
        n_draws = result.n_draws if n_draws is None else n_draws
        score = result.score if score is None else score
    ranks = ranks.dropna(subset=["base_rank"])
    ranks = ranks.sort_values(["base_rank", "median_rank"], kind="stable")
    if top is not None:
        ranks = ranks.head(top)
    ax = get_ax(ax, (7.0, 1.0 + 0.28 * max(len(ranks), 1)), layout=None)
    y = np.arange(len(ranks))
    ranks = ranks.astype({c: "float64" for c in ("base_rank", "median_rank", "rank_p05", "rank_p95")})
    ax.hlines(
        y,
        ranks["rank_p05"],
        ranks["rank_p95"],
        color=RANKS["interval"],
        linewidth=2.5,
        label=_("90 % interval of the rank"),
    )
    ax.plot(ranks["median_rank"], y, "o", color=RANKS["median"], label=_("median rank"))
    ax.plot(
        ranks["base_rank"],
        y,
        "|",
        color=RANKS["chosen"],
        markersize=12,
        markeredgewidth=2,
        label=_("rank at the chosen weights"),
    )
    if "name" in ranks.columns:
        labels = ranks["name"].fillna(ranks["client_id"]).astype(str)
    else:
        labels = ranks["client_id"].astype(str)
    ax.set_yticks(y, labels=list(labels))
    ax.set_ylim(len(ranks) - 0.5, -0.5)  # best at the top
    ax.set_xlabel(_("rank (1 = best)"))
    name = _(SCORE_NAMES[score]) if score in SCORE_NAMES else score
    if n_draws is None:
        title = _("Rank under the weight draws ({score})") if score else _("Rank under the weight draws")
    elif score:
        title = L.plural("Rank under {n} weight draw ({score})", "Rank under {n} weight draws ({score})", n_draws)
    else:
        title = L.plural("Rank under {n} weight draw", "Rank under {n} weight draws", n_draws)
    ax.set_title(title.format(n=L.num(n_draws), score=name))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return local_numbers(ax, lang)
