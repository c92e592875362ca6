"""The criteria catalogue: what the register's columns and levels mean.

The catalogue is data (``criteria.yaml`` inside the package). An analyst's own
YAML is merged into it: a key given there replaces that key only. The merged
catalogue is checked by the configuration model (:mod:`portfolio_analysis.config.model`),
and a bad one raises one :class:`ConfigError` listing every problem with its key.

>>> cat = load_catalogue()
>>> cat.match_level("profitability", "Modérée")
'moderate'
>>> cat.match_header("Rentabilité")
'profitability'
"""

from __future__ import annotations

import copy
import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from portfolio_analysis.config.model import AXES, KINDS, ConfigError, ConfigModel, Problem, validate_config

__all__ = [
    "AXES", "KINDS", "LANGS", "Catalogue", "ConfigError", "Criterion", "Level", "Problem",
    "deep_merge", "default_catalogue_path", "load_catalogue", "normalise", "read_yaml", "safe_yaml", "set_dotted",
]

LANGS = ("en", "fr")
#: Criteria whose level a client's real figure replaces in the scores (the share of wallet in %, the margin
#: or the profit): where the register gives one of these columns, the level column is not missing.
LEVEL_FIGURES = {"share_of_wallet": ("share_of_wallet_pct",), "profitability": ("margin_pct", "profit")}


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


def deep_merge(base: Mapping, override: Mapping, *, problems: list | None = None, path: str = "") -> dict:
    """Merge ``override`` into a copy of ``base``: mappings merge, anything else replaces.

    ``levels`` given as ``{level_key: {...}}`` patch the listed levels in place. An unknown
    level key raises :class:`ConfigError`, or is appended to ``problems`` (and skipped)
    when a list is given.
    """
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value, problems=problems, path=where)
        elif key == "levels" and isinstance(value, Mapping) and isinstance(out.get(key), list):
            merged = [dict(lv) if isinstance(lv, Mapping) else lv for lv in out[key]]
            by_key = {lv.get("key"): lv for lv in merged if isinstance(lv, Mapping)}
            for lv_key, patch in value.items():
                problem = None
                if lv_key not in by_key:
                    problem = Problem(f"{where}.{lv_key}", f"unknown level{_hint(lv_key, by_key)}; "
                                      f"expected one of {list(by_key)}")
                elif patch is not None and not isinstance(patch, Mapping):
                    problem = Problem(f"{where}.{lv_key}", f"expected a mapping such as {{score: 0.5}}, got {patch!r}")
                if problem is not None:
                    if problems is None:
                        raise ConfigError([problem])
                    problems.append(problem)
                    continue
                by_key[lv_key].update(copy.deepcopy(dict(patch or {})))
            out[key] = merged
        else:
            out[key] = copy.deepcopy(value)
    return out


def _hint(key: Any, known) -> str:
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _assignment(assignment: str) -> tuple[list[str], Any]:
    """``KEY=VALUE`` as (the dotted path, the value read as YAML)."""
    if not isinstance(assignment, str) or "=" not in assignment:
        raise ConfigError([Problem("", f"--set {assignment!r}: expected KEY=VALUE, e.g. weights.profitability=3")])
    key, raw = assignment.split("=", 1)
    if not key.strip() or any(not part.strip() for part in key.split(".")):
        raise ConfigError([Problem("", f"--set {assignment!r}: expected KEY=VALUE with a dotted key, "
                                       "e.g. weights.profitability=3")])
    try:
        value = safe_yaml(raw, f"--set {assignment!r}")
    except ConfigError as exc:
        raise ConfigError([Problem(key.strip(), p.message) for p in exc.problems]) from None
    return key.strip().split("."), value


def _nested(path: list[str], value: Any) -> dict:
    patch: dict = {}
    node = patch
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    return patch


