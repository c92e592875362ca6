"""The invoice plan: every line checked and aggregated in one relational plan, written once in SQL.

The plan is SQL in DuckDB's dialect, built from what the source holds (which
invoice fields, typed or as text) and the settings (date formats, the largest
amount, the reference windows); :func:`to_dialect` transpiles it with SQLGlot
for Spark. Three queries make a load (:mod:`~portfolio_analysis.load.history`
runs them):

1. :func:`dates_query` -- the days of the lines' dates, counted, and the largest
   first and second fields of dates written ``NN/NN/YYYY``: the reference date,
   the dates far beyond the rest, and whether the file writes days or months first;
2. :func:`tables_query` -- every line parsed and checked, then summed in one pass
   per client, month, category, 12-month window, file and *flags* (the problems of
   a line as bits, :data:`KINDS`): a table the size of the per-client tables, from
   which the per-client tables and the count of every problem are rolled up;
3. :func:`sample_query` -- the first lines of each kind of problem (row, value),
   a bounded sample for the report.

The source is a relation ``src`` with ``_file`` (the number of the file), ``_row`` (the row a spreadsheet
shows, header = 1) and, per field ``f`` of the file, ``f__t`` (its cells as text,
NULL where typed) and, where the file holds types, ``amount__n`` (a number) or
``date__us`` and ``date__ym`` (microseconds since 1970, and year * 12 + month - 1):
:mod:`~portfolio_analysis.load.engines` makes it from a file, a folder of files or
a DataFrame. Cells are read as :mod:`~portfolio_analysis.load.cells` reads them
(``1 234,56 €``, ``(120)``, ``15/03/2024``); dates are parsed by regular
expressions and integer arithmetic, so that both engines agree to the microsecond.
Client ids and categories are grouped as written and cleaned afterwards, on their
distinct values (stripped, ``17850.0`` as ``17850``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.billing import UNSPECIFIED

#: Whitespace stripped around cells, with the non-breaking spaces French spreadsheets write.
WS = " \t\n\r\x0b\x0c\u00a0\u202f\u2007\u2009\ufeff"
#: The largest amount a line may have: beyond it the line is rejected (sums stay finite).
MAX_AMOUNT = 1e15
_DAY_US = 86_400_000_000
_SHIFT_US = 2_208_988_800_000_000  # 1900-01-01 to 1970-01-01
_SHIFT_DAYS = 25_567
_US_2200 = 7_258_118_400_000_000  # 2200-01-01: dates from then on are out of range
_NUMBER_FIELDS = ("amount", "quantity", "unit_price", "cost", "margin")
TEXT_FIELDS = ("client_id", "service_category", "invoice_id")


@dataclass(frozen=True)
class Kind:
    """One kind of problem: its bit in a line's flags, severity, field and message template."""

    bit: int
    severity: str
    field: str
    template: str
    value: str | None  # which cell the report quotes: "t" (text), "n" (number), "us" (date) or None


