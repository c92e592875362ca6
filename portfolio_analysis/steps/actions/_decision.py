"""The decision as arrays: the facts the conditions read, the compiled rules, the actions.

Private to :mod:`portfolio_analysis.steps.actions`: :func:`~.decide.decide_actions`,
:func:`~.explain.what_would_change` and :func:`~.stability.action_stability` all decide
through :func:`_decide`, one client per row and, for the stability, one weight draw per column.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.steps.actions.rules import _as_list, _Evaluator
from portfolio_analysis.steps.scoring import score_clients

#: Fields computed for the conditions, beside the register's columns.
DERIVED_FIELDS = (
    "profit", "profit_is_estimated", "real_profit", "real_margin_pct", "cost_to_serve_pct",
    "billing_change_pct", "billing_percentile",
)
_ACTION_CODE = {a: i for i, a in enumerate(ACTIONS)}


# -- facts -------------------------------------------------------------------------
def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _by_id(frame: pd.DataFrame, ids: pd.Series, column: str, default=np.nan) -> pd.Series:
    if frame is None or column not in frame.columns:
        return pd.Series(default, index=ids.index)
    keyed = frame.assign(client_id=frame["client_id"].astype("str")).drop_duplicates("client_id")
    return ids.map(keyed.set_index("client_id")[column])


def _facts(clients: pd.DataFrame, profit: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """The register with the derived fields of :data:`DERIVED_FIELDS` (register order, 0..n-1)."""
    f = clients.reset_index(drop=True).copy()
    ids = f["client_id"].astype("str")
    billing = _num(f, "billing")
    positive = billing > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        register_margin = np.where(positive, 100.0 * _num(f, "profit") / billing, np.nan)
        cts_pct = np.where(positive, 100.0 * _num(f, "cost_to_serve") / billing, np.nan)
    margin = _num(f, "margin_pct")
    f["real_margin_pct"] = np.where(np.isnan(margin), register_margin, margin)
    f["cost_to_serve_pct"] = cts_pct
    estimated = _by_id(profit, ids, "profit_is_estimated", False).fillna(False).astype(bool).to_numpy()
    value = pd.to_numeric(_by_id(profit, ids, "profit"), errors="coerce").to_numpy(dtype="float64")
    f["profit"] = value
    f["profit_is_estimated"] = estimated
    f["real_profit"] = np.where(estimated, np.nan, value)
    previous = _num(f, "billing_previous")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as financials.billing_change, which needs both columns
        f["billing_change_pct"] = np.where(previous > 0, 100.0 * (billing / previous - 1.0), np.nan)
    f["billing_percentile"] = pd.Series(billing).rank(method="max", pct=True).to_numpy() * 100
    return f


# -- the matrix ----------------------------------------------------------------------
def _thresholds(value: np.ndarray, rel: np.ndarray, cfg: dict) -> tuple[Any, Any]:
    """The split of each score; along axis 0 (one per draw) for 2-D scores."""
    if cfg["split"] == "median":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: no split, nobody placed
            return np.nanmedian(value, axis=0), np.nanmedian(rel, axis=0)
    return cfg["threshold"]


@dataclass
class _Compiled:
    quadrant_keys: list[str]  # index q = 2 * low_value + weak_relationship
    quadrant_codes: np.ndarray
    unplaced: int
    guard_maps: list[np.ndarray]
    keep_code: int
    keep_replaces: np.ndarray
    insufficient_code: int
    insufficient_replaces: np.ndarray


def _compile(cfg: dict) -> _Compiled:
    by_side = {(q["value"], q["relationship"]): k for k, q in cfg["quadrants"].items()}
    order = [by_side[s] for s in (("high", "strong"), ("high", "weak"), ("low", "strong"), ("low", "weak"))]
    maps = []
    for g in cfg["guards"]:
        m = np.arange(len(ACTIONS))
        for src, dst in g["change"].items():
            m[_ACTION_CODE[src]] = _ACTION_CODE[dst]
        maps.append(m)

    def codes(actions) -> np.ndarray:
        return np.array([_ACTION_CODE[a] for a in _as_list(actions)])

    return _Compiled(
        quadrant_keys=order,
        quadrant_codes=codes([cfg["quadrants"][k]["action"] for k in order]),
        unplaced=_ACTION_CODE[cfg["unplaced_action"]],
        guard_maps=maps,
        keep_code=_ACTION_CODE[cfg["strategic_keep"]["action"]],
        keep_replaces=codes(cfg["strategic_keep"]["replaces"]),
        insufficient_code=_ACTION_CODE[cfg["insufficient_data"]["action"]],
        insufficient_replaces=codes(cfg["insufficient_data"]["replaces"]),
    )


@dataclass
class _Flags:
    strategic: np.ndarray  # (n,)
    guard_when: list[np.ndarray]
    guard_unless: list[np.ndarray]


def _flags(ev: _Evaluator, cfg: dict) -> _Flags:
    n = ev.n
    return _Flags(
        strategic=ev.named("strategic"),
        guard_when=[ev(g["when"]) for g in cfg["guards"]],
        guard_unless=[ev(g["unless"]) if g.get("unless") is not None else np.zeros(n, dtype=bool)
                      for g in cfg["guards"]],
    )


def _decide(value, rel, insufficient, thresholds, flags: _Flags, comp: _Compiled) -> dict[str, np.ndarray]:
    """The decision as arrays; scores (n,) or (n, draws), flags broadcast over draws."""
    value, rel = np.asarray(value, dtype="float64"), np.asarray(rel, dtype="float64")
    tv, tr = thresholds

    def col(a):
        return a[:, None] if value.ndim == 2 else a

    with np.errstate(invalid="ignore"):
        high, strong = value >= tv, rel >= tr
    placed = ~np.isnan(value) & ~np.isnan(rel)
    if np.ndim(tv):
        placed &= ~np.isnan(tv)
    if np.ndim(tr):
        placed &= ~np.isnan(tr)
    q = np.where(high, 0, 2) + np.where(strong, 0, 1)
    default = np.where(placed, comp.quadrant_codes[q], comp.unplaced)
    action = default.copy()
    applied, waived = [], []
    for m, when, unless in zip(comp.guard_maps, flags.guard_when, flags.guard_unless):
        would = col(when) & (m[action] != action)
        hit = would & ~col(unless)
        applied.append(hit)
        waived.append(would & col(unless))
        action = np.where(hit, m[action], action)
    keep = col(flags.strategic) & np.isin(action, comp.keep_replaces)
    action = np.where(keep, comp.keep_code, action)
    guarded = np.asarray(insufficient, dtype=bool) & np.isin(action, comp.insufficient_replaces)
    action = np.where(guarded, comp.insufficient_code, action)
    return {"quadrant": q, "placed": placed, "default": default, "action": action, "applied": applied,
            "waived": waived, "strategic_keep": keep, "insufficient_guard": guarded}


def _aligned_scores(scores: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    for col in ("client_id", "value_score", "relationship_score"):
        if col not in scores.columns:
            raise ValueError(f"scores: no {col!r} column; pass score_clients()'s result")
    keyed = scores.assign(client_id=scores["client_id"].astype("str")).drop_duplicates("client_id")
    missing = pd.Index(ids).difference(pd.Index(keyed["client_id"]))
    if len(missing):
        raise ValueError(f"scores: no score for client(s) {', '.join(missing[:5])}")
    return keyed.set_index("client_id").loc[ids.to_numpy()].reset_index()



def _action_codes(clients, profit, cat, cfg, comp, thresholds, weights, min_coverage) -> np.ndarray:
    """The action code of every client, re-scored from ``clients`` (no texts)."""
    sc = score_clients(clients, catalogue=cat, weights=weights, min_coverage=min_coverage)
    flags = _flags(_Evaluator(_facts(clients, profit, cat), cfg, cat), cfg)
    d = _decide(sc["value_score"].to_numpy(dtype="float64"), sc["relationship_score"].to_numpy(dtype="float64"),
                sc["insufficient_data"].to_numpy(dtype=bool), thresholds, flags, comp)
    return d["action"]

