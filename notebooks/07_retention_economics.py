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
# # 7 · Retention economics
#
# The article's figures, each of which can be changed (see the appendix): most companies
# lose **45–50 % of their clients in five years**; acquiring a client can cost **20 times** more than
# keeping one; a **5 % rise in retention can raise profit by 25–85 %**. The last is the literature's
# average over other companies: it is shown as a scenario, never as a prediction.
#
# A client's **lifetime value** is its annual profit *m* carried over the years it is expected to stay,
# discounted: with retention *r* and discount rate *d*, *m·r/(1+d−r)* — the first profit arrives a year
# from now, if the client is still there (so *r* = 0.8 and *d* = 10 % give 2.67 × *m*). The portfolio's
# value is the sum over its clients; a loss-making client's value is negative.

# %% [markdown] tags=["lang-fr"]
# # 7 · L'économie de la fidélisation
#
# Les chiffres de l'article, chacun modifiable (voir l'annexe) : la plupart des entreprises perdent **45 à 50 % de leurs clients en cinq ans** ; acquérir
# de nouveaux clients peut coûter **20 fois** plus cher que de conserver les clients existants ; **une
# augmentation de 5 % de la fidélisation des clients peut accroître les bénéfices de 25 à 85 %**. Ce
# dernier chiffre est une moyenne de la littérature sur d'autres entreprises : il est présenté comme
# un scénario, jamais comme une prévision.
#
# La **valeur vie client** est son bénéfice annuel *m* reporté sur les années pendant lesquelles il
# devrait rester, actualisé : avec un taux de fidélisation *r* et un taux d'actualisation *d*,
# *m·r/(1+d−r)* — le premier bénéfice arrive dans un an, si le client est toujours là (ainsi *r* = 0,8
# et *d* = 10 % donnent 2,67 × *m*). La valeur du portefeuille est la somme sur ses clients ; la valeur
# d'un client déficitaire est négative.

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
# this notebook's analysis parameters; None keeps the configuration's (the article's figures)
lost_share = None  # share of clients lost in `lost_years` (default [0.45, 0.50]; the midpoint is used)
lost_years = None  # default 5
discount_rate = None  # default 0.10
retention_uplift = None  # the "retention + 5 points" scenario (default 0.05)
acquisition_cost_multiple = None  # acquiring a client costs this many times keeping one (default 20)
literature_profit_uplift = None  # +5 % retention -> +25-85 % profit (default [0.25, 0.85]; an illustration)
weights = {}  # as in 03_scoring, for the clients to end

# %%
import matplotlib.pyplot as plt

from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.i18n.language import N_

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir, parameters={
                     "lost_share": lost_share, "lost_years": lost_years, "discount_rate": discount_rate,
                     "retention_uplift": retention_uplift, "acquisition_cost_multiple": acquisition_cost_multiple,
                     "literature_profit_uplift": literature_profit_uplift, "weights": weights})
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct
r = a.facts["retention"]

# %%
low, high = r["annual_retention_range"]
page.md(_("Losing {lost_low}–{lost_high} of clients in {years} years means keeping **{kept} of them each year** "
          "(between {low} and {high}): a churn of {churn} a year and an expected stay of {stay} years. At a "
          "{rate} discount rate, a client is worth **{multiple} times its annual profit**.").format(
    lost_low=pct(r["lost_share"][0] * 100), lost_high=pct(r["lost_share"][1] * 100), years=num(r["lost_years"]),
    kept=pct(r["annual_retention"] * 100, 1), low=pct(low * 100, 1), high=pct(high * 100, 1),
    churn=pct(r["annual_churn"] * 100, 1), stay=num(r["expected_lifetime_years"], 1), rate=pct(r["discount_rate"] * 100),
    multiple=num(r["lifetime_multiple"], 2)))

# %% [markdown] tags=["lang-en"]
# ## What the clients are worth

# %% [markdown] tags=["lang-fr"]
# ## Ce que valent les clients

# %%
values = a.lifetime_values
known = values.dropna(subset=["lifetime_value"])
total_value = r["portfolio_value"]
if len(known) and total_value and total_value > 0:
    top = known.sort_values("lifetime_value", ascending=False)
    n_top = max(1, round(len(top) / 10))
    negative = known[known["lifetime_value"] < 0]
    text = _("The portfolio is worth **{value}** in lifetime value.").format(value=num(total_value))
    text += " " + L.plural("Its most valuable client, a tenth of the clients, carries {share} of it.",
                           "Its {n} most valuable clients, a tenth of the clients, carry {share} of it.", n_top).format(
        n=num(n_top), share=pct(top["lifetime_value"].head(n_top).sum() / total_value * 100))
    if len(negative):
        text += " " + L.plural(
            "{n} client has a negative lifetime value: it costs {cost} over its expected stay if nothing changes.",
            "{n} clients have a negative lifetime value: together they cost {cost} over their expected stay if "
            "nothing changes.", len(negative)).format(n=num(len(negative)), cost=num(-negative["lifetime_value"].sum()))
    if known["profit_is_estimated"].any():
        text += " " + _("Profit is estimated for some clients: so is their value.")
elif len(known):
    text = _("The portfolio's lifetime value is {value}: its clients do not make a profit together, so it is worth "
             "nothing to keep them as they are.").format(value=num(total_value))
else:
    text = _("Without a profit figure for any client, their lifetime value cannot be computed.")
page.md(text)

