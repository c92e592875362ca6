"""Loading the client register as consultants receive it.

:func:`load_clients` reads a register (CSV in any usual dialect, Excel, or a
DataFrame already in memory), recognises its headers in English or French
through the criteria catalogue, turns every cell into its canonical form and
reports every problem at once in a :class:`~portfolio_analysis.load.validation.ValidationReport`.
Loading is lenient: a bad cell becomes missing and the row stays; only a row
without a usable client id (blank, or a duplicate of an earlier row) is
rejected. Strict mode is the caller's: ``report.raise_if_errors()``.

The people of each relationship (a contacts table, and the names the
register's columns hold) are loaded by :mod:`portfolio_analysis.load.contacts`.

>>> import pandas as pd
>>> raw = pd.DataFrame({"Code client": ["C1"], "Nom": ["Acme"], "Rentabilité": ["Élevée"]})
>>> load_clients(raw)[["client_id", "name", "profitability"]].to_dict("records")
[{'client_id': 'C1', 'name': 'Acme', 'profitability': 'high'}]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import LEVEL_FIGURES, Catalogue, load_catalogue
from portfolio_analysis.i18n.language import LANGS, N_, language
from portfolio_analysis.load.cells import DIFFERENCES, id_difference, id_skeleton, parse_number, visible

# the contacts were loaded here before: their names stay importable from this module
from portfolio_analysis.load.contacts import (
    _NAMES_SPLIT,
    CONTACT_COLUMNS,
    contacts_from_register,
    load_contacts,
)
from portfolio_analysis.load.tabular import (
    NO_COLUMN,
    _find_column,
    _open,
    _Problems,
    _stop_on_missing_columns,
    _text,
)
from portfolio_analysis.load.validation import ValidationReport, encode_params

__all__ = ["load_clients", "load_contacts", "contacts_from_register", "CONTACT_COLUMNS"]

# decision criteria are written "prix; confiance", "price / trust", "prix et confiance"
_MULTI_SPLIT = r"(?i)\s*(?:[;,/+|]|\b(?:et|and)\b)\s*"
_NUMERIC_KINDS = ("amount", "signed_amount", "percent")
# bounds of percentage fields (None: unbounded); a margin cannot exceed 100 % of billing
_PERCENT_RANGE = {"share_of_wallet_pct": (0.0, 100.0), "margin_pct": (None, 100.0)}
# a level column that may also hold a percentage, and where that percentage goes
_PERCENT_TARGET = {"profitability": "margin_pct"}
# where a bare figure written in a level column belongs
_FIGURE_COLUMN = {"profitability": "profit"}
_NOT_A_NUMBER = {
    "amount": N_("not a number; expected an amount >= 0, e.g. 12 345,67"),
    "signed_amount": N_("not a number; expected an amount, e.g. -1 250,00"),
    "percent": N_("not a number; expected a percentage, e.g. 35 %"),
}

# pandas renames a repeated header "Name" to "Name.1"
_MANGLED = re.compile(r"^(?P<base>.*)\.(?P<n>\d+)$")


def _group_rows(values: pd.Series, groups: pd.Series) -> dict:
    """Per group, its values in order as texts: ``{"C7": ["3", "5", "9"]}``."""
    return {g: [str(v) for v in vs] for g, vs in values.groupby(groups, sort=False)}


# -- headers ------------------------------------------------------------------
def _known_columns(cat: Catalogue) -> list[str]:
    """Every register column in output order: share_of_wallet_pct right after share_of_wallet."""
    cols = list(cat.register_columns)
    if "share_of_wallet_pct" in cat.fields and "share_of_wallet_pct" not in cols:
        at = cols.index("share_of_wallet") + 1 if "share_of_wallet" in cols else len(cols)
        cols.insert(at, "share_of_wallet_pct")
    return cols


def _label(cat: Catalogue, key: str, lang: str = "en") -> str:
    if key.startswith("billing__"):
        category = key[len("billing__") :].replace("_", " ")
        return language(lang).gettext("Billing {category}").format(category=category)
    try:
        return cat.label(key, lang)
    except KeyError:
        return key


def _labels(cat: Catalogue, key: str) -> dict[str, str]:
    """A column's label in each language (a parameter of a message)."""
    return {lang: _label(cat, key, lang) for lang in LANGS}


def _levels(cat: Catalogue, key: str) -> dict[str, str]:
    """The levels a column accepts, in each language: the keys in English, the labels in the others."""
    levels = cat.levels_of(key)
    out = {"en": ", ".join(lv["key"] for lv in levels)}
    for lang in LANGS[1:]:
        out[lang] = ", ".join(cat.level_label(key, lv["key"], lang) for lv in levels)
    return out


