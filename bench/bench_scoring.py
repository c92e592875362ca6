"""Benchmark of the scoring: 1M clients x 10 criteria, and 1,000 sensitivity draws over 10,000 clients.

Targets (issue 3): scoring ≤ 1 s, sensitivity ≤ 10 s. The synthetic registers are
seeded, with ~10 % of every criterion missing. Prints a table and writes
``bench/results/scoring.md``.

Run: ``.venv/bin/python bench/bench_scoring.py [--clients 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# run from a checkout without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portfolio_analysis.config.catalogue import load_catalogue  # noqa: E402
from portfolio_analysis.steps.scoring import criterion_scores, score_clients  # noqa: E402
from portfolio_analysis.steps.sensitivity import weight_sensitivity  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "scoring.md"
MISSING = 0.10


def synthetic_register(n: int, *, seed: int = 0) -> pd.DataFrame:
    """A register of ``n`` clients: 8 ordinal criteria, decision criteria, billing (10 scored criteria).

    Criteria columns are the loader's output: ``str`` columns of canonical level keys.
    """
    cat = load_catalogue()
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {"client_id": pd.array([f"C{i:07d}" for i in range(n)], dtype="str")}
    for key, crit in cat.criteria.items():
        if crit.kind != "ordinal" or crit.axis == "descriptive":
            continue
        levels = np.array(crit.level_keys, dtype=object)
        values = levels[rng.integers(0, len(levels), n)]
        values[rng.random(n) < MISSING] = None
        data[key] = pd.array(values, dtype="str")
    combos = np.array(
        [
            "purchase_price",
            "lifecycle_cost;trust",
            "supplier_quality",
            "purchase_price;ease_of_purchase",
            "trust",
            "lifecycle_cost;supplier_quality;trust",
        ],
        dtype=object,
    )
    decisions = combos[rng.integers(0, len(combos), n)]
    decisions[rng.random(n) < MISSING] = None
    data["decision_criteria"] = pd.array(decisions, dtype="str")
    billing = np.round(10 ** rng.normal(4.5, 0.8, n), 2)
    billing[rng.random(n) < MISSING] = np.nan
    data["billing"] = billing
    data["billing_previous"] = np.round(billing * rng.lognormal(0.0, 0.2, n), 2)
    return pd.DataFrame(data)


def timed(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--sensitivity-clients", type=int, default=10_000)
    parser.add_argument("--draws", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    cat = load_catalogue()
    big = synthetic_register(args.clients)
    probe = criterion_scores(big.head(1000), catalogue=cat).drop(columns="client_id")
    n_criteria, n_present = probe.shape[1], int(probe.notna().any().sum())
    small = synthetic_register(args.sensitivity_clients, seed=1)

    rows = [
        (
            f"criterion_scores: {args.clients:,} clients",
            timed(lambda: criterion_scores(big, catalogue=cat), args.repeat),
            None,
        ),
        (
            f"score_clients: {args.clients:,} clients (register to scores)",
            timed(lambda: score_clients(big, catalogue=cat), args.repeat),
            1.0,
        ),
        (
            f"weight_sensitivity: {args.draws:,} draws x {args.sensitivity_clients:,} clients",
            timed(
                lambda: weight_sensitivity(small, catalogue=cat, n_draws=args.draws), max(1, args.repeat - 2)
            ),
            10.0,
        ),
    ]

    header = "| step | seconds (best of runs) | target | within |\n|---|---:|---:|---|\n"
    lines = [
        f"| {name} | {secs:.3f} | {'' if target is None else f'{target:.0f} s'} | "
        f"{'' if target is None else ('yes' if secs <= target else 'NO')} |"
        for name, secs, target in rows
    ]
    table = header + "\n".join(lines) + "\n"
    machine = (
        f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    text = (
        "# Scoring benchmark\n\n"
        f"Synthetic seeded registers: {n_criteria} scored criteria in the catalogue, {n_present} with data "
        f"(8 ordinal as `str` level keys, decision criteria, billing size from billing, billing growth "
        f"from billing and previous billing), {MISSING:.0%} missing per criterion.\n"
        f"Machine: {machine}.\n\n{table}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
