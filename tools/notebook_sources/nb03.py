"""Source of a notebook: run it to rewrite the notebook, then `make notebooks` to execute it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
import nbformat
from nbtools import PARAMETERS, build

cells = [
("md-en", """
# 3 · Scoring

Every criterion becomes a score between 0 (its worst level) and 1 (its best), through the levels
of the criteria catalogue or, for figures, through the transforms documented in
`portfolio_analysis.steps.scoring`. They are weighted into a **value score** (what the client brings:
profitability, share of wallet, billing size and growth, upsell potential) and a **relationship
score** (relationship type, collaboration, outlook, R&D, learning, and how the client's
supplier-selection criteria fit our positioning), and a total, each from 0 to 100.

Weights are relative: only their proportions matter. Change them in the `weights` parameter below
(e.g. `{"profitability": 5}`), in your YAML configuration, or on the command line
(`--set weights.profitability=5`). A client missing some criteria is scored on those it has,
with its **coverage** — the share of the total weight it has data for — reported; below the
configured minimum it is flagged *insufficient data* and never judged on it.
"""),
("md-fr", """
# 3 · Les scores

Chaque critère devient un score entre 0 (son niveau le moins bon) et 1 (son meilleur niveau), au
moyen des niveaux du catalogue des critères ou, pour les données chiffrées, des transformations
documentées dans `portfolio_analysis.steps.scoring`. Ces scores sont pondérés en un **score de valeur**
(ce que le client apporte : rentabilité, part des achats, taille et croissance de la facturation,
potentiel de ventes supplémentaires) et un **score de relation** (type de relation, facilité de
collaboration, perspectives commerciales, collaboration en R&D, possibilités d'apprentissage, et
l'adéquation des critères de décision du client avec notre positionnement), puis en un score total,
chacun de 0 à 100.

Les pondérations sont relatives : seules leurs proportions comptent. Modifiez-les dans le paramètre
`weights` ci-dessous (par exemple `{"profitability": 5}`), dans votre configuration YAML ou en ligne
de commande (`--set weights.profitability=5`). Un client à qui il manque des critères est noté sur
ceux dont il dispose, et sa **couverture** — la part du poids total pour laquelle il a des données —
est indiquée ; en dessous du minimum configuré, il est signalé *données insuffisantes* et n'est
jamais jugé sur cette base.
"""),
("params", PARAMETERS + '''
weights = {}  # e.g. {"profitability": 5, "upsell_potential": 1}
n_draws = 1000  # weight perturbations for the sensitivity analysis
concentration = 50.0  # how tightly the perturbed weights stay around the chosen ones
random_state = 0'''),
("code", """
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

from portfolio_analysis.load import portfolio as loading

from portfolio_analysis.plots import scoring as plots

from portfolio_analysis.steps import scoring

from portfolio_analysis.steps import sensitivity
from portfolio_analysis.plots import sensitivity as sensitivity_plots
from portfolio_analysis.i18n import numbers, plural, table, tr, translate_figure
from portfolio_analysis.deliver.tables import save_figure, save_table

num = numbers(lang)
portfolio = loading.load_portfolio(
    clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
    mapping=mapping, sheet=sheet,
)
cat = portfolio.catalogue
register = portfolio.clients
names = register.set_index("client_id")["name"].fillna(register.set_index("client_id").index.to_series()).to_dict()
"""),
("md-en", "## The weights in force"),
("md-fr", "## Les pondérations en vigueur"),
("code", """
w = scoring.criterion_weights(catalogue=cat, weights=weights or None)
axes_names = {"value": tr(lang, en="value", fr="valeur"), "relationship": tr(lang, en="relationship", fr="relation")}
weights_table = pd.DataFrame({
    "criterion": [cat.label(k, lang) for k in w.index],
    "axis": [axes_names.get(cat.criteria[k].axis, cat.criteria[k].axis) for k in w.index],
    "weight": w.to_numpy(),
})
weights_table["share_of_total_pct"] = weights_table["weight"] / weights_table["weight"].sum() * 100
table(weights_table, lang,
      columns={"criterion": ("Criterion", "Critère"), "axis": ("Score", "Score"), "weight": ("Weight", "Poids"),
               "share_of_total_pct": ("Share of the total weight (%)", "Part du poids total (%)")},
      decimals={"weight": 1, "share_of_total_pct": 1})
"""),
("code", """
scores = scoring.score_clients(register, catalogue=cat, weights=weights or None)
plots.plot_score_map(scores)
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "score_map")
plt.show()
"""),
("code", """
ranked = scores.dropna(subset=["total_score"]).sort_values("total_score", ascending=False)
n_insufficient = int(scores["insufficient_data"].sum())
n_missing = int((scores["coverage"] < 1).sum())
min_cov = num(scoring.scoring_settings(cat)["min_coverage"] * 100)
lo, hi, med = (num(ranked["total_score"].agg(f)) for f in ("min", "max", "median"))
corr = num(scores["value_score"].corr(scores["relationship_score"]), 2)
Markdown(tr(
    lang,
    en=f"Total scores run from {lo} to {hi} (median {med}). The value and relationship scores are correlated at {corr}. "
    + (f"**{num(n_insufficient)} {plural(n_insufficient, 'client has', 'clients have', lang)} too little data** "
       f"(coverage under {min_cov} % of the weight) and {plural(n_insufficient, 'is', 'are', lang)} flagged "
       "*insufficient data*; " if n_insufficient else
       f"No client has too little data (coverage under {min_cov} % of the weight); ")
    + (f"{num(n_missing)} {plural(n_missing, 'client misses', 'clients miss', lang)} at least one criterion."
       if n_missing else "every client has a value for every criterion."),
    fr=f"Les scores totaux vont de {lo} à {hi} (médiane {med}). Les scores de valeur et de relation sont corrélés à "
    f"{corr}. "
    + (f"**{num(n_insufficient)} {plural(n_insufficient, 'client a', 'clients ont', lang)} trop peu de données** "
       f"(couverture inférieure à {min_cov} % du poids) et {plural(n_insufficient, 'est signalé', 'sont signalés', lang)} "
       "*données insuffisantes* ; " if n_insufficient else
       f"Aucun client n'a trop peu de données (couverture inférieure à {min_cov} % du poids) ; ")
    + (f"il manque au moins un critère à {num(n_missing)} {plural(n_missing, 'client', 'clients', lang)}."
       if n_missing else "tous les clients sont renseignés sur tous les critères."),
))
"""),
("code", """
shown = ranked.assign(name=ranked["client_id"].map(names), coverage_pct=ranked["coverage"] * 100)
table(pd.concat([shown.head(5), shown.tail(5)]), lang,
      columns={"client_id": ("Client ID", "Identifiant"), "name": ("Client", "Client"),
               "value_score": ("Value score", "Score de valeur"),
               "relationship_score": ("Relationship score", "Score de relation"),
               "total_score": ("Total score", "Score total"), "coverage_pct": ("Coverage (%)", "Couverture (%)")},
      decimals={"value_score": 1, "relationship_score": 1, "total_score": 1, "coverage_pct": 0})
