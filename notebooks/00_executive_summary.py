# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
clients = "../data/sample/clients.csv"
invoices = "../data/sample/invoices.csv"
contacts = "../data/sample/contacts.csv"
config = None  # the company's YAML (weights, levels, settings), or None
overrides = []  # KEY=VALUE settings, as the report's --set
mapping = {}
sheet = None
company = "Sample Company"
lang = "en"
out_dir = None  # the deliverable folder; None writes nothing
strict = False
analysis_dir = None  # the report's saved analysis; None computes it here (or reuses the cached one)

# %%
import matplotlib.pyplot as plt

from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.deliver.summary import headline, plan_table
from portfolio_analysis.i18n import action_name
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.plots.concentration import plot_whale_curve
from portfolio_analysis.plots.matrix import plot_portfolio_matrix

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir)
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct
h = headline(a)
page.md("# " + _("Customer portfolio analysis — {company}").format(company=page.esc(page.company)))
q, run = a.facts["quality"], a.run
facts = []  # the first screen: the data's period, the run's date, the currency
period = a.facts.get("reference_period") or run.get("reference_period")
if period and period.get("end"):
    facts.append(_("the last 12 months end on {end}").format(end=L.date(period["end"])))
if "first_invoice" in q:
    facts.append(_("invoices from {first} to {last}").format(first=L.date(q["first_invoice"]),
                                                            last=L.date(q["last_invoice"])))
if run.get("run_date"):
    facts.append(_("analysis of {date}").format(date=L.date(run["run_date"])))
currency = a.catalogue.settings["report"]["currency"]
if currency:
    facts.append(_("amounts in {currency}").format(currency=currency))
line = _("; ").join(facts)
page.md(f"*{line[:1].upper()}{line[1:]}.*" if line else "")

# %% [markdown] tags=["lang-en"]
# ## Executive summary
#
# This report evaluates every client of the company on the criteria of the customer-portfolio method
# (relationship, service needs, supplier-selection criteria, share of wallet, profitability, upsell
# potential, collaboration, outlook, R&D and learning, billing and its trend), shows where the profit
# really comes from, and recommends for each client whether to **develop**, **maintain**, **fix** or
# **end** the relationship. The detailed steps follow this summary.

# %% [markdown] tags=["lang-fr"]
# ## Synthèse
#
# Ce rapport évalue chaque client de l'entreprise selon les critères de la méthode du portefeuille
# clients (type de relation, besoins en service, critères de décision, part des achats, rentabilité,
# potentiel de ventes supplémentaires, facilité de collaboration, perspectives commerciales,
# collaboration en R&D et possibilités d'apprentissage, facturation et son évolution), montre d'où
# vient réellement le bénéfice, et recommande pour chaque client de **développer**, de **maintenir**
# ou de **redresser** la relation, ou d'y **mettre fin**. Les étapes détaillées suivent cette synthèse.

# %%
q, run = a.facts["quality"], a.run
lines = []
text = L.plural("**{n} client**", "**{n} clients**", h["n_clients"]).format(n=num(h["n_clients"]))
text += ", " + _("billing {billing} over the last 12 months").format(billing=num(h["total_billing"]))
if h["total_profit"] is not None:
    text += (", " + _("profit {profit}").format(profit=num(h["total_profit"]))
             + (" " + _("(estimated from profitability levels)") if h["profit_is_estimated"] else ""))
lines.append("- " + text + ".")
if h["whale_peak_pct"] is not None:
    text = _("**Where the profit comes from**: the most profitable {at_peak} of clients make {peak} of it").format(
        at_peak=pct(h["clients_at_peak_pct"]), peak=pct(h["whale_peak_pct"]))
    n_loss = h["loss_making_clients"]
    text += (_("; ") + L.plural("{n} loss-making client gives back {cost}.", "{n} loss-making clients give back {cost}.",
                             n_loss).format(n=num(n_loss), cost=pct(h["loss_tail_cost_pct"])) if n_loss else
             _("; ") + _("no client makes a loss."))
    lines.append("- " + text)
elif h["total_profit"] is None:
    lines.append("- " + _("**Profit**: the data hold no profit, margin or profitability level, so where the profit "
                          "comes from cannot be shown; add them to the register to see it."))
else:
    lines.append("- " + _("**The portfolio makes no profit overall** ({profit}): no client can be shown as a share of "
                          "the profit.").format(profit=num(h["total_profit"])))
counts = ", ".join(f"{action_name(k, lang)} {num(h['actions'][k])}" for k in ("develop", "maintain", "fix", "end")
                   if h["actions"][k])
keeps, lacking = h["strategic_keeps"], h["insufficient_data_clients"]
text = _("**Recommended actions**: {counts}.").format(counts=counts)
if keeps:
    text += " " + L.plural("{n} client that would be ended is kept for strategic reasons.",
                           "{n} clients that would be ended are kept for strategic reasons.", keeps).format(n=num(keeps))
