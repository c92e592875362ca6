"""The language of a figure (private): its numbers written the local way.

Phrases go through the message catalogue in each plot function
(``language(lang).gettext``); :func:`local_numbers` gives the linear numeric axes of an
Axes the tick labels of the language (``0,5`` in French), written by Babel.
"""

from __future__ import annotations

import functools

from portfolio_analysis.i18n.language import language


def local_numbers(ax, lang: str = "en"):
    """Write the tick labels of ``ax``'s linear numeric axes in ``lang`` (those with matplotlib's default formatter).

    Returns ``ax``.
    """
    from matplotlib.ticker import ScalarFormatter

    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "linear" and type(axis.get_major_formatter()) is ScalarFormatter:
            axis.set_major_formatter(number_formatter(lang))
    return ax


def percent(lang: str, x, decimals: int = 0) -> str:
    """``x`` % on a figure: ``35 %``, ``12,5 %`` (a plain space: a label is never broken across lines)."""
    return f"{language(lang).num(x, decimals)} %"


def number_formatter(lang: str = "en"):
    """A matplotlib tick formatter writing the ticks in ``lang``, with as many decimals as they need."""
    return _formatter_class()(lang)


def tick_decimals(values) -> int:
    """The fewest decimals (up to 6) that write every tick exactly: 0, 0.2, 0.4 need one."""
    for decimals in range(7):
        if all(abs(v - round(v, decimals)) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return decimals
    return 6


@functools.cache
def _formatter_class():
    from matplotlib.ticker import Formatter

    class NumberFormatter(Formatter):
        """Tick labels written by :meth:`Language.num` (thousands grouped, the local decimal mark)."""

        def __init__(self, lang: str = "en"):
            self.language = language(lang)
            self.decimals = None

        def format_ticks(self, values):
            self.decimals = tick_decimals([float(v) for v in values])
            return [self(v, i) for i, v in enumerate(values)]

        def __call__(self, x, pos=None):
            decimals = self.decimals if self.decimals is not None else tick_decimals([float(x)])
            return self.language.num(x, decimals)

    return NumberFormatter
