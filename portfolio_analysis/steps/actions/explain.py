"""The words of a decision: reasons, levers, and what would change the action.

Reasons name the criteria that most push each score up or down (``reason_criteria``
per score), the guards and strategic reasons that applied, and what data is missing;
each phrase is built once, in the language asked for: its words from the message
catalogue, the configuration's texts through :meth:`Language.text`, numbers by Babel.
:func:`what_would_change` finds, per client, the nearest level of one criterion that
flips its action.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.i18n import action_name
from portfolio_analysis.i18n.language import N_, Language, check_lang, language, lower_first
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

# How a criterion reads in a reason: {level} is the catalogue's label of the client's level
# (lower case first), {levels} a list of them, {size} small / mid-size / large for a number.
_PHRASES = {
    "relationship_type": N_("{level} relationship"),
    "share_of_wallet": N_("{level} share of wallet"),
    "profitability": N_("{level} profitability"),
    "upsell_potential": N_("upsell potential {level}"),
    "ease_of_collaboration": N_("{level} collaboration"),
    "business_outlook": N_("{level} outlook"),
    "rnd_collaboration": N_("R&D collaboration {level}"),
    "learning_opportunities": N_("{level} learning opportunities"),
    "decision_criteria": N_("buys on {level}"),
    "billing_size": N_("{size} billing"),
}
_PHRASE = N_("{criterion} {level}")  # any other criterion: its label, its level
_SIZE_PHRASE = N_("{size} {criterion}")  # any other numeric criterion, by the portfolio's terciles
_SIZES = (N_("small"), N_("mid-size"), N_("large"))
# real figures that stand for a level
_GROWTH = N_("billing {growth} % on the previous year")
_MARGIN = N_("margin {margin} %")
_SHARE_OF_WALLET = N_("share of wallet {share} %")
# real figures that replace a criterion's level in the scoring (as in scoring._OVERRIDES)
_REAL_FIGURES = {"profitability": ("margin_pct", "profit"), "share_of_wallet": ("share_of_wallet_pct",)}

# the verdict on each score: (axis, high) -> its words; {detail} is the score and what drives it
_VERDICTS = {
    ("value", True): N_("high value score ({detail})"),
    ("value", False): N_("low value score ({detail})"),
    ("relationship", True): N_("strong relationship ({detail})"),
    ("relationship", False): N_("weak relationship ({detail})"),
}
_UNKNOWN = {"value": N_("value score unknown"), "relationship": N_("relationship unknown")}
_DETAIL = N_("{score}/100: {drivers}")
# the other parts of the reasons
SEPARATOR = N_("; ")  # between the parts of the reasons, and between levers
_WAIVED = N_("{reason} (waived: strategic client)")
_KEPT = N_("kept for strategic reasons rather than ended: {reasons}")
_STRATEGIC = N_("strategic client: {reasons}")
_NOT_ENOUGH = {  # (coverage known, criteria to collect) -> the words
    (False, False): N_("not enough data to judge"),
    (True, False): N_("not enough data to judge ({known} % of the criteria weight known)"),
    (False, True): N_("not enough data to judge: collect {missing}"),
    (True, True): N_("not enough data to judge ({known} % of the criteria weight known): collect {missing}"),
}
_NEVER_ENDED = N_("{reasons}, never ended on missing data")
UNPLACED = N_("not placed (a score is missing)")
# what would change the action
_CHANGE = N_("{criterion} {from_level} → {to_level} would make it {action}")
_NO_CHANGE = N_("no single change flips it")
# the plan's value at stake
VALUE_BASES = {"profit": N_("annual profit"), "lifetime_value": N_("lifetime value")}


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


def _fill(template: str, texts: pd.Series, mask: np.ndarray, **fields) -> pd.Series:
    """``template`` with ``texts`` as its ``{reason}``/``{reasons}`` where ``mask`` holds, else ""."""
    out = pd.Series("", index=range(len(mask)), dtype="string")
    if mask.any():
        key = "reason" if "{reason}" in template else "reasons"
        out[mask] = [template.format(**{key: t}, **fields) for t in texts[mask]]
    return out


def _words_alone(template: str) -> str:
    """``template``'s words with each field written ``?`` (a value it names is missing)."""
    return "".join(literal + ("?" if field is not None else "")
                   for literal, field, _, _ in string.Formatter().parse(template))


def _render(template: str, facts: pd.DataFrame, mask: np.ndarray, lang: Language) -> pd.Series:
    """``template`` filled with each client's facts (numbers the way of ``lang``) where ``mask`` holds, else ""."""
    out = pd.Series("", index=range(len(facts)), dtype="string")
    if not mask.any():
        return out
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    rows = facts.loc[mask, [f for f in fields if f in facts.columns]]
    texts = []
    for record in rows.to_dict("records"):  # only the clients a rule hit
        try:
            texts.append(lang.format(template, **record))
        except (KeyError, ValueError, TypeError, IndexError):  # a missing or non-numeric value: the words alone
            texts.append(_words_alone(template))
    out[mask] = texts
    return out


