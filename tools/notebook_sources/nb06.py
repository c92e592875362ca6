"""Source of a notebook: run it to rewrite the notebook, then `make notebooks` to execute it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
import nbformat
from nbtools import PARAMETERS, build

cells = [
("md-en", """
# 6 · Which relationships to develop, maintain, fix or end

The **portfolio matrix** sets each client's value score against its relationship score. Each
quadrant has a default action — develop the core partners, maintain the secure ones, fix the
economics of strong relationships that do not pay, reconsider the rest — and the rules of the
configuration (`settings.actions`, data, not code) refine it client by client:

* a loss-making client is not developed or maintained as it is: its economics are fixed first;
* a client that is still profitable is not ended;
* a client kept for other reasons — ongoing R&D, high learning, a growing outlook, a reference — is
  **fixed, never ended**, and marked as kept for strategic reasons;
* a client with too little data is **never ended**: the plan says what to collect.

The article's conclusion is the point of this step: analyse carefully whether and how weak
relationships can be improved, and end clearly those that never will be.
"""),
("md-fr", """
# 6 · Les relations à développer, à maintenir, à redresser ou auxquelles mettre fin

La **matrice du portefeuille** place le score de valeur de chaque client face à son score de
relation. Chaque quadrant a une action par défaut — développer les partenaires essentiels,
maintenir les clients acquis, redresser la rentabilité des relations solides qui ne rapportent pas,
reconsidérer les autres — et les règles de la configuration (`settings.actions`, des données et non
du code) l'affinent client par client :

* un client déficitaire n'est ni développé ni maintenu en l'état : sa rentabilité est d'abord redressée ;
* un client encore rentable n'est pas arrêté ;
* un client conservé pour d'autres raisons — collaboration en R&D en cours, possibilités
  d'apprentissage élevées, perspectives de croissance, client de référence — est **redressé, jamais
  arrêté**, et signalé comme conservé pour des raisons stratégiques ;
* un client dont les données sont insuffisantes n'est **jamais arrêté** : le plan indique quoi collecter.

C'est la conclusion de l'article qui guide cette étape : analyser soigneusement si et comment les
relations avec les clients peu performants pourraient être améliorées, et prendre la décision claire
de rompre celles qui ne seront jamais valables.
"""),
("params", PARAMETERS + '''
weights = {}  # as in 03_scoring
n_draws = 200  # weight perturbations for the stability of each action
random_state = 0'''),
("code", """
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

from portfolio_analysis.steps import actions
from portfolio_analysis.plots.matrix import plot_portfolio_matrix

from portfolio_analysis.steps import concentration

from portfolio_analysis.load import portfolio as loading

from portfolio_analysis.steps import scoring

from portfolio_analysis.steps import segmentation

from portfolio_analysis.steps import sensitivity
from portfolio_analysis.i18n import action_name, numbers, plural, table, tr, translate_figure
from portfolio_analysis.deliver.tables import save_figure, save_table

