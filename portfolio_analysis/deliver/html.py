"""The HTML report: the executed notebooks as one self-contained document, code hidden."""

from __future__ import annotations

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


def write_html_report(paths: list[Path], out: Path, *, title: str, lang: str = "en") -> Path:
    """Write the executed notebooks ``paths`` as one HTML file with code hidden and figures embedded."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    merged = merge_notebooks(paths, title=title, lang=lang)
    body, _ = exporter.from_notebook_node(merged, resources={"metadata": {"name": title}})
    body = re.sub(r"<html( lang=\"[^\"]*\")?>", f'<html lang="{lang}">', body, count=1)
    Path(out).write_text(body, encoding="utf-8")
    return Path(out)
