"""Source of a notebook: run it to rewrite the notebook, then `make notebooks` to execute it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
import nbformat
from nbtools import PARAMETERS, build

cells = [
("md-en", """
# 4 · Segments: clients that look alike

The article asks for the *differences and similarities* between clients. This step groups them on
their criteria with a distance made for such mixed data (Gower's): ordinal levels compared by rank,
categories by match or mismatch, the supplier-selection criteria by their overlap (Jaccard),
figures range-normalised (billing on a log scale); a criterion one of two clients lacks is skipped
for that pair. Clients are then clustered (average linkage), the number of groups chosen by the
silhouette over a range unless fixed below, and each group checked for **stability** by
re-clustering random subsamples: a group that does not come back is a pattern of the sample, not
of the portfolio.
"""),
("md-fr", """
# 4 · Segments : les clients qui se ressemblent

L'article invite à découvrir *les différences et les similitudes entre les différents clients*.
Cette étape les regroupe selon leurs critères, avec une distance conçue pour ces données mixtes
(celle de Gower) : les niveaux ordonnés comparés par rang, les catégories par concordance, les
critères de décision par leur recouvrement (Jaccard), les données chiffrées ramenées à leur étendue
(la facturation sur une échelle logarithmique) ; un critère qui manque à l'un des deux clients est
ignoré pour cette paire. Les clients sont ensuite regroupés (classification hiérarchique, liaison
moyenne), le nombre de groupes choisi par la silhouette dans une plage donnée, sauf s'il est fixé
ci-dessous, et la **stabilité** de chaque groupe vérifiée en refaisant le regroupement sur des
sous-échantillons tirés au hasard : un groupe qui ne se retrouve pas est un motif de l'échantillon,
pas du portefeuille.
"""),
("params", PARAMETERS + '''
criteria = None  # the criteria used (default: every evaluation criterion and billing), e.g. ["relationship_type", "profitability"]
n_clusters = None  # a fixed number of groups, or None to choose it from the data
k_range = (2, 8)  # the range the number of groups is chosen in
n_resamples = 20  # subsamples for the stability check
random_state = 0'''),
("code", """
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

from portfolio_analysis.load import portfolio as loading

from portfolio_analysis.steps import scoring

from portfolio_analysis.steps import segmentation
from portfolio_analysis.plots import segments as segment_plots
from portfolio_analysis.i18n import numbers, table, tr, translate_figure
from portfolio_analysis.deliver.tables import save_figure, save_table

num = numbers(lang)
portfolio = loading.load_portfolio(
    clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
    mapping=mapping, sheet=sheet,
)
cat = portfolio.catalogue
register = portfolio.clients
scores = scoring.score_clients(register, catalogue=cat)
segmenter = segmentation.Segmenter(criteria=criteria, n_clusters=n_clusters, k_range=tuple(k_range),
                                   catalogue=cat, random_state=random_state).fit(register)
labels = segmenter.labels_
profiles = segmentation.segment_profiles(register, labels, scores, catalogue=cat, lang=lang)
names = segmentation.name_segments(profiles, catalogue=cat, lang=lang)
segments = segmentation.segment_table(register, segmenter, scores=scores, catalogue=cat, lang=lang)
"""),
("md-en", "## How many groups?"),
("md-fr", "## Combien de groupes ?"),
("code", """
sil = segmenter.silhouette_.rename_axis("groups")
table(sil.rename("silhouette").reset_index(), lang,
      columns={"groups": ("Number of groups", "Nombre de groupes"), "silhouette": ("Silhouette", "Silhouette")},
      decimals={"silhouette": 3})
"""),
("code", """
stability = segmentation.segment_stability(register, segmenter, n_resamples=n_resamples, random_state=random_state)
k, best = segmenter.n_clusters_, num(sil.max(), 2)
unstable = ", ".join(names[stability.groups.index[stability.groups["jaccard"] < 0.75]])
resampled = (stability.n_resamples, num(stability.fraction * 100), num(stability.ari, 2))
Markdown(tr(
    lang,
    en=(f"The data suggest **{k} groups** (the highest silhouette, {best}, over "
        f"{sil.index.min()}–{sil.index.max()} groups)." if n_clusters is None else
        f"The analyst fixed **{k} groups** (silhouette {best}).")
    + f" Over {resampled[0]} subsamples of {resampled[1]} % of the clients, the groups come back "
    f"with an adjusted Rand index of {resampled[2]}. "
    + ("Every group comes back (Jaccard of 0.75 or more): the segmentation is stable." if stability.stable else
       f"**The segmentation is not stable**: {unstable} do not come back reliably (Jaccard under 0.75); treat them "
       "as patterns of this sample, not as segments to manage."),
    fr=(f"Les données suggèrent **{k} groupes** (la meilleure silhouette, {best}, entre {sil.index.min()} et "
        f"{sil.index.max()} groupes)." if n_clusters is None else
        f"L'analyste a fixé **{k} groupes** (silhouette {best}).")
    + f" Sur {resampled[0]} sous-échantillons de {resampled[1]} % des clients, les groupes se retrouvent avec un "
    f"indice de Rand ajusté de {resampled[2]}. "
    + ("Chaque groupe se retrouve (Jaccard de 0,75 ou plus) : la segmentation est stable." if stability.stable else
       f"**La segmentation n'est pas stable** : {unstable} ne se retrouvent pas de façon fiable (Jaccard inférieur à "
       "0,75) ; considérez-les comme des motifs de cet échantillon, pas comme des segments à piloter."),
))
"""),
("code", """
verdicts = {"dissolved": "dissous", "unstable": "instable", "pattern": "motif", "stable": "stable",
            "highly stable": "très stable"}
groups = stability.groups.assign(name=names).rename_axis("segment").reset_index()
if lang == "fr":
    groups["verdict"] = groups["verdict"].map(lambda v: verdicts.get(v, v))
table(groups, lang,
      columns={"segment": ("Group", "Groupe"), "name": ("Name", "Nom"), "size": ("Clients", "Clients"),
               "jaccard": ("Jaccard (mean)", "Jaccard (moyen)"), "jaccard_min": ("Jaccard (lowest)", "Jaccard (minimum)"),
               "dissolved_pct": ("Dissolved (% of subsamples)", "Dissous (% des sous-échantillons)"),
               "verdict": ("Verdict", "Verdict")},
      decimals={"jaccard": 2, "jaccard_min": 2, "dissolved_pct": 0})
"""),
("md-en", "## The groups"),
("md-fr", "## Les groupes"),
("code", """
segment_points = segmentation.segment_map(register, labels, catalogue=cat, criteria=criteria,
                                          random_state=random_state)
segment_plots.plot_segment_map(segment_points, names=names, n_clients=len(register))
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "segment_map")
plt.show()
"""),
("code", """
segment_plots.plot_segment_profiles(profiles, names=names, catalogue=cat, lang=lang)
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "segment_profiles")
plt.show()
"""),
("code", """
cols = ["n_clients", "billing_share_pct", "profit_share_pct", "value_score", "relationship_score"]
summary_table = profiles[[c for c in cols if c in profiles.columns]].assign(name=names)
table(summary_table.rename_axis("segment").reset_index(), lang,
      columns={"segment": ("Group", "Groupe"), "name": ("Name", "Nom"), "n_clients": ("Clients", "Clients"),
               "billing_share_pct": ("Billing (%)", "Facturation (%)"), "profit_share_pct": ("Profit (%)", "Bénéfice (%)"),
               "value_score": ("Value score (mean)", "Score de valeur (moyen)"),
               "relationship_score": ("Relationship score (mean)", "Score de relation (moyen)")},
      decimals={"n_clients": 0, "billing_share_pct": 1, "profit_share_pct": 1, "value_score": 1,
                "relationship_score": 1})
