"""Hypothesis profiles: ``make test`` (the gate CI runs) draws the same examples at every run, so a
submission passes or fails on its code and not on the draw; ``make test-fast`` and a plain ``pytest``
draw new examples each time, which is how new failures are found in the edit loop."""

import os

from hypothesis import settings

settings.register_profile("gate", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("PORTFOLIO_ANALYSIS_HYPOTHESIS", "explore"))
