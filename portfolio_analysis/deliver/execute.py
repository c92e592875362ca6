"""Executing notebooks in a kernel kept for a whole report, one after another.

The notebooks only present a saved analysis, so most of their time would go to starting
a kernel and importing pandas and matplotlib eight times. :class:`NotebookSession`
starts a kernel (its imports begin while the caller is still computing), runs each
notebook with its parameters injected as papermill does, and clears the namespace
between notebooks so that each runs as it would alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

KERNEL = "python3"
# what every notebook imports: loaded while the analysis is being computed
WARM_UP = (
    "import matplotlib.pyplot, pandas, seaborn, IPython.display\n"
    "import portfolio_analysis.deliver.page, portfolio_analysis.deliver.summary, portfolio_analysis.archive\n"
    "import portfolio_analysis.plots.concentration, portfolio_analysis.plots.matrix, portfolio_analysis.plots.profiles\n"
    "import portfolio_analysis.plots.scoring, portfolio_analysis.plots.segments, portfolio_analysis.plots.sensitivity\n"
    "import portfolio_analysis.plots.validation\n"
)
RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt\n"


@dataclass
class NotebookFailed(Exception):
    """A cell of a notebook raised: which notebook, which cell (its execution count), what error."""

    notebook: str
    cell: int | None
    ename: str
    evalue: str

    def __str__(self) -> str:
        return f"notebook {self.notebook}, cell {self.cell}: {self.ename}: {self.evalue}"


class NotebookSession:
    """One kernel that runs a sequence of notebooks (use as a context manager).

    >>> with NotebookSession(cwd="notebooks") as session:           # doctest: +SKIP
    ...     session.run("notebooks/05_profit_concentration.ipynb", "out/05.ipynb", {"lang": "fr"})
    """

    def __init__(self, *, cwd, timeout: int = 1200):
        from jupyter_client.manager import KernelManager

        self.cwd = str(cwd)
        self.timeout = timeout
        self.km = KernelManager(kernel_name=KERNEL)
        # the kernel's start-up notices are not the user's business
        self.km.start_kernel(cwd=self.cwd, extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
        self.kc = self.km.client()  # one client for every notebook of the session
        self.kc.start_channels()
        self.kc.execute(WARM_UP, silent=True, store_history=False)  # runs while the caller works

    def __enter__(self) -> NotebookSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)

    def _reset(self) -> None:
        """Clear the namespace and close the figures of the previous notebook."""
        reply = self.kc.execute_interactive(RESET, silent=True, store_history=False, timeout=self.timeout,
                                            output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"the kernel could not be reset between notebooks: {reply['content']}")

    def run(self, source, target, parameters: dict) -> nbformat.NotebookNode:
        """Execute ``source`` with ``parameters`` injected; write the executed notebook to ``target``.

        Raises :class:`NotebookFailed` when a cell raises (the partly executed notebook is still written).
        """
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        self._reset()
        nb = load_notebook_node(str(source))  # as papermill reads it (every cell has its tags)
        nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL, language="python")
        client = NotebookClient(nb, km=self.km, kernel_name=KERNEL, timeout=self.timeout,
                                resources={"metadata": {"path": self.cwd}}, allow_errors=False)
        client.kc = self.kc
        try:
            client.execute()
        except CellExecutionError as exc:
            nbformat.write(nb, str(target))
            raise NotebookFailed(Path(source).name, _failed_cell(nb), exc.ename, exc.evalue) from None
        nbformat.write(nb, str(target))
        return nb


def _failed_cell(nb) -> int | None:
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return cell.get("execution_count")
    return None
