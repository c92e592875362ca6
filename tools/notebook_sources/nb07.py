"""Source of a notebook: run it to rewrite the notebook, then `make notebooks` to execute it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
import nbformat
from nbtools import PARAMETERS, build

cells = [
("md-en", """
# 7 · Retention economics

The article's figures, each a parameter below with the article's value as default: most companies
lose **45–50 % of their clients in five years**; acquiring a client can cost **20 times** more than
keeping one; a **5 % rise in retention can raise profit by 25–85 %**. The last is the literature's
average over other companies: it is shown as a scenario you parameterise, never as a prediction.

A client's **lifetime value** is its annual profit *m* carried over the years it is expected to stay,
discounted: with retention *r* and discount rate *d*, *m·r/(1+d−r)* — the first profit arrives a year
from now, if the client is still there (so *r* = 0.8 and *d* = 10 % give 2.67 × *m*). The portfolio's
value is the sum over its clients; a loss-making client's value is negative.
"""),
("md-fr", """
# 7 · L'économie de la fidélisation

Les chiffres de l'article, chacun étant un paramètre ci-dessous qui prend par défaut la valeur de
l'article : la plupart des entreprises perdent **45 à 50 % de leurs clients en cinq ans** ; acquérir
de nouveaux clients peut coûter **20 fois** plus cher que de conserver les clients existants ; **une
augmentation de 5 % de la fidélisation des clients peut accroître les bénéfices de 25 à 85 %**. Ce
dernier chiffre est une moyenne de la littérature sur d'autres entreprises : il est présenté comme
un scénario que vous paramétrez, jamais comme une prévision.

La **valeur vie client** est son bénéfice annuel *m* reporté sur les années pendant lesquelles il
devrait rester, actualisé : avec un taux de fidélisation *r* et un taux d'actualisation *d*,
*m·r/(1+d−r)* — le premier bénéfice arrive dans un an, si le client est toujours là (ainsi *r* = 0,8
et *d* = 10 % donnent 2,67 × *m*). La valeur du portefeuille est la somme sur ses clients ; la valeur
d'un client déficitaire est négative.
"""),
("params", PARAMETERS + '''
lost_share = [0.45, 0.50]  # share of clients lost in `lost_years` (the article); the midpoint is used
lost_years = 5
discount_rate = 0.10
retention_uplift = 0.05  # the "retention + 5 points" scenario
acquisition_cost_multiple = 20  # acquiring a client costs this many times keeping one
literature_profit_uplift = [0.25, 0.85]  # +5 % retention -> +25-85 % profit (the literature; an illustration)
weights = {}  # as in 03_scoring, for the clients to end'''),
("code", """
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

from portfolio_analysis.steps import actions

from portfolio_analysis.steps import concentration

from portfolio_analysis.load import portfolio as loading

from portfolio_analysis.steps import retention

from portfolio_analysis.steps import scoring
from portfolio_analysis.i18n import numbers, plural, table, tr
from portfolio_analysis.deliver.tables import save_figure, save_table

num = numbers(lang)
portfolio = loading.load_portfolio(
    clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
    mapping=mapping, sheet=sheet,
)
cat = portfolio.catalogue
register = portfolio.clients
assumptions = retention.retention_assumptions(
    catalogue=cat, lost_share=tuple(lost_share), lost_years=lost_years, discount_rate=discount_rate,
    acquisition_cost_multiple=acquisition_cost_multiple, retention_uplift=retention_uplift,
    literature_profit_uplift=tuple(literature_profit_uplift),
)
profit = concentration.client_profit(register, catalogue=cat)
"""),
("code", """
a = assumptions
low, high = a["annual_retention_range"]
lost = (num(a["lost_share"][0] * 100), num(a["lost_share"][1] * 100), num(a["lost_years"]))
kept, churn, stay = num(a["annual_retention"] * 100, 1), num(a["annual_churn"] * 100, 1), num(a["expected_lifetime_years"], 1)
rate, multiple = num(a["discount_rate"] * 100), num(a["lifetime_multiple"], 2)
Markdown(tr(
    lang,
    en=f"Losing {lost[0]}–{lost[1]} % of clients in {lost[2]} years means keeping **{kept} % of them each year** "
    f"(between {num(low * 100, 1)} % and {num(high * 100, 1)} %): a churn of {churn} % a year and an expected stay of "
    f"{stay} years. At a {rate} % discount rate, a client is worth **{multiple} times its annual profit**.",
    fr=f"Perdre {lost[0]} à {lost[1]} % des clients en {lost[2]} ans revient à **en conserver {kept} % chaque année** "
    f"(entre {num(low * 100, 1)} % et {num(high * 100, 1)} %) : une attrition de {churn} % par an et une durée de "
    f"relation attendue de {stay} ans. Avec un taux d'actualisation de {rate} %, un client vaut **{multiple} fois son "
    "bénéfice annuel**.",
))
"""),
("md-en", "## What the clients are worth"),
("md-fr", "## Ce que valent les clients"),
("code", """
values = retention.client_lifetime_values(register, profit, retention=a["annual_retention"],
                                          discount_rate=a["discount_rate"], catalogue=cat)