# %% [markdown] tags=["lang-en"]
# ## Scenarios
#
# * **retention +5 points** — every client a little more likely to stay;
# * **losing the at-risk clients** — those whose relationship is at risk, whose outlook is failing or
#   whose billing fell by 10 % or more;
# * **ending the `end` clients** of the relationship plan — revenue lost, costs freed, profit change.
#   Costs only disappear if the resources serving those clients go too: fixed costs stay until they do;
# * **the literature's +25–85 %** — what the claim would mean here, as an illustration.

# %% [markdown] tags=["lang-fr"]
# ## Scénarios
#
# * **fidélisation +5 points** — chaque client un peu plus susceptible de rester ;
# * **perte des clients à risque** — ceux dont la relation est en danger, dont les perspectives
#   commerciales sont à l'échec ou dont la facturation a baissé de 10 % ou plus ;
# * **fin des relations** auxquelles le plan de relation client propose de mettre fin — chiffre
#   d'affaires perdu, coûts libérés, variation du bénéfice. Les coûts ne disparaissent que si les
#   ressources qui servent ces clients disparaissent aussi : les coûts fixes demeurent jusque-là ;
# * **les +25 à 85 % de la littérature** — ce que cette affirmation signifierait ici, à titre d'illustration.

# %%
up = pct(r["retention_uplift"] * 100, sign=True)
lit = [pct(x * 100, sign=True) for x in r["literature_profit_uplift"]]
labels = {
    "base": _("The portfolio as it is"),
    "retention_plus": _("Retention {up} points").format(up=num(r["retention_uplift"] * 100, sign=True)),
    "lose_at_risk": _("Losing the at-risk clients"),
    "end_clients": _("Ending the relationships to end"),
    "literature_low": _("Literature: {up} retention → {profit} profit (low end)").format(up=up, profit=lit[0]),
    "literature_high": _("Literature: {up} retention → {profit} profit (high end)").format(up=up, profit=lit[1]),
}
scenarios = a.retention_scenarios.assign(label=lambda d: d["scenario"].map(labels).fillna(d["label"]))
page.table(scenarios, columns={"label": N_("Scenario"), "n_clients": N_("Clients"), "billing_change": N_("Billing change"),
                               "profit_change": N_("Profit change"), "profit_change_pct": N_("Profit change (%)"),
                               "value_change": N_("Lifetime value change")},
           decimals={"n_clients": 0, "billing_change": 0, "profit_change": 0, "profit_change_pct": 1,
                     "value_change": 0})

# %%
data = scenarios[scenarios["scenario"] != "base"].dropna(subset=["profit_change"])
if len(data):
    fig, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
    short = {"literature_low": _("Literature, low end ({profit} profit)").format(profit=lit[0]),
             "literature_high": _("Literature, high end ({profit} profit)").format(profit=lit[1])}
    colours = ["#2E7D32" if v >= 0 else "#C62828" for v in data["profit_change"]]
    ax.barh(data["scenario"].map(short).fillna(data["label"]), data["profit_change"], color=colours)
    ax.axvline(0, color="#546E7A", linewidth=0.8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(lambda x, pos: num(x))
    ax.set_xlabel(_("change in annual profit"))
    ax.set_title(_("What each scenario does to profit"), loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    page.figure(fig, "retention_scenarios")

# %%
s = scenarios.set_index("scenario")
text = []
if "retention_plus" in s.index and s.loc["retention_plus", "value_change"] == s.loc["retention_plus", "value_change"]:
    x = s.loc["retention_plus"]
    text.append(_("Raising retention by {points} points adds **{value}** to the portfolio's value ({pct}).").format(
        points=num(r["retention_uplift"] * 100), value=num(x["value_change"]), pct=pct(x["value_change_pct"], sign=True)))
if "lose_at_risk" in s.index and s.loc["lose_at_risk", "n_clients"] > 0:
    x = s.loc["lose_at_risk"]
    text.append(L.plural(
        "Losing the {n} at-risk client would cost {billing} of billing and {profit} of profit a year ({pct}).",
        "Losing the {n} at-risk clients would cost {billing} of billing and {profit} of profit a year ({pct}).",
        x["n_clients"]).format(n=num(x["n_clients"]), billing=num(-x["billing_change"]),
                               profit=num(-x["profit_change"]), pct=pct(x["profit_change_pct"], 1, sign=True)))
if "end_clients" in s.index and s.loc["end_clients", "n_clients"] > 0:
    x = s.loc["end_clients"]
    text.append(L.plural(
        "Ending the {n} relationship to end gives up {billing} of billing, frees {freed} of costs *if the resources "
        "go*, and changes profit by {profit} a year.",
        "Ending the {n} relationships to end gives up {billing} of billing, frees {freed} of costs *if the resources "
        "go*, and changes profit by {profit} a year.", x["n_clients"]).format(
        n=num(x["n_clients"]), billing=num(-x["billing_change"]), freed=num(x["cost_freed"]),
        profit=num(x["profit_change"], sign=True)))
if {"literature_low", "literature_high"} <= set(s.index) and s.loc["literature_low", "profit_change"] > 0:
    text.append(_("If the literature's claim held here, {up} retention would mean {low} to {high} of profit — an "
                  "illustration, not a prediction.").format(
        up=up, low=num(s.loc["literature_low", "profit_change"], sign=True),
        high=num(s.loc["literature_high", "profit_change"], sign=True)))
page.md(" ".join(text) or _("Without profit figures, the scenarios cannot be valued."))
