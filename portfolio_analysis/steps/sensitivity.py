"""Weight sensitivity: how much each client's rank depends on the weights chosen.

The weights are perturbed many times by Dirichlet draws centred on the chosen
(normalised) weights, ``alpha = concentration * w``: the larger the concentration,
the closer the draws stay to the chosen weights (each draw's weight of criterion
``j`` has mean ``w_j`` and variance ``w_j (1 - w_j) / (concentration + 1)``).
Criteria with weight 0 stay at 0. Every draw re-scores the whole portfolio with the
same missing-data rule as :func:`~portfolio_analysis.steps.scoring.score_clients`, by two
matrix products (known scores times weights over known weights), and re-ranks it.

Ranks: 1 is the best score; tied clients share the best rank of their group
("min" ranking), scores being compared to 1e-9 points so that float noise does not
break ties. Clients without any score are not ranked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.steps.scoring import (
    SCORED_AXES,
    _catalogue,
    _score_matrix,
    _weighted,
    criterion_weights,
)

# score matrices of a chunk of draws are kept below this many cells (8 bytes each)
_CHUNK_CELLS = 10_000_000
# scores are compared to this many decimals (points) so that identical clients tie
_TIE_DECIMALS = 9


@dataclass
class SensitivityResult:
    """What :func:`weight_sensitivity` found.

    Attributes
    ----------
    ranks : DataFrame
        One row per client (register order): ``client_id`` (and ``name`` when the
        register has one), ``score`` (at the chosen weights), ``base_rank``,
        ``median_rank``, ``rank_p05`` and ``rank_p95`` (the 90 % interval of the rank
        over the draws, as empirical quantiles: ranks actually observed, e.g. the
        50th best of 1,000 draws for ``rank_p05``), ``interval_width`` and
        ``top_quartile_share`` (share of the draws ranking the client among the best
        ``ceil(n / 4)``). Missing (``<NA>``, NaN for the share) for a client without a score.
    kendall_tau : Series
        Kendall's tau-b between the ranking at the chosen weights and each draw's.
    weights_ : DataFrame
        The draws: one row per draw, one column per criterion, rows summing to 1.
        A later analysis can re-use the same draws.
    base_weights : Series
        The chosen weights, normalised to sum to 1.
    score : str
        The score ranked (``total_score``, ``value_score`` or ``relationship_score``).
    concentration, random_state
        As given.
    """

    ranks: pd.DataFrame
    kendall_tau: pd.Series
    weights_: pd.DataFrame
    base_weights: pd.Series
    score: str
    concentration: float
    random_state: int | None = None
    rank_draws_: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_draws(self) -> int:
        return len(self.weights_)

    @property
    def portfolio(self) -> pd.Series:
        """How much the ranking moves: Kendall's tau (median, 5 % quantile), interval widths."""
        ranked = self.ranks["base_rank"].notna()
        return pd.Series(
            {
                "n_clients_ranked": int(ranked.sum()),
                "n_draws": self.n_draws,
                "concentration": float(self.concentration),
                "kendall_tau_median": float(self.kendall_tau.median()),
                "kendall_tau_p05": float(self.kendall_tau.quantile(0.05)),
                "median_interval_width": float(
                    self.ranks.loc[ranked, "interval_width"].astype("float64").median()),  # NaN with no client
            },
            dtype="object",
            name="weight_sensitivity",
        )


def _draw_weights(base: np.ndarray, n_draws: int, concentration: float, rng) -> np.ndarray:
    positive = base > 0
    draws = np.zeros((n_draws, base.size))
    draws[:, positive] = rng.dirichlet(concentration * base[positive], size=n_draws)
    return draws


