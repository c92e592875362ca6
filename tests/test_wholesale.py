"""A real register: UCI Wholesale customers (440 clients of a Portuguese distributor) through the whole report.

The data set becomes the register a company would hand in: one row per client with an id, a name,
the channel as business type, the region as an extra column and the six spending categories as
``Billing <category>`` columns (no billing column: the total is their sum). The headline figures of
the report are checked against a computation written here with plain pandas and numpy.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_analysis.cli import main

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
WHOLESALE = DATASETS / "wholesale_customers" / "wholesale_customers.csv"
CATEGORIES = ["Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not WHOLESALE.exists(), reason="the UCI Wholesale customers data set is not beside the repository"),
]


def wholesale_register() -> pd.DataFrame:
    raw = pd.read_csv(WHOLESALE)
    ids = [f"W{i:03d}" for i in range(1, len(raw) + 1)]
    register = pd.DataFrame({
        "client_id": ids,
        "name": [f"Wholesale client {i}" for i in range(1, len(raw) + 1)],
        "business_type": raw["Channel"].map({1: "Horeca", 2: "Retail"}),
        "Region": raw["Region"].map({1: "Lisbon", 2: "Oporto", 3: "Other region"}),
    })
    for c in CATEGORIES:
        register[f"Billing {c.replace('_', ' ')}"] = raw[c]
    return register


def expected_figures() -> dict:
    """The headline figures, computed here from the raw file (not through the package)."""
    raw = pd.read_csv(WHOLESALE)
    billing = raw[CATEGORIES].sum(axis=1).to_numpy(dtype=float)
    total = billing.sum()
    n = len(billing)
    # Gini as the mean absolute difference over twice the mean (no small-sample correction)
    gini = np.abs(billing[:, None] - billing[None, :]).sum() / (2 * n * n * billing.mean())
    shares = billing / total * 100
    return {
        "n_clients": n,
        "total_billing": total,
        "top_10_pct": np.sort(billing)[::-1][:10].sum() / total * 100,
        "gini": gini,
        "hhi": float((shares ** 2).sum()),
    }


def test_wholesale_customers_through_the_report(tmp_path, capsys):
    register = tmp_path / "wholesale_register.csv"
    wholesale_register().to_csv(register, index=False, sep=";")
    out = tmp_path / "report"
    assert main(["report", "--clients", str(register), "--company", "Portuguese wholesaler", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    want = expected_figures()
    assert summary["n_clients"] == want["n_clients"] == 440
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"], summary["rows_blank"]) == (
        440, 440, 0, 0)
    assert summary["total_billing"] == pytest.approx(want["total_billing"], rel=1e-12)
    assert summary["top_clients_share_pct"]["10"] == pytest.approx(want["top_10_pct"], rel=1e-9)
    assert summary["gini_billing"] == pytest.approx(want["gini"], rel=1e-9)
    assert summary["hhi_billing"] == pytest.approx(want["hhi"], rel=1e-9)
    # the region kept as written, the channel read as the business type, each client's billing the sum of its categories
    clients = pd.read_csv(out / "tables" / "clients.csv").set_index("client_id")
    raw = pd.read_csv(WHOLESALE)
    assert clients["Region"].value_counts().to_dict() == raw["Region"].map(
        {1: "Lisbon", 2: "Oporto", 3: "Other region"}).value_counts().to_dict()
    assert clients["business_type"].value_counts().to_dict() == {"Horeca": int((raw["Channel"] == 1).sum()),
                                                                  "Retail": int((raw["Channel"] == 2).sum())}
    assert clients.loc["W001", "billing"] == raw.loc[0, CATEGORIES].sum()
    assert (out / "report.html").stat().st_size > 0 and (out / "relationship_plan.xlsx").is_file()
