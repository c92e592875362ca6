"""The ``portfolio-analysis`` command: validate, template, sample, report, compare.

A mistake on the command line (an unknown option, a file that is not there or not a
table, a ``--map`` or ``--set`` that cannot be read, an ``--out`` that would overwrite
the inputs...) is said in one line naming the option, the value and what was expected,
with exit status 2; nothing the user typed or the files hold reaches the terminal as a
control sequence, and no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import textwrap
from pathlib import Path

from portfolio_analysis.config.catalogue import ConfigError

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
EXIT_CONFIG = 2  # a configuration that cannot be used: nothing is read
EXIT_USAGE = 2  # a mistake on the command line
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports it
#: Set to 1 to see the traceback of an unexpected error (for a bug report).
DEBUG_ENV = "PORTFOLIO_ANALYSIS_DEBUG"


class UsageError(Exception):
    """A mistake on the command line: its message is the one line the user sees."""


# -- what reaches the terminal ---------------------------------------------------------------
# control characters (an escape sequence can rewrite the terminal) are dropped; invisible and
# direction-changing characters are shown as their code, so that two ids that differ by one can be told apart
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    r"""``text`` safe to print: control characters removed, invisible ones written as their code.

    >>> printable("C1\x1b[31m red\u200b")
    'C1[31m red<U+200B>'
    """
    text = _CONTROL.sub("", str(text))
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


class _Printable:
    """A text stream that writes only :func:`printable` text."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _parse_map(items: list[str] | None) -> dict:
    mapping = {}
    for item in items or []:
        fld, sep, col = item.partition("=")
        if not sep or not fld.strip() or not col.strip():
            raise UsageError(f"--map {item!r}: expected FIELD=COLUMN, e.g. --map client_id=CustomerID")
        if fld.strip() in mapping:
            raise UsageError(f"--map {item!r}: {fld.strip()} is mapped twice; expected one --map per field")
        mapping[fld.strip()] = col.strip()
    return mapping