num = numbers(lang)
portfolio = loading.load_portfolio(
    clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
    mapping=mapping, sheet=sheet,
)
cat = portfolio.catalogue
register = portfolio.clients
w = weights or None
scores = scoring.score_clients(register, catalogue=cat, weights=w)
profit = concentration.client_profit(register, catalogue=cat)
decided = actions.decide_actions(register, scores, profit=profit, catalogue=cat, weights=w, lang=lang)
"""),
("md-en", "## The portfolio matrix"),
("md-fr", "## La matrice du portefeuille"),
("code", """
plot_portfolio_matrix(decided)
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "portfolio_matrix")
plt.show()
"""),
("code", """
counts = decided["action"].value_counts().reindex(["develop", "maintain", "fix", "end"], fill_value=0)
billing_by = decided.groupby("action")["billing"].sum().reindex(counts.index, fill_value=0)
share = billing_by / billing_by.sum() * 100
n_strategic = int(decided["strategic_keep"].sum())
n_guarded = int((decided["insufficient_data"] & (decided["default_action"] == "end")).sum())
c = {k: num(v) for k, v in counts.items()}
p = {k: num(v) for k, v in share.items()}
Markdown(tr(
    lang,
    en=f"**{c['develop']} clients to develop** ({p['develop']} % of billing), {c['maintain']} to maintain "
    f"({p['maintain']} %), **{c['fix']} to fix** ({p['fix']} %) and **{c['end']} to end** ({p['end']} % of billing). "
    f"{num(n_strategic)} {plural(n_strategic, 'client', 'clients', lang)} that the matrix would end "
    f"{plural(n_strategic, 'is', 'are', lang)} kept for strategic reasons and fixed instead; "
    + (f"{num(n_guarded)} would have been ended but {plural(n_guarded, 'has', 'have', lang)} too little data to judge."
       if n_guarded else "no client is ended for lack of data."),
    fr=f"**{c['develop']} relations à développer** ({p['develop']} % de la facturation), {c['maintain']} à maintenir "
    f"({p['maintain']} %), **{c['fix']} à redresser** ({p['fix']} %) et **{c['end']} auxquelles mettre fin** "
    f"({p['end']} % de la facturation). "
    f"{num(n_strategic)} {plural(n_strategic, 'client que la matrice arrêterait est conservé', 'clients que la matrice arrêterait sont conservés', lang)} "
    f"pour des raisons stratégiques et {plural(n_strategic, 'redressé', 'redressés', lang)} à la place ; "
    + (f"{num(n_guarded)} {plural(n_guarded, 'autre aurait été arrêté mais a', 'autres auraient été arrêtés mais ont', lang)} "
       "trop peu de données pour être jugés." if n_guarded else "aucun client n'est arrêté faute de données."),
))
"""),
("code", """
by_action = pd.DataFrame({"action": [action_name(a, lang) for a in counts.index], "clients": counts.to_numpy(),
                          "billing": billing_by.to_numpy(), "billing_pct": share.to_numpy()})
table(by_action, lang,
      columns={"action": ("Action", "Action"), "clients": ("Clients", "Clients"),
               "billing": ("Billing", "Facturation"), "billing_pct": ("Billing (%)", "Facturation (%)")},
      decimals={"clients": 0, "billing": 0, "billing_pct": 1})
"""),
("md-en", """
## Why, and what to do about it

For each client, the reasons name the criteria that drove its action, and the levers are those its
data supports: raise prices where it does not buy on price and profitability is low; lower the
service level from total to basic where the cost to serve is the problem; grow a small share of
wallet where there is upsell potential; improve collaboration; automate ordering.
"""),
("md-fr", """
## Pourquoi, et que faire

Pour chaque client, les motifs résument ce qui a déterminé son action, et les leviers sont ceux que
ses données justifient : augmenter les prix quand il ne choisit pas ses fournisseurs sur le prix
d'achat et que sa rentabilité est faible ; passer du service total au service de base quand le coût
de service pose problème ; accroître une petite part des achats quand le potentiel de ventes
supplémentaires le permet ; améliorer la collaboration ; automatiser les commandes.
"""),
("code", """
# levers are "; "-separated in English, " ; " in French
lever_counts = (decided["levers"].dropna().str.split(r"\\s*;\\s*", regex=True).explode().loc[lambda s: s != ""]
                .value_counts().rename("clients").rename_axis("lever").reset_index())
table(lever_counts, lang,
      columns={"lever": ("Lever", "Levier"), "clients": ("Clients", "Clients")}, decimals={"clients": 0})
"""),
("code", """
examples = decided.sort_values(["action", "billing"], ascending=[True, False]).groupby("action").head(2)
table(examples.assign(action=examples["action"].map(lambda a: action_name(a, lang))), lang,
      columns={"client_id": ("Client ID", "Identifiant"), "name": ("Client", "Client"), "action": ("Action", "Action"),
               "reasons": ("Reasons", "Motifs"), "levers": ("Levers", "Leviers")})
"""),
("md-en", """
## How firm is each decision?

*What would change it* is the smallest change of a single criterion that would flip the action —
the conversation to have with the account owner. *Stability* is the share of weight perturbations
(as in the scoring step) under which the action holds.
"""),
("md-fr", """
## Ces décisions sont-elles solides ?

