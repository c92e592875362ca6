"""Tests of portfolio_analysis.load.billing: billing per client from invoice lines, the register filled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_analysis.load.billing import aggregate_invoices, category_column, fill_register


# ----------------------------------------------------------------------------
# aggregation
# ----------------------------------------------------------------------------
def _lines(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["client_id", "date", "amount", "service_category"][: len(rows[0])])
    frame["date"] = pd.to_datetime(frame["date"], format="mixed")
    return frame


def test_twelve_month_windows_at_their_boundaries():
    lines = _lines(
        [
            ("A", "2022-06-30 12:00", 1000.0),  # ref - 24 months exactly: in neither window
            ("A", "2022-07-01", 10000.0),  # first day of the previous window
            ("A", "2023-06-30 23:59", 1.0),  # ref - 12 months exactly: previous
            ("A", "2023-07-01", 10.0),  # first day of the current window
            ("A", "2024-06-30 23:59", 100.0),  # the reference day, late: current
            ("A", "2024-07-05", 5.0),  # after the reference: in no window
            ("B", "2024-01-10", 7.0),
        ]
    )
    tables = aggregate_invoices(lines, reference_date="2024-06-30")
    per = tables.per_client.set_index("client_id")
    assert per.loc["A", "billing"] == 110.0
    assert per.loc["A", "billing_previous"] == 10001.0
    assert per.loc["B", "billing"] == 7.0 and per.loc["B", "billing_previous"] == 0.0
    assert per.loc["A", "n_lines"] == 6
    assert per.loc["A", "first_date"] == pd.Timestamp("2022-06-30 12:00")
    assert per.loc["A", "last_date"] == pd.Timestamp("2024-07-05")
    assert tables.reference_date == pd.Timestamp("2024-06-30")
    assert tables.current_window == (pd.Timestamp("2023-06-30"), pd.Timestamp("2024-06-30"))
    assert tables.previous_window == (pd.Timestamp("2022-06-30"), pd.Timestamp("2023-06-30"))
    assert tables.previous_complete
    by_year = tables.by_year[tables.by_year["client_id"] == "A"]
    assert by_year["year"].tolist() == [2022, 2023, 2024]
    assert by_year["billing"].tolist() == [11000.0, 11.0, 105.0]


def test_default_reference_is_the_last_line_and_leap_day():
    lines = _lines([("A", "2023-02-28", 1.0), ("A", "2023-03-01", 10.0), ("A", "2024-02-29 08:00", 100.0)])
    tables = aggregate_invoices(lines)
    assert tables.reference_date == pd.Timestamp("2024-02-29")
    assert tables.current_window[0] == pd.Timestamp("2023-02-28")  # 29 February minus a year
    per = tables.per_client.set_index("client_id")
    assert per.loc["A", "billing"] == 110.0
    assert np.isnan(per.loc["A", "billing_previous"])  # the lines do not reach back to 2022
    assert not tables.previous_complete


def test_month_category_and_cost_tables():
    lines = _lines(
        [
            ("B", "2024-01-31", 5.0, "Support"),
            ("A", "2024-01-01", 10.0, "Maintenance"),
            ("A", "2024-01-15", -4.0, "Maintenance"),
            ("A", "2024-03-02", 6.0, "Conseil"),
            ("A", "2022-03-02", 50.0, "Conseil"),
        ]
    )
    lines["cost"] = [1.0, 2.0, np.nan, np.nan, 3.0]
    tables = aggregate_invoices(lines)
    assert tables.by_month.to_dict("list") == {
        "client_id": ["A", "A", "A", "B"],
        "month": pd.to_datetime(["2022-03-01", "2024-01-01", "2024-03-01", "2024-01-01"]).tolist(),
        "billing": [50.0, 6.0, 6.0, 5.0],
    }
    assert tables.by_category.to_dict("list") == {
        "client_id": ["A", "A", "B"],
        "service_category": ["Conseil", "Maintenance", "Support"],
        "billing": [6.0, 6.0, 5.0],
    }
    per = tables.per_client.set_index("client_id")
    assert per.loc["A", "cost"] == 2.0 and per.loc["B", "cost"] == 1.0  # the 2022 cost is outside the window


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C", "D"]),
            st.integers(0, 1500),
            st.floats(-1000, 1000, allow_nan=False).map(lambda x: round(x, 2)),
            st.sampled_from(["x", "y"]),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_totals_are_conserved(rows):
    start = pd.Timestamp("2021-01-01")
    lines = pd.DataFrame(rows, columns=["client_id", "day", "amount", "service_category"])
    lines["date"] = start + pd.to_timedelta(lines.pop("day"), unit="D")
    tables = aggregate_invoices(lines)
    total = lines.groupby("client_id")["amount"].sum()
    by_month = tables.by_month.groupby("client_id")["billing"].sum()
    by_year = tables.by_year.groupby("client_id")["billing"].sum()
    assert by_month.to_dict() == pytest.approx(total.to_dict(), abs=1e-6)
    assert by_year.to_dict() == pytest.approx(total.to_dict(), abs=1e-6)
    per = tables.per_client.set_index("client_id")
    by_cat = tables.by_category.groupby("client_id")["billing"].sum().reindex(per.index, fill_value=0.0)
    assert by_cat.to_dict() == pytest.approx(per["billing"].to_dict(), abs=1e-6)
    assert per["n_lines"].sum() == len(lines)
    # the current 12 months by plain pandas: ref - 12 months < day <= ref, ref the last day
    ref = lines["date"].max().normalize()
    day = lines["date"].dt.normalize()
    current = lines[(day > ref - pd.DateOffset(months=12)) & (day <= ref)]
    plain = current.groupby("client_id")["amount"].sum().reindex(per.index, fill_value=0.0)
    assert per["billing"].to_dict() == pytest.approx(plain.to_dict(), abs=1e-6)


# ----------------------------------------------------------------------------
# the register
# ----------------------------------------------------------------------------
def test_fill_register_fills_only_what_is_missing_and_adds_invoice_only_clients():
    lines = _lines(
        [
            ("A", "2022-03-10", 0.0, "Maintenance"),  # the history reaches the previous 12 months
            ("A", "2023-03-01", 1.0, "Maintenance"),
            ("A", "2024-03-01", 20.0, "Maintenance"),
            ("A", "2024-03-02", 5.0, "Field Service"),
            ("17850", "2024-03-03", 7.0, "Maintenance"),
            ("D", "2024-03-04", 9.0, "Field Service"),
        ]
    )
    tables = aggregate_invoices(lines)
    register = pd.DataFrame(
        {
            "client_id": ["A", 17850, "C"],
            "name": ["Acme", "Retail Ltd", "Cold Co"],
            "billing": [500.0, np.nan, np.nan],
            "billing_previous": [np.nan, 3.0, np.nan],
            "billing__maintenance": [2.0, np.nan, np.nan],
            "billing_projection": [600.0, np.nan, np.nan],
        }
    )
    before = register.copy()
    out = fill_register(register, tables)
    pd.testing.assert_frame_equal(register, before)  # input untouched
    assert out["client_id"].astype(str).tolist() == ["A", "17850", "C", "D"]
    assert out["billing"].tolist()[:2] == [500.0, 7.0] and np.isnan(out["billing"].tolist()[2])
    assert out["billing_previous"].tolist()[:2] == [1.0, 3.0]
    assert out["billing__maintenance"].tolist()[:2] == [2.0, 7.0]
    field_service = out["billing__field_service"].tolist()
    assert field_service[:2] == [5.0, 0.0] and np.isnan(field_service[2]) and field_service[3] == 9.0
    assert out["from_invoices_only"].tolist() == [False, False, False, True]
    assert out["name"].isna().tolist() == [False, False, False, True]
    assert out.loc[3, "billing"] == 9.0 and np.isnan(out.loc[3, "billing_projection"])
    assert out["billing_projection"].tolist()[0] == 600.0


def test_register_from_invoices_alone():
    lines = _lines([("B", "2024-03-01", 2.0), ("A", "2024-03-02", 3.0)])
    tables = aggregate_invoices(lines)
    for clients in (
        None,
        pd.DataFrame({"client_id": pd.Series(dtype="str"), "name": pd.Series(dtype="str")}),
    ):
        out = fill_register(clients, tables)
        assert out["client_id"].tolist() == ["A", "B"]
        assert out["billing"].tolist() == [3.0, 2.0]
        assert out["from_invoices_only"].tolist() == [True, True]
        assert out["name"].isna().all()
        assert out["billing__unspecified"].tolist() == [3.0, 2.0]


def test_category_column():
    assert category_column("Field Service") == "billing__field_service"
    assert category_column("Entretien & réparation") == "billing__entretien_reparation"


def test_the_last_complete_month_ends_the_window():
    # lines to 9 December 2011 (as the UCI Online Retail file): December is cut short, November is the last month
    lines = _lines([("A", "2010-12-01", 1.0), ("A", "2011-11-30 18:00", 10.0), ("A", "2011-12-09 12:50", 100.0)])
    tables = aggregate_invoices(lines, reference_date="last-complete-month")
    assert tables.reference_date == pd.Timestamp("2011-11-30")
    assert tables.current_window == (pd.Timestamp("2010-11-30"), pd.Timestamp("2011-11-30"))
    assert tables.per_client.loc[0, "billing"] == 11.0
    # a last line on its month's last day: that month is complete
    lines = _lines([("A", "2024-01-05", 1.0), ("A", "2024-02-29 08:00", 10.0)])
    assert aggregate_invoices(lines, reference_date="last-complete-month").reference_date == pd.Timestamp("2024-02-29")