def set_dotted(config: Mapping, assignment: str) -> dict:
    """Apply one ``KEY=VALUE`` override, as given on the command line.

    The key is a dotted path; ``weights.X`` is short for ``criteria.X.weight``.
    The value is read as YAML (``3`` is a number, ``[a, b]`` a list).

    >>> set_dotted({"criteria": {"profitability": {"weight": 3}}},
    ...            "weights.profitability=5")["criteria"]["profitability"]["weight"]
    5
    """
    path, value = _assignment(assignment)
    if path[0] == "weights" and len(path) == 2:
        path = ["criteria", path[1], "weight"]
    return deep_merge(config, _nested(path, value))


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
    ``config`` the same checked by the configuration model
    (:class:`~portfolio_analysis.config.model.ConfigModel`: ``cat.config.settings.scoring``
    ...), ``criteria`` the evaluation criteria in catalogue order, ``fields`` the
    other register columns, ``settings`` the ``settings`` block as a dict.
    """

    def __init__(self, raw: dict, *, config: ConfigModel | None = None):
        if config is None:
            config, problems = validate_config(raw)
            if problems:
                raise ConfigError(problems)
        self.raw = raw
        self.config = config
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


def _checked_layer(base: Mapping, layer: Mapping, problems: list[Problem]) -> dict:
    """``layer`` ready to merge into ``base``: what it names that ``base`` does not know is
    reported in ``problems`` and left out; ``weights: {k: w}`` becomes ``criteria.k.weight``."""
    out = {}
    known_top = [*base, "weights", "ranking"]
    for key, value in layer.items():
        if key in known_top:
            out[key] = value
        else:
            close = _hint(key, known_top)
            problems.append(Problem(str(key), f"unknown top-level key{close}"
                                    + ("" if close else f"; expected one of {sorted(known_top)}")))
    for section, what in (("criteria", "criterion"), ("fields", "field")):
        given = out.get(section)
        if not isinstance(given, Mapping):
            continue
        names = list(base.get(section) or {})
        kept = {}
        for key, spec in given.items():
            if key in names or (isinstance(spec, Mapping) and "kind" in spec):
                kept[key] = spec  # known, or a new one fully defined
            else:
                problems.append(Problem(f"{section}.{key}", f"unknown {what}{_hint(key, names)}; a new one needs "
                                        "at least 'kind', 'axis', 'weight' and, for levels, 'levels'"))
        out[section] = kept
    weights = out.pop("weights", None)
    if weights is not None and not isinstance(weights, Mapping):
        problems.append(Problem("weights", f"expected a mapping of criterion to weight, got {weights!r}"))
    elif weights:
        criteria = [*(base.get("criteria") or {}), *(out.get("criteria") or {})]
        patch = {}
        for key, weight in weights.items():
            if key in criteria:
                patch[key] = {"weight": weight}
            else:
                problems.append(Problem(f"weights.{key}", f"unknown criterion{_hint(key, criteria)}"))
        out = deep_merge(out, {"criteria": patch})
    return out


REST = "rest"  # in a ranking: every scored criterion not named, tied last


def _apply_ranking(raw: dict, ranking, problems: list[Problem]) -> dict:
    """Weights from ``ranking`` (most important first; a list is a tie; ``rest`` ends it with every
    criterion not named, tied last) by the rank-order centroid; the expanded ranking is kept in
    ``raw["ranking"]`` and what ``rest`` stood for in ``raw["ranking_rest"]``."""
    from portfolio_analysis.steps.scoring import rank_order_centroid

    scored = [k for k, c in (raw.get("criteria") or {}).items()
              if isinstance(c, Mapping) and c.get("axis", "descriptive") != "descriptive"]
    if isinstance(ranking, str) or not isinstance(ranking, list) or not ranking:
        problems.append(Problem("ranking", f"expected a list of criteria, most important first, got {ranking!r}"))
        return raw
    groups, rest = [], False
    for i, item in enumerate(ranking):
        if item == REST:
            if i != len(ranking) - 1:
                problems.append(Problem(f"ranking[{i}]", f"'{REST}' (the other criteria, tied last) must come last"))
            rest = True
            continue
        group = item if isinstance(item, list) else [item]
        kept = []
        for key in group:
            if key in scored:
                kept.append(key)
            else:
                problems.append(Problem(f"ranking[{i}]", f"{key!r} is not a scored criterion{_hint(str(key), scored)}"))
        if kept:
            groups.append(kept)
    named = [k for g in groups for k in g]
    twice = sorted({k for k in named if named.count(k) > 1})
    if twice:
        problems.append(Problem("ranking", f"{twice} ranked more than once"))
        return raw
    missing = [k for k in scored if k not in named]
    if missing and not rest:
        problems.append(Problem("ranking", f"{missing} are not ranked: rank every scored criterion, or end the "
                                f"ranking with '{REST}' (the others, tied last)"))
        return raw
    if missing:
        groups.append(missing)
    if not groups:
        return raw
    weights = rank_order_centroid(groups)
    out = deep_merge(raw, {"criteria": {k: {"weight": round(w, 6)} for k, w in weights.items()}})
    out["ranking"] = groups
    if rest and missing:
        out["ranking_rest"] = missing
    return out


def default_catalogue_path() -> Path:
    return Path(str(resources.files("portfolio_analysis.config").joinpath("criteria.yaml")))


@functools.lru_cache(maxsize=1)
def _shipped() -> dict:
    return read_yaml(default_catalogue_path())


#: A configuration file is small: the shipped catalogue, every default, is ~40 kB.
MAX_YAML_BYTES = 1 << 20
#: Aliases (``*name``) a configuration may use, and the values it may hold once they are expanded:
#: an alias is a reference, so ten nested ones can stand for a billion values ("billion laughs").
MAX_YAML_ALIASES = 200
MAX_YAML_VALUES = 200_000


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting the aliases it meets."""

    def __init__(self, stream):
        super().__init__(stream)
        self.n_aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.n_aliases += 1
            if self.n_aliases > MAX_YAML_ALIASES:
                raise _Unbounded(f"more than {MAX_YAML_ALIASES} aliases (*name)")
        return super().compose_node(parent, index)