total_value = retention.portfolio_value(values)
negative = values[values["lifetime_value"] < 0]
top = values.sort_values("lifetime_value", ascending=False)
top_share = top["lifetime_value"].head(max(1, round(len(top) / 10))).sum() / total_value * 100
estimated = bool(values["profit_is_estimated"].any())
Markdown(tr(
    lang,
    en=f"The portfolio is worth **{num(total_value)}** in lifetime value. The top 10 % of clients carry {num(top_share)} % "
    f"of it; {num(len(negative))} {plural(len(negative), 'client has', 'clients have', lang)} a negative lifetime value "
    f"(costing {num(-negative['lifetime_value'].sum())} over their expected stay if nothing changes)."
    + (" Profit is estimated for some clients: so is their value." if estimated else ""),
    fr=f"Le portefeuille vaut **{num(total_value)}** en valeur vie client. Les 10 % de clients les plus précieux en "
    f"portent {num(top_share)} % ; {num(len(negative))} {plural(len(negative), 'client a', 'clients ont', lang)} une "
    f"valeur vie client négative (un coût de {num(-negative['lifetime_value'].sum())} sur leur durée de relation "
    "attendue si rien ne change)."
    + (" Le bénéfice est estimé pour certains clients : leur valeur l'est donc aussi." if estimated else ""),
))
"""),
("md-en", """
## Scenarios

* **retention +5 points** — every client a little more likely to stay;
* **losing the at-risk clients** — those whose relationship is at risk, whose outlook is failing or
  whose billing fell by 10 % or more;
* **ending the `end` clients** of the relationship plan — revenue lost, costs freed, profit change.
  Costs only disappear if the resources serving those clients go too: fixed costs stay until they do;
* **the literature's +25–85 %** — what the claim would mean here, as an illustration.
"""),
("md-fr", """
## Scénarios

* **fidélisation +5 points** — chaque client un peu plus susceptible de rester ;
* **perte des clients à risque** — ceux dont la relation est en danger, dont les perspectives
  commerciales sont à l'échec ou dont la facturation a baissé de 10 % ou plus ;
* **fin des relations** auxquelles le plan de relation client propose de mettre fin — chiffre
  d'affaires perdu, coûts libérés, variation du bénéfice. Les coûts ne disparaissent que si les
  ressources qui servent ces clients disparaissent aussi : les coûts fixes demeurent jusque-là ;
* **les +25 à 85 % de la littérature** — ce que cette affirmation signifierait ici, à titre d'illustration.
"""),
("code", """
w = weights or None
scores = scoring.score_clients(register, catalogue=cat, weights=w)
decided = actions.decide_actions(register, scores, profit=profit, catalogue=cat, weights=w)
end_ids = decided.loc[decided["action"] == "end", "client_id"].tolist()
scenarios = retention.retention_scenarios(
    register, profit, end_ids=end_ids, retention=a["annual_retention"], discount_rate=a["discount_rate"],
    retention_uplift=a["retention_uplift"], literature_profit_uplift=a["literature_profit_uplift"],
    acquisition_cost_multiple=a["acquisition_cost_multiple"], catalogue=cat,
)
up = num(a["retention_uplift"] * 100, sign=True)
lit = [num(x * 100, sign=True) for x in a["literature_profit_uplift"]]
labels_fr = {
    "base": "Le portefeuille tel qu'il est",
    "retention_plus": f"Fidélisation {up} points",
    "lose_at_risk": "Perte des clients à risque",
    "end_clients": "Fin des relations à arrêter",
    "literature_low": f"Littérature : {up} % de fidélisation → {lit[0]} % de bénéfice (bas de la fourchette)",
    "literature_high": f"Littérature : {up} % de fidélisation → {lit[1]} % de bénéfice (haut de la fourchette)",
}
if lang == "fr":
    scenarios["label"] = scenarios["scenario"].map(labels_fr).fillna(scenarios["label"])