class _Parser(argparse.ArgumentParser):
    """argparse's parser, saying a mistake in one line (and pointing to --help) instead of the usage."""

    def error(self, message):
        print(printable(f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)"), file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _add_data_args(p: argparse.ArgumentParser) -> None:
    # the register as the first argument or with --clients, for validate and report alike
    p.add_argument("clients", nargs="?", help="client register (.csv or .xlsx); may be omitted with --invoices")
    p.add_argument("--clients", dest="clients_option", metavar="CLIENTS", help="the same, as an option")
    p.add_argument("--invoices", help="invoice lines (.csv, .parquet or .xlsx)")
    p.add_argument("--contacts", help="contacts: client_id, side (ours|client), name, role")
    p.add_argument("--sheet", help="the register's sheet in an Excel workbook (default: the first)")
    p.add_argument("--config", help="your criteria YAML, merged into the shipped catalogue")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override one setting, e.g. --set weights.profitability=3 (repeatable)",
    )
    p.add_argument(
        "--map", dest="mapping", action="append", default=[], metavar="FIELD=COLUMN",
        help="the file's column for one of our fields, e.g. --map client_id=CustomerID (repeatable)",
    )
    p.add_argument(
        "--engine", choices=("duckdb", "spark", "pandas"),
        help="what checks and sums the invoice lines (default settings.loading.engine: duckdb); "
             "--invoices may then be a folder or a glob of Parquet files",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="portfolio-analysis",
        description="Customer portfolio analysis for a B2B company: from a client list to a report "
        "and a relationship plan.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(
            """\
            examples:
              portfolio-analysis template register.xlsx --lang fr
              portfolio-analysis validate register.xlsx --contacts contacts.csv
              portfolio-analysis report --clients register.xlsx --invoices invoices.csv --out reports/acme
              portfolio-analysis sample data/sample --n-clients 300 --seed 7
              portfolio-analysis compare reports/acme reports/acme-v2
            """
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        help="check the input files and list every problem",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Load the files as the analysis would and report every problem at once: "
        "row (header = row 1), column, value, what was expected and a suggestion.",
        epilog=textwrap.dedent(
            """\
            exit status: 0 the data loaded (problems, if any, are listed); 1 an error under
            --strict, or a file that cannot be loaded; 2 a file that cannot be read at all,
            or a configuration (--config, --set) that cannot be used: every problem is listed.

            examples:
              portfolio-analysis validate clients.csv
              portfolio-analysis validate clients.xlsx --sheet Clients --strict
              portfolio-analysis validate --invoices online_retail.csv --map client_id=CustomerID \\
                  --map date=InvoiceDate --map quantity=Quantity --map unit_price=UnitPrice
              portfolio-analysis validate clients.csv --format json > problems.json
              portfolio-analysis validate registre.csv --lang fr
              portfolio-analysis validate --config my_weights.yaml --set weights.profitability=5
            """
        ),
    )
    _add_data_args(p)
    p.add_argument("--strict", action="store_true", help="exit 1 on any error")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--max-rows", type=int, default=50, help="problems listed in the text format (default 50)")
    p.add_argument("--lang", choices=("en", "fr"), default="en", help="the language of the problems (default en)")
    p.add_argument("--reference-date", help="end of the current 12-month window (default: settings.loading.reference_date, else the end of the "
                   "last complete month of the invoices)")

    p = sub.add_parser(
        "template",
        help="write an empty client register (Excel) with drop-down lists",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write an empty client register: the header row in English or French, a drop-down "
        "list of the allowed levels in every criterion column, and a sheet explaining each criterion.",
        epilog="examples:\n  portfolio-analysis template register.xlsx\n"
        "  portfolio-analysis template registre.xlsx --lang fr",
    )
    p.add_argument("out", help="the .xlsx file to write (an existing file is kept unless --force)")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    p.add_argument("--force", action="store_true", help="replace the file when it exists")
    p.add_argument("--config", help="your criteria YAML (its labels and levels are used)")

    p = sub.add_parser(
        "sample",
        help="write a synthetic portfolio (register, invoices, contacts)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write a synthetic, deterministic portfolio with planted groups of clients.",
        epilog="examples:\n  portfolio-analysis sample data/sample --n-clients 300 --seed 7\n"
        "  portfolio-analysis sample /tmp/big --n-clients 10000 --seed 1 --clean",
    )
    p.add_argument("out_dir", help="folder to write clients.csv, invoices.csv, contacts.csv into")
    p.add_argument("--n-clients", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--clean", action="store_true", help="do not inject the few realistic data problems")

    p = sub.add_parser(
        "report",
        help="run the analysis and write the deliverable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the notebook sequence on a company's files and write the deliverable into --out.",
        epilog=textwrap.dedent(
            """\
            examples:
              portfolio-analysis report --clients data/sample/clients.csv \\
                  --invoices data/sample/invoices.csv --contacts data/sample/contacts.csv --out reports/sample
              portfolio-analysis report --invoices invoices.parquet --company "ACME" --out reports/acme
            """
        ),
    )
    _add_data_args(p)
    p.add_argument("--company", default=None, help="the company's name, for the report (default: \"the company\", "
                   "in the report's language)")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    p.add_argument("--out", required=True, help="output folder (created; never one of the inputs)")
    p.add_argument("--strict", action="store_true", help="stop on any error in the input")

    p = sub.add_parser(
        "compare",
        help="what changed between two deliverables, and why",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compare two deliverables written by `report`: the configuration each used, the headline "
        "figures side by side, the clients whose action changed (and the criterion that tipped it), the "
        "largest rank moves and the changes of group.",
        epilog=textwrap.dedent(
            """            exit status: 0 compared; 2 a folder that is not a deliverable, or runs of different portfolios.

            examples:
              portfolio-analysis compare reports/v1 reports/v2
              portfolio-analysis compare reports/v1 reports/v2 --format json > changes.json
              portfolio-analysis compare reports/v1 reports/v2 --excel changes.xlsx
            """
        ),
    )
    p.add_argument("out_a", help="the first deliverable (a folder written by report --out)")
    p.add_argument("out_b", help="the second deliverable")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--excel", help="also write the comparison as an Excel workbook (.xlsx)")
    return parser


def _config_problems(args) -> int | None:
    """Check ``--config`` and ``--set`` before any data is read; print every problem at once."""
    from portfolio_analysis.config.catalogue import load_catalogue

    try:
        load_catalogue(args.config, overrides=getattr(args, "overrides", None) or ())
    except ConfigError as exc:
        _print_config_error(exc, args.config)
        return EXIT_CONFIG
    return None


def _print_config_error(exc: ConfigError, config=None) -> None:
    problems = getattr(exc, "problems", None) or []
    if len(problems) > 1:
        print(f"error: {exc}", file=sys.stderr)
        return
    text = _one_line(exc)
    if config and text.startswith(str(config)):
        text = f"--config {text}"
    print(f"error in the configuration: {text}", file=sys.stderr)


# -- the options, checked before anything is read -----------------------------------------------
def _inputs(args) -> list[tuple[str, str]]:
    """(option, path) of every input file given."""
    out = []
    if getattr(args, "clients", None):
        out.append(("--clients" if args.command == "report" else "CLIENTS", args.clients))
    for option in ("invoices", "contacts"):
        if getattr(args, option, None):
            out.append((f"--{option}", getattr(args, option)))
    return out


def _check_files(args) -> None:
    """Every input file exists, is a file, can be read, is not empty and is a kind of table we read."""
    from portfolio_analysis.load.files import TABLE_KINDS, file_kind, file_problem
    from portfolio_analysis.load.validation import InputError

    for option, path in _inputs(args):
        problem = file_problem(path)
        if problem:
            expected = f"; expected a table file ({TABLE_KINDS})" if problem != "the file is empty" else (
                "; expected a table with a header row")
            raise UsageError(f"{option} {path}: {problem}{expected}")
        try:
            file_kind(Path(path))
        except InputError as exc:
            raise UsageError(f"{option} {exc}") from None


def _check_config_file(config) -> None:
    from portfolio_analysis.load.files import file_problem

    problem = file_problem(config)
    if problem:
        raise UsageError(f"--config {config}: {problem}; expected a YAML file of criteria and settings")
    if Path(config).suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"--config {config}: expected a YAML file (.yaml or .yml)")


