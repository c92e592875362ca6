"""Source of a notebook: run it to rewrite the notebook, then `make notebooks` to execute it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
import nbformat
from nbtools import PARAMETERS, build

cells = [
("md-en", """
# 2 · Client profiles and financial trends

The portfolio at a glance: what kinds of clients the company serves, how its relationships
stand, how many people carry each of them on both sides, how the accounts spread over our own
people; then the money — billing per year and service category, its change on the previous year,
the clients in decline, and a projection of the next 12 months checked against the last 12.
"""),
("md-fr", """
# 2 · Profils des clients et tendances financières

Le portefeuille d'un coup d'œil : quels types de clients l'entreprise sert, où en sont ses
relations, combien de personnes portent chacune d'elles de part et d'autre, comment les comptes se
répartissent entre nos collaborateurs ; puis l'argent — la facturation par année et par catégorie
de services, son évolution par rapport à l'année précédente, les clients en recul, et une
projection des 12 prochains mois vérifiée sur les 12 derniers.
"""),
("params", PARAMETERS),
("code", """
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown

from portfolio_analysis.steps import financials

from portfolio_analysis.load import portfolio as loading

from portfolio_analysis.plots import charts as plots

from portfolio_analysis.steps import profiles
from portfolio_analysis.i18n import numbers, plural, table, tr, translate_figure
from portfolio_analysis.deliver.tables import save_figure, save_table

num = numbers(lang)
portfolio = loading.load_portfolio(
    clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
    mapping=mapping, sheet=sheet,
)
cat = portfolio.catalogue
register = portfolio.clients
settings = cat.settings
"""),
("md-en", "## Who the clients are"),
("md-fr", "## Qui sont les clients"),
("code", """
keys = ["business_type", "relationship_type", "business_outlook"]
counts = {k: profiles.level_counts(register, k, catalogue=cat, lang=lang) for k in keys}
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
for ax, k in zip(axes, keys):
    plots.plot_level_counts(counts[k], ax=ax, title=cat.label(k, lang))
translate_figure(fig, lang)
save_figure(fig, out_dir, "profile_counts")
plt.show()
"""),
("code", """
rel = counts["relationship_type"].set_index("level")
out = counts["business_outlook"].set_index("level")
biggest_type = counts["business_type"].dropna(subset=["level"]).sort_values("clients", ascending=False).iloc[0]
n = {k: rel.loc[k, "clients"] for k in ("partnership", "recurring", "occasional", "at_risk")}
pct = {k: rel.loc[k, "share_pct"] for k in ("partnership", "at_risk")}
Markdown(tr(
    lang,
    en=f"Of the {num(len(register))} clients, {num(n['partnership'])} are partnerships ({num(pct['partnership'])} %), "
    f"{num(n['recurring'])} recurring, {num(n['occasional'])} occasional and **{num(n['at_risk'])} at risk** "
    f"({num(pct['at_risk'])} %). {num(out.loc['growing', 'clients'])} clients expect to grow and "
    f"{num(out.loc['failing', 'clients'])} are failing. The largest group by business is *{biggest_type['label']}* "
    f"({num(biggest_type['clients'])} clients).",
    fr=f"Sur les {num(len(register))} clients, la relation est un partenariat pour {num(n['partnership'])} "
    f"({num(pct['partnership'])} %), récurrente pour {num(n['recurring'])}, occasionnelle pour {num(n['occasional'])} "
    f"et **en danger pour {num(n['at_risk'])}** ({num(pct['at_risk'])} %). Les perspectives commerciales sont à la "
    f"croissance pour {num(out.loc['growing', 'clients'])} clients et à l'échec pour {num(out.loc['failing', 'clients'])}. "
    f"Le groupe le plus nombreux par activité est *{biggest_type['label']}* ({num(biggest_type['clients'])} clients).",
))
"""),
("md-en", "## Billing"),
("md-fr", "## La facturation"),
("code", """
plots.plot_billing_distribution(register)
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "billing_distribution")
plt.show()
"""),
("code", """
billing = register["billing"].dropna().sort_values(ascending=False)
top_decile = billing.head(max(1, round(len(billing) / 10))).sum() / billing.sum() * 100
Markdown(tr(
    lang,
    en=f"Billing over the last 12 months totals **{num(billing.sum())}**. The median client bills "
    f"{num(billing.median())} and the largest {num(billing.iloc[0])}: the top 10 % of clients bring "
    f"**{num(top_decile)} %** of the billing, the usual heavy tail of a B2B portfolio.",
    fr=f"La facturation des 12 derniers mois s'élève à **{num(billing.sum())}**. Le client médian facture "
    f"{num(billing.median())} et le plus important {num(billing.iloc[0])} : les 10 % de clients les plus importants "
    f"apportent **{num(top_decile)} %** de la facturation, la forte concentration habituelle d'un portefeuille B2B.",
))
"""),
("md-en", """
## Criteria across clients

