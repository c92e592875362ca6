"""The message catalogue: every phrase the package and the notebooks show, and its French.

:func:`extract` finds the phrases marked for translation (``_("…")``, ``gettext``,
``N_`` and ``plural(one, many, n)``) in the package and in the notebooks' ``.py``
sources, and the texts of the shipped configuration (``criteria.yaml``: the quadrants',
levers' and strategic reasons' labels, the levers' why and the guards' reasons, where
they are plain texts); :func:`update` merges them into the French ``.po`` (a new phrase arrives
untranslated, a phrase no longer used goes); :func:`missing` lists the phrases without
French, which the tests refuse. ``python -m portfolio_analysis.i18n.catalogue update``
runs the merge after a phrase was added or changed; then write its French in the
``.po`` file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from portfolio_analysis.i18n.language import DOMAIN, po_path

KEYWORDS = {"_": None, "gettext": None, "N_": None, "plural": (1, 2), "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2), "NC_": ((1, "c"), 2)}
PACKAGE = Path(__file__).resolve().parents[1]
NOTEBOOKS = PACKAGE.parent / "notebooks"
_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")
CONFIG = PACKAGE / "config" / "criteria.yaml"
#: The texts of ``settings.actions`` a reader sees: (section, key of the text).
CONFIG_TEXTS = (("quadrants", "label"), ("guards", "reason"), ("strategic_keep.reasons", "label"),
                ("levers", "label"), ("levers", "because"))


def sources() -> list[Path]:
    """The files whose phrases are translated: the package's modules and the notebooks' sources."""
    files = sorted(p for p in PACKAGE.rglob("*.py") if "locale" not in p.parts)
    if NOTEBOOKS.is_dir():
        files += sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    return files


def config_phrases(path: Path = CONFIG) -> list[tuple[str, int]]:
    """``(text, line)`` of each plain text of ``settings.actions`` a reader sees (see :data:`CONFIG_TEXTS`).

    A text given as ``{en: ..., fr: ...}`` carries its own French and is not listed.
    """
    import yaml

    with open(path, encoding="utf-8") as fh:
        root = yaml.compose(fh)

    def child(node, key):
        if isinstance(node, yaml.MappingNode):
            return next((v for k, v in node.value if k.value == key), None)
        return None

    def entries(node):
        if isinstance(node, yaml.MappingNode):
            return [v for _, v in node.value]
        return list(node.value) if isinstance(node, yaml.SequenceNode) else []

    actions = child(child(root, "settings"), "actions")
    out = []
    for section, key in CONFIG_TEXTS:
        node = actions
        for part in section.split("."):
            node = child(node, part)
        for entry in entries(node):
            text = child(entry, key)
            if isinstance(text, yaml.ScalarNode) and text.tag.endswith(":str") and text.value:
                out.append((text.value, text.start_mark.line + 1))
    return out


def extract():
    """A catalogue (Babel ``Catalog``) of every phrase marked in :func:`sources` and of :func:`config_phrases`."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    template = Catalog(domain=DOMAIN, project="portfolio-analysis")
    for path in sources():
        for lineno, message, comments, context in extract_from_file("python", str(path), keywords=KEYWORDS):
            where = str(path.relative_to(PACKAGE.parent)) if path.is_relative_to(PACKAGE.parent) else str(path)
            template.add(message, None, [(where, lineno)], auto_comments=comments, context=context,
                         flags=("python-brace-format",) if _PLACEHOLDER.search(_first(message)) else ())
    where = str(CONFIG.relative_to(PACKAGE.parent))
    for message, lineno in config_phrases():
        template.add(message, None, [(where, lineno)],
                     flags=("python-brace-format",) if _PLACEHOLDER.search(message) else ())
    return template


def _first(message) -> str:
    return message[0] if isinstance(message, tuple) else message


def read(lang: str = "fr"):
    from babel.messages.pofile import read_po

    with open(po_path(lang), "rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def write(catalog, lang: str = "fr") -> None:
    from babel.messages.pofile import write_po

    with open(po_path(lang), "wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=False, no_location=False,
                 ignore_obsolete=True, include_previous=False)


def update(lang: str = "fr") -> tuple[int, int]:
    """Merge the phrases in use into the ``.po`` of ``lang``; return (phrases, without translation)."""
    catalog = read(lang)
    catalog.update(extract(), no_fuzzy_matching=True)
    write(catalog, lang)
    return len([m for m in catalog if m.id]), len(missing(lang))


def missing(lang: str = "fr") -> list[str]:
    """The phrases in use that have no translation in ``lang`` (or a fuzzy one, or mismatched placeholders)."""
    catalog = read(lang)
    out = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = (found.string if found else None) or ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(strings):
            out.append(_first(message.id))
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(_PLACEHOLDER.findall(ids[-1])) | set(_PLACEHOLDER.findall(ids[0]))
        if any(set(_PLACEHOLDER.findall(s)) - wanted for s in strings):
            out.append(f"{_first(message.id)} (its French names a placeholder the English does not have)")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["update"]:
        n, todo = update()
        print(f"{po_path('fr')}: {n} phrases, {todo} without French")
        return 0
    if argv[:1] == ["missing"]:
        todo = missing()
        print("\n".join(todo) or "every phrase has its French")
        return 1 if todo else 0
    print("usage: python -m portfolio_analysis.i18n.catalogue update | missing")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
