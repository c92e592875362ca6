"""The words of a decision: reasons, levers, and what would change the action.

Reasons name the criteria that most push each score up or down (``reason_criteria``
per score), the guards and strategic reasons that applied, and what data is missing;
in English or in French (the catalogue's French words, numbers the French way).
:func:`what_would_change` finds, per client, the nearest level of one criterion that
flips its action.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.i18n import (
    LEVER_NAMES_FR,
    QUADRANT_NAMES_FR,
    STRATEGIC_REASONS_FR,
    action_name,
    check_lang,
    numbers,
)
from portfolio_analysis.steps.actions._decision import (
    _ACTION_CODE,
    _action_codes,
    _aligned_scores,
    _compile,
    _num,
    _thresholds,
)
from portfolio_analysis.steps.actions.rules import _canonical, _tokens, action_settings
from portfolio_analysis.steps.concentration import client_profit
from portfolio_analysis.steps.scoring import criterion_weights

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

# the texts of the settings that have a French twin (`label` -> `label_fr`, ...)
_FR_KEYS = {"label": "label_fr", "because": "because_fr", "reason": "reason_fr"}


@functools.lru_cache(maxsize=1)
def _default_french() -> dict[str, str]:
    """English text -> French text of the shipped settings (and of i18n's names)."""
    actions = load_catalogue().settings["actions"]
    out = {**LEVER_NAMES_FR, **STRATEGIC_REASONS_FR, **QUADRANT_NAMES_FR}
    entries = [*actions["quadrants"].values(), *actions["guards"],
               *actions["strategic_keep"]["reasons"], *actions["levers"].values()]
    for entry in entries:
        for en, fr in _FR_KEYS.items():
            if entry.get(en) and entry.get(fr):
                out[entry[en]] = entry[fr]
    return out


def _text(entry: Mapping, key: str, lang: str, default: str) -> str:
    """``entry[key]`` in ``lang``: its ``<key>_fr``, else the French of the default with that text."""
    english = str(entry.get(key) or default)
    if lang == "en":
        return english
    return str(entry.get(_FR_KEYS[key]) or _default_french().get(english) or english)


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

