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
# # 3 · Scoring
#
# Every criterion becomes a score between 0 (its worst level) and 1 (its best), through the levels
# of the criteria catalogue or, for figures, by where they fall in a range (a margin of 0 to 30 %, a
# share of wallet of 0 to 100 %, billing on a log scale). They are weighted into a **value score**
# (what the client brings:
# profitability, share of wallet, billing size and growth, upsell potential) and a **relationship
# score** (relationship type, collaboration, outlook, R&D, learning, and how the client's
# supplier-selection criteria fit our positioning), and a total, each from 0 to 100.
#
# Weights are relative: only their proportions matter; the table below gives each one's share. (How to
# change them is in the appendix, *How to reproduce this report*.) A client missing some criteria is
# scored on those it has,
# with its **coverage** — the share of the total weight it has data for — reported; below the
# configured minimum it is flagged *insufficient data* and never judged on it.

# %% [markdown] tags=["lang-fr"]
# # 3 · Les scores
#
# Chaque critère devient un score entre 0 (son niveau le moins bon) et 1 (son meilleur niveau), au
# moyen des niveaux du catalogue des critères ou, pour les données chiffrées, selon leur place dans une
# fourchette (une marge de 0 à 30 %, une part des achats de 0 à 100 %, la facturation sur une échelle
# logarithmique). Ces scores sont pondérés en un **score de valeur**
# (ce que le client apporte : rentabilité, part des achats, taille et croissance de la facturation,
# potentiel de ventes supplémentaires) et un **score de relation** (type de relation, facilité de
# collaboration, perspectives commerciales, collaboration en R&D, possibilités d'apprentissage, et
# l'adéquation des critères de décision du client avec notre positionnement), puis en un score total,
# chacun de 0 à 100.
#
# Les pondérations sont relatives : seules leurs proportions comptent ; le tableau ci-dessous donne la
# part de chacune. (La façon de les modifier figure en annexe, *Reproduire ce rapport*.) Un client à
# qui il manque des critères est noté sur
# ceux dont il dispose, et sa **couverture** — la part du poids total pour laquelle il a des données —
# est indiquée ; en dessous du minimum configuré, il est signalé *données insuffisantes* et n'est
# jamais jugé sur cette base.

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
# this notebook's analysis parameters; None keeps the configuration's
weights = {}  # e.g. {"profitability": 5, "upsell_potential": 1}
n_draws = None  # weight perturbations for the sensitivity analysis (default 1,000)
concentration = None  # how tightly the perturbed weights stay around the chosen ones (default 50)
random_state = None  # the seed of every random step (default 0)

# %%
import pandas as pd

from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.plots import scoring as plots
from portfolio_analysis.plots.sensitivity import plot_rank_intervals

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir, parameters={"weights": weights, "n_draws": n_draws,
                                                        "concentration": concentration, "random_state": random_state})
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct
names = page.client_names()

# %% [markdown] tags=["lang-en"]
# ## The weights in force

# %% [markdown] tags=["lang-fr"]
# ## Les pondérations en vigueur

# %%
axes_names = {"value": _("value"), "relationship": _("relationship")}
w = a.weights
page.table(w.assign(criterion=w["criterion"].map(page.label), axis=w["axis"].map(axes_names)),
           columns={"criterion": N_("Criterion"), "axis": N_("Score"), "weight": N_("Weight"),
                    "share_pct": N_("Share of the total weight (%)")},
           decimals={"weight": 1, "share_pct": 1})

# %%
scores = a.scores
if scores["total_score"].notna().any():
    ax = plots.plot_score_map(scores, lang=lang)
    page.figure(ax.figure, "score_map")

# %%
ranked = scores.dropna(subset=["total_score"]).sort_values("total_score", ascending=False)
n_insufficient = int(scores["insufficient_data"].sum())
n_missing = int((scores["coverage"] < 1).sum())
min_cov = pct(a.facts["scoring"]["min_coverage"] * 100)
text = ""
if len(ranked):
    text = _("Total scores run from {low} to {high} (median {median}).").format(
        low=num(ranked["total_score"].min()), high=num(ranked["total_score"].max()),
        median=num(ranked["total_score"].median()))
    both = scores.dropna(subset=["value_score", "relationship_score"])
    if len(both) >= 3 and both["value_score"].std() > 0 and both["relationship_score"].std() > 0:
        text += " " + _("The value and relationship scores have a correlation of {r} (from -1 to 1; 0 means that "
                        "they tell independent stories).").format(r=num(both["value_score"].corr(both["relationship_score"]), 2))
text += " " + (L.plural("**{n} client has too little data** (criteria known for under {min} of the weight) and is "
                        "flagged *insufficient data*.",
                        "**{n} clients have too little data** (criteria known for under {min} of the weight) and are "
                        "flagged *insufficient data*.", n_insufficient).format(n=num(n_insufficient), min=min_cov)
               if n_insufficient else
               _("No client has too little data (criteria known for under {min} of the weight).").format(min=min_cov))
