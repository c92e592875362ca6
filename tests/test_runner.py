"""The runner never loses what a user had: Ctrl-C, failed notebooks and folders it did not write."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from portfolio_analysis.deliver.runner import MARKER, PARAMETERS, run_report

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
pytestmark = pytest.mark.slow


def _failing_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("\n".join(f"{p} = None" for p in PARAMETERS))
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("raise ValueError('boom')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "01_broken.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_failed_run_never_deletes_a_folder_it_did_not_write(tmp_path, capsys):
    mine = tmp_path / "rep.failed"  # the user's own folder, named like the runner's
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes", encoding="utf-8")
    code = run_report(clients=str(SAMPLE / "clients.csv"), out=tmp_path / "rep",
                      notebooks=[_failing_notebook(tmp_path)])
    assert code == 1
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "my notes"
    kept = tmp_path / "rep.failed-2"
    assert (kept / "notebooks" / "01_broken.ipynb").is_file() and (kept / MARKER).is_file()
    assert str(kept) in capsys.readouterr().err
    # a second failure replaces the runner's own failed folder, never the user's
    assert run_report(clients=str(SAMPLE / "clients.csv"), out=tmp_path / "rep",
                      notebooks=[_failing_notebook(tmp_path)]) == 1
    assert (mine / "notes.txt").is_file() and not (tmp_path / "rep.failed-3").exists()


def test_ctrl_c_leaves_the_previous_deliverable_untouched(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / MARKER).write_text("written by portfolio-analysis report\n", encoding="utf-8")
    (out / "report.html").write_text("the previous report", encoding="utf-8")
    cmd = [sys.executable, "-m", "portfolio_analysis.cli", "report", "--clients", str(SAMPLE / "clients.csv"),
           "--invoices", str(SAMPLE / "invoices.csv"), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seen = ""
    deadline = time.monotonic() + 120
    while "[1/" not in seen and time.monotonic() < deadline:  # interrupt while the notebooks run
        seen += proc.stdout.readline()
    assert "[1/" in seen, seen
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    assert (out / "report.html").read_text(encoding="utf-8") == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # no staging or failed folder left behind