def _apply_mapping(headers, mapping, known, problems, label) -> dict[str, int]:
    assigned: dict[str, int] = {}
    for field, col in (mapping or {}).items():
        # the command line shares one --map list between the loaders: fields of other tables are theirs
        if field not in known and not str(field).startswith("billing__"):
            continue
        pos = _find_column(headers, col, set(assigned.values()))
        if pos is None:
            problems.one(
                "warning",
                None,
                field,
                str(col),
                N_("mapping {field}={col}: no column {name} in this file (columns found: {found}); "
                   "{label} is looked for among the headers instead"),
                params={"field": str(field), "col": str(col), "name": repr(col),
                        "found": ", ".join(repr(h) for h in headers), "label": label(field)},
            )
            continue
        assigned[field] = pos
    return assigned


def _resolve_headers(headers, cat: Catalogue, mapping, problems, skip: set[int]):
    """Decide what each column is: a catalogue column, a billing category, or an extra column."""
    known = set(_known_columns(cat))

    def label(key):
        return _labels(cat, key)

    assigned = _apply_mapping(headers, mapping, known, problems, label)
    mapped = set(assigned.values())
    extras: list[int] = []
    unknown: list[int] = []
    for pos, header in enumerate(headers):
        if pos in mapped or pos in skip:
            continue
        base = header
        m = _MANGLED.match(header)
        if m and m.group("base") in headers:
            base = m.group("base")
        key = cat.match_header(base)
        if key is not None and key not in known:
            problems.one(
                "warning",
                None,
                header,
                None,
                N_("column {header} is {label}, which the analysis computes itself; kept as an extra column"),
                params={"header": repr(header), "label": label(key)},
            )
            extras.append(pos)
            continue
        if key is None:
            category = cat.category_of_header(base)
            if category:
                key = f"billing__{category}"
        if key is None:
            extras.append(pos)
            unknown.append(pos)
            continue
        if key in assigned:
            problems.one(
                "warning",
                None,
                header,
                None,
                N_("column {header} is also {label}, already read from column {first}; kept as an extra column"),
                params={"header": repr(header), "label": label(key), "first": repr(headers[assigned[key]])},
            )
            extras.append(pos)
            continue
        assigned[key] = pos
    for pos in unknown:
        guess = cat.suggest_header(headers[pos])
        if guess is not None and guess in known and guess not in assigned:
            problems.one(
                "warning",
                None,
                headers[pos],
                None,
                N_("unknown column {header}, kept as an extra column; did you mean {label} ({key})?"),
                guess,
                params={"header": repr(headers[pos]), "key": guess,
                        "label": {lang: repr(text) for lang, text in label(guess).items()}},
            )
    return assigned, extras


