"""Step 2a — client profiles: the portfolio at a glance.

Counts by business type, relationship type and outlook; the criteria levels of
every client as scores for a heat map; how many people carry each relationship
on each side (one person on either side makes it fragile); how the accounts and
their billing spread over our own people (key-person risk).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.i18n.language import N_, language

MISSING = N_("missing")  # the label of the clients without a level


def settings(catalogue=None) -> dict:
    """The ``settings.profiles`` block in force (the shipped catalogue's by default).

    >>> settings()["key_person_share"]
    0.25
    """
    cat = load_catalogue() if catalogue is None else catalogue
    return cat.config.settings.profiles.model_dump()


def level_counts(clients: pd.DataFrame, key: str, *, catalogue, lang: str = "en") -> pd.DataFrame:
    """Clients per level of ``key``, in the catalogue's order (worst to best), missing last.

    Returns ``level, label, clients, share_pct``. Values outside the catalogue
    (an open list such as business type) follow in order of frequency.
    """
    values = clients[key] if key in clients.columns else pd.Series(pd.NA, index=clients.index)
    counts = values.value_counts(dropna=True)
    order = [lv["key"] for lv in catalogue.levels_of(key)]
    order += sorted((v for v in counts.index if v not in order), key=lambda v: (-counts[v], v))
    rows = [{"level": lv, "label": catalogue.level_label(key, lv, lang), "clients": int(counts.get(lv, 0))}
            for lv in order]
    n_missing = int(values.isna().sum())
    if n_missing:
        rows.append({"level": None, "label": language(lang).gettext(MISSING), "clients": n_missing})
    out = pd.DataFrame(rows)
    out["share_pct"] = out["clients"] / max(len(clients), 1) * 100
    return out


def level_matrix(clients: pd.DataFrame, *, catalogue) -> pd.DataFrame:
    """Clients × scored ordinal criteria, each cell the level's score in [0, 1] (NaN when missing).

    Indexed by ``client_id``; the columns are the criteria keys in catalogue order.
    Descriptive criteria (service needs) are left out: their levels are not better or worse.
    """
    cols = {}
    for key, crit in catalogue.criteria.items():
        if crit.kind != "ordinal" or crit.axis == "descriptive":
            continue
        values = clients[key] if key in clients.columns else pd.Series(pd.NA, index=clients.index)
        cols[key] = values.map(crit.scores).astype("float64").to_numpy()
    return pd.DataFrame(cols, index=pd.Index(clients["client_id"], name="client_id"))


def relationship_coverage(clients: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """How many people carry each relationship, on each side.

    Returns ``client_id, people_ours, people_client, fragile, no_contact``:
    ``fragile`` when exactly one person is recorded on either side (the
    relationship hangs on one person); ``no_contact`` when a side has nobody
    recorded — that is missing data, not a fragile relationship.
    """
    people = contacts.drop_duplicates(["client_id", "side", "name"])
    counts = people.groupby(["client_id", "side"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=["ours", "client"], fill_value=0)
    counts = counts.reindex(clients["client_id"], fill_value=0)
    ours = counts["ours"].to_numpy()
    theirs = counts["client"].to_numpy()
    return pd.DataFrame(
        {
            "client_id": clients["client_id"].to_numpy(),
            "people_ours": ours,
            "people_client": theirs,
            "fragile": (ours == 1) | (theirs == 1),
            "no_contact": (ours == 0) | (theirs == 0),
        }
    )


def owner_spread(
    clients: pd.DataFrame, *, key_person_share: float | None = None, catalogue=None
) -> pd.DataFrame:
    """Accounts and billing per owner on our side, largest billing first.

    Returns ``owner, accounts, billing, billing_share_pct, key_person_risk``; an owner
    holding ``key_person_share`` (a fraction) of the billing or more is a key-person risk
    (default: ``settings.profiles.key_person_share`` of ``catalogue``, 0.25 shipped).
    Clients without an owner make one row whose ``owner`` is missing, last: it is not a person, so it
    is never a key-person risk.

    >>> frame = pd.DataFrame({"owner": ["Ann", None, "Bob", "Ann"], "billing": [60.0, 30, 5, 5]})
    >>> owner_spread(frame, key_person_share=0.5)[["owner", "accounts", "billing_share_pct", "key_person_risk"]]
      owner  accounts  billing_share_pct  key_person_risk
    0   Ann         2               65.0             True
    1   Bob         1                5.0            False
    2  None         1               30.0            False
    """
    if key_person_share is None:
        key_person_share = settings(catalogue)["key_person_share"]
    billing = pd.to_numeric(clients.get("billing"), errors="coerce").fillna(0.0)
    owner = clients["owner"].astype("object")
    frame = pd.DataFrame({"owner": owner.where(owner.notna(), None), "billing": billing})
    out = frame.groupby("owner", dropna=False).agg(accounts=("billing", "size"), billing=("billing", "sum")).reset_index()
    out["owner"] = out["owner"].astype("object").where(out["owner"].notna(), None)
    total = out["billing"].sum()
    out["billing_share_pct"] = out["billing"] / total * 100 if total > 0 else np.nan
    out["key_person_risk"] = (out["billing_share_pct"] >= key_person_share * 100) & out["owner"].notna()
    out["_nobody"] = out["owner"].isna()
    out = out.sort_values(["_nobody", "billing", "owner"], ascending=[True, False, True], kind="stable")
    return out.drop(columns="_nobody").reset_index(drop=True)