# A line's problems as bits. Errors reject the line; warnings keep it.
KINDS: dict[str, Kind] = {
    "client_blank": Kind(1, "error", "client_id", N_("no client id; the line is not loaded"), None),
    "date_blank": Kind(2, "error", "date", N_("no date; the line is not loaded"), None),
    "date_bad": Kind(4, "error", "date", N_(
        "not a date written as {formats} (or outside 1900-2199); the line is not loaded"), "date"),
    "amount_blank": Kind(8, "error", "amount", N_("no amount; the line is not loaded"), None),
    "amount_bad": Kind(16, "error", "amount", N_("not a number; the line is not loaded"), "amount"),
    "amount_huge": Kind(32, "error", "amount", N_(
        "not a finite amount, or beyond ±{limit}; the line is not loaded"), "amount"),
    "quantity_blank": Kind(64, "error", "quantity", N_("no quantity; the line is not loaded"), None),
    "quantity_bad": Kind(128, "error", "quantity", N_("not a number; the line is not loaded"), "quantity"),
    "unit_price_blank": Kind(256, "error", "unit_price", N_("no unit price; the line is not loaded"), None),
    "unit_price_bad": Kind(512, "error", "unit_price", N_("not a number; the line is not loaded"), "unit_price"),
    "product_huge": Kind(1024, "error", "quantity", N_(
        "quantity × unit price is not finite, or beyond ±{limit}; the line is not loaded"), "quantity"),
    "cost_bad": Kind(2048, "warning", "cost", N_("cost is not a number; the line is loaded without a cost"), "cost"),
    "margin_bad": Kind(4096, "warning", "margin", N_(
        "margin is not a number; the line is loaded without a margin"), "margin"),
    "date_outlier": Kind(8192, "warning", "date", N_(
        "dated far beyond the other lines ({reason}); the line is loaded, but its date does not set the "
        "reference date"), "date"),
    "stray_quote": Kind(1 << 14, "error", "quote", N_(
        "a quote opens the field {column} and is not closed on its line, so it would swallow the lines after "
        "it; this line is not loaded, the lines after it are read on their own"), "quote"),
}
BLANK = 1 << 15
ERRORS = sum(k.bit for k in KINDS.values() if k.severity == "error")


# ----------------------------------------------------------------------------
# the shape of the source
# ----------------------------------------------------------------------------
@dataclass
class Shape:
    """The fields of the source: ``fields`` the invoice fields it has, ``typed`` those it holds typed.

    ``typed`` maps a field to ``"number"`` (``f__n``) or ``"timestamp"`` (``date__us``, ``date__ym``);
    a field may be typed in some lines and text in others (a mixed Excel column): both are read.
    """

    fields: tuple[str, ...]
    typed: dict[str, str] = field(default_factory=dict)
    text: frozenset[str] | None = None  # fields with a text column (default: every field)
    quotes: bool = False  # a column _quote__t marks the lines a stray quote opened (CSV read line-aware)

    def has_text(self, f: str) -> bool:
        return f in self.fields and (self.text is None or f in self.text)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _blank(col: str) -> str:
    # a regular expression only for the cells that do not start with a printable ASCII character
    return (f"(CASE WHEN {col} IS NULL THEN TRUE WHEN {col} >= '!' AND {col} < '~~' THEN FALSE "
            f"ELSE NOT regexp_matches({col}, {_lit(f'[^{WS}]')}) END)")


# ----------------------------------------------------------------------------
# numbers, as parse_number reads them (percentages refused)
# ----------------------------------------------------------------------------
_PLAIN = "^[+-]?[0-9]+([.][0-9]+)?$"
_SCI = "^[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+$"
_SPACES = "[ \t\n\r\x0b\x0c\u00a0\u202f\u2009\u2007']"
_CURRENCY = "(?i)([€$£¥]|eur|usd|gbp|chf|euros?)"


