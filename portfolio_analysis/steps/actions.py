"""Step 6 — the portfolio matrix, the fix-or-end decision and the relationship plan.

**The matrix** (:func:`portfolio_matrix`) places each client by its value score
(economics) and its relationship score, split at a fixed threshold (50 by default)
or at the portfolio's medians. A score **at or above** the split is *high* value /
*strong* relationship. The four quadrants and their default actions:

==================  ==============  ===================  ===========
value               relationship    quadrant             action
==================  ==============  ===================  ===========
high                strong          core partners        develop
high                weak            secure               maintain
low                 strong          improve economics    fix
low                 weak            reconsider           end
==================  ==============  ===================  ===========

*Secure* clients pay well but are loosely tied to us: keep serving them as they are
while the levers below strengthen the ties; *improve economics* clients are close to
us but earn too little: fix the terms before anything else. A client without a value
or relationship score is not placed and gets ``unplaced_action`` (``fix``).

**The decision** (:func:`decide_actions`) then applies, in this order:

1. the *guards* of the settings, in order, each a condition and an action mapping.
   Shipped: a loss-making client (real profit below 0, not an estimate) that is not
   strategic is never developed or maintained, it is fixed (``loss_making``); an end
   candidate that still earns a healthy margin (a real margin of 5 % or more, else a
   moderate or high profitability level) is maintained at least cost rather than
   ended (``still_profitable``: the article ends the relationships that will never be
   worth it, not those that pay);
2. the *strategic keep*: a client meeting any strategic condition (ongoing R&D, high
   learning opportunities, a growing outlook, a reference client) that would be ended
   is fixed instead, marked ``strategic_keep``;
3. the *insufficient-data guard*: a client flagged ``insufficient_data`` by the
   scoring is never ended; it is fixed, and its reasons name the criteria to collect.
   Other actions are kept (the reasons still say what is missing).

Steps 2 and 3 come last whatever the guards say, so that no strategic client and no
client with insufficient data is ever ended (the settings are checked: their
``replaces`` must contain ``end`` and their action must not be ``end``).

**Levers** are rules too: each is a condition on the client's data and a label;
every lever whose condition holds is listed, whatever the action (an ``end``
candidate's levers are what to try before ending it).

**Rules are data.** Every rule above lives in :data:`ACTION_DEFAULTS`, which the
catalogue's ``settings.actions`` block is merged over (mappings merge key by key, a
list replaces the list, ``null`` removes a lever or a guard's mapping). Conditions
are mappings this module interprets:

* ``{field: F, in: [levels]}`` / ``not_in``: the client's level of F is (not) one of
  them; ``{field: F, contains: level}`` / ``excludes``: for the multi-valued
  ``decision_criteria``, the level is (not) among the client's;
* ``{field: F, below: x}`` (``<``), ``at_most`` (``<=``), ``above`` (``>``),
  ``at_least`` (``>=``): a number;
* ``{field: F, is: true}``: a yes/no column (``yes``, ``true``, ``1``, ``oui``, ``x``);
* ``{field: F, missing: true}``: no value;
* ``{all: [...]}``, ``{any: [...]}``, and ``{condition: name}`` for a named condition
  of ``conditions`` (``strategic`` is defined for you: any strategic condition).

**A condition on a value the client does not have is false** (except ``missing``): no
lever, no guard and no strategic reason is ever claimed without data. Fields are the
register's columns plus these derived ones: ``profit`` and ``profit_is_estimated``
(from :func:`~portfolio_analysis.steps.concentration.client_profit`), ``real_profit`` (the
profit when it is not an estimate), ``real_margin_pct`` (``margin_pct``, else
``100 × profit / billing`` from the register's real profit), ``cost_to_serve_pct``
(``100 × cost_to_serve / billing``), ``billing_change_pct`` and ``billing_percentile``
(the client's billing rank in %, 100 for the largest; the smallest quarter is at or
below 25).

**What would change the action** (:func:`what_would_change`) moves one ordinal
criterion of every client to each of its other levels, re-scores and re-decides the
whole portfolio at once per (criterion, level), and keeps per client the nearest
level that flips its action. **Stability** (:func:`action_stability`) re-decides under
each weight draw of :func:`~portfolio_analysis.steps.sensitivity.weight_sensitivity`.

**The plan** (:func:`relationship_plan`): one row per client with the value at stake
and a priority (see the function).

**French.** With ``lang="fr"`` the reasons, levers and sentences are written in French:
criteria and levels in the catalogue's French words, numbers the French way
(:func:`~portfolio_analysis.i18n.numbers`). A quadrant, lever or strategic reason takes
its French from ``label_fr`` (a lever's why from ``because_fr``, a guard's reason from
``reason_fr``); without it, the French of the default with the same English text, else
the English text. A configuration that changes a ``label`` without a ``label_fr`` drops
the default's French rather than show a translation of another text.
"""

from __future__ import annotations

import difflib
import re
import string
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, ConfigError, deep_merge, load_catalogue, normalise
from portfolio_analysis.i18n import (
    LEVER_NAMES_FR,
    QUADRANT_NAMES_FR,
    STRATEGIC_REASONS_FR,
    action_name,
    check_lang,
    numbers,
)
from portfolio_analysis.steps.concentration import client_profit
from portfolio_analysis.steps.scoring import (
    SCORED_AXES,
    _score_matrix,
    criterion_weights,
    score_clients,
    scoring_settings,
)

__all__ = [
    "ACTIONS",
    "ACTION_DEFAULTS",
    "DERIVED_FIELDS",
    "SHAPIRO_QUADRANTS",
    "action_settings",
    "portfolio_matrix",
    "price_cost_matrix",
    "decide_actions",
    "what_would_change",
    "action_stability",
    "relationship_plan",
    "plot_portfolio_matrix",
    "plot_price_cost_matrix",
]

#: The four actions, from the most to the least invested in.
ACTIONS = ("develop", "maintain", "fix", "end")