def _check_sheet(args) -> None:
    sheet = getattr(args, "sheet", None)
    if sheet is None:
        return
    from portfolio_analysis.load.files import EXCEL_SUFFIXES

    clients = getattr(args, "clients", None)
    if not clients:
        raise UsageError(f"--sheet {sheet!r}: names a sheet of the register, and no register is given")
    if Path(clients).suffix.lower() not in EXCEL_SUFFIXES:
        raise UsageError(f"--sheet {sheet!r}: the register {clients} is not an Excel workbook, so it has no sheets")
    if not sheet.strip():
        raise UsageError("--sheet '': expected a sheet name or number")


def _sheet(args):
    sheet = getattr(args, "sheet", None)
    return int(sheet) if sheet is not None and sheet.strip().isdigit() else sheet


def _check_mapping_fields(mapping: dict, args) -> None:
    """Every --map FIELD is a field of one of the tables."""
    if not mapping:
        return
    from portfolio_analysis.config.catalogue import load_catalogue
    from portfolio_analysis.load.contacts import CONTACT_COLUMNS
    from portfolio_analysis.load.sources import INVOICE_FIELDS

    try:
        cat = load_catalogue(args.config, overrides=args.overrides or ())
    except ConfigError:
        return  # said by the configuration check
    known = sorted({*cat.fields, *cat.criteria, "share_of_wallet_pct", *INVOICE_FIELDS, *CONTACT_COLUMNS})
    for fld, col in mapping.items():
        if fld in known or fld.startswith("billing__"):
            continue
        close = difflib.get_close_matches(fld, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UsageError(f"--map {fld}={col}: unknown field {fld!r}{hint}; expected one of: {', '.join(known)}")


def _check_reference_date(args) -> None:
    value = getattr(args, "reference_date", None)
    if value is None:
        return
    import datetime as dt

    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"--reference-date {value!r}: expected a date written YYYY-MM-DD, e.g. 2025-12-31") from None