def _number_layers(f: str) -> list[str]:
    """Three SELECT lists that read the text cells ``{f}__t`` of a number field, layer after layer.

    Plain numbers (``-12.5``) are cast at once; the others (``1 234,56 €``,
    ``(120)``, ``1.234.567``) go through the layers, each a small expression
    evaluated only on the cells that need it: ``_{f}_s`` the text without currency,
    parentheses and spaces, ``_{f}_neg`` whether parentheses made it negative, then
    ``_{f}_c`` the text a cast reads (NULL when it is not a number).
    """
    t, s, neg = f"{f}__t", f"_{f}_s", f"_{f}_neg"
    residue = f"{t} IS NOT NULL AND NOT regexp_matches({t}, {_lit(_PLAIN)}) AND strpos({t}, '%') = 0"
    s0 = f"trim(regexp_replace(trim({t}, {_lit(WS)}), {_lit(_CURRENCY)}, '', 'g'), {_lit(WS)})"
    layer1 = f"CASE WHEN {residue} THEN {s0} END AS {s}0"
    paren = f"regexp_matches({s}0, '^[(].*[)]$')"
    inner = f"CASE WHEN {paren} THEN substr({s}0, 2, length({s}0) - 2) ELSE {s}0 END"
    layer2 = (f"regexp_replace({inner}, {_lit(_SPACES)}, '', 'g') AS {s}, "
              f"COALESCE({paren}, FALSE) AS {neg}")
    comma, dot = f"strpos({s}, ',') > 0", f"strpos({s}, '.') > 0"
    last_comma = f"strpos(reverse({s}), ',') < strpos(reverse({s}), '.')"
    layer3 = f"""CASE
      WHEN {s} IS NULL THEN NULL
      WHEN regexp_matches({s}, {_lit(_SCI)}) THEN replace({s}, ',', '.')
      WHEN {comma} AND {dot} AND {last_comma} AND regexp_matches({s}, '^[+-]?[0-9]{{1,3}}([.][0-9]{{3}})+,[0-9]*$')
        THEN replace(replace({s}, '.', ''), ',', '.')
      WHEN {comma} AND {dot} AND NOT ({last_comma}) AND regexp_matches({s}, '^[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+[.][0-9]*$')
        THEN replace({s}, ',', '')
      WHEN {comma} AND {dot} THEN NULL
      WHEN {comma} AND regexp_matches({s}, '^[+-]?[0-9]{{1,3}}(,[0-9]{{3}}){{2,}}$') THEN replace({s}, ',', '')
      WHEN {comma} THEN replace({s}, ',', '.')
      WHEN {dot} AND regexp_matches({s}, '^[+-]?[0-9]{{1,3}}([.][0-9]{{3}}){{2,}}$') THEN replace({s}, '.', '')
      ELSE {s} END AS _{f}_c"""
    return [layer1, layer2, layer3]


def _number_value(f: str) -> str:
    """The number of a text cell from the layers of :func:`_number_layers` (NULL: blank or not a number)."""
    t, c = f"{f}__t", f"_{f}_c"
    ok = (f"(regexp_matches({c}, '^[+-]?([0-9]+([.][0-9]+)?|[.][0-9]+)$') "
          f"OR regexp_matches({c}, '^[+-]?[0-9]+([.][0-9]+)?[eE][+-]?[0-9]+$'))")
    return (f"CASE WHEN regexp_matches({t}, {_lit(_PLAIN)}) THEN TRY_CAST({t} AS DOUBLE) "
            f"WHEN {c} IS NOT NULL AND {ok} THEN CASE WHEN _{f}_neg THEN -TRY_CAST({c} AS DOUBLE) "
            f"ELSE TRY_CAST({c} AS DOUBLE) END END")


# ----------------------------------------------------------------------------
# dates: a regular expression per format, integers for the rest
# ----------------------------------------------------------------------------
def _swappable(fmt: str) -> bool:
    """A format whose first field is the day or the month (``%d/%m/%Y``, ``%m/%d/%Y``)."""
    return "%d" in fmt and "%m" in fmt and fmt.lstrip("%")[:1] in ("d", "m")


def day_first(formats: list[str]) -> bool | None:
    """Whether the first format that starts with a day or a month starts with the day (None: no such format)."""
    first = next((f for f in formats if _swappable(f)), None)
    return None if first is None else first.index("%d") < first.index("%m")


def swap_day_month(formats: list[str]) -> list[str]:
    """The formats with day and month swapped where one of them comes first: ``%d/%m/%Y`` <-> ``%m/%d/%Y``."""
    out = []
    for f in formats:
        if _swappable(f):
            f = f.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
        out.append(f)
    return out


# ----------------------------------------------------------------------------
# the lines, parsed and checked
# ----------------------------------------------------------------------------
@dataclass
class Options:
    """What the plan needs besides the source: formats, bounds and the windows (days since 1970)."""

    formats: list[str]
    max_amount: float = MAX_AMOUNT
    ref_day: int | None = None  # the reference day; None: no windows
    cur_day: int | None = None  # ref - 12 months
    prev_day: int | None = None  # ref - 24 months
    outlier_day: int | None = None  # dates after this day are far beyond the rest
    swapped: list[int] = field(default_factory=list)  # files (their numbers) whose dates are read day/month swapped
    swapped_files: list[str] = field(default_factory=list)  # the same files by name
    sample: int = 20


