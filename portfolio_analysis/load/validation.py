"""The validation report: every problem found in the input files, at once.

Loaders add problems to one :class:`ValidationReport` instead of stopping at the
first. Each problem has a severity (``error`` or ``warning``), the file, the row
as a spreadsheet user counts it (the header is row 1), the column, the value,
a message saying what was expected and, where one is close, a suggestion.
Per file the report counts rows read, loaded, rejected and blank:
``rows_read == rows_loaded + rows_rejected + rows_blank``.

A problem also keeps its message in a language-neutral form: ``template``, the message as
a phrase of the catalogue (``"unknown level '{value}' for {label}; expected one of:
{levels}"``), and ``params``, its parameters as JSON. ``message`` is that template filled
in English; :func:`problems_in` writes the messages in another language
(:func:`problem_message` one of them). A parameter is a text or a number, a text per
language (``{"en": "Profitability", "fr": "Rentabilité"}``: a label of the
configuration), a phrase of the catalogue (``{"msg": "none", "context": "columns"}``), a
list (``["a", "b"]``, written ``a, b``) or a list read as a sentence (``{"and": [...]}``,
written ``a, b and c``). ``params`` may also give ``suggestion`` per language.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from portfolio_analysis.i18n.language import LANGS, N_, Language, language

#: What a reader sees of a problem (the text and JSON forms).
READER_COLUMNS = ["severity", "file", "row", "column", "value", "message", "suggestion"]
#: Every column of the problems: the reader's, then the message's language-neutral form.
PROBLEM_COLUMNS = [*READER_COLUMNS, "template", "params"]
SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


# -- the messages, in a language --------------------------------------------------------
def encode_params(params) -> str | None:
    """The JSON form of a problem's parameters (None when it has none)."""
    if params is None or isinstance(params, str):
        return params or None
    return json.dumps(params, ensure_ascii=False, sort_keys=True)


def _number(x, L: Language) -> str:
    decimals = next((d for d in range(7) if abs(x - round(x, d)) < 1e-9), 6)
    return L.num(x, decimals, grouping=False)


def _param(value, L: Language) -> str:
    """One parameter of a message written in ``L``'s language (see the module)."""
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return _number(value, L)
    if isinstance(value, list):
        return ", ".join(_param(v, L) for v in value)
    if isinstance(value, dict):
        if "and" in value:
            return L.join(_param(v, L) for v in value["and"])
        if "msg" in value:
            context = value.get("context")
            return L.pgettext(context, value["msg"]) if context else L.gettext(value["msg"])
        if value and set(value) <= set(LANGS):
            return L.text(value)
    return str(value)


def problem_message(template, params=None, lang: str = "en", *, value=None) -> str:
    """A problem's message in ``lang``: its ``template`` translated, then filled with its ``params``.

    A template without parameters is a finished message: it is translated when the
    catalogue has it, else shown as written.

    >>> problem_message("no date; the line is not loaded", lang="fr")
    "pas de date ; la ligne n'est pas chargée"
    >>> problem_message("unknown level '{value}' for {label}; expected one of: {levels}",
    ...                 '{"label": {"en": "Profitability", "fr": "Rentabilité"}, '
    ...                 '"levels": {"en": "low, high", "fr": "Faible, Élevée"}}', "fr", value="Modrate")
    "niveau inconnu 'Modrate' pour Rentabilité ; attendu l'un de : Faible, Élevée"
    """
    if not isinstance(template, str):
        return template
    L = language(lang)
    text = L.gettext(template)
    params = json.loads(params) if isinstance(params, str) and params else params
    if not params and "{value}" not in template:
        return text
    fields = {k: _param(v, L) for k, v in (params or {}).items()}
    try:
        return text.format(value="" if value is None else value, **fields)
    except (KeyError, IndexError, ValueError):  # a message written without a template: as written
        return text


def _suggestion(params, lang: str, suggestion):
    given = json.loads(params).get("suggestion") if isinstance(params, str) and params else None
    return language(lang).text(given) if isinstance(given, dict) else suggestion