text += " " + (L.plural("{n} client misses at least one criterion.", "{n} clients miss at least one criterion.",
                        n_missing).format(n=num(n_missing)) if n_missing else
               _("Every client has a value for every criterion."))
page.md(text.strip())

# %%
if len(ranked):
    shown = ranked.assign(name=ranked["client_id"].map(names), coverage_pct=ranked["coverage"] * 100)
    display(page.table(pd.concat([shown.head(5), shown.tail(5)]).drop_duplicates("client_id"),
                       columns={"client_id": N_("Client ID"), "name": N_("Client"), "value_score": N_("Value score"),
                                "relationship_score": N_("Relationship score"), "total_score": N_("Total score"),
                                "coverage_pct": N_("Coverage (%)")},
                       decimals={"value_score": 1, "relationship_score": 1, "total_score": 1, "coverage_pct": 0}))

# %% [markdown] tags=["lang-en"]
# ## What makes a score
#
# Each bar is a client and each colour a criterion: its length is the points that criterion adds to
# the total score, so the bars add up to the score. The five best and five weakest clients:

# %% [markdown] tags=["lang-fr"]
# ## De quoi un score est fait
#
# Chaque barre est un client et chaque couleur un critère : sa longueur est le nombre de points que
# ce critère ajoute au score total, si bien que les segments s'additionnent pour donner le score. Les
# cinq meilleurs clients et les cinq plus faibles :

# %%
contrib = a.score_contributions
if len(ranked):
    shown_ids = pd.concat([ranked.head(5), ranked.tail(5)])["client_id"].drop_duplicates()
    ax = plots.plot_contributions(contrib.set_index("client_id").loc[shown_ids].reset_index(),
                                  labels={k: page.label(k) for k in contrib.columns if k in a.catalogue.criteria},
                                  names=names.to_dict(), lang=lang)
    page.figure(ax.figure, "score_contributions")

# %%
mean_points = contrib.drop(columns=["client_id", "total_score"]).mean().dropna().sort_values(ascending=False)
if len(mean_points) >= 3:
    page.md(_("Across the portfolio, *{first}* adds the most points on average ({p1}), then *{second}* ({p2}); "
              "*{last}* adds the least ({p3}).").format(
        first=page.esc(page.label(mean_points.index[0])), second=page.esc(page.label(mean_points.index[1])),
        last=page.esc(page.label(mean_points.index[-1])), p1=num(mean_points.iloc[0], 1), p2=num(mean_points.iloc[1], 1),
        p3=num(mean_points.iloc[-1], 1)))

# %% [markdown] tags=["lang-en"]
# ## How much the ranking depends on the weights
#
# The weights are drawn again many times at random around the chosen ones (always the same draws, so
# that the report comes out the same) and the clients ranked each time. A client whose rank stays in a narrow band is placed by its data; one
# whose band is wide is placed by the weights, and deserves a second look before acting on it.

# %% [markdown] tags=["lang-fr"]
# ## Dans quelle mesure le classement dépend-il des pondérations ?
#
# Les pondérations sont tirées de nombreuses fois au hasard autour de celles retenues (toujours les
# mêmes tirages, pour que le rapport soit reproductible) et les clients reclassés à chaque tirage. Un client dont le rang reste dans une
# bande étroite est placé par ses données ; un client dont la bande est large est placé par les
# pondérations, et mérite un second examen avant d'agir.

# %%
r = a.rank_sensitivity.dropna(subset=["base_rank"])
if len(r) >= 2:
    ax = plot_rank_intervals(a.rank_sensitivity, top=30, n_draws=a.facts["sensitivity"]["n_draws"], lang=lang)
    page.figure(ax.figure, "rank_intervals")

# %%
p = a.facts["sensitivity"]
if len(r) >= 2:
    stable = r[r["interval_width"] <= 0.1 * len(r)]
    page.md(_("Over {draws} draws of the weights, the ranking they give agrees with the chosen one at a median of "
              "**{tau}** (Kendall's tau: 1 when two rankings are the same, 0 when they are unrelated; 5 % of draws "
              "below {tau5}). The middle 90 % of a median client's ranks spans {width} places out of {n}; {stable} "
              "clients stay within a tenth of the ranking whatever the weights.").format(
        draws=num(p["n_draws"]), tau=num(p["kendall_tau_median"], 2), tau5=num(p["kendall_tau_p05"], 2),
        width=num(p["median_interval_width"]), n=num(len(r)), stable=num(len(stable))))
else:
    page.md(_("With fewer than two clients scored, there is no ranking to test against other weights."))

# %% [markdown] tags=["remove-cell"]
# ## Try other weights (JupyterLab)
#
# Move the sliders: the panel re-scores the portfolio and lists the clients whose recommended action
# changes against the weights above. It needs the `lab` extra (`make lab` installs it) and is not part
# of the written report.

# %% tags=["remove-cell"]
# NBVAL_IGNORE_OUTPUT
from portfolio_analysis.widgets import weights_panel

weights_panel(a.clients, catalogue=a.catalogue, lang=lang)