def _formats_list(formats: list[str]) -> str:
    return "[" + ", ".join(_lit(f) for f in formats) + "]"


def _dated_src(shape: Shape, opt: Options) -> str:
    """``src`` with the date text trimmed (``_dt``) and read by the first format that reads it (``_ts``)."""
    if not shape.has_text("date"):
        return "SELECT * FROM src"
    ws = _lit(f"^[^{WS}](.*[^{WS}])?$")
    trimmed = f"CASE WHEN regexp_matches(date__t, {ws}) THEN date__t ELSE trim(date__t, {_lit(WS)}) END"
    ts = f"try_strptime(_dt, {_formats_list(opt.formats)})"
    if opt.swapped:
        files = ", ".join(str(int(f)) for f in opt.swapped)
        ts = f"CASE WHEN _file IN ({files}) THEN try_strptime(_dt, {_formats_list(swap_day_month(opt.formats))}) ELSE {ts} END"
    return f"SELECT *, {ts} AS _ts FROM (SELECT *, {trimmed} AS _dt FROM src) AS t0"


def _date_sql(shape: Shape, opt: Options) -> tuple[str, str, str]:
    """SQL over :func:`_dated_src` for a line's date: (microseconds, year * 12 + month - 1, blank).

    The microseconds are NULL when no format reads the text or the date falls outside 1900-2199.
    """
    text = shape.has_text("date")
    ok = "_ts >= CAST('1900-01-01' AS TIMESTAMP) AND _ts < CAST('2200-01-01' AS TIMESTAMP)"
    us, ym = ((f"CASE WHEN {ok} THEN epoch_us(_ts) END", f"CASE WHEN {ok} THEN year(_ts) * 12 + month(_ts) - 1 END")
              if text else ("NULL", "NULL"))
    blank = _blank("date__t")
    if shape.typed.get("date") == "timestamp":
        in_range = f"date__us >= {-_SHIFT_US} AND date__us < {_US_2200}"
        typed_us = f"CASE WHEN {in_range} THEN date__us END"
        typed_ym = f"CASE WHEN {in_range} THEN date__ym END"
        if text:
            us, ym = f"COALESCE({typed_us}, {us})", f"COALESCE({typed_ym}, {ym})"
            blank = f"(date__us IS NULL AND {blank})"
        else:
            us, ym, blank = typed_us, typed_ym, "(date__us IS NULL)"
    return f"CAST({us} AS BIGINT)", f"CAST({ym} AS INTEGER)", blank


def _day(us: str) -> str:
    return f"(({us} + {_SHIFT_US}) // {_DAY_US} - {_SHIFT_DAYS})"


def _number_sql(shape: Shape, f: str) -> tuple[str, str]:
    """SQL for a number field: (value, NULL when blank or bad; blank)."""
    text = shape.has_text(f)
    value = _number_value(f) if text else "NULL"
    blank = _blank(f"{f}__t")
    if shape.typed.get(f) == "number":
        typed = f"CASE WHEN isnan({f}__n) THEN NULL ELSE {f}__n END"
        if text:
            value, blank = f"COALESCE({typed}, {value})", f"(({f}__n IS NULL OR isnan({f}__n)) AND {blank})"
        else:
            value, blank = typed, f"({f}__n IS NULL OR isnan({f}__n))"
    return f"CAST({value} AS DOUBLE)", blank


def _cell_columns(shape: Shape, f: str) -> dict[str, str]:
    """The columns of ``src`` holding field ``f``'s cells as written, by kind: "text", "number", "stamp"."""
    if f not in shape.fields:
        return {}
    cols = {"text": f"{f}__t"} if shape.has_text(f) else {}
    if shape.typed.get(f) == "number":
        cols["number"] = f"{f}__n"
    if shape.typed.get(f) == "timestamp":
        cols["stamp"] = "date__us"
    return cols


