"""The ``portfolio-analysis`` command: validate, template, sample, report."""

from __future__ import annotations

import argparse
import sys
import textwrap

from portfolio_analysis.config.catalogue import ConfigError

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
EXIT_CONFIG = 2  # a configuration that cannot be used: nothing is read
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports it


def _parse_map(items: list[str] | None) -> dict:
    mapping = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"--map {item!r}: expected FIELD=COLUMN, e.g. --map client_id=CustomerID")
        fld, col = item.split("=", 1)
        mapping[fld.strip()] = col.strip()
    return mapping


def _add_data_args(p: argparse.ArgumentParser, *, clients_positional: bool) -> None:
    if clients_positional:
        p.add_argument("clients", nargs="?", help="client register (.csv or .xlsx); may be omitted with --invoices")
    else:
        p.add_argument("--clients", help="client register (.csv or .xlsx)")
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


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    _add_data_args(p, clients_positional=True)
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
    p.add_argument("out", help="the .xlsx file to write")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
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
    _add_data_args(p, clients_positional=False)
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
        _print_config_error(exc)
        return EXIT_CONFIG
    return None


def _print_config_error(exc: ConfigError) -> None:
    problems = getattr(exc, "problems", None) or []
    if len(problems) > 1:
        print(f"error: {exc}", file=sys.stderr)
    else:
        print(f"error in the configuration: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("\ninterrupted: nothing was written, and a previous deliverable is left as it was", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command in ("validate", "report", "template"):
        status = _config_problems(args)
        if status is not None:
            return status
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "template":
            from portfolio_analysis.config.catalogue import load_catalogue
            from portfolio_analysis.template import write_template

            path = write_template(args.out, lang=args.lang, catalogue=load_catalogue(args.config))
            print(f"wrote {path}")
            return EXIT_OK
        if args.command == "sample":
            from portfolio_analysis.sample import write_sample

            paths = write_sample(args.out_dir, n_clients=args.n_clients, seed=args.seed, problems=not args.clean)
            for p in paths.values():
                print(f"wrote {p}")
            return EXIT_OK
        if args.command == "report":
            from portfolio_analysis.deliver.runner import run_report

            if not (args.clients or args.invoices):
                print("error: give --clients, --invoices or both", file=sys.stderr)
                return EXIT_UNREADABLE
            return run_report(
                clients=args.clients,
                invoices=args.invoices,
                contacts=args.contacts,
                config=args.config,
                overrides=args.overrides,
                mapping=_parse_map(args.mapping),
                sheet=args.sheet,
                company=args.company,
                lang=args.lang,
                out=args.out,
                strict=args.strict,
            )
    except ConfigError as exc:
        _print_config_error(exc)
        return EXIT_CONFIG
    return EXIT_OK


def _compare(args) -> int:
    from portfolio_analysis.deliver.compare import CompareError, compare, to_text, write_workbook

    if args.excel is not None and not args.excel.lower().endswith(".xlsx"):
        print(f"error: --excel {args.excel}: expected a file name ending in .xlsx", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        result = compare(args.out_a, args.out_b)
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
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


def _validate(args) -> int:
    from portfolio_analysis.load.portfolio import load_portfolio
    from portfolio_analysis.load.validation import DataValidationError, InputError

    if not (args.clients or args.invoices):
        if args.config or args.overrides:  # a configuration checked on its own (main checked it)
            print("the configuration is valid")
            return EXIT_OK
        print("error: give a client register, --invoices, or both", file=sys.stderr)
        return EXIT_UNREADABLE
    sheet = args.sheet
    if sheet is not None and sheet.isdigit():
        sheet = int(sheet)
    try:
        pf = load_portfolio(
            args.clients,
            invoices=args.invoices,
            contacts=args.contacts,
            config=args.config,
            overrides=args.overrides,
            mapping=_parse_map(args.mapping),
            sheet=sheet,
            reference_date=args.reference_date or _reference_date(args),
        )
        report = pf.report
        failed = False
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
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
