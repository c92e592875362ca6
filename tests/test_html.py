"""The HTML report: one self-contained document a manager can open offline and print."""

import re

import nbformat

from portfolio_analysis.deliver.html import write_html_report


def _notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def test_the_report_loads_nothing_from_outside_and_has_its_contents(tmp_path):
    paths = [_notebook(tmp_path / "00_a.ipynb", "# Report title", "## Summary"),
             _notebook(tmp_path / "01_b.ipynb", "# 1 · Data", "## What was read <script>x</script>")]
    out = write_html_report(paths, tmp_path / "report.html", title="A & B", lang="fr")
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", html) and not re.search(r"<link[^>]*\bhref=\"https?:", html)
    assert not re.search(r"(src|href)=\"https?://", html)
    assert '<html lang="fr">' in html and "@media print" in html
    toc = html[html.index('<nav class="report-contents">'):html.index("</nav>")]
    assert toc.index("Sommaire") < toc.index("Summary") < toc.index("1 · Data") < toc.index("What was read")
    assert "Report title" not in toc  # the title is above the contents, not in them
    assert html.index("Report title") < html.index('<nav class="report-contents">') < html.index(">Summary<")