def _raw_columns(shape: Shape) -> list[str]:
    """The cells the report quotes, carried through the plan as they are in the source."""
    cols = [c for f in ("date", *_NUMBER_FIELDS) for c in _cell_columns(shape, f).values()]
    if shape.quotes:
        cols.append("_quote__t")
    return cols


def _lines_sql(shape: Shape, opt: Options, where: str | None = None) -> str:
    """CTEs ``parsed`` and ``checked``: each line's client text, us, ym, day, amount, cost, flags."""
    has = shape.fields
    us, ym, date_blank = _date_sql(shape, opt)
    cols = ["_file", "_row", "client_id__t AS client_raw",
            "service_category__t AS cat_raw" if "service_category" in has else "CAST(NULL AS VARCHAR) AS cat_raw",
            f"{_blank('client_id__t')} AS client_blank", f"{us} AS us", f"{ym} AS ym",
            f"{date_blank} AS date_blank"]
    blanks = ["client_blank", "date_blank"]
    for f in _NUMBER_FIELDS:
        if f in has:
            value, blank = _number_sql(shape, f)
            cols += [f"{value} AS {f}_v", f"{blank} AS {f}_blank"]
            blanks.append(f"{f}_blank")
    extra = [_blank(f"{f}__t") for f in ("service_category", "invoice_id") if f in has]
    # the other columns are looked at only when the line has no client, date nor amount
    primary = " AND ".join(b if b != "client_blank" else _blank("client_id__t") for b in blanks)
    primary = primary.replace("date_blank", date_blank)
    for f in _NUMBER_FIELDS:
        if f in has:
            primary = primary.replace(f"{f}_blank", _number_sql(shape, f)[1])
    cols.append(f"(CASE WHEN {primary} THEN {' AND '.join(extra) if extra else 'TRUE'} ELSE FALSE END) AS blank_line")
    cols += _raw_columns(shape)
    relation = f"({_dated_src(shape, opt)}) AS dated"
    if where:
        relation = relation.replace("FROM src", f"FROM (SELECT * FROM src WHERE {where}) AS s")
    layered = [f for f in _NUMBER_FIELDS if f in has and shape.has_text(f)]
    for i in range(3):
        if layered:
            relation = f"(SELECT *, {', '.join(_number_layers(f)[i] for f in layered)} FROM {relation}) AS n{i}"
    parsed = f"SELECT {', '.join(cols)} FROM {relation}"

    lim = f"CAST({float(opt.max_amount)!r} AS DOUBLE)"
    bits = [f"CASE WHEN client_blank THEN {KINDS['client_blank'].bit} ELSE 0 END",
            f"CASE WHEN date_blank THEN {KINDS['date_blank'].bit} WHEN us IS NULL THEN {KINDS['date_bad'].bit} "
            "ELSE 0 END"]
    if "amount" in has:
        amount = "amount_v"
        bits.append(f"CASE WHEN amount_blank THEN {KINDS['amount_blank'].bit} WHEN amount_v IS NULL THEN "
                    f"{KINDS['amount_bad'].bit} WHEN NOT (abs(amount_v) <= {lim}) THEN {KINDS['amount_huge'].bit} "
                    "ELSE 0 END")
    else:
        amount = "quantity_v * unit_price_v"
        for f in ("quantity", "unit_price"):
            bits.append(f"CASE WHEN {f}_blank THEN {KINDS[f + '_blank'].bit} WHEN {f}_v IS NULL THEN "
                        f"{KINDS[f + '_bad'].bit} ELSE 0 END")
        bits.append(f"CASE WHEN quantity_v IS NOT NULL AND unit_price_v IS NOT NULL AND "
                    f"NOT (abs(quantity_v * unit_price_v) <= {lim}) THEN {KINDS['product_huge'].bit} ELSE 0 END")
    extras = {}
    for f in ("cost", "margin"):
        if f in has:
            bits.append(f"CASE WHEN NOT {f}_blank AND ({f}_v IS NULL OR NOT (abs({f}_v) <= {lim})) "
                        f"THEN {KINDS[f + '_bad'].bit} ELSE 0 END")
            extras[f] = f"CASE WHEN abs({f}_v) <= {lim} THEN {f}_v END"
        else:
            extras[f] = "NULL"
    if opt.outlier_day is not None:
        bits.append(f"CASE WHEN {_day('us')} > {int(opt.outlier_day)} THEN {KINDS['date_outlier'].bit} ELSE 0 END")
    flags = f"CASE WHEN blank_line THEN {BLANK} ELSE {' + '.join(bits)} END"
    if shape.quotes:  # a line a stray quote opened is that problem alone: its cells are not what was meant
        flags = f"CASE WHEN _quote__t IS NOT NULL THEN {KINDS['stray_quote'].bit} ELSE {flags} END"
    raw = "".join(f", {c}" for c in _raw_columns(shape))
    checked = (f"SELECT _file, _row, client_raw, cat_raw, us, ym, {_day('us')} AS day, {amount} AS amount, "
               f"CAST({extras['cost']} AS DOUBLE) AS cost, CAST({extras['margin']} AS DOUBLE) AS margin, "
               f"{flags} AS flags{raw} FROM parsed")
    return f"parsed AS ({parsed}), checked AS ({checked})"


