"""Numbers and dates as French and English exports write them."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio_analysis.load.cells import parse_date, parse_number

FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%d/%m/%Y"]


@pytest.mark.parametrize(
    "text, value, percent",
    [
        ("12 345,67 €", 12345.67, False),
        ("12\u00a0345,67\u00a0€", 12345.67, False),  # non-breaking spaces
        ("12\u202f345,67 €", 12345.67, False),  # narrow non-breaking space
        ("35 %", 35.0, True),
        ("35%", 35.0, True),
        ("1,234.5", 1234.5, False),
        ("1.234,56", 1234.56, False),
        ("1,5", 1.5, False),
        ("1,234,567", 1234567.0, False),
        ("1.234.567", 1234567.0, False),
        ("(120)", -120.0, False),
        ("-1.5e3", -1500.0, False),
        ("€ 100", 100.0, False),
        ("EUR 2 500", 2500.0, False),
        ("$1,250.00", 1250.0, False),
        ("-3,5 %", -3.5, True),
    ],
)
def test_numbers(text, value, percent):
    values, bad, pct = parse_number(pd.Series([text]))
    assert values[0] == pytest.approx(value)
    assert not bad[0]
    assert pct[0] == percent


@pytest.mark.parametrize("text", ["abc", "12 abc", "1,2,3", "--5", "12.5.5,1"])
def test_bad_numbers_are_flagged(text):
    values, bad, _ = parse_number(pd.Series([text]))
    assert np.isnan(values[0]) and bad[0]


def test_blank_is_missing_not_bad():
    values, bad, _ = parse_number(pd.Series(["", "  ", None]))
    assert values.isna().all() and not bad.any()


def test_percent_refused_when_not_allowed():
    values, bad, _ = parse_number(pd.Series(["35 %", "35"]), allow_percent=False)
    assert bad.tolist() == [True, False] and values[1] == 35


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 2)))
def test_round_trip_french_and_english_writing(x):
    english = f"{x:,.2f}"
    french = english.replace(",", " ").replace(".", ",")
    values, bad, _ = parse_number(pd.Series([english, french, f"{x:.2f}"]))
    assert not bad.any()
    # "1,234" alone is a French decimal; with two decimals the English writing is unambiguous
    assert values.tolist() == pytest.approx([x, x, x])


def test_dates_explicit_formats_no_guessing():
    dates, bad = parse_date(pd.Series(["2024-01-05", "05/01/2024", "2011-12-09 12:50", "13/13/2024", ""]), FORMATS)
    assert dates[0] == pd.Timestamp("2024-01-05")
    assert dates[1] == pd.Timestamp("2024-01-05")  # day first, as French files write it
    assert dates[2] == pd.Timestamp("2011-12-09 12:50")
    assert bad.tolist() == [False, False, False, True, False]