# -- cells --------------------------------------------------------------------
class _Cells:
    """The parsing rules of register cells, sharing the file's rows and problem list."""

    def __init__(self, cat: Catalogue, rows: pd.Series, problems: _Problems):
        self.cat = cat
        self.rows = rows
        self.problems = problems

    def numbers(self, key, kind, col, header) -> pd.Series:
        values, bad, _ = parse_number(col, allow_percent=kind == "percent")
        self.problems.cells(
            "error",
            self.rows[bad],
            header,
            _text(col[bad], strip=False),
            _NOT_A_NUMBER[kind],
        )
        return self.check_range(key, kind, values, col, header)

    def check_range(self, key, kind, values, col, header) -> pd.Series:
        if kind == "amount":
            neg = values < 0
            self.problems.cells(
                "error",
                self.rows[neg],
                header,
                _text(col[neg], strip=False),
                N_("negative amount; expected >= 0"),
            )
            values = values.mask(neg)
        elif kind == "percent" and key in _PERCENT_RANGE:
            low, high = _PERCENT_RANGE[key]
            out = pd.Series(False, index=values.index)
            if low is not None:
                out |= values < low
            if high is not None:
                out |= values > high
            if low is not None:
                message = N_("{label} outside its range; expected a percentage between {low} and {high}")
            else:
                message = N_("{label} outside its range; expected a percentage at most {high}")
            self.problems.cells(
                "error",
                self.rows[out],
                header,
                _text(col[out], strip=False),
                message,
                params={"label": _labels(self.cat, key), "low": low, "high": high},
            )
            values = values.mask(out)
        return values

    def levels(self, key, text: pd.Series, header, *, open_list=False) -> pd.Series:
        uniq = text.dropna().unique()
        match = {u: self.cat.match_level(key, u) for u in uniq}
        levels = text.map(match).astype("object")  # all-unknown maps to an all-null column: keep it text-ready
        unknown = text.notna() & levels.isna()
        if open_list:  # an open list (business type) keeps a value it does not know, as written
            return levels.where(~unknown, text.astype("object")).astype("string")
        self._unknown(key, text[unknown], header)
        return levels.astype("string")

    def _unknown(self, key, values: pd.Series, header) -> None:
        if not len(values):
            return
        uniq = values.unique()
        suggested = {u: self.cat.suggest(key, u) for u in uniq}
        params = {"label": _labels(self.cat, key), "levels": _levels(self.cat, key)}
        # the suggestion in each language: the level's key in English (what tables/*.csv hold), its label in French
        per_value = {u: encode_params({**params, "suggestion": {lang: lv if lang == "en" else
                                                                self.cat.level_label(key, lv, lang)
                                                                for lang in LANGS}} if lv else params)
                     for u, lv in suggested.items()}
        suggestion = values.map(suggested)
        self.problems.cells(
            "error",
            self.rows[values.index],
            header,
            values,
            N_("unknown level '{value}' for {label}; expected one of: {levels}"),
            suggestion.astype(object).where(suggestion.notna(), None).to_numpy(),
            params=[per_value[v] for v in values],
        )

    def multi(self, key, text: pd.Series, header) -> pd.Series:
        parts = text.str.split(_MULTI_SPLIT, regex=True).explode().astype("string").str.strip()
        parts = parts[parts.notna() & parts.ne("")]
        match = {u: self.cat.match_level(key, u) for u in parts.unique()}
        keys = parts.map(match)
        self._unknown(key, parts[keys.isna()], header)
        known = keys.dropna()
        # one pass per level (a handful): catalogue order and no repeats, without a per-row join
        joined = pd.Series("", index=text.index, dtype="string")
        for level in (lv["key"] for lv in self.cat.levels_of(key)):
            has = text.index.isin(known.index[known.eq(level).to_numpy()])
            joined = joined + pd.Series(np.where(has, level + ";", ""), index=text.index, dtype="string")
        joined = joined.str.rstrip(";")
        return joined.mask(joined.eq(""))

    @staticmethod
    def names(text: pd.Series) -> pd.Series:
        s = text.str.replace(_NAMES_SPLIT, "; ", regex=True).str.strip(" ;\t\r\n")
        return s.mask(s.eq(""))

    def level_or_percent(self, key, col, header, pct_key) -> tuple[pd.Series, pd.Series]:
        """A level column that may hold percentages (share of wallet): (levels, percentages)."""
        text = _text(col)
        values, bad, _ = parse_number(text)
        is_number = values.notna()
        pct = self.check_range(pct_key, "percent", values.where(is_number), col, header)
        levels = self.levels(key, text.mask(is_number), header)
        return levels, pct

    def derive_levels(self, key, pct: pd.Series) -> pd.Series:
        """Levels from a percentage with the criterion's ``percent_cutoffs`` (lower bound inclusive)."""
        spec = self.cat.criteria[key].spec.get("percent_cutoffs") or {}
        level_keys = [lv["key"] for lv in self.cat.levels_of(key)]
        out = pd.Series(pd.NA, index=pct.index, dtype="string")
        out = out.mask(pct.notna(), level_keys[0])
        for level, cut in sorted(spec.items(), key=lambda kv: kv[1]):
            out = out.mask(pct >= float(cut), level)
        return out


