"""The whole analysis in one call, its headline figures, and the deliverable files.

:func:`analyse` runs every step on a loaded portfolio with the same settings the
notebooks use, so that ``summary.json`` and ``relationship_plan.xlsx`` agree with
the tables the notebooks write. :func:`headline` gives the figures of the
executive summary; :func:`write_summary_json` and :func:`write_relationship_plan`
write them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portfolio_analysis.deliver.workbook import write_workbook
from portfolio_analysis.load.portfolio import Portfolio, quality_summary
from portfolio_analysis.steps import actions as _actions
from portfolio_analysis.steps import concentration, profiles, retention, scoring, segmentation
from portfolio_analysis.steps.concentration import NoProfitError

ACTIONS = ("develop", "maintain", "fix", "end")


@dataclass
class Analysis:
    """Every table of the analysis of one portfolio, keyed by ``client_id``."""

    portfolio: Portfolio
    scores: pd.DataFrame
    profit: pd.DataFrame
    whale: Any  # concentration.WhaleCurve, or None when the total profit is not positive
    whale_error: str | None
    concentration: dict
    segments: pd.DataFrame
    segment_profiles: pd.DataFrame
    decided: pd.DataFrame
    plan: pd.DataFrame
    lifetime_values: pd.DataFrame
    scenarios: pd.DataFrame
    assumptions: dict
    coverage: pd.DataFrame
    owners: pd.DataFrame


def analyse(portfolio: Portfolio, *, weights: dict | None = None, random_state: int = 0, lang: str = "en") -> Analysis:
    """Run scoring, segmentation, profit concentration, actions and retention on ``portfolio``.

    ``lang`` is the language of the texts (reasons, levers); the codes (``action``) stay English.
    """
    cat = portfolio.catalogue
    register = portfolio.clients
    w = weights or None
    scores = scoring.score_clients(register, catalogue=cat, weights=w)
    profit = concentration.client_profit(register, catalogue=cat)
    try:
        whale, whale_error = concentration.whale_curve(profit), None
    except NoProfitError as exc:  # a portfolio that loses money overall still gets its report
        whale, whale_error = None, str(exc)
    segmenter = segmentation.Segmenter(catalogue=cat, random_state=random_state).fit(register)
    seg_profiles = segmentation.segment_profiles(register, segmenter.labels_, scores, catalogue=cat, lang=lang)
    segments = segmentation.segment_table(register, segmenter, scores=scores, catalogue=cat, lang=lang)
    decided = _actions.decide_actions(register, scores, profit=profit, catalogue=cat, weights=w, lang=lang)
    assumptions = retention.retention_assumptions(catalogue=cat)
    values = retention.client_lifetime_values(register, profit, catalogue=cat)
    plan = _actions.relationship_plan(decided, register, profit=profit, segments=segments, catalogue=cat, lang=lang)
    end_ids = decided.loc[decided["action"] == "end", "client_id"].tolist()
    scenarios = retention.retention_scenarios(register, profit, end_ids=end_ids, catalogue=cat)
    kp = profiles.settings(cat)["key_person_share"]
    return Analysis(
        portfolio=portfolio,
        scores=scores,
        profit=profit,
        whale=whale,
        whale_error=whale_error,
        concentration=concentration.concentration_summary(register, catalogue=cat),
        segments=segments,
        segment_profiles=seg_profiles.assign(name=seg_profiles.index.map(
            segments.drop_duplicates("segment").set_index("segment")["segment_name"])).reset_index(),
        decided=decided,
        plan=plan,
        lifetime_values=values,
        scenarios=scenarios,
        assumptions=assumptions,
        coverage=profiles.relationship_coverage(register, portfolio.contacts),
        owners=profiles.owner_spread(register, key_person_share=kp),
    )


def _plain(value):
    """JSON-ready: numpy scalars to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def headline(analysis: Analysis) -> dict:
    """The headline figures (the keys of ``summary.json``)."""
    q = quality_summary(analysis.portfolio)
    c = analysis.concentration
    w = analysis.whale.summary() if analysis.whale is not None else {}
    counts = analysis.decided["action"].value_counts()
    top_n = [int(k.split("_")[1]) for k in c if k.startswith("top_") and k.endswith("_pct")]
    scen = analysis.scenarios.set_index("scenario")
    out = {
        "n_clients": q["n_clients"],
        "rows_read": q["rows_read"],
        "rows_loaded": q["rows_loaded"],
        "rows_rejected": q["rows_rejected"],
        "rows_blank": q["rows_blank"],
        "n_errors": q["n_errors"],
        "n_warnings": q["n_warnings"],
        "total_billing": c["total_billing"],
        # the sum of the known profits, also when it is not positive; None when no client has one
        "total_profit": float(analysis.profit["profit"].sum()) if analysis.profit["profit"].notna().any() else None,
        "whale_peak_pct": w.get("peak_pct"),
        "clients_at_peak_pct": w.get("clients_at_peak_pct"),
        "loss_making_clients": w.get("n_loss_making"),
        "loss_tail_cost_pct": w.get("loss_tail_cost_pct"),
        "profit_is_estimated": bool(analysis.profit["profit_is_estimated"].any()),
        "whale_curve_note": analysis.whale_error,
        "gini_billing": c["gini"],
        "hhi_billing": c["hhi"],
        "equivalent_number_of_clients": c["equivalent_number"],
        "top_clients_share_pct": {str(n): c[f"top_{n}_pct"] for n in sorted(top_n)},
        "clients_at_or_over_10pct": c["major_customer_ids"],
        "abc_counts": c["abc_counts"],
        "n_segments": int(analysis.segments["segment"].nunique()),
        "segments": analysis.segments.drop_duplicates("segment").set_index("segment")["segment_name"]
        .sort_index().to_dict(),
        "actions": {a: int(counts.get(a, 0)) for a in ACTIONS},
        "strategic_keeps": int(analysis.decided["strategic_keep"].sum()),
        "insufficient_data_clients": int(analysis.scores["insufficient_data"].sum()),
        "fragile_relationships": int(analysis.coverage["fragile"].sum()),
        "key_person_risks": analysis.owners.loc[analysis.owners["key_person_risk"], "owner"].tolist(),
        "annual_retention": analysis.assumptions["annual_retention"],
        "portfolio_value": retention.portfolio_value(analysis.lifetime_values),
        "retention_plus_value_change": scen.loc["retention_plus", "value_change"] if "retention_plus" in scen.index
        else None,
        "end_clients_profit_change": scen.loc["end_clients", "profit_change"] if "end_clients" in scen.index
        else None,
    }
    return _plain(out)


