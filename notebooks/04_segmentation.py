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
# # 4 · Segments: clients that look alike
#
# The article asks for the *differences and similarities* between clients. This step groups them on
# their criteria with a distance made for such mixed data (Gower's): ordinal levels compared by rank,
# categories by match or mismatch, the supplier-selection criteria by their overlap (Jaccard),
# figures range-normalised (billing on a log scale); a criterion one of two clients lacks is skipped
# for that pair. Clients are clustered (average linkage), then each moves to the group whose profile
# makes its own values the most probable (a latent class model). The number of groups, unless fixed
# below, is the one the data support best (the ICL criterion) among those whose every group comes
# back when random subsamples are grouped again and holds enough clients; when no number does, or
# fewer than two criteria carry information, the report says so instead of inventing segments.

# %% [markdown] tags=["lang-fr"]
# # 4 · Segments : les clients qui se ressemblent
#
# L'article invite à découvrir *les différences et les similitudes entre les différents clients*.
# Cette étape les regroupe selon leurs critères, avec une distance conçue pour ces données mixtes
# (celle de Gower) : les niveaux ordonnés comparés par rang, les catégories par concordance, les
# critères de décision par leur recouvrement (Jaccard), les données chiffrées ramenées à leur étendue
# (la facturation sur une échelle logarithmique) ; un critère qui manque à l'un des deux clients est
# ignoré pour cette paire. Les clients sont regroupés (classification hiérarchique, liaison moyenne),
# puis chacun rejoint le groupe dont le profil rend ses propres valeurs les plus probables (un modèle
# à classes latentes). Le nombre de groupes, sauf s'il est fixé ci-dessous, est celui que les données
# soutiennent le mieux (le critère ICL) parmi ceux dont chaque groupe se retrouve quand on regroupe
# à nouveau des sous-échantillons tirés au hasard et compte assez de clients ; quand aucun ne
# convient, ou que moins de deux critères apportent de l'information, le rapport le dit au lieu
# d'inventer des segments.

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
criteria = None  # the criteria clustered on, e.g. ["relationship_type", "profitability"] (default: all with data)
n_clusters = None  # a fixed number of groups (default: chosen from the data)
k_range = None  # the range the number of groups is chosen in (default [2, 8])
n_resamples = None  # subsamples for the stability check (default 20)
random_state = None  # the seed of every random step (default 0)

# %%
from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.plots import segments as segment_plots

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir, parameters={"criteria": criteria, "n_clusters": n_clusters,
                                                        "k_range": k_range, "n_resamples": n_resamples,
                                                        "random_state": random_state})
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct
seg = a.facts["segmentation"]
segmented = seg["status"] == "segmented"
names = a.segment_profiles.set_index("segment")["name"]

# %% [markdown] tags=["lang-en"]
# ## How many groups?

# %% [markdown] tags=["lang-fr"]
# ## Combien de groupes ?

# %%
crit = a.segment_criteria
page.table(crit.assign(criterion=crit["criterion"].map(page.label)),
           columns={"criterion": N_("Criterion"), "known_pct": N_("Known (% of clients)"),
                    "top_share_pct": N_("Most common value (%)"), "used": N_("Used"),
                    "cramers_v": N_("Cramér's V with the groups"), "ari": N_("Agreement with the groups (ARI)")},
           decimals={"known_pct": 0, "top_share_pct": 0, "cramers_v": 2, "ari": 2})

# %%
used = [page.label(k) for k in seg["criteria"]]
if seg["status"] == "too_few_criteria":
    text = L.plural("**No segmentation**: only {n} criterion carries information ({names}); groups on it would only "
                    "be bands of it.", "**No segmentation**: only {n} criteria carry information ({names}); at least "
                    "two are needed.", len(used)).format(n=num(len(used)), names=", ".join(page.esc(u) for u in used) or "–")
elif seg["status"] == "too_few_clients":
    text = _("**No segmentation**: with {n} clients, no two groups can each hold the {m} clients a group needs.").format(
        n=num(len(a.clients)), m=num(seg.get("min_size", 5)))
elif seg["status"] == "no_stable_groups":
    text = _("**No segmentation**: no number of groups from {low} to {high} gives groups that come back when "
             "subsamples of the clients are grouped again; the clients do not fall into distinct groups on these "
             "criteria.").format(low=num(a.segment_choice["k"].min()), high=num(a.segment_choice["k"].max()))
else:
    k = seg["n_clusters"]
    fixed = (a.catalogue.settings.get("segmentation") or {}).get("n_clusters") is not None
    text = (_("The analyst fixed **{k} groups**.").format(k=num(k)) if fixed else
            _("The data support **{k} groups**: of the numbers whose every group comes back in subsamples and holds "
              "at least {m} clients, the one the latent class model fits best (the lowest ICL).").format(
                k=num(k), m=num(seg["min_size"])))
    text += " " + _("Over {n} subsamples of {share} of the clients, the groups come back with an adjusted Rand index "
                    "of {ari} (1 when a subsample gives the same groups, 0 when they match only by chance).").format(
        n=num(seg["n_resamples"]), share=pct(seg["fraction"] * 100), ari=num(seg["ari"], 2))
    stab = a.segment_stability
    unstable = stab.loc[stab["jaccard"] < 0.75, "name"].astype(str).tolist()
    text += " " + (_("Every group comes back (a Jaccard overlap of 0.75 or more with its best match): the "
                     "segmentation is stable.") if seg["stable"] else
                   _("**The segmentation is not stable**: {groups} do not come back reliably (a Jaccard overlap under "
                     "0.75); treat them as patterns of this sample, not as segments to manage.").format(
                       groups=", ".join(page.esc(g) for g in unstable)))
    if seg["dominant"]:
        text += " " + _("**The groups are the levels of one criterion, {criterion}** (adjusted Rand index {ari}): "
                        "the segmentation says nothing that {criterion} alone does not.").format(
            criterion=page.esc(page.label(seg["dominant"])), ari=num(seg["dominant_ari"], 2))
    else:
        top = crit.dropna(subset=["cramers_v"]).sort_values("cramers_v", ascending=False).head(3)
        text += " " + _("No criterion alone makes the groups; those that go most with them are {names}.").format(
            names=", ".join(f"{page.esc(page.label(r.criterion))} ({num(r.cramers_v, 2)})" for r in top.itertuples()))