#: Defaults of the ``settings.actions`` block of the catalogue: every rule of the decision.
ACTION_DEFAULTS: dict[str, Any] = {
    # "fixed": split both scores at `threshold`; "median": at the portfolio's medians
    "split": "fixed",
    # one number for both scores, or [value, relationship]; a score at or above it is high / strong
    "threshold": 50,
    "quadrants": {
        "core_partners": {"value": "high", "relationship": "strong", "label": "core partners",
                          "label_fr": "partenaires essentiels", "action": "develop"},
        "secure": {"value": "high", "relationship": "weak", "label": "secure", "label_fr": "acquis",
                   "action": "maintain"},
        "improve_economics": {"value": "low", "relationship": "strong", "label": "improve economics",
                              "label_fr": "rentabilité à améliorer", "action": "fix"},
        "reconsider": {"value": "low", "relationship": "weak", "label": "reconsider", "label_fr": "à reconsidérer",
                       "action": "end"},
    },
    # a client without a value or relationship score
    "unplaced_action": "fix",
    # named conditions, used by the rules below as {condition: name}
    "conditions": {
        # the real margin where there is one (real figures beat the level), else the level
        "low_profitability": {"any": [
            {"field": "real_margin_pct", "below": 5},
            {"all": [{"field": "real_margin_pct", "missing": True}, {"field": "profitability", "in": ["low"]}]},
        ]},
        # its complement: a real margin of 5 % or more, else a moderate or high level
        "healthy_margin": {"any": [
            {"field": "real_margin_pct", "at_least": 5},
            {"all": [{"field": "real_margin_pct", "missing": True},
                     {"field": "profitability", "in": ["moderate", "high"]}]},
        ]},
        "high_cost_to_serve": {"field": "cost_to_serve_pct", "at_least": 25},
        "loss_making": {"field": "real_profit", "below": 0},
    },
    # applied in order, before the strategic keep and the insufficient-data guard
    "guards": [
        {"name": "loss_making",
         "when": {"condition": "loss_making"},
         "unless": {"condition": "strategic"},
         "change": {"develop": "fix", "maintain": "fix"},
         "reason": "loss-making (profit {real_profit:,.0f} a year): fix its economics first",
         "reason_fr": "déficitaire (bénéfice de {real_profit:,.0f} par an) : redresser d'abord sa rentabilité"},
        # the article ends the relationships that will never be worth it, not those that pay
        {"name": "still_profitable",
         "when": {"condition": "healthy_margin"},
         "change": {"end": "maintain"},
         "reason": "still profitable (margin {real_margin_pct:.1f} %): serve it at least cost rather than end it",
         "reason_fr": "encore rentable (marge de {real_margin_pct:.1f} %) : le servir au moindre coût plutôt que "
                      "d'y mettre fin"},
    ],
    # low-value clients kept for other reasons: `replaces` (must hold end) becomes `action`
    "strategic_keep": {
        "action": "fix",
        "replaces": ["end"],
        "reasons": [
            {"label": "ongoing R&D collaboration", "label_fr": "collaboration en R&D en cours",
             "when": {"field": "rnd_collaboration", "in": ["ongoing"]}},
            {"label": "high learning opportunities", "label_fr": "possibilités d'apprentissage élevées",
             "when": {"field": "learning_opportunities", "in": ["high"]}},
            {"label": "growing business outlook", "label_fr": "perspectives commerciales de croissance",
             "when": {"field": "business_outlook", "in": ["growing"]}},
            {"label": "a reference client", "label_fr": "client de référence",
             "when": {"field": "reference", "is": True}},
        ],
    },
    # clients flagged insufficient_data by the scoring: `replaces` (must hold end) becomes `action`
    "insufficient_data": {"action": "fix", "replaces": ["end"]},
    "levers": {
        "raise_prices": {
            "label": "raise prices",
            "label_fr": "augmenter les prix",
            "because": "does not choose suppliers on purchase price and its profitability is low",
            "because_fr": "ne choisit pas ses fournisseurs sur le prix d'achat et sa rentabilité est faible",
            "when": {"all": [{"field": "decision_criteria", "excludes": "purchase_price"},
                             {"condition": "low_profitability"}]},
        },
        "reduce_service": {
            "label": "lower the service level from total to basic",
            "label_fr": "passer du service total au service de base",
            "because": "total service needs with low profitability or a high cost to serve",
            "because_fr": "besoins en service total avec une rentabilité faible ou un coût de service élevé",
            "when": {"all": [{"field": "service_needs", "in": ["total"]},
                             {"any": [{"condition": "low_profitability"}, {"condition": "high_cost_to_serve"}]}]},
        },
        "grow_share_of_wallet": {
            "label": "grow the share of wallet",
            "label_fr": "accroître notre part des achats",
            "because": "small share of wallet with moderate or high upsell potential",
            "because_fr": "petite part des achats avec un potentiel de ventes supplémentaires modéré ou élevé",
            "when": {"all": [{"field": "share_of_wallet", "in": ["small"]},
                             {"field": "upsell_potential", "in": ["moderate", "high"]}]},
        },
        "improve_collaboration": {
            "label": "improve collaboration",
            "label_fr": "améliorer la collaboration",
            "because": "collaboration is challenging",
            "because_fr": "facilité de collaboration « stimulant »",
            "when": {"field": "ease_of_collaboration", "in": ["challenging"]},
        },
        "automate_ordering": {
            "label": "automate ordering",
            "label_fr": "automatiser les commandes",
            "because": "buys on ease of purchase, or basic service needs and a small billing",
            "because_fr": "choisit sur la facilité d'achat, ou besoins en service de base et petite facturation",
            "when": {"any": [{"field": "decision_criteria", "contains": "ease_of_purchase"},
                             {"all": [{"field": "service_needs", "in": ["basic"]},
                                      {"field": "billing_percentile", "at_most": 25}]}]},
        },
    },
    # criteria named in each score's reason ("low value score (23/100: low profitability, ...)")
    "reason_criteria": 2,
    # the relationship plan: actions in this order, then by absolute value at stake
    "priority_order": ["fix", "develop", "end", "maintain"],
}

#: Fields computed for the conditions, beside the register's columns.
DERIVED_FIELDS = (
    "profit", "profit_is_estimated", "real_profit", "real_margin_pct", "cost_to_serve_pct",
    "billing_change_pct", "billing_percentile",
)

#: Shapiro, Rangan, Moriarty & Ross (1987), "Manage customers for profits (not just sales)",
#: Harvard Business Review 65(5): (high net price?, high cost to serve?) -> quadrant.
SHAPIRO_QUADRANTS = {
    (True, True): "carriage trade",
    (True, False): "passive",
    (False, True): "aggressive",
    (False, False): "bargain basement",
}

# how a criterion reads in a reason; {level} is the catalogue's label, lower case
_PHRASES = {
    "relationship_type": "{level} relationship",
    "share_of_wallet": "{level} share of wallet",
    "profitability": "{level} profitability",
    "upsell_potential": "upsell potential {level}",
    "ease_of_collaboration": "{level} collaboration",
    "business_outlook": "{level} outlook",
    "rnd_collaboration": "R&D collaboration {level}",
    "learning_opportunities": "{level} learning opportunities",
}
# real figures that replace a criterion's level in the scoring (as in scoring._OVERRIDES)
_REAL_FIGURES = {"profitability": ("margin_pct", "profit"), "share_of_wallet": ("share_of_wallet_pct",)}
_NUMERIC_OPS = {"below": np.less, "at_most": np.less_equal, "above": np.greater, "at_least": np.greater_equal}
_LEVEL_OPS = ("in", "not_in")
_MULTI_OPS = ("contains", "excludes")
_OPS = (*_LEVEL_OPS, *_MULTI_OPS, *_NUMERIC_OPS, "is", "missing")
_TRUE_WORDS = {"yes", "true", "1", "oui", "y", "vrai", "x", "o"}
_SEPARATORS = re.compile(r"[;,/|]")
_ACTION_CODE = {a: i for i, a in enumerate(ACTIONS)}
_COLOURS = {"develop": "#2E7D32", "maintain": "#1565C0", "fix": "#F9A825", "end": "#C62828"}

# the texts of the settings that have a French twin (`label` -> `label_fr`, ...)
_FR_KEYS = {"label": "label_fr", "because": "because_fr", "reason": "reason_fr"}


def _default_french() -> dict[str, str]:
    """English text -> French text of the default settings (and of i18n's names)."""
    out = {**LEVER_NAMES_FR, **STRATEGIC_REASONS_FR, **QUADRANT_NAMES_FR}
    entries = [*ACTION_DEFAULTS["quadrants"].values(), *ACTION_DEFAULTS["guards"],
               *ACTION_DEFAULTS["strategic_keep"]["reasons"], *ACTION_DEFAULTS["levers"].values()]
    for entry in entries:
        for en, fr in _FR_KEYS.items():
            if entry.get(en) and entry.get(fr):
                out[entry[en]] = entry[fr]
    return out


_DEFAULT_FR = _default_french()


def _text(entry: Mapping, key: str, lang: str, default: str) -> str:
    """``entry[key]`` in ``lang``: its ``<key>_fr``, else the French of the default with that text."""
    english = str(entry.get(key) or default)
    if lang == "en":
        return english
    return str(entry.get(_FR_KEYS[key]) or _DEFAULT_FR.get(english) or english)


def _lower_first(text: str) -> str:
    # "Collaboration en R&D" -> "collaboration en R&D": str.lower would write "r&d"
    return text[:1].lower() + text[1:]


class _FrenchFormatter(string.Formatter):
    """``str.format`` writing numbers the French way: ``{x:,.1f}`` gives ``12 345,6``."""

    def format_field(self, value, format_spec):
        text = super().format_field(value, format_spec)
        if isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)):
            text = text.replace(",", "\u202f").replace(".", ",")
        return text


# French words of the reasons ({level}, {label}: the catalogue's French, lower case first)
_PHRASES_FR = {
    "share_of_wallet": "{level} {label}",
    "profitability": "{label} {level}",
    "learning_opportunities": "{label} {level}",
}
_PHRASE_FR = "{label} « {level} »"  # the article's level word, whatever its gender
_WORDS = {
    "en": {"high": "high", "low": "low", "strong": "strong", "weak": "weak", "value": "value score",
           "relationship": "relationship", "value_unknown": "value score unknown",
           "relationship_unknown": "relationship unknown", "waived": " (waived: strategic client)",
           "kept": "kept for strategic reasons rather than ended: ", "strategic": "strategic client: ",
           "not_enough": "not enough data to judge", "known": " ({} % of the criteria weight known)",
           "collect": ": collect ", "never": ", never ended on missing data", "sep": "; ",
           "unplaced": "not placed (a score is missing)", "no_change": "no single change flips it",
           "annual_profit": "annual profit", "lifetime_value": "lifetime value"},
    "fr": {"high": "élevé", "low": "faible", "strong": "forte", "weak": "faible", "value": "score de valeur",
           "relationship": "relation", "value_unknown": "score de valeur inconnu",
           "relationship_unknown": "relation inconnue", "waived": " (non appliqué : client stratégique)",
           "kept": "conservé pour des raisons stratégiques plutôt que d'y mettre fin : ",
           "strategic": "client stratégique : ", "not_enough": "données insuffisantes pour juger",
           "known": " ({} % du poids des critères connu)", "collect": " : collecter ",
           "never": ", jamais arrêté faute de données", "sep": " ; ",
           "unplaced": "non placé (un score manque)", "no_change": "aucun changement d'un seul critère ne la fait basculer",
           "annual_profit": "bénéfice annuel", "lifetime_value": "valeur vie client"},
}