def dates_query(shape: Shape, opt: Options) -> str:
    """Lines per file and day of their date, from the date column alone, with the largest first and second
    fields of the dates written ``N/N/YYYY`` (summed per file by the caller).

    The second tells whether a file writes days or months first; the first gives the
    reference date and the dates far beyond the rest.
    """
    us, _, _ = _date_sql(shape, opt)
    if shape.has_text("date") and any(_swappable(f) for f in opt.formats):
        t = "_dt"
        slash = f"regexp_matches({t}, '^[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-][0-9]{{4}}')"
        first = f"CASE WHEN {slash} THEN CAST(regexp_extract({t}, '^([0-9]{{1,2}})', 1) AS INTEGER) END"
        second = (f"CASE WHEN {slash} THEN CAST(regexp_extract({t}, '^[0-9]{{1,2}}[/.-]([0-9]{{1,2}})', 1) "
                  "AS INTEGER) END")
    else:
        first = second = "CAST(NULL AS INTEGER)"
    # one GROUP BY, no grouping sets (DuckDB would keep every line for them): the per-file figures are summed after
    return f"""SELECT _file, day, count(day) AS n, count(*) AS n_rows, max(first) AS first_max,
                      max(second) AS second_max, count(first) AS n_ambiguous
               FROM (SELECT _file, {_day(us)} AS day, {first} AS first, {second} AS second
                     FROM ({_dated_src(shape, opt)}) AS dated) AS d
               GROUP BY _file, day"""


#: Lines with a problem are counted per block of this many rows: the sample query reads only the first blocks.
BLOCK = 1 << 16


def _clean_sql(col: str, *, id_rule: bool) -> str:
    """An id or a category as written -> as loaded: stripped, ``17850.0`` as ``17850`` (``id_rule``), '' as NULL."""
    plain = f"{col} >= '!' AND {col} < '~~' AND right({col}, 1) >= '!' AND right({col}, 1) <= '~'"
    t = f"CASE WHEN {plain} THEN {col} ELSE trim({col}, {_lit(WS)}) END"
    if id_rule:
        t = (f"CASE WHEN regexp_matches({t}, '^[0-9]+[.]0+$') THEN substr({t}, 1, strpos({t}, '.') - 1) "
             f"ELSE {t} END")
    return f"NULLIF({t}, '')"


