"""The whole deliverable checked as a manager would read it, on the sample and on portfolios unlike it.

Every figure of the executive summary equals its table; the plan is coherent (value at stake is the
annual profit on every row, every fix has a lever or says none applies); no sentence is empty of
meaning (a zero count, a placeholder); the report names no module, setting, flag or format code
outside its appendix; the French report holds none of the English interface words.
"""

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from portfolio_analysis.cli import main
from portfolio_analysis.steps.actions.plan import NO_LEVER

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
pytestmark = pytest.mark.slow
APPENDIX = ("How to reproduce this report", "Reproduire ce rapport")


def _visible(report: Path) -> str:
    """The text a reader sees in report.html, up to the appendix."""
    s = report.read_text(encoding="utf-8")
    s = re.sub(r"<style.*?</style>|<script.*?</script>|<nav class=\"report-contents\".*?</nav>", "", s, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", s))
    for title in APPENDIX:
        if title in text:
            text = text[:text.rindex(title)]
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def deliverables(tmp_path_factory):
    root = tmp_path_factory.mktemp("deliverables")
    register = pd.read_csv(SAMPLE / "clients.csv", dtype=str)
    few = root / "few.csv"  # a dozen clients
    register.head(12).to_csv(few, index=False)
    no_cost = root / "invoices_without_cost.csv"  # the lines' cost would give the profit
    pd.read_csv(SAMPLE / "invoices.csv", dtype=str).drop(columns="cost").to_csv(no_cost, index=False)
    runs = {
        "sample": ["--clients", str(SAMPLE / "clients.csv"), "--invoices", str(SAMPLE / "invoices.csv"),
                   "--contacts", str(SAMPLE / "contacts.csv")],
        "no_profit": ["--invoices", str(no_cost)],  # invoices without costs: no profit figure
        "few": ["--clients", str(few)],
        "french": ["--clients", str(SAMPLE / "clients.csv"), "--invoices", str(SAMPLE / "invoices.csv"),
                   "--lang", "fr"],
    }
    out = {}
    for name, argv in runs.items():
        out[name] = root / name
        assert main(["report", *argv, "--out", str(out[name])]) == 0, name
    return out


@pytest.mark.parametrize("name", ["sample", "no_profit", "few", "french"])
def test_the_plan_is_coherent(deliverables, name):
    out = deliverables[name]
    plan = pd.read_csv(out / "tables" / "relationship_plan.csv", keep_default_na=False, na_values=[""])
    profit = pd.read_csv(out / "tables" / "profit.csv").set_index("client_id")["profit"]
    stake = plan.set_index("client_id")["value_at_stake"]
    pd.testing.assert_series_equal(stake, profit.loc[stake.index], check_names=False)  # one definition
    fixes = plan[plan["action"] == "fix"]
    assert (fixes["levers"].fillna("").str.len() > 0).all()  # a lever, or the plain note that none applies
    actions = pd.read_csv(out / "tables" / "actions.csv")
    assert not (actions["insufficient_data"] & (actions["action"] == "end")).any()  # never ended on missing data
    assert sorted(plan["priority"]) == list(range(1, len(plan) + 1))
    if name == "no_profit":
        assert (fixes["levers"] == NO_LEVER).all() if len(fixes) else True


@pytest.mark.parametrize("name", ["sample", "no_profit", "few"])
def test_the_executive_summary_equals_its_tables(deliverables, name):
    out = deliverables[name]
    text = _visible(out / "report.html")
    summary = text[text.index("Executive summary"):text.index("1 · Data and validation")]
    clients = pd.read_csv(out / "tables" / "clients.csv")
    actions = pd.read_csv(out / "tables" / "actions.csv")["action"].value_counts()
    billing = clients["billing"].round(2).sum()  # every client, credit notes included
    assert f"{len(clients):,} clients" in summary
    assert f"billing {round(billing):,} over the last 12 months" in summary
    for action in ("develop", "maintain", "fix", "end"):  # each action with clients, and its count
        assert (f"{action} {actions[action]:,}" in summary) if action in actions else f"{action} 0" not in summary
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    if s["whale_peak_pct"] is not None:
        if s["loss_making_clients"]:
            assert f"{s['loss_making_clients']:,} loss-making" in summary
        else:
            assert "no client makes a loss" in summary
    else:
        assert "no profit, margin or profitability level" in summary


@pytest.mark.parametrize("name", ["sample", "no_profit", "few", "french"])
def test_every_sentence_says_something(deliverables, name):
    text = _visible(deliverables[name] / "report.html")
    zero = re.findall(r"\b0 (?:clients?|errors?|warnings?|relationships?|groups?|erreurs?|avertissements?)\b", text)
    assert not zero, zero
    assert not re.search(r"\(\s*0 clients?\)", text)
    assert not re.search(r"(?<![\d,.])\b0 (?:of the|are|is)\b", text), re.findall(r".{60}\b0 (?:of the|are|is).{40}", text)
    assert " nan " not in text.lower() and "None" not in text.split()
    # no developer's words before the appendix
    for pattern in (r"portfolio_analysis", r"\bsettings\.", r"(?<![\w-])--[a-z]", r"%[YmdHMS]", r"\w+_score\b",
                    r"_pct\b", r"\bDataFrame\b"):
        assert not re.search(pattern, text), pattern


def test_the_french_report_holds_no_english_interface_words(deliverables):
    text = _visible(deliverables["french"] / "report.html")
    names = pd.read_csv(deliverables["french"] / "tables" / "clients.csv", dtype=str)
    for column in ("name", "owner", "client_id"):  # the data's own words are not the interface's
        for value in names[column].dropna().unique():
            text = text.replace(value, " ")
    english = re.findall(r"\b(?:the|with|which|billing|weights?|priority|owner|levers?|missing|none|yes|develop|"
                         r"maintain|clients to|score map|rank|share of wallet)\b", text, flags=re.I)
    assert not english, sorted(set(english))
