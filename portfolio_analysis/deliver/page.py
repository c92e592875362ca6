"""What a notebook needs to present the analysis: the analysis itself, its language, tables and figures.

Each notebook opens its page from its parameters cell:

>>> page = open_page(clients="data/sample/clients.csv", lang="fr")  # doctest: +SKIP
>>> a, L = page.analysis, page.language                                # doctest: +SKIP

``page.analysis`` is the one :class:`~portfolio_analysis.pipeline.Analysis` of the
run — the report's saved one, or the cached analysis of the same inputs and
configuration (see :func:`~portfolio_analysis.archive.open_analysis`).
:meth:`Page.table` shows a frame to a reader (chosen columns, translated headers,
numbers written the local way), :meth:`Page.figure` saves a figure into the
deliverable and shows it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from portfolio_analysis.i18n.language import Language, language

FIGURE_DPI = 150  # the figures' resolution, in the report as in figures/


class Table:
    """A table for the reader: shown without the row index, as text and as HTML.

    ``numeric`` names its columns of numbers, which stay right-aligned while text reads
    from the left. The text form is what nbval compares; the HTML form is what the
    report shows (every cell escaped).
    """

    def __init__(self, data: pd.DataFrame, numeric=()):
        self.data = data
        self.numeric = list(numeric)

    def _repr_html_(self) -> str:
        import zlib

        text = [c for c in self.data.columns if c not in self.numeric]
        left = [{"selector": "th", "props": "text-align: left"}, {"selector": "td", "props": "text-align: left"}]
        styler = (self.data.style.hide(axis="index").format(escape="html", na_rep="")
                  .set_table_styles({c: left for c in text}, overwrite=False)
                  .set_uuid(f"t{zlib.crc32(repr(self).encode()):08x}"))  # the same table, the same HTML
        return styler.to_html()

    def __repr__(self) -> str:
        return self.data.to_string(index=False, na_rep="")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")  # what changes text in the middle of a Markdown line


def escape_markdown(value) -> str:
    """``value`` as literal text in Markdown: HTML characters as entities, Markdown's marks backslashed."""
    text = html.escape(str(value), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def reader_table(frame: pd.DataFrame, lang: Language, *, columns: Mapping[str, str],
                 decimals: Mapping[str, int] | None = None) -> Table:
    """``frame`` as a reader's table.

    Parameters
    ----------
    columns : ``{column: English header}``, the columns shown in this order (those the
        frame lacks are skipped); headers are translated.
    decimals : ``{column: decimals}``: numbers written the local way (missing as a dash).

    >>> t = reader_table(pd.DataFrame({"n": [1234.5], "x": ["a"]}), language("fr"),
    ...                  columns={"x": "Client", "n": "Billing"}, decimals={"n": 1})
    >>> t.data.columns.tolist(), t.data.iloc[0].tolist()
    (['Client', 'Facturation'], ['a', '1\\u202f234,5'])
    """
    decimals = dict(decimals or {})
    keep = [c for c in columns if c in frame.columns]
    out = frame[keep].copy()
    for col in keep:
        if col in decimals:
            out[col] = [lang.num(v, decimals[col]) for v in out[col]]
        elif not pd.api.types.is_numeric_dtype(out[col]):  # None and NaN in text read as nothing
            out[col] = out[col].astype(object).where(out[col].notna(), "")
    numeric = [c for c in keep if c in decimals or pd.api.types.is_numeric_dtype(frame[c])]
    headers = {c: lang.gettext(columns[c]) for c in keep}
    return Table(out.rename(columns=headers).reset_index(drop=True), [headers[c] for c in numeric])


def plain_texts(fig):
    """A context in which ``fig`` is drawn with every text as written: a ``$`` in a client's name is a
    dollar sign, never the start of mathtext (each text of the figure, and those drawn meanwhile, such
    as tick labels)."""
    import matplotlib
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
    return matplotlib.rc_context({"text.parse_math": False})


@dataclass
class Page:
    """One notebook's view of the analysis (see the module)."""

    analysis: Any
    language: Language
    out_dir: Path | None = None
    company: str = ""

    def __post_init__(self):
        if not self.company:  # no name given: the company, in the page's language
            self.company = self.language.gettext("the company")

    @property
    def lang(self) -> str:
        return self.language.lang

    def table(self, frame: pd.DataFrame, *, columns: Mapping[str, str], decimals=None) -> Table:
        return reader_table(frame, self.language, columns=columns, decimals=decimals)

    @staticmethod
    def esc(value) -> str:
        """Text from the inputs (a name, a label) made safe inside Markdown: it shows as written.

        >>> print(Page.esc("<b>*A&B*</b>"))
        &lt;b&gt;\\*A&amp;B\\*&lt;/b&gt;
        """
        return escape_markdown(value)

    def md(self, text: str) -> None:
        """Show ``text`` as Markdown (escape what comes from the inputs with :meth:`esc`).

        Shown where it is called, also inside an ``if`` or a loop: a Markdown object
        returned there would never reach the page.
        """
        from IPython.display import Markdown, display

        display(Markdown(text))

    def figure(self, fig, name: str) -> None:
        """Show ``fig`` and write it into the deliverable (``figures/<name>.png``), drawn once for both.

        The figure is shown as drawn: the plot functions write its texts in the page's
        language (pass them ``lang=page.lang``).
        """
        import io

        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        buf = io.BytesIO()
        with plain_texts(fig):
            fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
        plt.close(fig)
        png = buf.getvalue()
        if self.out_dir is not None:
            path = Path(self.out_dir) / "figures" / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
        width = int(fig.get_figwidth() * 100)  # shown at the size of matplotlib's inline figures
        display(Image(data=png, format="png", width=width))

    def client_names(self) -> pd.Series:
        """Each client's name, its id where it has none, by ``client_id``."""
        return self.analysis.names()

    def label(self, key: str) -> str:
        """The name of a criterion or field in the page's language (the key itself when unknown)."""
        cat = self.analysis.catalogue
        return cat.label(key, self.lang) if key in cat.criteria or key in cat.fields else key


def open_page(
    *,
    clients=None,
    invoices=None,
    contacts=None,
    config=None,
    overrides=(),
    mapping=None,
    sheet=None,
    strict: bool = False,
    lang: str = "en",
    out_dir=None,
    company: str = "",
    analysis_dir=None,
    parameters: Mapping[str, Any] | None = None,
) -> Page:
    """The page of a notebook, from the notebook's parameters (see the module)."""
    from portfolio_analysis.archive import open_analysis

    analysis = open_analysis(
        analysis_dir, clients=clients, invoices=invoices, contacts=contacts, config=config,
        overrides=list(overrides or ()), parameters=dict(parameters or {}), mapping=dict(mapping or {}),
        sheet=sheet, strict=strict, lang=lang)
    return Page(analysis=analysis, language=language(lang), out_dir=None if out_dir is None else Path(out_dir),
                company=company)
