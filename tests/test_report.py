"""The deliverable end to end: the report command on the sample and on a French register."""

import json
import re
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from portfolio_analysis.cli import main
from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.deliver.runner import PARAMETERS, run_report
from portfolio_analysis.sample import make_sample

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "sample"
    code = main(["report", "--clients", str(SAMPLE / "clients.csv"), "--invoices", str(SAMPLE / "invoices.csv"),
                 "--contacts", str(SAMPLE / "contacts.csv"), "--company", "Sample Company", "--out", str(out)])
    assert code == 0
    return out


def test_the_deliverable_is_complete(sample_report):
    out = sample_report
    for name in ("report.html", "relationship_plan.xlsx", "summary.json", "deck.pptx"):
        assert (out / name).is_file(), name
    for table, columns in {
        "scores": ["client_id", "value_score", "relationship_score", "total_score", "coverage"],
        "segments": ["client_id", "segment", "segment_name"],
        "actions": ["client_id", "name", "action", "reasons", "levers", "priority"],
        "whale_curve": ["client_id", "profit", "cum_profit_pct", "cum_clients_pct"],
    }.items():
        df = pd.read_csv(out / "tables" / f"{table}.csv")
        assert set(columns) <= set(df.columns), table
    assert len(list((out / "notebooks").glob("*.ipynb"))) == 9
    assert not list(out.parent.glob(".sample.partial-*"))  # no staging left behind


def test_summary_agrees_with_the_tables(sample_report):
    out = sample_report
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    scores = pd.read_csv(out / "tables" / "scores.csv")
    actions = pd.read_csv(out / "tables" / "actions.csv")
    segments = pd.read_csv(out / "tables" / "segments.csv")
    whale = pd.read_csv(out / "tables" / "whale_curve.csv")
    files = pd.read_csv(out / "tables" / "files_read.csv")
    assert s["n_clients"] == len(scores) == len(actions) == 300
    assert s["actions"] == actions["action"].value_counts().reindex(
        ["develop", "maintain", "fix", "end"], fill_value=0).to_dict()
    assert s["n_segments"] == segments["segment"].nunique()
    assert s["whale_peak_pct"] == pytest.approx(whale["cum_profit_pct"].max())
    assert s["loss_making_clients"] == int((whale["profit"] < 0).sum())
    assert s["rows_read"] == files["rows_read"].sum() and s["rows_rejected"] == files["rows_rejected"].sum()
    for key in ("clients_at_peak_pct", "profit_is_estimated", "gini_billing", "hhi_billing", "top_clients_share_pct",
                "clients_at_or_over_10pct", "abc_counts", "annual_retention", "portfolio_value"):
        assert key in s, key
    assert set(s["top_clients_share_pct"]) == {"1", "5", "10"}


def test_html_holds_the_summary_first_and_every_figure(sample_report):
    html = (sample_report / "report.html").read_text(encoding="utf-8")
    assert html.index("Executive summary") < html.index("Data and validation")
    images = len(re.findall(r'src="data:image/png;base64', html))
    figures = len(list((sample_report / "figures").glob("*.png")))
    assert figures >= 15 and images >= figures
    assert "import " not in re.sub(r"<script.*?</script>", "", html, flags=re.S)  # code is hidden


def test_excel_plan_sheets_and_formats(sample_report):
    wb = openpyxl.load_workbook(sample_report / "relationship_plan.xlsx")
    assert wb.sheetnames[:2] == ["Summary", "All clients"]
    for name in ("Develop", "Maintain", "Fix", "End", "Segments", "Whale curve", "Validation problems"):
        assert name in wb.sheetnames
    ws = wb["All clients"]
    assert ws.freeze_panes == "D4"  # a note, a blank line, the header; priority, id and name stay in view
    header = [c.value for c in ws[3]]
    assert header[:4] == ["priority", "client ID", "client", "action"]  # readable headers
    n_fix = sum(1 for r in ws.iter_rows(min_row=4, values_only=True) if r[3] == "fix")
    assert n_fix == wb["Fix"].max_row - 1
    # columns to follow the plan up, empty, with a drop-down list of statuses and a date check
    for col in ("next step", "due date", "status", "notes"):
        assert col in header
    status = openpyxl.utils.get_column_letter(header.index("status") + 1)
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and str(lists[0].sqref).startswith(f"{status}4")
    assert lists[0].formula1 == '"to do,in progress,done,dropped"'
    assert any(dv.type == "date" for dv in ws.data_validations.dataValidation)
    # the summary's figures are numbers, not text
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Clients"] == 300 and isinstance(summary["Billing, last 12 months"], float)
    # the problems name the files, never a path of the machine
    files = {r[1] for r in wb["Validation problems"].iter_rows(min_row=2, values_only=True)}
    assert files == {"clients.csv", "invoices.csv", "contacts.csv"}


