"""Financial trends: change, category mix, seasonal profile, projection and its back-test."""

import numpy as np
import pandas as pd
import pytest

from portfolio_analysis.steps import financials as fin

SEASON = np.array([0.8, 0.9, 1.0, 1.1, 1.2, 1.0, 0.7, 0.8, 1.0, 1.1, 1.2, 1.2])  # mean 1


def _by_month(values: dict, start="2023-01") -> pd.DataFrame:
    rows = []
    for cid, series in values.items():
        months = pd.period_range(start, periods=len(series), freq="M").to_timestamp()
        rows.append(pd.DataFrame({"client_id": cid, "month": months, "billing": series}))
    return pd.concat(rows, ignore_index=True)


def test_billing_change_and_declining_flag():
    clients = pd.DataFrame({"client_id": ["a", "b", "c", "d"], "billing": [110, 90, 50, 10.0],
                            "billing_previous": [100, 100, np.nan, 0.0]})
    out = fin.billing_change(clients, declining_threshold=-0.10)
    assert out["change_pct"].tolist()[:2] == pytest.approx([10.0, -10.0])
    assert np.isnan(out["change_pct"][2]) and np.isnan(out["change_pct"][3])
    assert out["declining"].tolist() == [False, True, False, False]  # -10 % is at the threshold: inclusive


def test_category_mix():
    clients = pd.DataFrame({"client_id": ["a", "b"], "billing__parts": [30.0, np.nan], "billing__service": [70.0, np.nan]})
    mix = fin.category_mix(clients)
    assert mix["client_id"].tolist() == ["a"]
    assert mix[["parts", "service"]].iloc[0].tolist() == pytest.approx([30.0, 70.0])


def test_seasonal_profile_recovers_pure_seasonality():
    # constant level times seasonality: the 2x12 moving average is the level, so the indices are exact
    bm = _by_month({"a": 100 * np.tile(SEASON, 3), "b": 300 * np.tile(SEASON, 3)})
    profile = fin.seasonal_profile(fin.monthly_matrix(bm))
    assert profile.to_numpy() == pytest.approx(SEASON)


def test_projection_of_pure_seasonality_is_one_more_year():
    bm = _by_month({"a": 100 * np.tile(SEASON, 3), "b": 300 * np.tile(SEASON, 3)})
    table = fin.project_billing(bm).table.set_index("client_id")
    assert table.loc["a", "projection_12m"] == pytest.approx(1200.0)
    assert table.loc["b", "projection_12m"] == pytest.approx(3600.0)
    assert set(table["method"]) == {"seasonal-trend"}


def test_projection_of_a_straight_line():
    # 10 + 1 per month over 36 months (t = 0..35): next 12 months are t = 36..47, sum = 12*10 + sum(36..47) = 120 + 498
    bm = _by_month({"a": 10.0 + np.arange(36)})
    table = fin.project_billing(bm, trend_damping=1.0).table
    assert table["projection_12m"].iloc[0] == pytest.approx(618.0)
    # damped by half: from the last fitted value 45, sum over h = 1..12 of 45 + 0.5 h = 540 + 39
    assert fin.project_billing(bm).table["projection_12m"].iloc[0] == pytest.approx(579.0)
    assert table["billing_last_12m"].iloc[0] == pytest.approx(12 * 10 + sum(range(24, 36)))


def test_short_history_falls_back_to_run_rate():
    # 18 months: last 12 = 12*20 = 240, previous 12 months incomplete (6 months) -> no change applied
    bm = _by_month({"a": np.r_[np.full(6, 10.0), np.full(12, 20.0)]})
    table = fin.project_billing(bm).table
    assert table["method"].iloc[0] == "run-rate"
    assert table["projection_12m"].iloc[0] == pytest.approx(240.0)


def test_annual_totals_only_use_the_clipped_change():
    clients = pd.DataFrame({"client_id": ["a", "b", "c"], "billing": [120.0, 400.0, 50.0],
                            "billing_previous": [100.0, 100.0, np.nan]})
    table = fin.project_billing(None, clients, max_growth=0.5).table.set_index("client_id")
    assert table.loc["a", "projection_12m"] == pytest.approx(144.0)  # +20 % again
    assert table.loc["b", "projection_12m"] == pytest.approx(600.0)  # +300 % clipped to +50 %
    assert table.loc["c", "projection_12m"] == pytest.approx(50.0)  # no previous year: flat
    assert set(table["method"]) == {"run-rate (annual totals)"}


def test_backtest_is_exact_on_a_noiseless_series_and_reports_the_naive_error():
    # growth 1 per month, no seasonality, 36 months: the fitted line projects the hidden year exactly,
    # while "next year = last year" misses by 12 per month: 144 out of sum(t=24..35)+120 = 474
    bm = _by_month({"a": 10.0 + np.arange(36)})
    bt = fin.backtest_projection(bm, trend_damping=1.0)
    assert bt["wape_pct"] == pytest.approx(0.0, abs=1e-9)
    assert bt["naive_total_error_pct"] == pytest.approx(-144 / 474 * 100)


def test_backtest_needs_36_months():
    assert fin.backtest_projection(_by_month({"a": np.ones(30)}))["wape_pct"] is None


