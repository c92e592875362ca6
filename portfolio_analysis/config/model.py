"""The configuration model: every key of the merged catalogue, typed, checked at once.

:func:`validate_config` checks a merged catalogue (the shipped ``criteria.yaml``, an
analyst's YAML and ``--set`` overrides merged in) against :class:`ConfigModel` — pydantic,
``extra="forbid"`` everywhere, so a misspelt key is an error with a did-you-mean — then
runs the rules that tie one part of the configuration to another (:func:`cross_checks`:
the weights, the levels' scores, the positioning, the margins per level, the criteria of
the segmentation, the conditions of the actions). It returns every problem found, each
with its dotted path; :class:`ConfigError` carries them all.

The model holds no default: the defaults are in ``criteria.yaml`` only, and the merged
catalogue always has every key.

>>> from portfolio_analysis.config.catalogue import default_catalogue_path, read_yaml
>>> model, problems = validate_config(read_yaml(default_catalogue_path()))
>>> problems, model.settings.scoring.min_coverage
([], 0.6)
"""

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, BeforeValidator, ValidationError

from portfolio_analysis.config._types import Flag, Number, Range, Strict, Text, Whole, fail, hint, is_number
from portfolio_analysis.config.action_rules import ActionsSettings, check_conditions, levels_lookup

KINDS = ("ordinal", "categorical", "multi", "numeric")
AXES = ("value", "relationship", "descriptive")
FIELD_KINDS = ("id", "text", "categorical", "names", "amount", "signed_amount", "percent")
SCORED_AXES = ("value", "relationship")


@dataclass(frozen=True)
class Problem:
    """One problem of a configuration: where (a dotted key path) and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


_PATH = re.compile(r"^([A-Za-z_][\w.\[\]-]*): (.*)$", re.S)


class ConfigError(ValueError):
    """A configuration that cannot be used: every problem, each on its own line with its key path.

    ``problems`` is the list of :class:`Problem` (``path``, ``message``). Raised with a
    text, the text is the one problem (its path read from a leading ``key.path: ``).
    """

    def __init__(self, problems):
        if isinstance(problems, str):
            match = _PATH.match(problems)
            problems = [Problem(match[1], match[2]) if match else Problem("", problems)]
        self.problems: list[Problem] = list(problems)
        lines = [str(p) for p in self.problems]
        if len(lines) == 1:
            text = lines[0]
        else:
            text = f"{len(lines)} problems in the configuration:\n" + "\n".join(f"  {line}" for line in lines)
        super().__init__(text)


# -- the model -------------------------------------------------------------------------
class Labels(Strict):
    en: Text = None
    fr: Text = None


class LevelSpec(Strict):
    key: Text
    label: Labels | None = None
    aliases: list[Any] | None = None
    score: Number(0, 1, optional=True) = None


class FieldSpec(Strict):
    label: Labels | None = None
    kind: Literal[FIELD_KINDS]
    required: Flag = None
    open: Flag = None
    aliases: list[Any] | None = None
    levels: list[LevelSpec] | None = None


def _weight(value: Any) -> Any:
    if value is None:
        return None
    if not is_number(value):
        fail(f"{value!r} is not a number")
    if value < 0:
        fail(f"{value} is negative; weights must be >= 0")
    return float(value)


class CriterionSpec(Strict):
    label: Labels | None = None
    kind: Literal[KINDS]
    axis: Literal[AXES] | None = None
    weight: typing.Annotated[Any, BeforeValidator(_weight)] = None
    aliases: list[Any] | None = None
    levels: list[LevelSpec] | None = None
    # numeric criteria: the column they are computed from and how it becomes a score
    source: Text = None
    transform: Literal["log_minmax", "minmax", "clip"] | None = None
    clip: Range(strict=True) | None = None
    # share_of_wallet: a percentage becomes a level with these cut-offs (% of purchases)
    percent_cutoffs: dict[str, Number(0, 100)] | None = None


class ScoringSettings(Strict):
    min_coverage: Number(0, 1)
    margin_pct_range: Range(strict=True)
    share_of_wallet_pct_range: Range(strict=True)
    flat_score: Number(0, 1)


class FinancialsSettings(Strict):
    declining_threshold: Number(-1, 0)
    max_growth: Number(0)
    trend_months: Whole(2)
    trend_damping: Number(0, 1)


class ProfilesSettings(Strict):
    key_person_share: Number(0, 1, open_low=True)


def _cutoffs(value: Any) -> Any:
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(is_number(v) for v in value)
    if not ok or not 0 < value[0] < value[1] <= 100:
        fail(f"{value!r} is not two cut-offs 0 < A < B <= 100 (% of billing)")
    return float(value[0]), float(value[1])


class ConcentrationSettings(Strict):
    abc_cutoffs: typing.Annotated[Any, BeforeValidator(_cutoffs)]
    major_customer_pct: Number(0, 100, open_low=True)
    margin_by_level: dict[str, Number(-1, 1, what="a margin as a fraction of billing (e.g. 0.10 for 10 %)")]
    top_n: list[Whole(1)]


class RetentionSettings(Strict):
    lost_share: Range(0, 1, open_low=True, open_high=True)
    lost_years: Number(0, open_low=True)
    annual_retention: Number(0, 1, optional=True)
    discount_rate: Number(0)
    acquisition_cost_multiple: Number(0)
    acquisition_cost_range: Range(0)
    retention_cost_per_client: Number(0, optional=True)
    retention_uplift: Number(-1, 1)
    literature_profit_uplift: Range(-1)


def _day(value: Any) -> Any:
    import datetime

    if value is None or isinstance(value, datetime.date):
        return None if value is None else str(value)
    if isinstance(value, str):
        try:
            datetime.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    fail(f"{value!r} is not a day written YYYY-MM-DD")


def _memory(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\s*\d+(\.\d+)?\s*(K|M|G|T)i?B\s*", value, re.IGNORECASE):
        fail(f"{value!r} is not an amount of memory such as '2GB' or '500MB'")
    return value.strip()


class LoadingSettings(Strict):
    date_formats: list[Text]
    reference_date: typing.Annotated[Any, BeforeValidator(_day)] = None
    engine: Literal["duckdb", "spark", "pandas"] = "duckdb"
    memory_limit: typing.Annotated[Any, BeforeValidator(_memory)] = None
    spill_folder: Text = None
    threads: Whole(1, optional=True) = None
    max_amount: Number(0, open_low=True) = 1e15
    problem_rows: Whole(1) = 20
    spark_master: Text = None


class SegmentationSettings(Strict):
    criteria: list[Text] | None
    include: list[Text]
    exclude: list[Text]
    weights: dict[str, Number(0)]
    n_clusters: Whole(2, optional=True)
    k_range: Range(2, whole=True)
    min_share: Number(0, 1, open_high=True)
    min_clients: Whole(1)
    n_resamples: Whole(1)


class SensitivitySettings(Strict):
    n_draws: Whole(1)
    concentration: Number(0, open_low=True)
    action_draws: Whole(1)


def _currency(value: Any) -> Any:
    if value is None:
        return None
    if not (isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()):
        fail(f"{value!r} is not a currency code of three capital letters, e.g. EUR, USD, GBP")
    return value


class ReportSettings(Strict):
    currency: typing.Annotated[Any, BeforeValidator(_currency)] = None


class Settings(Strict):
    random_state: Whole(0)
    report: ReportSettings
    actions: ActionsSettings
    scoring: ScoringSettings
    financials: FinancialsSettings
    profiles: ProfilesSettings
    concentration: ConcentrationSettings
    retention: RetentionSettings
    loading: LoadingSettings
    segmentation: SegmentationSettings
    sensitivity: SensitivitySettings


class ConfigModel(Strict):
    """The whole merged configuration (``criteria.yaml`` and what is merged into it)."""

    version: Literal[1]
    fields: dict[str, FieldSpec]
    category_prefixes: list[Text]
    criteria: dict[str, CriterionSpec]
    positioning: dict[str, Number(-1, 1)]
    settings: Settings
    ranking: list[list[Text]] | None = None  # the ranking the weights came from (see catalogue.py)
    ranking_rest: list[Text] | None = None  # what its "rest" stood for


# -- from pydantic's errors to problems --------------------------------------------------
def _unwrap(tp: Any) -> Any:
    """The model class inside ``Annotated[...]`` / ``X | None``, else ``tp``."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
            if len(args) != 1:
                return tp
        else:
            return tp


