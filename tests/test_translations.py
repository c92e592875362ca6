"""Every phrase a reader sees has its French: the message catalogue, the notebooks' prose, the pairs."""

import re
from pathlib import Path

import nbformat
import pytest

from portfolio_analysis.i18n import catalogue
from portfolio_analysis.i18n.language import language

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def test_every_phrase_in_use_has_its_french():
    assert catalogue.missing("fr") == []


def test_the_extraction_finds_phrases_in_the_package_and_the_notebooks():
    found = {m.id if isinstance(m.id, str) else m.id[0]: m.locations for m in catalogue.extract() if m.id}
    where = {loc[0].split("/")[0] for locs in found.values() for loc in locs}
    assert {"portfolio_analysis", "notebooks"} <= where
    assert "Annual profit at stake" in found and "Client ID" in found


def test_a_phrase_is_translated_with_its_placeholders_and_plural():
    fr = language("fr")
    assert fr.gettext("Annual profit at stake") == "Bénéfice annuel en jeu"
    one = fr.plural("{n} error", "{n} errors", 1).format(n=1)
    none = fr.plural("{n} error", "{n} errors", 0).format(n=0)  # French: 0 is singular
    many = fr.plural("{n} error", "{n} errors", 2).format(n=2)
    assert (one, none, many) == ("1 erreur", "0 erreur", "2 erreurs")
    assert language("en").plural("{n} error", "{n} errors", 0).format(n=0) == "0 errors"


def test_an_unknown_phrase_is_reported_missing(tmp_path, monkeypatch):
    extra = tmp_path / "99_extra.py"
    extra.write_text('_("A phrase nobody translated")\n', encoding="utf-8")
    monkeypatch.setattr(catalogue, "sources", lambda: [extra])
    assert catalogue.missing("fr") == ["A phrase nobody translated"]


def test_numbers_and_dates_are_written_the_local_way():
    fr, en = language("fr"), language("en")
    assert (fr.num(1234567.891, 1), en.num(1234567.891, 1)) == ("1\u202f234\u202f567,9", "1,234,567.9")
    assert (fr.num(-0.2), fr.num(None), fr.num(float("nan"))) == ("0", "–", "–")
    assert (fr.pct(12.34, 1, sign=True), en.pct(5)) == ("+12,3\u00a0%", "5\u00a0%")
    assert (fr.date("2025-12-31"), en.date("2023-01-01T00:00:00")) == ("31 décembre 2025", "1 January 2023")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_each_english_prose_cell_has_its_french(source):
    nb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    tags = [tuple(c.metadata.get("tags", [])) for c in nb.cells if c.cell_type == "markdown"]
    assert tags.count(("lang-en",)) == tags.count(("lang-fr",))
    for i, cell in enumerate(nb.cells):  # a French cell follows each English one
        if "lang-en" in cell.metadata.get("tags", []):
            assert "lang-fr" in nb.cells[i + 1].metadata.get("tags", []), (source.name, i)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_each_notebook_matches_its_source(source):
    """The reviewed .py and the executed .ipynb hold the same cells (run `make notebooks` after an edit)."""
    import jupytext

    py = jupytext.read(source)
    ipynb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert [(c.cell_type, c.source) for c in py.cells] == [(c.cell_type, c.source) for c in ipynb.cells]


def test_notebook_code_holds_no_inline_translation():
    """Phrases go through the catalogue: no `tr(lang, en=..., fr=...)` pairs left in the notebooks."""
    for source in SOURCES:
        assert not re.search(r"\btr\(\s*lang", source.read_text(encoding="utf-8")), source.name


def test_no_phrase_hides_inside_an_f_string():
    """The extraction cannot see `_("...")` written inside an f-string: such a phrase would go untranslated."""
    hidden = re.compile(r"""\bf["'].*\{[^{}"']*\b_\(\s*["']""")  # an f-string, then {... _("
    found = [f"{p.name}:{i}" for p in catalogue.sources()
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if hidden.search(line)]
    assert found == []
