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

# %% [markdown] tags=["lang-en"]
# # 5 · Where the profit comes from
#
# The article's warning: *a small number of clients really make the profit*. The **whale curve**
# ranks clients from the most to the least profitable and plots the cumulative profit, as a share of
# the total, against the cumulative share of clients. It climbs above 100 % while profitable clients
# are added, peaks, then falls back to 100 % as the loss-making clients eat into it: the height of
# the peak is what the portfolio would earn without its loss-making tail.
#
# Then the **concentration of billing**: how much of it rests on a few clients (Pareto / ABC classes,
# Gini and Herfindahl–Hirschman indices, the shares of the largest clients), and which clients reach
# 10 % of billing — the threshold at which IFRS 8 and ASC 280 require a company to disclose its
# reliance on a major customer.

# %% [markdown] tags=["lang-fr"]
# # 5 · D'où vient le bénéfice
#
# L'avertissement de l'article : *un petit nombre de clients réalisent réellement des bénéfices*. La
# **courbe de la baleine** classe les clients du plus rentable au moins rentable et trace le bénéfice
# cumulé, en part du total, en fonction de la part cumulée des clients. Elle monte au-dessus de 100 %
# tant que s'ajoutent des clients rentables, atteint un pic, puis redescend à 100 % à mesure que les
# clients déficitaires l'entament : la hauteur du pic est ce que gagnerait le portefeuille sans ses
# clients déficitaires.
#
# Puis la **concentration de la facturation** : quelle part repose sur quelques clients (classes de
# Pareto / ABC, indices de Gini et de Herfindahl–Hirschman, parts des plus gros clients), et quels
# clients atteignent 10 % de la facturation — le seuil à partir duquel IFRS 8 et ASC 280 imposent à
# une entreprise de publier sa dépendance envers un client important.

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
import pandas as pd

from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.plots import concentration as plots

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir)
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct

# %% [markdown] tags=["lang-en"]
# ## The whale curve

# %% [markdown] tags=["lang-fr"]
# ## La courbe de la baleine

# %%
w = a.facts["whale"]
if w is not None:
    ax = plots.plot_whale_curve(a.whale_curve, lang=lang)
    page.figure(ax.figure, "whale_curve")

# %%
if w is None:
    why = a.facts["whale_error"]
    if why["reason"] == "no_profit_figures":
        text = _("**No whale curve**: no client has a profit figure (a profit, a margin, or a profitability level "
                 "with billing). The concentration of billing below still holds.")
    else:
        text = _("**No whale curve**: the {n} clients with a profit figure make {total} together, which is not a "
                 "profit, so no client can be shown as a share of it. The concentration of billing below still "
                 "holds.").format(n=num(why["n_clients"]), total=num(why["total_profit"]))
else:
    at_peak, peak, n_loss = w["clients_at_peak_pct"], w["peak_pct"], w["n_loss_making"]
    text = _("The most profitable **{at_peak} of clients make {peak} of the total profit** of {total}.").format(
        at_peak=pct(at_peak), peak=pct(peak), total=num(w["total_profit"]))
    if n_loss:
        text += " " + L.plural(
            "The other {rest} of clients bring it back down to 100 %: {n} client makes a loss that costs {cost} "
            "of the total profit.",
            "The other {rest} of clients bring it back down to 100 %: {n} clients make losses that together cost "
            "{cost} of the total profit.", n_loss).format(rest=pct(100 - at_peak), n=num(n_loss), cost=pct(w["loss_tail_cost_pct"]))
    else:
        text += " " + _("No client makes a loss.")
    if w["profit_is_estimated"]:
        text += " " + L.plural(
            "**Profit is estimated** for {n} client from its billing and a margin per profitability level: read "
            "these figures as orders of magnitude.",
            "**Profit is estimated** for {n} clients from their billing and a margin per profitability level: read "
            "these figures as orders of magnitude.", w["n_estimated"]).format(n=num(w["n_estimated"]))
    if w["n_excluded"]:
        text += " " + L.plural("{n} client has no profit figure and is left out.",
                               "{n} clients have no profit figure and are left out.",
                               w["n_excluded"]).format(n=num(w["n_excluded"]))
page.md(text)

# %%
if w is not None and w["n_loss_making"]:  # the clients that lose the most
    worst = (a.whale_curve[a.whale_curve["profit"] < 0].sort_values("profit").head(10)
             .merge(a.clients[["client_id", "name", "billing"]], on="client_id"))
    display(page.table(worst, columns={"client_id": N_("Client ID"), "name": N_("Client"), "billing": N_("Billing"),
                                       "profit": N_("Profit")}, decimals={"billing": 0, "profit": 0}))

# %% [markdown] tags=["lang-en"]
# ## How concentrated is the billing?

# %% [markdown] tags=["lang-fr"]
# ## La facturation est-elle concentrée ?

# %%
s = a.facts["concentration"]
ax = plots.plot_lorenz(a.lorenz, cutoffs=s["abc_cutoffs"], gini=s["gini"], lang=lang)
page.figure(ax.figure, "billing_concentration")

# %%
counts, majors = s["abc_counts"], s["major_customer_ids"]
text = _("Billing of {total} over {n} clients. Class **A** — the largest clients up to {cut} of billing — holds "
         "{a} clients; class B {b} and class C {c}. The largest client brings {top1} of billing, the 5 largest "
         "{top5} and the 10 largest {top10}.").format(
    total=num(s["total_billing"]), n=num(s["n_clients"]), cut=pct(s["abc_cutoffs"][0]), a=num(counts["A"]),
    b=num(counts["B"]), c=num(counts["C"]), top1=pct(s["top_1_pct"], 1), top5=pct(s["top_5_pct"], 1),
    top10=pct(s["top_10_pct"], 1))
text += " " + _("The Gini index of billing is {gini} (0 when every client bills the same, near 1 when one client "
                "bills everything) and the Herfindahl–Hirschman index {hhi} out of {max}: billing is as concentrated "
                "as if {equal} clients billed the same.").format(
    gini=num(s["gini"], 2), hhi=num(s["hhi"]), max=num(10000), equal=num(s["equivalent_number"]))
if s["n_negative_billing"]:
    text += " " + L.plural("{n} client whose credit notes exceed its sales over the period is left out of these "
                           "measures, which are shares of a positive total.",
                           "{n} clients whose credit notes exceed their sales over the period are left out of these "
                           "measures, which are shares of a positive total.", s["n_negative_billing"]).format(
        n=num(s["n_negative_billing"]))
names = page.client_names()
if majors:
    text += " " + L.plural(
        "**{n} client reaches {major} of billing** ({names}): a dependence to disclose and to manage.",
        "**{n} clients reach {major} of billing** ({names}): a dependence to disclose and to manage.",
        len(majors)).format(n=num(len(majors)), major=pct(s["major_customer_pct"]),
                            names=", ".join(page.esc(names.get(m, m)) for m in majors))
else:
    text += " " + _("No client reaches {major} of billing: no single-customer dependence to disclose.").format(
        major=pct(s["major_customer_pct"]))
page.md(text)

# %%
abc_table = pd.DataFrame({"class": ["A", "B", "C"], "clients": [counts[k] for k in "ABC"],
                          "billing_pct": [s["abc_billing_pct"][k] for k in "ABC"]})
page.table(abc_table, columns={"class": N_("Class"), "clients": N_("Clients"), "billing_pct": N_("Billing (%)")},
           decimals={"clients": 0, "billing_pct": 1})
