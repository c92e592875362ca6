"""Peak memory of reading a register CSV, against the size of the file.

Each measure runs in a fresh Python process: the package is imported, the resident memory
noted, then the file is read (``read_table``, and ``load_clients`` on a second process) and
the peak resident memory (``ru_maxrss``) noted; the difference is what reading took.

    python bench/bench_register_memory.py [--rows 400000] [--out bench/results/register_memory.md]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import gc, json, resource, sys
from portfolio_analysis.load.files import read_table
from portfolio_analysis.load.register import load_clients
import pandas, pyarrow  # noqa: F401  (imported before the baseline)
gc.collect()
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()
before = max(rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
what, path = sys.argv[1], sys.argv[2]
result = read_table(path) if what == "read_table" else load_clients(path)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"peak_over_baseline": peak - before, "rows": len(result.data if what == "read_table" else result)}))
"""


def write_register(path: Path, rows: int) -> int:
    """A register of ``rows`` clients with the columns a company fills; returns its size in bytes."""
    levels = ("partnership", "recurring", "occasional", "at risk")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("client_id;name;relationship_type;profitability;business_type;owner;billing;billing_previous;"
                 "share_of_wallet;notes\n")
        for i in range(rows):
            fh.write(f"C{i:07d};Client number {i} SARL;{levels[i % 4]};{('low', 'moderate', 'high')[i % 3]};"
                     f"Retail;Owner {i % 37};{(i * 7919) % 100000},{i % 100:02d};{(i * 104729) % 90000};"
                     f"{i % 100} %;\"a note, with a comma\"\n")
    return path.stat().st_size


def measure(what: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, what, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.csv"
        size = write_register(path, args.rows)
        lines = [f"register CSV: {args.rows:,} rows, {size / 1e6:,.1f} MB", "",
                 "| what | peak memory over the baseline | x the file |", "|---|---:|---:|"]
        for what in ("read_table", "load_clients"):
            m = measure(what, path)
            lines.append(f"| {what} | {m['peak_over_baseline'] / 1e6:,.1f} MB | {m['peak_over_baseline'] / size:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