class _Unbounded(Exception):
    pass


def _expanded_size(data, limit: int) -> int:
    """The number of values ``data`` holds with every alias expanded, counted up to ``limit``."""
    count, stack = 0, [data]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            break
        if isinstance(node, Mapping):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, set)):
            stack.extend(node)
    return count


def safe_yaml(text: str, where: str):
    """YAML text read safely: no Python objects, aliases bounded (no "billion laughs"), size bounded.

    Raises :class:`ConfigError` naming ``where`` when the text is not YAML or is too large.

    >>> safe_yaml("{a: 1, b: [x, y]}", "--set")
    {'a': 1, 'b': ['x', 'y']}
    """
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError([Problem("", f"{where}: {len(text):,} characters; a configuration is at most "
                                       f"{MAX_YAML_BYTES:,}")])
    loader = _BoundedLoader(text)
    try:
        data = loader.get_single_data()
    except _Unbounded as exc:
        raise ConfigError([Problem("", f"{where}: refused: {exc}, a YAML 'billion laughs'? "
                                       "Write the values out instead of referring to them")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem("", f"{where}: not valid YAML ({' '.join(str(exc).split())})")]) from None
    except RecursionError:
        raise ConfigError([Problem("", f"{where}: refused: nested too deeply to be a configuration")]) from None
    finally:
        loader.dispose()
    if _expanded_size(data, MAX_YAML_VALUES) > MAX_YAML_VALUES:
        raise ConfigError([Problem("", f"{where}: refused: its aliases (*name) expand to more than "
                                       f"{MAX_YAML_VALUES:,} values, a YAML 'billion laughs'? Write the values out "
                                       "instead of referring to them")])
    return data


def read_yaml(path: str | Path) -> dict:
    """A YAML file as a dict; :class:`ConfigError` when it is missing, not YAML, too large or not a mapping."""
    try:
        path = Path(path)
        if path.is_dir():
            raise ConfigError([Problem("", f"{path}: is a folder, not a YAML file")])
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ConfigError([Problem("", f"{path}: {size:,} bytes; a configuration is at most "
                                           f"{MAX_YAML_BYTES:,} (is it the right file?)")])
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError([Problem("", f"{path}: cannot be read ({exc.strerror or exc})")]) from exc
    except UnicodeDecodeError:
        raise ConfigError([Problem("", f"{path}: not a YAML file (not UTF-8 text)")]) from None
    data = safe_yaml(text, str(path)) or {}
    if not isinstance(data, Mapping):
        raise ConfigError([Problem("", f"{path}: expected a mapping at the top level, got {type(data).__name__}")])
    return dict(data)


def load_catalogue(
    config: str | Path | Mapping | None = None, *, overrides: list[str] | tuple = ()
) -> Catalogue:
    """The shipped catalogue, merged with an analyst's config and ``KEY=VALUE`` overrides, checked.

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
        One error listing every problem, each with its key path (``.problems``): an
        unknown criterion, setting or key (with a did-you-mean), a negative weight, a
        level without a score, a score outside [0, 1], a rule of the actions that cannot
        be read, ...
    """
    problems: list[Problem] = []
    layers: list[Mapping] = []
    if config is not None:
        if isinstance(config, (str, Path)):
            try:
                layers.append(read_yaml(config))
            except ConfigError as exc:
                problems += exc.problems
        elif isinstance(config, Mapping):
            layers.append(dict(config))
        else:
            problems.append(Problem("", f"the configuration: expected a YAML file or a mapping, got {config!r}"))
    for assignment in overrides:
        try:
            layers.append(_nested(*_assignment(assignment)))
        except ConfigError as exc:
            problems += exc.problems
    raw = copy.deepcopy(_shipped())
    ranking = None
    for layer in layers:
        checked = _checked_layer(raw, layer, problems)
        if "ranking" in checked:  # the last ranking given wins; it sets the weights once every layer is in
            ranking = checked.pop("ranking")
        raw = deep_merge(raw, checked, problems=problems)
    if ranking is not None:
        raw = _apply_ranking(raw, ranking, problems)
    model, found = validate_config(raw)
    problems = list(dict.fromkeys([*problems, *found]))
    if problems:
        raise ConfigError(problems)
    return Catalogue(raw, config=model)
