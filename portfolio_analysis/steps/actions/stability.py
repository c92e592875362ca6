"""How often each client's action holds when the weights are perturbed."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.steps.actions.weighted import WeightedDecider
from portfolio_analysis.steps.scoring import criterion_weights


def action_stability(
    clients: pd.DataFrame,
    *,
    weight_draws,
    profit: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
    settings: Mapping | None = None,
    weights: Mapping[str, float] | None = None,
    min_coverage: float | None = None,
) -> pd.DataFrame:
    """How often each client's action holds when the weights are perturbed.

    Each draw re-scores the portfolio with its weights (the same rule as
    :func:`~portfolio_analysis.steps.scoring.score_clients`: known scores weighted over known
    weights, each axis on its own), recomputes the coverage and, for a median split,
    the medians, and re-decides; the profit, the strategic conditions and the guards'
    conditions do not depend on the weights.

    Parameters
    ----------
    clients : DataFrame
        The loaded register.
    weight_draws : DataFrame or SensitivityResult
        One row per draw, one column per criterion
        (:attr:`~portfolio_analysis.steps.sensitivity.SensitivityResult.weights_`, or the
        result itself). A scored criterion absent from the draws keeps its chosen
        weight, on the draws' scale (its share of the chosen weights).
    profit, catalogue, settings
        As in :func:`decide_actions`.
    weights, min_coverage
        The chosen weights (the base action) and the coverage rule of the scoring.

    Returns
    -------
    DataFrame, register order
        ``client_id``, ``action`` (at the chosen weights), ``stability`` (share of the
        draws giving the same action), ``n_draws``, ``other_action`` (the most frequent
        different action, NA when it never changes) and ``other_share``.
    """
    draws = getattr(weight_draws, "weights_", weight_draws)
    if not isinstance(draws, pd.DataFrame) or draws.empty:
        raise ValueError("action_stability: weight_draws must be a non-empty DataFrame of draws × criteria")
    cat = load_catalogue() if catalogue is None else catalogue
    clients = clients.reset_index(drop=True)
    decider = WeightedDecider(clients, catalogue=cat, profit=profit, settings=settings, min_coverage=min_coverage)
    keys = decider.keys
    unknown = [c for c in draws.columns if c not in keys]
    if unknown:
        raise ValueError(f"action_stability: {unknown} in weight_draws are not scored criteria ({keys})")
    base_w = criterion_weights(catalogue=cat, weights=weights).reindex(keys).to_numpy()
    share = base_w / base_w.sum()
    W = np.tile(share, (len(draws), 1))
    cols = [keys.index(c) for c in draws.columns]
    W[:, cols] = draws.to_numpy(dtype="float64")
    W = np.vstack([share, W])  # row 0: the chosen weights
    d = decider.decide_many(W)
    act = d["action"]
    base, rest = act[:, 0], act[:, 1:]
    same = rest == base[:, None]
    counts = np.stack([(rest == c).sum(axis=1) for c in range(len(ACTIONS))], axis=1)
    counts[np.arange(len(base)), base] = -1
    other = counts.argmax(axis=1)
    other_n = counts.max(axis=1)
    names = np.array(ACTIONS, dtype=object)
    return pd.DataFrame({
        "client_id": clients["client_id"].to_numpy(),
        "action": pd.array(names[base], dtype="str"),
        "stability": same.mean(axis=1),
        "n_draws": rest.shape[1],
        "other_action": pd.array(np.where(other_n > 0, names[other], None), dtype="str"),
        "other_share": np.where(other_n > 0, other_n, 0) / rest.shape[1],
    })