def tables_query(shape: Shape, opt: Options) -> str:
    """Every line checked and summed in one pass: the sums per client, month, category, window, file and flags.

    A table the size of the per-client tables, whatever the number of lines: the
    lines not loaded have no place in the client tables and group by file, flags and
    block of rows (:data:`BLOCK`), which tells the sample query where their first
    lines are. Ids and categories are grouped as written, then cleaned on this small
    table (:func:`_clean_sql`); :mod:`~portfolio_analysis.load.history` rolls it up
    into the per-client tables (per month, per category over the windows, per file).
    """
    if opt.ref_day is None:
        window = "0"
    else:
        window = (f"CASE WHEN day > {opt.cur_day} AND day <= {opt.ref_day} THEN 1 "
                  f"WHEN day > {opt.prev_day} AND day <= {opt.cur_day} THEN 2 ELSE 0 END")
    costs = [f for f in ("cost", "margin") if f in shape.fields]
    fine = ["sum(amount) AS billing", "count(*) AS n", "min(us) AS first_us", "max(us) AS last_us",
            "count(CASE WHEN amount < 0 THEN 1 END) AS n_credit"]
    for f in ("cost", "margin"):
        fine += ([f"sum({f}) AS {f}", f"count({f}) AS n_{f}"] if f in costs
                 else [f"CAST(NULL AS DOUBLE) AS {f}", f"CAST(0 AS BIGINT) AS n_{f}"])
    # window, file, flags and block packed in one integer key: the hash of one integer beats that of four.
    # The lines without a problem are summed across files (file -1: the dates query counts the lines per
    # file); the lines not loaded have no client, month nor category: they sum per file, flags and block.
    kept = f"(flags & {ERRORS + BLANK}) = 0"
    block = f"CASE WHEN flags <> 0 AND (flags & {BLANK}) = 0 THEN _row // {BLOCK} + 1 ELSE 0 END"
    file = "CASE WHEN flags = 0 THEN -1 ELSE _file END"
    pack = f"((CAST({block} AS BIGINT) * {1 << 20} + ({file} + 1)) * {1 << 16} + flags) * 4 + {window}"
    return f"""WITH {_lines_sql(shape, opt)},
    fine AS (SELECT client_raw, ym, cat_raw, pack, {", ".join(fine)}
             FROM (SELECT CASE WHEN {kept} THEN client_raw END AS client_raw,
                          CASE WHEN {kept} THEN ym END AS ym, CASE WHEN {kept} THEN cat_raw END AS cat_raw,
                          {pack} AS pack, amount, us, cost, margin FROM checked) AS k
             GROUP BY client_raw, ym, cat_raw, pack)
    SELECT {_clean_sql("client_raw", id_rule=True)} AS client, ym,
           COALESCE({_clean_sql("cat_raw", id_rule=False)}, '{UNSPECIFIED}') AS cat,
           CAST(pack % 4 AS INTEGER) AS win, CAST((pack // 4) % {1 << 16} AS INTEGER) AS flags,
           CAST((pack // {1 << 18}) % {1 << 20} AS INTEGER) - 1 AS _file,
           CASE WHEN pack // {1 << 38} > 0 THEN pack // {1 << 38} - 1 END AS block,
           billing, n, first_us, last_us, n_credit, cost, n_cost, margin, n_margin
    FROM fine"""


def rollup_queries() -> dict[str, str]:
    """The per-client tables and the counts per file, from the sums of :func:`tables_query` kept as ``fine``."""
    kept = f"(flags & {ERRORS + BLANK}) = 0"
    return {
        "files": """SELECT _file, flags, block, sum(n) AS n_all, min(first_us) AS first_us, max(last_us) AS last_us,
                           sum(n_credit) AS n_credit
                    FROM fine GROUP BY _file, flags, block""",
        "months": f"""SELECT client, ym, sum(billing) AS billing FROM fine WHERE {kept}
                      GROUP BY client, ym ORDER BY client, ym""",
        "clients": f"""SELECT client, sum(n) AS n_lines, min(first_us) AS first_us, max(last_us) AS last_us
                       FROM fine WHERE {kept} GROUP BY client ORDER BY client""",
        "years": f"""SELECT client, ym // 12 AS year, sum(billing) AS billing FROM fine WHERE {kept}
                     GROUP BY client, ym // 12 ORDER BY client, year""",
        "windows": f"""SELECT client, cat, win, sum(billing) AS billing, sum(cost) AS cost, sum(n_cost) AS n_cost,
                              sum(margin) AS margin, sum(n_margin) AS n_margin
                       FROM fine WHERE {kept} AND win > 0 GROUP BY client, cat, win ORDER BY client, cat, win""",
        "categories": f"""SELECT ym // 12 AS year, cat, sum(billing) AS billing FROM fine WHERE {kept}
                          GROUP BY ym // 12, cat ORDER BY year, cat""",
    }


