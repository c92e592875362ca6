"""The headline figures of an analysis, ``summary.json`` and the Excel relationship plan.

Everything here reads one :class:`~portfolio_analysis.pipeline.Analysis`, the same the
notebooks present: :func:`headline` gives the figures of the executive summary,
:func:`write_summary_json` and :func:`write_relationship_plan` write them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from portfolio_analysis.archive import run_record
from portfolio_analysis.deliver.workbook import write_workbook
from portfolio_analysis.i18n.language import N_, check_lang, language
from portfolio_analysis.load.validation import READER_COLUMNS, problems_in
from portfolio_analysis.pipeline import Analysis, _plain

ACTIONS = ("develop", "maintain", "fix", "end")


def _total_billing(clients, fallback: float) -> float:
    if "billing" not in clients.columns:
        return fallback
    billing = pd.to_numeric(clients["billing"], errors="coerce").round(2)
    return float(billing.sum()) if billing.notna().any() else fallback


def headline(analysis: Analysis) -> dict:
    """The headline figures (the keys of ``summary.json``)."""
    f = analysis.facts
    q, c, w = f["quality"], f["concentration"], f["whale"] or {}
    counts = analysis.actions["action"].value_counts()
    scen = analysis.retention_scenarios.set_index("scenario")
    profit = analysis.profit["profit"]
    segments = analysis.segments.drop_duplicates("segment").set_index("segment")["segment_name"].sort_index()
    owners = analysis.owner_spread
    out = {
        "n_clients": q["n_clients"],
        "rows_read": q["rows_read"],
        "rows_loaded": q["rows_loaded"],
        "rows_rejected": q["rows_rejected"],
        "rows_blank": q["rows_blank"],
        "n_errors": q["n_errors"],
        "n_warnings": q["n_warnings"],
        # what the clients were billed over the last 12 months, credit notes included (the concentration
        # measures leave out the clients whose credits exceed their sales: their total is the concentration's)
        "total_billing": _total_billing(analysis.clients, c["total_billing"]),
        # the sum of the known profits, also when it is not positive; None when no client has one
        "total_profit": float(profit.sum()) if profit.notna().any() else None,
        "whale_peak_pct": w.get("peak_pct"),
        "clients_at_peak_pct": w.get("clients_at_peak_pct"),
        "loss_making_clients": w.get("n_loss_making"),
        "loss_tail_cost_pct": w.get("loss_tail_cost_pct"),
        "profit_is_estimated": bool(analysis.profit["profit_is_estimated"].any()),
        "whale_curve_note": (f["whale_error"] or {}).get("reason"),
        "gini_billing": c["gini"],
        "hhi_billing": c["hhi"],
        "equivalent_number_of_clients": c["equivalent_number"],
        "top_clients_share_pct": {k.split("_")[1]: v for k, v in c.items() if k.startswith("top_") and k.endswith("_pct")},
        "clients_at_or_over_10pct": c["major_customer_ids"],
        "abc_counts": c["abc_counts"],
        "n_segments": int(analysis.segments["segment"].nunique()),
        "segments": {str(k): v for k, v in segments.items()},
        "actions": {a: int(counts.get(a, 0)) for a in ACTIONS},
        "strategic_keeps": int(analysis.actions["strategic_keep"].sum()),
        # loss-makers whose action holds for strategic reasons, on condition that their economics are fixed
        "conditional_clients": int(analysis.actions["conditional"].sum()),
        "conditional_profit": float(analysis.actions.loc[analysis.actions["conditional"], "profit"].sum()),
        "insufficient_data_clients": int(analysis.scores["insufficient_data"].sum()),
        "fragile_relationships": int(analysis.relationship_coverage["fragile"].sum()),
        "key_person_risks": owners.loc[owners["key_person_risk"], "owner"].tolist(),
        "annual_retention": f["retention"]["annual_retention"],
        "portfolio_value": f["retention"]["portfolio_value"],
        "retention_plus_value_change": scen.loc["retention_plus", "value_change"] if "retention_plus" in scen.index
        else None,
        "end_clients_profit_change": scen.loc["end_clients", "profit_change"] if "end_clients" in scen.index
        else None,
        "lang": analysis.lang,
        "run": run_record(analysis),
    }
    return _plain(out)


def write_summary_json(figures: dict, out_dir) -> Path | None:
    """Write ``figures`` as ``out_dir/summary.json`` (nothing when ``out_dir`` is None)."""
    if out_dir is None:
        return None
    path = Path(out_dir) / "summary.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


#: The workbook's sheets.
SHEETS = {"summary": N_("Summary"), "all": N_("All clients"), "develop": N_("Develop"), "maintain": N_("Maintain"),
          "fix": N_("Fix"), "end": N_("End"), "segments": N_("Segments"), "whale": N_("Whale curve"),
          "problems": N_("Validation problems")}

#: The headers a reader sees for the workbook's columns (tables/*.csv keep the machine-readable keys).
HEADERS = {
    "priority": N_("priority"), "client_id": N_("client ID"), "name": N_("client"), "action": N_("action"),
    "segment": N_("segment"), "owner": N_("owner"), "value_score": N_("value score"),
    "relationship_score": N_("relationship score"), "total_score": N_("total score"), "coverage": N_("coverage"),
    "value_at_stake": N_("annual profit at stake"), "profit_if_ended": N_("profit change if it ended"),
    "condition": N_("condition"), "reasons": N_("reasons"), "levers": N_("levers"),
    "next_step": N_("next step"), "due_date": N_("due date"), "status": N_("status"), "notes": N_("notes"),
    "conditional": N_("kept on condition"), "segment_name": N_("group name"),
    "quadrant_label": N_("quadrant"), "strategic_keep": N_("kept for a strategic reason"),
    "insufficient_data": N_("insufficient data"), "profit_is_estimated": N_("profit estimated"),
    "n_clients": N_("clients"), "billing_share_pct": N_("share of billing (%)"),
    "profit_share_pct": N_("share of profit (%)"), "rank": N_("rank"), "profit": N_("profit"),
    "cum_profit_pct": N_("cumulative profit (%)"), "cum_clients_pct": N_("cumulative clients (%)"),
    "severity": N_("severity"), "file": N_("file"), "row": N_("row"), "column": N_("column"), "value": N_("value"),
    "message": N_("message"), "suggestion": N_("suggestion"), "figure": N_("figure"),
}

#: The statuses a plan's row can take (the drop-down list of its status column).
STATUSES = (N_("to do"), N_("in progress"), N_("done"), N_("dropped"))

#: The summary sheet's figures for each action.
CLIENTS_TO = {"develop": N_("Clients to develop"), "maintain": N_("Clients to maintain"),
              "fix": N_("Clients to fix"), "end": N_("Clients to end")}


def _run_rows(run: dict, L) -> list[tuple[str, object]]:
    """What the run used, as rows of the summary sheet: date, inputs, configuration, weights, changes."""
    _ = L.gettext
    conf = run.get("configuration") or {}
    none = _("none")
    weights = "; ".join(f"{k} {L.num(w['weight'], 1)} ({L.pct(w['share_pct'])})" for k, w in run["weights"].items())
    changed = "; ".join(f"{k}: {v['shipped']} → {v['in_force']}" for k, v in run["changed_settings"].items())
    return [
        (_("Run date"), L.date(run["run_date"]) if run.get("run_date") else none),
        (_("Input files (SHA-256)"), "; ".join(f"{i['file']} ({i['sha256'][:12]}…)" for i in run["inputs"]) or none),
        (_("Configuration files"), ", ".join(conf.get("files", [])) or none),
        (_("Settings given on the command line"), ", ".join(conf.get("overrides", [])) or none),
        (_("Weights in force (share of the total)"), weights or none),
        (_("Changed from the shipped catalogue"), changed or none),
    ]


def plan_table(analysis: Analysis) -> pd.DataFrame:
    """The relationship plan with the scores: one row per client, by priority."""
    cols = ["client_id", "value_score", "relationship_score", "total_score", "coverage"]
    plan = analysis.relationship_plan.merge(analysis.scores[cols], on="client_id", how="left")
    plan["name"] = plan["name"].astype("object").where(plan["name"].notna(), plan["client_id"])  # invoices-only clients
    keep = ["priority", "client_id", "name", "action", "condition", "segment", "owner", "value_at_stake",
            "profit_if_ended", "levers", "reasons", "value_score", "relationship_score", "total_score", "coverage",
            "quadrant_label", "strategic_keep", "conditional", "insufficient_data", "profit_is_estimated"]
    return plan[[c for c in keep if c in plan.columns]]


def _tracking(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan with empty columns for the team to follow it up: next step, due date, status, notes."""
    empty = pd.Series([None] * len(plan), index=plan.index, dtype="object")
    at = list(plan.columns).index("levers") + 1 if "levers" in plan.columns else len(plan.columns)
    out = plan.copy()
    for i, col in enumerate(("next_step", "due_date", "status", "notes")):
        out.insert(at + i, col, empty)
    return out


