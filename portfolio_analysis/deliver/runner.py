"""The report of one company: the analysis computed once, then every output written from it.

:func:`run_report` resolves the configuration, loads the files, runs the analysis once
and saves it (``analysis/``), writes ``tables/``, ``summary.json`` and the Excel plan
from it, then executes the notebooks under ``notebooks/`` — which only present that
saved analysis — in two kernels side by side (one on a single core), and joins them into
``report.html``. Everything is
written into a staging folder beside ``--out`` and moved into place only when complete,
so an interrupted or failed run never leaves a deliverable that looks complete; a
failed run keeps its partly executed notebooks in ``<out>.failed`` for inspection.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from portfolio_analysis.i18n.language import N_

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
MARKER = ".portfolio-analysis-output"
COMPANY = N_("the company")  # when no name is given
TITLE = N_("Customer portfolio analysis — {company}")
PARAMETERS = (
    "clients", "invoices", "contacts", "config", "overrides", "mapping", "sheet",
    "company", "lang", "out_dir", "strict", "analysis_dir",
)


def notebook_sequence(folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks of the analysis, in order (``00_…``, ``01_…``, …)."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if not p.name.startswith("."))


def _abs(path):
    return None if path is None else str(Path(path).resolve())


#: The notebooks a portfolio may not support, and the test of the analysis that says whether it does.
_NEEDS = {"04_segmentation": lambda analysis: analysis.facts["segmentation"]["n_clusters"] > 0}


def _supported(notebook: Path, analysis) -> bool:
    need = _NEEDS.get(notebook.stem)
    return need is None or bool(need(analysis))


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


def _ours(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def _keep_failed(staging: Path, out: Path) -> Path:
    """Move a failed run's staging folder to ``<out>.failed``; a folder there that this tool did not write stays."""
    failed = out.with_name(out.name + ".failed")
    n = 1
    while failed.exists() and not _ours(failed):
        n += 1
        failed = out.with_name(f"{out.name}.failed-{n}")
    if failed.exists():
        shutil.rmtree(failed)
    staging.rename(failed)
    return failed