"""),
("md-en", """
## What makes a score

Each bar is a client and each colour a criterion: its length is the points that criterion adds to
the total score, so the bars add up to the score. The five best and five weakest clients:
"""),
("md-fr", """
## De quoi un score est fait

Chaque barre est un client et chaque couleur un critère : sa longueur est le nombre de points que
ce critère ajoute au score total, si bien que les segments s'additionnent pour donner le score. Les
cinq meilleurs clients et les cinq plus faibles :
"""),
("code", """
contrib = scoring.contributions(register, catalogue=cat, weights=weights or None)
shown_ids = pd.concat([ranked.head(5), ranked.tail(5)])["client_id"]
plots.plot_contributions(contrib.set_index("client_id").loc[shown_ids].reset_index(),
                         labels={k: cat.label(k, lang) for k in contrib.columns if k in cat.criteria},
                         names=names)
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "score_contributions")
plt.show()
"""),
("code", """
mean_points = contrib.drop(columns=["client_id", "total_score"]).mean().sort_values(ascending=False)
first, second, last = (cat.label(mean_points.index[i], lang) for i in (0, 1, -1))
p1, p2, p3 = (num(mean_points.iloc[i], 1) for i in (0, 1, -1))
Markdown(tr(
    lang,
    en=f"Across the portfolio, *{first}* adds the most points on average ({p1}), then *{second}* ({p2}); "
    f"*{last}* adds the least ({p3}).",
    fr=f"Sur l'ensemble du portefeuille, *{first}* apporte en moyenne le plus de points ({p1}), puis *{second}* ({p2}) ; "
    f"*{last}* en apporte le moins ({p3}).",
))
"""),
("md-en", """
## How much the ranking depends on the weights

