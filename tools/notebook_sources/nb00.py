"""Source of a notebook: run it to rewrite the notebook, then `make notebooks` to execute it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
import nbformat
from nbtools import PARAMETERS, build

cells = [
("params", PARAMETERS),
("code", """
import matplotlib.pyplot as plt
from IPython.display import Markdown

from portfolio_analysis.plots.matrix import plot_portfolio_matrix

from portfolio_analysis.steps import concentration

from portfolio_analysis.load import portfolio as loading

from portfolio_analysis.steps import segmentation

from portfolio_analysis.deliver import summary
from portfolio_analysis.i18n import action_name, lever_names, numbers, plural, table, tr, translate_figure
from portfolio_analysis.deliver.tables import save_figure

num = numbers(lang)
portfolio = loading.load_portfolio(
    clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
    mapping=mapping, sheet=sheet,
)
analysis = summary.analyse(portfolio, lang=lang)
h = summary.headline(analysis)
Markdown(tr(lang, en=f"# Customer portfolio analysis — {company}", fr=f"# Analyse du portefeuille clients — {company}"))
"""),
("md-en", """
## Executive summary

This report evaluates every client of the company on the criteria of the customer-portfolio method
(relationship, service needs, supplier-selection criteria, share of wallet, profitability, upsell
potential, collaboration, outlook, R&D and learning, billing and its trend), shows where the profit
really comes from, and recommends for each client whether to **develop**, **maintain**, **fix** or
**end** the relationship. The detailed steps follow this summary.
"""),
("md-fr", """
## Synthèse

