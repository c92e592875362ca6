"""Drive notebook 03's weights panel in a real JupyterLab, in headless Chromium, and time it as a user sees it.

The script starts its own JupyterLab (this interpreter's, on a free localhost port, with a random
token, root dir the repository, autosave off, a throw-away analysis cache and settings), opens
``notebooks/03_scoring.ipynb`` in headless Chromium through Playwright, runs every cell from the
*Run* menu (*Run All Cells*) and waits for the weights panel of the last cell. Then:

* **latency of a move**: a slider handle is focused and ArrowRight / ArrowLeft pressed (one step of
  0.5); the time measured, in the page, runs from the key event's ``timeStamp`` to the first DOM
  mutation after which the panel's output area (the ``widgets.Output``) shows new, non-empty content
  (a ``MutationObserver``, ``performance.now()``), and to the next animation frame after it
  (painted). The moves are spaced out (each waits for its result, then 250 ms), so none is coalesced.
  This is the round trip a user feels: browser -> kernel (slider value) -> re-score + render ->
  output message -> browser re-render.
* **screenshots** (PNG) of the panel and of the whole window: before any move, after the first
  moves, after all moves, after *Save*; the *Save* button writes ``my_weights.yaml`` (the panel's
  default name, relative to the kernel's working directory, i.e. ``notebooks/``); the script moves
  that file into the output folder (so the repository is left clean) and runs
  ``portfolio-analysis validate --config FILE`` on it.

With ``--clients N`` other than 300, a synthetic register of N clients is written with
``portfolio_analysis.sample.write_sample`` to a temporary folder and a copy of the notebook with an
injected parameters cell pointing at it is opened instead (``notebooks/_drive_panel_N.ipynb``,
deleted at the end).

Needs the ``lab`` extra and Playwright's Python package, and a Chromium (``/usr/bin/chromium`` by
default; no ``playwright install``)::

    python3 -m venv /tmp/labvenv && /tmp/labvenv/bin/pip install -e ".[lab]" playwright
    /tmp/labvenv/bin/python bench/drive_panel_lab.py /tmp/panel_shots              # the sample, 300 clients
    /tmp/labvenv/bin/python bench/drive_panel_lab.py /tmp/panel_shots --clients 10000 --moves 20

It prints the latencies and writes ``latencies.json`` (and the PNGs, the saved YAML and the
validation's output) into the output folder. JupyterLab and Chromium are stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/03_scoring.ipynb"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# In the page: one helper that arms an observer on the panel's output area before a key is pressed.
ARM_JS = r"""
() => {
  const panel = window.__panel;
  const out = panel.querySelector('.widget-output');
  const before = out.innerText;
  window.__move = {key: null, changed: null, painted: null, before_len: before.length, mutations: 0};
  const m = window.__move;
  const onKey = (e) => { if (m.key === null) m.key = e.timeStamp; };
  document.addEventListener('keydown', onKey, {capture: true, once: true});
  document.addEventListener('pointerdown', onKey, {capture: true, once: true});
  const obs = new MutationObserver(() => {
    m.mutations += 1;
    if (m.changed !== null) return;
    const now = out.innerText;
    if (now.trim().length && now !== before) {
      m.changed = performance.now();
      obs.disconnect();
      requestAnimationFrame(() => { m.painted = performance.now(); });
    }
  });
  obs.observe(out, {childList: true, subtree: true, characterData: true});
  return true;
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(tmp: Path, port: int, token: str) -> subprocess.Popen:
    settings = tmp / "settings"
    (settings / "@jupyterlab" / "docmanager-extension").mkdir(parents=True)
    # no autosave: the run's outputs never land in the repository's notebook
    (settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings").write_text(
        json.dumps({"autosave": False}))
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(os.environ, PORTFOLIO_ANALYSIS_CACHE=str(tmp / "cache"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp / "config"), MPLBACKEND="agg")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
           f"--ServerApp.root_dir={ROOT}", f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
           f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp / 'workspaces'}"]
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/status?token={token}"
    for _ in range(120):
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited: see {tmp / 'lab.log'}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("JupyterLab did not answer in 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started (its own session)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def variant_notebook(n: int, data: Path) -> Path:
    """A copy of notebook 03 (outputs cleared) whose parameters point at a synthetic register of n clients."""
    import nbformat

    from portfolio_analysis.sample import write_sample

    files = write_sample(data, n_clients=n)
    nb = nbformat.read(ROOT / NOTEBOOK, as_version=4)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("jupytext", None)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    source = "\n".join(f"{k} = {str(v)!r}" for k, v in files.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(at + 1, cell)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    path = ROOT / "notebooks" / f"_drive_panel_{n}.ipynb"
    nbformat.write(nb, path)
    return path


def run_all(page) -> None:
    """Run > Run All Cells (which clears the stored outputs and queues every cell, [*]); once more if the first
    code cell has not run 30 s later (seen once: the session's first kernel was replaced by a second one just as
    the menu was used, and the queued cells never ran)."""
    for attempt in range(2):
        page.locator(".jp-Notebook .jp-Cell").first.click()  # the notebook is the current widget: menu enabled
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=30_000)
        page.locator(".lm-Menu-item:not(.lm-mod-hidden):not(.lm-mod-disabled) .lm-Menu-itemLabel").get_by_text(
            "Run All Cells", exact=True).click(timeout=30_000)
        try:
            page.wait_for_function(
                """() => {
                  const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
                  return p.length && /\\[\\*\\]/.test(p[p.length - 1].textContent)
                         && /\\[\\d+\\]/.test(p[0].textContent);
                }""", timeout=30_000, polling=100)
            return
        except Exception:
            if attempt:
                raise
            print("Run All Cells did not start; trying again", flush=True)


def wait_panel(page, timeout_s: float) -> float:
    """Waits until the last code cell has run and shows the panel's sliders; the seconds it took."""
    t0 = time.perf_counter()
    page.wait_for_function(
        """() => {
          const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
          const last = cells[cells.length - 1];
          if (!last) return false;
          const prompt = last.querySelector('.jp-InputPrompt');
          if (!prompt || !/\\[\\d+\\]/.test(prompt.textContent)) return false;
          const panel = last.querySelector('.jp-OutputArea-output .widget-vbox');
          if (!panel || !panel.querySelector('.widget-slider .noUi-handle')) return false;
          if (!panel.querySelector('.widget-output h4')) return false;
          window.__panel = panel;
          return true;
        }""", timeout=timeout_s * 1000, polling=200)
    return time.perf_counter() - t0


def shot(page, out: Path, name: str) -> list[str]:
    panel = page.locator(".jp-Notebook .jp-CodeCell").last.locator(".jp-OutputArea-output .widget-vbox").first
    panel.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    panel.screenshot(path=str(out / f"{name}_panel.png"))
    page.screenshot(path=str(out / f"{name}_window.png"))
    return [f"{name}_panel.png", f"{name}_window.png"]


def one_move(page, handle, key: str, timeout_s: float = 60) -> dict:
    page.evaluate(ARM_JS)
    handle.focus()
    handle.press(key)
    page.wait_for_function("() => window.__move.painted !== null", timeout=timeout_s * 1000, polling="raf")
    m = page.evaluate("() => window.__move")
    return {"key": key, "to_output_ms": m["changed"] - m["key"], "to_paint_ms": m["painted"] - m["key"],
            "mutations": m["mutations"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder for the screenshots and latencies.json")
    ap.add_argument("--clients", type=int, default=300, help="300: the shipped sample; else a synthetic register")
    ap.add_argument("--moves", type=int, default=20, help="slider moves timed")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--run-timeout", type=float, default=900, help="seconds allowed for Run All Cells")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    tag = f"n{args.clients}"

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="drive_panel_"))
    port, token = free_port(), secrets.token_hex(16)
    notebook = ROOT / NOTEBOOK
    made = []
    if args.clients != 300:
        notebook = variant_notebook(args.clients, tmp / "data")
        made = [notebook, notebook.with_suffix(".py")]
    saved_yaml = notebook.parent / "my_weights.yaml"
    had_yaml = saved_yaml.exists()
    result = {"clients": args.clients, "notebook": str(notebook.relative_to(ROOT)), "cores": os.cpu_count()}
    lab = start_lab(tmp, port, token)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 2200})
                console = []
                page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}")
                        if msg.type in ("error", "warning") else None)
                rel = notebook.relative_to(ROOT).as_posix()
                page.goto(f"http://127.0.0.1:{port}/lab/tree/{rel}?token={token}")
                page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=120_000)
                # the kernel is up when the status bar says so
                page.wait_for_function("() => /Kernel status: Idle/.test(document.body.textContent)", timeout=120_000)
                t_run = time.perf_counter()
                run_all(page)
                wait_panel(page, args.run_timeout)
                result["run_all_to_panel_s"] = round(time.perf_counter() - t_run, 1)  # the whole notebook
                page.wait_for_timeout(1000)
                shots = shot(page, out, f"{tag}_0_before")
                handles = page.locator(".jp-Notebook .jp-CodeCell").last.locator(".widget-slider .noUi-handle")
                labels = page.locator(".jp-Notebook .jp-CodeCell").last.locator(".widget-slider .widget-label")
                n_sliders = handles.count()
                result["sliders"] = [labels.nth(i).inner_text() for i in range(n_sliders)]
                moves = []
                for i in range(args.moves):
                    # up on every slider in turn, then back down: the weights wander, never all to 0
                    k = i % n_sliders
                    key = "ArrowRight" if (i // n_sliders) % 2 == 0 else "ArrowLeft"
                    m = one_move(page, handles.nth(k), key)
                    m["slider"] = result["sliders"][k]
                    moves.append(m)
                    print(f"move {i + 1:2d} {m['slider']:<30} {key:<10} output {m['to_output_ms']:7.1f} ms  "
                          f"painted {m['to_paint_ms']:7.1f} ms", flush=True)
                    page.wait_for_timeout(250)
                    if i == 2:
                        shots += shot(page, out, f"{tag}_1_after3moves")
                shots += shot(page, out, f"{tag}_2_after{args.moves}moves")
                # a big move: drag the first slider's handle to the far right (weight 10)
                m0 = handles.nth(0)
                track = page.locator(".jp-Notebook .jp-CodeCell").last.locator(".widget-slider .noUi-target").nth(0)
                box, hb = track.bounding_box(), m0.bounding_box()
                page.evaluate(ARM_JS)
                page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
                page.mouse.down()
                page.mouse.move(box["x"] + box["width"] - 1, hb["y"] + hb["height"] / 2, steps=10)
                page.mouse.up()
                page.wait_for_function("() => window.__move.painted !== null", timeout=60_000)
                d = page.evaluate("() => window.__move")
                result["drag_to_max_ms"] = round(d["painted"] - d["key"], 1)
                shots += shot(page, out, f"{tag}_3_after_drag")
                # Save
                panel = page.locator(".jp-Notebook .jp-CodeCell").last.locator(".jp-OutputArea-output .widget-vbox").first
                result["save_path_field"] = panel.locator(".widget-text input").first.input_value()
                panel.locator("button", has_text="Save").click()
                panel.locator(".widget-output", has_text="Wrote").wait_for(timeout=30_000)
                result["save_message"] = panel.locator(".widget-output p").last.inner_text()
                shots += shot(page, out, f"{tag}_4_after_save")
                result["panel_text"] = panel.locator(".widget-output").inner_text()
                result["console"] = console
                result["shots"] = shots
                result["moves"] = moves
                page.close()
            except BaseException:
                page.screenshot(path=str(out / f"{tag}_error_window.png"))
                raise
            finally:
                browser.close()
    finally:
        stop(lab)
        (out / f"{tag}_lab.log").write_bytes((tmp / "lab.log").read_bytes())
        shutil.rmtree(tmp, ignore_errors=True)
        for f in made:
            f.unlink(missing_ok=True)
        if saved_yaml.exists() and not had_yaml:
            shutil.move(saved_yaml, out / f"{tag}_my_weights.yaml")
    yaml_file = out / f"{tag}_my_weights.yaml"
    if yaml_file.exists():
        cli = Path(sys.executable).with_name("portfolio-analysis")
        v = subprocess.run([str(cli), "validate", "--config", str(yaml_file)], capture_output=True, text=True,
                           cwd=out)
        result["validate"] = {"exit": v.returncode, "stdout": v.stdout[-2000:], "stderr": v.stderr[-2000:]}
    times = [m["to_output_ms"] for m in result.get("moves", [])]
    painted = [m["to_paint_ms"] for m in result.get("moves", [])]
    if times:
        result["summary"] = {"moves": len(times), "output_median_ms": round(statistics.median(times), 1),
                             "output_max_ms": round(max(times), 1),
                             "painted_median_ms": round(statistics.median(painted), 1),
                             "painted_max_ms": round(max(painted), 1)}
    (out / f"{tag}_latencies.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps({k: result.get(k) for k in ("clients", "run_all_to_panel_s", "summary", "drag_to_max_ms",
                                                 "save_message", "validate")}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
