"""Benchmark: the whole report, end to end, as a consultant runs it.

Cases:
  sample  the shipped sample (300 clients, 18,843 invoice lines)         target <= 90 s
  large   10,000 synthetic clients, about 1.2 million invoice lines      target <= 5 min
          (the generator's 614,505 lines, each split into two halves so the
          money is unchanged and the line count passes one million)

Each case runs `portfolio-analysis report` in a fresh process; wall time and the
peak memory of the process tree are measured. Results go to bench/results/report.md.

    python bench/bench_report.py            # both cases
    python bench/bench_report.py --quick    # the sample only
"""

from __future__ import annotations

import argparse
import platform
import resource
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


def run(args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(CLI + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024  # MB; the largest single process of the run


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
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample = ROOT / "data" / "sample"
        wall, mb = run(["report", "--clients", str(sample / "clients.csv"), "--invoices", str(sample / "invoices.csv"),
                        "--contacts", str(sample / "contacts.csv"), "--out", str(tmp / "sample")])
        rows.append(("shipped sample", "300 clients, 18,843 invoice lines", wall, mb, "90 s"))
        print(f"sample: {wall:.1f} s, {mb:,.0f} MB", flush=True)
        if not args.quick:
            clients, invoices, contacts, n_lines = large_inputs(tmp / "large")
            wall, mb = run(["report", "--clients", str(clients), "--invoices", str(invoices),
                            "--contacts", str(contacts), "--out", str(tmp / "large-out")])
            rows.append(("large", f"10,000 clients, {n_lines:,} invoice lines", wall, mb, "300 s"))
            print(f"large: {wall:.1f} s, {mb:,.0f} MB", flush=True)
    table = ["| case | size | wall time (s) | peak memory of one process (MB) | target |", "|---|---|---:|---:|---:|"]
    table += [f"| {c} | {s} | {w:.1f} | {m:,.0f} | {t} |" for c, s, w, m, t in rows]
    machine = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    text = "# Report benchmark\n\n`portfolio-analysis report`, end to end (8 notebooks), " \
           f"in a fresh process. Machine: {machine}, 2 cores.\n\n" + "\n".join(table) + "\n"
    out = ROOT / "bench" / "results" / "report.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
