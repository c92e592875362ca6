"""Running the notebook sequence for one company and writing the deliverable.

The notebooks under ``notebooks/`` (``01_…`` to ``0N_…``) are executed in order
with papermill, each in its own folder, with the same parameters. Everything is
written into a staging folder beside ``--out`` and moved into place only when
every notebook has run, so an interrupted or failed run never leaves a
deliverable that looks complete; a failed run keeps its partly executed
notebooks in ``<out>.failed`` for inspection.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
MARKER = ".portfolio-analysis-output"
PARAMETERS = (
    "clients", "invoices", "contacts", "config", "overrides", "mapping", "sheet",
    "company", "lang", "out_dir", "strict",
)


def notebook_sequence(folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks of the analysis, in order (``01_…``, ``02_…``, …)."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if not p.name.startswith("."))


def _abs(path):
    return None if path is None else str(Path(path).resolve())


def _check_out(out: Path, inputs: list) -> None:
    for item in inputs:
        if item is None:
            continue
        p = Path(item).resolve()
        if p == out or out in p.parents:
            raise SystemExit(f"--out {out}: it holds the input file {p}; choose another folder")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SystemExit(
            f"--out {out}: the folder exists and was not written by portfolio-analysis; "
            "choose a new or empty folder"
        )


def run_report(
    *,
    clients=None,
    invoices=None,
    contacts=None,
    config=None,
    overrides=(),
    mapping=None,
    sheet=None,
    company="the company",
    lang="en",
    out,
    strict=False,
    notebooks: list[Path] | None = None,
) -> int:
    """Run every notebook and write the deliverable into ``out``; return the exit status."""
    import papermill as pm

    from portfolio_analysis.load.portfolio import load_portfolio
    from portfolio_analysis.load.validation import DataValidationError, InputError

    out = Path(out).resolve()
    _check_out(out, [clients, invoices, contacts, config])
    start = time.perf_counter()
    # Load once here: a file that cannot be read stops the run before any notebook, with a clear message.
    try:
        pf = load_portfolio(
            clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
            mapping=mapping, sheet=sheet, strict=strict,
        )
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DataValidationError as exc:
        print(f"error: the input cannot be used:\n{exc.report.to_text(max_rows=30)}", file=sys.stderr)
        return 1
    print(pf.report.to_text(max_rows=0), flush=True)

    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    for sub in ("tables", "figures", "notebooks"):
        (staging / sub).mkdir(parents=True)
    params = {
        "clients": _abs(clients), "invoices": _abs(invoices), "contacts": _abs(contacts),
        "config": _abs(config), "overrides": list(overrides or []), "mapping": dict(mapping or {}),
        "sheet": sheet, "company": company, "lang": lang, "out_dir": str(staging), "strict": strict,
    }
    sequence = notebooks or notebook_sequence()
    # the executive summary (00_…) comes first in the report but runs last, on everything else
    run_order = [nb for nb in sequence if not nb.name.startswith("00_")] + [
        nb for nb in sequence if nb.name.startswith("00_")]
    for i, nb in enumerate(run_order, 1):
        declared = set(pm.inspect_notebook(str(nb)))
        missing = [p for p in PARAMETERS if p not in declared]
        if missing:
            print(f"error: {nb.name} does not declare the parameters {missing}", file=sys.stderr)
            return 1
        target = staging / "notebooks" / nb.name
        t0 = time.perf_counter()
        print(f"[{i}/{len(sequence)}] {nb.stem} ...", end=" ", flush=True)
        try:
            pm.execute_notebook(
                str(nb), str(target), parameters=params, cwd=str(nb.parent),
                kernel_name="python3", progress_bar=False, log_output=False,
                # the kernel's own start-up notices are not the user's business
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except pm.PapermillExecutionError as exc:
            failed = out.with_name(out.name + ".failed")
            if failed.exists():
                shutil.rmtree(failed)
            staging.rename(failed)
            print("failed", flush=True)
            print(
                f"error: notebook {nb.name}, cell {exc.exec_count or exc.cell_index}: {exc.ename}: {exc.evalue}\n"
                f"the partly executed notebook is kept in {failed / 'notebooks' / nb.name}",
                file=sys.stderr,
            )
            return 1
        print(f"{time.perf_counter() - t0:.1f} s", flush=True)

    from portfolio_analysis.deliver.html import write_html_report

    title = ("Analyse du portefeuille clients — " if lang == "fr" else "Customer portfolio analysis — ") + company
    write_html_report([staging / "notebooks" / nb.name for nb in sequence], staging / "report.html",
                      title=title, lang=lang)
    (staging / MARKER).write_text("written by portfolio-analysis report\n", encoding="utf-8")
    _swap_into_place(staging, out)
    print(f"wrote {out} in {time.perf_counter() - start:.1f} s")
    return 0


def _swap_into_place(staging: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