def test_billing_by_year_and_category():
    inv = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-01", "2024-07-01", "2025-01-10", "2025-02-01"]),
        "amount": [100.0, 50.0, 200.0, -20.0],
        "service_category": ["parts", "service", "parts", "parts"],
    })
    t = fin.billing_by_year_and_category(inv)
    assert t.loc[2024, ["parts", "service", "total"]].tolist() == [100.0, 50.0, 150.0]
    assert t.loc[2025, ["parts", "service", "total"]].tolist() == [180.0, 0.0, 180.0]
    assert t.loc[2025, "change_pct"] == pytest.approx(20.0)


def test_billing_change_without_a_previous_year_column():
    out = fin.billing_change(pd.DataFrame({"client_id": ["a"], "billing": [10.0]}))
    assert np.isnan(out["change_pct"][0]) and not out["declining"][0]


def test_portfolio_monthly_spreads_the_projection_by_season():
    from portfolio_analysis.steps.financials import Projection, portfolio_monthly

    by_month = pd.DataFrame({"client_id": ["a", "a", "a", "b", "b", "b"],
                             "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"] * 2),
                             "billing": [10.0, 20.0, 30.0, 1.0, 2.0, 3.0]})
    # 140 over the next 12 months (April 2024 to March 2025), twice as much in April and October:
    # 140 / (10 * 1 + 2 * 2) = 10 a month, 20 in April and October
    seasonal = pd.Series([1.0] * 12, index=range(1, 13))
    seasonal.loc[[4, 10]] = 2.0
    proj = Projection(pd.DataFrame({"client_id": ["a", "b"], "projection_12m": [100.0, 40.0]}), seasonal)
    m = portfolio_monthly(by_month, proj)
    assert m["billed"].dropna().tolist() == [11.0, 22.0, 33.0]
    assert m["projected"].dropna().tolist() == pytest.approx([20.0, 10, 10, 10, 10, 10, 20, 10, 10, 10, 10, 10])
    assert str(m["month"].iloc[3].date()) == "2024-04-01" and str(m["month"].iloc[-1].date()) == "2025-03-01"
    assert portfolio_monthly(None).empty and list(portfolio_monthly(None).columns) == ["month", "billed", "projected"]


# -- the projection chosen by back-test ----------------------------------------------------------------
def test_flat_series_every_method_is_exact_and_last_year_wins_the_tie():
    bm = _by_month({"a": np.full(36, 100.0), "b": np.full(36, 50.0)})
    tried = fin.choose_projection(bm).set_index("method")
    assert tried["wape_pct"].to_numpy() == pytest.approx(np.zeros(4), abs=1e-9)
    assert tried.index[tried["chosen"]].tolist() == ["last-year"]


def test_a_straight_line_is_projected_by_its_trend():
    # 10 + t over 36 months: the trend (undamped) finds the hidden year exactly; last year misses 144 of 474
    bm = _by_month({"a": 10.0 + np.arange(36)})
    tried = fin.choose_projection(bm, trend_damping=1.0).set_index("method")
    assert tried.loc["last-year", "wape_pct"] == pytest.approx(144 / 474 * 100)
    assert tried.loc["seasonal-trend", "wape_pct"] == pytest.approx(0.0, abs=1e-9)
    assert tried.index[tried["chosen"]].tolist() == ["seasonal-trend"]
    # last year with the portfolio's growth: history t = 0..23, its last year (t = 12..23) against the one before:
    # sum(10..21) = 186, sum(22..33) = 330 -> +77.4 %, clipped to +50 %: 330 * 1.5 = 495 against 474
    assert tried.loc["last-year-growth", "wape_pct"] == pytest.approx((495 - 474) / 474 * 100)


def test_pure_seasonality_is_last_year_again():
    bm = _by_month({"a": 100 * np.tile(SEASON, 3), "b": 300 * np.tile(SEASON, 3)})
    tried = fin.choose_projection(bm).set_index("method")
    assert tried.loc["last-year", "wape_pct"] == pytest.approx(0.0, abs=1e-9)
    assert tried.loc["seasonal-trend", "wape_pct"] == pytest.approx(0.0, abs=1e-9)
    assert tried.index[tried["chosen"]].tolist() == ["last-year"]  # a tie: the naive guess first
    table = fin.project_billing(bm, method="last-year").table.set_index("client_id")
    assert table.loc["a", "projection_12m"] == pytest.approx(1200.0)


def test_without_36_months_nothing_is_tested_and_last_year_is_used():
    tried = fin.choose_projection(_by_month({"a": np.ones(30)}))
    assert tried["wape_pct"].isna().all() and tried.loc[tried["chosen"], "method"].tolist() == ["last-year"]
    assert fin.choose_projection(None)["chosen"].sum() == 1
    with pytest.raises(ValueError, match="method"):
        fin.project_billing(_by_month({"a": np.ones(30)}), method="prophet")


def test_a_partial_last_month_is_left_out():
    # 36 complete months and 9 days of a 37th: the projection ends its history on the last complete month
    bm = _by_month({"a": np.r_[np.full(36, 100.0), 20.0]})
    assert str(fin.last_complete_month("2026-01-09")) == "2025-12"
    end = fin.last_complete_month("2026-01-09").to_timestamp()
    table = fin.project_billing(bm, end=end, method="last-year").table
    assert table["billing_last_12m"].iloc[0] == pytest.approx(1200.0)
    assert fin.backtest_projection(bm, end=end, method="last-year")["wape_pct"] == pytest.approx(0.0, abs=1e-9)
    monthly = fin.portfolio_monthly(bm, end=end)
    assert len(monthly) == 36 and monthly["billed"].iloc[-1] == 100.0