def write_summary_json(figures: dict, out_dir) -> Path | None:
    """Write ``figures`` as ``out_dir/summary.json`` (nothing when ``out_dir`` is None)."""
    if out_dir is None:
        return None
    path = Path(out_dir) / "summary.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


_SHEETS = {
    "en": {"summary": "Summary", "all": "All clients", "develop": "Develop", "maintain": "Maintain", "fix": "Fix",
           "end": "End", "segments": "Segments", "whale": "Whale curve", "problems": "Validation problems"},
    "fr": {"summary": "Synthèse", "all": "Tous les clients", "develop": "Développer", "maintain": "Maintenir",
           "fix": "Redresser", "end": "Mettre fin", "segments": "Segments", "whale": "Courbe de la baleine",
           "problems": "Problèmes de validation"},
}

# French headers of the plan's columns (English keeps the machine-readable keys of tables/*.csv)
_HEADERS_FR = {
    "priority": "priorité", "client_id": "identifiant client", "name": "client", "action": "action",
    "segment": "segment", "owner": "responsable", "value_score": "score de valeur",
    "relationship_score": "score de relation", "total_score": "score total", "coverage": "couverture",
    "value_at_stake": "valeur en jeu", "reasons": "raisons", "levers": "leviers", "quadrant_label": "quadrant",
    "strategic_keep": "conservé pour raison stratégique", "insufficient_data": "données insuffisantes",
    "profit_is_estimated": "bénéfice estimé", "n_clients": "clients", "billing_share_pct": "part de la facturation (%)",
    "profit_share_pct": "part du bénéfice (%)", "rank": "rang", "profit": "bénéfice",
    "cum_profit_pct": "bénéfice cumulé (%)", "cum_clients_pct": "clients cumulés (%)", "severity": "gravité",
    "file": "fichier", "row": "ligne", "column": "colonne", "value": "valeur", "message": "message",
    "suggestion": "suggestion", "figure": "indicateur",
}


def plan_table(analysis: Analysis) -> pd.DataFrame:
    """The relationship plan with the scores: one row per client, by priority."""
    cols = ["client_id", "value_score", "relationship_score", "total_score", "coverage"]
    plan = analysis.plan.merge(analysis.scores[cols], on="client_id", how="left")
    plan["name"] = plan["name"].astype("object").where(plan["name"].notna(), plan["client_id"])  # invoices-only clients
    keep = ["priority", "client_id", "name", "action", "segment", "owner", "value_score", "relationship_score",
            "total_score", "coverage", "value_at_stake", "reasons", "levers", "quadrant_label",
            "strategic_keep", "insufficient_data", "profit_is_estimated"]
    return plan[[c for c in keep if c in plan.columns]]