Ce rapport évalue chaque client de l'entreprise selon les critères de la méthode du portefeuille
clients (type de relation, besoins en service, critères de décision, part des achats, rentabilité,
potentiel de ventes supplémentaires, facilité de collaboration, perspectives commerciales,
collaboration en R&D et possibilités d'apprentissage, facturation et son évolution), montre d'où
vient réellement le bénéfice, et recommande pour chaque client de **développer**, de **maintenir**
ou de **redresser** la relation, ou d'y **mettre fin**. Les étapes détaillées suivent cette synthèse.
"""),
("code", """
a = h["actions"]
cat = portfolio.catalogue
# the segment names in the report's language (the headline keeps them in English for summary.json)
seg_labels = analysis.segments.set_index("client_id")["segment"]
seg_names = segmentation.name_segments(
    segmentation.segment_profiles(portfolio.clients, seg_labels, analysis.scores, catalogue=cat, lang=lang),
    catalogue=cat, lang=lang)
en_fr = lambda en, fr: tr(lang, en=en, fr=fr)  # noqa: E731
lines = []
profit_text = ""
if h["total_profit"] is not None:
    profit_text = en_fr(f", profit {num(h['total_profit'])}", f", un bénéfice de {num(h['total_profit'])}") + (
        en_fr(" (estimated from profitability levels)", " (estimé d'après les niveaux de rentabilité)")
        if h["profit_is_estimated"] else "")
lines.append(en_fr(
    f"- **{num(h['n_clients'])} clients**, billing {num(h['total_billing'])} over the last 12 months{profit_text}.",
    f"- **{num(h['n_clients'])} clients**, une facturation de {num(h['total_billing'])} sur les 12 derniers "
    f"mois{profit_text}.",
))
if h["whale_peak_pct"] is not None:
    at_peak, peak, n_loss, cost = (h["clients_at_peak_pct"], h["whale_peak_pct"], h["loss_making_clients"],
                                   h["loss_tail_cost_pct"])
    lines.append(en_fr(
        f"- **A few clients make the profit**: the most profitable {num(at_peak)} % of clients make {num(peak)} % of it; "
        f"{num(n_loss)} loss-making {plural(n_loss, 'client gives', 'clients give', lang)} back {num(cost)} %.",
        f"- **Quelques clients font le bénéfice** : les {num(at_peak)} % de clients les plus rentables en réalisent "
        f"{num(peak)} % ; {num(n_loss)} {plural(n_loss, 'client déficitaire en reprend', 'clients déficitaires en reprennent', lang)} "
        f"{num(cost)} %.",
    ))
elif h["total_profit"] is None:  # no profit figures at all (e.g. invoices without costs)
    lines.append(en_fr("- **Profit**: the data hold no profit, margin or profitability level, so where the profit "
                       "comes from cannot be shown; add them to the register to see it.",
                       "- **Bénéfice** : les données ne contiennent ni bénéfice, ni marge, ni niveau de rentabilité ; "
                       "on ne peut donc pas montrer d'où vient le bénéfice. Ajoutez-les au registre pour le voir."))
else:
    lines.append(en_fr(f"- **The portfolio makes no profit overall**: {h['whale_curve_note']}",
                       "- **Le portefeuille ne dégage aucun bénéfice au total** : la courbe de la baleine, qui "
                       "rapporte chaque client au bénéfice total, ne peut pas être tracée."))
counts = ", ".join(f"{action_name(k, lang)} {num(a[k])}" for k in ("develop", "maintain", "fix", "end"))
keeps, lacking = h["strategic_keeps"], h["insufficient_data_clients"]
lines.append(en_fr(
    f"- **Recommended actions**: {counts}; {num(keeps)} weak {plural(keeps, 'client is', 'clients are', lang)} kept for "
    "strategic reasons and "
    + (f"{num(lacking)} {plural(lacking, 'lacks', 'lack', lang)} the data to be judged" if lacking else
       "none lacks the data to be judged")
    + " (never ended on missing data).",
    f"- **Actions recommandées** : {counts} ; {num(keeps)} {plural(keeps, 'client faible est conservé', 'clients faibles sont conservés', lang)} "
    "pour des raisons stratégiques ; "
    + (f"{num(lacking)} {plural(lacking, 'manque', 'manquent', lang)} de données pour être "
       f"{plural(lacking, 'jugé', 'jugés', lang)}" if lacking else "aucun ne manque de données pour être jugé")
    + " (aucune relation n'est arrêtée sur des données manquantes).",
))
majors = h["clients_at_or_over_10pct"]
top1, top10 = num(h["top_clients_share_pct"]["1"], 1), num(h["top_clients_share_pct"]["10"], 1)
lines.append(en_fr(
    f"- **Concentration**: the largest client is {top1} % of billing and the 10 largest {top10} %; "
    + (f"{len(majors)} {plural(len(majors), 'client reaches', 'clients reach', lang)} 10 % of billing "
       f"({', '.join(majors)})." if majors else "no client reaches 10 % of billing."),
    f"- **Concentration** : le plus gros client représente {top1} % de la facturation et les 10 plus gros {top10} % ; "
    + (f"{len(majors)} {plural(len(majors), 'client atteint', 'clients atteignent', lang)} 10 % de la facturation "
       f"({', '.join(majors)})." if majors else "aucun client n'atteint 10 % de la facturation."),
))
risks = h["key_person_risks"]
fragile = h["fragile_relationships"]
lines.append(en_fr(
    "- **Relationship risks**: no contacts were given, so who carries each relationship is not known.",
    "- **Risques relationnels** : aucun contact n'a été fourni ; on ne sait donc pas qui porte chaque relation.",
) if portfolio.contacts.empty else en_fr(
    f"- **Relationship risks**: {num(fragile)} {plural(fragile, 'relationship rests', 'relationships rest', lang)} on a "
    "single person"
    + (f"; {' and '.join(risks)} carr{'ies' if len(risks) == 1 else 'y'} a key-person share of the billing." if risks
       else "."),
    f"- **Risques relationnels** : {num(fragile)} {plural(fragile, 'relation repose', 'relations reposent', lang)} sur "
    "une seule personne"
    + (f" ; {' et '.join(risks)} {'porte' if len(risks) == 1 else 'portent chacun'} une part de la facturation qui "
       f"{'en fait une personne clé' if len(risks) == 1 else 'en fait des personnes clés'}." if risks else "."),
))
retention_rate, value = num(h["annual_retention"] * 100, 1), num(h["portfolio_value"])
if h["retention_plus_value_change"] is not None:
    plus = num(h["retention_plus_value_change"])
    lines.append(en_fr(
        f"- **Retention**: at the implied {retention_rate} % a year, the portfolio is worth {value} in lifetime value; "
        f"keeping 5 points more clients would add {plus}.",
        f"- **Fidélisation** : au taux implicite de {retention_rate} % par an, le portefeuille vaut {value} en valeur vie "
        f"client ; conserver 5 points de clients de plus ajouterait {plus}.",
    ))
lines.append(en_fr(
    f"- **Segments**: {h['n_segments']} groups of similar clients — " + "; ".join(seg_names.sort_index()) + ".",
    f"- **Segments** : {h['n_segments']} groupes de clients semblables — " + " ; ".join(seg_names.sort_index()) + ".",
))
n_err, n_warn = h["n_errors"], h["n_warnings"]
lines.append(en_fr(
    f"- **Data**: {num(h['rows_read'])} rows read, {num(h['rows_rejected'])} rejected, {num(n_err)} "
    f"{plural(n_err, 'error', 'errors', lang)} and {num(n_warn)} {plural(n_warn, 'warning', 'warnings', lang)} "
    "reported (see step 1).",
    f"- **Données** : {num(h['rows_read'])} lignes lues, {num(h['rows_rejected'])} "
    f"{plural(h['rows_rejected'], 'rejetée', 'rejetées', lang)}, {num(n_err)} {plural(n_err, 'erreur', 'erreurs', lang)} "
    f"et {num(n_warn)} {plural(n_warn, 'avertissement', 'avertissements', lang)} signalés (voir l'étape 1).",
))
Markdown("\\n".join(lines))
"""),
("code", """
fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
plot_portfolio_matrix(analysis.decided, ax=axes[0])
if analysis.whale is not None:
    concentration.plot_whale_curve(analysis.whale, ax=axes[1])
else:
    axes[1].set_axis_off()
translate_figure(fig, lang)
save_figure(fig, out_dir, "executive_summary")
plt.show()
"""),
("md-en", "### The first relationships to act on"),
("md-fr", "### Les premières relations sur lesquelles agir"),
("code", """
plan = summary.plan_table(analysis)
first = plan[plan["action"].isin(["fix", "end", "develop"])].groupby("action", sort=False).head(5)
table(first.assign(action=first["action"].map(lambda x: action_name(x, lang)),
                   levers=first["levers"].map(lambda v: lever_names(v, lang))), lang,
      columns={"priority": ("Priority", "Priorité"), "name": ("Client", "Client"), "action": ("Action", "Action"),
               "owner": ("Owner", "Responsable"), "value_at_stake": ("Value at stake", "Valeur en jeu"),
               "levers": ("Levers", "Leviers")},
      decimals={"value_at_stake": 0})
"""),
("code", """
summary.write_summary_json(h, out_dir)
if out_dir is not None:
    summary.write_relationship_plan(analysis, f"{out_dir}/relationship_plan.xlsx", company=company, lang=lang)
"""),
]
nbformat.write(build(cells), str(NOTEBOOKS / "00_executive_summary.ipynb"))
print("written")
