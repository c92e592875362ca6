"""Source of a notebook: run it to rewrite the notebook, then `make notebooks` to execute it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
import nbformat
from nbtools import PARAMETERS, build

cells = [
("md-en", """
# 5 · Where the profit comes from

The article's warning: *a small number of clients really make the profit*. The **whale curve**
ranks clients from the most to the least profitable and plots the cumulative profit, as a share of
the total, against the cumulative share of clients. It climbs above 100 % while profitable clients
are added, peaks, then falls back to 100 % as the loss-making clients eat into it: the height of
the peak is what the portfolio would earn without its loss-making tail.

Then the **concentration of billing**: how much of it rests on a few clients (Pareto / ABC classes,
Gini and Herfindahl–Hirschman indices, the shares of the largest clients), and which clients reach
10 % of billing — the threshold at which IFRS 8 and ASC 280 require a company to disclose its
reliance on a major customer.
"""),
("md-fr", """
# 5 · D'où vient le bénéfice

L'avertissement de l'article : *un petit nombre de clients réalisent réellement des bénéfices*. La
**courbe de la baleine** classe les clients du plus rentable au moins rentable et trace le bénéfice
cumulé, en part du total, en fonction de la part cumulée des clients. Elle monte au-dessus de 100 %
tant que s'ajoutent des clients rentables, atteint un pic, puis redescend à 100 % à mesure que les
clients déficitaires l'entament : la hauteur du pic est ce que gagnerait le portefeuille sans ses
clients déficitaires.

Puis la **concentration de la facturation** : quelle part repose sur quelques clients (classes de
Pareto / ABC, indices de Gini et de Herfindahl–Hirschman, parts des plus gros clients), et quels
clients atteignent 10 % de la facturation — le seuil à partir duquel IFRS 8 et ASC 280 imposent à
une entreprise de publier sa dépendance envers un client important.
"""),
("params", PARAMETERS),
("code", """
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

from portfolio_analysis.steps import concentration
from portfolio_analysis.plots import concentration as concentration_plots

from portfolio_analysis.load import portfolio as loading
from portfolio_analysis.i18n import numbers, plural, table, tr, translate_figure
from portfolio_analysis.deliver.tables import save_figure, save_table

num = numbers(lang)
portfolio = loading.load_portfolio(
    clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
    mapping=mapping, sheet=sheet,
)
cat = portfolio.catalogue
register = portfolio.clients
"""),
("md-en", "## The whale curve"),
("md-fr", "## La courbe de la baleine"),
("code", """
profit = concentration.client_profit(register, catalogue=cat)
try:
    whale, no_profit = concentration.whale_curve(profit), None
except concentration.NoProfitError as exc:  # e.g. invoices without costs: no profit to rank by
    whale, no_profit = None, str(exc)
if whale is not None:
    concentration_plots.plot_whale_curve(whale)
    translate_figure(plt.gcf(), lang)
    save_figure(plt.gcf(), out_dir, "whale_curve")
    plt.show()
"""),
("code", """
if whale is None:
    text = tr(
        lang,
        en=f"**No whale curve**: {no_profit}. The concentration of billing below still holds.",
        fr="**Pas de courbe de la baleine** : aucun client n'a de chiffre de bénéfice (ni bénéfice, ni marge, ni "
        "niveau de rentabilité avec une facturation). La concentration de la facturation ci-dessous reste valable.",
    )
else:
    w = whale.summary()
    at_peak, peak = w["clients_at_peak_pct"], w["peak_pct"]
    n_est, n_excl, n_loss = w["n_estimated"], w["n_excluded"], w["n_loss_making"]
    text = tr(
        lang,
        en=f"The most profitable **{num(at_peak)} % of clients make {num(peak)} % of the total profit** "
        f"of {num(w['total_profit'])}. The other {num(100 - at_peak)} % give back {num(peak - 100)} % of it: "
        f"{num(n_loss)} {plural(n_loss, 'client makes', 'clients make', lang)} a loss, and together they cost "
        f"{num(w['loss_tail_cost_pct'])} % of the total profit."
        + (f" **Profit is estimated** for {num(n_est)} clients from their billing and a margin per profitability level "
           "(see `settings.concentration.margin_by_level`): read these figures as orders of magnitude."
           if w["profit_is_estimated"] else "")
        + (f" {num(n_excl)} {plural(n_excl, 'client has', 'clients have', lang)} no profit figure and "
           f"{plural(n_excl, 'is', 'are', lang)} left out." if n_excl else ""),
        fr=f"Les **{num(at_peak)} % de clients les plus rentables réalisent {num(peak)} % du bénéfice total** "
        f"de {num(w['total_profit'])}. Les {num(100 - at_peak)} % restants en reprennent {num(peak - 100)} % : "
        f"{num(n_loss)} {plural(n_loss, 'client est déficitaire', 'clients sont déficitaires', lang)} et coûtent à eux tous "
        f"{num(w['loss_tail_cost_pct'])} % du bénéfice total."
        + (f" **Le bénéfice est estimé** pour {num(n_est)} clients à partir de leur facturation et d'une marge par niveau "
           "de rentabilité (voir `settings.concentration.margin_by_level`) : lisez ces chiffres comme des ordres de grandeur."
           if w["profit_is_estimated"] else "")
        + (f" {num(n_excl)} {plural(n_excl, 'client n’a', 'clients n’ont', lang)} aucun chiffre de bénéfice et "
           f"{plural(n_excl, 'est laissé', 'sont laissés', lang)} de côté." if n_excl else ""),
    )
