"""Developer tool: build a notebook from a list of cells (tools/notebook_sources) and execute it in place for nbval.

    python tools/nbtools.py execute notebooks/01_data_and_validation.ipynb

executes a notebook in its own folder with the current environment's kernel and
stores the outputs, as nbval will compare them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

PARAMETERS = '''clients = "../data/sample/clients.csv"
invoices = "../data/sample/invoices.csv"
contacts = "../data/sample/contacts.csv"
config = None
overrides = []
mapping = {}
sheet = None
company = "Sample Company"
lang = "en"
out_dir = None  # the deliverable folder; None writes nothing
strict = False'''


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, src in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(src.strip("\n")))
        elif kind in ("md-en", "md-fr"):  # prose in one language: the report keeps the run's language
            cell = nbformat.v4.new_markdown_cell(src.strip("\n"))
            cell.metadata["tags"] = [f"lang-{kind[-2:]}"]
            nb.cells.append(cell)
        elif kind == "tagged-md":  # shown in JupyterLab, left out of the written report
            cell = nbformat.v4.new_markdown_cell(src.strip("\n"))
            cell.metadata["tags"] = ["remove-cell"]
            nb.cells.append(cell)
        elif kind == "params":
            cell = nbformat.v4.new_code_cell(src.strip("\n"))
            cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
        elif kind == "tagged-code":  # shown in JupyterLab, left out of the written report
            cell = nbformat.v4.new_code_cell(src.strip("\n"))
            cell.metadata["tags"] = ["remove-cell"]
            nb.cells.append(cell)
        else:
            nb.cells.append(nbformat.v4.new_code_cell(src.strip("\n")))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   extra_arguments=["--IPKernelApp.log_level=CRITICAL"]).execute()
    nbformat.write(nb, path)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "execute":
        for p in sys.argv[2:]:
            execute(Path(p))
            print(f"executed {p}")
    else:
        print(__doc__)
