"""Scores: every criterion in [0, 1], weighted into value, relationship and total scores (0–100).

The rules, each decided here and nowhere else:

**Criterion scores** (:func:`criterion_scores`), one per criterion on the ``value`` or
``relationship`` axis of the catalogue (``descriptive`` criteria such as
``service_needs`` feed no score):

- *ordinal* (and *categorical*) criteria: the level's ``score`` from the catalogue
  (evenly spaced from 0, worst, to 1, best, unless the YAML gives scores);
- *multi-valued* ``decision_criteria``: the mean of ``positioning[level]`` over the
  client's supplier-selection criteria (+1 favours us, 0 neutral, -1 against us; a
  level missing from ``positioning`` counts as neutral), scaled from [-1, 1] to [0, 1].
  Another multi-valued criterion scores the mean of its levels' scores;
- *numeric* criteria through the ``transform`` named in the YAML:

  - ``log_minmax`` (``billing_size``): ``log10(1 + billing)`` scaled min-max over the
    portfolio. It is the **only portfolio-relative criterion**: adding a client with a
    new smallest or largest billing moves every other client's billing-size score.
    When there is no spread (one client, or every client bills the same) every client
    gets ``settings.scoring.flat_score`` (default 0.5: no information, neutral);
  - ``minmax``: the same without the logarithm;
  - ``clip`` (``billing_growth``, ``billing / billing_previous - 1``): clipped to the
    YAML's ``clip: [low, high]`` and scaled to [0, 1]; undefined (missing) when the
    previous billing is missing or not positive;

- real figures take precedence over the level where a client has them:

  - ``share_of_wallet``: ``share_of_wallet_pct`` scaled linearly from
    ``settings.scoring.share_of_wallet_pct_range`` (default [0, 100] %, i.e. pct / 100)
    to [0, 1], clipped;
  - ``profitability``: the margin, ``margin_pct`` or else ``100 * profit / billing``
    (billing > 0), scaled linearly from ``settings.scoring.margin_pct_range`` (default
    [0, 30] %: a loss or no margin scores 0, 30 % or more scores 1), clipped.
    ``cost_to_serve`` is not used: profit is taken as already net of it.

**Weighted scores** (:func:`score_clients`): a weighted mean of the criterion scores
the client has, scaled to 0–100. Weights are relative (scaling them all changes
nothing). A missing criterion drops out and the weights of the others are
re-normalised; ``coverage`` is the share of the total weight the client has data for.
``value_score`` and ``relationship_score`` use the criteria of their axis;
``total_score`` is the weighted mean over **all** scored criteria of both axes (so
with the shipped weights, 10 on each axis, it is the mean of the two axis scores
when the client has every criterion). A client with no data on an axis gets NaN
for it.

The ``settings.scoring`` block of the catalogue holds the figures above
(``criteria.yaml`` has their defaults; :func:`scoring_settings` reads them).

>>> import pandas as pd
>>> clients = pd.DataFrame({"client_id": ["A", "B"],
...                         "relationship_type": ["partnership", "at_risk"]})
>>> score_clients(clients)[["client_id", "relationship_score", "coverage"]]
  client_id  relationship_score  coverage
0         A               100.0      0.15
1         B                 0.0      0.15
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, ConfigError, load_catalogue

#: The axes that carry a score, in output order.
SCORED_AXES = ("value", "relationship")

_SEPARATORS = re.compile(r"[;,/|]")


# -- configuration ----------------------------------------------------------
def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    return load_catalogue() if catalogue is None else catalogue


def scoring_settings(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The ``settings.scoring`` block in force (checked when the catalogue was loaded).

    Keys: ``min_coverage`` (below this share of the total weight a client is flagged
    ``insufficient_data``), ``margin_pct_range`` and ``share_of_wallet_pct_range`` (the
    ranges mapped linearly onto [0, 1], as ``(low, high)``) and ``flat_score`` (the
    billing-size score when the portfolio has no spread of billing).

    >>> scoring_settings()["margin_pct_range"]
    (0.0, 30.0)
    """
    return _catalogue(catalogue).config.settings.scoring.model_dump()


