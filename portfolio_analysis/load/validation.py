"""The validation report: every problem found in the input files, at once.

Loaders add problems to one :class:`ValidationReport` instead of stopping at the
first. Each problem has a severity (``error`` or ``warning``), the file, the row
as a spreadsheet user counts it (the header is row 1), the column, the value,
a message saying what was expected and, where one is close, a suggestion.
Per file the report counts rows read, loaded, rejected and blank:
``rows_read == rows_loaded + rows_rejected + rows_blank``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pandas as pd

PROBLEM_COLUMNS = ["severity", "file", "row", "column", "value", "message", "suggestion"]


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
        self.files: dict[str, FileStats] = {}

    # -- filling -----------------------------------------------------
    def add(self, severity, file, row, column, value, message, suggestion=None) -> None:
        if severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', got {severity!r}")
        self._rows.append(
            {
                "severity": severity,
                "file": str(file),
                "row": None if row is None else int(row),
                "column": column,
                "value": None if value is None else str(value),
                "message": message,
                "suggestion": suggestion,
            }
        )

    def add_frame(self, frame: pd.DataFrame) -> None:
        """Add many problems at once (vectorised loaders): a frame with PROBLEM_COLUMNS."""
        if len(frame):
            missing = set(PROBLEM_COLUMNS) - set(frame.columns)
            if missing:
                raise ValueError(f"problem frame lacks columns {sorted(missing)}")
            self._frames.append(frame[PROBLEM_COLUMNS].copy())

    def stats(self, file: str, kind: str) -> FileStats:
        """The counters of one file (created on first use)."""
        if file not in self.files:
            self.files[file] = FileStats(file=str(file), kind=kind)
        return self.files[file]

    def merge(self, other: ValidationReport) -> None:
        self._rows.extend(other._rows)
        self._frames.extend(other._frames)
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
        )

    @property
    def n_warnings(self) -> int:
        return sum(r["severity"] == "warning" for r in self._rows) + sum(
            int((f["severity"] == "warning").sum()) for f in self._frames
        )

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

    def to_dict(self) -> dict:
        """The JSON form: per file its counts and its problems."""
        problems = self.problems
        problems = problems.astype(object).where(problems.notna(), None)
        out = {"n_errors": self.n_errors, "n_warnings": self.n_warnings, "files": []}
        for stats in self.files.values():
            mine = problems[problems["file"] == stats.file]
            out["files"].append({**asdict(stats), "problems": mine.to_dict(orient="records")})
        orphan = problems[~problems["file"].isin(list(self.files))]
        if len(orphan):
            out["files"].append({"file": None, "problems": orphan.to_dict(orient="records")})
        return out

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=int, **kwargs)

    def to_text(self, max_rows: int | None = 50, max_colwidth: int | None = None) -> str:
        """A readable report: counts per file, then the problems as a table.

        One line per problem: severity, file and row, column and value, message and
        suggestion. When there are more than ``max_rows`` problems, it shows the first
        ones and a count of the same message for the rest, so that 100,000 lines
        without a client id make one line, not 100,000.
        """
        lines = []
        for s in self.files.values():
            blank = f", {s.rows_blank:,} blank" if s.rows_blank else ""
            lines.append(
                f"{s.file} ({s.kind}): {s.rows_read:,} rows read, {s.rows_loaded:,} loaded, "
                f"{s.rows_rejected:,} rejected{blank}"
            )
        probs = self.problems
        lines.append(f"{self.n_errors:,} errors, {self.n_warnings:,} warnings")
        shown = probs if max_rows is None else probs.head(max_rows)
        for p in shown.itertuples(index=False):
            where = str(p.file).rsplit("/", 1)[-1] + (f" row {p.row}" if pd.notna(p.row) else "")
            what = f"{p.column}" if isinstance(p.column, str) else ""
            if isinstance(p.value, str):
                what += f" = {p.value!r}"
            message = str(p.message)
            if max_colwidth is not None and len(message) > max_colwidth:
                message = message[: max_colwidth - 1] + "…"
            hint = f" (did you mean {p.suggestion!r}?)" if isinstance(p.suggestion, str) and p.suggestion else ""
            lines.append(f"  {p.severity:<7} {where}: {what}{': ' if what else ''}{message}{hint}")
        if max_rows is not None and len(probs) > max_rows:
            rest = probs.iloc[max_rows:]
            counts = rest.groupby(["severity", "column", "message"], dropna=False).size()
            lines.append(f"... and {len(rest):,} more:")
            for (sev, col, msg), n in counts.sort_values(ascending=False).items():
                lines.append(f"  {n:>8,} x {sev} in {col}: {msg}")
        return "\n".join(lines)