def _rank(scores: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest score, ties sharing the best rank; along axis 0."""
    return stats.rankdata(-np.round(scores, _TIE_DECIMALS), method="min", axis=0)


def weight_sensitivity(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    weights: Mapping[str, float] | None = None,
    score: str = "total_score",
    n_draws: int = 1000,
    concentration: float = 50.0,
    random_state: int | np.random.Generator | None = 0,
) -> SensitivityResult:
    """Re-rank the portfolio under many random weights around the chosen ones.

    Parameters
    ----------
    clients : DataFrame
        The loaded client register (see :func:`~portfolio_analysis.steps.scoring.criterion_scores`).
    catalogue, weights
        As in :func:`~portfolio_analysis.steps.scoring.score_clients`: the chosen weights.
    score : {"total_score", "value_score", "relationship_score"}
        The score whose ranking is studied; an axis score perturbs that axis's weights.
    n_draws : int
        Number of Dirichlet draws of the weights.
    concentration : float
        Dirichlet concentration: 50 moves a weight of 0.2 by about ±0.06 (one standard
        deviation); very large values keep the chosen weights.
    random_state : int, Generator or None
        Seed of the draws (default 0: the same result on every run).

    Returns
    -------
    SensitivityResult
        Per client the median rank and its 90 % interval; for the portfolio
        Kendall's tau between the chosen ranking and each draw's.

    Notes
    -----
    Memory: the ranks of every client in every draw are kept (4 bytes each) to take
    exact quantiles; scores are computed by chunks of draws.
    """
    if n_draws < 1:
        raise ValueError(f"weight_sensitivity: n_draws={n_draws} must be at least 1")
    if not concentration > 0:
        raise ValueError(f"weight_sensitivity: concentration={concentration} must be > 0")
    cat = _catalogue(catalogue)
    targets = {f"{axis}_score": axis for axis in SCORED_AXES} | {"total_score": None}
    if score not in targets:
        raise ValueError(f"weight_sensitivity: score={score!r} is not one of {list(targets)}")
    w = criterion_weights(catalogue=cat, weights=weights)
    keys, matrix = _score_matrix(clients, cat)
    if targets[score] is not None:
        chosen = [j for j, k in enumerate(keys) if cat.criteria[k].axis == targets[score]]
        keys, matrix, w = [keys[j] for j in chosen], matrix[:, chosen], w.iloc[chosen]
    if not w.sum() > 0:
        raise ValueError(f"weight_sensitivity: every criterion of {score} has weight 0")
    base_w = (w / w.sum()).to_numpy()

    num, den = _weighted(matrix, base_w)
    valid = den > 0
    base_score = np.full(len(matrix), np.nan)
    base_score[valid] = 100.0 * num[valid] / den[valid]

    rng = np.random.default_rng(random_state)
    draws = _draw_weights(base_w, n_draws, float(concentration), rng)

    known = ~np.isnan(matrix[valid])
    filled = np.where(known, matrix[valid], 0.0)
    known = known.astype("float64")
    n_valid = int(valid.sum())
    base_ranked = np.round(base_score[valid], _TIE_DECIMALS)
    ranks = np.empty((n_valid, n_draws), dtype="int32")
    taus = np.full(n_draws, np.nan)
    base_varies = n_valid >= 2 and np.ptp(base_ranked) > 0
    chunk = max(1, _CHUNK_CELLS // max(n_valid, 1))
    for start in range(0, n_draws, chunk):
        wc = draws[start : start + chunk].T
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 100.0 * (filled @ wc) / (known @ wc)
        ranks[:, start : start + wc.shape[1]] = _rank(scores)
        if base_varies:
            rounded = np.round(scores, _TIE_DECIMALS)
            varies = np.ptp(rounded, axis=0) > 0
            for i in np.flatnonzero(varies):  # tau is undefined for a constant ranking
                taus[start + i] = stats.kendalltau(base_ranked, rounded[:, i]).statistic

    out = pd.DataFrame({"client_id": clients["client_id"].to_numpy()})
    if "name" in clients.columns:
        out["name"] = clients["name"].to_numpy()
    out["score"] = base_score
    columns = ["base_rank", "median_rank", "rank_p05", "rank_p95", "interval_width", "top_quartile_share"]
    values = np.full((len(matrix), len(columns)), np.nan)
    if n_valid:
        q05, q50, q95 = np.quantile(ranks, [0.05, 0.5, 0.95], axis=1, method="inverted_cdf")
        top = int(np.ceil(n_valid / 4))
        values[valid] = np.column_stack(
            [_rank(base_score[valid]), q50, q05, q95, q95 - q05, (ranks <= top).mean(axis=1)]
        )
    for j, col in enumerate(columns):
        # ranks are whole numbers; nullable integers keep them so next to unranked clients
        out[col] = pd.array(values[:, j]).astype("Int64") if col != "top_quartile_share" else values[:, j]

    weights_ = pd.DataFrame(draws, columns=keys)
    weights_.index.name = "draw"
    return SensitivityResult(
        ranks=out,
        kendall_tau=pd.Series(taus, name="kendall_tau").rename_axis("draw"),
        weights_=weights_,
        base_weights=pd.Series(base_w, index=keys, name="weight").rename_axis("criterion"),
        score=score,
        concentration=float(concentration),
        random_state=random_state if isinstance(random_state, (int, type(None))) else None,
        rank_draws_=ranks,
    )