# -- the register ------------------------------------------------------------
def load_clients(
    source,
    *,
    catalogue: Catalogue | None = None,
    mapping: dict | None = None,
    sheet: str | int | None = None,
    report: ValidationReport | None = None,
) -> pd.DataFrame:
    """Load a client register, reporting every problem at once.

    Parameters
    ----------
    source : path or DataFrame
        A CSV (comma or semicolon; UTF-8, UTF-8 with BOM or Windows-1252) or an
        Excel file, or a DataFrame already read (its problems are reported for
        the file ``"<dataframe>"``, rows numbered from 2 as in a spreadsheet).
    catalogue : Catalogue, optional
        The criteria catalogue (default: the shipped one).
    mapping : dict, optional
        ``{field: column}`` naming the file's column for one of our fields; it
        takes precedence over header matching. Fields the register does not
        have (``date``, ``amount``, ... of other tables) are ignored.
    sheet : str or int, optional
        The Excel sheet (default: the first).
    report : ValidationReport, optional
        Where problems and row counts go (a new one when None: pass yours to see them).

    Returns
    -------
    DataFrame
        One row per loaded client: ``client_id``, ``name``, every register
        column of the catalogue (missing when the file lacks it) with
        ``share_of_wallet_pct`` after ``share_of_wallet``, the ``billing__<category>``
        columns, the file's extra columns as text, ``source_row`` (the
        spreadsheet row) and ``from_invoices_only`` (False). Levels hold
        canonical keys; amounts and percentages are float64; text is ``str``.

    Raises
    ------
    DataValidationError
        When a required column (``client_id``, ``name``) is missing: nothing can load.
    InputError
        When the file cannot be read.

    Notes
    -----
    Rows without a client id, and later rows repeating an id, are rejected; any
    other bad cell becomes missing and the row stays. A share of wallet or
    margin written as a fraction (0.35) is read as 0.35 %: percentages are never
    guessed. Check ``report.has_errors`` or call ``report.raise_if_errors()``
    for a strict load.
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    report = report if report is not None else ValidationReport()
    table, problems, stats, headers, cells, blank_row, skip = _open(source, sheet, report, "clients")

    assigned, extras = _resolve_headers(headers, cat, mapping, problems, skip)

    n_blank = int(blank_row.sum())
    stats.rows_read = len(cells)
    stats.rows_blank = n_blank

    required = [k for k, f in cat.fields.items() if f.get("required")]
    missing = [k for k in required if k not in assigned]
    if missing:
        if len(missing) > 1:
            message = N_("missing required columns {names}; the columns found are: {found}. Name the column in the "
                         "header (English or French label, or an alias) or map it, e.g. --map client_id=COLUMN")
        else:
            message = N_("missing required column {names}; the columns found are: {found}. Name the column in the "
                         "header (English or French label, or an alias) or map it, e.g. --map client_id=COLUMN")
        params = {"names": {"and": [{lang: f"{k} ({_label(cat, k, lang)})" for lang in LANGS} for k in missing]},
                  "found": ", ".join(repr(h) for h in headers) or NO_COLUMN}
        _stop_on_missing_columns(problems, report, stats, missing, message, n_rows=len(cells) - n_blank,
                                 params=params)

    for key, crit in cat.criteria.items():
        present = key in assigned or any(f in assigned for f in LEVEL_FIGURES.get(key, ()))
        if crit.kind != "numeric" and not present:
            problems.one(
                "warning",
                None,
                key,
                None,
                N_("no {label} column ({key}): scoring will treat it as missing for every client"),
                params={"label": _labels(cat, key), "key": key},
            )

    live = ~blank_row
    cells = cells[live]
    rows = table.rows[live]
    parse = _Cells(cat, rows, problems)
    out: dict[str, pd.Series] = {}

    # the key: a row without a usable id cannot be loaded
    id_header = headers[assigned["client_id"]]
    raw_id = cells[assigned["client_id"]]
    ids = _text(raw_id)
    no_id = ids.isna()
    problems.cells(
        "error",
        rows[no_id],
        id_header,
        _text(raw_id[no_id], strip=False).fillna(""),
        N_("empty client id; the row cannot be keyed and is not loaded"),
    )
    dup_any = ids.duplicated(keep=False) & ~no_id
    dup_later = ids.duplicated(keep="first") & ~no_id
    if dup_any.any():
        where = _group_rows(rows[dup_any], ids[dup_any])
        problems.cells("error", rows[dup_later], id_header, ids[dup_later],
                       N_("client id '{value}' appears in rows {rows}; the first is kept"),
                       params=[{"rows": {"and": where[i]}} for i in ids[dup_later]])
    _lookalike_ids(problems, ids[~no_id & ~dup_later], rows, id_header)
    out["client_id"] = ids

    for key, pos in assigned.items():
        if key == "client_id":
            continue
        header = headers[pos]
        col = cells[pos]
        kind = "amount" if key.startswith("billing__") else cat.column_kind(key)
        if key == "name":
            text = _text(col)
            problems.cells(
                "warning", rows[text.isna()], header, _text(col[text.isna()], strip=False), N_("empty name")
            )
            out[key] = text
        elif kind in _NUMERIC_KINDS:
            out[key] = parse.numbers(key, kind, col, header)
        elif kind == "names":
            out[key] = parse.names(_text(col))
        elif kind == "multi":
            out[key] = parse.multi(key, _text(col), header)
        elif (
            key in cat.criteria
            and cat.criteria[key].spec.get("percent_cutoffs")
            and f"{key}_pct" in cat.fields
        ):
            levels, pct = parse.level_or_percent(key, col, header, f"{key}_pct")
            out[key] = levels
            out[f"_{key}_pct"] = pct
        elif key in _PERCENT_TARGET:
            text = _text(col)
            values, _, has_pct = parse_number(text)
            as_pct = values.notna() & has_pct
            figure = values.notna() & ~has_pct
            problems.cells(
                "error",
                rows[figure],
                header,
                text[figure],
                N_("a number where a level of {label} is expected ({levels}); profit figures go in the {figures} "
                   "column, margins as a percentage in {percentages}"),
                params={"label": _labels(cat, key), "levels": _levels(cat, key), "figures": _FIGURE_COLUMN[key],
                        "percentages": _PERCENT_TARGET[key]},
            )
            target = _PERCENT_TARGET[key]
            out[f"_{target}"] = parse.check_range(target, "percent", values.where(as_pct), col, header)
            out[key] = parse.levels(key, text.mask(values.notna()), header)
        elif kind in ("ordinal", "categorical") or (key in cat.fields and cat.fields[key].get("levels")):
            spec = cat.criteria[key].spec if key in cat.criteria else cat.fields[key]
            out[key] = parse.levels(key, _text(col), header, open_list=bool(spec.get("open")))
        else:
            out[key] = _text(col)

    # billing by category without a billing column: a person reads the total as their sum
    categories = [k for k in out if k.startswith("billing__")]
    if categories and "billing" not in assigned and "billing" in cat.fields:
        out["billing"] = pd.concat([out[k] for k in categories], axis=1).sum(axis=1, min_count=1)
        problems.one(
            "warning", None, "billing", None,
            N_("no {label} column: each client's billing is the sum of its category columns ({columns})"),
            params={"label": _labels(cat, "billing"), "columns": ", ".join(headers[assigned[k]] for k in categories)},
        )
    # percentages written in a level column fill the percentage column where it is empty
    for key in list(out):
        if key.startswith("_"):
            target = key[1:]
            side = out.pop(key)
            out[target] = out[target].fillna(side) if target in out else side
    for key in cat.criteria:
        if cat.criteria[key].spec.get("percent_cutoffs") and f"{key}_pct" in out:
            derived = parse.derive_levels(key, out[f"{key}_pct"])
            out[key] = out[key].fillna(derived) if key in out else derived

    keep = ~no_id & ~dup_later
    stats.rows_rejected = int((~keep).sum())
    stats.rows_loaded = int(keep.sum())
    problems.flush(report)

    frame = _assemble(cat, out, keep, cells, headers, extras, rows)
    return frame


def _lookalike_ids(problems, ids: pd.Series, rows: pd.Series, header) -> None:
    """Warn about ids a person reads as the same one: case, invisible characters, look-alike letters."""
    skeleton = ids.map(id_skeleton)
    alike = skeleton[skeleton.duplicated(keep=False)]
    for _, index in alike.groupby(alike, sort=False).groups.items():
        first = index[0]
        for later in index[1:]:
            problems.one(
                "warning", int(rows[later]), header, visible(ids[later]),
                N_("client id '{id}' reads like '{other}' in row {row}: they differ only by {difference}; "
                   "the same client? (both were loaded, as two clients)"),
                params={"id": visible(ids[later]), "other": visible(ids[first]), "row": int(rows[first]),
                        "difference": {"msg": DIFFERENCES[id_difference(ids[later], ids[first])]}},
            )


def _assemble(cat, out, keep, cells, headers, extras, rows) -> pd.DataFrame:
    n = int(keep.sum())
    columns: dict[str, pd.Series | np.ndarray] = {}
    # columns stay Arrow-backed from the file to the frame: never a Python object per cell
    for key in _known_columns(cat):
        kind = cat.column_kind(key)
        dtype = "float64" if kind in _NUMERIC_KINDS else "str"
        if key in out:
            columns[key] = out[key][keep].reset_index(drop=True).astype(dtype)
        else:
            columns[key] = pd.Series(np.full(n, np.nan), dtype=dtype)
    for key in (k for k in out if k.startswith("billing__")):  # in file order
        columns[key] = out[key][keep].reset_index(drop=True).astype("float64")
    taken = set(columns) | {"source_row", "from_invoices_only"}
    for pos in extras:
        name = headers[pos]
        while name in taken:
            name = f"{name} (extra)"
        taken.add(name)
        columns[name] = _text(cells[pos][keep], strip=False).reset_index(drop=True).astype("str")
    columns["source_row"] = pd.Series(rows[keep].to_numpy(), dtype="int64")
    columns["from_invoices_only"] = pd.Series(np.zeros(n, dtype=bool))
    return pd.DataFrame(columns, index=pd.RangeIndex(n))
