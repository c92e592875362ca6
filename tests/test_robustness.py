"""Any register that loads gives an analysis: generated registers through `analyse`, a few through `report`.

Registers as companies hand them in: any subset of the columns, columns empty or partly empty, levels that
match nothing, open lists, 0, 1, 2 and identical clients, zero and negative billing, profit alone.
"""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_analysis.cli import main
from portfolio_analysis.config.catalogue import load_catalogue
from portfolio_analysis.load.portfolio import load_portfolio
from portfolio_analysis.load.validation import DataValidationError
from portfolio_analysis.pipeline import TABLES, analyse, resolve_config

CAT = load_catalogue()
# robustness, not precision: fewer draws and resamples keep 200 examples within a few seconds each
QUICK = resolve_config(parameters={"n_draws": 30, "action_draws": 10, "n_resamples": 3})
LEVELLED = [k for k, c in CAT.criteria.items() if c.levels and c.kind != "multi"]
OPTIONAL = [*LEVELLED, "decision_criteria", "business_type", "billing", "billing_previous", "profit", "margin_pct",
            "cost_to_serve", "share_of_wallet_pct", "owner"]


def _levels(key):
    return [lv.key for lv in CAT.criteria[key].levels]


@st.composite
def registers(draw, max_clients=12):
    n = draw(st.integers(0, max_clients))
    columns = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    identical = n >= 2 and draw(st.booleans())
    data = {"client_id": [f"C{i:03d}" for i in range(n)], "name": [f"Client {i}" for i in range(n)]}  # required
    for col in columns:
        fill = draw(st.sampled_from(["full", "partial", "empty"]))

        def value(i, col=col, fill=fill):
            if fill == "empty" or (fill == "partial" and (i * 7 + len(col)) % 3 == 0):
                return None
            if col in LEVELLED:
                choices = [*_levels(col), "unheard of"]
            elif col == "decision_criteria":
                choices = ["purchase price", "trust; supplier quality", "lifecycle cost", "nonsense"]
            elif col == "business_type":
                choices = ["Consumer", "Corporate", "manufacturer"]
            elif col == "owner":
                choices = ["Ann", "Bob", "Cy"]
            elif col in ("margin_pct", "share_of_wallet_pct"):
                choices = [-20.0, 0.0, 5.0, 35.0, 90.0]
            else:
                choices = [0.0, -150.0, 1.0, 1200.0, 55000.5]
            return choices[draw(st.integers(0, len(choices) - 1))] if not identical else choices[0]

        data[col] = [value(i) for i in range(n)]
    return pd.DataFrame(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(registers())
def test_every_register_that_loads_gives_an_analysis(register):
    if register.empty:  # a blank register is refused with its reason, before any step runs
        with pytest.raises(DataValidationError, match="no client"):
            load_portfolio(register)
        return
    portfolio = load_portfolio(register, catalogue=QUICK)
    a = analyse(portfolio, QUICK)
    n = len(portfolio.clients)
    assert set(a.tables) == set(TABLES)
    for name in ("scores", "actions", "relationship_plan", "segments", "profit", "lifetime_values"):
        assert len(a.tables[name]) == n, name
    # nothing is ended on missing data
    ended = a.actions[a.actions["action"] == "end"]
    assert not ended["insufficient_data"].any()
    # the plan's priorities are 1..n and every client is in it once
    assert sorted(a.relationship_plan["priority"]) == list(range(1, n + 1))
    json.dumps(a.facts)  # the headline figures are plain data


def test_invoices_alone_and_profit_alone(tmp_path):
    lines = pd.DataFrame({"client_id": ["A", "A", "B"], "date": ["2025-01-05", "2025-06-01", "2025-03-03"],
                          "amount": [100.0, 50.0, 70.0]})
    a = analyse(load_portfolio(invoices=lines))
    assert len(a.scores) == 2 and (a.actions["action"] != "end").all()
    only_profit = pd.DataFrame({"client_id": ["A", "B", "C"], "name": ["a", "b", "c"], "profit": [10.0, -5.0, 3.0]})
    a = analyse(load_portfolio(only_profit))
    assert a.facts["whale"]["n_loss_making"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("case", ["one", "no_criteria", "unknown_types"])
def test_a_register_that_validates_gives_a_report(tmp_path, case):
    frames = {
        "one": pd.DataFrame({"client_id": ["A"], "name": ["Solo"], "relationship_type": ["partnership"],
                             "billing": [1000.0]}),
        "no_criteria": pd.DataFrame({"client_id": ["A", "B", "C"], "name": ["a", "b", "c"],
                                     "billing": [10.0, 20.0, np.nan]}),
        "unknown_types": pd.DataFrame({"client_id": ["A", "B", "C", "D"], "name": list("abcd"),
                                       "business_type": ["Consumer", "Corporate", "Consumer", "Horeca"],
                                       "relationship_type": [None, None, None, None], "billing": [1.0, 2.0, 3.0, 4.0]}),
    }
    register = tmp_path / "clients.csv"
    frames[case].to_csv(register, index=False)
    assert main(["validate", str(register)]) == 0
    out = tmp_path / "out"
    assert main(["report", "--clients", str(register), "--out", str(out)]) == 0
    assert (out / "report.html").is_file() and (out / "relationship_plan.xlsx").is_file()


def test_a_blank_register_stops_before_the_report(tmp_path, capsys):
    register = tmp_path / "clients.csv"
    register.write_text("client_id,name\n", encoding="utf-8")
    assert main(["validate", str(register)]) == 1
    assert "no client" in capsys.readouterr().out
    assert main(["report", "--clients", str(register), "--out", str(tmp_path / "out")]) == 1
    assert "no client" in capsys.readouterr().err and not (tmp_path / "out").exists()


_CELLS = st.text(alphabet=st.sampled_from(list('ab1 ,;"\'\n\r\té€$<>=') + ["\x00", "\u200b", "С"]), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELLS, min_size=1, max_size=5), max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_any_register_file_loads_or_says_why(tmp_path, rows, encoding):
    """Whatever bytes a register CSV holds: it loads with counts that add up, or one clear refusal."""
    from portfolio_analysis.load.register import load_clients
    from portfolio_analysis.load.validation import InputError, ValidationReport

    text = "client_id,name,business_type\n" + "\n".join(",".join(r) for r in rows) + "\n"
    path = tmp_path / "fuzz.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        return  # not a file this encoding can hold
    report = ValidationReport()
    try:
        clients = load_clients(path, report=report)
    except InputError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    except DataValidationError:
        pass
    else:
        assert clients["client_id"].notna().all()
    for stats in report.files.values():
        assert stats.rows_read == stats.rows_loaded + stats.rows_rejected + stats.rows_blank


def test_three_clients_whose_distances_are_not_euclidean_still_get_a_map():
    """Found by the generated registers: the map's classical start gave NaN; it starts from random positions."""
    register = pd.DataFrame({"client_id": ["C000", "C001", "C002"], "name": ["a", "b", "c"],
                             "relationship_type": ["at risk", None, "recurring"],
                             "service_needs": ["specialised", None, None],
                             "learning_opportunities": ["high", "moderate", None],
                             "billing": [1.0, 1200.0, 1200.0], "billing_previous": [None, 55000.5, None]})
    a = analyse(load_portfolio(register, catalogue=QUICK), QUICK)
    assert len(a.tables["segment_map"]) == 3
    assert np.isfinite(a.tables["segment_map"][["x", "y"]].to_numpy()).all()
