"""The relationship plan: one row per client, by priority, with the value at stake."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.config.catalogue import Catalogue
from portfolio_analysis.i18n.language import N_, check_lang, language
from portfolio_analysis.steps.actions._decision import _by_id
from portfolio_analysis.steps.actions.explain import VALUE_BASES
from portfolio_analysis.steps.actions.rules import action_settings

#: What the plan says where the data show no lever for a client to fix.
NO_LEVER = N_("no lever in the data: a discussion with the client decides what to change")
#: The condition of an action kept for strategic reasons although the client loses money.
ON_CONDITION = N_("on condition that its economics are fixed: it loses money")


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
    (:func:`~portfolio_analysis.steps.retention.client_lifetime_values`) — the same
    definition on every row, negative for a loss-maker. Beside it, ``profit_if_ended``:
    how annual profit changes if the relationship ends (``−profit``: positive for a
    loss-maker).

    **Priority** (1 = first): the tiers of ``settings.actions.priority_order`` (shipped:
    develop, fix and end together, then maintain), within a tier the largest absolute
    value at stake first (unknown last), then the largest billing, then by client id: the
    relationships where the most money is made or lost come first, whatever their action,
    and without profit figures the largest accounts do.

    A ``fix`` without a lever in the data says so (``levers``: a discussion decides), and
    a client whose action holds only for strategic reasons while it loses money carries
    its ``condition``.

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
        ``priority``, ``client_id``, ``name``, ``action``, ``condition``, ``quadrant_label``,
        ``reasons``, ``levers``, ``owner``, ``segment``, ``value_at_stake``, ``profit_if_ended``,
        ``value_basis``, ``profit_is_estimated``, ``strategic_keep``, ``conditional``,
        ``insufficient_data``.
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
    stake = stake.astype("float64")
    annual = pd.to_numeric(_by_id(profit, ids, "profit"), errors="coerce").astype("float64")
    levers = (a["levers"].astype("object").fillna("") if "levers" in a.columns
              else pd.Series([""] * len(a), dtype="object"))
    no_lever = a["action"].eq("fix").fillna(False).to_numpy(dtype=bool) & levers.eq("").to_numpy()
    levers = levers.where(~no_lever, _(NO_LEVER))
    conditional = (a["conditional"].fillna(False).to_numpy(dtype=bool) if "conditional" in a.columns
                   else np.zeros(len(a), dtype=bool))
    condition = np.where(conditional, _(ON_CONDITION), "")
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
        "condition": pd.array(condition, dtype="str"),
        "quadrant_label": a["quadrant_label"].to_numpy() if "quadrant_label" in a.columns else pd.NA,
        "reasons": a["reasons"].to_numpy() if "reasons" in a.columns else pd.NA,
        "levers": pd.array(levers.to_numpy(), dtype="str"),
        "owner": pd.array(owner.astype("str").to_numpy(), dtype="str"),
        "segment": pd.array(segment.astype("str").to_numpy(), dtype="str"),
        "value_at_stake": stake.to_numpy(),
        "profit_if_ended": (-annual).to_numpy(),
        "value_basis": basis,
        "profit_is_estimated": estimated.to_numpy(dtype=bool),
        "strategic_keep": a["strategic_keep"].to_numpy(dtype=bool) if "strategic_keep" in a.columns else False,
        "conditional": conditional,
        "insufficient_data": (a["insufficient_data"].to_numpy(dtype=bool)
                              if "insufficient_data" in a.columns else False),
    })
    tiers = [tier if isinstance(tier, list) else [tier] for tier in cfg["priority_order"]]
    group = out["action"].map({act: i for i, tier in enumerate(tiers) for act in tier}).fillna(len(ACTIONS))
    size = out["value_at_stake"].abs()
    billing = (pd.to_numeric(_by_id(reg, ids, "billing", np.nan), errors="coerce") if "billing" in reg.columns
               else pd.Series(np.nan, index=ids.index))
    key = pd.DataFrame({"g": group, "unknown": size.isna(), "size": -size.fillna(0),
                        "billing": -billing.fillna(-np.inf).to_numpy(), "id": ids})
    order = key.sort_values(["g", "unknown", "size", "billing", "id"], kind="stable").index
    out = out.loc[order].reset_index(drop=True)
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    return out

