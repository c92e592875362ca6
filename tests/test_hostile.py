"""Hostile files and command lines: every one gets a clear message, the right exit status and no traceback.

Each case builds its files in a temporary folder, runs the command line in-process and checks the
exit status, the message (its row, column, value and what was expected, where there is one), that
no traceback reaches the user and, for a file that loads, that rows read = loaded + rejected + blank.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from portfolio_analysis.cli import main
from portfolio_analysis.load import files as files_module
from portfolio_analysis.load.files import physical_lines
from portfolio_analysis.load.register import load_clients
from portfolio_analysis.load.validation import ValidationReport

DATA = Path(__file__).resolve().parent / "data"
REGISTER = "client_id,name,relationship_type,billing\nC1,Acme,partnership,1000\nC2,Beta,recurring,500\n"


@dataclass
class Case:
    """A command line to run (``{d}`` is the case's folder) and what it must give."""

    argv: list[str]
    code: int
    says: list[str]  # each must be in what is printed (regular expressions)
    counts: tuple | None = None  # (read, loaded, rejected, blank) of the first file, through validate --format json
    files: dict = field(default_factory=dict)  # name -> text, bytes or a callable(path) writing it
    one_line: bool = True  # a command-line mistake: one line on stderr


def _workbook(path: Path, build) -> None:
    wb = openpyxl.Workbook()
    build(wb)
    wb.save(path)


def _visible_after_hidden(wb):
    wb.active.title = "Notes"
    wb.active.append(["read me first"])
    wb.active.sheet_state = "hidden"
    ws = wb.create_sheet("Clients")
    ws.append(["client_id", "name", "billing"])
    ws.append(["C1", "Acme", 100])


def _merged(wb):
    ws = wb.active
    ws.append(["client_id", "name", "business_type", "billing"])
    ws.append(["C1", "Acme", "Retail", 100])
    ws.append(["C2", "Beta", None, 200])
    ws.append(["C3", "Gamma", None, 300])
    ws.merge_cells("C2:C4")


def _formula(wb):
    ws = wb.active
    ws.append(["client_id", "name", "billing"])
    ws.append(["C1", "Acme", 100])
    ws.append(["C2", "Beta", "=C2*2"])  # written by a program: no computed value in the file


def _far_cell(wb):
    ws = wb.active
    ws.append(["client_id", "name"])
    ws.append(["C1", "Acme"])
    ws["XFD1048576"] = "stray"


def _declared_huge(path: Path) -> None:
    """A real workbook whose sheet declares 3 GB once expanded (the zip's central directory says so)."""
    _workbook(path, _merged)
    data = bytearray(path.read_bytes())
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        name = bytes(data[i + 46: i + 46 + int.from_bytes(data[i + 28: i + 30], "little")])
        if name.endswith(b"sheet1.xml"):
            data[i + 24: i + 28] = (3 << 30).to_bytes(4, "little")
        i = data.find(b"PK\x01\x02", i + 4)
    path.write_bytes(bytes(data))


def _word(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")


def _xlsx_bytes(path: Path) -> None:
    _workbook(path, _merged)


def _truncated(path: Path) -> None:
    _workbook(path, _merged)
    path.write_bytes(path.read_bytes()[:300])


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{x}: &{x} [{', '.join(['*' + p] * 9)}]\n" for p, x in zip("abcdefgh", "bcdefghi"))

CASES = {
    # -- the command line ------------------------------------------------------------------
    "unknown option": Case(["validate", "{d}/c.csv", "--colour", "red"], 2,
                           ["unrecognized arguments: --colour red", "--help"], files={"c.csv": REGISTER}),
    "missing file": Case(["validate", "{d}/nope.csv"], 2, [r"CLIENTS .*nope\.csv: file not found; expected a table"]),
    "a folder as the register": Case(["report", "--clients", "{d}/folder", "--out", "{d}/out"], 2,
                                     [r"--clients .*folder: is a folder, not a file"],
                                     files={"folder/x.csv": REGISTER}),
    "a folder as the invoices": Case(["validate", "--invoices", "{d}"], 2, [r"--invoices .*: is a folder"]),
    "bad --map syntax": Case(["validate", "{d}/c.csv", "--map", "client_id"], 2,
                             [r"--map 'client_id': expected FIELD=COLUMN, e\.g\. --map client_id=CustomerID"],
                             files={"c.csv": REGISTER}),
    "--map to a column not there": Case(["validate", "{d}/c.csv", "--map", "client_id=Kunde"], 2,
                                        [r"--map client_id=Kunde: no file has a column 'Kunde' "
                                         r"\(columns found: clients: client_id, name"], files={"c.csv": REGISTER}),
    "--map an unknown field": Case(["validate", "{d}/c.csv", "--map", "clientid=name"], 2,
                                   [r"--map clientid=name: unknown field 'clientid' \(did you mean 'client_id'\?\)"],
                                   files={"c.csv": REGISTER}),
    "bad --sheet": Case(["validate", "{d}/book.xlsx", "--sheet", "Kunden"], 2,
                        [r"--sheet 'Kunden': no sheet of that name in .*book\.xlsx; expected one of: 'Notes' \(hidden\), "
                         r"'Clients'"], files={"book.xlsx": lambda p: _workbook(p, _visible_after_hidden)}),
    "bad --sheet number": Case(["validate", "{d}/book.xlsx", "--sheet", "5"], 2,
                               [r"--sheet 5: no sheet number 5 in .*; expected 0 to 1"],
                               files={"book.xlsx": lambda p: _workbook(p, _visible_after_hidden)}),
    "--sheet with a CSV": Case(["validate", "{d}/c.csv", "--sheet", "Clients"], 2,
                               [r"--sheet 'Clients': the register .*c\.csv is not an Excel workbook"],
                               files={"c.csv": REGISTER}),
    "bad --lang": Case(["validate", "{d}/c.csv", "--lang", "de"], 2,
                       [r"argument --lang: invalid choice: 'de' \(choose from 'en', 'fr'\)"], files={"c.csv": REGISTER}),
    "--out holding the inputs": Case(["report", "--clients", "{d}/c.csv", "--out", "{d}"], 2,
                                     [r"--out .*: holds the input .*c\.csv \(--clients\); expected a folder apart"],
                                     files={"c.csv": REGISTER}),
    "--out a folder not ours": Case(["report", "--clients", "{d}/c.csv", "--out", "{d}/mine"], 2,
                                    [r"--out .*mine: the folder exists and was not written by portfolio-analysis; "
                                     r"expected a new or empty folder"],
                                    files={"c.csv": REGISTER, "mine/notes.txt": "my notes"}),
    "--out a file": Case(["report", "--clients", "{d}/c.csv", "--out", "{d}/notes.txt"], 2,
                         [r"--out .*notes\.txt: is a file; expected a folder"],
                         files={"c.csv": REGISTER, "notes.txt": "my notes"}),
    "--out missing": Case(["report", "--clients", "{d}/c.csv"], 2, ["the following arguments are required: --out"],
                          files={"c.csv": REGISTER}),
    "bad --set": Case(["validate", "{d}/c.csv", "--set", "weights.profitability"], 2,
                      [r"--set 'weights\.profitability': expected KEY=VALUE, e\.g\. weights\.profitability=3"],
                      files={"c.csv": REGISTER}),
    "bad --set value": Case(["validate", "{d}/c.csv", "--set", "weights.profitability=[5"], 2,
                            [r"--set 'weights\.profitability=\[5': not valid YAML"], files={"c.csv": REGISTER}),
    "bad --config YAML": Case(["validate", "{d}/c.csv", "--config", "{d}/mine.yaml"], 2,
                              [r"--config .*mine\.yaml: not valid YAML \(.*line 1"],
                              files={"c.csv": REGISTER, "mine.yaml": "weights: {profitability: 5\n"}),
    "--config billion laughs": Case(["validate", "{d}/c.csv", "--config", "{d}/lol.yaml"], 2,
                                    [r"--config .*lol\.yaml: refused: its aliases \(\*name\) expand to more than "
                                     r"200,000 values"], files={"c.csv": REGISTER, "lol.yaml": BILLION_LAUGHS}),
    "--config too large": Case(["validate", "{d}/c.csv", "--config", "{d}/big.yaml"], 2,
                               [r"--config .*big\.yaml: [\d,]+ bytes; a configuration is at most 1,048,576"],
                               files={"c.csv": REGISTER, "big.yaml": "# x\n" * 300_000}),
    "--config not YAML": Case(["validate", "{d}/c.csv", "--config", "{d}/c.csv"], 2,
                              [r"--config .*c\.csv: expected a YAML file \(\.yaml or \.yml\)"], files={"c.csv": REGISTER}),
    "bad --reference-date": Case(["validate", "{d}/c.csv", "--reference-date", "31/12/2025"], 2,
                                 [r"--reference-date '31/12/2025': expected a date written YYYY-MM-DD"],
                                 files={"c.csv": REGISTER}),
    "negative --max-rows": Case(["validate", "{d}/c.csv", "--max-rows", "-3"], 2,
                                [r"--max-rows -3: expected a number of rows >= 0"], files={"c.csv": REGISTER}),
    "report without inputs": Case(["report", "--out", "{d}/out"], 2,
                                  [r"--clients, --invoices: neither is given; expected a client register"]),
    "sample of no clients": Case(["sample", "{d}/s", "--n-clients", "0"], 2,
                                 [r"--n-clients 0: expected a number of clients >= 1"]),
    "template not .xlsx": Case(["template", "{d}/register.csv"], 2,
                               [r"template .*register\.csv: expected a file name ending in \.xlsx"]),
    "template over a file": Case(["template", "{d}/register.xlsx"], 2,
                                 [r"template .*register\.xlsx: the file exists; give --force to replace it"],
                                 files={"register.xlsx": b"the company's own workbook"}),
    # -- files that are not tables ------------------------------------------------------------
    "a .pdf given": Case(["validate", "{d}/c.pdf"], 2,
                         [r"CLIENTS .*c\.pdf: a \.pdf file is not a table this tool reads; expected \.csv"],
                         files={"c.pdf": b"%PDF-1.4 ..."}),
    "a PDF named .csv": Case(["validate", "{d}/c.csv"], 2, [r"CLIENTS .*c\.csv: the file is a PDF document, not a table"],
                             files={"c.csv": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"}),
    "a picture named .csv": Case(["validate", "{d}/c.csv"], 2, [r"the file is a PNG image, not a table"],
                                 files={"c.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}),
    "a workbook named .csv": Case(["validate", "{d}/c.csv"], 2,
                                  [r"the file is a zip archive \(an Excel workbook\?\) named \.csv; name an Excel "
                                   r"workbook \.xlsx"], files={"c.csv": _xlsx_bytes}),
    "binary named .csv": Case(["validate", "{d}/c.csv"], 2,
                              [r"the file is a binary file, not a text table \(it holds control characters"],
                              files={"c.csv": bytes(range(256)) * 40}),
    "an empty file": Case(["validate", "{d}/c.csv"], 2, [r"CLIENTS .*c\.csv: the file is empty; expected a table"],
                          files={"c.csv": b""}),
    "blank lines only": Case(["validate", "{d}/c.csv"], 2, [r"c\.csv: the file is empty"], files={"c.csv": "\n  \n\n"}),
    "text named .xlsx": Case(["validate", "{d}/c.xlsx"], 2,
                             [r"c\.xlsx: the file is not an Excel workbook \(named \.xlsx, it holds text\)"],
                             files={"c.xlsx": REGISTER}),
    "a Word document named .xlsx": Case(["validate", "{d}/c.xlsx"], 2, [r"c\.xlsx: the file is a Word document"],
                                        files={"c.xlsx": _word}),
    "a damaged workbook": Case(["validate", "{d}/c.xlsx"], 2, [r"c\.xlsx: the workbook is damaged"],
                               files={"c.xlsx": _truncated}),
    "a password-protected workbook": Case(["validate", "{d}/c.xlsx"], 2,
                                          [r"c\.xlsx: the workbook is password-protected \(encrypted\), so it cannot be "
                                           r"read: open it in Excel, remove the password"],
                                          files={"c.xlsx": (DATA / "password.xlsx").read_bytes()}),
    "a sheet spanning to XFD1048576": Case(["validate", "{d}/c.xlsx"], 2,
                                           [r"the sheet 'Sheet' spans A1:XFD1048576 \(17,179,869,184 cells\); refused "
                                            r"before reading it"], files={"c.xlsx": lambda p: _workbook(p, _far_cell)}),
    "a workbook declaring 3 GB": Case(["validate", "{d}/c.xlsx"], 2,
                                      [r"c\.xlsx: the workbook declares 3,22\d MB once expanded \([\d,]+ times its .* on "
                                       r"disk\); refused before expanding it"], files={"c.xlsx": _declared_huge}),
    # -- files that load, with what a person must be told --------------------------------------
    "UTF-16 with a BOM": Case(["validate", "{d}/c.csv"], 0, [r"2 rows read, 2 loaded, 0 rejected"], (2, 2, 0, 0),
                              files={"c.csv": "client_id;nom\nC1;Société Générale\nC2;Ça va\n".encode("utf-16")}),
    "UTF-16 without a BOM": Case(["validate", "{d}/c.csv"], 0, [r"2 rows read, 2 loaded"], (2, 2, 0, 0),
                                 files={"c.csv": "client_id\tname\nC1\tÉlan\nC2\tŒuvre\n".encode("utf-16-le")}),
    "Windows-1252": Case(["validate", "{d}/c.csv"], 0, [r"1 rows read, 1 loaded"], (1, 1, 0, 0),
                         files={"c.csv": "client_id;nom;facturation\nC1;Crème;12 345,67 €\n".encode("cp1252")}),
    "a quote never closed": Case(["validate", "{d}/c.csv"], 0,
                                 [r"c\.csv row 3: name = 'Beta,200': a quote \(\"\) opens this cell at line 3 and is "
                                  r"never closed: the 2 lines after it were read as rows of their own"], (4, 4, 0, 0),
                                 files={"c.csv": 'client_id,name,billing\nC1,Acme,100\nC2,"Beta,200\nC3,Gamma,300\n'
                                                 'C4,Delta,400\n'}),
    "a quote closed rows later": Case(["validate", "{d}/c.csv"], 0,
                                      [r"row 2: name = 'Acme,100': a quote \(\"\) opens this cell at line 2 and closes "
                                       r"only at line 4: the 2 lines in between were read as rows of their own"],
                                      (4, 4, 0, 0),
                                      files={"c.csv": 'client_id,name,billing\nC1,"Acme,100\nC2,Beta,200\n'
                                                      'C3,"Gamma" Ltd,300\nC4,Delta,400\n'}),
    "a row with too many cells": Case(["validate", "{d}/c.csv"], 0,
                                      [r"row 3: += '200': the row has 4 cells but the header has 3; the cells after "
                                       r"column 3 were not read \(an unquoted ';' inside a cell\?\)"], (2, 2, 0, 0),
                                      files={"c.csv": "client_id;name;billing\nC1;Acme;100\nC2;Dupont; Fils;200\n"}),
    "hidden first sheet": Case(["validate", "{d}/book.xlsx"], 0,
                               [r"the workbook has hidden sheets \('Notes'\); read the first visible sheet, 'Clients' "
                                r"\(give --sheet to read another\)"], (1, 1, 0, 0),
                               files={"book.xlsx": lambda p: _workbook(p, _visible_after_hidden)}),
    "merged cells": Case(["validate", "{d}/book.xlsx"], 0,
                         [r"row 2: business_type = 'Retail': cells C2:C4 are merged: each of them was given the value "
                          r"of C2"], (3, 3, 0, 0), files={"book.xlsx": lambda p: _workbook(p, _merged)}),
    "a formula without its result": Case(["validate", "{d}/book.xlsx"], 0,
                                         [r"row 3: billing = '=C2\*2': cell C3 holds a formula whose result was never "
                                          r"computed .*open the file in Excel and save it, or type the value"],
                                         (2, 2, 0, 0), files={"book.xlsx": lambda p: _workbook(p, _formula)}),
    "a legacy .xls": Case(["validate", "{d}/register.xls"], 0,
                          [r"3 rows read, 3 loaded, 0 rejected", r"hidden sheets \('Notes'\)",
                           r"cells E2:E3 are merged"], (3, 3, 0, 0),
                          files={"register.xls": (DATA / "register.xls").read_bytes()}),
    "ids that read the same": Case(["validate", "{d}/c.csv"], 0,
                                   [r"row 3: client_id = 'c1': client id 'c1' reads like 'C1' in row 2: they differ "
                                    r"only by upper and lower case; the same client\?",
                                    "client id 'С1' reads like 'C1' in row 2: they differ only by look-alike letters",
                                    "client id 'C<U\\+200B>2' reads like 'C2' in row 5: they differ only by invisible",
                                    "client id 'X<U\\+00A0>1' reads like 'X 1' in row 7: they differ only by a "
                                    "non-breaking"], (7, 7, 0, 0),
                                   files={"c.csv": "client_id,name\nC1,A\nc1,B\nС1,C\nC2,D\nC\u200b2,E\nX 1,F\n"
                                                   "X\u00a01,G\n"}),
    "a blank register": Case(["validate", "{d}/c.csv"], 1, ["no client: the file has no row with a client id"],
                             (0, 0, 0, 0), files={"c.csv": "client_id,name\n"}, one_line=False),
    "blank and rejected rows": Case(["validate", "{d}/c.csv"], 0, [r"5 rows read, 2 loaded, 2 rejected, 1 blank"],
                                    (5, 2, 2, 1), files={"c.csv": "client_id,name\nC1,A\n,B\n\nC1,C\nC2,D\n"}),
}


def _materialise(case: Case, d: Path) -> list[str]:
    for name, content in case.files.items():
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return [a.replace("{d}", str(d)) for a in case.argv]


def _run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exit (usage errors)
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_case(name, tmp_path, capsys):
    case = CASES[name]
    argv = _materialise(case, tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code, out, err = _run(argv, capsys)
    printed = out + err
    assert code == case.code, printed
    assert "Traceback" not in printed and "File \"" not in printed
    for pattern in case.says:
        assert re.search(pattern, printed), f"{pattern!r} not in:\n{printed}"
    if case.code == 2 and case.one_line:
        assert out == "" and len(err.strip().splitlines()) == 1, err  # one line, on stderr
    # a mistake never writes or changes a file
    if case.code == 2:
        assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    if case.counts is not None:
        code, out, _ = _run([*argv, "--format", "json"], capsys)
        f = json.loads(out)["files"][0]
        read, loaded, rejected, blank = case.counts
        assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"], f["rows_blank"]) == case.counts
        assert read == loaded + rejected + blank


def test_unreadable_file(tmp_path, capsys, monkeypatch):
    """A file the user may not read (as root nothing is unreadable: the refusal is simulated)."""
    path = tmp_path / "c.csv"
    path.write_text(REGISTER, encoding="utf-8")
    path.chmod(0)
    real_open = open

    def refusing(file, *args, **kwargs):
        if Path(str(file)) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(files_module, "open", refusing, raising=False)
    code, out, err = _run(["validate", str(path)], capsys)
    assert code == 2 and out == ""
    assert re.fullmatch(r"error: CLIENTS .*c\.csv: cannot be read \(Permission denied\); expected a table file .*\n",
                        err)


def test_a_stray_quote_swallows_no_row(tmp_path):
    """Physical lines counted on the bytes: every line after the header is a row, loaded or reported."""
    lines = ["client_id,name,billing"] + [f"C{i},Client {i},{i}" for i in range(1, 2001)]
    lines[500] = 'C500,"Client 500,500'  # opens a quote that would swallow the 1,500 lines after it
    lines[1200] = 'C1200,"Client 1200,1200'
    path = tmp_path / "c.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ValidationReport()
    clients = load_clients(path, report=report)
    stats = report.files[str(path)]
    assert stats.rows_read == physical_lines(path) - 1 == 2000
    assert stats.rows_read == stats.rows_loaded + stats.rows_rejected + stats.rows_blank
    assert clients["client_id"].tolist() == [f"C{i}" for i in range(1, 2001)]
    quotes = report.problems[report.problems["message"].str.contains("a quote")]
    assert quotes["row"].tolist() == [501, 1201] and quotes["column"].tolist() == ["name", "name"]


def test_a_real_multiline_cell_is_not_a_stray_quote(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('client_id,name,address,billing\nC1,Acme,"12 rue de la Paix\n75002 Paris",100\nC2,Beta,x,5\n',
                    encoding="utf-8")
    report = ValidationReport()
    clients = load_clients(path, report=report)
    assert clients["address"].tolist() == ["12 rue de la Paix\n75002 Paris", "x"]
    assert not report.problems["message"].str.contains("quote").any()


def test_control_characters_never_reach_the_terminal(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text("client_id,name\nC1,Acme\nC1,\x1b[2J\x1b]0;pwned\x07Evil\n", encoding="utf-8")
    code, out, err = _run(["validate", str(path)], capsys)
    assert code == 0 and "appears in rows 2 and 3" in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out + err)


def test_template_force_replaces_and_without_it_nothing_changes(tmp_path, capsys):
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"the company's own workbook")
    assert _run(["template", str(path)], capsys)[0] == 2
    assert path.read_bytes() == b"the company's own workbook"
    assert _run(["template", str(path), "--force"], capsys)[0] == 0
    assert openpyxl.load_workbook(path).sheetnames[0] == "Clients"
    assert not list(tmp_path.glob(".*partial*"))


def test_merged_and_formula_cells_as_read(tmp_path):
    """What the loader gives for merged cells and uncomputed formulas: the top-left value, and nothing (not 0)."""
    path = tmp_path / "book.xlsx"
    _workbook(path, _merged)
    clients = load_clients(path)
    assert clients["business_type"].tolist() == ["Retail", "Retail", "Retail"]
    _workbook(path, _formula)
    clients = load_clients(path)
    assert clients["billing"].tolist()[0] == 100.0 and pd.isna(clients["billing"].tolist()[1])


def test_legacy_xls_loads_like_xlsx():
    clients = load_clients(DATA / "register.xls")
    assert clients["client_id"].tolist() == ["C1", "C2", "C3"]
    assert clients["profitability"].tolist() == ["high", "low", "moderate"]
    assert clients["billing"].tolist() == [12345.67, 800.0, 0.0]


# -- bounded memory ---------------------------------------------------------------------------------
def test_reading_a_register_csv_holds_at_most_4_times_the_file(tmp_path):
    """Peak resident memory of read_table over the baseline, in a fresh process, against the file's size."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        from bench_register_memory import CHILD, write_register
    finally:
        sys.path.pop(0)
    path = tmp_path / "register.csv"
    size = write_register(path, 250_000)
    out = subprocess.run([sys.executable, "-c", CHILD, "read_table", str(path)], capture_output=True, text=True,
                         check=True)
    measure = json.loads(out.stdout.strip().splitlines()[-1])
    assert measure["rows"] == 250_000
    assert measure["peak_over_baseline"] <= 4 * size, (measure, size)


# -- nothing from the data becomes markup or code -------------------------------------------------
EVIL = ['<script>alert("name")</script>', "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
        "**bold** _it_ `code`", '=HYPERLINK("http://evil.example","x")', "Price $x^2$ & $\\frac{1}{$",
        '<a href="javascript:alert(2)">a</a>', "# Heading", "| pipe | table |"]
COMPANY = '<script>alert("co")</script> **ACME** $1$ =HYPERLINK("x")'
# what must never appear in the report's HTML: tags, event handlers, javascript: links, Markdown made markup
MARKUP = [r"<script>alert", r"<img[^>]*onerror", r"<a [^>]*href=[\"']?javascript:", r"<strong>bold",
          r"<em>it</em>", r"<code>code</code>", r"<b>C\d+</b>", r"<script>x", r"<h1[^>]*>Heading",
          r"<span class=\"math"]


def hostile_register(n: int = 30) -> pd.DataFrame:
    rows = []
    for i in range(n):
        rows.append({
            "client_id": f"C{i:02d}" if i % 5 else f"<b>C{i}</b>", "name": f"{EVIL[i % len(EVIL)]} {i}",
            "owner": EVIL[(i + 3) % len(EVIL)], "business_type": EVIL[(i + 5) % len(EVIL)] if i % 2 else "Retail",
            "relationship_type": ["partnership", "recurring", "occasional", "at risk"][i % 4],
            "profitability": ["low", "moderate", "high"][i % 3], "upsell_potential": ["none", "low", "moderate", "high"][i % 4],
            "ease_of_collaboration": ["challenging", "medium", "easy"][i % 3],
            "business_outlook": ["failing", "stable", "growing"][i % 3],
            "billing": 1000.0 + (i * 7919) % 90000, "billing_previous": 1000.0 + (i * 104729) % 90000,
            "profit": -5000.0 + (i * 3571) % 25000,
            "Billing <script>x</script>": float((i * 31) % 5000), "Billing =cmd|calc": float((i * 17) % 5000)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    hostile_register().to_csv(d / "clients.csv", index=False)
    code = main(["report", "--clients", str(d / "clients.csv"), "--company", COMPANY, "--out", str(d / "out")])
    assert code == 0
    return d / "out"


def _prose_cells(html: str) -> list[str]:
    return re.findall(r'<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>(.*?)</div>', html, re.S)



@pytest.mark.slow
def test_no_input_becomes_markup_in_the_report(hostile_report):
    html = (hostile_report / "report.html").read_text(encoding="utf-8")
    found = [(p, html[max(0, m.start() - 200): m.start() + 80]) for p in MARKUP for m in re.finditer(p, html)]
    assert found == []
    # the inputs are there, as text
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in html or \
        '&lt;script&gt;alert("name")&lt;/script&gt;' in html
    assert re.search(r"<h1[^>]*>Customer portfolio analysis — &lt;script&gt;alert\(\"co\"\)&lt;/script&gt; "
                     r"\*\*ACME\*\* \$1\$ =HYPERLINK\(\"x\"\)", html)
    assert re.search(r"<title>[^<]*&lt;script&gt;", html)


@pytest.mark.slow
def test_no_input_becomes_a_formula_in_the_workbook_or_the_tables(hostile_report):
    wb = openpyxl.load_workbook(hostile_report / "relationship_plan.xlsx")
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert any(t.startswith('=HYPERLINK("http://evil.example","x")') for t in texts)  # kept as text
    assert not wb.worksheets[0]._hyperlinks and all(not ws._hyperlinks for ws in wb.worksheets)
    for table in (hostile_report / "tables").glob("*.csv"):
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
        for col in frame.columns:
            assert not col.startswith(("=", "+", "@")), (table.name, col)
            risky = frame[col][frame[col].str.startswith(("=", "+", "@"))]
            assert risky.empty, (table.name, col, risky.tolist()[:3])


def test_figures_draw_names_as_written(tmp_path):
    """A '$' in a name is a dollar sign: the figure is drawn with mathtext off, even for text made while drawing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from portfolio_analysis.deliver.page import Page, plain_texts
    from portfolio_analysis.i18n.language import language
    from portfolio_analysis.plots.profiles import plot_owner_spread

    owners = pd.DataFrame({"owner": ["Price $x^2$", "$\\frac{1}{$ & co", "<b>Bob</b>"], "billing_share_pct": [50.0, 30, 20],
                           "accounts": [3, 2, 1], "key_person_risk": [True, False, False]})
    ax = plot_owner_spread(owners)
    fig = ax.figure
    with pytest.raises(ValueError):  # matplotlib's default: the name is read as (broken) mathtext
        fig.savefig(tmp_path / "default.png")
    page = Page(analysis=None, language=language("en"), out_dir=tmp_path)
    ax = plot_owner_spread(owners)
    page.figure(ax.figure, "owners")
    assert (tmp_path / "figures" / "owners.png").stat().st_size > 0
    fig, ax = plt.subplots()
    ax.set_title("Client $x^2$")
    with plain_texts(fig):
        fig.canvas.draw()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert all(not t.get_parse_math() for t in fig.findobj(Text))
    assert labels
    plt.close("all")
