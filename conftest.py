"""Settings of the test session, for the unit tests and the notebooks alike.

Hypothesis: ``make test`` (the gate CI runs) draws the same examples at every run, so a submission
passes or fails on its code and not on the draw; ``make test-fast`` and a plain ``pytest`` draw new
examples each time, which is how new failures are found in the edit loop.

nbval: compare the plain-text outputs of the notebooks, not their HTML or logs. DataFrames are
compared through their text repr (stable); their HTML, JavaScript and anything written to stderr
are not compared. PNG images never are.
"""

import lzma
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("gate", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("PORTFOLIO_ANALYSIS_HYPOTHESIS", "explore"))


def pytest_collectstart(collector):
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb":
        collector.skip_compare += ("text/html", "application/javascript", "stderr",
                                   "application/vnd.jupyter.widget-view+json")


# the notebooks' .py sources are not test modules: nbval runs the .ipynb they are paired with
collect_ignore_glob = ["notebooks/[0-9][0-9]_*.py"]


#: The public data sets beside the repository (tests that use them skip when they are absent).
DATASETS = Path(__file__).resolve().parent.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def online_retail(tmp_path_factory):
    """The UCI Online Retail lines (541,909), decompressed once for the session."""
    source = DATASETS / "online_retail" / "online_retail.csv.xz"
    if not source.exists():
        pytest.skip("../shared/datasets/online_retail is absent")
    path = tmp_path_factory.mktemp("retail") / "online_retail.csv"
    with lzma.open(source, "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst, 16 << 20)
    return path