def write_relationship_plan(analysis: Analysis, path, *, company: str = "the company", lang: str = "en") -> Path:
    """Write the Excel relationship plan: summary, all clients, one sheet per action, segments,
    whale curve and validation problems, in English or French (``lang``)."""
    from portfolio_analysis.i18n import action_name, check_lang

    check_lang(lang)
    figures = headline(analysis)
    plan = plan_table(analysis)
    names = _SHEETS[lang]
    summary_rows = [
        ("Company", company),
        ("Clients", figures["n_clients"]),
        ("Rows read / loaded / rejected", f"{figures['rows_read']:,} / {figures['rows_loaded']:,} / "
                                          f"{figures['rows_rejected']:,}"),
        ("Billing, last 12 months", figures["total_billing"]),
        ("Profit", figures["total_profit"]),
        ("Profit is estimated", "yes" if figures["profit_is_estimated"] else "no"),
        ("Whale curve peak (% of profit)", figures["whale_peak_pct"]),
        ("Clients at the peak (%)", figures["clients_at_peak_pct"]),
        ("Loss-making clients", figures["loss_making_clients"]),
        ("Gini of billing", figures["gini_billing"]),
        ("HHI of billing (0-10,000)", figures["hhi_billing"]),
        ("Clients at or over 10 % of billing", ", ".join(figures["clients_at_or_over_10pct"]) or "none"),
        ("Segments", figures["n_segments"]),
        *[(f"Clients to {a}", figures["actions"][a]) for a in ACTIONS],
        ("Annual retention (implied)", figures["annual_retention"]),
        ("Portfolio lifetime value", figures["portfolio_value"]),
    ]
    if lang == "fr":
        summary_rows = [(_SUMMARY_FR.get(label, label), value) for label, value in summary_rows]
    summary = pd.DataFrame(summary_rows, columns=["figure", "value"]).astype({"value": "object"})
    summary["value"] = [f"{v:,.2f}" if isinstance(v, float) else v for v in summary["value"]]
    if lang == "fr":
        summary["value"] = [v.replace(",", "\u202f").replace(".", ",") if isinstance(v, str) and v[:1].isdigit()
                            else v for v in summary["value"]]
        plan = plan.assign(action=plan["action"].map(lambda a: action_name(a, lang)))
    sheets = {names["summary"]: summary, names["all"]: plan}
    for action in ACTIONS:
        sheets[names[action]] = plan[plan["action"] == action_name(action, lang)]
    seg_cols = ["segment", "name", "n_clients", "billing_share_pct", "profit_share_pct", "value_score",
                "relationship_score", "total_score"]
    profiles = analysis.segment_profiles
    sheets[names["segments"]] = profiles[[c for c in seg_cols if c in profiles.columns]]
    if analysis.whale is not None:
        curve = analysis.whale.curve
        sheets[names["whale"]] = curve[["rank", "client_id", "profit", "cum_profit_pct", "cum_clients_pct"]]
    problems = analysis.portfolio.report.problems
    sheets[names["problems"]] = problems.assign(row=problems["row"].astype("float64"))
    notes = {}
    if figures["profit_is_estimated"]:
        notes[names["whale"]] = (
            "Le bénéfice est estimé pour certains clients à partir de la facturation et d'une marge par niveau."
            if lang == "fr" else
            "Profit is estimated for some clients from billing and a margin per profitability level.")
    notes[names["all"]] = (
        f"Plan de relation pour {company} : une ligne par client, par priorité (1 = d'abord)." if lang == "fr" else
        f"Relationship plan for {company}: one row per client, by priority (1 = first).")
    return write_workbook(path, sheets, notes=notes, headers=_HEADERS_FR if lang == "fr" else None)


_SUMMARY_FR = {
    "Company": "Entreprise", "Clients": "Clients", "Rows read / loaded / rejected": "Lignes lues / chargées / rejetées",
    "Billing, last 12 months": "Facturation, 12 derniers mois", "Profit": "Bénéfice",
    "Profit is estimated": "Bénéfice estimé", "Whale curve peak (% of profit)": "Pic de la courbe de la baleine (% du bénéfice)",
    "Clients at the peak (%)": "Clients au pic (%)", "Loss-making clients": "Clients déficitaires",
    "Gini of billing": "Gini de la facturation", "HHI of billing (0-10,000)": "HHI de la facturation (0-10 000)",
    "Clients at or over 10 % of billing": "Clients à 10 % de la facturation ou plus", "Segments": "Segments",
    "Clients to develop": "Clients à développer", "Clients to maintain": "Clients à maintenir",
    "Clients to fix": "Clients à redresser", "Clients to end": "Relations à arrêter",
    "Annual retention (implied)": "Fidélisation annuelle (implicite)", "Portfolio lifetime value": "Valeur vie du portefeuille",
}