Markdown(text)
"""),
("code", """
if whale is not None:  # the ten clients that lose the most
    worst = whale.curve.sort_values("profit").head(10).merge(register[["client_id", "name", "billing"]], on="client_id")
    display(table(worst, lang,
                  columns={"client_id": ("Client ID", "Identifiant"), "name": ("Client", "Client"),
                           "billing": ("Billing", "Facturation"), "profit": ("Profit", "Bénéfice")},
                  decimals={"billing": 0, "profit": 0}))
"""),
("md-en", "## How concentrated is the billing?"),
("md-fr", "## La facturation est-elle concentrée ?"),
("code", """
summary = concentration.concentration_summary(register, catalogue=cat)
abc = concentration.abc_classes(register, summary["abc_cutoffs"])
concentration_plots.plot_lorenz(concentration.lorenz_curve(register), cutoffs=summary["abc_cutoffs"],
                                gini=summary["gini"])
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "billing_concentration")
plt.show()
"""),
("code", """
s = summary
counts = s["abc_counts"]
majors = s["major_customer_ids"]
top1, top5, top10 = (num(s[f"top_{n}_pct"], 1) for n in (1, 5, 10))
major = num(s["major_customer_pct"])
Markdown(tr(
    lang,
    en=f"Billing of {num(s['total_billing'])} over {num(s['n_clients'])} clients. Class **A** — the largest clients up to "
    f"{num(s['abc_cutoffs'][0])} % of billing — holds {num(counts['A'])} clients; B {num(counts['B'])} and "
    f"C {num(counts['C'])}. The largest client brings {top1} % of billing, the 5 largest {top5} % and the 10 largest "
    f"{top10} %. The Gini index is {num(s['gini'], 2)} and the Herfindahl–Hirschman index {num(s['hhi'])} "
    f"(out of {num(10000)}), as concentrated as {num(s['equivalent_number'])} equal clients. "
    + (f"**{len(majors)} {plural(len(majors), 'client reaches', 'clients reach', lang)} {major} % of billing** "
       f"({', '.join(majors)}): a dependence to disclose and to manage." if majors else
       f"No client reaches {major} % of billing: no single-customer dependence to disclose."),
    fr=f"Facturation de {num(s['total_billing'])} sur {num(s['n_clients'])} clients. La classe **A** — les plus gros "
    f"clients jusqu'à {num(s['abc_cutoffs'][0])} % de la facturation — compte {num(counts['A'])} clients ; la B "
    f"{num(counts['B'])} et la C {num(counts['C'])}. Le plus gros client apporte {top1} % de la facturation, les 5 plus "
    f"gros {top5} % et les 10 plus gros {top10} %. L'indice de Gini est de {num(s['gini'], 2)} et l'indice de "
    f"Herfindahl–Hirschman de {num(s['hhi'])} (sur {num(10000)}), soit la concentration de "
    f"{num(s['equivalent_number'])} clients de même taille. "
    + (f"**{len(majors)} {plural(len(majors), 'client atteint', 'clients atteignent', lang)} {major} % de la "
       f"facturation** ({', '.join(majors)}) : une dépendance à publier et à gérer." if majors else
       f"Aucun client n'atteint {major} % de la facturation : aucune dépendance envers un client unique à publier."),
))
"""),
("code", """
abc_table = pd.DataFrame({"class": ["A", "B", "C"], "clients": [counts[k] for k in "ABC"],
                          "billing_pct": [s["abc_billing_pct"][k] for k in "ABC"]})
table(abc_table, lang,
      columns={"class": ("Class", "Classe"), "clients": ("Clients", "Clients"),
               "billing_pct": ("Billing (%)", "Facturation (%)")},
      decimals={"clients": 0, "billing_pct": 1})
"""),
("code", """
if whale is not None:
    save_table(whale.curve, out_dir, "whale_curve")
save_table(abc, out_dir, "abc_classes")
save_table(profit, out_dir, "profit");
"""),
]
nbformat.write(build(cells), str(NOTEBOOKS / "05_profit_concentration.ipynb"))
print("written")
