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
# for that pair. Clients are then clustered (average linkage), the number of groups chosen by the
# silhouette over a range unless fixed below, and each group checked for **stability** by
# re-clustering random subsamples: a group that does not come back is a pattern of the sample, not
# of the portfolio.

# %% [markdown] tags=["lang-fr"]
# # 4 · Segments : les clients qui se ressemblent
#
# L'article invite à découvrir *les différences et les similitudes entre les différents clients*.
# Cette étape les regroupe selon leurs critères, avec une distance conçue pour ces données mixtes
# (celle de Gower) : les niveaux ordonnés comparés par rang, les catégories par concordance, les
# critères de décision par leur recouvrement (Jaccard), les données chiffrées ramenées à leur étendue
# (la facturation sur une échelle logarithmique) ; un critère qui manque à l'un des deux clients est
# ignoré pour cette paire. Les clients sont ensuite regroupés (classification hiérarchique, liaison
# moyenne), le nombre de groupes choisi par la silhouette dans une plage donnée, sauf s'il est fixé
# ci-dessous, et la **stabilité** de chaque groupe vérifiée en refaisant le regroupement sur des
# sous-échantillons tirés au hasard : un groupe qui ne se retrouve pas est un motif de l'échantillon,
# pas du portefeuille.

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
names = a.segment_profiles.set_index("segment")["name"]

# %% [markdown] tags=["lang-en"]
# ## How many groups?

# %% [markdown] tags=["lang-fr"]
# ## Combien de groupes ?

# %%
page.table(a.silhouette, columns={"k": N_("Number of groups"), "silhouette": N_("Silhouette")},
           decimals={"silhouette": 3})

# %%
sil = a.silhouette.set_index("k")["silhouette"]
k = seg["n_clusters"]
fixed = (a.catalogue.settings.get("segmentation") or {}).get("n_clusters") is not None
if fixed:
    text = _("The analyst fixed **{k} groups** (silhouette {best}).").format(k=num(k), best=num(sil.get(k), 2))
else:
    text = _("The data suggest **{k} groups**: the highest silhouette ({best}) over {low} to {high} groups. The "
             "silhouette, from -1 to 1, measures how much closer each client is to its own group than to the "
             "next one.").format(k=num(k), best=num(sil.max(), 2), low=num(sil.index.min()), high=num(sil.index.max()))
text += " " + _("Over {n} subsamples of {share} of the clients, the groups come back with an adjusted Rand index of "
                "{ari} (1 when a subsample gives the same groups, 0 when they match only by chance).").format(
    n=num(seg["n_resamples"]), share=pct(seg["fraction"] * 100), ari=num(seg["ari"], 2))
stab = a.segment_stability
unstable = stab.loc[stab["jaccard"] < 0.75, "name"].astype(str).tolist()
text += " " + (_("Every group comes back (a Jaccard overlap of 0.75 or more with its best match): the segmentation "
                 "is stable.") if seg["stable"] else
               _("**The segmentation is not stable**: {groups} do not come back reliably (a Jaccard overlap under "
                 "0.75); treat them as patterns of this sample, not as segments to manage.").format(
                   groups=", ".join(unstable)))
page.md(text)

# %%
verdicts = {"dissolved": _("dissolved"), "unstable": _("unstable"), "pattern": _("pattern"), "stable": _("stable"),
            "highly stable": _("highly stable")}
page.table(stab.assign(verdict=stab["verdict"].map(lambda v: verdicts.get(v, v))),
           columns={"segment": N_("Group"), "name": N_("Name"), "size": N_("Clients"), "jaccard": N_("Jaccard (mean)"),
                    "jaccard_min": N_("Jaccard (lowest)"), "dissolved_pct": N_("Dissolved (% of subsamples)"),
                    "verdict": N_("Verdict")},
           decimals={"jaccard": 2, "jaccard_min": 2, "dissolved_pct": 0})

# %% [markdown] tags=["lang-en"]
# ## The groups

# %% [markdown] tags=["lang-fr"]
# ## Les groupes

# %%
ax = segment_plots.plot_segment_map(a.segment_map, names=names, n_clients=len(a.clients), lang=lang)
page.figure(ax.figure, "segment_map")

# %%
ax = segment_plots.plot_segment_profiles(a.segment_profiles.set_index("segment"), names=names, catalogue=a.catalogue,
                                         lang=lang)
page.figure(ax.figure, "segment_profiles")

# %%
profiles = a.segment_profiles
page.table(profiles, columns={"segment": N_("Group"), "name": N_("Name"), "n_clients": N_("Clients"),
                              "billing_share_pct": N_("Billing (%)"), "profit_share_pct": N_("Profit (%)"),
                              "value_score": N_("Value score (mean)"),
                              "relationship_score": N_("Relationship score (mean)")},
           decimals={"n_clients": 0, "billing_share_pct": 1, "profit_share_pct": 1, "value_score": 1,
                     "relationship_score": 1})

# %%
lines = []
for row in profiles.to_dict("records"):
    lines.append("- " + L.plural(
        "**{name}** — {n} client, {billing} of billing and {profit} of profit; mean value score {value}, "
        "relationship score {relationship}.",
        "**{name}** — {n} clients, {billing} of billing and {profit} of profit; mean value score {value}, "
        "relationship score {relationship}.", row["n_clients"]).format(
        name=row["name"], n=num(row["n_clients"]), billing=pct(row.get("billing_share_pct")),
        profit=pct(row.get("profit_share_pct")), value=num(row.get("value_score")),
        relationship=num(row.get("relationship_score"))))
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
shown = a.segment_differences.sort_values("distance_to_medoid", ascending=False).head(8)
shown = shown.assign(name=shown["client_id"].map(page.client_names()),
                     medoid=shown["medoid"].map(page.client_names()).fillna(shown["medoid"]),
                     main_difference=shown["main_difference"].map(page.label))
page.table(shown, columns={"client_id": N_("Client ID"), "name": N_("Client"), "segment": N_("Group"),
                           "medoid": N_("Its group's most typical client"),
                           "distance_to_medoid": N_("Distance to it (0-1)"), "n_differences": N_("Differences"),
                           "main_difference": N_("Main difference"), "differences": N_("Details")},
           decimals={"distance_to_medoid": 2})

# %%
if len(a.dendrogram):
    ax = segment_plots.plot_dendrogram(a.dendrogram, leaves=a.dendrogram_leaves, n_clusters=seg["n_clusters"],
                                       lang=lang)
    page.figure(ax.figure, "dendrogram")
