"""The whole analysis, computed once: :func:`analyse` runs every step on a loaded portfolio.

One run reads one resolved configuration (:func:`resolve_config`: the shipped catalogue,
then the company's YAML, then ``--set`` options, then a notebook's parameters) and
computes every step once — profiles, financial trends and the projection, scores and
their sensitivity to the weights, segments, profit and concentration, actions and the
plan, retention. The result, an :class:`Analysis`, is what every output presents: the
notebooks, ``tables/``, ``summary.json`` and the Excel plan; it is saved in the
deliverable's ``analysis/`` folder (see :mod:`portfolio_analysis.archive`).

>>> from portfolio_analysis.load.portfolio import load_portfolio
>>> import pandas as pd
>>> register = pd.DataFrame({"client_id": ["A", "B", "C"], "name": ["Ann", "Bob", "Cy"],
...                          "relationship_type": ["partnership", "occasional", "at_risk"],
...                          "billing": [300.0, 200.0, 100.0]})
>>> a = analyse(load_portfolio(register))
>>> a.scores.sort_values("total_score", ascending=False)["client_id"].tolist()
['A', 'B', 'C']
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import yaml

from portfolio_analysis.config.catalogue import Catalogue, ConfigError, load_catalogue
from portfolio_analysis.i18n.language import N_

#: Every table of an analysis, in the order of the notebooks, with what it holds.
TABLES: dict[str, str] = {
    # 1 data and validation
    "clients": "the client register as loaded, one row per client",
    "contacts": "the people in each relationship (client_id, side, name, role)",
    "validation_problems": "every problem found in the input files",
    "files_read": "rows read, loaded, rejected and blank per input file",
    "data_completeness": "share of clients with a value, per criterion and financial field",
    # 2 profiles and financials
    "level_counts": "clients per level of the descriptive criteria",
    "level_matrix": "each client's level of each ordinal criterion, as a 0-1 score",
    "relationship_coverage": "people on each side of each relationship; fragile ones flagged",
    "owner_spread": "accounts and billing per owner on our side; key-person risk",
    "billing_by_year": "billing per calendar year and service category, with the change",
    "financial_trends": "billing change against the previous 12 months and the 12-month projection",
    "category_mix": "each client's billing split by service category (%)",
    "monthly_billing": "the portfolio's monthly billing and the projected next 12 months",
    "projection_methods": "each projection method's error on the last year, hidden; the one chosen",
    # 3 scoring
    "weights": "the weight of each criterion in force, and its share of the total",
    "scores": "value, relationship and total scores (0-100), coverage, insufficient data",
    "score_contributions": "the points each criterion adds to each client's total score",
    "rank_sensitivity": "each client's rank under perturbed weights",
    # 4 segmentation
    "segment_criteria": "each criterion asked for: whether it informs the groups, and how much it goes with them",
    "segment_choice": "each number of groups tried: silhouette, ICL, stability in resamples, smallest group",
    "segments": "each client's group and the group's name",
    "segment_profiles": "each group's size, billing, profit, scores and dominant levels",
    "segment_stability": "how well each group comes back on subsamples",
    "segment_map": "two-dimensional map coordinates of each client (of a sample in large portfolios)",
    "segment_differences": "how each client differs from its group's medoid",
    "peers": "each client's three most similar clients",
    "dendrogram": "the merges of the hierarchical clustering (small portfolios)",
    "dendrogram_leaves": "the clients at the leaves of the dendrogram, in its order",
    # 5 profit and concentration
    "profit": "each client's profit, and whether it is estimated",
    "whale_curve": "cumulative profit against clients ranked by profit",
    "lorenz": "cumulative billing against clients ranked by billing",
    "abc_classes": "each client's Pareto class on billing",
    # 6 actions
    "actions": "develop / maintain / fix / end per client, with reasons and levers",
    "what_would_change": "the smallest change of one criterion that would flip each action",
    "action_stability": "the share of weight draws under which each action holds",
    "relationship_plan": "one row per client by priority, with owner and value at stake",
    # 7 retention
    "lifetime_values": "each client's lifetime value",
    "retention_scenarios": "what each retention scenario does to billing, profit and value",
}

DENDROGRAM_MAX = 300  # clients: above this, a dendrogram is left out

#: Notebook parameters that are configuration, and the setting each one sets.
PARAMETER_SETTINGS: dict[str, str] = {
    "random_state": "settings.random_state",
    "n_draws": "settings.sensitivity.n_draws",
    "concentration": "settings.sensitivity.concentration",
    "action_draws": "settings.sensitivity.action_draws",
    "criteria": "settings.segmentation.criteria",
    "n_clusters": "settings.segmentation.n_clusters",
    "k_range": "settings.segmentation.k_range",
    "n_resamples": "settings.segmentation.n_resamples",
    "include": "settings.segmentation.include",
    "exclude": "settings.segmentation.exclude",
    "lost_share": "settings.retention.lost_share",
    "lost_years": "settings.retention.lost_years",
    "discount_rate": "settings.retention.discount_rate",
    "retention_uplift": "settings.retention.retention_uplift",
    "acquisition_cost_multiple": "settings.retention.acquisition_cost_multiple",
    "literature_profit_uplift": "settings.retention.literature_profit_uplift",
}


def parameter_overrides(parameters: Mapping[str, Any] | None) -> list[str]:
    """A notebook's analysis parameters as ``KEY=VALUE`` overrides, applied after ``--set``.

    ``weights`` (a mapping) sets ``weights.<criterion>``; every other name of
    :data:`PARAMETER_SETTINGS` sets its setting; ``None`` (and an empty ``weights``)
    leaves the configuration as it is.

    >>> parameter_overrides({"weights": {"profitability": 5}, "n_clusters": 4, "random_state": None})
    ['weights.profitability=5', 'settings.segmentation.n_clusters=4']
    """
    out: list[str] = []
    for name, value in (parameters or {}).items():
        if name == "weights":
            if isinstance(value, str):  # papermill -p passes text: read it as YAML/JSON
                value = yaml.safe_load(value)
            if value and not isinstance(value, Mapping):
                raise ConfigError(f"weights: expected a mapping of criterion to weight, got {value!r}")
            out += [f"weights.{k}={json.dumps(w)}" for k, w in (value or {}).items()]
            continue
        if name not in PARAMETER_SETTINGS:
            raise ConfigError(f"{name}: not an analysis parameter; expected one of {['weights', *PARAMETER_SETTINGS]}")
        if isinstance(value, str):  # papermill -p passes text: "[2, 5]" is a list, "4" a number
            value = yaml.safe_load(value)
        if value is not None:
            out.append(f"{PARAMETER_SETTINGS[name]}={json.dumps(list(value) if isinstance(value, tuple) else value)}")
    return out


def resolve_config(config=None, *, overrides=(), parameters: Mapping[str, Any] | None = None) -> Catalogue:
    """The configuration in force: the catalogue <- ``config`` (a YAML path or a mapping) <- ``overrides``
    (``KEY=VALUE``) <- ``parameters`` (a notebook's, see :func:`parameter_overrides`).

    Raises :class:`~portfolio_analysis.config.catalogue.ConfigError` listing every problem.
    """
    return load_catalogue(config, overrides=[*(overrides or ()), *parameter_overrides(parameters)])


def settings(cat: Catalogue, block: str) -> dict:
    """The ``settings.<block>`` mapping of the configuration in force (empty when absent)."""
    return dict(cat.settings.get(block) or {})


class Analysis:
    """Every table and figure of one analysis, keyed by ``client_id``.

    ``tables`` maps each name of :data:`TABLES` to a DataFrame (also reachable as an
    attribute: ``analysis.scores``); ``facts`` holds the headline figures each step
    reports (JSON-ready); ``run`` records how the analysis was made (configuration,
    inputs, versions, times); ``config`` is the resolved configuration as a mapping.
    """

    def __init__(self, tables: dict[str, pd.DataFrame], facts: dict, run: dict, config: dict):
        self.tables = tables
        self.facts = facts
        self.run = run
        self.config = config

    def __getattr__(self, name):
        tables = self.__dict__.get("tables") or {}
        if name in tables:
            return tables[name]
        raise AttributeError(f"{type(self).__name__} has no table or attribute {name!r}")

    def __repr__(self) -> str:
        n = len(self.tables.get("clients", ()))
        return f"<Analysis of {n} clients: {len(self.tables)} tables>"

    @property
    def catalogue(self) -> Catalogue:
        """The configuration the analysis ran with, as a catalogue."""
        cached = self.__dict__.get("_catalogue")
        if cached is None:
            cached = self.__dict__["_catalogue"] = Catalogue(self.config)
        return cached

    @property
    def lang(self) -> str:
        return self.run.get("lang", "en")

    def names(self) -> pd.Series:
        """Each client's name (its id where it has none), by ``client_id``."""
        c = self.tables["clients"].set_index("client_id")["name"]
        return c.astype("object").where(c.notna() & (c.astype("str") != ""), c.index.to_series())


def _yearly_lines(by_year_category: pd.DataFrame) -> pd.DataFrame:
    """The portfolio's billing per year and category as lines (one per year and category) for the financials."""
    return pd.DataFrame({"date": pd.to_datetime(by_year_category["year"].astype(str) + "-01-01"),
                         "amount": by_year_category["billing"].to_numpy(),
                         "service_category": by_year_category["service_category"].astype(object).to_numpy()})


def analyse(portfolio, config: Catalogue | None = None, *, lang: str = "en") -> Analysis:
    """Run every step of the analysis on ``portfolio`` once, with the configuration ``config``.

    Parameters
    ----------
    portfolio : :class:`~portfolio_analysis.load.portfolio.Portfolio`
        The loaded files.
    config : Catalogue, optional
        The resolved configuration (:func:`resolve_config`); by default the one the
        portfolio was loaded with. Its weights, settings and random state reach every step.
    lang : {"en", "fr"}
        The language of the texts the steps write (reasons, levers, group names); the
        codes (``action``, levels) stay English.
    """
    from portfolio_analysis.i18n.language import check_lang
    from portfolio_analysis.load.portfolio import completeness, quality_summary
    from portfolio_analysis.steps import (
        actions,
        concentration,
        financials,
        profiles,
        retention,
        scoring,
        sensitivity,
    )

    check_lang(lang)
    started = time.perf_counter()
    cat = config or portfolio.catalogue
    register = portfolio.clients
    rs = int(cat.settings.get("random_state", 0) or 0)
    seg_cfg, sens_cfg = settings(cat, "segmentation"), settings(cat, "sensitivity")
    t: dict[str, pd.DataFrame] = {}
    facts: dict[str, Any] = {}
    timings: dict[str, float] = {}
    lap = _Lap(timings)

    # 1 data and validation
    t["clients"] = register
    t["contacts"] = portfolio.contacts
    # files named as the reader knows them, never by a path of the machine the analysis ran on
    t["validation_problems"] = _file_names(portfolio.report.problems)
    t["files_read"] = _file_names(portfolio.report.file_summary())
    t["data_completeness"] = completeness(portfolio)
    facts["quality"] = quality_summary(portfolio)
    lap("data")

    # 2 profiles and financials
    kinds = [k for k in ("business_type", "relationship_type", "business_outlook") if k in cat.fields or k in cat.criteria]
    t["level_counts"] = pd.concat(
        [profiles.level_counts(register, k, catalogue=cat, lang=lang).assign(criterion=k) for k in kinds],
        ignore_index=True)
    t["level_matrix"] = profiles.level_matrix(register, catalogue=cat).reset_index()
    t["relationship_coverage"] = profiles.relationship_coverage(register, portfolio.contacts)
    t["owner_spread"] = profiles.owner_spread(register, catalogue=cat)
    fin = financials.settings(cat)
    change = financials.billing_change(register, declining_threshold=fin["declining_threshold"])
    t["category_mix"] = financials.category_mix(register)
    tables = portfolio.invoice_tables
    by_month = tables.by_month if tables is not None and len(tables.by_month) else None
    # one reference period: the 12 months of the invoices' window, the projection from its complete months
    reference = tables.reference_date if tables is not None else None
    end_month = financials.last_complete_month(reference)
    end = end_month.to_timestamp() if end_month is not None else None
    knobs = {k: fin[k] for k in ("max_growth", "trend_months", "trend_damping")}
    t["projection_methods"] = financials.choose_projection(by_month, end=end, **knobs)
    method = str(t["projection_methods"].loc[t["projection_methods"]["chosen"], "method"].iloc[0])
    projection = financials.project_billing(by_month, register, end=end, method=method, **knobs)
    facts["backtest"] = (financials.backtest_projection(by_month, end=end, method=method, **knobs)
                         if by_month is not None else {"wape_pct": None, "method": method})
    facts["reference_period"] = ({"start": tables.current_window[0], "end": tables.current_window[1],
                                  "last_month": str(end_month) if end_month is not None else None,
                                  "last_invoice": tables.summary.get("last_date")}
                                 if reference is not None else None)
    t["financial_trends"] = change.merge(projection.table, on="client_id", how="left", suffixes=("", "_proj"))
    t["monthly_billing"] = financials.portfolio_monthly(by_month, projection, end=end)
    t["billing_by_year"] = (financials.billing_by_year_and_category(_yearly_lines(tables.by_year_category)).reset_index()
                            if tables is not None else pd.DataFrame({"year": pd.Series(dtype="int64")}))
    facts["financials"] = {"declining_threshold": fin["declining_threshold"], "has_invoices": by_month is not None,
                           "n_months": int(t["monthly_billing"]["billed"].notna().sum())}
    lap("profiles and financials")

    # 3 scoring and sensitivity
    weights = scoring.criterion_weights(catalogue=cat)
    t["weights"] = pd.DataFrame({"criterion": weights.index, "axis": [cat.criteria[k].axis for k in weights.index],
                                 "weight": weights.to_numpy()})
    t["weights"]["share_pct"] = t["weights"]["weight"] / t["weights"]["weight"].sum() * 100
    scores = scoring.score_clients(register, catalogue=cat)
    t["scores"] = scores
    t["score_contributions"] = scoring.contributions(register, catalogue=cat)
    facts["scoring"] = {"min_coverage": scoring.scoring_settings(cat)["min_coverage"]}
    sens = sensitivity.weight_sensitivity(
        register, catalogue=cat, n_draws=int(sens_cfg.get("n_draws", 1000)),
        concentration=float(sens_cfg.get("concentration", 50.0)), random_state=rs)
    t["rank_sensitivity"] = sens.ranks
    facts["sensitivity"] = _plain(sens.portfolio.to_dict())
    lap("scoring")

    # 4 segmentation
    _segmentation(t, facts, register, scores, cat, seg_cfg, rs, lang)
    lap("segmentation")

    # 5 profit and concentration
    profit = concentration.client_profit(register, catalogue=cat)
    t["profit"] = profit
    try:
        whale = concentration.whale_curve(profit)
        t["whale_curve"], facts["whale"], facts["whale_error"] = whale.curve, _plain(whale.summary()), None
    except concentration.NoProfitError:  # no profit figures, or a portfolio losing money overall
        known = profit["profit"].notna()
        t["whale_curve"], facts["whale"] = pd.DataFrame(), None
        facts["whale_error"] = ({"reason": "no_profit_figures"} if not known.any() else
                                {"reason": "not_positive", "total_profit": float(profit["profit"].sum()),
                                 "n_clients": int(known.sum())})
    summary = concentration.concentration_summary(register, catalogue=cat)
    facts["concentration"] = _plain(summary)
    t["lorenz"] = concentration.lorenz_curve(register)
    t["abc_classes"] = concentration.abc_classes(register, summary["abc_cutoffs"])
    lap("concentration")

    # 6 actions and the plan
    decided = actions.decide_actions(register, scores, profit=profit, catalogue=cat, lang=lang)
    facts["matrix"] = _plain({k: v for k, v in decided.attrs.items() if k != "quadrants"})
    t["actions"] = decided
    t["what_would_change"] = actions.what_would_change(register, scores, decided, profit=profit, catalogue=cat,
                                                       lang=lang)
    draws = sensitivity.weight_sensitivity(register, catalogue=cat, n_draws=int(sens_cfg.get("action_draws", 200)),
                                           concentration=float(sens_cfg.get("concentration", 50.0)), random_state=rs)
    t["action_stability"] = actions.action_stability(register, weight_draws=draws, profit=profit, catalogue=cat)
    facts["action_draws"] = int(draws.portfolio["n_draws"])
    plan = actions.relationship_plan(decided, register, profit=profit, segments=t["segments"], catalogue=cat, lang=lang)
    t["relationship_plan"] = plan
    t["actions"] = decided.merge(plan[["client_id", "priority"]], on="client_id", how="left")
    lap("actions")

    # 7 retention
    assumptions = retention.retention_assumptions(catalogue=cat)
    values = retention.client_lifetime_values(register, profit, catalogue=cat)
    end_ids = decided.loc[decided["action"] == "end", "client_id"].tolist()
    t["lifetime_values"] = values
    t["retention_scenarios"] = retention.retention_scenarios(register, profit, end_ids=end_ids, catalogue=cat)
    facts["retention"] = _plain({**assumptions, "portfolio_value": retention.portfolio_value(values)})
    lap("retention")

    facts["notes"] = configuration_notes(cat, register)
    timings["total"] = round(time.perf_counter() - started, 3)
    run = {"lang": lang, "timings_s": timings}
    return Analysis(tables={k: _frame(v) for k, v in t.items()}, facts=_plain(facts), run=run, config=cat.raw)


#: Why there is no segmentation (``facts["segmentation"]["status"]``; "segmented" otherwise).
SEGMENTATION_STATUS = ("segmented", "too_few_criteria", "no_stable_groups", "too_few_clients")


def _segmentation(t: dict, facts: dict, register, scores, cat: Catalogue, seg_cfg: dict, rs: int, lang: str) -> None:
    """Step 4 into ``t`` and ``facts``: the criteria, the groups (or why there are none), their pictures."""
    from portfolio_analysis.i18n.language import N_, language
    from portfolio_analysis.steps import segmentation

    asked = segmentation.resolve_segmentation_criteria(
        register, catalogue=cat, criteria=seg_cfg.get("criteria"), include=seg_cfg.get("include") or (),
        exclude=seg_cfg.get("exclude") or ())
    weights = dict(seg_cfg.get("weights") or {})
    table = segmentation.criteria_table(register, asked, catalogue=cat, weights=weights)
    used = table.loc[table["informative"], "criterion"].tolist()
    table["weight"] = [float(weights.get(k, 1.0)) if k in used else np.nan for k in table["criterion"]]
    table["used"] = table["criterion"].isin(used)
    fact: dict[str, Any] = {"status": "segmented", "criteria_asked": asked, "criteria": used, "n_clusters": 0,
                            "dominant": None, "dominant_ari": None, "weights": {k: float(weights.get(k, 1.0))
                                                                                 for k in used}}
    segmenter = None
    if len(used) < 2:
        fact["status"] = "too_few_criteria"
    else:
        segmenter = segmentation.Segmenter(
            criteria=used, weights={k: w for k, w in weights.items() if k in used},
            n_clusters=seg_cfg.get("n_clusters"), k_range=tuple(seg_cfg.get("k_range", (2, 8))),
            min_size=float(seg_cfg.get("min_share", 0.03)), min_clients=int(seg_cfg.get("min_clients", 5)),
            n_resamples=int(seg_cfg.get("n_resamples", 20)), catalogue=cat, random_state=rs)
        try:
            segmenter.fit(register)
        except ValueError:  # fewer than two clients
            fact["status"], segmenter = "too_few_clients", None
        else:
            t["segment_choice"] = segmenter.selection_.reset_index()
            if not segmenter.segmented_:
                fact["status"] = "no_stable_groups" if len(register) >= 2 * segmenter.min_size_ else "too_few_clients"
            fact["min_size"] = int(segmenter.min_size_)
    if "segment_choice" not in t:
        t["segment_choice"] = pd.DataFrame({c: pd.Series(dtype=d) for c, d in (
            ("k", "int64"), ("silhouette", "float64"), ("icl", "float64"), ("smallest", "int64"),
            ("eligible", "bool"), ("stability", "float64"), ("jaccard_min", "float64"), ("chosen", "bool"))})
    seg_weights = segmenter.encoding_.weights if segmenter is not None else None
    peers_on = used or [k for k in asked if k in table.loc[table["known_pct"] > 0, "criterion"].tolist()]
    t["peers"] = (segmentation.nearest_peers(register, k=3, catalogue=cat, criteria=peers_on,
                                             weights=dict.fromkeys(peers_on, 1.0) if not used else seg_weights)
                  if peers_on and len(register) >= 2 else pd.DataFrame({"client_id": pd.Series(dtype="str")}))
    if fact["status"] != "segmented":
        table["cramers_v"], table["ari"] = np.nan, np.nan
        t["segment_criteria"] = table
        none = language(lang).gettext(N_("not segmented"))
        t["segments"] = pd.DataFrame({"client_id": register["client_id"].astype("str").to_numpy(),
                                      "segment": pd.array([pd.NA] * len(register), dtype="Int64"),
                                      "segment_name": none})
        t["segment_profiles"] = pd.DataFrame({"segment": pd.Series(dtype="int64"), "n_clients": pd.Series(
            dtype="int64"), "name": pd.Series(dtype="str")})
        t["segment_stability"] = pd.DataFrame({c: pd.Series(dtype=d) for c, d in (
            ("segment", "int64"), ("size", "int64"), ("jaccard", "float64"), ("jaccard_min", "float64"),
            ("dissolved_pct", "float64"), ("verdict", "str"), ("name", "str"))})
        t["segment_map"] = pd.DataFrame({"client_id": pd.Series(dtype="str"), "x": pd.Series(dtype="float64"),
                                         "y": pd.Series(dtype="float64"), "segment": pd.Series(dtype="int64")})
        t["segment_differences"] = pd.DataFrame({"client_id": pd.Series(dtype="str")})
        t["dendrogram"], t["dendrogram_leaves"] = pd.DataFrame(), pd.DataFrame()
        facts["segmentation"] = fact
        return
    labels = segmenter.labels_
    assoc = segmentation.criterion_association(register, labels, catalogue=cat, criteria=used)
    t["segment_criteria"] = table.merge(assoc, on="criterion", how="left")
    dominant = segmentation.dominant_criterion(assoc)
    fact.update(dominant=dominant, dominant_ari=None if dominant is None else
                float(assoc.set_index("criterion").loc[dominant, "ari"]))
    seg_profiles = segmentation.segment_profiles(register, labels, scores, catalogue=cat, criteria=used, lang=lang)
    names = segmentation.name_segments(seg_profiles, catalogue=cat, lang=lang)
    t["segments"] = pd.DataFrame({"client_id": labels.index.astype("str"), "segment": labels.to_numpy()})
    t["segments"]["segment_name"] = t["segments"]["segment"].map(names)
    t["segment_profiles"] = seg_profiles.assign(name=names).rename_axis("segment").reset_index()
    stability = segmenter.stability_ or segmentation.segment_stability(
        register, segmenter, n_resamples=int(seg_cfg.get("n_resamples", 20)), random_state=rs)
    t["segment_stability"] = stability.groups.assign(name=names).rename_axis("segment").reset_index()
    fact.update({"n_clusters": int(segmenter.n_clusters_), "n_resamples": int(stability.n_resamples),
                 "fraction": float(stability.fraction), "ari": float(stability.ari), "stable": bool(stability.stable),
                 "medoids": {str(k): v for k, v in segmenter.medoids_.items()}})
    facts["segmentation"] = fact
    t["segment_map"] = segmentation.segment_map(register, labels, catalogue=cat, criteria=used, weights=seg_weights,
                                                random_state=rs)
    t["segment_differences"] = segmentation.client_differences(register, labels, segmenter.medoids_, catalogue=cat,
                                                               criteria=used, weights=seg_weights, lang=lang)
    if 2 <= len(register) <= DENDROGRAM_MAX:
        tree = segmentation.dendrogram_linkage(register, catalogue=cat, criteria=used, weights=seg_weights)
        t["dendrogram"], t["dendrogram_leaves"] = tree.linkage, tree.leaves
    else:  # a tree of thousands of leaves cannot be read
        t["dendrogram"], t["dendrogram_leaves"] = pd.DataFrame(), pd.DataFrame()


def configuration_notes(cat: Catalogue, register: pd.DataFrame) -> list[dict[str, Any]]:
    """What the analyst should know about the configuration on this data: what a ranking's ``rest``
    stood for, and every level score or weight changed from the shipped catalogue that changes no
    client's score here (``{"key", "kind", "criteria"...}``, kinds ``ranking_rest``,
    ``inert_level_score``, ``inert_weight``).

    A changed level score is inert when every client's score of that criterion is the same with
    the shipped score (no client has that level, or a real figure — a margin, a share of wallet —
    takes precedence for all those that do); a changed weight is inert when no client has a value
    of its criterion.
    """
    import copy

    from portfolio_analysis.config.catalogue import load_catalogue
    from portfolio_analysis.steps.scoring import _score_matrix

    notes: list[dict[str, Any]] = []
    if cat.raw.get("ranking_rest"):
        notes.append({"kind": "ranking_rest", "key": "ranking", "criteria": list(cat.raw["ranking_rest"])})
    if not len(register):
        return notes
    shipped = load_catalogue().criteria
    keys, matrix = _score_matrix(register, cat)
    for j, key in enumerate(keys):
        mine, base = cat.criteria[key], shipped.get(key)
        if base is None:
            continue
        if mine.weight != base.weight and np.isnan(matrix[:, j]).all():
            notes.append({"kind": "inert_weight", "key": f"criteria.{key}.weight", "criterion": key})
        base_scores, my_scores = base.scores, mine.scores  # the effective scores (evenly spaced when not given)
        for lkey, score in my_scores.items():
            if lkey not in base_scores or np.isclose(base_scores[lkey], score):
                continue
            raw = copy.deepcopy(cat.raw)
            for lv in raw["criteria"][key]["levels"]:
                lv["score"] = base_scores[lv["key"]] if lv["key"] == lkey else my_scores[lv["key"]]
            _, other = _score_matrix(register, Catalogue(raw))
            if np.allclose(other[:, j], matrix[:, j], equal_nan=True):
                notes.append({"kind": "inert_level_score", "key": f"criteria.{key}.levels.{lkey}.score",
                              "criterion": key, "level": lkey})
    return notes


NOTES = {
    "ranking_rest": N_("The ranking ended with 'rest': {criteria} were ranked last, tied."),
    "inert_level_score": N_("The score of the level '{level}' of {criterion} was changed ({key}), but it changes no "
                            "client's score on this data: no client is scored on that level (none has it, or a real "
                            "figure such as a margin takes precedence)."),
    "inert_weight": N_("The weight of {criterion} was changed ({key}), but no client has a value for it: it changes "
                       "nothing here."),
}


def note_text(note: Mapping, lang: str = "en") -> str:
    """A configuration note (see :func:`configuration_notes`) as a sentence in ``lang``."""
    from portfolio_analysis.i18n.language import language

    L = language(lang)
    cat = load_catalogue()

    def label(key):
        return cat.label(key, lang) if key in cat.criteria else key

    values = {"key": note.get("key"), "level": note.get("level"), "criterion": label(note.get("criterion")),
              "criteria": L.join(label(k) for k in note.get("criteria", []))}
    return L.gettext(NOTES[note["kind"]]).format(**values)


def _file_names(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``file`` column reduced to the files' names (no folders)."""
    from pathlib import PurePath

    if "file" not in frame.columns:
        return frame
    return frame.assign(file=frame["file"].map(lambda f: f if pd.isna(f) else PurePath(str(f)).name))


class _Lap:
    def __init__(self, into: dict):
        self.into, self.t = into, time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.into[name] = round(now - self.t, 3)
        self.t = now


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    """A table as it is saved and read back: column names as text, no attrs, text columns as text.

    A column of Python objects that holds only text (or nothing) becomes a text column, so
    that the analysis in memory and the one read back from Parquet are the same.
    """
    out = df.copy()
    out.attrs = {}
    out.columns = [str(c) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object and s.dropna().map(type).eq(str).all():
            out[col] = s.astype("str")
    return out


def _plain(value):
    """JSON-ready: numpy scalars to Python, NaN and infinities to None, dates to ISO text, tuples to lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value