def run_report(
    *,
    clients=None,
    invoices=None,
    contacts=None,
    config=None,
    overrides=(),
    mapping=None,
    sheet=None,
    company=None,
    lang="en",
    out,
    strict=False,
    notebooks: list[Path] | None = None,
) -> int:
    """Analyse once, write the deliverable into ``out``, and return the exit status."""
    from portfolio_analysis.archive import run_analysis, save_analysis
    from portfolio_analysis.config.catalogue import ConfigError
    from portfolio_analysis.deliver.deck import write_deck
    from portfolio_analysis.deliver.execute import NotebookSession
    from portfolio_analysis.deliver.html import write_html_report
    from portfolio_analysis.deliver.summary import headline, write_relationship_plan, write_summary_json
    from portfolio_analysis.deliver.tables import write_tables
    from portfolio_analysis.i18n.language import language
    from portfolio_analysis.load.portfolio import load_portfolio
    from portfolio_analysis.load.validation import DataValidationError, InputError
    from portfolio_analysis.pipeline import note_text, resolve_config

    out = Path(out).resolve()
    _check_out(out, [clients, invoices, contacts, config])
    company = company or language(lang).gettext(COMPANY)
    start = time.perf_counter()
    spent: dict[str, float] = {}  # where the time went, said at the end
    sequence = notebooks or notebook_sequence()
    # the kernels start and import while we compute; two share the notebooks on a machine with two cores or more
    sessions = [NotebookSession(cwd=sequence[0].parent) for _ in range(_kernels(len(sequence)))]
    staging = writer = None
    try:
        try:
            cat = resolve_config(config, overrides=overrides)
        except ConfigError as exc:
            print(f"error in the configuration:\n{exc}", file=sys.stderr)
            return 2
        try:
            pf = load_portfolio(clients, invoices=invoices, contacts=contacts, catalogue=cat,
                                mapping=dict(mapping or {}), sheet=sheet, strict=strict)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except DataValidationError as exc:
            print(f"error: the input cannot be used:\n{exc.report.to_text(max_rows=30)}", file=sys.stderr)
            return 1
        print(pf.report.to_text(max_rows=0), flush=True)
        spent["loading"] = time.perf_counter() - start

        t0 = time.perf_counter()
        analysis = run_analysis(clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                                mapping=mapping, sheet=sheet, strict=strict, lang=lang, portfolio=pf)
        spent["analysis"] = time.perf_counter() - t0
        print(f"analysis of {len(analysis.clients):,} clients ... {spent['analysis']:.1f} s", flush=True)
        for note in analysis.facts.get("notes", []):
            print(f"note: {note_text(note)}", flush=True)
        t0 = time.perf_counter()

        staging = out.parent / f".{out.name}.partial-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        for sub in ("tables", "figures", "notebooks"):
            (staging / sub).mkdir(parents=True)
        (staging / MARKER).write_text("written by portfolio-analysis report\n", encoding="utf-8")
        save_analysis(analysis, staging / "analysis")
        spent["saving the analysis"] = time.perf_counter() - t0

        def write_outputs() -> float:
            t = time.perf_counter()
            write_tables(analysis, staging / "tables")
            write_summary_json(headline(analysis), staging)
            write_relationship_plan(analysis, staging / "relationship_plan.xlsx", company=company, lang=lang)
            return time.perf_counter() - t

        # the tables and the workbook are written while the kernel runs the notebooks (that waiting is idle here)
        writer = ThreadPoolExecutor(max_workers=1)
        outputs = writer.submit(write_outputs)
        t_notebooks = time.perf_counter()

        params = {
            "clients": _abs(clients), "invoices": _abs(invoices), "contacts": _abs(contacts),
            "config": _abs(config), "overrides": list(overrides or []), "mapping": dict(mapping or {}),
            "sheet": sheet, "company": company, "lang": lang, "out_dir": str(staging), "strict": strict,
            "analysis_dir": str(staging / "analysis"),
        }
        sequence = [nb for nb in sequence if _supported(nb, analysis)]  # 00 says why a step is left out
        failure = _run_notebooks(sessions, sequence, staging / "notebooks", params)
        if failure is not None:
            outputs.result()
            failed = _keep_failed(staging, out)
            staging = None
            print(f"error: {failure}\nthe partly executed notebook is kept in "
                  f"{failed / 'notebooks' / failure.notebook}", file=sys.stderr)
            return 1

        spent["notebooks"] = time.perf_counter() - t_notebooks
        t0 = time.perf_counter()
        write_deck(analysis, staging / "figures", staging / "deck.pptx", company=company, lang=lang)
        spent["deck"] = time.perf_counter() - t0
        spent["tables, summary and Excel plan (beside the notebooks)"] = outputs.result()
        t0 = time.perf_counter()
        title = language(lang).gettext(TITLE).format(company=company)
        write_html_report([staging / "notebooks" / nb.name for nb in sequence], staging / "report.html",
                          title=title, lang=lang)
        spent["HTML report"] = time.perf_counter() - t0
        _swap_into_place(staging, out)
        staging = None
        steps = analysis.run.get("timings_s", {})
        slowest = sorted(((k, v) for k, v in steps.items() if k != "total"), key=lambda kv: -kv[1])[:3]
        print("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in spent.items())
              + " (analysis: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest) + ")")
        print(f"wrote {out} in {time.perf_counter() - start:.1f} s")
        return 0
    finally:
        if writer is not None:
            writer.shutdown(wait=True)
        for session in sessions:
            session.close()
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _kernels(n_notebooks: int) -> int:
    """How many kernels run the notebooks: two where there are two cores or more (and two notebooks)."""
    return 2 if (os.cpu_count() or 1) >= 2 and n_notebooks >= 2 else 1


def _run_notebooks(sessions: list, sequence: list[Path], folder: Path, params: dict):
    """Run ``sequence`` on ``sessions``, each kernel taking the next notebook when it is free.

    Each notebook is said when it is done (``[3/9] 02_client_profiles ... 1.3 s``). Returns the
    first :class:`NotebookFailed` (no notebook starts after it), or None. The threads are daemons
    and the caller polls them, so that Ctrl-C reaches the main thread at once.
    """
    from portfolio_analysis.deliver.execute import NotebookFailed

    queue = list(sequence)
    lock = threading.Lock()
    state: dict = {"failure": None, "done": 0}

    def work(session) -> None:
        while True:
            with lock:
                if state["failure"] is not None or not queue:
                    return
                nb = queue.pop(0)
            t0 = time.perf_counter()
            try:
                session.run(nb, folder / nb.name, params)
            except NotebookFailed as exc:
                with lock:
                    state["failure"] = state["failure"] or exc
                    print(f"{nb.stem} ... failed", flush=True)
                return
            except Exception as exc:  # a kernel that died: said as a failed notebook
                with lock:
                    state["failure"] = state["failure"] or NotebookFailed(nb.name, None, type(exc).__name__, str(exc))
                return
            with lock:
                state["done"] += 1
                print(f"[{state['done']}/{len(sequence)}] {nb.stem} ... {time.perf_counter() - t0:.1f} s", flush=True)

    threads = [threading.Thread(target=work, args=(session,), daemon=True) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)
    return state["failure"]


def _swap_into_place(staging: Path, out: Path) -> None:
    """Put the new deliverable in place of the old one; a Ctrl-C meanwhile is ignored (both renames happen)."""
    old = None
    with _deferred_interrupt():
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _deferred_interrupt():
    """Ignore Ctrl-C (SIGINT) for the few milliseconds of the block: it is never left half done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