def _phrases(clients: pd.DataFrame, matrix: np.ndarray, keys: list[str], cat: Catalogue,
             lang: Language) -> np.ndarray:
    """(n, criteria) array of how each criterion of each client reads in a reason, in ``lang``."""
    _ = lang.gettext
    out = np.full(matrix.shape, "", dtype=object)
    margin = _num(clients, "margin_pct")
    billing = _num(clients, "billing")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        margin = np.where(np.isnan(margin), np.where(billing > 0, 100 * _num(clients, "profit") / billing, np.nan),
                          margin)
    sow = _num(clients, "share_of_wallet_pct")
    for j, key in enumerate(keys):
        crit = cat.criteria[key]
        criterion = lower_first(cat.label(key, lang.lang))
        if crit.kind == "numeric":
            s = matrix[:, j]
            if crit.spec.get("source", key) == "billing_growth":
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    g = 100 * (billing / _num(clients, "billing_previous") - 1)
                col = pd.Series(g).map(lambda v: "" if np.isnan(v) else
                                       _(_GROWTH).format(growth=lang.num(float(v), sign=True)))
            else:
                template = _(_PHRASES.get(key, _SIZE_PHRASE))
                sizes = [template.format(size=_(size), criterion=criterion) for size in _SIZES]
                col = pd.Series(np.select([s < 1 / 3, s > 2 / 3], [sizes[0], sizes[2]], sizes[1]))
                col = col.where(~np.isnan(s), "")
            out[:, j] = col.to_numpy(dtype=object)
            continue
        if key not in clients.columns:
            continue
        template = _(_PHRASES.get(key, _PHRASE))
        words = {lv: lower_first(cat.level_label(key, lv, lang.lang)) for lv in crit.level_keys}
        if crit.kind == "multi":
            tokens = _tokens(clients[key], cat, key)
            col = tokens.map(lambda t, words=words, order=crit.level_keys, template=template, criterion=criterion:
                             "" if t is None or not t else
                             template.format(level=lang.join(words[lv] for lv in order if lv in t),
                                             criterion=criterion))
            out[:, j] = col.to_numpy(dtype=object)
            continue
        levels = _canonical(clients[key], cat, key)
        phrase = {lv: template.format(level=word, criterion=criterion) for lv, word in words.items()}
        col = levels.map(phrase).fillna("").astype(object)
        if key == "profitability":
            col = col.where(np.isnan(margin), pd.Series(margin).map(
                lambda v: _(_MARGIN).format(margin=lang.num(float(v), 1))))
        elif key == "share_of_wallet":
            col = col.where(np.isnan(sow), pd.Series(sow).map(
                lambda v: _(_SHARE_OF_WALLET).format(share=lang.num(float(v)))))
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


def _verdict(score, threshold, drivers: pd.Series, axis: str, lang: Language) -> pd.Series:
    """Each client's verdict on one score: ``high value score (72/100: large billing, ...)``."""
    _ = lang.gettext
    high, low = _(_VERDICTS[(axis, True)]), _(_VERDICTS[(axis, False)])
    detail_of = _(_DETAIL)
    texts = []
    for v, why in zip(score, drivers.fillna("")):
        if np.isnan(v):
            texts.append(_(_UNKNOWN[axis]))
            continue
        points = lang.num(round(v))
        detail = detail_of.format(score=points, drivers=why) if why else f"{points}/100"
        texts.append((high if v >= threshold else low).format(detail=detail))
    return pd.Series(texts, dtype="string")


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
    L = language(check_lang(lang))
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
        out["change"] = pd.array([L.gettext(_NO_CHANGE)] * n, dtype="str")
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

    change, no_change = L.gettext(_CHANGE), L.gettext(_NO_CHANGE)

    def sentence(k, a, b, c):
        return change.format(criterion=lower_first(cat.label(k, L.lang)),
                             from_level=lower_first(cat.level_label(k, a, L.lang)),
                             to_level=lower_first(cat.level_label(k, b, L.lang)), action=action_name(ACTIONS[c], L.lang))

    text = np.array([sentence(k, a, b, c) if ok else no_change
                     for k, a, b, c, ok in zip(crit, current, to, new, found)], dtype=object)
    out["change"] = pd.array(text, dtype="str")
    out["criterion"] = pd.array(np.where(found, crit, None), dtype="str")
    out["from_level"] = pd.array(np.where(found, current, None), dtype="str")
    out["to_level"] = pd.array(np.where(found, to, None), dtype="str")
    out["new_action"] = pd.array(np.where(found, np.array(ACTIONS, dtype=object)[new], None), dtype="str")
    out["steps"] = pd.array(np.where(found, best_steps, np.nan)).astype("Int64")
    out["n_alternatives"] = np.where(found, at_best.sum(axis=1) - 1, 0)
    return out

