"""Step 1 — data and validation: every input file loaded at once, with one report.

:func:`load_portfolio` reads the client register, the contacts and the invoice
lines (each optional, but at least a register or invoices), validates them
together and returns a :class:`Portfolio`. The invoices fill the register's
financial fields where it lacks them, and clients found only in the invoices
are added and flagged, so the analysis also runs from invoices alone.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, load_catalogue
from portfolio_analysis.load import billing as _billing
from portfolio_analysis.load import contacts as _contacts
from portfolio_analysis.load import invoices as _invoices
from portfolio_analysis.load import register as _clients
from portfolio_analysis.load.validation import DataValidationError, InputError, ValidationReport


@dataclass
class Portfolio:
    """Everything loaded for one company.

    Attributes
    ----------
    clients : one row per client, keyed by ``client_id`` (canonical columns, see the catalogue)
    contacts : ``client_id, side, name, role`` — from the contacts file and the register's names
    invoices : the loaded invoice lines with ``settings.loading.engine: pandas``, else None (the lines stay
        in the engine)
    invoice_tables : per-client billing by year, month and category, and ``summary`` (lines, first and last
        date, credit lines), or None
    report : every problem found, and the row counts per file
    catalogue : the criteria catalogue in force
    """

    clients: pd.DataFrame
    contacts: pd.DataFrame
    report: ValidationReport
    catalogue: Catalogue
    invoices: pd.DataFrame | None = None
    invoice_tables: Any = None
    files: dict = field(default_factory=dict)


def split_mapping(mapping: dict | None, headers: list[str]) -> dict:
    """The part of a ``FIELD -> COLUMN`` mapping whose column this file has.

    One ``--map`` list serves every file (``client_id=CustomerID`` names the
    invoices' column); a file only gets the entries it can use.
    """
    if not mapping:
        return {}
    return {k: v for k, v in mapping.items() if v in headers}


def _headers(path, sheet=None) -> list[str]:
    """The column names of a file (or DataFrame), read as the loader reads them (the sheet it reads)."""
    if isinstance(path, pd.DataFrame):
        return [str(c).strip() for c in path.columns]
    if Path(path).is_dir() or any(ch in str(path) for ch in "*?["):  # a folder of invoice files: the first one's
        from portfolio_analysis.load.inputs import _expand

        try:
            path = _expand(path)[1][0]
        except InputError:
            return []
    from portfolio_analysis.load.files import read_headers

    return read_headers(path, sheet=sheet)  # a file that cannot be read says so here, before any --map check


def load_portfolio(
    clients=None,
    *,
    invoices=None,
    contacts=None,
    catalogue: Catalogue | None = None,
    config=None,
    overrides=(),
    mapping: dict | None = None,
    sheet=None,
    reference_date=None,
    strict: bool = False,
    progress=None,
) -> Portfolio:
    """Load and validate a company's files.

    Parameters
    ----------
    clients : path or DataFrame of the client register, or None (invoices alone)
    invoices : path or DataFrame of invoice lines, or None
    contacts : path or DataFrame of contacts (client_id, side, name, role), or None
    catalogue : a loaded catalogue; else built from ``config`` and ``overrides``
    mapping : ``{field: column}`` for files whose headers are not recognised
    sheet : the register's sheet in an Excel workbook (name or 0-based number)
    reference_date : end of the current 12-month window (default: the last invoice date)
    strict : raise :class:`~portfolio_analysis.load.validation.DataValidationError` on any error
    progress : called with a progress line during a long invoice load (default: printed on a terminal's
        standard error); the invoices are checked and summed by ``settings.loading.engine``
        (:func:`~portfolio_analysis.load.history.load_history`; ``pandas`` keeps the lines in ``invoices``)

    Raises
    ------
    InputError
        A file that cannot be read at all.
    DataValidationError
        A file that cannot be loaded (a required column missing), or any error in strict mode.
    """
    if clients is None and invoices is None:
        raise InputError("nothing to load: give a client register, invoice lines, or both")
    for kind, item in (("client register", clients), ("invoices", invoices), ("contacts", contacts)):
        if item is not None and not isinstance(item, pd.DataFrame) and not Path(item).is_file():
            if kind == "invoices" and (Path(item).is_dir() or any(ch in str(item) for ch in "*?[")):
                continue  # a folder or a glob of invoice files
            raise InputError(f"{item}: file not found (the {kind})")
    cat = catalogue or load_catalogue(config, overrides=list(overrides))
    report = ValidationReport()
    mapping = dict(mapping or {})
    # one --map list serves every file: read each file's headers once, only when there is a mapping
    files = {"clients": clients, "invoices": invoices, "contacts": contacts}
    headers = {
        k: _headers(v, sheet if k == "clients" else None) for k, v in files.items() if v is not None and mapping
    }
    _check_mapping(mapping, headers)

    register = None
    if clients is not None:
        register = _clients.load_clients(
            clients, catalogue=cat, mapping=split_mapping(mapping, headers.get("clients", [])), sheet=sheet, report=report
        )
    lines = tables = None
    if invoices is not None:
        loading = dict(cat.settings.get("loading") or {})
        invoice_mapping = split_mapping(mapping, headers.get("invoices", []))
        if loading.get("engine") == "pandas":
            lines = _invoices.load_invoices(invoices, mapping=invoice_mapping, report=report,
                                            date_formats=loading.get("date_formats"))
            tables = _billing.aggregate_invoices(lines, reference_date=reference_date)
        else:
            from portfolio_analysis.load.history import load_history

            if progress is None and sys.stderr.isatty():
                progress = _say
            tables = load_history(invoices, mapping=invoice_mapping, report=report,
                                  date_formats=loading.get("date_formats"), reference_date=reference_date,
                                  settings=loading, progress=progress)
        register = _billing.fill_register(register, tables, report=report)
    people = _contacts.contacts_from_register(register)
    if contacts is not None:
        table = _contacts.load_contacts(
            contacts, clients=register, mapping=split_mapping(mapping, headers.get("contacts", [])), report=report
        )
        people = pd.concat([table, people], ignore_index=True).drop_duplicates(
            ["client_id", "side", "name"], keep="first"
        )
    register = _default_owner(register, people)
    if register.empty:  # a blank template, or no line with a client id: nothing to analyse
        source = clients if clients is not None else invoices
        where = "<dataframe>" if isinstance(source, pd.DataFrame) else str(source)
        report.add("error", where, None, "client_id", None,
                   "no client: the file has no row with a client id, so there is nothing to analyse")
        raise DataValidationError(report)
    if strict:
        report.raise_if_errors()
    return Portfolio(
        clients=register.reset_index(drop=True),
        contacts=people.reset_index(drop=True),
        report=report,
        catalogue=cat,
        invoices=lines,
        invoice_tables=tables,
        files={"clients": clients, "invoices": invoices, "contacts": contacts},
    )


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _check_mapping(mapping: dict, found: dict[str, list[str]]) -> None:
    """Every ``--map`` entry must name a column of one of the files (``found``: file kind -> headers)."""
    if not mapping:
        return
    every = {h for hs in found.values() for h in hs}
    for fld, col in mapping.items():
        if col not in every:
            where = "; ".join(f"{k}: {', '.join(hs)}" for k, hs in found.items())
            raise InputError(f"--map {fld}={col}: no file has a column {col!r} (columns found: {where})")


def _default_owner(register: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Where the register names no owner, the first of our people on the account is its owner."""
    if "owner" not in register.columns:
        register = register.assign(owner=pd.Series(pd.NA, index=register.index, dtype="object"))
    ours = people[people["side"] == "ours"].drop_duplicates("client_id")
    first = register["client_id"].map(ours.set_index("client_id")["name"])
    owner = register["owner"].astype("object")
    return register.assign(owner=owner.where(owner.notna() & (owner.astype(str).str.strip() != ""), first))


def completeness(portfolio: Portfolio) -> pd.DataFrame:
    """Share of clients with a value, per evaluation criterion and financial field.

    Returns a frame with ``column``, ``label``, ``filled`` (count), ``share`` (0–1),
    sorted from the least to the most complete.
    """
    cat = portfolio.catalogue
    df = portfolio.clients
    cols = [k for k, c in cat.criteria.items() if c.kind != "numeric"]
    cols += ["billing", "billing_previous", "profit", "margin_pct", "cost_to_serve"]
    rows = []
    for col in cols:
        values = df[col] if col in df.columns else pd.Series(pd.NA, index=df.index)
        filled = int(values.notna().sum())
        rows.append(
            {
                "column": col,
                "label": cat.label(col),
                "filled": filled,
                "share": filled / len(df) if len(df) else 0.0,
            }
        )
    return pd.DataFrame(rows).sort_values(["share", "column"], kind="stable").reset_index(drop=True)


def quality_summary(portfolio: Portfolio) -> dict:
    """Headline figures of the load, for the notebook's prose and the summary file."""
    files = portfolio.report.file_summary()
    problems = portfolio.report.problems
    df = portfolio.clients
    comp = completeness(portfolio)
    out = {
        "n_clients": len(df),
        "n_from_invoices_only": int(df.get("from_invoices_only", pd.Series(False, index=df.index)).sum()),
        "rows_read": int(files["rows_read"].sum()) if len(files) else 0,
        "rows_loaded": int(files["rows_loaded"].sum()) if len(files) else 0,
        "rows_rejected": int(files["rows_rejected"].sum()) if len(files) else 0,
        "rows_blank": int(files["rows_blank"].sum()) if len(files) else 0,
        "n_errors": portfolio.report.n_errors,
        "n_warnings": portfolio.report.n_warnings,
        "columns_with_problems": sorted(problems["column"].dropna().unique().tolist()),
        "least_complete": comp.iloc[0].to_dict() if len(comp) else None,
        "n_criteria_complete": int((comp["share"] == 1.0).sum()),
        "n_criteria": len(comp),
    }
    if portfolio.invoice_tables is not None:
        summary = portfolio.invoice_tables.summary
        out.update(
            n_invoice_lines=summary.get("n_lines", 0),
            first_invoice=summary.get("first_date"),
            last_invoice=summary.get("last_date"),
            n_credit_lines=summary.get("n_credit_lines", 0),
            reference_date=portfolio.invoice_tables.reference_date,
        )
    return out