def _check_range(value: Any, where: str) -> tuple[float, float]:
    ok = isinstance(value, (list, tuple)) and len(value) == 2
    ok = ok and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    if not ok or not value[0] < value[1]:
        raise ConfigError(f"{where}: {value!r} is not a range [low, high] with low < high")
    return float(value[0]), float(value[1])


def _check_share(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(f"{where}: {value!r} is not a number in [0, 1]")
    return float(value)


def scored_criteria(catalogue: Catalogue | None = None) -> list[str]:
    """The criteria that feed a score (axis ``value`` or ``relationship``), in catalogue order."""
    cat = _catalogue(catalogue)
    return [k for k, c in cat.criteria.items() if c.axis in SCORED_AXES]


def criterion_weights(
    *, catalogue: Catalogue | None = None, weights: Mapping[str, float] | None = None
) -> pd.Series:
    """The weight of every scored criterion: the catalogue's, overridden by ``weights``.

    Parameters
    ----------
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue.
    weights : mapping of criterion key to weight, optional
        Overrides some or all weights. Weights are relative: only their ratios matter.

    Returns
    -------
    Series of float indexed by criterion key (catalogue order), named ``weight``.

    Raises
    ------
    ConfigError
        An unknown or descriptive criterion, a negative or non-numeric weight, or
        weights that are all zero.

    >>> criterion_weights(weights={"profitability": 6})["profitability"]
    np.float64(6.0)
    """
    cat = _catalogue(catalogue)
    keys = scored_criteria(cat)
    out = {k: cat.criteria[k].weight for k in keys}
    for key, value in (weights or {}).items():
        if key not in out:
            if key in cat.criteria:
                raise ConfigError(
                    f"weights.{key}: {key!r} is a descriptive criterion, it feeds no score; "
                    f"scored criteria: {keys}"
                )
            close = difflib.get_close_matches(str(key), keys, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"weights.{key}: unknown criterion{hint}; expected one of {keys}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ConfigError(f"weights.{key}: {value!r} is not a number")
        if not math.isfinite(float(value)) or value < 0:
            raise ConfigError(f"weights.{key}: {value} is not a finite number >= 0")
        out[key] = float(value)
    series = pd.Series(out, dtype="float64", name="weight")
    series.index.name = "criterion"
    if not series.sum() > 0:
        raise ConfigError("weights: every scored criterion has weight 0; give at least one a positive weight")
    return series


def rank_order_centroid(ranking: Sequence[str | Sequence[str]]) -> dict[str, float]:
    """Weights from a ranking of criteria, most important first (rank-order centroid).

    The criterion ranked ``i`` of ``n`` gets ``w_i = (1/n) * sum_{k=i}^{n} 1/k``; the
    weights sum to 1. Criteria given together in a list or tuple are tied: they share
    the mean of the weights of the positions they occupy.

    Parameters
    ----------
    ranking : sequence of criterion keys (or of lists of tied keys)
        Rank every scored criterion: one left out keeps its catalogue weight when the
        result is passed as ``weights=`` to :func:`score_clients`, on another scale.

    Returns
    -------
    dict of criterion key to weight, in ranking order.

    >>> {k: round(w, 4) for k, w in rank_order_centroid(["a", "b", "c", "d"]).items()}
    {'a': 0.5208, 'b': 0.2708, 'c': 0.1458, 'd': 0.0625}
    """
    groups = [[item] if isinstance(item, str) else list(item) for item in ranking]
    flat = [key for group in groups for key in group]
    if not flat:
        raise ValueError("rank_order_centroid: the ranking is empty")
    if any(not group for group in groups):
        raise ValueError("rank_order_centroid: a tie group is empty")
    dupes = sorted({k for k in flat if flat.count(k) > 1})
    if dupes:
        raise ValueError(f"rank_order_centroid: {dupes} ranked more than once")
    n = len(flat)
    inverse = 1.0 / np.arange(1, n + 1)
    centroid = inverse[::-1].cumsum()[::-1] / n  # position i: (1/n) * sum_{k>=i} 1/k
    out: dict[str, float] = {}
    position = 0
    for group in groups:
        shared = float(centroid[position : position + len(group)].mean())
        out.update(dict.fromkeys(group, shared))
        position += len(group)
    return out


# -- criterion scores -------------------------------------------------------
def _column(clients: pd.DataFrame, key: str) -> pd.Series | None:
    return clients[key] if key in clients.columns else None


def _numeric(clients: pd.DataFrame, key: str) -> np.ndarray:
    col = _column(clients, key)
    if col is None:
        return np.full(len(clients), np.nan)
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _map_unique(series: pd.Series, score_of) -> np.ndarray:
    """Score each distinct value once: registers have few distinct levels and many rows."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.array([score_of(u) for u in uniques] + [np.nan], dtype="float64")
    return lookup[codes]  # the NA code -1 picks the trailing NaN


def _level_scores(series: pd.Series, cat: Catalogue, key: str) -> np.ndarray:
    table = cat.criteria[key].scores

    def score_of(value: Any) -> float:
        if value in table:
            return table[value]
        # tolerate a register that was not normalised by the loader ("Modérée")
        level = cat.match_level(key, value)
        return table.get(level, np.nan) if level is not None else np.nan

    return _map_unique(series, score_of)


def _multi_scores(series: pd.Series, cat: Catalogue, key: str) -> np.ndarray:
    if key == "decision_criteria":
        table = {lv: (float(cat.positioning.get(lv, 0.0)) + 1.0) / 2.0 for lv in cat.criteria[key].level_keys}
    else:
        table = cat.criteria[key].scores

    def score_of(value: Any) -> float:
        fits = []
        for token in _SEPARATORS.split(str(value)):
            token = token.strip()
            level = token if token in table else (cat.match_level(key, token) if token else None)
            if level is not None:
                fits.append(table[level])
        return float(np.mean(fits)) if fits else np.nan

    return _map_unique(series, score_of)


def _scale(x: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip((x - low) / (high - low), 0.0, 1.0)


def _minmax(x: np.ndarray, flat: float) -> np.ndarray:
    known = x[~np.isnan(x)]
    if known.size == 0:
        return x.copy()
    low, high = known.min(), known.max()
    if high == low:
        return np.where(np.isnan(x), np.nan, flat)
    return (x - low) / (high - low)


def _numeric_source(clients: pd.DataFrame, source: str) -> np.ndarray:
    if source in clients.columns or source != "billing_growth":
        return _numeric(clients, source)
    billing = _numeric(clients, "billing")
    previous = _numeric(clients, "billing_previous")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        growth = billing / previous - 1.0
    return np.where(previous > 0, growth, np.nan)


def _numeric_scores(clients: pd.DataFrame, cat: Catalogue, key: str, settings: dict) -> np.ndarray:
    spec = cat.criteria[key].spec
    source = spec.get("source", key)
    transform = spec.get("transform", "minmax")
    x = _numeric_source(clients, source)
    if transform == "log_minmax":
        return _minmax(np.log10(1.0 + np.clip(x, 0.0, None)), settings["flat_score"])
    if transform == "minmax":
        return _minmax(x, settings["flat_score"])
    if transform == "clip":
        low, high = _check_range(spec.get("clip"), f"criteria.{key}.clip")
        return _scale(x, low, high)
    raise ConfigError(
        f"criteria.{key}.transform: {transform!r} is not one of ['log_minmax', 'minmax', 'clip']"
    )


def _share_of_wallet_override(clients: pd.DataFrame, settings: dict) -> np.ndarray:
    return _scale(_numeric(clients, "share_of_wallet_pct"), *settings["share_of_wallet_pct_range"])


def _profitability_override(clients: pd.DataFrame, settings: dict) -> np.ndarray:
    margin = _numeric(clients, "margin_pct")
    billing = _numeric(clients, "billing")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        from_profit = np.where(billing > 0, 100.0 * _numeric(clients, "profit") / billing, np.nan)
    margin = np.where(np.isnan(margin), from_profit, margin)
    return _scale(margin, *settings["margin_pct_range"])


# criteria whose real figures, where a client has them, replace the level's score (the figures: LEVEL_FIGURES)
_OVERRIDES = {
    "share_of_wallet": _share_of_wallet_override,
    "profitability": _profitability_override,
}


def _check_clients(clients: pd.DataFrame) -> None:
    if "client_id" not in clients.columns:
        raise ValueError("clients: no 'client_id' column; every table is keyed by client_id")
    if not clients["client_id"].is_unique:
        dupes = clients.loc[clients["client_id"].duplicated(), "client_id"].unique()[:5].tolist()
        raise ValueError(f"clients: client_id is not unique (e.g. {dupes})")


def _score_matrix(clients: pd.DataFrame, cat: Catalogue) -> tuple[list[str], np.ndarray]:
    """The scored criteria and the (n_clients, n_criteria) score matrix, NaN where missing."""
    _check_clients(clients)
    settings = scoring_settings(cat)
    keys = scored_criteria(cat)
    out = np.full((len(clients), len(keys)), np.nan)
    for j, key in enumerate(keys):
        kind = cat.criteria[key].kind
        col = _column(clients, key)
        if kind == "numeric":
            scores = _numeric_scores(clients, cat, key, settings)
        elif col is None:
            scores = np.full(len(clients), np.nan)
        elif kind == "multi":
            scores = _multi_scores(col, cat, key)
        else:
            scores = _level_scores(col, cat, key)
        if key in _OVERRIDES:
            real = _OVERRIDES[key](clients, settings)
            scores = np.where(np.isnan(real), scores, real)
        out[:, j] = scores
    return keys, out


def criterion_scores(clients: pd.DataFrame, *, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Every scored criterion of every client as a score in [0, 1] (NaN where missing).

    Parameters
    ----------
    clients : DataFrame
        The loaded client register: ``client_id`` (unique) and one column per
        criterion holding canonical level keys (``decision_criteria``: keys joined by
        ``;``), plus the numeric fields ``billing``, ``billing_previous``, ``profit``,
        ``margin_pct``, ``share_of_wallet_pct``. A column that is absent counts as
        missing for every client.
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue.

    Returns
    -------
    DataFrame with ``client_id`` and one float column per scored criterion, in the
    catalogue's order and the clients' row order. The rules are in the module's
    docstring.

    >>> import pandas as pd
    >>> clients = pd.DataFrame({"client_id": ["A"], "profitability": ["high"], "margin_pct": [15.0]})
    >>> criterion_scores(clients)["profitability"].item()  # the real margin wins: 15 % of [0, 30]
    0.5
    """
    cat = _catalogue(catalogue)
    keys, matrix = _score_matrix(clients, cat)
    out = pd.DataFrame(matrix, columns=keys, index=clients.index)
    out.insert(0, "client_id", clients["client_id"].to_numpy())
    return out.reset_index(drop=True)


# -- weighted scores --------------------------------------------------------
def _axis_weight_matrix(cat: Catalogue, w: pd.Series) -> tuple[list[str], np.ndarray]:
    """Columns: the weights restricted to each scored axis, then all weights (the total)."""
    axes = list(SCORED_AXES)
    axis_of = np.array([cat.criteria[k].axis for k in w.index])
    cols = [np.where(axis_of == axis, w.to_numpy(), 0.0) for axis in axes]
    cols.append(w.to_numpy())
    return axes + ["total"], np.column_stack(cols)


def _weighted(matrix: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sums of the known scores and of the known weights, by matrix products."""
    known = ~np.isnan(matrix)
    return np.where(known, matrix, 0.0) @ weights, known.astype("float64") @ weights


def score_clients(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    weights: Mapping[str, float] | None = None,
    min_coverage: float | None = None,
) -> pd.DataFrame:
    """Value, relationship and total scores (0–100) of every client, with their coverage.

    Parameters
    ----------
    clients : DataFrame
        The loaded client register (see :func:`criterion_scores`).
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue; its weights are the defaults.
    weights : mapping of criterion key to weight, optional
        Overrides catalogue weights (relative: scaling them all changes nothing).
        :func:`rank_order_centroid` turns a ranking into such a mapping.
    min_coverage : float, optional
        Share of the total weight below which a client is flagged
        ``insufficient_data``; defaults to ``settings.scoring.min_coverage`` (0.6).

    Returns
    -------
    DataFrame with ``client_id``, ``value_score``, ``relationship_score``,
    ``total_score`` (0–100, NaN when the client has no data on that axis),
    ``coverage`` (share of the total weight with data), ``value_coverage``,
    ``relationship_coverage`` and ``insufficient_data`` (``coverage < min_coverage``).
    A missing criterion drops out and the other weights are re-normalised.
    """
    cat = _catalogue(catalogue)
    if min_coverage is None:
        min_coverage = scoring_settings(cat)["min_coverage"]
    min_coverage = _check_share(min_coverage, "min_coverage")
    w = criterion_weights(catalogue=cat, weights=weights)
    keys, matrix = _score_matrix(clients, cat)
    names, wmat = _axis_weight_matrix(cat, w)
    num, den = _weighted(matrix, wmat)
    totals = wmat.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(den > 0, 100.0 * num / den, np.nan)
        coverage = np.where(totals > 0, den / totals, np.nan)
    out = pd.DataFrame({"client_id": clients["client_id"].to_numpy()})
    for i, name in enumerate(names):
        out[f"{name}_score"] = scores[:, i]
    out["coverage"] = coverage[:, -1]
    for i, name in enumerate(names[:-1]):
        out[f"{name}_coverage"] = coverage[:, i]
    out["insufficient_data"] = out["coverage"].to_numpy() < min_coverage
    return out


def contributions(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    weights: Mapping[str, float] | None = None,
    score: str = "total_score",
) -> pd.DataFrame:
    """The points each criterion contributes to a client's score; they sum to the score.

    A criterion's contribution is ``100 * w_j * s_j / sum of the weights of the
    criteria the client has``: its share of the re-normalised weighted mean.

    Parameters
    ----------
    clients : DataFrame
        The loaded client register (see :func:`criterion_scores`).
    catalogue, weights
        As in :func:`score_clients`.
    score : {"total_score", "value_score", "relationship_score"}
        The score to explain; an axis score is explained by that axis's criteria only.

    Returns
    -------
    DataFrame with ``client_id``, one column per criterion (points, NaN where the
    client has no data for it) and the explained score, in a column named after it
    (``total_score`` by default).
    ``frame[criteria].sum(axis=1)`` equals the score up to float error.
    """
    cat = _catalogue(catalogue)
    targets = {f"{axis}_score": axis for axis in SCORED_AXES} | {"total_score": None}
    if score not in targets:
        raise ValueError(f"contributions: score={score!r} is not one of {list(targets)}")
    w = criterion_weights(catalogue=cat, weights=weights)
    keys, matrix = _score_matrix(clients, cat)
    axis = targets[score]
    if axis is not None:
        chosen = [j for j, k in enumerate(keys) if cat.criteria[k].axis == axis]
        keys, matrix, w = [keys[j] for j in chosen], matrix[:, chosen], w.iloc[chosen]
    wv = w.to_numpy()
    num, den = _weighted(matrix, wv)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(den > 0, 100.0 / den, np.nan)
    points = matrix * wv * share[:, None]
    out = pd.DataFrame(points, columns=keys)
    out.insert(0, "client_id", clients["client_id"].to_numpy())
    out[score] = np.where(den > 0, num * share, np.nan)
    return out
