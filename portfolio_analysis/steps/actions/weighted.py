"""Scores and actions at any weights, fast: what does not depend on the weights is computed once.

The criteria's scores, the profit, the conditions of the guards and of the strategic keep
and the compiled rules do not change when the weights do; only the weighted scores, the
coverage, the thresholds (for a median split) and the decision do. :class:`WeightedDecider`
keeps the first and recomputes the second for one set of weights (:meth:`~WeightedDecider.decide`,
what the weights panel calls on each move) or for many at once
(:meth:`~WeightedDecider.decide_many`, what :func:`~.stability.action_stability` calls for its
draws). Its scores and actions are those of :func:`~portfolio_analysis.steps.scoring.score_clients`
and :func:`~.decide.decide_actions` at the same weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.steps.actions._decision import _compile, _decide, _facts, _flags, _thresholds
from portfolio_analysis.steps.actions.rules import _Evaluator, action_settings
from portfolio_analysis.steps.concentration import client_profit
from portfolio_analysis.steps.scoring import SCORED_AXES, _score_matrix, criterion_weights, scoring_settings


@dataclass
class Decision:
    """Scores (0-100) and actions of every client at one set of weights (register order)."""

    value_score: np.ndarray
    relationship_score: np.ndarray
    total_score: np.ndarray
    coverage: np.ndarray
    insufficient_data: np.ndarray
    action: np.ndarray  # codes into ACTIONS
    thresholds: tuple[float, float]


class WeightedDecider:
    """The decision of ``clients`` as a function of the weights (see the module).

    >>> import pandas as pd
    >>> clients = pd.DataFrame({"client_id": ["A", "B"], "name": ["a", "b"],
    ...                         "profitability": ["high", "low"], "relationship_type": ["partnership", "at_risk"]})
    >>> d = WeightedDecider(clients).decide({"profitability": 1, "relationship_type": 1})
    >>> d.value_score.tolist(), d.relationship_score.tolist()
    ([100.0, 0.0], [100.0, 0.0])
    """

    def __init__(self, clients: pd.DataFrame, *, catalogue: Catalogue | None = None,
                 profit: pd.DataFrame | None = None, settings: Mapping | None = None,
                 min_coverage: float | None = None):
        self.catalogue = cat = load_catalogue() if catalogue is None else catalogue
        self.clients = clients = clients.reset_index(drop=True)
        if profit is None:
            profit = client_profit(clients, catalogue=cat)
        self._cfg = action_settings(cat, settings)
        self._comp = _compile(self._cfg)
        self.keys, matrix = _score_matrix(clients, cat)
        known = ~np.isnan(matrix)
        self._filled = np.where(known, matrix, 0.0)
        self._known = known.astype("float64")
        self._axis = np.array([cat.criteria[k].axis for k in self.keys])
        self._flags = _flags(_Evaluator(_facts(clients, profit, cat), self._cfg, cat), self._cfg)
        self._min_coverage = scoring_settings(cat)["min_coverage"] if min_coverage is None else min_coverage
        self.base_weights = criterion_weights(catalogue=cat).reindex(self.keys)

    def weight_vector(self, weights: Mapping[str, float] | pd.Series | None) -> np.ndarray:
        """``weights`` (criterion → weight; missing ones keep the configuration's) as a vector of ``keys``."""
        w = self.base_weights.copy()
        for key, value in (dict(weights.items()) if weights is not None else {}).items():
            if key not in w.index:
                raise KeyError(f"{key!r} is not a scored criterion; expected one of {list(w.index)}")
            w[key] = float(value)
        return w.to_numpy(dtype="float64")

    def decide_many(self, W: np.ndarray) -> dict[str, np.ndarray]:
        """Scores and action codes for each row of ``W`` (draws × ``keys``): arrays of clients × draws."""
        W = np.atleast_2d(np.asarray(W, dtype="float64"))
        scores = {}
        with np.errstate(divide="ignore", invalid="ignore"):
            for name in SCORED_AXES:
                Wa = np.where(self._axis == name, W, 0.0)
                num, den = self._filled @ Wa.T, self._known @ Wa.T
                scores[name] = np.where(den > 0, 100.0 * num / den, np.nan)
            Wt = np.where(np.isin(self._axis, SCORED_AXES), W, 0.0)
            num, den = self._filled @ Wt.T, self._known @ Wt.T
            total = np.where(den > 0, 100.0 * num / den, np.nan)
            coverage = den / Wt.sum(axis=1)
        insufficient = coverage < self._min_coverage
        value, rel = scores["value"], scores["relationship"]
        thresholds = _thresholds(value, rel, self._cfg)
        d = _decide(value, rel, insufficient, thresholds, self._flags, self._comp)
        return {"value_score": value, "relationship_score": rel, "total_score": total, "coverage": coverage,
                "insufficient_data": insufficient, "action": d["action"], "thresholds": thresholds}

    def decide(self, weights: Mapping[str, float] | pd.Series | None = None) -> Decision:
        """The scores and actions at ``weights`` (the configuration's where a criterion is not given)."""
        w = self.weight_vector(weights)
        if not w.sum() > 0:
            raise ValueError("every weight is 0: nothing to score on")
        out = self.decide_many(w[None, :])
        tv, tr = out["thresholds"]
        return Decision(out["value_score"][:, 0], out["relationship_score"][:, 0], out["total_score"][:, 0],
                        out["coverage"][:, 0], out["insufficient_data"][:, 0], out["action"][:, 0],
                        (float(np.ravel(tv)[0]), float(np.ravel(tr)[0])))
