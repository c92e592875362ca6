"""The relationship plan: one row per client, by priority, with the value at stake."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.i18n.language import check_lang, language
from portfolio_analysis.steps.actions._decision import _by_id
from portfolio_analysis.steps.actions.explain import VALUE_BASES
from portfolio_analysis.steps.actions.rules import action_settings


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
    _ = language(check_lang(lang)).gettext
    cfg = action_settings(catalogue, settings)
    ids = actions["client_id"].astype("str").reset_index(drop=True)
    a = actions.reset_index(drop=True)
    if lifetime_values is not None:
        stake = pd.to_numeric(_by_id(lifetime_values, ids, "lifetime_value"), errors="coerce")
        basis = _(VALUE_BASES["lifetime_value"])
    else:
        stake = pd.to_numeric(_by_id(profit, ids, "profit"), errors="coerce")
        basis = _(VALUE_BASES["profit"])
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

