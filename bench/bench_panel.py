"""Benchmark: the weights panel's response to one slider move, from the new weights to the rendered output.

What a move costs is :meth:`PanelModel.update` (scores, ranks, actions at the new weights) plus
:meth:`PanelModel.render` (the tables, the small matrix, the YAML): what the panel's handler
runs before the output area changes. Synthetic portfolios of 300, 10,000 and 100,000 clients
(the sample generator); 30 moves each (a random criterion to a random weight), after 3 moves to
warm up; the median and the 95th percentile in milliseconds. Results go to bench/results/panel.md.

    python bench/bench_panel.py
    python bench/bench_panel.py --sizes 300 10000
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portfolio_analysis.load.portfolio import load_portfolio  # noqa: E402
from portfolio_analysis.sample import make_sample  # noqa: E402
from portfolio_analysis.widgets import PanelModel  # noqa: E402

TARGET_MS = 100.0  # at 10,000 clients


def measure(n: int, moves: int = 30, seed: int = 0) -> dict:
    clients = make_sample(n, seed=seed, problems=False)["clients"].drop(columns=["true_group"])
    portfolio = load_portfolio(clients)
    t0 = time.perf_counter()
    model = PanelModel(portfolio.clients, catalogue=portfolio.catalogue)
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    weights = dict(model.base_weights.items())
    times = []
    for i in range(moves + 3):
        key = list(weights)[rng.integers(len(weights))]
        weights[key] = float(rng.integers(0, 21)) / 2
        t = time.perf_counter()
        model.render(model.update(weights))
        if i >= 3:
            times.append((time.perf_counter() - t) * 1000)
    return {"clients": n, "setup_s": setup, "median_ms": statistics.median(times),
            "p95_ms": float(np.percentile(times, 95)), "max_ms": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 10_000, 100_000])
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        r = measure(n)
        rows.append(r)
        print(f"{n:>7,} clients: median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
              f"(setup {r['setup_s']:.2f} s)", flush=True)
    table = ["| clients | one move, median (ms) | 95th percentile (ms) | slowest (ms) | panel set-up (s) | target |",
             "|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        target = f"<= {TARGET_MS:.0f} ms" if r["clients"] == 10_000 else ""
        table.append(f"| {r['clients']:,} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['max_ms']:.1f} | "
                     f"{r['setup_s']:.2f} | {target} |")
    machine = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    text = ("# Weights panel benchmark\n\nOne slider move: `PanelModel.update` + `render` (scores, ranks, actions, "
            f"the tables, the small matrix, the YAML). 30 moves after 3 to warm up. Machine: {machine}, 2 cores.\n\n"
            + "\n".join(table) + "\n")
    out = ROOT / "bench" / "results" / "panel.md"
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