def problems_in(problems: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A copy of ``problems`` with ``message``, ``severity`` and ``suggestion`` in ``lang``.

    Each distinct message is written once, then mapped onto the rows: a file with many
    lines of the same problem costs one message. Rows without a template keep their
    ``message`` as written; the other columns (file, row, column, value) are kept.

    >>> p = pd.DataFrame({"severity": ["error"], "message": ["negative amount; expected >= 0"],
    ...                   "template": ["negative amount; expected >= 0"], "params": [None]})
    >>> problems_in(p, "fr")[["severity", "message"]].iloc[0].tolist()
    ['erreur', 'montant négatif ; attendu : >= 0']
    """
    out = problems.copy()
    L = language(lang)
    if out.empty:
        return out
    if "severity" in out.columns:
        words = {s: L.gettext(w) for s, w in SEVERITIES.items()}
        out["severity"] = out["severity"].map(words).where(out["severity"].isin(list(words)), out["severity"])
    if "template" not in out.columns:
        return out
    none = pd.Series(None, index=out.index, dtype=object)
    # one message per distinct (template, params, value where the template names it), found on codes
    t_codes, templates = pd.factorize(out["template"].astype(object))
    p_codes, _ = pd.factorize(out["params"].astype(object) if "params" in out.columns else none)
    values = out["value"].astype(object) if "value" in out.columns else none
    v_codes, _ = pd.factorize(values)
    names_value = np.array([isinstance(t, str) and "{value}" in t for t in templates], dtype=bool)
    uses_value = (t_codes >= 0) & names_value[np.maximum(t_codes, 0)]
    keys = np.column_stack([t_codes, p_codes, np.where(uses_value, v_codes, -2)])
    _, first, codes = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    params = out["params"].to_numpy(dtype=object) if "params" in out.columns else none.to_numpy()
    texts, suggested = [], []
    for i in first:
        if t_codes[i] < 0 or not isinstance(templates[t_codes[i]], str):
            texts.append(None)
            suggested.append(None)
            continue
        p = params[i] if isinstance(params[i], str) else None
        texts.append(problem_message(templates[t_codes[i]], p, lang, value=values.iloc[i] if uses_value[i] else None))
        suggested.append(_suggestion(p, lang, None))
    has_template = t_codes >= 0
    texts = np.asarray(texts, dtype=object)[codes.ravel()]
    out["message"] = pd.Series(np.where(has_template, texts, out["message"].to_numpy(dtype=object)), index=out.index,
                               dtype=object).astype(problems["message"].dtype)
    if "suggestion" in out.columns:
        suggested = np.asarray(suggested, dtype=object)[codes.ravel()]
        given = out["suggestion"].to_numpy(dtype=object)
        out["suggestion"] = pd.Series(np.where(pd.isna(suggested), given, suggested), index=out.index,
                                      dtype=object).astype(problems["suggestion"].dtype)
    return out


class InputError(Exception):
    """A file that cannot be read at all (missing, unreadable, wrong format)."""


class DataValidationError(Exception):
    """Raised in strict mode when the input has an error; carries the whole report."""

    def __init__(self, report: ValidationReport):
        self.report = report
        n = report.n_errors
        super().__init__(f"{n} error{'s' if n != 1 else ''} in the input:\n{report.to_text(max_rows=20)}")


@dataclass
class FileStats:
    file: str
    kind: str  # clients, contacts, invoices
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_blank: int = 0

    @property
    def adds_up(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected + self.rows_blank


class ValidationReport:
    """Problems and row counts of the files of one load.

    >>> r = ValidationReport()
    >>> r.add("error", "clients.csv", 3, "profitability", "moderee",
    ...       "unknown level; expected one of low, moderate, high", "moderate")
    >>> r.n_errors
    1
    """

    def __init__(self) -> None:
        self._rows: list[dict] = []
        self._frames: list[pd.DataFrame] = []
        self._counts: list[dict] = []
        self.files: dict[str, FileStats] = {}

    # -- filling -----------------------------------------------------
    def add(self, severity, file, row, column, value, message, suggestion=None, *, params=None) -> None:
        """One problem; ``message`` is its template (a phrase of the catalogue) filled with ``params``."""
        if severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', got {severity!r}")
        value = None if value is None else str(value)
        params = encode_params(params)
        self._rows.append(
            {
                "severity": severity,
                "file": str(file),
                "row": None if row is None else int(row),
                "column": column,
                "value": value,
                "message": problem_message(message, params, "en", value=value),
                "suggestion": suggestion,
                "template": message,
                "params": params,
            }
        )

    def add_frame(self, frame: pd.DataFrame) -> None:
        """Add many problems at once (vectorised loaders): a frame with READER_COLUMNS.

        Its ``template`` and ``params`` (see the module) are kept when it has them; else
        the message is its own template, without parameters.
        """
        if len(frame):
            missing = set(READER_COLUMNS) - set(frame.columns)
            if missing:
                raise ValueError(f"problem frame lacks columns {sorted(missing)}")
            frame = frame.copy()
            if "template" not in frame.columns:
                frame["template"] = frame["message"]
            if "params" not in frame.columns:
                frame["params"] = None
            self._frames.append(frame[PROBLEM_COLUMNS])

    def add_count(self, severity, file, column, message, n, *, params=None) -> None:
        """``n`` more problems of one kind in ``file``, counted but not listed one by one.

        A loader that quotes a bounded sample of the lines with a problem gives the
        rest here: they count in :attr:`n_errors` and :attr:`n_warnings`, and the text
        and JSON forms give their number.
        """
        if n > 0:
            params = encode_params(params)
            self._counts.append({"severity": severity, "file": str(file), "column": column, "n": int(n),
                                 "message": problem_message(message, params, "en"), "template": message,
                                 "params": params})

    @property
    def counted(self) -> pd.DataFrame:
        """The problems counted but not listed: severity, file, column, n, message, template, params."""
        cols = ["severity", "file", "column", "n", "message", "template", "params"]
        return pd.DataFrame(self._counts, columns=cols)

    def stats(self, file: str, kind: str) -> FileStats:
        """The counters of one file (created on first use)."""
        if file not in self.files:
            self.files[file] = FileStats(file=str(file), kind=kind)
        return self.files[file]

    def merge(self, other: ValidationReport) -> None:
        self._rows.extend(other._rows)
        self._frames.extend(other._frames)
        self._counts.extend(other._counts)
        self.files.update(other.files)

    # -- reading -----------------------------------------------------
    @property
    def problems(self) -> pd.DataFrame:
        """Every problem, one row each, sorted by file, row and column."""
        parts = [f for f in self._frames if len(f)]
        if self._rows:
            parts.insert(0, pd.DataFrame(self._rows, columns=PROBLEM_COLUMNS))
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})
        df = pd.concat(parts, ignore_index=True)
        df["row"] = df["row"].astype("Int64")
        order = df.assign(_f=df["file"].astype(str)).sort_values(
            ["_f", "row", "column"], na_position="first", kind="stable"
        )
        return order.drop(columns="_f").reset_index(drop=True)

    @property
    def n_errors(self) -> int:
        return sum(r["severity"] == "error" for r in self._rows) + sum(
            int((f["severity"] == "error").sum()) for f in self._frames
        ) + sum(c["n"] for c in self._counts if c["severity"] == "error")

    @property
    def n_warnings(self) -> int:
        return sum(r["severity"] == "warning" for r in self._rows) + sum(
            int((f["severity"] == "warning").sum()) for f in self._frames
        ) + sum(c["n"] for c in self._counts if c["severity"] == "warning")

    @property
    def has_errors(self) -> bool:
        return self.n_errors > 0

    def file_summary(self) -> pd.DataFrame:
        """Rows read, loaded, rejected and blank per file."""
        cols = ["file", "kind", "rows_read", "rows_loaded", "rows_rejected", "rows_blank"]
        return pd.DataFrame([asdict(s) for s in self.files.values()], columns=cols)

    def raise_if_errors(self) -> None:
        """Strict mode: raise :class:`DataValidationError` when any error was found."""
        if self.has_errors:
            raise DataValidationError(self)

    def to_dict(self, *, lang: str = "en") -> dict:
        """The JSON form: per file its counts and its problems (messages in ``lang``)."""
        problems = problems_in(self.problems, lang)[READER_COLUMNS]
        problems = problems.astype(object).where(problems.notna(), None)
        out = {"n_errors": self.n_errors, "n_warnings": self.n_warnings, "files": []}
        counted = self._counted_in(lang)
        for stats in self.files.values():
            mine = problems[problems["file"] == stats.file]
            entry = {**asdict(stats), "problems": mine.to_dict(orient="records")}
            more = counted[counted["file"] == stats.file]
            if len(more):
                entry["not_listed"] = more[["severity", "column", "message", "n"]].to_dict(orient="records")
            out["files"].append(entry)
        orphan = problems[~problems["file"].isin(list(self.files))]
        if len(orphan):
            out["files"].append({"file": None, "problems": orphan.to_dict(orient="records")})
        return out

    def _counted_in(self, lang: str) -> pd.DataFrame:
        counted = self.counted
        if len(counted):
            counted = problems_in(counted.assign(suggestion=None, value=None), lang)
        return counted

    def to_json(self, *, lang: str = "en", **kwargs) -> str:
        return json.dumps(self.to_dict(lang=lang), ensure_ascii=False, default=int, **kwargs)

    def to_text(self, max_rows: int | None = 50, max_colwidth: int | None = None, *, lang: str = "en") -> str:
        """A readable report in ``lang``: counts per file, then the problems as a table.

        One line per problem: severity, file and row, column and value, message and
        suggestion. When there are more than ``max_rows`` problems, it shows the first
        ones and a count of the same message for the rest, so that 100,000 lines
        without a client id make one line, not 100,000.
        """
        L = language(lang)
        _ = L.gettext
        lines = []
        for s in self.files.values():
            counts = {"file": s.file, "kind": _(FILE_KINDS[s.kind]) if s.kind in FILE_KINDS else s.kind,
                      "read": L.num(s.rows_read), "loaded": L.num(s.rows_loaded), "rejected": L.num(s.rows_rejected),
                      "blank": L.num(s.rows_blank)}
            lines.append((_(_FILE_LINE_BLANK) if s.rows_blank else _(_FILE_LINE)).format(**counts))
        probs = problems_in(self.problems, lang)
        errors = L.plural("{n} error", "{n} errors", self.n_errors).format(n=L.num(self.n_errors))
        warnings = L.plural("{n} warning", "{n} warnings", self.n_warnings).format(n=L.num(self.n_warnings))
        lines.append(f"{errors}, {warnings}")
        shown = probs if max_rows is None else probs.head(max_rows)
        for p in shown.itertuples(index=False):
            file = str(p.file).rsplit("/", 1)[-1]
            where = _("{file} row {row}").format(file=file, row=p.row) if pd.notna(p.row) else file
            what = f"{p.column}" if isinstance(p.column, str) else ""
            if isinstance(p.value, str):
                what += f" = {p.value!r}"
            message = str(p.message)
            if max_colwidth is not None and len(message) > max_colwidth:
                message = message[: max_colwidth - 1] + "…"
            hint = (" " + _("(did you mean {suggestion}?)").format(suggestion=repr(p.suggestion))
                    if isinstance(p.suggestion, str) and p.suggestion else "")
            lines.append(f"  {p.severity:<7} {where}: {what}{': ' if what else ''}{message}{hint}")
        counted = self._counted_in(lang)
        if (max_rows is not None and len(probs) > max_rows) or len(counted):
            rest = probs.iloc[max_rows:] if max_rows is not None else probs.iloc[0:0]
            counts = rest.groupby(["severity", "column", "message"], dropna=False).size()
            if len(counted):
                more = counted.groupby(["severity", "column", "message"], dropna=False)["n"].sum()
                counts = counts.add(more, fill_value=0).astype(int)
            lines.append(_("... and {n} more:").format(n=L.num(int(counts.sum()))))
            for (sev, col, msg), n in counts.sort_values(ascending=False).items():
                lines.append("  " + _("{n} x {severity} in {column}: {message}").format(
                    n=f"{L.num(n):>8}", severity=sev, column=col, message=msg))
        return "\n".join(lines)


#: The kinds of file, as :meth:`ValidationReport.to_text` names them.
FILE_KINDS = {"clients": N_("clients"), "invoices": N_("invoices"), "contacts": N_("contacts")}
_FILE_LINE = N_("{file} ({kind}): {read} rows read, {loaded} loaded, {rejected} rejected")
_FILE_LINE_BLANK = N_("{file} ({kind}): {read} rows read, {loaded} loaded, {rejected} rejected, {blank} blank")
