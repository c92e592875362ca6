"""Benchmark: the whole report, end to end, as a consultant runs it.

Cases:
  sample  the shipped sample (300 clients, 18,843 invoice lines)         target <= 12 s
  large   10,000 synthetic clients, about 1.2 million invoice lines      target <= 45 s
          (the generator's 614,505 lines, each split into two halves so the
          money is unchanged and the line count passes one million)

Each case runs `portfolio-analysis report` in a fresh process, ``--runs`` times; the
fastest and the median wall time, the peak memory of the largest process and the
report's own account of where the time went (its ``time:`` line, fastest run) are
recorded. Results go to bench/results/report.md.

    python bench/bench_report.py            # both cases
    python bench/bench_report.py --quick    # the sample only
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portfolio_analysis.sample import write_sample  # noqa: E402

CLI = [sys.executable, "-m", "portfolio_analysis.cli"]


def run(args: list[str], runs: int) -> tuple[list[float], float, str]:
    """Wall times of ``runs`` fresh runs, the peak memory (MB) and the ``time:`` line of the fastest."""
    walls, lines = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            done = subprocess.run(CLI + args + ["--out", str(Path(tmp) / "out")], check=True, capture_output=True,
                                  text=True)
            walls.append(time.perf_counter() - t0)
        lines.append(next((ln for ln in done.stdout.splitlines() if ln.startswith("time: ")), ""))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest single process
    return walls, peak, lines[walls.index(min(walls))]


def large_inputs(folder: Path) -> tuple[Path, Path, Path, int]:
    paths = write_sample(folder, n_clients=10_000, seed=1, problems=False)
    lines = pd.read_csv(paths["invoices"], dtype={"client_id": str, "invoice_id": str})
    half = lines.assign(amount=(lines["amount"] / 2).round(2), cost=(lines["cost"] / 2).round(2))
    doubled = pd.concat([half, half], ignore_index=True).sort_values(["date", "client_id"], kind="stable")
    doubled.to_csv(paths["invoices"], index=False, float_format="%.2f")
    return paths["clients"], paths["invoices"], paths["contacts"], len(doubled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the sample only")
    parser.add_argument("--runs", type=int, default=3, help="runs of each case (default 3)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample = ROOT / "data" / "sample"
        cases = [("shipped sample", "300 clients, 18,843 invoice lines", "12 s",
                  ["report", "--clients", str(sample / "clients.csv"), "--invoices", str(sample / "invoices.csv"),
                   "--contacts", str(sample / "contacts.csv")])]
        if not args.quick:
            clients, invoices, contacts, n_lines = large_inputs(tmp / "large")
            cases.append(("large", f"10,000 clients, {n_lines:,} invoice lines", "45 s",
                          ["report", "--clients", str(clients), "--invoices", str(invoices),
                           "--contacts", str(contacts)]))
        for case, size, target, argv in cases:
            walls, mb, where = run(argv, args.runs)
            rows.append((case, size, min(walls), statistics.median(walls), mb, target, where))
            print(f"{case}: best {min(walls):.1f} s, median {statistics.median(walls):.1f} s, {mb:,.0f} MB; {where}",
                  flush=True)
    table = ["| case | size | best (s) | median (s) | peak memory of one process (MB) | target |",
             "|---|---|---:|---:|---:|---:|"]
    table += [f"| {c} | {s} | {b:.1f} | {m:.1f} | {mb:,.0f} | {t} |" for c, s, b, m, mb, t, _ in rows]
    where = [f"- {c} (fastest run): {w.removeprefix('time: ')}" for c, *_, w in rows]
    machine = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    text = ("# Report benchmark\n\n`portfolio-analysis report`, end to end (the analysis once, 9 notebooks shared by "
            f"two kernels), {args.runs} fresh processes per case. Machine: {machine}, 2 cores.\n\n" + "\n".join(table)
            + "\n\nWhere the time goes, as the report itself counts it:\n\n" + "\n".join(where) + "\n")
    out = ROOT / "bench" / "results" / "report.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
