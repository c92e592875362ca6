"""The criteria catalogue: what the register's columns and levels mean.

The catalogue is data (``criteria.yaml`` inside the package). An analyst's own
YAML is merged into it: a key given there replaces that key only. The merged
catalogue is checked, and a bad one raises :class:`ConfigError` naming the key.

>>> cat = load_catalogue()
>>> cat.match_level("profitability", "Modérée")
'moderate'
>>> cat.match_header("Rentabilité")
'profitability'
"""

from __future__ import annotations

import copy
import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

KINDS = ("ordinal", "categorical", "multi", "numeric")
AXES = ("value", "relationship", "descriptive")
LANGS = ("en", "fr")


class ConfigError(ValueError):
    """A criteria configuration that cannot be used; the message names the key."""


def normalise(text: Any) -> str:
    """Fold a header or a level for matching: no case, accents, spacing or punctuation.

    >>> normalise("  Coût total du cycle-de-vie ")
    'cout total du cycle de vie'
    >>> normalise("R&D")
    'r d'
    """
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.casefold().replace("œ", "oe").replace("æ", "ae").replace("%", " pct ")
    s = re.sub(r"[^0-9a-z]+", " ", s)
    return s.strip()


def _squash(text: str) -> str:
    """The normalised form without spaces: 'customer id' and 'CustomerID' meet here."""
    return normalise(text).replace(" ", "")