def model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class validating the mapping at ``loc`` (None when it is not a model)."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            tp = field.annotation
            continue
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (dict, Mapping) and len(args) == 2:
            tp = args[1]
        elif origin in (list, tuple) and args:
            tp = args[0]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _what(parent: tuple) -> str:
    if not parent:
        return "top-level key"
    if parent[0] == "settings":
        return "setting"
    return "key"


def _path(loc: tuple, data: Any) -> str:
    """``criteria.profitability.levels.high.score``: a level by its key, other list items by index."""
    out = ""
    node = data
    prev = None
    for part in loc:
        if isinstance(part, str) and part.startswith("["):
            continue  # pydantic's marker of a mapping's key
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            if prev == "levels" and isinstance(item, Mapping) and isinstance(item.get("key"), str):
                out += f".{item['key']}"
            else:
                out += f"[{part}]"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, Mapping) else None
        prev = part
    return out


def _message(err: Mapping, root: type[BaseModel], prefix: tuple = ()) -> str:
    kind, value, loc = err["type"], err.get("input"), err["loc"]
    if kind == "config":
        return err["ctx"]["message"] if err.get("ctx") else err["msg"]
    if kind == "extra_forbidden":
        model = model_at(root, loc[:-1])
        known = list(model.model_fields) if model is not None else []
        close = hint(loc[-1], known)
        return f"unknown {_what(prefix + loc[:-1])}{close}" + ("" if close or not known else f"; expected one of {known}")
    if kind == "missing":
        return "missing: this key is required"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'|(\d+)", err["ctx"]["expected"])
        names = [a or b for a, b in expected]
        return f"{value!r} is not one of {names}{hint(value, names)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping, got {value!r}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {value!r}"
    return f"{value!r}: {err['msg'][:1].lower()}{err['msg'][1:]}"