def _french_register(path: Path, n=60):
    """The sample's clients written as a French consultant receives them: ';', decimal comma, French words."""
    cat = load_catalogue()
    clients = make_sample(n, seed=3, problems=False)["clients"].drop(columns=["true_group"])
    fr = clients.copy()
    for key in cat.criteria:
        if key in fr.columns and cat.criteria[key].levels:
            en_to_fr = {lv.label["en"].lower(): lv.label["fr"] for lv in cat.criteria[key].levels}
            fr[key] = fr[key].map(lambda v, m=en_to_fr: "; ".join(m.get(p.strip().lower(), p) for p in str(v).split(";"))
                                  if isinstance(v, str) else v)
    fr.loc[0, "name"] = '=HYPERLINK("http://example.com","x")'
    fr.loc[1, "name"] = "@SUM(A1)"
    fr = fr.rename(columns={k: cat.label(k, "fr") for k in fr.columns if k in cat.fields or k in cat.criteria})
    fr.to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    return path


def test_a_french_semicolon_register(tmp_path):
    register = _french_register(tmp_path / "registre.csv")
    out = tmp_path / "rapport"
    assert main(["report", "--clients", str(register), "--lang", "fr", "--company", "Société X", "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["n_clients"] == 60 and s["rows_rejected"] == 0 and s["n_errors"] == 0
    wb = openpyxl.load_workbook(out / "relationship_plan.xlsx")
    assert wb.sheetnames[:3] == ["Synthèse", "Tous les clients", "Développer"]
    summary = {row[0]: row[1] for row in wb["Synthèse"].iter_rows(min_row=2, values_only=True)}
    assert [c.value for c in wb["Synthèse"][1]] == ["indicateur", "valeur"]
    assert summary["Entreprise"] == "Société X" and summary["Clients"] == 60  # a number, not text
    assert summary["Lignes lues / chargées / rejetées"] == "60 / 60 / 0"
    assert summary["Bénéfice estimé"] in ("oui", "non")
    gini = summary["Gini de la facturation"]  # a number: a French Excel shows it with its decimal comma
    assert isinstance(gini, float) and 0 < gini < 1
    cell = next(r[1] for r in wb["Synthèse"].iter_rows(min_row=2) if r[0].value == "Gini de la facturation")
    assert cell.number_format == "#,##0.00"
    ws = wb["Tous les clients"]
    assert [c.value for c in ws[3]][:4] == ["priorité", "identifiant client", "client", "action"]
    names = {c.value: c for c in ws["C"] if isinstance(c.value, str)}
    for text in ('=HYPERLINK("http://example.com","x")', "@SUM(A1)"):
        assert names[text].data_type == "s"  # written as text, never as a formula
    actions = pd.read_csv(out / "tables" / "actions.csv")
    assert set(actions.loc[actions["name"].str.startswith(("'=", "'@")), "name"]) == {
        '\'=HYPERLINK("http://example.com","x")', "'@SUM(A1)"}  # CSV cells defused too


def test_broken_input_fails_cleanly_without_a_deliverable(tmp_path, capsys):
    bad = tmp_path / "clients.csv"
    bad.write_text("code;raison sociale\nC1;Acme\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", "--clients", str(bad), "--out", str(out)]) == 1
    assert "client_id" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_a_failing_notebook_stops_the_run_and_keeps_it(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("\n".join(f"{p} = None" for p in PARAMETERS))
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("raise ValueError('boom')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "01_broken.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "out"
    code = run_report(clients=str(SAMPLE / "clients.csv"), out=out, notebooks=[path])
    err = capsys.readouterr().err
    assert code == 1
    assert "01_broken.ipynb" in err and "ValueError: boom" in err
    assert not out.exists()
    kept = tmp_path / "out.failed" / "notebooks" / "01_broken.ipynb"
    assert kept.is_file()


def test_the_run_never_writes_into_its_inputs(tmp_path, capsys):
    register = tmp_path / "clients.csv"
    register.write_bytes((SAMPLE / "clients.csv").read_bytes())
    assert main(["report", "--clients", str(register), "--out", str(tmp_path)]) == 2  # a command-line mistake
    assert "holds the input" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.csv"]


def test_the_report_keeps_the_prose_of_its_language(tmp_path):
    from portfolio_analysis.deliver.html import merge_notebooks

    nb = nbformat.v4.new_notebook()
    cells = [("# Title", []), ("In English", ["lang-en"]), ("En français", ["lang-fr"]), ("params", ["parameters"])]
    for text, tags in cells:
        cell = nbformat.v4.new_markdown_cell(text)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    assert [c.source for c in merge_notebooks([path], title="t", lang="fr").cells] == ["# Title", "En français"]
    assert [c.source for c in merge_notebooks([path], title="t", lang="en").cells] == ["# Title", "In English"]


def test_from_invoices_alone_nothing_is_ended_on_missing_data(tmp_path):
    out = tmp_path / "from_invoices"
    assert main(["report", "--invoices", str(SAMPLE / "invoices.csv"), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["n_clients"] == 300 and s["rows_rejected"] == 3
    # no register: the profit is the lines' billing less their cost over the 12 months to 31 December 2025
    lines = pd.read_csv(SAMPLE / "invoices.csv", dtype={"client_id": "str"})
    day = pd.to_datetime(lines["date"], format="%Y-%m-%d", errors="coerce")
    amount = pd.to_numeric(lines["amount"], errors="coerce")
    current = lines[lines["client_id"].notna() & amount.notna() & (day > "2024-12-31") & (day <= "2025-12-31")]
    by_client = current.assign(amount=amount).groupby("client_id").agg(billing=("amount", "sum"), cost=("cost", "sum"),
                                                                       with_cost=("cost", "count"))
    expected = (by_client["billing"] - by_client["cost"])[by_client["with_cost"] > 0].sum()
    assert s["total_profit"] == pytest.approx(expected, rel=1e-9)
    assert s["actions"]["end"] == 0 and s["insufficient_data_clients"] == 300
    assert "Executive summary" in (out / "report.html").read_text(encoding="utf-8")


def test_the_deck_has_its_slides_in_the_report_language(sample_report):
    from pptx import Presentation

    deck = Presentation(str(sample_report / "deck.pptx"))
    titles = [next((sh.text_frame.text for sh in slide.shapes if sh.has_text_frame), "") for slide in deck.slides]
    assert len(titles) == 8 and titles[0] == "Customer portfolio analysis — Sample Company"
    assert "The portfolio matrix" in titles and titles[-1] == "The first relationships to act on"
    summary = json.loads((sample_report / "summary.json").read_text(encoding="utf-8"))
    figures = " ".join(sh.text_frame.text for sh in deck.slides[1].shapes if sh.has_text_frame)
    assert f"{round(summary['total_billing']):,}" in figures  # the summary's billing, as the report writes it
    table = next(sh.table for sh in deck.slides[-1].shapes if sh.has_table)
    plan = pd.read_csv(sample_report / "tables" / "relationship_plan.csv")
    assert [table.cell(i, 1).text for i in range(1, 11)] == plan["name"].head(10).tolist()
    pictures = [sh for slide in deck.slides for sh in slide.shapes if sh.shape_type == 13]
    assert len(pictures) == 5


@pytest.mark.slow
def test_make_report_writes_where_out_says_even_in_a_new_folder(tmp_path):
    """`make report` as the README gives it, with OUT in folders that do not exist yet (a fresh clone has no
    reports/): the deliverable is written there."""
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[1]
    if shutil.which("make") is None or not (root / ".venv" / ".installed").exists():
        pytest.skip("make, or the virtual environment make builds, is not here")
    out = tmp_path / "new" / "folder" / "sample"
    done = subprocess.run(["make", "-s", "report", f"OUT={out}", "COMPANY=Acme"], cwd=root, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "report.html").is_file() and (out / "relationship_plan.xlsx").is_file()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["n_clients"] == 300
