"""The Axes a plot function draws on (private)."""

from __future__ import annotations


def get_ax(ax, figsize: tuple[float, float], *, layout: str | None = "constrained"):
    """``ax`` itself, or the Axes of a new figure of ``figsize`` inches."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout=layout)
    return ax
