"""The rules in force and the evaluation of their conditions, one boolean per client.

:func:`action_settings` reads the catalogue's ``settings.actions`` block (checked when the
catalogue was loaded; :mod:`portfolio_analysis.config.action_rules` holds its model and
the grammar of the conditions) and merges a notebook's ``settings`` over it, checked the
same way. :class:`_Evaluator` evaluates the conditions on a frame of facts, vectorised:
a condition on a value the client does not have is false (except ``missing``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import (
    ActionsSettings,
    check_conditions,
    levels_lookup,
)
from portfolio_analysis.config.catalogue import (
    Catalogue,
    ConfigError,
    Problem,
    deep_merge,
    load_catalogue,
    normalise,
)
from portfolio_analysis.config.model import unique, validate_block

_NUMERIC_OPS = {"below": np.less, "at_most": np.less_equal, "above": np.greater, "at_least": np.greater_equal}
_LEVEL_OPS = ("in", "not_in")
_TRUE_WORDS = {"yes", "true", "1", "oui", "y", "vrai", "x", "o"}
_SEPARATORS = re.compile(r"[;,/|]")


# -- the rules in force -------------------------------------------------------------
def action_settings(catalogue: Catalogue | None = None, settings: Mapping | None = None) -> dict[str, Any]:
    """The rules in force: the catalogue's ``settings.actions``, then ``settings`` merged over it.

    Parameters
    ----------
    catalogue : Catalogue, optional
        Where ``settings.actions`` is read (the shipped catalogue by default).
    settings : mapping, optional
        Merged last, the same way (a notebook's overrides), and checked.

    Returns
    -------
    dict
        The block with ``threshold`` as ``(value, relationship)``, the quadrants, conditions
        and levers set to ``null`` left out, each quadrant with a ``label`` and each guard
        with a ``name``.

    Raises
    ------
    ConfigError
        Every problem of ``settings`` at once, each with its key: an unknown setting, an
        action that is not one of :data:`ACTIONS`, quadrants that do not cover the four
        combinations, a condition that cannot be read, a level that the catalogue does not
        know, a strategic or insufficient-data rule that could end a client.

    >>> action_settings()["threshold"]
    (50.0, 50.0)
    """
    cat = load_catalogue() if catalogue is None else catalogue
    cfg = cat.settings["actions"]
    if settings:
        if not isinstance(settings, Mapping):
            raise ConfigError([Problem("settings", f"expected a mapping, got {settings!r}")])
        cfg = deep_merge(cfg, settings)
        _, problems = validate_block(ActionsSettings, cfg, ("settings", "actions"))
        levels_of = levels_lookup(cat.raw.get("criteria"), cat.raw.get("fields"))
        problems += [Problem(path, message) for path, message in check_conditions(cfg, levels_of)]
        if problems:
            raise ConfigError(unique(problems))
    return _in_force(cfg)


def _in_force(block: Mapping) -> dict[str, Any]:
    """A checked block as the decision reads it."""
    cfg = dict(deep_merge({}, block))
    threshold = cfg["threshold"]
    pair = list(threshold) if isinstance(threshold, (list, tuple)) else [threshold, threshold]
    cfg["threshold"] = float(pair[0]), float(pair[1])
    cfg["quadrants"] = {k: {**q, "label": q.get("label") or k.replace("_", " ")}
                        for k, q in (cfg["quadrants"] or {}).items() if q is not None}
    cfg["conditions"] = {k: c for k, c in (cfg["conditions"] or {}).items() if c is not None}
    cfg["guards"] = [{"name": f"guard_{i}", **g} for i, g in enumerate(cfg["guards"] or [])]
    cfg["levers"] = {k: lv for k, lv in (cfg["levers"] or {}).items() if lv is not None}
    return cfg


def _levels_for(cat: Catalogue, field: str) -> list[str] | None:
    if field in cat.criteria and cat.criteria[field].levels:
        return cat.criteria[field].level_keys
    if field in cat.fields and cat.fields[field].get("levels"):
        return [lv["key"] for lv in cat.fields[field]["levels"]]
    return None


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


# -- conditions ------------------------------------------------------------------
def _canonical(series: pd.Series, cat: Catalogue, field: str) -> pd.Series:
    """Canonical level keys of a column (NA where missing or unknown); tolerant of labels."""
    levels = _levels_for(cat, field)
    text = series.astype("string")
    if levels is None:
        return text
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = [u if u in levels else cat.match_level(field, u) for u in uniques]
    lookup = np.array([*mapped, None], dtype=object)
    return pd.Series(lookup[codes], index=series.index, dtype="string")


def _tokens(series: pd.Series, cat: Catalogue, field: str) -> pd.Series:
    """Each client's set of levels of a multi-valued column (None where missing)."""
    text = series.astype("string")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    levels = _levels_for(cat, field)

    def one(value: str) -> frozenset:
        out = set()
        for token in _SEPARATORS.split(value):
            token = token.strip()
            if not token:
                continue
            if levels is None or token in levels:
                out.add(token)
            else:
                match = cat.match_level(field, token)
                if match is not None:
                    out.add(match)
        return frozenset(out)

    lookup = np.array([*(one(u) for u in uniques), None], dtype=object)
    return pd.Series(lookup[codes], index=series.index, dtype=object)


def _truthy(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(is true, is known) of a yes/no column."""
    known = series.notna().to_numpy(dtype=bool)
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        values = pd.to_numeric(series, errors="coerce").fillna(0).to_numpy(dtype="float64")
        return known & (values != 0), known
    codes, uniques = pd.factorize(series.astype("string"), use_na_sentinel=True)
    lookup = np.array([*(normalise(u).replace(" ", "") in _TRUE_WORDS for u in uniques), False])
    return known & lookup[codes], known


class _Evaluator:
    """Evaluates the conditions of the settings on a frame of facts, caching named ones."""

    def __init__(self, facts: pd.DataFrame, cfg: dict, cat: Catalogue):
        self.facts, self.cfg, self.cat = facts, cfg, cat
        self.n = len(facts)
        self._named: dict[str, np.ndarray] = {}
        self._columns: dict[tuple[str, str], Any] = {}

    def named(self, name: str) -> np.ndarray:
        if name not in self._named:
            if name == "strategic":
                hits = [self(item["when"]) for item in self.cfg["strategic_keep"].get("reasons") or []]
                self._named[name] = np.logical_or.reduce(hits) if hits else np.zeros(self.n, dtype=bool)
            else:
                self._named[name] = self(self.cfg["conditions"][name])
        return self._named[name]

    def _column(self, field: str, kind: str):
        key = (field, kind)
        if key not in self._columns:
            col = self.facts[field] if field in self.facts.columns else pd.Series(pd.NA, index=self.facts.index)
            if kind == "level":
                value = _canonical(col, self.cat, field)
            elif kind == "multi":
                value = _tokens(col, self.cat, field)
            elif kind == "number":
                value = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            else:
                value = _truthy(col)
            self._columns[key] = value
        return self._columns[key]

    def __call__(self, cond: Mapping) -> np.ndarray:
        if "all" in cond:
            return np.logical_and.reduce([self(c) for c in cond["all"]])
        if "any" in cond:
            return np.logical_or.reduce([self(c) for c in cond["any"]])
        if "condition" in cond:
            return self.named(cond["condition"])
        field = cond["field"]
        op = next(k for k in cond if k != "field")
        value = cond[op]
        if op == "missing":
            col = self.facts[field] if field in self.facts.columns else pd.Series(pd.NA, index=self.facts.index)
            missing = col.isna().to_numpy(dtype=bool)
            if col.dtype == object or pd.api.types.is_string_dtype(col):
                missing |= col.astype("string").str.strip().eq("").fillna(True).to_numpy(dtype=bool)
            return missing if value else ~missing
        if op in _NUMERIC_OPS:
            x = self._column(field, "number")
            with np.errstate(invalid="ignore"):
                return _NUMERIC_OPS[op](x, float(value)) & ~np.isnan(x)
        if op == "is":
            true, known = self._column(field, "bool")
            return (true if value else known & ~true).copy()
        if op in _LEVEL_OPS:
            levels = self._column(field, "level")
            hit = levels.isin(_as_list(value)).fillna(False).to_numpy(dtype=bool)
            known = levels.notna().to_numpy(dtype=bool)
            return hit if op == "in" else known & ~hit
        tokens = self._column(field, "multi")
        wanted = set(_as_list(value))
        known = tokens.notna().to_numpy(dtype=bool)
        codes, uniques = pd.factorize(tokens.where(tokens.notna(), None), use_na_sentinel=True)
        lookup = np.array([*(bool(wanted & u) for u in uniques), False])
        hit = lookup[codes]
        # contains: any of the levels; excludes: none of them (and the criteria are known)
        return hit if op == "contains" else known & ~hit

