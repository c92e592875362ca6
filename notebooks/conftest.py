"""nbval settings: compare the plain-text outputs of the notebooks, not their HTML or logs.

DataFrames are compared through their text repr (stable); their HTML, JavaScript
and anything written to stderr are not compared. PNG images never are.
"""


def pytest_collectstart(collector):
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb":
        collector.skip_compare += ("text/html", "application/javascript", "stderr",
                                   "application/vnd.jupyter.widget-view+json")

# the notebooks' .py sources are not test modules: nbval runs the .ipynb they are paired with
collect_ignore_glob = ["[0-9][0-9]_*.py"]