def write_relationship_plan(analysis: Analysis, path, *, company: str = "the company", lang: str = "en") -> Path:
    """Write the Excel relationship plan: summary, all clients, one sheet per action, segments,
    whale curve and validation problems, in English or French (``lang``)."""
    from portfolio_analysis.i18n import action_name

    L = language(check_lang(lang))
    _ = L.gettext
    figures = headline(analysis)
    plan = plan_table(analysis)
    names = {key: _(name) for key, name in SHEETS.items()}
    summary_rows = [
        (_("Company"), company),
        (_("Clients"), figures["n_clients"]),
        (_("Rows read / loaded / rejected"), " / ".join(L.num(figures[k]) for k in
                                                        ("rows_read", "rows_loaded", "rows_rejected"))),
        (_("Billing, last 12 months"), figures["total_billing"]),
        (_("Profit"), figures["total_profit"]),
        (_("Profit is estimated"), _("yes") if figures["profit_is_estimated"] else _("no")),
        (_("Whale curve peak (% of profit)"), figures["whale_peak_pct"]),
        (_("Clients at the peak (%)"), figures["clients_at_peak_pct"]),
        (_("Loss-making clients"), figures["loss_making_clients"]),
        (_("Gini of billing"), figures["gini_billing"]),
        (_("HHI of billing (0-10,000)"), figures["hhi_billing"]),
        (_("Clients at or over 10 % of billing"), ", ".join(figures["clients_at_or_over_10pct"]) or _("none")),
        (_("Segments"), figures["n_segments"]),
        *[(_(CLIENTS_TO[a]), figures["actions"][a]) for a in ACTIONS],
        (_("Annual retention (implied)"), figures["annual_retention"]),
        (_("Portfolio lifetime value"), figures["portfolio_value"]),
        *_run_rows(figures["run"], L),
    ]
    summary = pd.DataFrame(summary_rows, columns=["figure", "value"]).astype({"value": "object"})
    plan = _tracking(plan.assign(action=plan["action"].map(lambda a: action_name(a, lang))))
    sheets = {names["summary"]: summary, names["all"]: plan}
    for action in ACTIONS:
        sheets[names[action]] = plan[plan["action"] == action_name(action, lang)]
    seg_cols = ["segment", "name", "n_clients", "billing_share_pct", "profit_share_pct", "value_score",
                "relationship_score", "total_score"]
    profiles = analysis.segment_profiles
    sheets[names["segments"]] = profiles[[c for c in seg_cols if c in profiles.columns]].rename(
        columns={"name": "segment_name"})
    if len(analysis.whale_curve):
        curve = analysis.whale_curve
        sheets[names["whale"]] = curve[["rank", "client_id", "profit", "cum_profit_pct", "cum_clients_pct"]]
    problems = problems_in(analysis.validation_problems, lang)[READER_COLUMNS]  # the messages in the language
    files = problems["file"].map(lambda f: Path(str(f)).name)  # the file's name, not a path of this machine
    sheets[names["problems"]] = problems.assign(row=problems["row"].astype("float64"), file=files)
    notes = {}
    if figures["profit_is_estimated"]:
        notes[names["whale"]] = _("Profit is estimated for some clients from billing and a margin per profitability "
                                  "level.")
    notes[names["all"]] = _("Relationship plan for {company}: one row per client, by priority (1 = first).").format(
        company=company)
    headers = {key: _(header) for key, header in HEADERS.items()}
    return write_workbook(path, sheets, notes=notes, headers=headers,
                          choices={"status": [_(status) for status in STATUSES]})