page.md(text)

# %%
if len(a.segment_choice):
    page.table(a.segment_choice, columns={"k": N_("Number of groups"), "silhouette": N_("Silhouette"),
                                          "icl": N_("ICL (lower is better)"),
                                          "stability": N_("Stability (ARI in subsamples)"),
                                          "jaccard_min": N_("Least stable group (Jaccard)"),
                                          "smallest": N_("Smallest group"), "chosen": N_("Chosen")},
               decimals={"silhouette": 3, "icl": 0, "stability": 2, "jaccard_min": 2, "smallest": 0})

# %%
if segmented:
    stab = a.segment_stability
    verdicts = {"dissolved": _("dissolved"), "unstable": _("unstable"), "pattern": _("pattern"),
                "stable": _("stable"), "highly stable": _("highly stable")}
    display(page.table(stab.assign(verdict=stab["verdict"].map(lambda v: verdicts.get(v, v))),
                       columns={"segment": N_("Group"), "name": N_("Name"), "size": N_("Clients"),
                                "jaccard": N_("Jaccard (mean)"), "jaccard_min": N_("Jaccard (lowest)"),
                                "dissolved_pct": N_("Dissolved (% of subsamples)"), "verdict": N_("Verdict")},
                       decimals={"jaccard": 2, "jaccard_min": 2, "dissolved_pct": 0}))

# %% [markdown] tags=["lang-en"]
# ## The groups

# %% [markdown] tags=["lang-fr"]
# ## Les groupes

# %%
if segmented:
    ax = segment_plots.plot_segment_map(a.segment_map, names=names, n_clients=len(a.clients), lang=lang)
    page.figure(ax.figure, "segment_map")

# %%
if segmented:
    ax = segment_plots.plot_segment_profiles(a.segment_profiles.set_index("segment"), names=names,
                                             catalogue=a.catalogue, lang=lang)
    page.figure(ax.figure, "segment_profiles")

# %%
profiles = a.segment_profiles
if segmented:
    display(page.table(profiles, columns={"segment": N_("Group"), "name": N_("Name"), "n_clients": N_("Clients"),
                                          "billing_share_pct": N_("Billing (%)"), "profit_share_pct": N_("Profit (%)"),
                                          "value_score": N_("Value score (mean)"),
                                          "relationship_score": N_("Relationship score (mean)")},
                       decimals={"n_clients": 0, "billing_share_pct": 1, "profit_share_pct": 1, "value_score": 1,
                                 "relationship_score": 1}))

# %%
lines = []
for row in profiles.to_dict("records"):
    lines.append("- " + L.plural(
        "**{name}** — {n} client, {billing} of billing and {profit} of profit; mean value score {value}, "
        "relationship score {relationship}.",
        "**{name}** — {n} clients, {billing} of billing and {profit} of profit; mean value score {value}, "
        "relationship score {relationship}.", row["n_clients"]).format(
        name=page.esc(row["name"]), n=num(row["n_clients"]), billing=pct(row.get("billing_share_pct")),
        profit=pct(row.get("profit_share_pct")), value=num(row.get("value_score")),
        relationship=num(row.get("relationship_score"))))
if lines:
    page.md("\n".join(lines))

# %% [markdown] tags=["lang-en"]
# ## Each client against its group
#
# How each client differs from its group's most typical member (the medoid), and its three most
# similar peers across the portfolio — the clients to compare it with when deciding what to do.

# %% [markdown] tags=["lang-fr"]
# ## Chaque client face à son groupe
#
# En quoi chaque client diffère du membre le plus typique de son groupe (le médoïde), et ses trois
# voisins les plus semblables dans tout le portefeuille — les clients auxquels le comparer au moment
# de décider quoi faire.

# %%
if not segmented:
    peers = a.peers
    text = (_("Without groups, each client's three most similar clients on the criteria that have data are still "
              "listed in the tables (peers).") if len(peers) and "peer_1" in peers else
            _("Without criteria to compare them on, clients have no peers either."))
    page.md(text)

# %%
shown = (a.segment_differences.sort_values("distance_to_medoid", ascending=False).head(8) if segmented
         else a.segment_differences.head(0))
if segmented:
    shown = shown.assign(name=shown["client_id"].map(page.client_names()),
                         medoid=shown["medoid"].map(page.client_names()).fillna(shown["medoid"]),
                         main_difference=shown["main_difference"].map(page.label))
    display(page.table(shown, columns={"client_id": N_("Client ID"), "name": N_("Client"), "segment": N_("Group"),
                                       "medoid": N_("Its group's most typical client"),
                                       "distance_to_medoid": N_("Distance to it (0-1)"),
                                       "n_differences": N_("Differences"), "main_difference": N_("Main difference"),
                                       "differences": N_("Details")},
                       decimals={"distance_to_medoid": 2}))

# %%
if segmented and len(a.dendrogram):
    ax = segment_plots.plot_dendrogram(a.dendrogram, leaves=a.dendrogram_leaves, n_clusters=seg["n_clusters"],
                                       lang=lang)
    page.figure(ax.figure, "dendrogram")