table(scenarios, lang,
      columns={"label": ("Scenario", "Scénario"), "n_clients": ("Clients", "Clients"),
               "billing_change": ("Billing change", "Variation de la facturation"),
               "profit_change": ("Profit change", "Variation du bénéfice"),
               "profit_change_pct": ("Profit change (%)", "Variation du bénéfice (%)"),
               "value_change": ("Lifetime value change", "Variation de la valeur vie client")},
      decimals={"n_clients": 0, "billing_change": 0, "profit_change": 0, "profit_change_pct": 1, "value_change": 0})
"""),
("code", """
fig, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
data = scenarios[scenarios["scenario"] != "base"].dropna(subset=["profit_change"])
short = {f"literature_{end}": tr(lang, en=f"Literature, {end} end ({x} % profit)",
                                 fr=f"Littérature, {'bas' if end == 'low' else 'haut'} de fourchette ({x} % de bénéfice)")
         for end, x in zip(("low", "high"), lit)}
colours = ["#2E7D32" if v >= 0 else "#C62828" for v in data["profit_change"]]
ax.barh(data["scenario"].map(short).fillna(data["label"]), data["profit_change"], color=colours)
ax.axvline(0, color="#546E7A", linewidth=0.8)
ax.invert_yaxis()
ax.xaxis.set_major_formatter(lambda x, pos: num(x))
ax.set_xlabel(tr(lang, en="change in annual profit", fr="variation du bénéfice annuel"))
ax.set_title(tr(lang, en="What each scenario does to profit", fr="Effet de chaque scénario sur le bénéfice"), loc="left")
ax.spines[["top", "right"]].set_visible(False)
save_figure(fig, out_dir, "retention_scenarios")
plt.show()
"""),
("code", """
s = scenarios.set_index("scenario")
text = []
if "retention_plus" in s.index:
    r = s.loc["retention_plus"]
    text.append(tr(
        lang,
        en=f"Raising retention by {num(a['retention_uplift'] * 100)} points adds **{num(r['value_change'])}** to the "
        f"portfolio's value ({num(r['value_change_pct'], sign=True)} %).",
        fr=f"Augmenter la fidélisation de {num(a['retention_uplift'] * 100)} points ajoute **{num(r['value_change'])}** "
        f"à la valeur du portefeuille ({num(r['value_change_pct'], sign=True)} %).",
    ))
if "lose_at_risk" in s.index:
    r = s.loc["lose_at_risk"]
    n = int(r["n_clients"])
    text.append(tr(
        lang,
        en=f"Losing the {num(n)} at-risk clients would cost {num(-r['billing_change'])} of billing and "
        f"{num(-r['profit_change'])} of profit a year ({num(r['profit_change_pct'], 1, sign=True)} %).",
        fr=f"Perdre les {num(n)} clients à risque coûterait {num(-r['billing_change'])} de facturation et "
        f"{num(-r['profit_change'])} de bénéfice par an ({num(r['profit_change_pct'], 1, sign=True)} %).",
    ))
if "end_clients" in s.index:
    r = s.loc["end_clients"]
    n = int(r["n_clients"])
    text.append(tr(
        lang,
        en=f"Ending the {num(n)} `end` relationships gives up {num(-r['billing_change'])} of billing, frees "
        f"{num(r['cost_freed'])} of costs *if the resources go*, and changes profit by "
        f"{num(r['profit_change'], sign=True)} a year.",
        fr=f"Mettre fin aux {num(n)} relations à arrêter fait renoncer à {num(-r['billing_change'])} de facturation, "
        f"libère {num(r['cost_freed'])} de coûts *si les ressources partent*, et fait varier le bénéfice de "
        f"{num(r['profit_change'], sign=True)} par an.",
    ))
lo, hi = s.loc["literature_low"], s.loc["literature_high"]
text.append(tr(
    lang,
    en=f"If the literature's claim held here, {up} % retention would mean {num(lo['profit_change'], sign=True)} to "
    f"{num(hi['profit_change'], sign=True)} of profit — an illustration, not a prediction.",
    fr=f"Si l'affirmation de la littérature valait ici, {up} % de fidélisation représenteraient de "
    f"{num(lo['profit_change'], sign=True)} à {num(hi['profit_change'], sign=True)} de bénéfice — une illustration, "
    "pas une prévision.",
))
Markdown(" ".join(text))
"""),
("code", """
save_table(values, out_dir, "lifetime_values")
save_table(scenarios, out_dir, "retention_scenarios");
"""),
]
nbformat.write(build(cells), str(NOTEBOOKS / "07_retention_economics.ipynb"))
print("written")