def problems_of(error: ValidationError, data: Any, root: type[BaseModel], prefix: tuple = ()) -> list[Problem]:
    """:class:`Problem` per error of a pydantic validation of ``data`` by ``root``."""
    out = []
    for err in error.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p and "(" in p)))
        wrapped = data
        for part in prefix[::-1]:
            wrapped = {part: wrapped}
        out.append(Problem(_path(prefix + loc, wrapped), _message({**err, "loc": loc}, root, prefix)))
    return out


# -- the rules across keys -----------------------------------------------------------
def _mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _criteria_checks(criteria: Mapping) -> list[Problem]:
    out = []
    for key, spec in criteria.items():
        if not isinstance(spec, Mapping):
            continue
        where = f"criteria.{key}"
        levels = spec.get("levels")
        levels = levels if isinstance(levels, list) else []
        if spec.get("kind") in ("ordinal", "categorical", "multi") and not levels:
            out.append(Problem(f"{where}.levels", f"a {spec['kind']} criterion needs its levels"))
        seen = set()
        for i, lv in enumerate(levels):
            if isinstance(lv, Mapping) and lv.get("key") in seen:
                out.append(Problem(f"{where}.levels[{i}]", f"level {lv['key']!r} appears twice"))
            elif isinstance(lv, Mapping):
                seen.add(lv.get("key"))
        scored = [lv for lv in levels if isinstance(lv, Mapping) and lv.get("score") is not None]
        if scored:
            for lv in levels:
                if isinstance(lv, Mapping) and lv.get("score") is None:
                    out.append(Problem(
                        f"{where}.levels.{lv.get('key')}",
                        f"level without a score while other levels of {key!r} have one; "
                        "give a score to every level or to none"))
    weights = [spec.get("weight", 0) for spec in criteria.values()
               if isinstance(spec, Mapping) and spec.get("axis", "descriptive") in SCORED_AXES]
    if weights and all(is_number(w) for w in weights) and all(w == 0 for w in weights):
        out.append(Problem("weights", "every scored criterion has weight 0; give at least one a positive weight"))
    return out


def _level_keys(spec: Any) -> list:
    levels = _mapping(spec).get("levels")
    return [lv.get("key") for lv in levels if isinstance(lv, Mapping)] if isinstance(levels, list) else []


def cross_checks(data: Mapping) -> list[Problem]:
    """The rules that tie one part of the configuration to another, on the merged data.

    They read the data defensively: what is malformed is the model's to report.
    """
    criteria, fields = _mapping(data.get("criteria")), _mapping(data.get("fields"))
    settings = _mapping(data.get("settings"))
    out = _criteria_checks(criteria)

    known = _level_keys(criteria.get("decision_criteria"))
    for key in _mapping(data.get("positioning")):
        if key not in known:
            out.append(Problem(f"positioning.{key}",
                               f"not a decision criterion level{hint(key, known)}; expected one of {known}"))

    margins = _mapping(_mapping(settings.get("concentration")).get("margin_by_level"))
    levels = _level_keys(criteria.get("profitability"))
    for level in margins if levels else []:
        if level not in levels:
            out.append(Problem(f"settings.concentration.margin_by_level.{level}",
                               f"not a profitability level{hint(level, levels)}; expected one of {levels}"))

    segmentation = _mapping(settings.get("segmentation"))
    for name in ("criteria", "include", "exclude"):
        chosen = segmentation.get(name)
        for i, key in enumerate(chosen if isinstance(chosen, list) else []):
            if isinstance(key, str) and key not in criteria and key not in fields:
                out.append(Problem(f"settings.segmentation.{name}[{i}]",
                                   f"{key!r} is not a criterion or a field{hint(key, [*criteria, *fields])}"))
    for key in _mapping(segmentation.get("weights")):
        if key not in criteria and key not in fields:
            out.append(Problem(f"settings.segmentation.weights.{key}",
                               f"not a criterion or a field{hint(key, [*criteria, *fields])}"))

    out += [Problem(p, m) for p, m in check_conditions(settings.get("actions"), levels_lookup(criteria, fields))]
    return out


def validate_config(data: Any) -> tuple["ConfigModel | None", list[Problem]]:
    """The checked model of a merged configuration and every problem found (the model is None then)."""
    if not isinstance(data, Mapping):
        return None, [Problem("", f"expected a mapping at the top level, got {data!r}")]
    model, problems = None, []
    try:
        model = ConfigModel.model_validate(data)
    except ValidationError as exc:
        problems = problems_of(exc, data, ConfigModel)
    problems += cross_checks(data)
    return (None if problems else model), unique(problems)


def unique(problems: list[Problem]) -> list[Problem]:
    """``problems`` without repeats, in order."""
    return list(dict.fromkeys(problems))


def validate_block(model: type[BaseModel], data: Any, prefix: tuple) -> tuple[Any, list[Problem]]:
    """One block of the configuration (e.g. the ``settings.actions`` merged with a notebook's patch)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems_of(exc, data, model, prefix)