def _check_out(args) -> None:
    """--out is a new or empty folder, or one this tool wrote, and never holds an input."""
    from portfolio_analysis.deliver.runner import MARKER

    out = Path(args.out).resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out}: is a file; expected a folder for the deliverable")
    for option, path in [*_inputs(args), ("--config", args.config)]:
        if not path:
            continue
        p = Path(path).resolve()
        if p == out or out in p.parents:
            raise UsageError(f"--out {args.out}: holds the input {p} ({option}); expected a folder apart from "
                             "the inputs")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"--out {args.out}: the folder exists and was not written by portfolio-analysis; "
                         "expected a new or empty folder, or one of its own deliverables")
    if not out.parent.exists():
        raise UsageError(f"--out {args.out}: the folder {out.parent} does not exist; expected a folder in an "
                         "existing one")


def _name_input(message: str, args) -> str:
    """A reader's message about a file (``path: reason``), with the option that gave the file."""
    for option, path in _inputs(args):
        if message.startswith(str(path)):
            return f"{option} {message}"
    return message


def main(argv: list[str] | None = None) -> int:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(out), _Printable(err)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # the notebooks' kernel client leaves tasks that the interrupt cut short; asyncio would log each one
        # with its traceback when it is collected: that is no news to the user who pressed Ctrl-C
        import logging

        logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
        print("\ninterrupted: nothing was written, and a previous deliverable is left as it was", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit:
        raise
    except Exception as exc:  # a bug: one line, unless asked for the traceback
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"error: unexpected {type(exc).__name__}: {_one_line(exc)} (set {DEBUG_ENV}=1 to see where; "
              "please report it)", file=sys.stderr)
        return EXIT_ERRORS
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if getattr(args, "clients_option", None) is not None:
        if args.clients is not None and args.clients != args.clients_option:
            raise UsageError(f"{args.clients} and --clients {args.clients_option}: two registers; expected one")
        args.clients = args.clients_option
    if getattr(args, "engine", None):  # one setting: the configuration carries it to every step
        args.overrides = [*args.overrides, f"settings.loading.engine={args.engine}"]
    if args.command in ("validate", "report"):
        mapping = _parse_map(args.mapping)
        _check_reference_date(args)
        if args.command == "validate" and args.max_rows < 0:
            raise UsageError(f"--max-rows {args.max_rows}: expected a number of rows >= 0")
        if args.command == "report" and not (args.clients or args.invoices):
            raise UsageError("--clients, --invoices: neither is given; expected a client register, invoice lines "
                             "or both")
        if args.config:
            _check_config_file(args.config)
        status = _config_problems(args)  # the configuration first: a bad one stops before any file is looked at
        if status is not None:
            return status
        _check_files(args)
        _check_sheet(args)
        if args.command == "report":
            _check_out(args)
    if args.command == "template":
        from portfolio_analysis.template import TemplateError, check_template_path

        try:
            check_template_path(args.out, force=args.force)
        except TemplateError as exc:
            raise UsageError(f"template {exc}") from None
        if args.config:
            _check_config_file(args.config)
    if args.command == "template":
        status = _config_problems(args)
        if status is not None:
            return status
    if args.command in ("validate", "report"):
        _check_mapping_fields(mapping, args)
    try:
        if args.command == "validate":
            return _validate(args, mapping)
        if args.command == "compare":
            return _compare(args)
        if args.command == "template":
            from portfolio_analysis.config.catalogue import load_catalogue
            from portfolio_analysis.template import write_template

            path = write_template(args.out, lang=args.lang, catalogue=load_catalogue(args.config), force=args.force)
            print(f"wrote {path}")
            return EXIT_OK
        if args.command == "sample":
            return _sample(args)
        if args.command == "report":
            return _report(args, mapping)
    except ConfigError as exc:
        _print_config_error(exc, getattr(args, "config", None))
        return EXIT_CONFIG
    return EXIT_OK