*Ce qui la changerait* est le plus petit changement d'un seul critère qui ferait basculer l'action —
la conversation à avoir avec le responsable du compte. La *stabilité* est la part des perturbations
des pondérations (comme à l'étape des scores) sous lesquelles l'action tient.
"""),
("code", """
changes = actions.what_would_change(register, scores, decided, profit=profit, catalogue=cat, weights=w, lang=lang)
sens = sensitivity.weight_sensitivity(register, catalogue=cat, weights=w, n_draws=n_draws, random_state=random_state)
stability = actions.action_stability(register, weight_draws=sens, profit=profit, catalogue=cat, weights=w)
firm = stability["stability"]
n_flip = int(changes["criterion"].notna().sum())
Markdown(tr(
    lang,
    en=f"Under {num(n_draws)} perturbations of the weights, the median client keeps its action in "
    f"{num(firm.median() * 100)} % of draws; {num(int((firm >= 0.999).sum()))} clients never change and "
    f"{num(int((firm < 0.8).sum()))} keep it in fewer than 80 % of draws — look at those twice. "
    f"{num(n_flip)} clients would change action with a single criterion moved.",
    fr=f"Sous {num(n_draws)} perturbations des pondérations, le client médian garde son action dans "
    f"{num(firm.median() * 100)} % des tirages ; {num(int((firm >= 0.999).sum()))} clients n'en changent jamais et "
    f"{num(int((firm < 0.8).sum()))} la gardent dans moins de 80 % des tirages — à examiner deux fois. "
    f"{num(n_flip)} clients changeraient d'action si un seul critère bougeait.",
))
"""),
("code", """
ended = decided[decided["action"] == "end"][["client_id", "name"]].merge(changes, on="client_id")
ended = ended.merge(stability[["client_id", "stability"]], on="client_id").head(10)
table(ended.assign(stability=ended["stability"] * 100), lang,
      columns={"client_id": ("Client ID", "Identifiant"), "name": ("Client", "Client"),
               "change": ("What would change it", "Ce qui la changerait"), "stability": ("Stability (%)", "Stabilité (%)")},
      decimals={"stability": 0})
"""),
("md-en", "## The relationship plan"),
("md-fr", "## Le plan de relation client"),
("code", """
segmenter = segmentation.Segmenter(random_state=random_state).fit(register)
segments = segmentation.segment_table(register, segmenter, catalogue=cat, lang=lang)
plan = actions.relationship_plan(decided, register, profit=profit, segments=segments, catalogue=cat, lang=lang)
plan = plan.merge(changes[["client_id", "change"]], on="client_id", how="left").merge(
    stability[["client_id", "stability"]], on="client_id", how="left")
first = plan.head(15)
table(first.assign(action=first["action"].map(lambda a: action_name(a, lang))), lang,
      columns={"priority": ("Priority", "Priorité"), "client_id": ("Client ID", "Identifiant"),
               "name": ("Client", "Client"), "action": ("Action", "Action"), "owner": ("Owner", "Responsable"),
               "segment": ("Group", "Groupe"), "value_at_stake": ("Value at stake", "Valeur en jeu"),
               "levers": ("Levers", "Leviers")},
      decimals={"value_at_stake": 0})
"""),
("code", """
top_owner = plan[plan["action"].isin(["fix", "end"])].groupby("owner").size().sort_values(ascending=False)
if len(top_owner):
    text = tr(
        lang,
        en=f"The plan lists every client by priority: the fixes first, then the clients to develop, the endings and the "
        f"relationships to maintain, each by the value at stake. {top_owner.index[0]} owns the most accounts to fix or "
        f"end ({num(top_owner.iloc[0])}).",
        fr=f"Le plan classe chaque client par priorité : d'abord les relations à redresser, puis les clients à développer, "
        f"les relations auxquelles mettre fin et celles à maintenir, chacune selon la valeur en jeu. {top_owner.index[0]} "
        f"est responsable du plus grand nombre de comptes à redresser ou à arrêter ({num(top_owner.iloc[0])}).",
    )
else:
    text = tr(lang, en="No client needs fixing or ending.",
              fr="Aucune relation n'est à redresser ni à arrêter.")
Markdown(text)
"""),
("code", """
save_table(decided[["client_id", "name", "action", "reasons", "levers"]].merge(
    plan[["client_id", "priority"]], on="client_id"), out_dir, "actions")
save_table(plan, out_dir, "relationship_plan")
save_table(stability, out_dir, "action_stability");
"""),
]
nbformat.write(build(cells), str(NOTEBOOKS / "06_portfolio_actions.ipynb"))
print("written")
