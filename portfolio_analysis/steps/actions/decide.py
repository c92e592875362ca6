"""The portfolio matrix, the price × cost-to-serve matrix, and the decision of each client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.i18n.language import N_, check_lang, language, lower_first
from portfolio_analysis.steps.actions._decision import (
    DERIVED_FIELDS,  # noqa: F401 (re-exported)
    _aligned_scores,
    _compile,
    _decide,
    _facts,
    _Flags,
    _flags,
    _num,
    _thresholds,
)
from portfolio_analysis.steps.actions.explain import (
    _KEPT,
    _NEVER_ENDED,
    _NOT_ENOUGH,
    _STRATEGIC,
    _WAIVED,
    SEPARATOR,
    UNPLACED,
    _drivers,
    _fill,
    _join,
    _phrases,
    _render,
    _verdict,
)
from portfolio_analysis.steps.actions.rules import _Evaluator, action_settings
from portfolio_analysis.steps.concentration import client_profit
from portfolio_analysis.steps.scoring import (
    _score_matrix,
    criterion_weights,
)

#: Shapiro, Rangan, Moriarty & Ross (1987), "Manage customers for profits (not just sales)",
#: Harvard Business Review 65(5): (high net price?, high cost to serve?) -> quadrant.
SHAPIRO_QUADRANTS = {
    (True, True): N_("carriage trade"),
    (True, False): N_("passive"),
    (False, True): N_("aggressive"),
    (False, False): N_("bargain basement"),
}


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
    english = language("en")
    labels = np.array([english.text(cfg["quadrants"][k]["label"]) for k in comp.quadrant_keys],
                      dtype=object)[d["quadrant"]]
    out = pd.DataFrame({
        "client_id": scores["client_id"].to_numpy(),
        "value_score": value,
        "relationship_score": rel,
        "quadrant": pd.array(np.where(d["placed"], keys, None), dtype="str"),
        "quadrant_label": pd.array(np.where(d["placed"], labels, UNPLACED), dtype="str"),
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
                     cost_label=N_("cost to serve (% of billing)") if relative_cost else N_("cost to serve"))
    return out



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
        ``strategic_reasons`` and ``missing_criteria`` (each phrase from the message
        catalogue, the configuration's texts as :meth:`~portfolio_analysis.i18n.language.Language.text`
        gives them; French lists are separated by `` ; ``); the other columns are the same in both.

    Returns
    -------
    DataFrame, register order
        ``client_id``, ``name``, ``action``, ``quadrant``, ``quadrant_label``,
        ``default_action`` (the quadrant's), ``reasons``, ``levers`` (labels, ``; ``),
        ``lever_details`` (each lever with why), ``conditional`` (a guard waived for strategic
        reasons: the action holds on condition that the client's economics are fixed),
        ``strategic_keep`` (an ``end`` turned
        into ``fix`` for strategic reasons), ``strategic_reasons`` (the strategic
        conditions the client meets, whatever its action), ``insufficient_data``,
        ``missing_criteria``, one boolean column per guard (``<name>_guard``: it changed
        the action) and per lever (``lever_<key>``), ``value_score``,
        ``relationship_score``, ``billing``, ``profit``, ``profit_is_estimated``.
        ``attrs``: ``value_threshold``, ``relationship_threshold``, ``split``, ``quadrants``.
    """
    L = language(check_lang(lang))
    _ = L.gettext
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
    sep = _(SEPARATOR)

    keys, matrix = _score_matrix(clients, cat)
    w = criterion_weights(catalogue=cat, weights=weights).reindex(keys).to_numpy()
    phrases = _phrases(clients, matrix, keys, cat, L)
    axis = np.array([cat.criteria[k].axis for k in keys])
    top = cfg["reason_criteria"]
    value_words = _verdict(value, tv, _drivers(matrix, phrases, w, axis == "value", value >= tv, top), "value", L)
    rel_words = _verdict(rel, tr, _drivers(matrix, phrases, w, axis == "relationship", rel >= tr, top),
                         "relationship", L)

    parts = [value_words, rel_words]
    for g, applied, waived in zip(cfg["guards"], d["applied"], d["waived"]):
        reason = L.text(g.get("reason") or g["name"].replace("_", " "))
        parts.append(_render(reason, facts, applied, L))
        parts.append(_fill(_(_WAIVED), _render(reason, facts, waived & ~applied, L), waived & ~applied))
    labels = [L.text(item["label"]) for item in cfg["strategic_keep"].get("reasons") or []]
    hits = [ev(item["when"]) for item in cfg["strategic_keep"].get("reasons") or []]
    strategic_reasons = _join([np.where(h, lab, "") for lab, h in zip(labels, hits)], ", ") if hits else \
        pd.Series([""] * n, dtype="string")
    waived_any = np.logical_or.reduce(d["waived"]) if d["waived"] else np.zeros(n, dtype=bool)
    parts.append(_fill(_(_KEPT), strategic_reasons, np.asarray(d["strategic_keep"], dtype=bool)))
    parts.append(_fill(_(_STRATEGIC), strategic_reasons, waived_any & ~d["strategic_keep"]))

    order = np.argsort(-w, kind="stable")
    names = np.array([lower_first(cat.label(k, L.lang)) for k in keys], dtype=object)
    missing = np.isnan(matrix)
    missing_text = _join([np.where(missing[:, j], names[j], "") for j in order], ", ")
    coverage = pd.to_numeric(sc["coverage"], errors="coerce") if "coverage" in sc.columns else pd.Series(np.nan, index=sc.index)
    data_text = pd.Series("", index=range(n), dtype="string")
    for i in np.flatnonzero(insufficient):
        known, collect = not np.isnan(coverage.iloc[i]), missing_text.iloc[i] != ""
        text = _(_NOT_ENOUGH[(known, collect)]).format(
            known=L.num(100 * coverage.iloc[i]) if known else "", missing=missing_text.iloc[i])
        data_text.iloc[i] = _(_NEVER_ENDED).format(reasons=text) if d["insufficient_guard"][i] else text
    parts.append(data_text)
    reasons = _join(parts, sep)

    lever_cols, lever_labels, lever_details = {}, [], []
    for key, lv in cfg["levers"].items():
        hit = ev(lv["when"])
        lever_cols[f"lever_{key}"] = hit
        label = L.text(lv.get("label") or key.replace("_", " "))
        because = L.text(lv.get("because"))
        lever_labels.append(np.where(hit, label, ""))
        lever_details.append(np.where(hit, f"{label} ({because})" if because else label, ""))

    actions = np.array(ACTIONS, dtype=object)
    qkeys = np.array(comp.quadrant_keys, dtype=object)[d["quadrant"]]
    qlabels = np.array([L.text(cfg["quadrants"][k]["label"]) for k in comp.quadrant_keys],
                       dtype=object)[d["quadrant"]]
    out = pd.DataFrame({
        "client_id": clients["client_id"].to_numpy(),
        "name": clients["name"].to_numpy() if "name" in clients.columns else pd.array([pd.NA] * n, dtype="str"),
        "action": pd.array(actions[d["action"]], dtype="str"),
        "quadrant": pd.array(np.where(d["placed"], qkeys, None), dtype="str"),
        "quadrant_label": pd.array(np.where(d["placed"], qlabels, _(UNPLACED)), dtype="str"),
        "default_action": pd.array(actions[d["default"]], dtype="str"),
        "reasons": reasons.to_numpy(),
        "levers": _join(lever_labels, sep).to_numpy() if lever_labels else "",
        "lever_details": _join(lever_details, sep).to_numpy() if lever_details else "",
        "strategic_keep": d["strategic_keep"],
        # kept as it is for strategic reasons although a guard would change it (a loss-maker developed):
        # the action holds on condition that its economics are fixed
        "conditional": waived_any & ~np.logical_or.reduce(d["applied"]) if d["applied"] else waived_any,
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