def sample_query(shape: Shape, opt: Options, bits: list[int], rows: dict[int, int] | None = None) -> str:
    """The first ``opt.sample`` lines of each kind of problem in ``bits``, in file and row order.

    ``rows`` (file number -> row) bounds the lines read: those before it hold the sample.
    """
    kinds = [k for k in KINDS.values() if k.bit in bits]
    values = ", ".join(f"({k.bit})" for k in kinds)
    text, number, stamp = [], [], []
    for k in kinds:
        f = k.value
        if f == "quote":
            text.append(f"WHEN {k.bit} THEN _quote__t")
            continue
        whens = {"text": text, "number": number, "stamp": stamp}
        for kind, col in (_cell_columns(shape, f) if f is not None else {}).items():
            whens[kind].append(f"WHEN {k.bit} THEN {col}")

    def case(whens: list[str], kind: str) -> str:
        return f"CASE k.bit {' '.join(whens)} END" if whens else f"CAST(NULL AS {kind})"

    where = None
    if rows:
        where = " OR ".join(f"(_file = {int(f)} AND _row < {int(r)})" for f, r in sorted(rows.items()))
    return f"""WITH {_lines_sql(shape, opt, where)}
    SELECT bit, _file, _row, text, number, stamp FROM (
      SELECT k.bit, c._file, c._row, {case(text, 'VARCHAR')} AS text, {case(number, 'DOUBLE')} AS number,
             {case(stamp, 'BIGINT')} AS stamp,
             row_number() OVER (PARTITION BY k.bit ORDER BY c._file, c._row) AS rank
      FROM checked AS c CROSS JOIN (VALUES {values}) AS k(bit)
      WHERE c.flags <> 0 AND (c.flags & {BLANK}) = 0 AND (c.flags & k.bit) <> 0) AS ranked
    WHERE rank <= {int(opt.sample)}"""


def to_dialect(sql: str, dialect: str) -> str:
    """The plan in ``dialect``: ``duckdb`` as written, another through SQLGlot.

    Two functions have no counterpart SQLGlot knows: ``try_strptime(text, [formats])``
    becomes the first of ``try_to_timestamp(text, format)`` that reads the text (the
    formats converted by SQLGlot's own mapping, days and months of one or two
    digits), and ``epoch_us`` becomes ``unix_micros``.
    """
    if dialect == "duckdb":
        return sql
    import sqlglot
    from sqlglot import exp

    target = sqlglot.Dialect.get_or_raise(dialect)

    def spark_format(fmt: str) -> str:
        converted = sqlglot.transpile(f"SELECT strptime(x, {_lit(fmt)})", read="duckdb", write=dialect)[0]
        return converted.split(", '", 1)[1].rsplit("')", 1)[0].replace("''", "'")

    def rewrite(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "try_strptime":
            text, formats = node.expressions
            fmts = [e.this for e in formats.expressions] if isinstance(formats, exp.Array) else [formats.this]
            calls = [exp.Anonymous(this="try_to_timestamp",
                                   expressions=[text.copy(), exp.Literal.string(spark_format(f))]) for f in fmts]
            return calls[0] if len(calls) == 1 else exp.Coalesce(this=calls[0], expressions=calls[1:])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
            return exp.Anonymous(this="unix_micros", expressions=node.expressions)
        return node

    tree = sqlglot.parse_one(sql, read="duckdb").transform(rewrite)
    return tree.sql(dialect=target)
