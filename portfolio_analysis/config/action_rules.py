"""The ``settings.actions`` block: its model and the grammar of its conditions.

The decision rules of :mod:`portfolio_analysis.steps.actions` are data. This module
says what a valid block is: :class:`ActionsSettings` types every key (pydantic,
``extra="forbid"``), and :func:`check_conditions` reads every condition of the block
against the grammar below and the catalogue's levels, returning every problem found.

A condition is a mapping:

* ``{field: F, in: [levels]}`` / ``not_in``: the client's level of F is (not) one of them;
  ``{field: F, contains: level}`` / ``excludes``: for a multi-valued column, the level is
  (not) among the client's;
* ``{field: F, below: x}`` (``<``), ``at_most`` (``<=``), ``above`` (``>``),
  ``at_least`` (``>=``): a number;
* ``{field: F, is: true}``: a yes/no column; ``{field: F, missing: true}``: no value;
* ``{all: [...]}``, ``{any: [...]}``, and ``{condition: name}`` for a named condition of
  ``conditions`` (``strategic`` is reserved: any of ``strategic_keep.reasons``).
"""

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, field_validator

from portfolio_analysis.config._types import Phrase, Strict, Text, Whole, fail, hint

#: The four actions, from the most to the least invested in.
ACTIONS = ("develop", "maintain", "fix", "end")
Action = Literal["develop", "maintain", "fix", "end"]

NUMERIC_OPS = ("below", "at_most", "above", "at_least")
LEVEL_OPS = ("in", "not_in")
MULTI_OPS = ("contains", "excludes")
OPS = (*LEVEL_OPS, *MULTI_OPS, *NUMERIC_OPS, "is", "missing")

def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


# -- the model ---------------------------------------------------------------------
def _not_end(value: str) -> str:
    if value == "end":
        fail("cannot be 'end' (these clients are never ended)")
    return value


def _replaces(value: Any) -> list[str]:
    items = _as_list(value if value is not None else [])
    for item in items:
        if item not in ACTIONS:
            fail(f"{item!r} is not one of {list(ACTIONS)}{hint(item, ACTIONS)}")
    if "end" not in items:
        fail(f"must contain 'end' (these clients are never ended), got {items}")
    return items


def _threshold(value: Any) -> Any:
    pair = list(value) if isinstance(value, (list, tuple)) else [value, value]
    ok = len(pair) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
    if not ok or not all(0 <= v <= 100 for v in pair):
        fail(f"{value!r} is not a score in [0, 100] or a pair [value, relationship]")
    return value


class Quadrant(Strict):
    value: Literal["high", "low"]
    relationship: Literal["strong", "weak"]
    label: Phrase = None
    action: Action


class Guard(Strict):
    name: Text = None
    when: Any
    unless: Any = None
    change: dict[Action, Action]
    reason: Phrase = None


class StrategicReason(Strict):
    label: Phrase
    when: Any


class Replacement(Strict):
    action: Annotated[Action, AfterValidator(_not_end)]
    replaces: Annotated[Any, BeforeValidator(_replaces)]


class StrategicKeep(Replacement):
    reasons: list[StrategicReason] | None = None


class Lever(Strict):
    label: Phrase = None
    because: Phrase = None
    when: Any


class ActionsSettings(Strict):
    """``settings.actions``: every rule of the decision (no defaults here: see criteria.yaml)."""

    split: Literal["fixed", "median"]
    threshold: Annotated[Any, BeforeValidator(_threshold)]
    quadrants: dict[str, Quadrant | None]
    unplaced_action: Action
    conditions: dict[str, Any]
    guards: list[Guard] | None
    strategic_keep: StrategicKeep
    insufficient_data: Replacement
    levers: dict[str, Lever | None] | None
    reason_criteria: Whole(0)
    priority_order: list[Action | list[Action]]

    @field_validator("quadrants")
    @classmethod
    def _four_quadrants(cls, quadrants: dict) -> dict:
        seen: dict[tuple, str] = {}
        for key, q in quadrants.items():
            if q is None:
                continue
            side = (q.value, q.relationship)
            if side in seen:
                fail(f"{key} and {seen[side]} are both {side[0]} value / {side[1]} relationship")
            seen[side] = key
        if len(seen) != 4:
            fail("give one quadrant for each of high/low value × strong/weak relationship")
        return quadrants

    @field_validator("priority_order")
    @classmethod
    def _each_action_once(cls, order: list) -> list:
        """Tiers of actions, first to last (an action alone is a tier of its own); each action once."""
        flat = [a for tier in order for a in (tier if isinstance(tier, list) else [tier])]
        if sorted(flat) != sorted(ACTIONS):
            fail(f"{order} must list each of {list(ACTIONS)} once")
        return [tier if isinstance(tier, list) else [tier] for tier in order]


# -- the conditions ----------------------------------------------------------------
LevelsOf = Callable[[str], "list[str] | None"]