Each row is a client and each column an evaluation criterion, coloured from the worst level (red)
to the best (green); grey is missing. Rows are sorted by the mean of their levels.
"""),
("md-fr", """
## Les critères, client par client

Chaque ligne est un client et chaque colonne un critère d'évaluation, coloré du niveau le moins
bon (rouge) au meilleur (vert) ; le gris signale une donnée manquante. Les lignes sont triées par
la moyenne de leurs niveaux.
"""),
("code", """
levels = profiles.level_matrix(register, catalogue=cat)
order = levels.mean(axis=1).sort_values(ascending=False).index
plots.plot_level_heatmap(levels, labels={k: cat.label(k, lang) for k in levels.columns}, order=order)
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "criteria_heatmap")
plt.show()
"""),
("md-en", """
## Who carries each relationship

A relationship held by a single person on either side is **fragile**: it leaves with that person.
A side with nobody recorded is missing data, not fragility.
"""),
("md-fr", """
## Qui porte chaque relation

Une relation portée par une seule personne, d'un côté ou de l'autre, est **fragile** : elle part
avec cette personne. Un côté sans personne enregistrée est une donnée manquante, pas une fragilité.
"""),
("code", """
coverage = profiles.relationship_coverage(register, portfolio.contacts)
kp_share = profiles.settings(cat)["key_person_share"]
owners = profiles.owner_spread(register, key_person_share=kp_share)
plots.plot_owner_spread(owners)
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "owner_spread")
plt.show()
"""),
("code", """
n_fragile = int(coverage["fragile"].sum())
one_ours = int((coverage["people_ours"] == 1).sum())
one_theirs = int((coverage["people_client"] == 1).sum())
no_contact = int(coverage["no_contact"].sum())
risky = owners[owners["key_person_risk"]]
top_owner = owners.iloc[0]
kp = num(kp_share * 100)
Markdown(tr(
    lang,
    en=f"**{num(n_fragile)} relationships are fragile** ({num(n_fragile / len(coverage) * 100)} %): {num(one_ours)} are "
    f"carried by one person on our side and {num(one_theirs)} by one person on the client's side. "
    + (f"{num(no_contact)} have nobody recorded on one side. " if no_contact else
       "Every relationship has someone recorded on both sides. ")
    + f"{num(len(owners))} of our people own accounts; {top_owner['owner']} carries {num(top_owner['accounts'])} "
    f"accounts and {num(top_owner['billing_share_pct'])} % of the billing. "
    + (f"**Key-person risk**: {' and '.join(risky['owner'])} "
       f"{'carries' if len(risky) == 1 else 'each carry'} {kp} % of the billing or more."
       if len(risky) else f"Nobody carries {kp} % of the billing or more."),
    fr=f"**{num(n_fragile)} {plural(n_fragile, 'relation est fragile', 'relations sont fragiles', lang)}** "
    f"({num(n_fragile / len(coverage) * 100)} %) : {num(one_ours)} reposent sur une seule personne de notre côté et "
    f"{num(one_theirs)} sur une seule personne côté client. "
    + (f"{num(no_contact)} n'ont personne d'enregistré d'un côté. " if no_contact else
       "Chaque relation a au moins une personne enregistrée de chaque côté. ")
    + f"{num(len(owners))} de nos collaborateurs sont responsables de comptes ; {top_owner['owner']} en porte "
    f"{num(top_owner['accounts'])}, soit {num(top_owner['billing_share_pct'])} % de la facturation. "
    + (f"**Risque de personne clé** : {' et '.join(risky['owner'])} "
       f"{'porte' if len(risky) == 1 else 'portent chacun'} {kp} % de la facturation ou plus."
       if len(risky) else f"Personne ne porte {kp} % de la facturation ou plus."),
))
"""),
("md-en", "## Billing per year and service category"),
("md-fr", "## Facturation par année et par catégorie de services"),
("code", """
tables = portfolio.invoice_tables
years = None
if portfolio.invoices is not None:
    years = financials.billing_by_year_and_category(portfolio.invoices)
    categories = [c for c in years.columns if c not in ("total", "change_pct")]
    shown = table(
        years.reset_index(), lang,
        columns={"year": ("Year", "Année"), **{c: (str(c).replace("_", " "),) * 2 for c in categories},
                 "total": ("Total", "Total"), "change_pct": ("Change (%)", "Évolution (%)")},
        decimals={**{c: 0 for c in categories}, "total": 0, "change_pct": 1},
    )
    display(shown)