# -- settings -------------------------------------------------------------------
def _suggest(key: str, known) -> str:
    close = difflib.get_close_matches(str(key), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_action(value: Any, where: str) -> str:
    if value not in ACTIONS:
        raise ConfigError(f"{where}: {value!r} is not one of {list(ACTIONS)}{_suggest(value, ACTIONS)}")
    return value


def _levels_for(cat: Catalogue, field: str) -> list[str] | None:
    if field in cat.criteria and cat.criteria[field].levels:
        return cat.criteria[field].level_keys
    if field in cat.fields and cat.fields[field].get("levels"):
        return [lv["key"] for lv in cat.fields[field]["levels"]]
    return None


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _check_condition(cond: Any, where: str, names: set[str], cat: Catalogue) -> None:
    if not isinstance(cond, Mapping):
        raise ConfigError(f"{where}: expected a condition mapping, got {cond!r}")
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        if len(cond) != 1 or not isinstance(cond[key], (list, tuple)) or not cond[key]:
            raise ConfigError(f"{where}: '{key}' takes a non-empty list of conditions and nothing beside it")
        for i, sub in enumerate(cond[key]):
            _check_condition(sub, f"{where}.{key}[{i}]", names, cat)
        return
    if "condition" in cond:
        if len(cond) != 1 or cond["condition"] not in names:
            raise ConfigError(
                f"{where}: unknown condition {cond.get('condition')!r}{_suggest(cond.get('condition'), names)}; "
                f"named conditions: {sorted(names)}"
            )
        return
    if "field" not in cond:
        raise ConfigError(f"{where}: a condition needs 'field' and one of {list(_OPS)}, or 'all' / 'any' / 'condition'")
    ops = [k for k in cond if k != "field"]
    if len(ops) != 1 or ops[0] not in _OPS:
        bad = next((k for k in ops if k not in _OPS), ops[0] if ops else None)
        hint = _suggest(bad, _OPS) if bad is not None else ""
        raise ConfigError(f"{where}: expected exactly one of {list(_OPS)} beside 'field', got {ops}{hint}")
    op, value, field = ops[0], cond[ops[0]], cond["field"]
    if op in _NUMERIC_OPS and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ConfigError(f"{where}.{op}: {value!r} is not a number")
    if op in ("is", "missing") and not isinstance(value, bool):
        raise ConfigError(f"{where}.{op}: {value!r} is not true or false")
    if op in _LEVEL_OPS + _MULTI_OPS:
        levels = _levels_for(cat, field)
        for v in _as_list(value):
            if not isinstance(v, str):
                raise ConfigError(f"{where}.{op}: {v!r} is not a level")
            if levels is not None and v not in levels:
                raise ConfigError(f"{where}.{op}: {v!r} is not a level of {field}{_suggest(v, levels)}; "
                                  f"expected one of {levels}")


def _check_cycles(conditions: Mapping) -> None:
    def refs(cond) -> list[str]:
        if not isinstance(cond, Mapping):
            return []
        if "condition" in cond:
            return [cond["condition"]]
        return [r for sub in cond.get("all", cond.get("any", [])) for r in refs(sub)]

    def visit(name, stack):
        if name in stack:
            raise ConfigError(f"settings.actions.conditions: {' -> '.join([*stack, name])} refers to itself")
        for ref in refs(conditions.get(name)):
            if ref in conditions:
                visit(ref, [*stack, name])

    for name in conditions:
        visit(name, [])


def _check_replaces(block: Mapping, where: str) -> None:
    _check_action(block.get("action"), f"{where}.action")
    if block["action"] == "end":
        raise ConfigError(f"{where}.action: cannot be 'end' (these clients are never ended)")
    replaces = _as_list(block.get("replaces") or [])
    for i, a in enumerate(replaces):
        _check_action(a, f"{where}.replaces[{i}]")
    if "end" not in replaces:
        raise ConfigError(f"{where}.replaces: must contain 'end' (these clients are never ended), got {replaces}")


def action_settings(catalogue: Catalogue | None = None, settings: Mapping | None = None) -> dict[str, Any]:
    """The rules in force: :data:`ACTION_DEFAULTS`, the catalogue's ``settings.actions``, then ``settings``.

    Parameters
    ----------
    catalogue : Catalogue, optional
        Where ``settings.actions`` is read (the shipped catalogue by default).
    settings : mapping, optional
        Merged last, the same way (a notebook's overrides).

    Returns
    -------
    dict, checked.

    Raises
    ------
    ConfigError
        Naming the key: an unknown setting, an action that is not one of :data:`ACTIONS`,
        quadrants that do not cover the four combinations, a condition this module cannot
        read, a level that the catalogue does not know, a strategic or insufficient-data
        rule that could end a client.
    """
    cat = load_catalogue() if catalogue is None else catalogue
    given = cat.settings.get("actions") or {}
    for where, block in (("settings.actions", given), ("settings", settings or {})):
        if not isinstance(block, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {block!r}")
        unknown = sorted(set(block) - set(ACTION_DEFAULTS))
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting{_suggest(unknown[0], ACTION_DEFAULTS)}; "
                              f"expected one of {list(ACTION_DEFAULTS)}")
    cfg = deep_merge(deep_merge(ACTION_DEFAULTS, _drop_stale_french(given)), _drop_stale_french(settings or {}))
    w = "settings.actions"
    if cfg["split"] not in ("fixed", "median"):
        raise ConfigError(f"{w}.split: {cfg['split']!r} is not 'fixed' or 'median'")
    cfg["threshold"] = _check_threshold(cfg["threshold"], f"{w}.threshold")
    quadrants = {k: q for k, q in (cfg["quadrants"] or {}).items() if q is not None}
    seen = {}
    for key, q in quadrants.items():
        if not isinstance(q, Mapping):
            raise ConfigError(f"{w}.quadrants.{key}: expected a mapping, got {q!r}")
        if q.get("value") not in ("high", "low") or q.get("relationship") not in ("strong", "weak"):
            raise ConfigError(f"{w}.quadrants.{key}: 'value' must be high or low and 'relationship' strong or weak")
        _check_action(q.get("action"), f"{w}.quadrants.{key}.action")
        side = (q["value"], q["relationship"])
        if side in seen:
            raise ConfigError(f"{w}.quadrants: {key} and {seen[side]} are both {side[0]} value / {side[1]} relationship")
        seen[side] = key
        _check_french(q, f"{w}.quadrants.{key}")
    if len(seen) != 4:
        raise ConfigError(f"{w}.quadrants: give one quadrant for each of high/low value × strong/weak relationship")
    cfg["quadrants"] = {k: {**q, "label": str(q.get("label") or k.replace("_", " "))} for k, q in quadrants.items()}
    _check_action(cfg["unplaced_action"], f"{w}.unplaced_action")

    conditions = {k: c for k, c in (cfg["conditions"] or {}).items() if c is not None}
    if "strategic" in conditions:
        raise ConfigError(f"{w}.conditions.strategic: reserved: it is any of strategic_keep.reasons")
    cfg["conditions"] = conditions
    names = set(conditions) | {"strategic"}
    for key, cond in conditions.items():
        _check_condition(cond, f"{w}.conditions.{key}", names, cat)
    _check_cycles(conditions)

    keep = cfg["strategic_keep"]
    if not isinstance(keep, Mapping):
        raise ConfigError(f"{w}.strategic_keep: expected a mapping, got {keep!r}")
    _check_replaces(keep, f"{w}.strategic_keep")
    for i, item in enumerate(keep.get("reasons") or []):
        if not isinstance(item, Mapping) or "label" not in item or "when" not in item:
            raise ConfigError(f"{w}.strategic_keep.reasons[{i}]: expected {{label, label_fr?, when}}")
        _check_french(item, f"{w}.strategic_keep.reasons[{i}]")
        _check_condition(item["when"], f"{w}.strategic_keep.reasons[{i}].when", set(conditions), cat)
    _check_replaces(cfg["insufficient_data"], f"{w}.insufficient_data")

    guards = cfg["guards"] or []
    if not isinstance(guards, (list, tuple)):
        raise ConfigError(f"{w}.guards: expected a list, got {guards!r}")
    for i, g in enumerate(guards):
        where = f"{w}.guards[{i}]"
        if not isinstance(g, Mapping) or "when" not in g or not isinstance(g.get("change"), Mapping):
            raise ConfigError(f"{where}: expected {{name, when, change: {{action: action}}, unless?, reason?, "
                              "reason_fr?}}")
        _check_french(g, where)
        _check_condition(g["when"], f"{where}.when", names, cat)
        if g.get("unless") is not None:
            _check_condition(g["unless"], f"{where}.unless", names, cat)
        for src, dst in g["change"].items():
            _check_action(src, f"{where}.change")
            _check_action(dst, f"{where}.change.{src}")
    cfg["guards"] = [{"name": f"guard_{i}", **g} for i, g in enumerate(guards)]

    levers = {k: lv for k, lv in (cfg["levers"] or {}).items() if lv is not None}
    for key, lv in levers.items():
        if not isinstance(lv, Mapping) or "when" not in lv:
            raise ConfigError(f"{w}.levers.{key}: expected {{label, label_fr?, because, because_fr?, when}}")
        _check_french(lv, f"{w}.levers.{key}")
        _check_condition(lv["when"], f"{w}.levers.{key}.when", names, cat)
    cfg["levers"] = levers

    n = cfg["reason_criteria"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"{w}.reason_criteria: {n!r} is not a whole number >= 0")
    order = list(cfg["priority_order"] or [])
    if sorted(order) != sorted(ACTIONS):
        raise ConfigError(f"{w}.priority_order: {order} must list each of {list(ACTIONS)} once")
    return cfg


def _drop_stale_french(block: Mapping) -> Mapping:
    """``block`` where a quadrant or lever given a new ``label`` (``because``) without its
    ``label_fr`` (``because_fr``) sets it to None: the default's French translated the old text."""
    out = dict(block)
    for section in ("quadrants", "levers"):
        entries = out.get(section)
        if not isinstance(entries, Mapping):
            continue
        patched = {}
        for key, entry in entries.items():
            if isinstance(entry, Mapping):
                entry = {**entry, **{fr: None for en, fr in _FR_KEYS.items() if en in entry and fr not in entry}}
            patched[key] = entry
        out[section] = patched
    return out


def _check_french(entry: Mapping, where: str) -> None:
    for fr in _FR_KEYS.values():
        if entry.get(fr) is not None and not isinstance(entry[fr], str):
            raise ConfigError(f"{where}.{fr}: {entry[fr]!r} is not a text")


def _check_threshold(value: Any, where: str) -> tuple[float, float]:
    pair = list(value) if isinstance(value, (list, tuple)) else [value, value]
    ok = len(pair) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
    if not ok or not all(0 <= v <= 100 for v in pair):
        raise ConfigError(f"{where}: {value!r} is not a score in [0, 100] or a pair [value, relationship]")
    return float(pair[0]), float(pair[1])


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


def portfolio_matrix(
    scores: pd.DataFrame,
    *,
    split: str | None = None,
    threshold: float | Sequence[float] | None = None,
    catalogue: Catalogue | None = None,
    settings: Mapping | None = None,
) -> pd.DataFrame:
    """Place each client in a quadrant of value score × relationship score.

    Parameters
    ----------
    scores : DataFrame
        :func:`~portfolio_analysis.steps.scoring.score_clients`'s result.
    split : {"fixed", "median"}, optional
        Split both scores at ``threshold`` or at the portfolio's medians (of the clients
        with a score); default ``settings.actions.split`` (fixed).
    threshold : float or (value, relationship), optional
        The fixed split; default ``settings.actions.threshold`` (50). A score at or
        above it is high value / strong relationship.
    catalogue, settings
        As in :func:`action_settings`.

    Returns
    -------
    DataFrame
        ``client_id``, ``value_score``, ``relationship_score``, ``quadrant`` (its key,
        NA when a score is missing), ``quadrant_label`` and ``default_action`` (the
        quadrant's, ``unplaced_action`` when not placed). ``attrs`` holds
        ``value_threshold``, ``relationship_threshold``, ``split`` and ``quadrants``.

    >>> s = pd.DataFrame({"client_id": ["a", "b"], "value_score": [80.0, 20.0],
    ...                   "relationship_score": [50.0, 10.0]})
    >>> portfolio_matrix(s)[["quadrant", "default_action"]].values.tolist()
    [['core_partners', 'develop'], ['reconsider', 'end']]
    """
    over = dict(settings or {})
    if split is not None:
        over["split"] = split
    if threshold is not None:
        over["threshold"] = threshold
    cfg = action_settings(catalogue, over)
    comp = _compile(cfg)
    value = pd.to_numeric(scores["value_score"], errors="coerce").to_numpy(dtype="float64")
    rel = pd.to_numeric(scores["relationship_score"], errors="coerce").to_numpy(dtype="float64")
    tv, tr = _thresholds(value, rel, cfg)
    none = _Flags(np.zeros(len(value), dtype=bool), [], [])  # the quadrant's action, before any rule
    d = _decide(value, rel, np.zeros(len(value), dtype=bool), (tv, tr), none, comp)
    keys = np.array(comp.quadrant_keys, dtype=object)[d["quadrant"]]
    labels = np.array([cfg["quadrants"][k]["label"] for k in comp.quadrant_keys], dtype=object)[d["quadrant"]]
    out = pd.DataFrame({
        "client_id": scores["client_id"].to_numpy(),
        "value_score": value,
        "relationship_score": rel,
        "quadrant": pd.array(np.where(d["placed"], keys, None), dtype="str"),
        "quadrant_label": pd.array(np.where(d["placed"], labels, "not placed (a score is missing)"), dtype="str"),
        "default_action": pd.array(np.array(ACTIONS, dtype=object)[d["default"]], dtype="str"),
    })
    out.attrs.update(value_threshold=float(tv), relationship_threshold=float(tr), split=cfg["split"],
                     quadrants={k: dict(q) for k, q in cfg["quadrants"].items()})
    return out


def price_cost_matrix(
    clients: pd.DataFrame,
    *,
    price: str = "net_price",
    cost: str = "cost_to_serve",
    relative_cost: bool = True,
) -> pd.DataFrame | None:
    """The net-price × cost-to-serve matrix of Shapiro et al. (1987), split at the medians.

    ==============  =============  =================
    net price       cost to serve  quadrant
    ==============  =============  =================
    high            high           carriage trade
    high            low            passive
    low             high           aggressive
    low             low            bargain basement
    ==============  =============  =================

    A value at or above the median is high. Only clients with both figures are placed.

    Parameters
    ----------
    clients : DataFrame
        The register, with ``price`` and ``cost`` columns.
    price, cost : str
        The columns of the net price (an index or a realised price) and the cost to serve.
    relative_cost : bool
        Compare the cost to serve as % of billing (default): in amounts it mostly
        measures the client's size. Clients without a positive billing are then left out.

    Returns
    -------
    DataFrame or None
        ``client_id``, ``net_price``, ``cost_to_serve`` (in % of billing when
        ``relative_cost``), ``quadrant``; ``attrs``: ``price_split``, ``cost_split``,
        ``cost_label``. None when no client has both figures.
    """
    if price not in clients.columns or cost not in clients.columns:
        return None
    p = _num(clients, price)
    c = _num(clients, cost)
    if relative_cost:
        billing = _num(clients, "billing")
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(billing > 0, 100.0 * c / billing, np.nan)
    known = ~np.isnan(p) & ~np.isnan(c)
    if not known.any():
        return None
    p, c = p[known], c[known]
    ps, cs = float(np.median(p)), float(np.median(c))
    names = np.array([SHAPIRO_QUADRANTS[(hp, hc)] for hp in (True, False) for hc in (True, False)], dtype=object)
    index = np.where(p >= ps, 0, 2) + np.where(c >= cs, 0, 1)
    out = pd.DataFrame({
        "client_id": clients["client_id"].to_numpy()[known],
        "net_price": p,
        "cost_to_serve": c,
        "quadrant": pd.array(names[index], dtype="str"),
    })
    out.attrs.update(price_split=ps, cost_split=cs,
                     cost_label="cost to serve (% of billing)" if relative_cost else "cost to serve")
    return out


# -- the decision ----------------------------------------------------------------------
def _join(parts: Sequence[Any], sep: str) -> pd.Series:
    """Join string columns element-wise, skipping empty ones (vectorised)."""
    out = None
    for part in parts:
        s = pd.Series(part, dtype="string").fillna("").reset_index(drop=True)
        if out is None:
            out = s
            continue
        out = out.where(s.eq(""), out.where(out.eq(""), out + sep) + s)
    return out if out is not None else pd.Series(dtype="string")


def _render(template: str, facts: pd.DataFrame, mask: np.ndarray, lang: str = "en") -> pd.Series:
    """``template`` formatted with each client's facts where ``mask`` holds, else ""."""
    out = pd.Series("", index=range(len(facts)), dtype="string")
    if not mask.any():
        return out
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    rows = facts.loc[mask, [f for f in fields if f in facts.columns]]
    texts = []
    fmt = template.format if lang == "en" else lambda **kw: _FrenchFormatter().format(template, **kw)
    for record in rows.to_dict("records"):  # only the clients a rule hit
        try:
            texts.append(fmt(**record))
        except (KeyError, ValueError, TypeError):  # a missing or non-numeric value: the words alone
            texts.append(re.sub(r"\{[^}]*\}", "?", template))
    out[mask] = texts
    return out


def _phrases(clients: pd.DataFrame, matrix: np.ndarray, keys: list[str], cat: Catalogue,
             lang: str = "en") -> np.ndarray:
    """(n, criteria) array of how each criterion of each client reads in a reason."""
    if lang == "fr":
        return _phrases_fr(clients, matrix, keys, cat)
    out = np.full(matrix.shape, "", dtype=object)
    margin = _num(clients, "margin_pct")
    billing = _num(clients, "billing")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        margin = np.where(np.isnan(margin), np.where(billing > 0, 100 * _num(clients, "profit") / billing, np.nan),
                          margin)
    sow = _num(clients, "share_of_wallet_pct")
    for j, key in enumerate(keys):
        crit = cat.criteria[key]
        label = cat.label(key).lower()
        if crit.kind == "numeric":
            s = matrix[:, j]
            if crit.spec.get("source", key) == "billing_growth":
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    g = 100 * (billing / _num(clients, "billing_previous") - 1)
                col = pd.Series(g).map(lambda v: "" if np.isnan(v) else f"billing {v:+.0f} % on the previous year")
            else:
                col = pd.Series(np.select([s < 1 / 3, s > 2 / 3], ["small", "large"], "mid-size"))
                col = (col + " " + label.replace(" size", "")).where(~np.isnan(s), "")
            out[:, j] = col.to_numpy(dtype=object)
            continue
        if key not in clients.columns:
            continue
        if crit.kind == "multi":
            tokens = _tokens(clients[key], cat, key)
            words = {lv: cat.level_label(key, lv).lower() for lv in crit.level_keys}
            col = tokens.map(lambda t, words=words, order=crit.level_keys: "" if t is None or not t else
                             "buys on " + " and ".join(words[lv] for lv in order if lv in t))
            out[:, j] = col.to_numpy(dtype=object)
            continue
        levels = _canonical(clients[key], cat, key)
        template = _PHRASES.get(key, label + " {level}")
        words = {lv: template.format(level=cat.level_label(key, lv).lower()) for lv in crit.level_keys}
        col = levels.map(words).fillna("").astype(object)
        if key == "profitability":
            col = col.where(np.isnan(margin), pd.Series(margin).map(lambda v: f"margin {v:.1f} %"))
        elif key == "share_of_wallet":
            col = col.where(np.isnan(sow), pd.Series(sow).map(lambda v: f"share of wallet {v:.0f} %"))
        out[:, j] = col.to_numpy(dtype=object)
    return out


def _phrases_fr(clients: pd.DataFrame, matrix: np.ndarray, keys: list[str], cat: Catalogue) -> np.ndarray:
    """:func:`_phrases` in French: the catalogue's French words, numbers the French way."""
    num = numbers("fr")
    out = np.full(matrix.shape, "", dtype=object)
    margin = _num(clients, "margin_pct")
    billing = _num(clients, "billing")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        margin = np.where(np.isnan(margin), np.where(billing > 0, 100 * _num(clients, "profit") / billing, np.nan),
                          margin)
    sow = _num(clients, "share_of_wallet_pct")

    def level_word(key, level):
        return _lower_first(cat.level_label(key, level, "fr"))

    for j, key in enumerate(keys):
        crit = cat.criteria[key]
        label = _lower_first(cat.label(key, "fr"))
        if crit.kind == "numeric":
            s = matrix[:, j]
            if crit.spec.get("source", key) == "billing_growth":
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    g = 100 * (billing / _num(clients, "billing_previous") - 1)
                col = pd.Series(g).map(
                    lambda v: "" if np.isnan(v) else f"facturation {num(float(v), 0, sign=True)} % sur l'année précédente")
            else:
                size = pd.Series(np.select([s < 1 / 3, s > 2 / 3], ["petite", "grande"], "moyenne"))
                col = size.map(lambda v, label=label: _PHRASE_FR.format(label=label, level=v)).where(~np.isnan(s), "")
            out[:, j] = col.to_numpy(dtype=object)
            continue
        if key not in clients.columns:
            continue
        if crit.kind == "multi":
            tokens = _tokens(clients[key], cat, key)
            words = {lv: level_word(key, lv) for lv in crit.level_keys}
            col = tokens.map(lambda t, words=words, order=crit.level_keys, label=label: "" if t is None or not t else
                             _PHRASE_FR.format(label=label, level=" et ".join(words[lv] for lv in order if lv in t)))
            out[:, j] = col.to_numpy(dtype=object)
            continue
        levels = _canonical(clients[key], cat, key)
        template = _PHRASES_FR.get(key, _PHRASE_FR)
        words = {lv: template.format(label=label, level=level_word(key, lv)) for lv in crit.level_keys}
        col = levels.map(words).fillna("").astype(object)
        if key == "profitability":
            col = col.where(np.isnan(margin), pd.Series(margin).map(lambda v: f"marge {num(float(v), 1)} %"))
        elif key == "share_of_wallet":
            col = col.where(np.isnan(sow), pd.Series(sow).map(lambda v, label=label: f"{label} {num(float(v))} %"))
        out[:, j] = col.to_numpy(dtype=object)
    return out


def _drivers(matrix, phrases, weights, axis_mask, high, n_top) -> pd.Series:
    """The ``n_top`` criteria of an axis that most push a score up (``high``) or down."""
    n = len(matrix)
    if n_top == 0 or not axis_mask.any():
        return pd.Series([""] * n, dtype="string")
    s = np.where(axis_mask, matrix, np.nan)
    with np.errstate(invalid="ignore"):
        pull = np.where(high[:, None], np.where(s > 0.5, weights * s, -np.inf),
                        np.where(s < 0.5, weights * (1 - s), -np.inf))
    pull = np.where(np.isnan(pull) | (phrases == ""), -np.inf, pull)
    order = np.argsort(-pull, axis=1, kind="stable")[:, :n_top]
    chosen = np.take_along_axis(phrases, order, axis=1)
    valid = np.isfinite(np.take_along_axis(pull, order, axis=1))
    return _join([np.where(valid[:, i], chosen[:, i], "") for i in range(order.shape[1])], ", ")


def _verdict(score, threshold, drivers, high_word, low_word, what, lang: str = "en", unknown=None) -> pd.Series:
    words = np.where(score >= threshold, high_word, low_word)
    numbers = pd.Series(score).round(0).map(lambda v: "" if np.isnan(v) else f"{v:.0f}/100")
    if lang == "fr":  # the noun first: "score de valeur faible (20/100 : ...)"
        detail = numbers.where(drivers.eq(""), numbers + " : " + drivers)
        text = f"{what} " + pd.Series(words, dtype="string") + " (" + detail.astype("string") + ")"
        return text.where(~np.isnan(score), unknown)
    detail = numbers.where(drivers.eq(""), numbers + ": " + drivers)
    text = pd.Series(words, dtype="string") + f" {what} (" + detail.astype("string") + ")"
    return text.where(~np.isnan(score), unknown or f"{what} unknown")


def decide_actions(
    clients: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    profit: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
    settings: Mapping | None = None,
    weights: Mapping[str, float] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Develop, maintain, fix or end: every client's action with its reasons and levers.

    Parameters
    ----------
    clients : DataFrame
        The loaded register (``client_id``, the criteria, ``billing``, ``profit``, ...;
        an optional yes/no ``reference`` column marks reference clients).
    scores : DataFrame
        :func:`~portfolio_analysis.steps.scoring.score_clients`'s result (``value_score``,
        ``relationship_score``, ``coverage``, ``insufficient_data``).
    profit : DataFrame, optional
        :func:`~portfolio_analysis.steps.concentration.client_profit`'s result; computed when omitted.
    catalogue : Catalogue, optional
    settings : mapping, optional
        Overrides of the rules (see :func:`action_settings`).
    weights : mapping, optional
        The weights the scores were computed with: they rank the criteria named in the reasons.
    lang : {"en", "fr"}
        The language of ``quadrant_label``, ``reasons``, ``levers``, ``lever_details``,
        ``strategic_reasons`` and ``missing_criteria`` (French lists are separated by
        `` ; ``); the other columns are the same in both.

    Returns
    -------
    DataFrame, register order
        ``client_id``, ``name``, ``action``, ``quadrant``, ``quadrant_label``,
        ``default_action`` (the quadrant's), ``reasons``, ``levers`` (labels, ``; ``),
        ``lever_details`` (each lever with why), ``strategic_keep`` (an ``end`` turned
        into ``fix`` for strategic reasons), ``strategic_reasons`` (the strategic
        conditions the client meets, whatever its action), ``insufficient_data``,
        ``missing_criteria``, one boolean column per guard (``<name>_guard``: it changed
        the action) and per lever (``lever_<key>``), ``value_score``,
        ``relationship_score``, ``billing``, ``profit``, ``profit_is_estimated``.
        ``attrs``: ``value_threshold``, ``relationship_threshold``, ``split``, ``quadrants``.
    """
    lang = check_lang(lang)
    words = _WORDS[lang]
    cat = load_catalogue() if catalogue is None else catalogue
    cfg = action_settings(cat, settings)
    comp = _compile(cfg)
    clients = clients.reset_index(drop=True)
    ids = clients["client_id"].astype("str")
    sc = _aligned_scores(scores, ids)
    if profit is None:
        profit = client_profit(clients, catalogue=cat)
    facts = _facts(clients, profit, cat)
    ev = _Evaluator(facts, cfg, cat)
    flags = _flags(ev, cfg)
    value = pd.to_numeric(sc["value_score"], errors="coerce").to_numpy(dtype="float64")
    rel = pd.to_numeric(sc["relationship_score"], errors="coerce").to_numpy(dtype="float64")
    insufficient = (sc["insufficient_data"].fillna(False).to_numpy(dtype=bool)
                    if "insufficient_data" in sc.columns else np.zeros(len(sc), dtype=bool))
    tv, tr = _thresholds(value, rel, cfg)
    d = _decide(value, rel, insufficient, (tv, tr), flags, comp)
    n = len(clients)

    keys, matrix = _score_matrix(clients, cat)
    w = criterion_weights(catalogue=cat, weights=weights).reindex(keys).to_numpy()
    phrases = _phrases(clients, matrix, keys, cat, lang)
    axis = np.array([cat.criteria[k].axis for k in keys])
    top = cfg["reason_criteria"]
    value_words = _verdict(value, tv, _drivers(matrix, phrases, w, axis == "value", value >= tv, top),
                           words["high"], words["low"], words["value"], lang, words["value_unknown"])
    rel_words = _verdict(rel, tr, _drivers(matrix, phrases, w, axis == "relationship", rel >= tr, top),
                         words["strong"], words["weak"], words["relationship"], lang, words["relationship_unknown"])

    parts = [value_words, rel_words]
    for g, applied, waived in zip(cfg["guards"], d["applied"], d["waived"]):
        reason = _text(g, "reason", lang, g["name"].replace("_", " "))
        parts.append(_render(reason, facts, applied, lang))
        parts.append(_render(reason + words["waived"], facts, waived & ~applied, lang))
    labels = [_text(item, "label", lang, "") for item in cfg["strategic_keep"].get("reasons") or []]
    hits = [ev(item["when"]) for item in cfg["strategic_keep"].get("reasons") or []]
    strategic_reasons = _join([np.where(h, lab, "") for lab, h in zip(labels, hits)], ", ") if hits else \
        pd.Series([""] * n, dtype="string")
    waived_any = np.logical_or.reduce(d["waived"]) if d["waived"] else np.zeros(n, dtype=bool)
    parts.append(pd.Series(np.where(d["strategic_keep"], words["kept"], ""),
                           dtype="string") + strategic_reasons.where(d["strategic_keep"], ""))
    parts.append(pd.Series(np.where(waived_any & ~d["strategic_keep"], words["strategic"], ""), dtype="string")
                 + strategic_reasons.where(waived_any & ~d["strategic_keep"], ""))

    order = np.argsort(-w, kind="stable")
    names = np.array([cat.label(k).lower() if lang == "en" else _lower_first(cat.label(k, "fr")) for k in keys],
                     dtype=object)
    missing = np.isnan(matrix)
    missing_text = _join([np.where(missing[:, j], names[j], "") for j in order], ", ")
    coverage = pd.to_numeric(sc["coverage"], errors="coerce") if "coverage" in sc.columns else pd.Series(np.nan, index=sc.index)
    cov_text = coverage.map(lambda v: "" if np.isnan(v) else words["known"].format(f"{100 * v:.0f}"))
    data_text = (words["not_enough"] + cov_text.astype("string") + words["collect"] + missing_text)
    data_text = data_text.where(missing_text.ne(""), words["not_enough"] + cov_text.astype("string"))
    never = pd.Series(np.where(d["insufficient_guard"], words["never"], ""), dtype="string")
    parts.append((data_text + never).where(insufficient, ""))
    reasons = _join(parts, words["sep"])

    lever_cols, lever_labels, lever_details = {}, [], []
    for key, lv in cfg["levers"].items():
        hit = ev(lv["when"])
        lever_cols[f"lever_{key}"] = hit
        label = _text(lv, "label", lang, key.replace("_", " "))
        because = _text(lv, "because", lang, "") if lv.get("because") else None
        lever_labels.append(np.where(hit, label, ""))
        lever_details.append(np.where(hit, f"{label} ({because})" if because else label, ""))

    actions = np.array(ACTIONS, dtype=object)
    qkeys = np.array(comp.quadrant_keys, dtype=object)[d["quadrant"]]
    qlabels = np.array([_text(cfg["quadrants"][k], "label", lang, k) for k in comp.quadrant_keys],
                       dtype=object)[d["quadrant"]]
    out = pd.DataFrame({
        "client_id": clients["client_id"].to_numpy(),
        "name": clients["name"].to_numpy() if "name" in clients.columns else pd.array([pd.NA] * n, dtype="str"),
        "action": pd.array(actions[d["action"]], dtype="str"),
        "quadrant": pd.array(np.where(d["placed"], qkeys, None), dtype="str"),
        "quadrant_label": pd.array(np.where(d["placed"], qlabels, words["unplaced"]), dtype="str"),
        "default_action": pd.array(actions[d["default"]], dtype="str"),
        "reasons": reasons.to_numpy(),
        "levers": _join(lever_labels, words["sep"]).to_numpy() if lever_labels else "",
        "lever_details": _join(lever_details, words["sep"]).to_numpy() if lever_details else "",
        "strategic_keep": d["strategic_keep"],
        "strategic_reasons": strategic_reasons.to_numpy(),
        "insufficient_data": insufficient,
        "missing_criteria": missing_text.to_numpy(),
    })
    for col in ("reasons", "levers", "lever_details", "strategic_reasons", "missing_criteria"):
        out[col] = out[col].astype("str")
    for g, applied in zip(cfg["guards"], d["applied"]):
        out[f"{g['name']}_guard"] = applied
    for col, hit in lever_cols.items():
        out[col] = hit
    out["value_score"] = value
    out["relationship_score"] = rel
    out["billing"] = _num(clients, "billing")
    out["profit"] = facts["profit"].to_numpy()
    out["profit_is_estimated"] = facts["profit_is_estimated"].to_numpy(dtype=bool)
    out.attrs.update(value_threshold=float(tv), relationship_threshold=float(tr), split=cfg["split"],
                     quadrants={k: dict(q) for k, q in cfg["quadrants"].items()})
    return out


def _action_codes(clients, profit, cat, cfg, comp, thresholds, weights, min_coverage) -> np.ndarray:
    """The action code of every client, re-scored from ``clients`` (no texts)."""
    sc = score_clients(clients, catalogue=cat, weights=weights, min_coverage=min_coverage)
    flags = _flags(_Evaluator(_facts(clients, profit, cat), cfg, cat), cfg)
    d = _decide(sc["value_score"].to_numpy(dtype="float64"), sc["relationship_score"].to_numpy(dtype="float64"),
                sc["insufficient_data"].to_numpy(dtype=bool), thresholds, flags, comp)
    return d["action"]


def what_would_change(
    clients: pd.DataFrame,
    scores: pd.DataFrame,
    actions: pd.DataFrame,
    *,
    profit: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
    settings: Mapping | None = None,
    weights: Mapping[str, float] | None = None,
    min_coverage: float | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Per client, the smallest change of one criterion that would change its action.

    Every ordinal criterion of the catalogue is moved, for the whole portfolio at
    once, to each of its levels; the portfolio is re-scored and re-decided with the
    splits of ``scores`` kept (a median split is not moved by the what-if). For each
    client the candidates are the levels that change its action; the nearest one
    (fewest steps from its level) wins; ties go to the criterion with the larger
    weight, then to the catalogue's order, then to a step up. A level where real
    figures exist (``margin_pct`` / ``profit`` for profitability,
    ``share_of_wallet_pct`` for the share of wallet) stands in for them: the what-if
    drops the figures and the profit becomes the level's estimate
    (``settings.concentration.margin_by_level``). A criterion the client has no level
    for is not moved.

    Parameters
    ----------
    clients, scores, profit, catalogue, settings, weights
        As given to :func:`decide_actions` (and ``weights`` / ``min_coverage`` to
        :func:`~portfolio_analysis.steps.scoring.score_clients`).
    actions : DataFrame
        :func:`decide_actions`'s result for the same inputs.
    lang : {"en", "fr"}
        The language of ``change`` (``"rentabilité faible → modérée ferait passer à
        « maintenir »"``); the codes of the other columns are the same in both.

    Returns
    -------
    DataFrame, register order
        ``client_id``, ``action``, ``change`` (in words, e.g. ``"profitability low →
        moderate would make it maintain"``, or ``"no single change flips it"``),
        ``criterion``, ``from_level``, ``to_level``, ``new_action``, ``steps``,
        ``n_alternatives`` (other changes of as few steps that also flip it).

    Raises
    ------
    ValueError
        When ``actions`` does not match a re-decision of the same inputs (other
        weights or settings were used).
    """
    lang = check_lang(lang)
    cat = load_catalogue() if catalogue is None else catalogue
    cfg = action_settings(cat, settings)
    comp = _compile(cfg)
    clients = clients.reset_index(drop=True)
    ids = clients["client_id"].astype("str")
    sc = _aligned_scores(scores, ids)
    thresholds = _thresholds(sc["value_score"].to_numpy(dtype="float64"),
                             sc["relationship_score"].to_numpy(dtype="float64"), cfg)
    if profit is None:
        profit = client_profit(clients, catalogue=cat)
    keyed = actions.assign(client_id=actions["client_id"].astype("str")).set_index("client_id")
    given = keyed.loc[ids.to_numpy(), "action"].map(_ACTION_CODE).to_numpy(dtype="int64")
    base = _action_codes(clients, profit, cat, cfg, comp, thresholds, weights, min_coverage)
    if not np.array_equal(base, given):
        raise ValueError("what_would_change: `actions` differ from a re-decision of these clients; pass the "
                         "same weights, settings and profit as to decide_actions")

    w = criterion_weights(catalogue=cat, weights=weights)
    ordinal = [k for k, c in cat.criteria.items() if c.kind == "ordinal" and c.levels and k in clients.columns]
    # ties: the larger weight first, then the catalogue's order (descriptive criteria weigh 0)
    position = {k: i for i, k in enumerate(sorted(ordinal, key=lambda k: (-float(w.get(k, 0.0)), ordinal.index(k))))}
    cand_steps, cand_rank, cand_new, cand_info = [], [], [], []
    for key in ordinal:
        levels = cat.criteria[key].level_keys
        current = _canonical(clients[key], cat, key)
        cur = current.map({lv: i for i, lv in enumerate(levels)}).astype("float64").to_numpy()
        for li, level in enumerate(levels):
            moved = clients.copy()
            moved[key] = level
            moved_profit = profit
            for column in _REAL_FIGURES.get(key, ()):
                if column in moved.columns:
                    moved[column] = np.nan
            if key == "profitability":
                moved_profit = client_profit(moved, catalogue=cat)
            new = _action_codes(moved, moved_profit, cat, cfg, comp, thresholds, weights, min_coverage)
            steps = np.abs(li - cur)
            flips = (new != base) & ~np.isnan(cur) & (steps > 0)
            cand_steps.append(np.where(flips, steps, np.inf))
            cand_rank.append(2 * position[key] + np.where(li > cur, 0, 1))  # a step up before a step down
            cand_new.append(new)
            cand_info.append((key, level))

    n = len(clients)
    out = pd.DataFrame({"client_id": clients["client_id"].to_numpy(),
                        "action": pd.array(np.array(ACTIONS, dtype=object)[base], dtype="str")})
    if not cand_info:
        out["change"] = pd.array([_WORDS[lang]["no_change"]] * n, dtype="str")
        for col in ("criterion", "from_level", "to_level", "new_action"):
            out[col] = pd.array([pd.NA] * n, dtype="str")
        out["steps"] = pd.array([pd.NA] * n, dtype="Int64")
        out["n_alternatives"] = 0
        return out
    steps = np.column_stack(cand_steps)
    rank = np.column_stack(cand_rank)
    best_steps = steps.min(axis=1)
    found = np.isfinite(best_steps)
    at_best = steps == best_steps[:, None]
    choice = np.argmin(np.where(at_best, rank, np.inf), axis=1)
    rows = np.arange(n)
    crit = np.array([k for k, _ in cand_info], dtype=object)[choice]
    to = np.array([lv for _, lv in cand_info], dtype=object)[choice]
    new = np.column_stack(cand_new)[rows, choice]
    current = np.empty(n, dtype=object)
    for key in set(crit[found]):
        mask = crit == key
        current[mask] = _canonical(clients.loc[mask, key], cat, key).to_numpy(dtype=object)

    def words(key, level):
        return cat.level_label(key, level).lower()

    def sentence(k, a, b, c):
        if lang == "en":
            return f"{cat.label(k).lower()} {words(k, a)} → {words(k, b)} would make it {ACTIONS[c]}"
        level = _lower_first
        return (f"{level(cat.label(k, 'fr'))} {level(cat.level_label(k, a, 'fr'))} → "
                f"{level(cat.level_label(k, b, 'fr'))} ferait passer à « {action_name(ACTIONS[c], 'fr')} »")

    text = np.array([sentence(k, a, b, c) if ok else _WORDS[lang]["no_change"]
                     for k, a, b, c, ok in zip(crit, current, to, new, found)], dtype=object)
    out["change"] = pd.array(text, dtype="str")
    out["criterion"] = pd.array(np.where(found, crit, None), dtype="str")
    out["from_level"] = pd.array(np.where(found, current, None), dtype="str")
    out["to_level"] = pd.array(np.where(found, to, None), dtype="str")
    out["new_action"] = pd.array(np.where(found, np.array(ACTIONS, dtype=object)[new], None), dtype="str")
    out["steps"] = pd.array(np.where(found, best_steps, np.nan)).astype("Int64")
    out["n_alternatives"] = np.where(found, at_best.sum(axis=1) - 1, 0)
    return out


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
    cfg = action_settings(cat, settings)
    comp = _compile(cfg)
    clients = clients.reset_index(drop=True)
    if profit is None:
        profit = client_profit(clients, catalogue=cat)
    if min_coverage is None:
        min_coverage = scoring_settings(cat)["min_coverage"]
    keys, matrix = _score_matrix(clients, cat)
    unknown = [c for c in draws.columns if c not in keys]
    if unknown:
        raise ValueError(f"action_stability: {unknown} in weight_draws are not scored criteria ({keys})")
    base_w = criterion_weights(catalogue=cat, weights=weights).reindex(keys).to_numpy()
    share = base_w / base_w.sum()
    W = np.tile(share, (len(draws), 1))
    cols = [keys.index(c) for c in draws.columns]
    W[:, cols] = draws.to_numpy(dtype="float64")
    W = np.vstack([share, W])  # row 0: the chosen weights

    known = ~np.isnan(matrix)
    filled = np.where(known, matrix, 0.0)
    known = known.astype("float64")
    axis = np.array([cat.criteria[k].axis for k in keys])
    scores = {}
    for name in SCORED_AXES:
        Wa = np.where(axis == name, W, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            num, den = filled @ Wa.T, known @ Wa.T
            scores[name] = np.where(den > 0, 100.0 * num / den, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = (known @ W.T) / W.sum(axis=1)
    insufficient = coverage < min_coverage
    value, rel = scores["value"], scores["relationship"]
    flags = _flags(_Evaluator(_facts(clients, profit, cat), cfg, cat), cfg)
    d = _decide(value, rel, insufficient, _thresholds(value, rel, cfg), flags, comp)
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


# -- the plan --------------------------------------------------------------------------
def relationship_plan(
    actions: pd.DataFrame,
    clients: pd.DataFrame,
    *,
    profit: pd.DataFrame,
    lifetime_values: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
    settings: Mapping | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """The relationship plan: one row per client, by priority.

    **Value at stake**: the client's annual profit (billing × margin, real or estimated,
    from ``profit``), or its lifetime value when ``lifetime_values`` is given
    (:func:`~portfolio_analysis.steps.retention.client_lifetime_values`). For ``develop``,
    ``maintain`` and ``fix`` it is what the relationship brings and what losing it would
    cost. For ``end`` it is the **loss avoided** by ending it, ``−profit``: positive for
    a loss-maker, negative when ending gives up a profit.

    **Priority** (1 = first): actions in ``settings.actions.priority_order`` (fix,
    develop, end, maintain: what needs work first, business as usual last), then by
    absolute value at stake, largest first (unknown last), then by client id.

    Parameters
    ----------
    actions : DataFrame
        :func:`decide_actions`'s result.
    clients : DataFrame
        The register (``owner`` is our side's account owner).
    profit : DataFrame
        :func:`~portfolio_analysis.steps.concentration.client_profit`'s result.
    lifetime_values : DataFrame, optional
        ``client_id`` and ``lifetime_value``.
    segments : DataFrame, optional
        ``client_id`` and ``segment_name`` (or ``segment``).
    catalogue, settings
        Where ``priority_order`` is read.
    lang : {"en", "fr"}
        The language of ``value_basis`` (the texts copied from ``actions`` are in the
        language they were decided in: pass the same ``lang`` to :func:`decide_actions`).

    Returns
    -------
    DataFrame sorted by priority
        ``priority``, ``client_id``, ``name``, ``action``, ``quadrant_label``, ``reasons``,
        ``levers``, ``owner``, ``segment``, ``value_at_stake``, ``value_basis``,
        ``profit_is_estimated``, ``strategic_keep``, ``insufficient_data``.
    """
    words = _WORDS[check_lang(lang)]
    cfg = action_settings(catalogue, settings)
    ids = actions["client_id"].astype("str").reset_index(drop=True)
    a = actions.reset_index(drop=True)
    if lifetime_values is not None:
        stake = pd.to_numeric(_by_id(lifetime_values, ids, "lifetime_value"), errors="coerce")
        basis = words["lifetime_value"]
    else:
        stake = pd.to_numeric(_by_id(profit, ids, "profit"), errors="coerce")
        basis = words["annual_profit"]
    estimated = _by_id(profit, ids, "profit_is_estimated", False).fillna(False).astype(bool)
    is_end = a["action"].eq("end").fillna(False).to_numpy(dtype=bool)
    stake = stake.astype("float64").where(~is_end, -stake.astype("float64"))
    reg = clients.assign(client_id=clients["client_id"].astype("str"))
    owner = _by_id(reg, ids, "owner", pd.NA) if "owner" in reg.columns else pd.Series(pd.NA, index=ids.index)
    if segments is not None:
        col = "segment_name" if "segment_name" in segments.columns else "segment"
        segment = _by_id(segments, ids, col, pd.NA)
    else:
        segment = pd.Series(pd.NA, index=ids.index)
    out = pd.DataFrame({
        "client_id": a["client_id"].to_numpy(),
        "name": a["name"].to_numpy() if "name" in a.columns else pd.NA,
        "action": a["action"].astype("str").to_numpy(),
        "quadrant_label": a["quadrant_label"].to_numpy() if "quadrant_label" in a.columns else pd.NA,
        "reasons": a["reasons"].to_numpy() if "reasons" in a.columns else pd.NA,
        "levers": a["levers"].to_numpy() if "levers" in a.columns else pd.NA,
        "owner": pd.array(owner.astype("str").to_numpy(), dtype="str"),
        "segment": pd.array(segment.astype("str").to_numpy(), dtype="str"),
        "value_at_stake": stake.to_numpy(),
        "value_basis": basis,
        "profit_is_estimated": estimated.to_numpy(dtype=bool),
        "strategic_keep": a["strategic_keep"].to_numpy(dtype=bool) if "strategic_keep" in a.columns else False,
        "insufficient_data": (a["insufficient_data"].to_numpy(dtype=bool)
                              if "insufficient_data" in a.columns else False),
    })
    group = out["action"].map({act: i for i, act in enumerate(cfg["priority_order"])}).fillna(len(ACTIONS))
    size = out["value_at_stake"].abs()
    key = pd.DataFrame({"g": group, "unknown": size.isna(), "size": -size.fillna(0), "id": ids})
    order = key.sort_values(["g", "unknown", "size", "id"], kind="stable").index
    out = out.loc[order].reset_index(drop=True)
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    return out


# -- plots -----------------------------------------------------------------------------
def _ax(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _bubbles(values: pd.Series | None, n: int, max_size: float) -> np.ndarray:
    if values is None:
        return np.full(n, 30.0)
    v = pd.to_numeric(values, errors="coerce").clip(lower=0).fillna(0).to_numpy(dtype="float64")
    top = v.max() if len(v) else 0
    return np.where(top > 0, 8 + max_size * np.sqrt(v / top if top > 0 else v), 30.0)


def plot_portfolio_matrix(
    data: pd.DataFrame,
    *,
    ax=None,
    size: str | None = "billing",
    hue: str = "action",
    value_threshold: float | None = None,
    relationship_threshold: float | None = None,
    max_size: float = 600.0,
):
    """The portfolio matrix: relationship score (x) against value score (y).

    Parameters
    ----------
    data : DataFrame
        :func:`decide_actions`'s result (or :func:`portfolio_matrix`'s with ``hue``
        ``"default_action"``): ``value_score``, ``relationship_score``, ``hue`` and
        ``size`` columns; the split lines and quadrant labels are read from its ``attrs``.
    ax : matplotlib Axes, optional
    size : str or None
        Column setting the bubble area (billing); None for equal points.
    hue : str
        Column of actions colouring the points.
    value_threshold, relationship_threshold : float, optional
        The split lines; default: ``data.attrs``, else 50.
    max_size : float
        Area of the largest bubble, in points².

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax, (7.5, 6))
    tv = value_threshold if value_threshold is not None else data.attrs.get("value_threshold", 50.0)
    tr = relationship_threshold if relationship_threshold is not None else data.attrs.get(
        "relationship_threshold", 50.0)
    sizes = _bubbles(data[size] if size and size in data.columns else None, len(data), max_size)
    for act in ACTIONS:
        mask = (data[hue] == act).fillna(False).to_numpy(dtype=bool) if hue in data.columns else None
        if mask is None or not mask.any():
            continue
        ax.scatter(data.loc[mask, "relationship_score"], data.loc[mask, "value_score"], s=sizes[mask],
                   color=_COLOURS[act], alpha=0.6, edgecolors="white", linewidths=0.5,
                   label=f"{act} ({int(mask.sum())})")
    ax.axvline(tr, color="0.4", linestyle="--", linewidth=1)
    ax.axhline(tv, color="0.4", linestyle="--", linewidth=1)
    quadrants = data.attrs.get("quadrants") or ACTION_DEFAULTS["quadrants"]
    corners = {("high", "strong"): (98, 98, "right", "top"), ("high", "weak"): (2, 98, "left", "top"),
               ("low", "strong"): (98, 2, "right", "bottom"), ("low", "weak"): (2, 2, "left", "bottom")}
    for q in quadrants.values():
        x, y, ha, va = corners[(q["value"], q["relationship"])]
        ax.text(x, y, f"{q['label']}\n→ {q['action']}", ha=ha, va=va, fontsize=9, color="0.25",
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "0.8", "alpha": 0.8})
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("relationship score")
    ax.set_ylabel("value score")
    title = "Portfolio matrix"
    if size and size in data.columns:
        title += f" (bubble area: {size})"
    ax.set_title(title, loc="left")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, markerscale=0.5)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_price_cost_matrix(
    data: pd.DataFrame | None,
    *,
    ax=None,
    sizes: pd.Series | None = None,
    max_size: float = 400.0,
):
    """Shapiro et al.'s matrix: cost to serve (x) against net price (y), split at the medians.

    Parameters
    ----------
    data : DataFrame or None
        :func:`price_cost_matrix`'s result; None or empty draws a note instead.
    ax : matplotlib Axes, optional
    sizes : Series, optional
        Bubble area per row of ``data`` (e.g. billing); equal points otherwise.
    max_size : float

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax, (7, 5.5))
    if data is None or data.empty:
        ax.text(0.5, 0.5, "no net price and cost-to-serve figures", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    s = _bubbles(sizes, len(data), max_size) if sizes is not None else np.full(len(data), 30.0)
    colours = {"carriage trade": "#6A1B9A", "passive": "#2E7D32", "aggressive": "#C62828",
               "bargain basement": "#546E7A"}
    for name, colour in colours.items():
        mask = (data["quadrant"] == name).fillna(False).to_numpy(dtype=bool)
        if mask.any():
            ax.scatter(data.loc[mask, "cost_to_serve"], data.loc[mask, "net_price"], s=s[mask], color=colour,
                       alpha=0.6, edgecolors="white", linewidths=0.5, label=f"{name} ({int(mask.sum())})")
    ax.axvline(data.attrs.get("cost_split", data["cost_to_serve"].median()), color="0.4", linestyle="--", lw=1)
    ax.axhline(data.attrs.get("price_split", data["net_price"].median()), color="0.4", linestyle="--", lw=1)
    spots = {"carriage trade": (0.98, 0.98, "right", "top"), "passive": (0.02, 0.98, "left", "top"),
             "aggressive": (0.98, 0.02, "right", "bottom"), "bargain basement": (0.02, 0.02, "left", "bottom")}
    for name, (x, y, ha, va) in spots.items():
        ax.text(x, y, name, transform=ax.transAxes, ha=ha, va=va, fontsize=9, color="0.3")
    ax.set_xlabel(data.attrs.get("cost_label", "cost to serve"))
    ax.set_ylabel("net price")
    ax.set_title("Net price × cost to serve (Shapiro et al. 1987)", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, markerscale=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