def deep_merge(base: Mapping, override: Mapping) -> dict:
    """Merge ``override`` into a copy of ``base``: mappings merge, anything else replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        elif key == "levels" and isinstance(value, Mapping) and isinstance(out.get(key), list):
            # levels given as {level_key: {...}} patch the listed levels in place
            merged = [dict(lv) for lv in out[key]]
            by_key = {lv.get("key"): lv for lv in merged}
            for lv_key, patch in value.items():
                if lv_key not in by_key:
                    raise ConfigError(
                        f"levels.{lv_key}: unknown level; expected one of {list(by_key)}"
                    )
                by_key[lv_key].update(copy.deepcopy(dict(patch or {})))
            out[key] = merged
        else:
            out[key] = copy.deepcopy(value)
    return out


def set_dotted(config: Mapping, assignment: str) -> dict:
    """Apply one ``KEY=VALUE`` override, as given on the command line.

    The key is a dotted path; ``weights.X`` is short for ``criteria.X.weight``.
    The value is read as YAML (``3`` is a number, ``[a, b]`` a list).

    >>> set_dotted({"criteria": {"profitability": {"weight": 3}}},
    ...            "weights.profitability=5")["criteria"]["profitability"]["weight"]
    5
    """
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment!r}: expected KEY=VALUE, e.g. weights.profitability=3")
    key, raw = assignment.split("=", 1)
    path = key.strip().split(".")
    if path[0] == "weights" and len(path) == 2:
        path = ["criteria", path[1], "weight"]
    value = yaml.safe_load(raw)
    patch: dict = {}
    node = patch
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    return deep_merge(config, patch)


@dataclass(frozen=True)
class Level:
    key: str
    label: dict
    score: float
    aliases: tuple = ()


@dataclass(frozen=True)
class Criterion:
    key: str
    label: dict
    kind: str
    axis: str
    weight: float
    levels: tuple = ()
    aliases: tuple = ()
    spec: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def level_keys(self) -> list[str]:
        return [lv.key for lv in self.levels]

    @property
    def scores(self) -> dict[str, float]:
        return {lv.key: lv.score for lv in self.levels}


class Catalogue:
    """The merged, checked catalogue, with the matching rules of headers and levels.

    Build it with :func:`load_catalogue`. ``raw`` keeps the merged YAML as a dict,
    ``criteria`` the evaluation criteria in catalogue order, ``fields`` the
    other register columns.
    """

    def __init__(self, raw: dict):
        self.raw = raw
        self.fields: dict[str, dict] = dict(raw.get("fields") or {})
        self.criteria: dict[str, Criterion] = {
            key: _build_criterion(key, spec) for key, spec in (raw.get("criteria") or {}).items()
        }
        self.positioning: dict[str, float] = dict(raw.get("positioning") or {})
        self.settings: dict = dict(raw.get("settings") or {})
        self._header_index = self._build_header_index()
        self._level_index = {key: self._build_level_index(key) for key in self._levelled()}

    # -- what is there -------------------------------------------------
    def _levelled(self) -> list[str]:
        keys = [k for k, c in self.criteria.items() if c.levels]
        keys += [k for k, f in self.fields.items() if f.get("levels")]
        return keys

    def levels_of(self, key: str) -> list[dict]:
        """The levels of a criterion or levelled field, worst to best, as dicts."""
        if key in self.criteria:
            return [
                {"key": lv.key, "label": lv.label, "aliases": list(lv.aliases), "score": lv.score}
                for lv in self.criteria[key].levels
            ]
        return list(self.fields[key].get("levels") or [])

    def label(self, key: str, lang: str = "en") -> str:
        """The label of a field or criterion in ``lang`` ('en' or 'fr')."""
        spec = self.criteria[key].label if key in self.criteria else self.fields[key]["label"]
        return spec.get(lang) or spec.get("en") or key

    def level_label(self, key: str, level: str, lang: str = "en") -> str:
        for lv in self.levels_of(key):
            if lv["key"] == level:
                return lv["label"].get(lang) or lv["label"].get("en") or level
        return level

    def column_kind(self, key: str) -> str:
        if key in self.criteria:
            return self.criteria[key].kind
        return self.fields[key]["kind"]

    @property
    def register_columns(self) -> list[str]:
        """Columns a client register may hold, in template order (derived criteria excluded)."""
        basic = ("id", "text", "categorical", "names")
        cols = [k for k, f in self.fields.items() if f.get("kind") in basic]
        cols += [k for k, c in self.criteria.items() if c.kind != "numeric"]
        cols += [k for k, f in self.fields.items() if f.get("kind") not in basic and k != "share_of_wallet_pct"]
        return cols

    def weights(self, axis: str | None = None) -> dict[str, float]:
        """Weights of the criteria feeding ``axis`` (or every scored axis)."""
        return {
            k: c.weight
            for k, c in self.criteria.items()
            if c.axis != "descriptive" and (axis is None or c.axis == axis)
        }

    # -- matching --------------------------------------------------------
    def _build_header_index(self) -> dict[str, str]:
        index: dict[str, str] = {}

        def add(name: str, key: str) -> None:
            index.setdefault(_squash(name), key)

        for group in (self.fields, self.criteria):
            for key in group:
                add(key, key)
        for group in (self.fields, {k: c.spec for k, c in self.criteria.items()}):
            for key, spec in group.items():
                for lang_label in (spec.get("label") or {}).values():
                    add(lang_label, key)
                for alias in spec.get("aliases") or []:
                    add(alias, key)
        return index

    def match_header(self, header: str) -> str | None:
        """The canonical key of a column header, or None when it is not a known column."""
        return self._header_index.get(_squash(header))

    def category_of_header(self, header: str) -> str | None:
        """'Facturation maintenance' -> 'maintenance' when the header is a billing category."""
        words = normalise(header).split()
        prefixes = {normalise(p) for p in self.raw.get("category_prefixes") or []}
        if len(words) >= 2 and words[0] in prefixes:
            return "_".join(words[1:])
        return None

    def _build_level_index(self, key: str) -> dict[str, str]:
        index: dict[str, str] = {}
        levels = self.levels_of(key)
        for lv in levels:  # keys and labels first: an alias never shadows them
            index.setdefault(_squash(lv["key"]), lv["key"])
            for lab in (lv.get("label") or {}).values():
                index.setdefault(_squash(lab), lv["key"])
        for lv in levels:
            for alias in lv.get("aliases") or []:
                index.setdefault(_squash(alias), lv["key"])
        return index

    def match_level(self, key: str, value: Any) -> str | None:
        """The canonical level of ``value`` for criterion ``key``, or None if unknown."""
        return self._level_index[key].get(_squash(value))

    def suggest(self, key: str, value: Any) -> str | None:
        """The closest level (its canonical key) to a value that did not match, if any is close."""
        index = self._level_index[key]
        close = difflib.get_close_matches(_squash(value), list(index), n=1, cutoff=0.75)
        return index[close[0]] if close else None

    def suggest_header(self, header: str) -> str | None:
        close = difflib.get_close_matches(_squash(header), list(self._header_index), n=1, cutoff=0.85)
        return self._header_index[close[0]] if close else None


def _build_criterion(key: str, spec: Mapping) -> Criterion:
    levels_spec = spec.get("levels") or []
    n = len(levels_spec)
    levels = []
    for i, lv in enumerate(levels_spec):
        score = lv.get("score")
        if score is None:
            score = i / (n - 1) if n > 1 else 1.0
        levels.append(
            Level(
                key=str(lv["key"]),
                label=dict(lv.get("label") or {"en": lv["key"]}),
                score=float(score),
                aliases=tuple(lv.get("aliases") or ()),
            )
        )
    return Criterion(
        key=key,
        label=dict(spec.get("label") or {"en": key}),
        kind=spec["kind"],
        axis=spec.get("axis", "descriptive"),
        weight=float(spec.get("weight", 0)),
        levels=tuple(levels),
        aliases=tuple(spec.get("aliases") or ()),
        spec=dict(spec),
    )


def _check_override(base: Mapping, override: Mapping) -> None:
    """Reject an override that names a criterion or field the catalogue does not know."""
    known_top = set(base) | {"weights"}
    for key in override:
        if key not in known_top:
            raise ConfigError(
                f"unknown top-level key {key!r} in the configuration; expected one of {sorted(base)}"
            )
    for section in ("criteria", "fields"):
        for key, spec in (override.get(section) or {}).items():
            if key in (base.get(section) or {}):
                continue
            if isinstance(spec, Mapping) and "kind" in spec:
                continue  # a new criterion, fully defined
            names = list(base.get(section) or {})
            close = difflib.get_close_matches(key, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{section}.{key}: unknown {section[:-1]}{hint}; a new one needs at least "
                "'kind', 'axis', 'weight' and, for levels, 'levels'"
            )


def _check_catalogue(raw: Mapping) -> None:
    for key, spec in (raw.get("criteria") or {}).items():
        where = f"criteria.{key}"
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {spec!r}")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ConfigError(f"{where}.kind: {kind!r} is not one of {list(KINDS)}")
        axis = spec.get("axis", "descriptive")
        if axis not in AXES:
            raise ConfigError(f"{where}.axis: {axis!r} is not one of {list(AXES)}")
        weight = spec.get("weight", 0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise ConfigError(f"{where}.weight: {weight!r} is not a number")
        if weight < 0:
            raise ConfigError(f"{where}.weight: {weight} is negative; weights must be >= 0")
        levels = spec.get("levels") or []
        if kind in ("ordinal", "categorical", "multi") and not levels:
            raise ConfigError(f"{where}.levels: a {kind} criterion needs its levels")
        seen = set()
        with_score = [lv for lv in levels if isinstance(lv, Mapping) and lv.get("score") is not None]
        for i, lv in enumerate(levels):
            if not isinstance(lv, Mapping) or "key" not in lv:
                raise ConfigError(f"{where}.levels[{i}]: expected a mapping with a 'key'")
            if lv["key"] in seen:
                raise ConfigError(f"{where}.levels[{i}]: level {lv['key']!r} appears twice")
            seen.add(lv["key"])
            score = lv.get("score")
            if with_score and score is None:
                raise ConfigError(
                    f"{where}.levels.{lv['key']}: level without a score while other levels of "
                    f"{key!r} have one; give a score to every level or to none"
                )
            if score is not None and (
                isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1
            ):
                raise ConfigError(f"{where}.levels.{lv['key']}.score: {score!r} is not a number in [0, 1]")
    for key, fit in (raw.get("positioning") or {}).items():
        crit = (raw.get("criteria") or {}).get("decision_criteria") or {}
        known = [lv["key"] for lv in crit.get("levels") or []]
        if key not in known:
            raise ConfigError(f"positioning.{key}: not a decision criterion level; expected one of {known}")
        if isinstance(fit, bool) or not isinstance(fit, (int, float)) or not -1 <= fit <= 1:
            raise ConfigError(f"positioning.{key}: {fit!r} is not a number in [-1, 1]")


def default_catalogue_path() -> Path:
    return Path(str(resources.files("portfolio_analysis.config").joinpath("criteria.yaml")))


def read_yaml(path: str | Path) -> dict:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return dict(data)


def load_catalogue(
    config: str | Path | Mapping | None = None, *, overrides: list[str] | tuple = ()
) -> Catalogue:
    """The shipped catalogue, merged with an analyst's config and ``KEY=VALUE`` overrides.

    Parameters
    ----------
    config : path to a YAML file, a dict, or None
        Merged into the shipped catalogue. ``weights: {profitability: 5}`` is short
        for ``criteria: {profitability: {weight: 5}}``.
    overrides : list of str
        ``KEY=VALUE`` assignments applied last (see :func:`set_dotted`).

    Raises
    ------
    ConfigError
        Naming the key: an unknown criterion, a negative weight, a level without
        a score, a score outside [0, 1], ...
    """
    base = read_yaml(default_catalogue_path())
    raw = base
    layers: list[Mapping] = []
    if config is not None:
        layers.append(read_yaml(config) if isinstance(config, (str, Path)) else dict(config))
    for assignment in overrides:
        layers.append(set_dotted({}, assignment))
    for layer in layers:
        layer = dict(layer)
        weights = layer.pop("weights", None) or {}
        if not isinstance(weights, Mapping):
            raise ConfigError(f"weights: expected a mapping of criterion to weight, got {weights!r}")
        crit_patch = {k: {"weight": w} for k, w in weights.items()}
        if crit_patch:
            layer = deep_merge(layer, {"criteria": crit_patch})
        _check_override(raw, layer)
        raw = deep_merge(raw, layer)
    _check_catalogue(raw)
    return Catalogue(raw)
