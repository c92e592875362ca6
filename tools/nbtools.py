"""Developer tool: execute notebooks in place and store their outputs, as nbval will compare them.

    python tools/nbtools.py execute notebooks/01_data_and_validation.ipynb

Each notebook runs in its own folder with the current environment's kernel, as nbval
runs it. `make notebooks` first syncs every notebook with its `.py` source (jupytext),
then runs this on all of them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   extra_arguments=["--IPKernelApp.log_level=CRITICAL"]).execute()
    nbformat.write(nb, path)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "execute":
        for p in sys.argv[2:]:
            execute(Path(p))
            print(f"executed {p}")
    else:
        print(__doc__)
