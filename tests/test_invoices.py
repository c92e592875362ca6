"""Tests of portfolio_analysis.load.invoices: loading invoice lines, every line loaded or reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_analysis.load.billing import aggregate_invoices
from portfolio_analysis.load.invoices import INVOICE_FIELDS, LINE_COLUMNS, load_invoices
from portfolio_analysis.load.validation import DataValidationError, ValidationReport

RETAIL_MAPPING = {
    "client_id": "CustomerID",
    "date": "InvoiceDate",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
}

# A file with one of each problem; the expected outcome is worked out line by line below.
MESSY = """Code client;Date facture;Montant;Catégorie;Coût;N° facture
C1;2024-01-15;100,50;Maintenance;60;F1
 C1 ;15/02/2024;1 234,5 €;maintenance ;;F2
;2024-03-01;50;Conseil;10;F3
C2;2024-02-30;70;;;F4
C2;31/12/2023;abc;Conseil;x;F5

C3;2024-13-01;12;Conseil;5;F6
17850.0;2024-04-01 10:30;-20;;;F7
;;;;;
C4;01.05.2024;+3.5;Formation;1,5;F8.0
C5;1850-01-01;5;;;
C6;2024-06-01;;;;F9
"""
# row: 2 ok, 3 ok (trimmed id, French number), 4 no client, 5 Feb 30, 6 bad amount (+ cost warning),
# 7 empty line (blank), 8 month 13, 9 float id -> 17850, credit note kept, 10 all separators (blank),
# 11 dotted date and '+3.5' ok, 12 date out of range, 13 no amount
MESSY_ERRORS = [
    (4, "Code client", None),
    (5, "Date facture", "2024-02-30"),
    (6, "Montant", "abc"),
    (8, "Date facture", "2024-13-01"),
    (12, "Date facture", "1850-01-01"),
    (13, "Montant", None),
]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _load(source, **kwargs):
    report = ValidationReport()
    lines = load_invoices(source, report=report, **kwargs)
    return lines, report


def _stats(report: ValidationReport):
    (stats,) = report.files.values()
    return stats


# ----------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------
def test_amount_is_quantity_times_unit_price_and_credit_notes_are_kept():
    frame = pd.DataFrame(
        {
            "Customer ID": ["A", "A", "B"],
            "Invoice Date": ["2024-01-02", "2024-01-03", "2024-02-01"],
            "Qty": ["3", "-2", "4"],
            "Unit Price": ["2.5", "2.5", "0.25"],
        }
    )
    lines, report = _load(frame)
    assert lines["amount"].tolist() == [7.5, -5.0, 1.0]
    assert lines["client_id"].astype(str).tolist() == ["A", "A", "B"]
    assert lines["source_row"].tolist() == [2, 3, 4]
    assert list(lines.columns) == LINE_COLUMNS
    assert report.n_errors == 0
    stats = _stats(report)
    assert (stats.rows_read, stats.rows_loaded, stats.rows_rejected, stats.rows_blank) == (3, 3, 0, 0)


def test_output_types():
    frame = pd.DataFrame({"client": ["A"], "date": ["2024-01-02"], "amount": [1.0]})
    lines, _ = _load(frame)
    assert lines["client_id"].cat.categories.dtype == "str"
    assert lines["service_category"].tolist() == ["unspecified"]
    assert lines["date"].dtype == "datetime64[us]"
    assert lines["amount"].dtype == "float64" and lines["cost"].dtype == "float64"
    assert lines["cost"].isna().all() and lines["invoice_id"].isna().all()
    assert lines["source_row"].dtype == "int64"
    plain, _ = _load(frame, categorical=False)
    assert plain["client_id"].dtype == "str" and plain["service_category"].dtype == "str"


def test_messy_csv_rejects_and_reports_every_line(tmp_path):
    path = _write(tmp_path / "factures.csv", MESSY)
    lines, report = _load(path)
    assert lines["client_id"].astype(str).tolist() == ["C1", "C1", "17850", "C4"]
    assert lines["amount"].tolist() == [100.5, 1234.5, -20.0, 3.5]
    assert lines["source_row"].tolist() == [2, 3, 9, 11]
    assert lines["date"].tolist() == [
        pd.Timestamp(t) for t in ("2024-01-15", "2024-02-15", "2024-04-01 10:30", "2024-05-01")
    ]
    assert lines["service_category"].astype(str).tolist() == [
        "Maintenance",
        "maintenance",
        "unspecified",
        "Formation",
    ]
    assert (
        lines["cost"].tolist()[0] == 60
        and np.isnan(lines["cost"].tolist()[1])
        and lines["cost"].tolist()[3] == 1.5
    )
    assert lines["invoice_id"].tolist() == ["F1", "F2", "F7", "F8.0"]
    problems = report.problems
    errors = problems[problems["severity"] == "error"]
    assert list(zip(errors["row"], errors["column"], errors["value"])) == MESSY_ERRORS
    warnings = problems[problems["severity"] == "warning"]
    assert list(zip(warnings["row"], warnings["column"], warnings["value"])) == [(6, "Coût", "x")]
    assert set(problems["file"]) == {str(path)}
    stats = _stats(report)
    assert (stats.rows_read, stats.rows_loaded, stats.rows_rejected, stats.rows_blank) == (12, 4, 6, 2)
    assert stats.adds_up


def test_messy_csv_in_windows_1252_loads_the_same_lines(tmp_path):
    utf8, report_utf8 = _load(_write(tmp_path / "utf8.csv", MESSY))
    path = _write(tmp_path / "cp1252.csv", MESSY.replace("Maintenance", "Entretien été €"), "cp1252")
    lines, report = _load(path)
    assert lines["service_category"].astype(str).tolist()[0] == "Entretien été €"
    expected = utf8.astype({"service_category": "str"})
    expected.loc[0, "service_category"] = "Entretien été €"
    pd.testing.assert_frame_equal(lines.astype({"service_category": "str"}), expected)
    pd.testing.assert_frame_equal(
        report.problems.drop(columns="file"), report_utf8.problems.drop(columns="file")
    )
    assert _stats(report).rows_read == 12 and _stats(report).rows_blank == 2


def test_parquet_with_nan_infinity_and_old_dates(tmp_path):
    frame = pd.DataFrame(
        {
            "client": pd.array(["A", None, " B ", "", "C"], dtype="str"),
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "1800-01-01", "2024-01-04", None]),
            "amount": [1.0, np.nan, 3.0, np.inf, 5.0],
            "cost": [0.5, 1.0, np.nan, 2.0, 3.0],
        }
    )
    path = tmp_path / "lines.parquet"
    frame.to_parquet(path)
    lines, report = _load(path)
    # row 2 loads; 3 no client and no amount; 4 a date before 1900; 5 no client, infinite amount; 6 no date
    assert lines["client_id"].astype(str).tolist() == ["A"]
    assert lines["source_row"].tolist() == [2]
    assert (lines["amount"].tolist(), lines["cost"].tolist()) == ([1.0], [0.5])
    problems = report.problems
    assert (problems["severity"] == "error").all()
    assert list(zip(problems["row"], problems["column"], problems["value"])) == [
        (3, "amount", None),
        (3, "client", None),
        (4, "date", "1800-01-01 00:00:00"),
        (5, "amount", "inf"),
        (5, "client", None),
        (6, "date", None),
    ]  # the report sorts its problems by row, then column
    stats = _stats(report)
    assert (stats.rows_read, stats.rows_loaded, stats.rows_rejected, stats.rows_blank) == (5, 1, 4, 0)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_french_semicolon_csv_with_decimal_comma(tmp_path, encoding):
    text = (
        "Code client;Date facture;Montant HT;Catégorie;Coût\n"
        "Café Dupont;31/01/2024;1 234,56 €;Entretien;100,5\n"
        "Café Dupont;01/02/2024;-34,56;Entretien;\n"
        "Société Générale;15/03/2024;12\u00a0000,00;Conseil;9\u202f000\n"
    )
    if encoding == "cp1252":  # no narrow no-break space in Windows-1252
        text = text.replace("\u202f", "\u00a0")
    path = _write(tmp_path / "factures.csv", text, encoding)
    lines, report = _load(path)
    assert report.n_errors == 0
    assert lines["client_id"].astype(str).tolist() == ["Café Dupont", "Café Dupont", "Société Générale"]
    assert lines["amount"].tolist() == [1234.56, -34.56, 12000.0]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-31", "2024-02-01", "2024-03-15"]
    assert lines["cost"].tolist()[0] == 100.5 and lines["cost"].tolist()[2] == 9000.0
    assert lines["service_category"].astype(str).tolist() == ["Entretien", "Entretien", "Conseil"]


def test_blank_lines_keep_the_row_numbers(tmp_path):
    text = "client,date,amount\nA,2024-01-01,1\n\n\nB,,2\n,,\nC,2024-01-03,x\n"
    lines, report = _load(_write(tmp_path / "l.csv", text))
    assert lines["source_row"].tolist() == [2]
    problems = report.problems
    assert list(zip(problems["row"], problems["column"])) == [(5, "date"), (7, "amount")]
    stats = _stats(report)
    assert (stats.rows_read, stats.rows_loaded, stats.rows_rejected, stats.rows_blank) == (6, 1, 2, 3)


def test_parquet_with_numeric_ids(tmp_path):
    frame = pd.DataFrame(
        {
            "CustomerID": [17850.0, np.nan, 12346.0],
            "InvoiceDate": pd.to_datetime(["2011-01-01 08:26", "2011-01-02 00:00", "2011-01-03 00:00"]),
            "Quantity": [6, 2, -1],
            "UnitPrice": [2.55, 1.0, 3.0],
        }
    )
    path = tmp_path / "retail.parquet"
    frame.to_parquet(path)
    lines, report = _load(path, mapping=RETAIL_MAPPING)
    assert lines["client_id"].astype(str).tolist() == ["17850", "12346"]
    assert lines["amount"].tolist() == pytest.approx([15.3, -3.0])
    assert lines["date"].tolist()[0] == pd.Timestamp("2011-01-01 08:26")
    assert list(zip(report.problems["row"], report.problems["column"])) == [(3, "CustomerID")]


def test_xlsx(tmp_path):
    frame = pd.DataFrame(
        {
            "N° client": [17850, 12346, 17850],
            "Date": [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-05 10:00"), "06/03/2024"],
            "Quantité": [2, 3, 1],
            "Prix unitaire": [10.0, 2.5, "1,5"],
            "Catégorie": ["Pièces", None, "Pièces"],
        }
    )
    path = tmp_path / "factures.xlsx"
    frame.to_excel(path, index=False)
    lines, report = _load(path)
    assert report.n_errors == 0
    assert lines["client_id"].astype(str).tolist() == ["17850", "12346", "17850"]
    assert lines["amount"].tolist() == [20.0, 7.5, 1.5]
    assert lines["date"].tolist() == [
        pd.Timestamp(t) for t in ("2024-01-05", "2024-02-05 10:00", "2024-03-06")
    ]
    assert lines["service_category"].astype(str).tolist() == ["Pièces", "unspecified", "Pièces"]


def test_mapping_and_its_errors():
    frame = pd.DataFrame({"Cust": ["A"], "When": ["2024-01-01"], "Net": ["5"], "Montant": ["99"]})
    lines, _ = _load(frame, mapping={"client_id": "Cust", "date": "When", "amount": "Net"})
    assert lines["amount"].tolist() == [5.0]  # the mapping wins over the alias
    report = ValidationReport()
    with pytest.raises(DataValidationError) as info:
        load_invoices(frame, mapping={"client_id": "Customer"}, report=report)
    messages = info.value.report.problems["message"].tolist()
    assert any("'Customer' given for client_id is not in the file" in m for m in messages)
    assert all("Cust, When, Net, Montant" in m for m in messages)
    with pytest.raises(ValueError, match="unknown field 'customer'"):
        load_invoices(frame, mapping={"customer": "Cust"})


def test_missing_amount_and_quantity_is_one_error():
    frame = pd.DataFrame({"client": ["A"], "date": ["2024-01-01"], "quantity": [2]})
    report = ValidationReport()
    with pytest.raises(DataValidationError):
        load_invoices(frame, report=report)
    (message,) = report.problems["message"].tolist()
    assert "amount (or quantity and unit_price)" in message
    assert "columns found: client, date, quantity" in message


def test_header_aliases_cover_every_field():
    frame = pd.DataFrame(
        {
            "CustomerID": ["A"],
            "Date facture": ["2024-01-01"],
            "Prix unitaire": ["2"],
            "Qté": ["3"],
            "Service Category": ["x"],
            "Cout": ["1"],
            "InvoiceNo": ["F1"],
        }
    )
    lines, report = _load(frame)
    assert report.n_errors == 0 and report.n_warnings == 0
    row = lines.iloc[0]
    assert (row["amount"], row["service_category"], row["cost"], row["invoice_id"]) == (6.0, "x", 1.0, "F1")
    assert set(INVOICE_FIELDS) >= {"client_id", "date", "amount", "quantity", "unit_price"}


# ----------------------------------------------------------------------------
# the lines loaded, then aggregated
# ----------------------------------------------------------------------------
def test_aggregation_of_loaded_lines_equals_plain_pandas(tmp_path):
    path = _write(tmp_path / "f.csv", MESSY)
    lines, _ = _load(path)
    tables = aggregate_invoices(lines, reference_date="2024-12-31")
    plain = lines.astype({"client_id": "str"}).groupby("client_id")["amount"].sum()
    assert tables.by_year.groupby("client_id")["billing"].sum().to_dict() == pytest.approx(plain.to_dict())


# ----------------------------------------------------------------------------
# the real Online Retail set
# ----------------------------------------------------------------------------
def test_online_retail_every_line_loaded_or_reported(online_retail):
    lines, report = _load(online_retail, mapping=RETAIL_MAPPING)
    stats = _stats(report)
    assert stats.rows_read == 541_909
    assert stats.adds_up
    assert (stats.rows_loaded, stats.rows_rejected, stats.rows_blank) == (406_829, 135_080, 0)
    problems = report.problems
    no_id = problems[(problems["column"] == "CustomerID") & (problems["severity"] == "error")]
    assert len(no_id) == 135_080 == len(problems)
    raw = pd.read_csv(online_retail, dtype={"CustomerID": "str"}, keep_default_na=False)
    assert set(no_id["row"]) == set(raw.index[raw["CustomerID"].str.strip() == ""] + 2)
    assert (lines["amount"] < 0).sum() > 0  # returns are kept

    tables = aggregate_invoices(lines)
    mine = tables.by_year.groupby("client_id")["billing"].sum()
    raw = raw[raw["CustomerID"] != ""]
    raw_id = raw["CustomerID"].astype(float).astype(int).astype(str)
    plain = (raw["Quantity"] * raw["UnitPrice"]).groupby(raw_id).sum()
    assert len(mine) == len(plain) == 4_372
    np.testing.assert_allclose(mine.loc[plain.index].to_numpy(), plain.to_numpy(), rtol=1e-9, atol=1e-6)
    per = tables.per_client.set_index("client_id")
    assert tables.reference_date == pd.Timestamp("2011-12-09")
    assert per["n_lines"].sum() == 406_829
    assert not tables.previous_complete  # the set starts 2010-12-01: no previous 12 months
