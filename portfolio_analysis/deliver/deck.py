"""The deck for the meeting: ``deck.pptx``, editable slides in the report's language.

About eight slides — the summary in figures, the portfolio matrix, the whale curve, the
concentration of billing, the segments, the first actions, retention — built from the one
analysis and the figures the notebooks drew (``figures/*.png``). Texts are real text boxes
and tables real tables, so that a consultant can edit them; figures are pictures.
"""

from __future__ import annotations

from pathlib import Path

from portfolio_analysis.deliver.summary import headline, plan_table
from portfolio_analysis.i18n import action_name
from portfolio_analysis.i18n.language import language
from portfolio_analysis.pipeline import Analysis

WIDTH, HEIGHT = 13.333, 7.5  # inches: a 16:9 slide


def write_deck(analysis: Analysis, figures, path, *, company: str, lang: str = "en") -> Path:
    """Write ``deck.pptx`` from ``analysis`` and the PNG files in ``figures``; return its path."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    L = language(lang)
    _, num, pct = L.gettext, L.num, L.pct
    h = headline(analysis)
    figures = Path(figures)
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(WIDTH), Inches(HEIGHT)
    blank = deck.slide_layouts[6]

    def slide(title: str):
        s = deck.slides.add_slide(blank)
        box = s.shapes.add_textbox(Inches(0.5), Inches(0.3), Inches(WIDTH - 1), Inches(0.9))
        box.text_frame.text = title
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(28)
        box.text_frame.paragraphs[0].runs[0].font.bold = True
        return s

    def bullets(s, lines, *, left=0.6, top=1.4, width=WIDTH - 1.2, height=HEIGHT - 2.0, size=18):
        frame = s.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height)).text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            p.text = line
            p.font.size = Pt(size)
            p.space_after = Pt(8)

    def picture(s, name, *, left=0.6, top=1.3, height=HEIGHT - 1.7):
        file = figures / f"{name}.png"
        if file.is_file():
            s.shapes.add_picture(str(file), Inches(left), Inches(top), height=Inches(height))
            return True
        return False

    # 1 title
    s = slide(_("Customer portfolio analysis — {company}").format(company=company))
    period = (analysis.facts.get("reference_period") or {}).get("end")
    lines = [L.plural("{n} client", "{n} clients", h["n_clients"]).format(n=num(h["n_clients"]))]
    if period:
        lines.append(_("the last 12 months end on {end}").format(end=L.date(period)))
    if analysis.run.get("run_date"):
        lines.append(_("analysis of {date}").format(date=L.date(analysis.run["run_date"])))
    bullets(s, lines, top=2.0, size=22)

    # 2 the summary in figures
    s = slide(_("The portfolio in figures"))
    counts = ", ".join(f"{action_name(k, lang)} {num(h['actions'][k])}" for k in ("develop", "maintain", "fix", "end"))
    lines = [_("Billing over the last 12 months: {billing}").format(billing=num(h["total_billing"]))]
    if h["total_profit"] is not None:
        lines.append(_("Profit: {profit}").format(profit=num(h["total_profit"])))
    if h["whale_peak_pct"] is not None:
        lines.append(_("The most profitable {at_peak} of clients make {peak} of the profit").format(
            at_peak=pct(h["clients_at_peak_pct"]), peak=pct(h["whale_peak_pct"])))
    lines.append(_("Recommended actions: {counts}").format(counts=counts))
    shares = h["top_clients_share_pct"]
    lines.append(_("The 10 largest clients bring {share} of billing").format(share=pct(shares.get("10"), 1)))
    if h["portfolio_value"]:
        lines.append(_("Portfolio lifetime value: {value}").format(value=num(h["portfolio_value"])))
    bullets(s, lines)

    # 3-7 the figures
    for name, title in (("portfolio_matrix", _("The portfolio matrix")), ("whale_curve", _("Where the profit comes from")),
                        ("billing_concentration", _("How concentrated is the billing?")),
                        ("segment_profiles", _("Groups of similar clients")),
                        ("retention_scenarios", _("What retention is worth"))):
        if (figures / f"{name}.png").is_file():
            picture(slide(title), name)

    # 8 the first actions, as a table
    first = plan_table(analysis).head(10)
    s = slide(_("The first relationships to act on"))
    columns = [("priority", _("Priority")), ("name", _("Client")), ("action", _("Action")), ("owner", _("Owner")),
               ("value_at_stake", _("Annual profit at stake"))]
    rows, cols = len(first) + 1, len(columns)
    table = s.shapes.add_table(rows, cols, Inches(0.6), Inches(1.4), Inches(WIDTH - 1.2),
                               Inches(0.4 * rows)).table
    for j, (_key, header) in enumerate(columns):
        table.cell(0, j).text = header
    for i, row in enumerate(first.to_dict("records"), start=1):
        for j, (key, _header) in enumerate(columns):
            value = row.get(key)
            text = (action_name(value, lang) if key == "action" else num(value) if key in ("priority", "value_at_stake")
                    else "" if value is None or value != value else str(value))
            table.cell(i, j).text = text
    for i in range(rows):
        for j in range(cols):
            for p in table.cell(i, j).text_frame.paragraphs:
                p.font.size = Pt(12)
    path = Path(path)
    deck.save(path)
    return path
