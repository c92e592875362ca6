"""The validation report: problems, counts per file, text and JSON forms, strict mode."""

import json

import pandas as pd
import pytest

from portfolio_analysis.load.validation import DataValidationError, ValidationReport


def _report():
    r = ValidationReport()
    s = r.stats("clients.csv", "clients")
    s.rows_read, s.rows_loaded, s.rows_rejected, s.rows_blank = 6, 4, 1, 1
    r.add("error", "clients.csv", 5, "profitability", "modrate",
          "unknown level 'modrate' for Profitability; expected one of: low, moderate, high", "moderate")
    r.add("warning", "clients.csv", 3, "name", "", "empty name")
    return r


def test_counts_and_order():
    r = _report()
    assert (r.n_errors, r.n_warnings) == (1, 1)
    probs = r.problems
    assert probs["row"].tolist() == [3, 5]  # sorted by row
    assert list(probs.columns) == ["severity", "file", "row", "column", "value", "message", "suggestion", "template",
                                   "params"]
    assert r.files["clients.csv"].adds_up


def test_json_form_holds_counts_and_problems():
    data = json.loads(_report().to_json())
    f = data["files"][0]
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"], f["rows_blank"]) == (6, 4, 1, 1)
    assert f["problems"][1] == {
        "severity": "error", "file": "clients.csv", "row": 5, "column": "profitability", "value": "modrate",
        "message": "unknown level 'modrate' for Profitability; expected one of: low, moderate, high",
        "suggestion": "moderate",
    }
    assert f["problems"][0]["suggestion"] is None


def test_text_form_lists_and_summarises():
    text = _report().to_text()
    assert "6 rows read, 4 loaded, 1 rejected, 1 blank" in text
    assert "did you mean 'moderate'?" in text
    r = ValidationReport()
    r.add_frame(pd.DataFrame({"severity": "error", "file": "inv.csv", "row": range(2, 1002), "column": "client_id",
                              "value": "", "message": "no client id", "suggestion": None}))
    text = r.to_text(max_rows=5)
    assert "... and 995 more:" in text and "995 x error in client_id: no client id" in text


def test_strict_mode_raises_with_the_whole_report():
    r = _report()
    with pytest.raises(DataValidationError) as err:
        r.raise_if_errors()
    assert err.value.report is r and "1 error" in str(err.value)
    clean = ValidationReport()
    clean.add("warning", "f.csv", 2, "name", "", "empty name")
    clean.raise_if_errors()  # warnings do not stop a strict run


def test_severity_is_checked():
    with pytest.raises(ValueError):
        ValidationReport().add("fatal", "f", 1, "c", "v", "m")
