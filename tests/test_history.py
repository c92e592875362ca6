"""Tests of portfolio_analysis.load.history: invoice histories checked and summed by an engine, out of core.

Every engine must give what today's loader gives (load_invoices + aggregate_invoices, pinned
by test_invoices.py and test_billing.py) on the same files: the same counts, the same
problems (a bounded sample of them, the rest counted) and the same per-client tables.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_invoices import MESSY, RETAIL_MAPPING

from portfolio_analysis.load import engines as _engines
from portfolio_analysis.load.billing import aggregate_invoices
from portfolio_analysis.load.history import load_history
from portfolio_analysis.load.invoices import load_invoices
from portfolio_analysis.load.validation import DataValidationError, InputError, ValidationReport

SETTINGS = {"date_formats": ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%d/%m/%Y %H:%M",
                             "%d.%m.%Y"], "problem_rows": 20}


def _java() -> bool:
    try:
        return subprocess.run(["java", "-version"], capture_output=True).returncode == 0
    except OSError:
        return False


def _spark_ready() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return _java()


ENGINES = ["duckdb", pytest.param("spark", marks=[
    pytest.mark.spark,
    pytest.mark.skipif(not _spark_ready(), reason="pyspark or java absent (make test-spark installs them)")])]


def _history(source, engine="duckdb", **kwargs):
    report = ValidationReport()
    settings = {**SETTINGS, **kwargs.pop("settings", {})}
    tables = load_history(source, report=report, engine=engine, settings=settings, **kwargs)
    return tables, report


def _loader(source, reference_date=None, **kwargs):
    report = ValidationReport()
    lines = load_invoices(source, report=report, date_formats=SETTINGS["date_formats"], **kwargs)
    return aggregate_invoices(lines, reference_date=reference_date), report


def _assert_same_tables(mine, theirs):
    for name in ("per_client", "by_month", "by_year", "by_category"):
        a, b = getattr(mine, name), getattr(theirs, name)
        a = a.astype({c: "str" for c in a.columns if c in ("client_id", "service_category")})
        b = b.astype({c: "str" for c in b.columns if c in ("client_id", "service_category")})
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                      rtol=1e-12, atol=1e-9, obj=name)
    assert mine.reference_date == theirs.reference_date
    assert mine.current_window == theirs.current_window
    assert mine.previous_complete == theirs.previous_complete


def _counts(report):
    (stats,) = report.files.values()
    assert stats.adds_up
    return stats.rows_read, stats.rows_loaded, stats.rows_rejected, stats.rows_blank


# ----------------------------------------------------------------------------
# the messy files: every engine as today's loader
# ----------------------------------------------------------------------------
def _messy_files(folder: Path) -> dict[str, Path]:
    files = {}
    files["csv"] = folder / "factures.csv"
    files["csv"].write_text(MESSY, encoding="utf-8")
    files["cp1252"] = folder / "cp1252.csv"
    files["cp1252"].write_bytes(MESSY.replace("Maintenance", "Entretien été €").encode("cp1252"))
    files["blank_lines"] = folder / "blank.csv"
    files["blank_lines"].write_text("client,date,amount\nA,2024-01-01,1\n\n\nB,,2\n,,\nC,2024-01-03,x\n")
    frame = pd.DataFrame({
        "client": pd.array(["A", None, " B ", "", "C", "A"], dtype="str"),
        "date": pd.to_datetime(["2024-01-01", "2024-01-02", "1800-01-01", "2024-01-04", None, "2024-03-05 10:00"],
                              format="ISO8601"),
        "amount": [1.0, np.nan, 3.0, np.inf, 5.0, 2.5],
        "cost": [0.5, 1.0, np.nan, 2.0, 3.0, np.nan],
    })
    files["parquet"] = folder / "lines.parquet"
    frame.to_parquet(files["parquet"])
    xlsx = pd.DataFrame({
        "N° client": [17850, 12346, 17850, None],
        "Date": [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-05 10:00"), "06/03/2024", "07/03/2024"],
        "Quantité": [2, 3, 1, 4],
        "Prix unitaire": [10.0, 2.5, "1,5", "x"],
        "Catégorie": ["Pièces", None, "Pièces", "Pièces"],
    })
    files["xlsx"] = folder / "factures.xlsx"
    xlsx.to_excel(files["xlsx"], index=False)
    return files


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    return _messy_files(tmp_path_factory.mktemp("messy"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["csv", "cp1252", "blank_lines", "parquet", "xlsx"])
def test_every_engine_gives_todays_counts_problems_and_tables(messy, name, engine):
    path = messy[name]
    theirs, their_report = _loader(path, reference_date="2024-12-31")
    mine, report = _history(path, engine, reference_date="2024-12-31")
    assert _counts(report) == _counts(their_report)
    _assert_same_tables(mine, theirs)
    columns = ["severity", "file", "row", "column", "value", "message"]

    def listed(r):  # the problems of lines (a file's date order is said by the engines only)
        lines = r.problems[r.problems["row"].notna()]
        return [tuple(None if pd.isna(v) else v for v in row) for row in lines[columns].itertuples(index=False)]

    assert listed(report) == listed(their_report)
    assert report.counted.empty  # fewer problems than the sample holds: every one is listed
    assert mine.summary["n_lines"] == theirs.summary["n_lines"]


def test_messy_csv_by_hand(messy):
    tables, report = _history(messy["csv"], reference_date="2024-12-31")
    assert _counts(report) == (12, 4, 6, 2)
    per = tables.per_client.set_index("client_id")
    assert per["billing"].to_dict() == {"17850": -20.0, "C1": 1335.0, "C4": 3.5}
    assert per.loc["C1", "cost"] == 60.0 and np.isnan(per.loc["17850", "cost"])
    problems = report.problems
    assert list(zip(problems["row"], problems["column"], problems["value"])) == [
        (4, "Code client", None), (5, "Date facture", "2024-02-30"), (6, "Coût", "x"), (6, "Montant", "abc"),
        (8, "Date facture", "2024-13-01"), (12, "Date facture", "1850-01-01"), (13, "Montant", None)]
    assert tables.summary["engine"] == "duckdb"


def test_the_same_plan_on_spark_is_the_plan_on_duckdb_transpiled():
    from portfolio_analysis.load import plan

    shape = plan.Shape(("client_id", "date", "amount"), {}, None)
    opt = plan.Options(["%d/%m/%Y", "%Y-%m-%d %H:%M"], ref_day=19000, cur_day=18635, prev_day=18270)
    spark = plan.to_dialect(plan.tables_query(shape, opt), "spark")
    assert "TRY_TO_TIMESTAMP(_dt, 'd/M/yyyy')" in spark and "TRY_TO_TIMESTAMP(_dt, 'yyyy-M-d H:m')" in spark
    assert "GROUP BY client_raw" in spark and "try_strptime" not in spark.lower()
    assert plan.to_dialect(plan.tables_query(shape, opt), "duckdb") == plan.tables_query(shape, opt)


# ----------------------------------------------------------------------------
# a bounded sample of problems, the rest counted
# ----------------------------------------------------------------------------
def test_the_report_lists_a_sample_of_each_kind_and_counts_the_rest(tmp_path):
    rows = ["client,date,amount"] + [f"{'' if i % 2 else 'A'},2024-01-{1 + i % 28:02d},{'x' if i % 5 == 0 else i}"
                                     for i in range(100)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows) + "\n")
    tables, report = _history(path, settings={"problem_rows": 3})
    # by hand: odd i have no client (50 lines); i % 5 == 0 have a bad amount (20 lines, 10 of them with a client)
    assert _counts(report) == (100, 40, 60, 0)
    problems = report.problems
    no_client = problems[problems["column"] == "client"]
    bad_amount = problems[problems["column"] == "amount"]
    assert no_client["row"].tolist() == [3, 5, 7]  # i = 1, 3, 5 are rows 3, 5, 7
    assert bad_amount["row"].tolist() == [2, 7, 12] and bad_amount["value"].tolist() == ["x", "x", "x"]
    counted = report.counted.set_index("column")["n"].to_dict()
    assert counted == {"client": 47, "amount": 17}
    assert report.n_errors == 50 + 20
    text = report.to_text(max_rows=10)
    assert "... and 64 more:" in text and "47 x error in client: no client id" in text
    files = report.to_dict()["files"]
    assert {d["column"]: d["n"] for d in files[0]["not_listed"]} == {"client": 47, "amount": 17}
    assert tables.per_client["n_lines"].sum() == 40


# ----------------------------------------------------------------------------
# a folder of Parquet files: a partitioned history, a bad file, bad lines
# ----------------------------------------------------------------------------
def test_a_folder_of_parquet_files_with_a_bad_file_and_bad_lines(tmp_path):
    folder = tmp_path / "history"
    parts = []
    for year, clients in ((2023, ["A", "B", None]), (2024, ["A", "C", "A"])):
        frame = pd.DataFrame({"client_id": pd.array(clients, dtype="str"),
                              "date": pd.to_datetime([f"{year}-03-01", f"{year}-06-15", f"{year}-12-31"]),
                              "amount": [100.0, -10.0, 5.0] if year == 2023 else [1.0, np.nan, 7.0]})
        (folder / f"year={year}").mkdir(parents=True)
        frame.to_parquet(folder / f"year={year}" / "part-0.parquet")
        parts.append(frame)
    (folder / "year=2025").mkdir()
    (folder / "year=2025" / "part-0.parquet").write_bytes(b"this is not a parquet file")
    tables, report = _history(folder, reference_date="2024-12-31")
    files = report.file_summary().set_index("file")
    first, second = str(folder / "year=2023" / "part-0.parquet"), str(folder / "year=2024" / "part-0.parquet")
    assert files.loc[first, ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [3, 2, 1]
    assert files.loc[second, ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [3, 2, 1]
    problems = report.problems
    bad_file = problems[problems["file"].str.contains("2025")]
    assert len(bad_file) == 1 and "cannot be read" in bad_file["message"].iloc[0]
    lines = problems[~problems["file"].str.contains("2025")]
    assert list(zip(lines["file"], lines["row"], lines["column"])) == [(first, 4, "client_id"), (second, 3, "amount")]
    # by hand: A 100 (2023) + 1 + 7 (2024), B -10; the current 12 months are 2024
    per = tables.per_client.set_index("client_id")
    assert per["billing"].to_dict() == {"A": 8.0, "B": 0.0}
    assert tables.by_year.groupby("client_id")["billing"].sum().to_dict() == {"A": 108.0, "B": -10.0}
    everything = pd.concat(parts, ignore_index=True)
    theirs, _ = _loader(everything, reference_date="2024-12-31")
    _assert_same_tables(tables, theirs)


def test_a_glob_and_a_folder_of_csv_files(tmp_path):
    (tmp_path / "a.csv").write_text("client,date,amount\nA,2024-01-01,1\n")
    (tmp_path / "b.csv").write_text("client;date;amount\nA;02/01/2024;2,5\n;03/01/2024;1\n")
    tables, report = _history(tmp_path)
    assert tables.per_client.set_index("client_id")["n_lines"].to_dict() == {"A": 2}
    assert report.file_summary()["rows_read"].tolist() == [1, 2]
    same, _ = _history(str(tmp_path / "*.csv"))
    pd.testing.assert_frame_equal(same.per_client, tables.per_client)
    with pytest.raises(InputError, match="no file matches"):
        load_history(str(tmp_path / "*.parquet"))


def test_a_missing_column_in_every_file_stops_with_the_report(tmp_path):
    (tmp_path / "a.csv").write_text("client,amount\nA,1\n")
    with pytest.raises(DataValidationError) as info:
        load_history(tmp_path / "a.csv")
    assert "missing required column" in info.value.report.problems["message"].iloc[0]


# ----------------------------------------------------------------------------
# the real Online Retail lines
# ----------------------------------------------------------------------------
def test_online_retail_counts_and_billing_to_the_cent(online_retail):
    tables, report = _history(online_retail, mapping=RETAIL_MAPPING)
    assert _counts(report) == (541_909, 406_829, 135_080, 0)
    problems = report.problems
    assert len(problems) == 20 and (problems["column"] == "CustomerID").all()
    assert report.counted["n"].tolist() == [135_080 - 20]
    raw = pd.read_csv(online_retail, dtype={"CustomerID": "str"}, keep_default_na=False)
    blank = raw.index[raw["CustomerID"].str.strip() == ""] + 2
    assert problems["row"].tolist() == blank[:20].tolist()
    raw = raw[raw["CustomerID"] != ""]
    plain = (raw["Quantity"] * raw["UnitPrice"]).groupby(raw["CustomerID"].astype(float).astype(int).astype(str)).sum()
    mine = tables.by_year.groupby("client_id")["billing"].sum()
    assert len(mine) == len(plain) == 4_372
    np.testing.assert_array_equal(mine.loc[plain.index].round(2).to_numpy(), plain.round(2).to_numpy())
    assert tables.reference_date == pd.Timestamp("2011-12-09")
    assert tables.summary["n_lines"] == 406_829


# ----------------------------------------------------------------------------
# settings and progress
# ----------------------------------------------------------------------------
def test_memory_limit_spill_folder_and_threads_reach_duckdb(tmp_path):
    eng = _engines.engine("duckdb", {"memory_limit": "300MB", "spill_folder": str(tmp_path / "spill"), "threads": 1})
    settings = dict(eng.con.sql("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                "('memory_limit', 'temp_directory', 'threads')").fetchall())
    assert settings["temp_directory"] == str(tmp_path / "spill") and settings["threads"] == "1"
    assert settings["memory_limit"].startswith("286") or "MiB" in settings["memory_limit"]
    eng.close()


def test_a_memory_limit_too_small_is_a_message_naming_the_setting(tmp_path):
    n = 300_000  # 50,000 clients: the sums per client cannot fit in 4 MB
    rng = np.random.default_rng(0)
    pd.DataFrame({"client_id": [f"C{i}" for i in rng.integers(0, 50_000, n)],
                  "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
                  "amount": rng.random(n) * 100}).to_parquet(tmp_path / "lines.parquet")
    with pytest.raises(InputError, match=r"need more memory than the engine may use \(3\.8 MiB\): raise "
                                         r"settings\.loading\.memory_limit"):
        load_history(tmp_path / "lines.parquet", settings={"memory_limit": "4MB"})


def test_the_configuration_checks_the_loading_settings():
    from portfolio_analysis.config.catalogue import ConfigError, load_catalogue

    cat = load_catalogue(overrides=["settings.loading.memory_limit=2GB", "settings.loading.engine=spark"])
    assert cat.settings["loading"]["memory_limit"] == "2GB" and cat.settings["loading"]["engine"] == "spark"
    with pytest.raises(ConfigError, match="memory_limit: 'lots' is not an amount of memory"):
        load_catalogue(overrides=["settings.loading.memory_limit=lots"])
    with pytest.raises(ConfigError, match="engine"):
        load_catalogue(overrides=["settings.loading.engine=excel"])


def test_a_progress_line_with_lines_read_and_time():
    said = []
    count = iter(range(0, 10_000_000, 1_000_000))
    ticker = _engines.Ticker(said.append, lambda: next(count), after=0.01, every=0.01)
    with ticker:
        import time

        time.sleep(0.1)
    assert said and said[0].startswith("invoices: ") and " lines read, " in said[0] and said[0].endswith(" s")
    assert said[-1].endswith("(done)")
    quiet = []
    with _engines.Ticker(quiet.append, lambda: 1, after=5):
        pass
    assert quiet == []  # a quick load says nothing


# ----------------------------------------------------------------------------
# issue 10: what real invoice files do
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_us_dates_are_read_month_first_when_a_second_field_says_so(tmp_path, engine):
    path = tmp_path / "superstore.csv"
    path.write_text("Customer ID,Order Date,Sales\nA,03/04/2024,10\nA,12/25/2024,5\nB,1/13/2025,7\n")
    tables, report = _history(path, engine, reference_date="2025-01-31")
    assert _counts(report) == (3, 3, 0, 0)
    assert tables.by_month.assign(month=tables.by_month["month"].dt.strftime("%Y-%m")).values.tolist() == [
        ["A", "2024-03", 10.0], ["A", "2024-12", 5.0], ["B", "2025-01", 7.0]]
    assert tables.per_client.set_index("client_id")["first_date"].to_dict() == {
        "A": pd.Timestamp("2024-03-04"), "B": pd.Timestamp("2025-01-13")}
    (warning,) = report.problems["message"].tolist()
    assert warning == ("dates written N/N/YYYY are read month first: a field above 12 says so "
                       "(the configured order is day first)")
    assert tables.summary["date_order"] == {str(path): "month first"}


def test_dates_that_no_field_settles_are_read_in_the_configured_order_with_a_warning(tmp_path):
    path = tmp_path / "ambiguous.csv"
    path.write_text("client,date,amount\nA,03/04/2024,10\nA,05/06/2024,5\n")
    tables, report = _history(path)
    assert _counts(report) == (2, 2, 0, 0)
    assert tables.per_client["first_date"].tolist() == [pd.Timestamp("2024-04-03")]
    (warning,) = report.problems.to_dict("records")
    assert warning["severity"] == "warning" and warning["column"] == "date"
    assert warning["message"] == ("no date says whether days or months come first (no field above 12 in 2 dates "
                                  "written N/N/YYYY): they are read day first, as configured; check them")
    day_first = tmp_path / "eu.csv"
    day_first.write_text("client,date,amount\nA,03/04/2024,10\nA,25/06/2024,5\n")
    tables, report = _history(day_first)
    assert report.problems.empty and tables.per_client["last_date"].tolist() == [pd.Timestamp("2024-06-25")]


@pytest.mark.parametrize("engine", ENGINES)
def test_amounts_that_are_not_finite_or_too_large_are_rejected_with_their_message(tmp_path, engine):
    path = tmp_path / "huge.csv"
    path.write_text("client,date,amount\nA,2024-01-01,1e309\nA,2024-01-02,1e308\nA,2024-01-03,1e308\n"
                    "A,2024-01-04,10\nB,2024-01-05,-inf\n")
    tables, report = _history(path, engine)
    assert _counts(report) == (5, 1, 4, 0)
    problems = report.problems
    assert problems["row"].tolist() == [2, 3, 4, 6]
    assert problems["value"].tolist() == ["1e309", "1e308", "1e308", "-inf"]
    assert problems["message"].tolist()[:3] == ["not a finite amount, or beyond ±1e+15; the line is not loaded"] * 3
    assert problems["message"].tolist()[3] == "not a number; the line is not loaded"  # "-inf" is no number
    assert tables.per_client["billing"].tolist() == [10.0]
    assert np.isfinite(tables.by_year["billing"]).all()
    theirs, their_report = _loader(path)
    assert _counts(their_report) == (5, 1, 4, 0)
    assert their_report.problems["message"].tolist() == problems["message"].tolist()
    product = tmp_path / "product.csv"
    product.write_text("client,date,quantity,unit price\nA,2024-01-01,1e200,1e200\nA,2024-01-02,2,3\n")
    tables, report = _history(product, engine)
    assert _counts(report) == (2, 1, 1, 0) and tables.per_client["billing"].tolist() == [6.0]
    assert report.problems["message"].tolist() == [
        "quantity × unit price is not finite, or beyond ±1e+15; the line is not loaded"]
    assert report.problems["value"].tolist() == ["1e200"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_date_far_beyond_the_rest_is_reported_and_does_not_set_the_reference(tmp_path, engine):
    path = tmp_path / "future.csv"
    path.write_text("client,date,amount\nA,2024-01-15,10\nA,2024-06-30,20\nB,2024-06-01,5\nB,2099-01-01,1000\n")
    tables, report = _history(path, engine, reference_date="last-complete-month", run_date="2025-03-01")
    assert _counts(report) == (4, 4, 0, 0)
    assert tables.reference_date == pd.Timestamp("2024-06-30")  # not the end of 2098
    (problem,) = report.problems.to_dict("records")
    assert (problem["severity"], problem["row"], problem["value"]) == ("warning", 5, "2099-01-01")
    assert problem["message"] == ("dated far beyond the other lines (after the run date 2025-03-01); the line is "
                                  "loaded, but its date does not set the reference date")
    assert tables.per_client.set_index("client_id")["billing"].to_dict() == {"A": 30.0, "B": 5.0}
    assert tables.by_year.set_index(["client_id", "year"])["billing"].to_dict()[("B", 2099)] == 1000.0
    theirs, _ = _loader(path)
    assert aggregate_invoices(load_invoices(path), reference_date="last-complete-month",
                              run_date="2025-03-01").reference_date == pd.Timestamp("2024-06-30")
    assert theirs is not None


def test_years_past_the_bulk_of_the_lines_do_not_set_the_reference(tmp_path):
    rows = ["client,date,amount"] + [f"A,2011-{m:02d}-10,1" for m in range(1, 13) for _ in range(10)]
    rows.append("A,2019-05-01,1")
    path = tmp_path / "typo.csv"
    path.write_text("\n".join(rows) + "\n")
    tables, report = _history(path, run_date="2025-01-01")
    assert tables.reference_date == pd.Timestamp("2011-12-10")
    (problem,) = report.problems.to_dict("records")
    assert problem["row"] == 122 and "more than a year after the other lines, which end on 2011-12-10" in problem["message"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_stray_quote_is_reported_where_it_opened_and_the_lines_after_it_load(tmp_path, engine):
    path = tmp_path / "quote.csv"
    path.write_text('client,date,amount\nA,2024-01-01,1\n"B,2024-01-02,2\nC,2024-01-03,3\nD,2024-01-04,4\n'
                    'E,"2024-01-05,5\nF,2024-01-06,6\n')
    lines = path.read_text().count("\n")  # 7 lines: the header and 6 lines of invoices
    tables, report = _history(path, engine)
    assert _counts(report) == (lines - 1, 4, 2, 0)
    assert tables.per_client.set_index("client_id")["billing"].to_dict() == {"A": 1.0, "C": 3.0, "D": 4.0, "F": 6.0}
    problems = report.problems
    assert list(zip(problems["row"], problems["column"], problems["value"])) == [
        (3, "client", '"B'), (6, "date", '"2024-01-05')]
    assert problems["message"].iloc[0] == (
        "a quote opens the field 'client' and is not closed on its line, so it would swallow the lines after it; "
        "this line is not loaded, the lines after it are read on their own")


def test_a_quoted_line_break_is_a_field_not_a_stray_quote(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text('client,date,amount,category\nA,2024-01-01,1,"two\nlines"\nB,2024-01-02,2,x\n')
    tables, report = _history(path)
    assert _counts(report) == (2, 2, 0, 0) and report.problems.empty
    assert tables.by_category["service_category"].tolist() == ["two\nlines", "x"]


def test_the_cost_of_invoice_lines_gives_the_profit_the_register_lacks(tmp_path):
    from portfolio_analysis.load.portfolio import load_portfolio
    from portfolio_analysis.steps.concentration import client_profit

    register = tmp_path / "clients.csv"
    register.write_text("client_id,name,profit,margin_pct\nA,Acme,50,\nB,Beta,,\nC,Gamma,,20\n")
    invoices = tmp_path / "invoices.csv"
    invoices.write_text("client,date,amount,cost\nA,2024-03-01,100,70\nB,2024-03-02,200,150\nB,2024-04-02,40,\n"
                        "C,2024-05-01,10,9\nB,2022-01-01,999,1\n")
    pf = load_portfolio(register, invoices=invoices, reference_date="2024-12-31")
    clients = pf.clients.set_index("client_id")
    assert clients.loc["A", "profit"] == 50.0  # the register's figure is kept
    assert clients.loc["B", "profit"] == 240.0 - 150.0  # billing less the cost of the lines that have one
    assert np.isnan(clients.loc["C", "profit"])  # a margin rate in the register: the register decides
    profit = client_profit(pf.clients).set_index("client_id")
    assert profit["profit_source"].to_dict() == {"A": "profit", "B": "invoices", "C": "margin_pct"}
    assert profit.loc["C", "profit"] == pytest.approx(2.0)
    rows = pf.report.problems
    (message,) = rows.loc[rows["column"] == "profit", "message"].tolist()
    assert message == ("clients whose profit is their billing less the cost of their invoice lines over the "
                       "current 12 months, the register giving none: 1")
    summary = pf.report.file_summary().set_index("kind").loc["invoices"]
    assert (summary["rows_read"], summary["rows_loaded"]) == (5, 5)