"""),
("code", """
fin = financials.settings(cat)
change = financials.billing_change(register, declining_threshold=fin["declining_threshold"])
mix = financials.category_mix(register)
declining = change[change["declining"]].sort_values("change")
growing = change[change["change_pct"] > 0]
threshold = num(-fin["declining_threshold"] * 100)
lost = num(-declining["change"].sum())
if len(mix):
    mean_mix = mix.drop(columns="client_id").mean()
    largest = str(mean_mix.idxmax()).replace("_", " ")
Markdown(tr(
    lang,
    en=f"Against the previous 12 months, {num(len(growing))} clients grew and **{num(len(declining))} declined by "
    f"{threshold} % or more**, losing {lost} of billing between them. "
    + (f"Across service categories, the largest is *{largest}*, on average {num(mean_mix.max())} % of a client's "
       "billing." if len(mix) else ""),
    fr=f"Par rapport aux 12 mois précédents, {num(len(growing))} clients ont progressé et **{num(len(declining))} ont "
    f"reculé de {threshold} % ou plus**, perdant à eux tous {lost} de facturation. "
    + (f"Parmi les catégories de services, la plus importante est *{largest}*, en moyenne {num(mean_mix.max())} % "
       "de la facturation d'un client." if len(mix) else ""),
))
"""),
("code", """
table(declining.merge(register[["client_id", "name"]], on="client_id").head(10), lang,
      columns={"client_id": ("Client ID", "Identifiant"), "name": ("Client", "Client"),
               "billing_previous": ("Billing, previous 12 months", "Facturation, 12 mois précédents"),
               "billing": ("Billing, last 12 months", "Facturation, 12 derniers mois"),
               "change_pct": ("Change (%)", "Évolution (%)")},
      decimals={"billing_previous": 0, "billing": 0, "change_pct": 1})
"""),
("md-en", """
## The next 12 months

With 24 months of invoices or more, each client's projection follows its trend on the portfolio's
seasonal profile; with less, the last 12 months carried forward with their change (see
`portfolio_analysis.steps.financials`). The back-test hides the last 12 months, projects them from the
months before and compares with what was really billed, beside the naive "next year = last year".
"""),
("md-fr", """
## Les 12 prochains mois

Avec 24 mois de factures ou plus, la projection de chaque client suit sa tendance sur le profil
saisonnier du portefeuille ; avec moins, les 12 derniers mois sont reconduits avec leur évolution
(voir `portfolio_analysis.steps.financials`). Le test rétrospectif masque les 12 derniers mois, les
projette à partir des mois précédents et les compare à ce qui a réellement été facturé, à côté de
la prévision naïve « l'an prochain = l'an dernier ».
"""),
("code", """
by_month = tables.by_month if tables is not None else None
knobs = {k: fin[k] for k in ("max_growth", "trend_months", "trend_damping")}
projection = financials.project_billing(by_month, register, **knobs)
backtest = financials.backtest_projection(by_month, **knobs) if by_month is not None else {"wape_pct": None}
if by_month is not None:
    plots.plot_monthly_billing(financials.monthly_matrix(by_month), projection.table["projection_12m"].sum(),
                               projection.seasonal)
    translate_figure(plt.gcf(), lang)
    save_figure(plt.gcf(), out_dir, "monthly_billing")
    plt.show()
