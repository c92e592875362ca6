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

from . import actions as _actions
from . import concentration, profiles, retention, scoring, segmentation
from .concentration import NoProfitError
from .loading import Portfolio, quality_summary
from .workbook import write_workbook

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


def analyse(portfolio: Portfolio, *, weights: dict | None = None, random_state: int = 0) -> Analysis:
    """Run scoring, segmentation, profit concentration, actions and retention on ``portfolio``."""
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
    seg_profiles = segmentation.segment_profiles(register, segmenter.labels_, scores, catalogue=cat)
    segments = segmentation.segment_table(register, segmenter, scores=scores, catalogue=cat)
    decided = _actions.decide_actions(register, scores, profit=profit, catalogue=cat, weights=w)
    assumptions = retention.retention_assumptions(catalogue=cat)
    values = retention.client_lifetime_values(register, profit, catalogue=cat)
    plan = _actions.relationship_plan(decided, register, profit=profit, segments=segments, catalogue=cat)
    end_ids = decided.loc[decided["action"] == "end", "client_id"].tolist()
    scenarios = retention.retention_scenarios(register, profit, end_ids=end_ids, catalogue=cat)
    kp = cat.settings.get("profiles", {}).get("key_person_share", profiles.DEFAULTS["key_person_share"])
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


_ACTION_SHEETS = {"develop": "Develop", "maintain": "Maintain", "fix": "Fix", "end": "End"}


def plan_table(analysis: Analysis) -> pd.DataFrame:
    """The relationship plan with the scores: one row per client, by priority."""
    cols = ["client_id", "value_score", "relationship_score", "total_score", "coverage"]
    plan = analysis.plan.merge(analysis.scores[cols], on="client_id", how="left")
    plan["name"] = plan["name"].astype("object").where(plan["name"].notna(), plan["client_id"])  # invoices-only clients
    keep = ["priority", "client_id", "name", "action", "segment", "owner", "value_score", "relationship_score",
            "total_score", "coverage", "value_at_stake", "reasons", "levers", "quadrant_label",
            "strategic_keep", "insufficient_data", "profit_is_estimated"]
    return plan[[c for c in keep if c in plan.columns]]


def write_relationship_plan(analysis: Analysis, path, *, company: str = "the company") -> Path:
    """Write the Excel relationship plan: summary, all clients, one sheet per action, segments,
    whale curve and validation problems."""
    figures = headline(analysis)
    plan = plan_table(analysis)
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
    summary = pd.DataFrame(summary_rows, columns=["figure", "value"]).astype({"value": "object"})
    summary["value"] = [f"{v:,.2f}" if isinstance(v, float) else v for v in summary["value"]]
    sheets = {"Summary": summary, "All clients": plan}
    for action, title in _ACTION_SHEETS.items():
        sheets[title] = plan[plan["action"] == action]
    seg_cols = ["segment", "name", "n_clients", "billing_share_pct", "profit_share_pct", "value_score",
                "relationship_score", "total_score"]
    sheets["Segments"] = analysis.segment_profiles[[c for c in seg_cols if c in analysis.segment_profiles.columns]]
    if analysis.whale is not None:
        curve = analysis.whale.curve
        sheets["Whale curve"] = curve[["rank", "client_id", "profit", "cum_profit_pct", "cum_clients_pct"]]
    problems = analysis.portfolio.report.problems
    sheets["Validation problems"] = problems.assign(row=problems["row"].astype("float64"))
    notes = {}
    if figures["profit_is_estimated"]:
        notes["Whale curve"] = "Profit is estimated for some clients from billing and a margin per profitability level."
    notes["All clients"] = f"Relationship plan for {company}: one row per client, by priority (1 = first)."
    return write_workbook(path, sheets, notes=notes)
