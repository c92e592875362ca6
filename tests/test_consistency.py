"""One analysis, everywhere: every output of a report shows each client with the same segment, action,
priority and scores — with analysis parameters changed, so that a step that ignored them would disagree."""

import json
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from portfolio_analysis.cli import main
from portfolio_analysis.deliver.summary import HEADERS

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
pytestmark = pytest.mark.slow
SETTINGS = ["weights.profitability=6", "weights.relationship_type=0.5", "weights.upsell_potential=4",
            "settings.segmentation.n_clusters=4"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("consistency") / "rep"
    argv = ["report", "--clients", str(SAMPLE / "clients.csv"), "--invoices", str(SAMPLE / "invoices.csv"),
            "--contacts", str(SAMPLE / "contacts.csv"), "--company", "Sample Company", "--out", str(out)]
    for s in SETTINGS:
        argv += ["--set", s]
    assert main(argv) == 0
    return out


class _TableReader(HTMLParser):
    """The cells of the HTML tables of a page, row by row (what a reader sees)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _number(text: str):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return text


def _tables(nb_path: Path) -> list[pd.DataFrame]:
    """Every table a notebook shows, read back from its HTML output."""
    found = []
    for cell in nbformat.read(nb_path, as_version=4).cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if html and "<table" in html:
                reader = _TableReader()
                reader.feed(html)
                for rows in reader.tables:
                    found.append(pd.DataFrame([[_number(c) for c in r] for r in rows[1:]], columns=rows[0]))
    return found


def _shown(nb_path: Path, *columns: str) -> pd.DataFrame:
    tables = [t for t in _tables(nb_path) if set(columns) <= set(t.columns)]
    assert tables, f"{nb_path.name} shows no table with {columns}"
    return tables[0]


def test_the_settings_reached_the_analysis(report):
    run = json.loads((report / "analysis" / "analysis.json").read_text(encoding="utf-8"))
    assert run["run"]["configuration"]["overrides"] == SETTINGS
    weights = {k: v["weight"] for k, v in run["config"]["criteria"].items()}
    assert (weights["profitability"], weights["relationship_type"], weights["upsell_potential"]) == (6, 0.5, 4)
    segments = pd.read_csv(report / "tables" / "segments.csv")
    assert segments["segment"].nunique() == 4


def test_every_output_shows_the_same_client(report):
    scores = pd.read_csv(report / "tables" / "scores.csv").set_index("client_id")
    segments = pd.read_csv(report / "tables" / "segments.csv").set_index("client_id")
    actions = pd.read_csv(report / "tables" / "actions.csv").set_index("client_id")
    plan = pd.read_csv(report / "tables" / "relationship_plan.csv").set_index("client_id")
    # the tables agree with one another
    assert (actions["priority"] == plan.loc[actions.index, "priority"]).all()
    assert (actions["action"] == plan.loc[actions.index, "action"]).all()
    assert (plan["segment"] == segments.loc[plan.index, "segment_name"]).all()

    # summary.json
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["actions"] == actions["action"].value_counts().reindex(
        ["develop", "maintain", "fix", "end"], fill_value=0).to_dict()
    assert summary["segments"] == {str(k): v for k, v in
                                   segments.drop_duplicates("segment").set_index("segment")["segment_name"].items()}

    # every client sheet of the Excel plan
    wb = openpyxl.load_workbook(report / "relationship_plan.xlsx", read_only=True)
    n_checked = 0
    for name in ("All clients", "Develop", "Maintain", "Fix", "End"):
        rows = list(wb[name].iter_rows(values_only=True))
        top = next(i for i, r in enumerate(rows) if r and r[0] == HEADERS["priority"])  # below the sheet's note
        keys = {header: key for key, header in HEADERS.items()}  # readable headers back to the tables' keys
        sheet = pd.DataFrame(rows[top + 1:], columns=[keys.get(h, h) for h in rows[top]])
        sheet = sheet.dropna(subset=["client_id"]).set_index("client_id")
        ids = sheet.index
        assert (sheet["action"] == actions.loc[ids, "action"]).all(), name
        assert (sheet["priority"] == actions.loc[ids, "priority"]).all(), name
        assert (sheet["segment"] == segments.loc[ids, "segment_name"]).all(), name
        for col in ("value_score", "relationship_score", "total_score"):
            assert sheet[col].astype(float).round(6).equals(scores.loc[ids, col].round(6)), (name, col)
        n_checked += len(sheet)
    assert n_checked == 2 * len(scores)  # all clients once, and once more in their action's sheet

    notebooks = report / "notebooks"
    # 06: the relationship plan's first rows
    nb06 = _shown(notebooks / "06_portfolio_actions.ipynb", "Priority", "Client ID", "Action", "Group")
    assert len(nb06) >= 10
    for row in nb06.to_dict("records"):
        cid = row["Client ID"]
        assert row["Priority"] == actions.loc[cid, "priority"]
        assert row["Action"] == actions.loc[cid, "action"]
        assert row["Group"] == segments.loc[cid, "segment_name"]
    # 04: each client against its group
    nb04 = _shown(notebooks / "04_segmentation.ipynb", "Client ID", "Group")
    assert len(nb04) >= 5
    for row in nb04.to_dict("records"):
        assert row["Group"] == segments.loc[row["Client ID"], "segment"]
    # 00: the first relationships to act on, by priority
    nb00 = _shown(notebooks / "00_executive_summary.ipynb", "Priority", "Client", "Action")
    by_priority = actions.reset_index().set_index("priority")
    for row in nb00.to_dict("records"):
        assert row["Client"] == by_priority.loc[row["Priority"], "name"]
        assert row["Action"] == by_priority.loc[row["Priority"], "action"]
    # 03: the best and weakest clients' scores
    nb03 = _shown(notebooks / "03_scoring.ipynb", "Client ID", "Total score")
    for row in nb03.to_dict("records"):
        assert row["Total score"] == pytest.approx(scores.loc[row["Client ID"], "total_score"], abs=0.05)
