"""The colours of every figure, in one place.

A handful of named colours, then what each means in a family of figures: a
colour keeps its meaning across the report (green is good or *develop*, red is
bad, a loss or *end*).
"""

from __future__ import annotations

GREEN = "#2E7D32"
BLUE = "#1565C0"
AMBER = "#F9A825"
RED = "#C62828"
SLATE = "#546E7A"
GREY = "#9E9E9E"
LIGHT_GREY = "#D0D0D0"

#: Status of a bar or a point: complete or fine, to check, a problem, nothing to say.
STATUS = {"good": GREEN, "warn": AMBER, "bad": RED, "neutral": SLATE}

#: The four actions of the portfolio matrix, for :mod:`portfolio_analysis.plots.matrix`.
ACTION_COLOURS = {"develop": GREEN, "maintain": BLUE, "fix": AMBER, "end": RED}

#: Cumulative curves (whale curve, Lorenz curve): the curve, the loss-making tail,
#: reference lines and their labels, cut-offs.
CURVES = {"curve": BLUE, "loss": RED, "ref": SLATE, "cut": AMBER}

#: Rank intervals under weight draws: the interval, the median rank, the rank at the
#: chosen weights (matplotlib's grey and first and fourth cycle colours).
RANKS = {"interval": "0.55", "median": "C0", "chosen": "C3"}

#: Branches of a dendrogram above the cut into groups.
ABOVE_CUT = GREY

#: Heat-map cells without a value.
MISSING = LIGHT_GREY

#: Levels from worst (red) to best (green), on [0, 1].
LEVELS_CMAP = "RdYlGn"

#: Mean positions that are ordered but not better or worse (service needs, for one).
PROFILES_CMAP = "YlGnBu"


def group_colours(k: int) -> list[tuple[float, float, float, float]]:
    """One colour per group, ``k`` of them (tab10; tab20 above ten groups, then repeated)."""
    import matplotlib as mpl

    base = mpl.colormaps["tab10" if k <= 10 else "tab20"]
    return [base(i % base.N) for i in range(k)]


def series_colours(k: int) -> list[tuple[float, float, float, float]]:
    """One colour per series of a stacked bar (a criterion's points), ``k`` of them (tab20, repeated)."""
    import matplotlib as mpl

    base = mpl.colormaps["tab20"]
    return [base(i % base.N) for i in range(k)]