def levels_lookup(criteria: Any, fields: Any) -> LevelsOf:
    """``field -> its level keys`` (None for a column without levels) from raw catalogue sections."""

    def keys(spec: Any) -> list[str] | None:
        levels = spec.get("levels") if isinstance(spec, Mapping) else None
        if not isinstance(levels, list) or not levels:
            return None
        return [lv.get("key") for lv in levels if isinstance(lv, Mapping)]

    criteria = criteria if isinstance(criteria, Mapping) else {}
    fields = fields if isinstance(fields, Mapping) else {}

    def levels_of(field: str) -> list[str] | None:
        if field in criteria and keys(criteria[field]):
            return keys(criteria[field])
        if field in fields:
            return keys(fields[field])
        return None

    return levels_of


def check_condition(cond: Any, where: str, names: set[str], levels_of: LevelsOf) -> list[tuple[str, str]]:
    """Every problem of one condition, as ``(path, message)``."""
    if not isinstance(cond, Mapping):
        return [(where, f"expected a condition mapping, got {cond!r}")]
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        if len(cond) != 1 or not isinstance(cond[key], (list, tuple)) or not cond[key]:
            return [(where, f"'{key}' takes a non-empty list of conditions and nothing beside it")]
        out = []
        for i, sub in enumerate(cond[key]):
            out += check_condition(sub, f"{where}.{key}[{i}]", names, levels_of)
        return out
    if "condition" in cond:
        name = cond.get("condition")
        if len(cond) != 1 or not isinstance(name, str) or name not in names:
            return [(where, f"unknown condition {name!r}{hint(name, names)}; named conditions: {sorted(names)}")]
        return []
    if "field" not in cond:
        return [(where, f"a condition needs 'field' and one of {list(OPS)}, or 'all' / 'any' / 'condition'")]
    ops = [k for k in cond if k != "field"]
    if len(ops) != 1 or ops[0] not in OPS:
        bad = next((k for k in ops if k not in OPS), ops[0] if ops else None)
        extra = hint(bad, OPS) if bad is not None else ""
        return [(where, f"expected exactly one of {list(OPS)} beside 'field', got {ops}{extra}")]
    op, value, field = ops[0], cond[ops[0]], cond["field"]
    if op in NUMERIC_OPS and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return [(f"{where}.{op}", f"{value!r} is not a number")]
    if op in ("is", "missing") and not isinstance(value, bool):
        return [(f"{where}.{op}", f"{value!r} is not true or false")]
    out = []
    if op in LEVEL_OPS + MULTI_OPS:
        levels = levels_of(field) if isinstance(field, str) else None
        for v in _as_list(value):
            if not isinstance(v, str):
                out.append((f"{where}.{op}", f"{v!r} is not a level"))
            elif levels is not None and v not in levels:
                out.append((f"{where}.{op}",
                            f"{v!r} is not a level of {field}{hint(v, levels)}; expected one of {levels}"))
    return out


def _cycles(conditions: Mapping) -> list[tuple[str, str]]:
    def refs(cond) -> list[str]:
        if not isinstance(cond, Mapping):
            return []
        if "condition" in cond:
            return [cond["condition"]]
        subs = cond.get("all", cond.get("any", []))
        return [r for sub in (subs if isinstance(subs, (list, tuple)) else []) for r in refs(sub)]

    found: list[tuple[str, str]] = []

    def visit(name, stack):
        if name in stack:
            found.append(("settings.actions.conditions", f"{' -> '.join([*stack, name])} refers to itself"))
            return
        for ref in refs(conditions.get(name)):
            if ref in conditions:
                visit(ref, [*stack, name])

    for name in conditions:
        if not found:
            visit(name, [])
    return found


def check_conditions(block: Any, levels_of: LevelsOf, where: str = "settings.actions") -> list[tuple[str, str]]:
    """Every problem of the conditions of an actions block (the rest is :class:`ActionsSettings`'s)."""
    if not isinstance(block, Mapping):
        return []
    out: list[tuple[str, str]] = []
    conditions = block.get("conditions")
    conditions = {k: c for k, c in conditions.items() if c is not None} if isinstance(conditions, Mapping) else {}
    if "strategic" in conditions:
        out.append((f"{where}.conditions.strategic", "reserved: it is any of strategic_keep.reasons"))
    names = set(conditions) | {"strategic"}
    for key, cond in conditions.items():
        out += check_condition(cond, f"{where}.conditions.{key}", names, levels_of)
    out += _cycles(conditions)
    keep = block.get("strategic_keep")
    reasons = keep.get("reasons") if isinstance(keep, Mapping) else None
    for i, item in enumerate(reasons if isinstance(reasons, list) else []):
        if isinstance(item, Mapping) and "when" in item:
            out += check_condition(item["when"], f"{where}.strategic_keep.reasons[{i}].when", set(conditions),
                                   levels_of)
    guards = block.get("guards")
    for i, g in enumerate(guards if isinstance(guards, list) else []):
        if not isinstance(g, Mapping):
            continue
        for part in ("when", "unless"):
            if g.get(part) is not None:
                out += check_condition(g[part], f"{where}.guards[{i}].{part}", names, levels_of)
    levers = block.get("levers")
    for key, lv in (levers.items() if isinstance(levers, Mapping) else []):
        if isinstance(lv, Mapping) and "when" in lv:
            out += check_condition(lv["when"], f"{where}.levers.{key}.when", names, levels_of)
    return out