"""),
("code", """
total_proj = projection.table["projection_12m"].sum()
total_last = projection.table["billing_last_12m"].sum()
methods = projection.table["method"].value_counts()
method_en = {"run-rate (annual totals)": "run-rate on annual totals"}
method_fr = {"seasonal-trend": "tendance saisonnière", "run-rate": "rythme actuel",
             "run-rate (annual totals)": "rythme actuel sur les totaux annuels", "none": "aucune méthode"}
b = backtest
text = tr(
    lang,
    en=f"The next 12 months are projected at **{num(total_proj)}**, {num((total_proj / total_last - 1) * 100, 1, sign=True)} % "
    f"on the last 12 months ({', '.join(f'{num(n)} clients by {method_en.get(m, m)}' for m, n in methods.items())}). ",
    fr=f"Les 12 prochains mois sont projetés à **{num(total_proj)}**, soit {num((total_proj / total_last - 1) * 100, 1, sign=True)} % "
    f"par rapport aux 12 derniers mois ({', '.join(f'{num(n)} clients par {method_fr.get(m, m)}' for m, n in methods.items())}). ",
)
if b["wape_pct"] is not None:
    naive_better = b["naive_wape_pct"] < b["wape_pct"]
    text += tr(
        lang,
        en=f"On the back-test the projection's error is **{num(b['wape_pct'], 1)} % WAPE** over clients "
        f"(median client error {num(b['median_ape_pct'], 1)} %, {num(b['total_error_pct'], 1, sign=True)} % on the total), "
        f"against {num(b['naive_wape_pct'], 1)} % WAPE ({num(b['naive_total_error_pct'], 1, sign=True)} % on the total) "
        "for next year = last year"
        + (": on this portfolio the naive forecast is the better guess client by client, so read the projection "
           "as the portfolio's trend rather than as a forecast for each client." if naive_better else "."),
        fr=f"Sur le test rétrospectif, l'erreur de la projection est de **{num(b['wape_pct'], 1)} % (WAPE)** sur l'ensemble "
        f"des clients (erreur médiane par client {num(b['median_ape_pct'], 1)} %, "
        f"{num(b['total_error_pct'], 1, sign=True)} % sur le total), contre {num(b['naive_wape_pct'], 1)} % "
        f"({num(b['naive_total_error_pct'], 1, sign=True)} % sur le total) pour « l'an prochain = l'an dernier »"
        + (" : sur ce portefeuille, la prévision naïve est la meilleure estimation client par client ; lisez donc la "
           "projection comme la tendance du portefeuille plutôt que comme une prévision pour chaque client."
           if naive_better else "."),
    )
elif by_month is None:
    text += tr(lang, en="Without invoice lines, the projection cannot be back-tested.",
               fr="Sans lignes de facture, la projection ne peut pas être testée rétrospectivement.")
else:
    text += tr(lang, en="There are fewer than 36 months of invoices, so the projection cannot be back-tested.",
               fr="Il y a moins de 36 mois de factures : la projection ne peut pas être testée rétrospectivement.")
Markdown(text)
"""),
("code", """
trends = change.merge(projection.table[["client_id", "projection_12m", "method"]], on="client_id", how="left")
save_table(trends, out_dir, "financial_trends")
save_table(coverage, out_dir, "relationship_coverage")
save_table(owners, out_dir, "owner_spread")
save_table(mix, out_dir, "category_mix")
save_table(projection.table, out_dir, "projection");
"""),
]
nbformat.write(build(cells), str(NOTEBOOKS / "02_client_profiles.ipynb"))
print("written")
