"""The sample portfolio drawn: the register, the invoice lines, the contacts and the injected problems."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.sample.parameters import (
    _ACTIVITY,
    _BILLING_MEDIAN,
    _BILLING_SIGMA,
    _CATEGORY_ACTIVITY,
    _CATEGORY_ALPHA,
    _CLIENT_FIRST_ROLES,
    _CLIENT_ROLES,
    _CONTACT_BOOST,
    _CTS_FIXED,
    _CTS_PER_LINE,
    _CTS_RATE,
    _CTS_RND,
    _DECISION_P,
    _FIRST_NAMES,
    _GROSS_MARGIN,
    _GROWTH,
    _LAST_NAMES,
    _LEVEL_P,
    _N_OURS_P,
    _N_THEIRS_P,
    _NAME_TEMPLATES,
    _OWNER_BOOST,
    _STAFF,
    _STEMS,
    CATEGORIES,
    CLIENT_COLUMNS,
    FILES,
    GROUP_SHARES,
    GROUPS,
    MISSPELT_LEVEL,
    N_MONTHS,
    PROFITABILITY_CUTOFFS,
    WHALE_PEAK_BAND,
    _season,
)


# --- public API ----------------------------------------------------------------------
def make_sample(
    n_clients: int = 300, *, seed: int = 7, problems: bool = True, end_date: str = "2025-12-31"
) -> dict[str, pd.DataFrame]:
    """A synthetic client portfolio: register, invoice lines and contacts.

    Parameters
    ----------
    n_clients : int
        Number of clients (at least 10, so that every planted group has members).
    seed : int
        Seed of the one random generator; the same seed gives the same frames.
    problems : bool
        Inject the data problems listed by :func:`injected_problems` (as a
        consultant's real files would have them). ``False`` gives clean data.
    end_date : str
        Last day of the 36 months of invoice history (ISO date).

    Returns
    -------
    dict of DataFrame
        ``"clients"``: one row per client, canonical keys as headers, levels as
        the catalogue's English labels, ``true_group`` the planted group;
        ``"invoices"``: ``invoice_id, client_id, date`` (ISO text), ``service_category,
        amount, cost``, credit notes negative; ``"contacts"``: ``client_id, side``
        (``ours`` or ``client``), ``name, role``, our account owner first.

    Examples
    --------
    >>> s = make_sample(50, seed=3, problems=False)
    >>> s["clients"]["true_group"].value_counts().reindex(GROUPS).tolist()
    [8, 15, 13, 7, 7]
    """
    clean, extra = _generate(n_clients, seed=seed, end_date=end_date)
    if not problems:
        return clean
    frames, _ = _inject_problems(clean, extra)
    return frames


def injected_problems(n_clients: int = 300, *, seed: int = 7, end_date: str = "2025-12-31") -> pd.DataFrame:
    """The data problems that ``problems=True`` injects, where they are in the written files.

    Returns
    -------
    DataFrame
        ``file, row, column, value, problem, expected``: ``row`` as a spreadsheet
        user counts it (the header is row 1); ``expected`` says what a loader
        should make of it. The French label ``Élevée`` is listed too, marked as
        *not* a problem: a loader must accept it.
    """
    clean, extra = _generate(n_clients, seed=seed, end_date=end_date)
    _, found = _inject_problems(clean, extra)
    return found


def write_sample(
    out_dir: str | Path, *, n_clients: int = 300, seed: int = 7, problems: bool = True
) -> dict[str, Path]:
    """Write the sample portfolio as ``clients.csv``, ``invoices.csv`` and ``contacts.csv``.

    Files are UTF-8 without BOM, comma-separated, ``\\n`` line endings, amounts
    with two decimals: the same arguments write the same bytes.

    Returns
    -------
    dict of Path
        The file written for ``"clients"``, ``"invoices"`` and ``"contacts"``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = make_sample(n_clients, seed=seed, problems=problems)
    paths = {}
    for key, filename in FILES.items():
        path = out / filename
        text = frames[key].to_csv(index=False, lineterminator="\n", float_format="%.2f")
        path.write_bytes(text.encode("utf-8"))
        paths[key] = path
    return paths


def whale_peak(profit: pd.Series | np.ndarray) -> float:
    """Peak of the whale curve, as a fraction of total profit (1.9 means 190 %).

    Clients ranked by profit, highest first; the peak is the largest cumulative
    profit over the total. Only meaningful when the total is positive.

    >>> whale_peak(np.array([100.0, 50.0, -50.0]))
    1.5
    """
    p = np.sort(np.asarray(profit, dtype=float))[::-1]
    return float(np.cumsum(p).max() / p.sum())


# --- generation ------------------------------------------------------------------------
def _group_sizes(n: int) -> np.ndarray:
    """Largest-remainder split of ``n`` over the group shares: 300 -> 45, 90, 75, 45, 45."""
    exact = np.asarray(GROUP_SHARES) * n
    sizes = np.floor(exact).astype(int)
    order = np.argsort(-(exact - sizes), kind="stable")
    sizes[order[: n - sizes.sum()]] += 1
    return sizes


def _draw_levels(rng: np.random.Generator, group: np.ndarray, probs) -> np.ndarray:
    """One level index per client from its group's probabilities (inverse CDF)."""
    cdf = np.cumsum(np.asarray(probs, dtype=float), axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(len(group))
    return (u[:, None] >= cdf[group]).sum(axis=1)


def _labels(cat: Catalogue, key: str) -> tuple[list[str], list[str]]:
    """Level keys and English labels of a criterion or levelled field, worst to best."""
    levels = cat.levels_of(key)
    return [lv["key"] for lv in levels], [lv["label"]["en"] for lv in levels]


def _gumbel_top(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Per row, column indices in a weighted random order without replacement (Gumbel top-k)."""
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=weights.shape)
    return np.argsort(-keys, axis=1, kind="stable")


def _company_names(rng: np.random.Generator, business_type: np.ndarray) -> np.ndarray:
    names = np.empty(len(business_type), dtype=object)
    for btype, templates in _NAME_TEMPLATES.items():
        idx = np.flatnonzero(business_type == btype)
        if not len(idx):
            continue
        pool = [(spec[0].format(f), spec[1]) for spec in templates for f in (spec[2:] or (_STEMS,))[0]]
        picks = rng.choice(len(pool), size=len(idx), replace=len(idx) > len(pool))
        form_u = rng.random(len(idx))
        names[idx] = [
            pool[p][0] + pool[p][1][int(u * len(pool[p][1]))] for p, u in zip(picks, form_u, strict=True)
        ]
    # only very large portfolios exhaust a pool: number the repeats
    s = pd.Series(names)
    rank = s.groupby(s).cumcount()
    return np.where(rank > 0, s + " " + (rank + 1).astype(str), s).astype(object)


def _month_bounds(end: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (inclusive) day of each of the 36 monthly periods, oldest first.

    Period k back from the end covers ``(end - (k+1) months, end - k months]``.
    """
    ends = np.array([end - pd.DateOffset(months=k) for k in range(N_MONTHS)][::-1], dtype="datetime64[D]")
    starts = np.array(
        [end - pd.DateOffset(months=k + 1) for k in range(N_MONTHS)][::-1], dtype="datetime64[D]"
    ) + np.timedelta64(1, "D")
    return starts, ends


def _generate(n: int, *, seed: int, end_date: str) -> tuple[dict[str, pd.DataFrame], dict]:
    """The clean frames, and what the problem injection needs (the random stream, ...)."""
    if n < 10:
        raise ValueError(f"n_clients={n}: at least 10 clients are needed for five planted groups")
    rng = np.random.default_rng(seed)
    cat = load_catalogue()
    end = pd.Timestamp(end_date).normalize()

    group = rng.permutation(np.repeat(np.arange(len(GROUPS)), _group_sizes(n)))
    client_id = np.array([f"C{i:04d}" for i in range(1, n + 1)], dtype=object)
    levels, register = _draw_criteria(rng, cat, group)
    names = _company_names(rng, levels["business_type"])
    lines = _draw_lines(rng, group, end)
    money = _financials(rng, lines, levels, end, n)
    prof_keys, prof_labels = _labels(cat, "profitability")
    cutoffs = [PROFITABILITY_CUTOFFS["moderate"], PROFITABILITY_CUTOFFS["high"]]
    prof_idx = np.searchsorted(cutoffs, money["margin_pct"], side="right")
    levels["profitability"] = np.array(prof_keys, dtype=object)[prof_idx]
    register["profitability"] = np.array(prof_labels, dtype=object)[prof_idx]
    people = _draw_people(rng, group)
    joined = people.groupby(["client", "side"], sort=True)["name"].agg("; ".join).unstack("side")

    clients = pd.DataFrame(
        {
            "client_id": client_id,
            "name": names,
            "business_type": register["business_type"],
            "owner": people.loc[people["side"].eq("ours") & people["pos"].eq(0), "name"].to_numpy(),
            "our_contacts": joined["ours"].to_numpy(),
            "client_contacts": joined["client"].to_numpy(),
            **{k: register[k] for k in CLIENT_COLUMNS[6:16]},
            "billing": money["billing"] / 100,
            "billing_previous": money["billing_previous"] / 100,
            "profit": money["profit"] / 100,
            "cost_to_serve": money["cost_to_serve"] / 100,
            "margin_pct": money["margin_pct"],
            "true_group": np.array(GROUPS, dtype=object)[group],
        }
    )[CLIENT_COLUMNS]
    invoices = pd.DataFrame(
        {
            "invoice_id": lines["invoice_id"].to_numpy(),
            "client_id": client_id[lines["client"].to_numpy()],
            "date": lines["date"].dt.strftime("%Y-%m-%d").to_numpy(),
            "service_category": lines["category"].to_numpy(),
            "amount": lines["amount_c"].to_numpy() / 100,
            "cost": lines["cost_c"].to_numpy() / 100,
        }
    )
    contacts = pd.DataFrame(
        {
            "client_id": client_id[people["client"].to_numpy()],
            "side": people["side"].to_numpy(),
            "name": people["name"].to_numpy(),
            "role": people["role"].to_numpy(),
        }
    )
    frames = {"clients": _as_text(clients), "invoices": _as_text(invoices), "contacts": _as_text(contacts)}
    extra = {"rng": rng, "cat": cat, "levels": levels, "n_inv": int((~lines["credit"]).sum())}
    return frames, extra


def _draw_criteria(
    rng: np.random.Generator, cat: Catalogue, group: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Criteria levels per client from its group's distributions: level keys, English labels."""
    levels: dict[str, np.ndarray] = {}
    register: dict[str, np.ndarray] = {}
    for key, probs in _LEVEL_P.items():
        keys, labels = _labels(cat, key)
        if len(keys) != len(probs[0]):
            raise RuntimeError(f"the catalogue's levels of {key!r} changed: {keys}")
        drawn = _draw_levels(rng, group, probs)
        levels[key] = np.array(keys, dtype=object)[drawn]
        register[key] = np.array(labels, dtype=object)[drawn]
    _, dc_labels = _labels(cat, "decision_criteria")
    p = np.asarray(_DECISION_P)
    dc = rng.random((len(group), p.shape[1])) < p[group]
    # everyone picks suppliers on something: the group's likeliest criterion when none was drawn
    none = ~dc.any(axis=1)
    dc[np.flatnonzero(none), np.argmax(p, axis=1)[group[none]]] = True
    register["decision_criteria"] = np.array(
        ["; ".join(np.array(dc_labels)[row]) for row in dc], dtype=object
    )
    return levels, register


def _draw_lines(rng: np.random.Generator, group: np.ndarray, end: pd.Timestamp) -> pd.DataFrame:
    """Monthly invoice lines (client x month x category) and a few credit notes, in cents.

    Returns a frame sorted by date, client, category with ``client`` (position),
    ``date``, ``category``, ``amount_c``, ``cost_c``, ``credit`` and ``invoice_id``.
    """
    n = len(group)
    starts, ends = _month_bounds(end)
    calendar_month = (ends.astype("datetime64[M]").astype(int) % 12) + 1
    t = np.arange(N_MONTHS) - (N_MONTHS - 6.5)  # 0 at the middle of the last 12 months
    level = rng.lognormal(np.log(np.asarray(_BILLING_MEDIAN)[group]), np.asarray(_BILLING_SIGMA)[group])
    growth = rng.normal(*np.asarray(_GROWTH)[group].T)
    gross_margin = np.clip(rng.normal(*np.asarray(_GROSS_MARGIN)[group].T), 0.03, 0.6)
    mix = rng.gamma(np.asarray(_CATEGORY_ALPHA)[group])
    mix = mix / mix.sum(axis=1, keepdims=True)
    mix = np.where(mix >= 0.08, mix, 0.0)  # a client buys 1-4 categories, not dust of all four
    mix[np.arange(n), np.argmax(mix, axis=1)] += 1e-9
    mix = mix / mix.sum(axis=1, keepdims=True)
    p_active = np.asarray(_ACTIVITY)[group][:, None, None] * np.asarray(_CATEGORY_ACTIVITY)[None, None, :]
    active = (rng.random((n, N_MONTHS, len(CATEGORIES))) < p_active) & (mix[:, None, :] > 0)
    # every client bought something in the last 12 months (billing > 0 keeps margins defined)
    idle = ~active[:, -12:, :].any(axis=(1, 2))
    if idle.any():
        rows = np.flatnonzero(idle)
        active[rows, N_MONTHS - 1 - rng.integers(12, size=len(rows)), np.argmax(mix[rows], axis=1)] = True
    trend = np.exp(growth[:, None] * t[None, :] / 12)
    monthly = (level[:, None] / 12) * trend * _season(calendar_month)[None, :]
    noise = rng.lognormal(-0.5 * 0.3**2, 0.3, size=active.shape)
    # dividing by the chance of buying keeps the expected yearly total at the drawn level
    amount = monthly[:, :, None] * mix[:, None, :] * noise / p_active
    line_margin = np.clip(gross_margin[:, None, None] + rng.normal(0, 0.03, size=active.shape), -0.1, 0.8)
    ci, mi, ki = np.nonzero(active)
    amount_c = np.round(amount[ci, mi, ki] * 100).astype(np.int64)
    cost_c = np.round(amount_c * (1 - line_margin[ci, mi, ki])).astype(np.int64)
    span = (ends - starts).astype(int) + 1
    day = starts[mi] + (rng.random(len(mi)) * span[mi]).astype(int).astype("timedelta64[D]")
    # the history ends on end_date itself, so that loaders which anchor the 12-month
    # windows on the last invoice date find the register's windows
    in_last = np.flatnonzero(mi == N_MONTHS - 1)
    day[in_last[np.argmax(amount_c[in_last])]] = ends[-1]

    # a few credit notes: part of a line given back later in the same month, no cost
    n_credit = max(2, n // 10)
    src = rng.choice(len(ci), size=n_credit, replace=False)
    c_amount = -np.round(amount_c[src] * rng.uniform(0.05, 0.3, size=n_credit)).astype(np.int64)
    c_day = np.minimum(day[src] + rng.integers(3, 25, size=n_credit).astype("timedelta64[D]"), ends[mi[src]])
    lines = pd.DataFrame(
        {
            "client": np.concatenate([ci, ci[src]]),
            "date": np.concatenate([day, c_day]),
            "category": np.array(CATEGORIES, dtype=object)[np.concatenate([ki, ki[src]])],
            "amount_c": np.concatenate([amount_c, c_amount]),
            "cost_c": np.concatenate([cost_c, np.zeros(n_credit, dtype=np.int64)]),
            "credit": np.repeat([False, True], [len(ci), n_credit]),
        }
    ).sort_values(["date", "client", "category", "credit", "amount_c"], kind="stable", ignore_index=True)
    lines["date"] = lines["date"].astype("datetime64[s]")
    n_inv = (~lines["credit"]).cumsum().astype(str)
    n_cn = lines["credit"].cumsum().astype(str)
    lines["invoice_id"] = np.where(lines["credit"], "CN-" + n_cn.str.zfill(5), "INV-" + n_inv.str.zfill(6))
    return lines


def _financials(
    rng: np.random.Generator, lines: pd.DataFrame, levels: dict, end: pd.Timestamp, n: int
) -> dict[str, np.ndarray]:
    """Billing of the two 12-month windows, cost to serve and profit per client (integer cents).

    Profit is the gross margin of the last 12 months' lines less the cost to serve;
    ``margin_pct`` is profit over billing, in %, rounded to 2 decimals.
    """
    cut_last = np.datetime64((end - pd.DateOffset(months=12)).date(), "D")
    cut_prev = np.datetime64((end - pd.DateOffset(months=24)).date(), "D")
    dates = lines["date"].to_numpy().astype("datetime64[D]")
    last = dates > cut_last
    prev = (dates > cut_prev) & ~last
    client = lines["client"].to_numpy()
    amount = lines["amount_c"].to_numpy()

    def per_client(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(n, dtype=np.int64)
        np.add.at(out, client[mask], values[mask])
        return out

    billing = per_client(amount, last)
    billing_previous = per_client(amount, prev)
    gross = per_client(amount - lines["cost_c"].to_numpy(), last)
    n_lines = per_client(np.ones(len(client), dtype=np.int64), last)
    service = levels["service_needs"]
    rnd = levels["rnd_collaboration"]
    sized_for = (billing + billing_previous) / 200  # EUR: mean of the two years
    cts = (
        np.array([_CTS_FIXED[s] for s in service])
        + np.array([_CTS_RATE[s] for s in service]) * sized_for
        + np.array([_CTS_RND[r][0] for r in rnd]) * sized_for
        + np.array([_CTS_RND[r][1] for r in rnd])
        + _CTS_PER_LINE * n_lines
    ) * rng.lognormal(0, 0.15, size=n)
    cts = cts * _overhead_factor(gross / 100, cts)
    cost_to_serve = np.round(cts * 100).astype(np.int64)
    profit = gross - cost_to_serve
    return {
        "billing": billing,
        "billing_previous": billing_previous,
        "cost_to_serve": cost_to_serve,
        "profit": profit,
        "margin_pct": np.round(profit / billing * 100, 2),
    }


def _draw_people(rng: np.random.Generator, group: np.ndarray) -> pd.DataFrame:
    """The people of each relationship: ``client, side, pos, name, role``, our owner at pos 0."""
    n = len(group)
    staff_names = np.array([s[0] for s in _STAFF], dtype=object)
    staff_roles = np.array([s[1] for s in _STAFF], dtype=object)
    owner_w = np.tile([s[2] for s in _STAFF], (n, 1))
    other_w = np.tile([s[3] for s in _STAFF], (n, 1))
    for boost, weights in ((_OWNER_BOOST, owner_w), (_CONTACT_BOOST, other_w)):
        for gname, by_person in boost.items():
            rows = group == GROUPS.index(gname)
            for person, factor in by_person.items():
                weights[rows, person] *= factor
    owner = _gumbel_top(rng, owner_w)[:, 0]
    other_w[np.arange(n), owner] = 0.0
    ours = np.column_stack([owner, _gumbel_top(rng, other_w)[:, :3]])
    n_ours = _draw_levels(rng, group, _N_OURS_P) + 1
    n_theirs = _draw_levels(rng, group, _N_THEIRS_P) + 1
    first = np.argsort(rng.random((n, len(_FIRST_NAMES))), axis=1)[:, :4]  # distinct within a client
    last = rng.integers(len(_LAST_NAMES), size=(n, 4))
    their_names = (
        np.array(_FIRST_NAMES, dtype=object)[first] + " " + np.array(_LAST_NAMES, dtype=object)[last]
    )
    their_roles = np.array(_CLIENT_ROLES, dtype=object)[rng.integers(len(_CLIENT_ROLES), size=(n, 4))]
    first_roles = np.array(_CLIENT_FIRST_ROLES, dtype=object)
    their_roles[:, 0] = first_roles[rng.integers(len(first_roles), size=n)]

    pos = np.arange(4)
    r_o, c_o = np.nonzero(pos[None, :] < n_ours[:, None])
    r_t, c_t = np.nonzero(pos[None, :] < n_theirs[:, None])
    people = pd.DataFrame(
        {
            "client": np.concatenate([r_o, r_t]),
            "side_order": np.repeat([0, 1], [len(r_o), len(r_t)]),
            "pos": np.concatenate([c_o, c_t]),
            "side": np.repeat(["ours", "client"], [len(r_o), len(r_t)]).astype(object),
            "name": np.concatenate([staff_names[ours[r_o, c_o]], their_names[r_t, c_t]]),
            "role": np.concatenate([staff_roles[ours[r_o, c_o]], their_roles[r_t, c_t]]),
        }
    )
    return people.sort_values(["client", "side_order", "pos"], kind="stable", ignore_index=True)


def _overhead_factor(gross: np.ndarray, cts: np.ndarray) -> float:
    """Factor on the cost to serve that brings the whale peak into :data:`WHALE_PEAK_BAND`.

    1.0 when the draw is already inside. The peak rises monotonically with the
    factor (profits fall, losses grow), so a bisection finds the nearest bound.
    """

    def peak(k: float) -> float:
        profit = gross - k * cts
        return whale_peak(profit) if profit.sum() > 0 else np.inf

    low, high = WHALE_PEAK_BAND
    current = peak(1.0)
    if low <= current <= high:
        return 1.0
    target, lo, hi = (low, 1.0, 16.0) if current < low else (high, 1 / 16, 1.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if peak(mid) < target else (lo, mid)
    return (lo + hi) / 2


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns as pandas' text dtype, as a CSV reader would give them."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("str")
    return out


# --- data problems -------------------------------------------------------------------------
def _inject_problems(
    frames: dict[str, pd.DataFrame], extra: dict
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Insert the problems a real export has; return the frames and where each problem is.

    Uses the generator's random stream after the clean data was drawn, so the clean
    part of the data is the same with or without problems.
    """
    rng: np.random.Generator = extra["rng"]
    cat: Catalogue = extra["cat"]
    clients = frames["clients"].copy()
    invoices = frames["invoices"].copy()
    contacts = frames["contacts"].copy()
    found: list[dict] = []
    n = len(clients)
    prof = extra["levels"]["profitability"]

    # a misspelt level; not "moderee", which is the French "Modérée" without its
    # accents and so a valid level
    moderate = np.flatnonzero(prof == "moderate")
    i_mis = int(rng.choice(moderate if len(moderate) else np.arange(n)))
    clients.loc[i_mis, "profitability"] = MISSPELT_LEVEL
    # a French label with accents: must be accepted, it is not a problem
    high = np.setdiff1d(np.flatnonzero(prof == "high"), [i_mis])
    i_fr = int(rng.choice(high)) if len(high) else None
    if i_fr is not None:
        clients.loc[i_fr, "profitability"] = cat.level_label("profitability", "high", "fr")
    # a row pasted twice, and an empty row left in the middle of the register
    i_dup = int(rng.choice(np.setdiff1d(np.arange(1, n - 1), [i_mis, i_fr if i_fr is not None else -1])))
    order = list(range(n))
    order.insert(i_dup + 1, i_dup)
    blank_at = int(rng.integers(n // 4, 3 * n // 4))
    if blank_at == i_dup + 1:  # not between the two copies: they are pasted together
        blank_at += 2
    rows = clients.iloc[order].reset_index(drop=True)
    blank = pd.DataFrame({c: [np.nan] for c in clients.columns}).astype(clients.dtypes.to_dict())
    clients = pd.concat([rows.iloc[:blank_at], blank, rows.iloc[blank_at:]], ignore_index=True)
    row_of = {int(i): r + 2 for r, i in enumerate(order[:blank_at] + [-1] + order[blank_at:])}
    row_dup = [r + 2 for r, i in enumerate(order[:blank_at] + [-1] + order[blank_at:]) if i == i_dup]
    cid = frames["clients"]["client_id"]
    found += [
        {"file": "clients.csv", "row": row_of[i_mis], "column": "profitability", "value": MISSPELT_LEVEL,
         "problem": "misspelt level", "expected": "reported, with the suggestion 'moderate'"},
        {"file": "clients.csv", "row": row_dup[1], "column": "client_id", "value": cid[i_dup],
         "problem": f"duplicate client id (also row {row_dup[0]})",
         "expected": f"reported naming rows {row_dup[0]} and {row_dup[1]}"},
        {"file": "clients.csv", "row": blank_at + 2, "column": "", "value": "",
         "problem": "blank row", "expected": "skipped and counted as blank"},
    ]  # fmt: skip
    if i_fr is not None:
        found.append({"file": "clients.csv", "row": row_of[i_fr], "column": "profitability",
                      "value": clients.loc[row_of[i_fr] - 2, "profitability"], "problem": "none (French label)",
                      "expected": "accepted as 'high'; not a problem"})  # fmt: skip

    # invoice lines: two without a client id, one with an impossible date. They are
    # extra lines (new invoice numbers), so the clean lines still add up to the register.
    m = len(invoices)
    picks = np.sort(rng.choice(m, size=3, replace=False))
    new = invoices.iloc[picks].copy()
    new["amount"] = np.round(new["amount"].to_numpy() * rng.uniform(0.5, 1.5, size=3), 2)
    new["cost"] = np.round(new["cost"].to_numpy() * rng.uniform(0.5, 1.5, size=3), 2)
    new["invoice_id"] = [f"INV-{extra['n_inv'] + k:06d}" for k in (1, 2, 3)]
    kinds = rng.permutation(["no_client", "no_client", "bad_date"])
    bad_dates = new["date"].str.slice(0, 4) + "-02-30"
    new["client_id"] = np.where(kinds == "no_client", np.nan, new["client_id"])
    new["date"] = np.where(kinds == "bad_date", bad_dates, new["date"])
    new = _as_text(new)
    pieces, start = [], 0
    for k, p in enumerate(picks):
        pieces += [invoices.iloc[start : p + 1], new.iloc[[k]]]
        start = p + 1
    pieces.append(invoices.iloc[start:])
    invoices = pd.concat(pieces, ignore_index=True)
    for k, p in enumerate(picks):
        row = int(p) + 1 + k + 2  # the line after the one it follows, the header being row 1
        if kinds[k] == "no_client":
            found.append({"file": "invoices.csv", "row": row, "column": "client_id", "value": "",
                          "problem": "invoice line without a client id",
                          "expected": "reported and not loaded"})  # fmt: skip
        else:
            found.append({"file": "invoices.csv", "row": row, "column": "date",
                          "value": new["date"].iloc[k], "problem": "date that does not exist",
                          "expected": "reported and not loaded"})  # fmt: skip

    # a contact of a client no longer in the register
    unknown = f"C{n + 1:04d}"
    first = rng.choice(_FIRST_NAMES)
    last = rng.choice(_LAST_NAMES)
    contacts = pd.concat(
        [contacts, _as_text(pd.DataFrame({"client_id": [unknown], "side": ["client"],
                                          "name": [f"{first} {last}"], "role": ["Buyer"]}))],
        ignore_index=True,
    )  # fmt: skip
    found.append({"file": "contacts.csv", "row": len(contacts) + 1, "column": "client_id", "value": unknown,
                  "problem": "contact of an unknown client", "expected": "reported"})  # fmt: skip

    table = pd.DataFrame(found, columns=["file", "row", "column", "value", "problem", "expected"])
    table = table.sort_values(["file", "row"], kind="stable", ignore_index=True)
    return {"clients": clients, "invoices": invoices, "contacts": contacts}, table