The weights are drawn again many times around the chosen ones (Dirichlet draws, seeded) and the
clients ranked each time. A client whose rank stays in a narrow band is placed by its data; one
whose band is wide is placed by the weights, and deserves a second look before acting on it.
"""),
("md-fr", """
## Dans quelle mesure le classement dépend-il des pondérations ?

Les pondérations sont tirées de nombreuses fois autour de celles retenues (tirages de Dirichlet,
reproductibles) et les clients reclassés à chaque tirage. Un client dont le rang reste dans une
bande étroite est placé par ses données ; un client dont la bande est large est placé par les
pondérations, et mérite un second examen avant d'agir.
"""),
("code", """
sens = sensitivity.weight_sensitivity(register, catalogue=cat, weights=weights or None, n_draws=n_draws,
                                      concentration=concentration, random_state=random_state)
sensitivity_plots.plot_rank_intervals(sens, top=30)
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "rank_intervals")
plt.show()
"""),
("code", """
p = sens.portfolio
r = sens.ranks.dropna(subset=["base_rank"])
stable = r[r["interval_width"] <= 0.1 * len(r)]
tau, tau5, width = num(p["kendall_tau_median"], 2), num(p["kendall_tau_p05"], 2), num(p["median_interval_width"])
Markdown(tr(
    lang,
    en=f"Over {num(p['n_draws'])} draws, Kendall's tau between the chosen ranking and a perturbed one has a median of "
    f"**{tau}** (5 % of draws below {tau5}). The median client's 90 % rank interval spans {width} places out of "
    f"{num(len(r))}; {num(len(stable))} clients stay within a tenth of the ranking whatever the weights.",
    fr=f"Sur {num(p['n_draws'])} tirages, le tau de Kendall entre le classement retenu et un classement perturbé a une "
    f"médiane de **{tau}** (5 % des tirages sous {tau5}). L'intervalle de rang à 90 % du client médian couvre {width} "
    f"places sur {num(len(r))} ; pour {num(len(stable))} clients, cet intervalle ne dépasse pas un dixième du "
    "classement, quelles que soient les pondérations.",
))
"""),
("tagged-md", """
## Try other weights (JupyterLab)

Move the sliders: the panel re-scores the portfolio and lists the clients whose recommended action
changes against the weights above. It needs the `lab` extra (`make lab` installs it) and is not part
of the written report.
"""),
("tagged-code", """
# NBVAL_IGNORE_OUTPUT
from portfolio_analysis.widgets import weights_panel

weights_panel(register, catalogue=cat, weights=weights or None)
"""),
("code", """
save_table(scores, out_dir, "scores")
save_table(contrib, out_dir, "score_contributions")
save_table(sens.ranks, out_dir, "rank_sensitivity");
"""),
]
nbformat.write(build(cells), str(NOTEBOOKS / "03_scoring.ipynb"))
print("written")