if h["conditional_clients"]:
    text += " " + L.plural(
        "{n} loss-making client is kept as it is for strategic reasons, on condition that its economics are fixed "
        "(it loses {loss} a year).",
        "{n} loss-making clients are kept as they are for strategic reasons, on condition that their economics are "
        "fixed (together they lose {loss} a year).", h["conditional_clients"]).format(
        n=num(h["conditional_clients"]), loss=num(-h["conditional_profit"]))
text += " " + (L.plural("{n} client lacks the data to be judged and is never ended on missing data.",
                        "{n} clients lack the data to be judged and are never ended on missing data.",
                        lacking).format(n=num(lacking)) if lacking else
               _("Every client has enough data to be judged."))
lines.append("- " + text)
majors = h["clients_at_or_over_10pct"]
shares = h["top_clients_share_pct"]
text = _("**Concentration**: the largest client is {top1} of billing and the 10 largest {top10}.").format(
    top1=pct(shares["1"], 1), top10=pct(shares["10"], 1))
names = page.client_names()
text += " " + (L.plural("{n} client reaches 10 % of billing ({names}).", "{n} clients reach 10 % of billing ({names}).",
                        len(majors)).format(n=num(len(majors)), names=", ".join(page.esc(names.get(m, m)) for m in majors))
               if majors else _("No client reaches 10 % of billing."))
lines.append("- " + text)
if a.contacts.empty:
    lines.append("- " + _("**Relationship risks**: no contacts were given, so who carries each relationship is not known."))
else:
    fragile, risks = h["fragile_relationships"], h["key_person_risks"]
    text = (L.plural("**Relationship risks**: {n} relationship rests on a single person.",
                     "**Relationship risks**: {n} relationships rest on a single person.", fragile).format(
        n=num(fragile)) if fragile else _("**Relationship risks**: no relationship rests on a single person."))
    if risks:
        text += " " + L.plural("{names} carries a key-person share of the billing.",
                               "{names} each carry a key-person share of the billing.", len(risks)).format(
            names=", ".join(page.esc(r) for r in risks))
    lines.append("- " + text)
if h["retention_plus_value_change"] is not None and h["portfolio_value"]:
    lines.append("- " + _("**Retention**: at the implied {rate} a year, the portfolio is worth {value} in lifetime "
                          "value; keeping {points} points more clients would add {plus}.").format(
        rate=pct(h["annual_retention"] * 100, 1), value=num(h["portfolio_value"]),
        points=num(a.facts["retention"]["retention_uplift"] * 100), plus=num(h["retention_plus_value_change"])))
seg = a.facts["segmentation"]
seg_names = a.segment_profiles.sort_values("segment")["name"].astype(str)
if seg["status"] == "segmented":
    text = L.plural("**Segments**: {n} group of similar clients — {names}.",
                    "**Segments**: {n} groups of similar clients — {names}.", seg["n_clusters"]).format(
        n=num(seg["n_clusters"]), names=_("; ").join(page.esc(n) for n in seg_names))
    if seg["dominant"]:
        text += " " + _("They are the levels of {criterion}.").format(criterion=page.esc(page.label(seg["dominant"])))
else:
    text = (_("**Segments**: none — fewer than two criteria carry information.") if seg["status"] == "too_few_criteria"
            else _("**Segments**: none — the clients do not fall into groups that hold when resampled."))
lines.append("- " + text)
counts = [L.plural(one, many, n).format(n=num(n)) for one, many, n in (
    ("{n} error", "{n} errors", h["n_errors"]), ("{n} warning", "{n} warnings", h["n_warnings"])) if n]
rows = (_("{read} rows read, {rejected} rejected").format(read=num(h["rows_read"]), rejected=num(h["rows_rejected"]))
        if h["rows_rejected"] else _("{read} rows read, none rejected").format(read=num(h["rows_read"])))
text = (_("**Data**: {rows}; {problems} reported (see step 1).").format(rows=rows, problems=L.join(counts)) if counts
        else _("**Data**: {rows}; no problem found.").format(rows=rows))
if "first_invoice" in q:
    text += " " + _("Invoices from {first} to {last}.").format(first=L.date(q["first_invoice"]),
                                                              last=L.date(q["last_invoice"]))
lines.append("- " + text)
page.md("\n".join(lines))

# %%
m = a.facts["matrix"]
fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
plot_portfolio_matrix(a.actions, ax=axes[0], value_threshold=m["value_threshold"],
                      relationship_threshold=m["relationship_threshold"],
                      quadrants=a.catalogue.settings["actions"]["quadrants"], lang=lang)
if len(a.whale_curve):
    plot_whale_curve(a.whale_curve, ax=axes[1], lang=lang)
else:
    axes[1].set_axis_off()
page.figure(fig, "executive_summary")

# %% [markdown] tags=["lang-en"]
# ### The first relationships to act on

# %% [markdown] tags=["lang-fr"]
# ### Les premières relations sur lesquelles agir

# %%
first = plan_table(a).head(10)
page.table(first.assign(action=first["action"].map(lambda x: action_name(x, lang))),
           columns={"priority": N_("Priority"), "name": N_("Client"), "action": N_("Action"),
                    "condition": N_("Condition"), "owner": N_("Owner"),
                    "value_at_stake": N_("Annual profit at stake"), "levers": N_("Levers")},
           decimals={"value_at_stake": 0})
