"""The synthetic sample portfolio: determinism, planted structure, invariants, injected problems.

Every figure is recomputed here independently of the generator (pandas sums over
date windows, numpy cumulative sums for the whale curve).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.sample import (
    GROUPS,
    MISSPELT_LEVEL,
    injected_problems,
    make_sample,
    whale_peak,
    write_sample,
)
from portfolio_analysis.sample.generate import _group_sizes

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "sample"
END = pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def clean():
    return make_sample(300, seed=7, problems=False)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    return write_sample(out, n_clients=300, seed=7)


def _peak(profit) -> float:
    p = np.sort(np.asarray(profit, dtype=float))[::-1]
    return np.cumsum(p).max() / p.sum()


# -- determinism --------------------------------------------------------------------------
def test_same_seed_same_frames_and_other_seed_other_frames():
    a = make_sample(80, seed=5)
    b = make_sample(80, seed=5)
    for key in ("clients", "invoices", "contacts"):
        pd.testing.assert_frame_equal(a[key], b[key])
    c = make_sample(80, seed=6)
    assert not a["clients"]["billing"].equals(c["clients"]["billing"])
    assert not a["clients"]["name"].equals(c["clients"]["name"])


def test_write_sample_twice_gives_identical_bytes(tmp_path):
    p1 = write_sample(tmp_path / "a", n_clients=60, seed=3)
    p2 = write_sample(tmp_path / "b", n_clients=60, seed=3)
    assert set(p1) == {"clients", "invoices", "contacts"}
    for key in p1:
        raw = p1[key].read_bytes()
        assert raw == p2[key].read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM
        assert b"\r" not in raw
        raw.decode("utf-8")


def test_shipped_sample_is_regenerated_byte_for_byte(written):
    if not (SHIPPED / "clients.csv").exists():
        pytest.skip("data/sample not written")
    for path in written.values():
        assert (SHIPPED / path.name).read_bytes() == path.read_bytes(), path.name


def test_clean_data_is_the_same_with_and_without_problems(clean):
    dirty = make_sample(300, seed=7, problems=True)
    clients = dirty["clients"].dropna(how="all").drop_duplicates("client_id").reset_index(drop=True)
    assert clients["client_id"].tolist() == clean["clients"]["client_id"].tolist()
    pd.testing.assert_frame_equal(
        clients.drop(columns="profitability"), clean["clients"].drop(columns="profitability")
    )
    ids = set(clean["invoices"]["invoice_id"])
    kept = dirty["invoices"][dirty["invoices"]["invoice_id"].isin(ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, clean["invoices"])


# -- the register ---------------------------------------------------------------------------
def test_register_columns_and_english_labels(clean):
    cat = load_catalogue()
    c = clean["clients"]
    assert list(c.columns) == [
        "client_id", "name", "business_type", "owner", "our_contacts", "client_contacts",
        "relationship_type", "service_needs", "decision_criteria", "share_of_wallet", "profitability",
        "upsell_potential", "ease_of_collaboration", "business_outlook", "rnd_collaboration",
        "learning_opportunities", "billing", "billing_previous", "profit", "cost_to_serve",
        "margin_pct", "true_group",
    ]  # fmt: skip
    assert c["client_id"].iloc[0] == "C0001" and c["client_id"].iloc[-1] == "C0300"
    assert c["client_id"].is_unique and c["name"].is_unique
    assert not c.isna().any().any()
    for key in ("business_type", "relationship_type", "service_needs", "share_of_wallet", "profitability",
                "upsell_potential", "ease_of_collaboration", "business_outlook", "rnd_collaboration",
                "learning_opportunities"):  # fmt: skip
        labels = {lv["label"]["en"] for lv in cat.levels_of(key)}
        assert set(c[key]) <= labels, key
    dc_labels = {lv["label"]["en"] for lv in cat.levels_of("decision_criteria")}
    items = c["decision_criteria"].str.split("; ").explode()
    assert set(items) <= dc_labels
    assert "Trust; Supplier quality" in set(c["decision_criteria"])


def test_group_sizes_are_the_planted_shares(clean):
    counts = clean["clients"]["true_group"].value_counts()
    assert counts.reindex(GROUPS).tolist() == [45, 90, 75, 45, 45]


@given(st.integers(min_value=10, max_value=100_000))
def test_group_sizes_add_up(n):
    sizes = _group_sizes(n)
    assert sizes.sum() == n
    assert np.all(np.abs(sizes - n * np.array([0.15, 0.30, 0.25, 0.15, 0.15])) < 1)


def test_groups_differ_as_planted(clean):
    c = clean["clients"]
    by = c.groupby("true_group")
    score = {"Low": 0.0, "Moderate": 0.5, "High": 1.0}
    prof = c["profitability"].map(score).groupby(c["true_group"]).mean()
    # profitable groups > marginal groups > the loss-making R&D partners
    assert min(prof["strategic_partners"], prof["profitable_transactional"]) > max(
        prof["declining_at_risk"], prof["price_driven_occasional"]
    )
    assert max(prof["declining_at_risk"], prof["price_driven_occasional"]) > prof["unprofitable_rnd_partners"]
    assert (by["profit"].sum()["unprofitable_rnd_partners"]) < 0
    share = lambda col, label: (c[col] == label).groupby(c["true_group"]).mean()  # noqa: E731
    assert share("relationship_type", "At risk").idxmax() == "declining_at_risk"
    assert share("relationship_type", "Partnership").idxmax() == "strategic_partners"
    assert share("relationship_type", "Occasional").idxmax() == "price_driven_occasional"
    assert share("rnd_collaboration", "Ongoing").idxmax() == "unprofitable_rnd_partners"
    assert share("learning_opportunities", "High").idxmax() == "unprofitable_rnd_partners"
    assert share("service_needs", "Total").idxmax() == "unprofitable_rnd_partners"
    assert share("share_of_wallet", "Large").idxmax() == "strategic_partners"
    assert share("share_of_wallet", "Small").idxmax() == "price_driven_occasional"
    assert share("business_outlook", "Failing").idxmax() == "declining_at_risk"
    price = c["decision_criteria"].str.contains("Purchase price")
    assert price.groupby(c["true_group"]).mean().idxmax() == "price_driven_occasional"
    # billing size: strategic partners are the big accounts, occasional buyers the small ones
    median = by["billing"].median()
    assert median.idxmax() in ("strategic_partners", "unprofitable_rnd_partners")
    assert median.idxmin() == "price_driven_occasional"


# -- money ----------------------------------------------------------------------------------
def test_billing_equals_invoice_sums_over_the_windows(clean):
    inv = clean["invoices"].copy()
    inv["date"] = pd.to_datetime(inv["date"], format="%Y-%m-%d")
    last = (inv["date"] > END - pd.DateOffset(months=12)) & (inv["date"] <= END)
    prev = (inv["date"] > END - pd.DateOffset(months=24)) & (inv["date"] <= END - pd.DateOffset(months=12))
    c = clean["clients"].set_index("client_id")
    got_last = inv[last].groupby("client_id")["amount"].sum().reindex(c.index, fill_value=0).round(2)
    got_prev = inv[prev].groupby("client_id")["amount"].sum().reindex(c.index, fill_value=0).round(2)
    assert (got_last == c["billing"]).all()
    assert (got_prev == c["billing_previous"]).all()
    assert (c["billing"] > 0).all()


def test_profit_margin_and_profitability_are_consistent(clean):
    inv = clean["invoices"]
    last = inv["date"] >= "2025-01-01"
    gross = (inv["amount"] - inv["cost"])[last].groupby(inv.loc[last, "client_id"]).sum()
    c = clean["clients"].set_index("client_id")
    assert np.allclose(gross.reindex(c.index) - c["cost_to_serve"], c["profit"], atol=0.006)
    assert np.allclose(c["profit"] / c["billing"] * 100, c["margin_pct"], atol=0.006)
    expected = np.select([c["margin_pct"] >= 14, c["margin_pct"] >= 4], ["High", "Moderate"], "Low")
    assert (c["profitability"] == expected).all()
    assert (c["cost_to_serve"] > 0).all()


@pytest.mark.parametrize("seed", [7, 1, 2, 3])
def test_whale_curve_peaks_between_150_and_250_percent(seed, clean):
    c = clean["clients"] if seed == 7 else make_sample(300, seed=seed, problems=False)["clients"]
    profit = c["profit"].to_numpy()
    assert (profit < 0).sum() >= 30  # a real loss-making tail
    assert 1.5 <= _peak(profit) <= 2.5
    assert whale_peak(profit) == pytest.approx(_peak(profit))


@settings(max_examples=6, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=40, max_value=400))
def test_whale_peak_holds_for_any_seed_and_size(seed, n):
    profit = make_sample(n, seed=seed, problems=False)["clients"]["profit"]
    assert 1.5 <= _peak(profit) <= 2.5


def test_whale_peak_by_hand():
    assert whale_peak([100.0, -50.0, 50.0]) == pytest.approx(1.5)
    assert whale_peak([30.0, 20.0]) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [7, 1, 2])
def test_billing_is_heavy_tailed(seed, clean):
    c = clean["clients"] if seed == 7 else make_sample(300, seed=seed, problems=False)["clients"]
    b = np.sort(c["billing"].to_numpy())[::-1]
    # an even spread would give the top 10 % about 10 %, a uniform draw about 19 %
    assert b[:30].sum() / b.sum() > 0.35
    assert b[0] / np.median(b) > 20


# -- invoice lines ------------------------------------------------------------------------
def test_invoice_lines_cover_36_months_with_categories_and_credit_notes(clean):
    inv = clean["invoices"]
    assert list(inv.columns) == ["invoice_id", "client_id", "date", "service_category", "amount", "cost"]
    months = inv["date"].str.slice(0, 7)
    assert months.nunique() == 36
    assert months.min() == "2023-01" and months.max() == "2025-12"
    assert set(inv["service_category"]) == {"maintenance", "projects", "consulting", "spare_parts"}
    assert inv["invoice_id"].is_unique
    assert inv["date"].is_monotonic_increasing
    credit = inv["amount"] < 0
    assert credit.sum() == 30
    assert (inv.loc[credit, "cost"] == 0).all()
    assert inv.loc[credit, "invoice_id"].str.startswith("CN-").all()
    assert set(inv["client_id"]) == set(clean["clients"]["client_id"])


def test_invoice_lines_have_trend_and_season(clean):
    inv = clean["invoices"]
    c = clean["clients"]
    ratio = c.groupby("true_group")["billing"].sum() / c.groupby("true_group")["billing_previous"].sum()
    assert ratio.idxmin() == "declining_at_risk" and ratio["declining_at_risk"] < 0.8
    assert ratio["strategic_partners"] > 0.9
    month = inv["date"].str.slice(5, 7)
    by_month = inv.groupby(month)["amount"].sum() / 3
    mean = by_month.mean()
    assert by_month["08"] < 0.85 * mean  # summer dip
    assert by_month.idxmax() == "12" and by_month["12"] > 1.05 * mean  # December peak


def test_files_stay_small(written):
    total = sum(p.stat().st_size for p in written.values())
    assert total < 3_000_000


# -- contacts -----------------------------------------------------------------------------
def test_contacts_match_the_register(clean):
    ct = clean["contacts"]
    c = clean["clients"].set_index("client_id")
    assert set(ct["side"]) == {"ours", "client"}
    sizes = ct.groupby(["client_id", "side"]).size().unstack()
    assert sizes.min().min() >= 1 and sizes.max().max() <= 4
    ours = ct[ct["side"] == "ours"]
    assert (ours.groupby("client_id")["name"].first() == c["owner"]).all()
    assert (ours.groupby("client_id")["name"].agg("; ".join) == c["our_contacts"]).all()
    theirs = ct[ct["side"] == "client"].groupby("client_id")["name"].agg("; ".join)
    assert (theirs == c["client_contacts"]).all()
    assert not ct.duplicated(["client_id", "side", "name"]).any()
    assert ours["name"].nunique() <= 12


def test_some_relationships_hang_on_one_person_and_one_owner_carries_much(clean):
    ct = clean["contacts"]
    sizes = ct.groupby(["client_id", "side"]).size().unstack()
    single = (sizes == 1).any(axis=1).mean()
    assert 0.15 <= single <= 0.35
    c = clean["clients"]
    top_owner = c.groupby("owner")["billing"].sum().max() / c["billing"].sum()
    assert top_owner > 0.3
    accounts = c["owner"].value_counts()
    assert accounts.iloc[0] > 2 * 300 / 12  # far above an even spread over the staff


# -- injected problems ----------------------------------------------------------------------
def _rows(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")  # rows[r - 1] is spreadsheet row r


def test_problems_are_in_the_files_where_listed(written):
    table = injected_problems(300, seed=7)
    assert len(table) == 8
    for p in table.itertuples(index=False):
        line = _rows(written[p.file.removesuffix(".csv")])[p.row - 1]
        header = _rows(written[p.file.removesuffix(".csv")])[0].split(",")
        if p.problem == "blank row":
            assert set(line) == {","}
            continue
        cells = pd.read_csv(io.StringIO(line), header=None, dtype=str, keep_default_na=False)
        cells.columns = header
        assert cells.loc[0, p.column] == p.value, p


def test_problems_present_when_asked(written):
    c = pd.read_csv(written["clients"], dtype=str, keep_default_na=False)
    assert (c == "").all(axis=1).sum() == 1
    ids = c.loc[c["client_id"] != "", "client_id"]
    assert ids.duplicated().sum() == 1
    assert (c["profitability"] == MISSPELT_LEVEL).sum() == 1
    assert (c["profitability"] == "Élevée").sum() == 1
    assert c["billing"].ne("").sum() == 301  # financial fields stay clean
    inv = pd.read_csv(written["invoices"], dtype=str, keep_default_na=False)
    assert (inv["client_id"] == "").sum() == 2
    assert pd.to_datetime(inv["date"], format="%Y-%m-%d", errors="coerce").isna().sum() == 1
    ct = pd.read_csv(written["contacts"], dtype=str, keep_default_na=False)
    assert (~ct["client_id"].isin(ids)).sum() == 1


def test_problems_absent_when_not_asked(tmp_path):
    paths = write_sample(tmp_path, n_clients=60, seed=7, problems=False)
    cat = load_catalogue()
    c = pd.read_csv(paths["clients"], dtype=str, keep_default_na=False)
    assert not (c == "").any().any()
    assert c["client_id"].is_unique
    labels = {lv["label"]["en"] for lv in cat.levels_of("profitability")}
    assert set(c["profitability"]) <= labels
    inv = pd.read_csv(paths["invoices"], dtype=str, keep_default_na=False)
    assert (inv["client_id"] != "").all()
    assert pd.to_datetime(inv["date"], format="%Y-%m-%d", errors="coerce").notna().all()
    ct = pd.read_csv(paths["contacts"], dtype=str, keep_default_na=False)
    assert ct["client_id"].isin(c["client_id"]).all()


def test_problem_lines_do_not_change_the_totals(written):
    inv = pd.read_csv(written["invoices"], dtype={"client_id": str})
    date = pd.to_datetime(inv["date"], format="%Y-%m-%d", errors="coerce")
    ok = inv["client_id"].notna() & date.notna()
    assert (~ok).sum() == 3
    last = ok & (date > END - pd.DateOffset(months=12))
    c = pd.read_csv(written["clients"]).dropna(how="all").drop_duplicates("client_id").set_index("client_id")
    sums = inv[last].groupby("client_id")["amount"].sum().round(2)
    assert (sums.reindex(c.index) == c["billing"]).all()


def test_misspelt_level_is_not_a_catalogue_level_but_the_french_one_is():
    cat = load_catalogue()
    assert cat.match_level("profitability", MISSPELT_LEVEL) is None
    assert cat.suggest("profitability", MISSPELT_LEVEL) == "moderate"
    assert cat.match_level("profitability", "Élevée") == "high"


def test_readme_lists_the_injected_problems():
    readme = SHIPPED / "README.md"
    if not readme.exists():
        pytest.skip("data/sample/README.md absent")
    text = re.sub(r"[ \t]+", " ", readme.read_text(encoding="utf-8"))
    assert "portfolio-analysis sample data/sample --n-clients 300 --seed 7" in text
    for p in injected_problems(300, seed=7).itertuples(index=False):
        row = re.sub(r"[ \t]+", " ", f"| {p.file} | {p.row} | {p.column} | {p.value} |")
        assert row in text, p
