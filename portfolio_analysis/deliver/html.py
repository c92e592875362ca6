"""The HTML report: the executed notebooks as one self-contained document, code hidden."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

_HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove_cell"}


def merge_notebooks(paths: list[Path], *, title: str, lang: str = "en") -> nbformat.NotebookNode:
    """One notebook holding every cell of ``paths`` that a reader should see, in order.

    Parameter cells and cells tagged ``remove-cell`` are left out, and so are
    streams written to stderr (progress bars, logs): the report is a document.
    Cells tagged ``lang-en`` or ``lang-fr`` are kept only in their language.
    """
    other = {f"lang-{code}" for code in ("en", "fr") if code != lang}
    merged = nbformat.v4.new_notebook()
    merged.metadata["title"] = title
    for n, path in enumerate(paths):
        nb = nbformat.read(path, as_version=4)
        if not merged.metadata.get("kernelspec"):
            merged.metadata["kernelspec"] = nb.metadata.get("kernelspec", {})
            merged.metadata["language_info"] = nb.metadata.get("language_info", {})
        for cell in nb.cells:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if _HIDDEN_TAGS & tags or other & tags:
                continue
            if cell.cell_type == "code":
                cell.outputs = [
                    o for o in cell.get("outputs", [])
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
                if not cell.outputs:
                    continue
            cell["id"] = f"nb{n}-{cell.get('id', len(merged.cells))}"  # ids stay unique across notebooks
            merged.cells.append(cell)
    return merged


TEMPLATES = Path(__file__).resolve().parent / "templates"
_HEADING = re.compile(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def contents(body: str, *, title: str = "Contents") -> str:
    """A table of contents of the page's first- and second-level headings, as an HTML ``nav``.

    The first heading (the report's title) is left out; a second-level heading is indented.

    >>> contents('<h1 id="T">Title</h1><h1 id="A">Step</h1><h2 id="B">Part &amp; more</h2>')
    '<nav class="report-contents"><strong>Contents</strong><ul><li class="level-1"><a href="#A">Step</a></li><li class="level-2"><a href="#B">Part &amp; more</a></li></ul></nav>'
    """
    entries = []
    for level, anchor, inner in _HEADING.findall(body)[1:]:
        text = html.escape(html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip())
        entries.append((int(level), anchor, text))
    if not entries:
        return ""
    items = "".join(f'<li class="level-{level}"><a href="#{anchor}">{text}</a></li>' for level, anchor, text in entries)
    out = [f'<nav class="report-contents"><strong>{html.escape(title)}</strong><ul>{items}</ul></nav>']
    return "".join(out)


def write_html_report(paths: list[Path], out: Path, *, title: str, lang: str = "en") -> Path:
    """Write the executed notebooks ``paths`` as one self-contained HTML file: code hidden, figures
    embedded, a table of contents under the title, nothing loaded from outside."""
    from nbconvert import HTMLExporter

    from portfolio_analysis.i18n.language import language

    exporter = HTMLExporter(
        template_name="report", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
        exclude_input_prompt=True, exclude_output_prompt=True,
    )
    merged = merge_notebooks(paths, title=title, lang=lang)
    body, _ = exporter.from_notebook_node(merged, resources={"metadata": {"name": title}})
    body = re.sub(r"<html( lang=\"[^\"]*\")?>", f'<html lang="{lang}">', body, count=1)
    toc = contents(body, title=language(lang).gettext("Contents"))
    first = _HEADING.search(body)
    if toc and first:  # between the cell of the report's title and the next one
        nxt = body.find('<div class="jp-Cell ', first.end())
        at = nxt if nxt >= 0 else body.index("</main>")
        body = body[:at] + f'<div class="jp-Cell report-contents-cell">{toc}</div>' + body[at:]
    Path(out).write_text(body, encoding="utf-8")
    return Path(out)