"""),
("code", """
lines = []
for _, row in summary_table.iterrows():
    n, bill, prof, val, rel = (num(row.get(c, float("nan"))) for c in cols)
    lines.append(tr(
        lang,
        en=f"- **{row['name']}** — {n} clients, {bill} % of billing and {prof} % of profit; mean value score {val}, "
        f"relationship score {rel}.",
        fr=f"- **{row['name']}** — {n} clients, {bill} % de la facturation et {prof} % du bénéfice ; score de valeur "
        f"moyen {val}, score de relation moyen {rel}.",
    ))
Markdown("\\n".join(lines))
"""),
("md-en", """
## Each client against its group

How each client differs from its group's most typical member (the medoid), and its three most
similar peers across the portfolio — the clients to compare it with when deciding what to do.
"""),
("md-fr", """
## Chaque client face à son groupe

En quoi chaque client diffère du membre le plus typique de son groupe (le médoïde), et ses trois
voisins les plus semblables dans tout le portefeuille — les clients auxquels le comparer au moment
de décider quoi faire.
"""),
("code", """
differences = segmentation.client_differences(register, labels, segmenter.medoids_, catalogue=cat,
                                               criteria=criteria, lang=lang)
peers = segmentation.nearest_peers(register, k=3, catalogue=cat, criteria=criteria)
client_names = register.set_index("client_id")["name"]
shown = differences.head(8).assign(
    name=lambda d: d["client_id"].map(client_names),
    medoid=lambda d: d["medoid"].map(client_names).fillna(d["medoid"]),
    main_difference=lambda d: d["main_difference"].map(
        lambda k: cat.label(k, lang) if k in cat.criteria or k in cat.fields else k))
table(shown, lang,
      columns={"client_id": ("Client ID", "Identifiant"), "name": ("Client", "Client"), "segment": ("Group", "Groupe"),
               "medoid": ("Its group's medoid", "Médoïde du groupe"), "distance_to_medoid": ("Distance to the medoid", "Distance au médoïde"),
               "n_differences": ("Differences", "Différences"),
               "main_difference": ("Main difference", "Principale différence"),
               "differences": ("Details", "Détail")},
      decimals={"distance_to_medoid": 2})
"""),
("code", """
if len(register) <= 300:
    tree = segmentation.dendrogram_linkage(register, catalogue=cat, criteria=criteria)
    segment_plots.plot_dendrogram(tree.linkage, leaves=tree.leaves, n_clusters=segmenter.n_clusters_)
    translate_figure(plt.gcf(), lang)
    save_figure(plt.gcf(), out_dir, "dendrogram")
    plt.show()
"""),
("code", """
save_table(segments, out_dir, "segments")
save_table(profiles.assign(name=names).reset_index(), out_dir, "segment_profiles")
save_table(differences, out_dir, "segment_differences")
save_table(peers, out_dir, "peers");
"""),
]
nbformat.write(build(cells), str(NOTEBOOKS / "04_segmentation.ipynb"))
print("written")