def _sample(args) -> int:
    from portfolio_analysis.sample import write_sample

    if args.n_clients < 1:
        raise UsageError(f"--n-clients {args.n_clients}: expected a number of clients >= 1")
    out = Path(args.out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"sample {args.out_dir}: is a file; expected a folder to write the sample into")
    paths = write_sample(args.out_dir, n_clients=args.n_clients, seed=args.seed, problems=not args.clean)
    for p in paths.values():
        print(f"wrote {p}")
    return EXIT_OK


def _report(args, mapping) -> int:
    from portfolio_analysis.deliver.runner import run_report
    from portfolio_analysis.load.validation import InputError

    try:
        return run_report(
            clients=args.clients,
            invoices=args.invoices,
            contacts=args.contacts,
            config=args.config,
            overrides=args.overrides,
            mapping=mapping,
            sheet=_sheet(args),
            company=args.company,
            lang=args.lang,
            out=args.out,
            strict=args.strict,
        )
    except InputError as exc:
        print(f"error: {_one_line(_name_input(str(exc), args))}", file=sys.stderr)
        return EXIT_UNREADABLE


def _compare(args) -> int:
    from portfolio_analysis.deliver.compare import CompareError, compare, to_text, write_workbook

    if args.excel is not None and not args.excel.lower().endswith(".xlsx"):
        raise UsageError(f"--excel {args.excel}: expected a file name ending in .xlsx")
    try:
        result = compare(args.out_a, args.out_b)
    except CompareError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.format == "json":
        import json

        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print(to_text(result), end="")
    if args.excel:
        print(f"wrote {write_workbook(result, args.excel)}", file=sys.stderr if args.format == "json" else sys.stdout)
    return EXIT_OK


def _reference_date(args) -> str:
    from portfolio_analysis.archive import reference_date
    from portfolio_analysis.config.catalogue import load_catalogue

    return reference_date(load_catalogue(args.config, overrides=args.overrides or ()))


def _validate(args, mapping) -> int:
    from portfolio_analysis.load.portfolio import load_portfolio
    from portfolio_analysis.load.validation import DataValidationError, InputError

    if not (args.clients or args.invoices):
        if args.config or args.overrides:  # a configuration checked on its own (main checked it)
            print("the configuration is valid")
            return EXIT_OK
        raise UsageError("CLIENTS, --invoices: neither is given; expected a client register, invoice lines or both")
    try:
        pf = load_portfolio(
            args.clients,
            invoices=args.invoices,
            contacts=args.contacts,
            config=args.config,
            overrides=args.overrides,
            mapping=mapping,
            sheet=_sheet(args),
            reference_date=args.reference_date or _reference_date(args),
        )
        report = pf.report
        failed = False
    except InputError as exc:
        print(f"error: {_one_line(_name_input(str(exc), args))}", file=sys.stderr)
        return EXIT_UNREADABLE
    except DataValidationError as exc:
        report, failed = exc.report, True
    if args.format == "json":
        print(report.to_json(indent=2, lang=args.lang))
    else:
        print(report.to_text(max_rows=args.max_rows, lang=args.lang))
    if failed or (args.strict and report.has_errors):
        return EXIT_ERRORS
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
