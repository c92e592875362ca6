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
# # 6 · Which relationships to develop, maintain, fix or end
#
# The **portfolio matrix** sets each client's value score against its relationship score. Each
# quadrant has a default action — develop the core partners, maintain the secure ones, fix the
# economics of strong relationships that do not pay, reconsider the rest — and rules, the same for
# every client, refine it:
#
# * a loss-making client is not developed or maintained as it is: its economics are fixed first —
#   unless it is kept for strategic reasons, when its action holds **on condition** that its
#   economics are fixed;
# * a client that is still profitable is not ended;
# * a client kept for other reasons — ongoing R&D, high learning, a growing outlook, a reference — is
#   **fixed, never ended**, and marked as kept for strategic reasons;
# * a client with too little data is **never ended**: the plan says what to collect.
#
# The article's conclusion is the point of this step: analyse carefully whether and how weak
# relationships can be improved, and end clearly those that never will be.

# %% [markdown] tags=["lang-fr"]
# # 6 · Les relations à développer, à maintenir, à redresser ou auxquelles mettre fin
#
# La **matrice du portefeuille** place le score de valeur de chaque client face à son score de
# relation. Chaque quadrant a une action par défaut — développer les partenaires essentiels,
# maintenir les clients acquis, redresser la rentabilité des relations solides qui ne rapportent pas,
# reconsidérer les autres — et des règles, les mêmes pour tous les clients, l'affinent :
#
# * un client déficitaire n'est ni développé ni maintenu en l'état : sa rentabilité est d'abord
#   redressée — sauf s'il est conservé pour des raisons stratégiques : son action tient alors **à
#   condition** que sa rentabilité soit redressée ;
# * un client encore rentable n'est pas arrêté ;
# * un client conservé pour d'autres raisons — collaboration en R&D en cours, possibilités
#   d'apprentissage élevées, perspectives de croissance, client de référence — est **redressé, jamais
#   arrêté**, et signalé comme conservé pour des raisons stratégiques ;
# * un client dont les données sont insuffisantes n'est **jamais arrêté** : le plan indique quoi collecter.
#
# C'est la conclusion de l'article qui guide cette étape : analyser soigneusement si et comment les
# relations avec les clients peu performants pourraient être améliorées, et prendre la décision claire
# de rompre celles qui ne seront jamais valables.

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
weights = {}  # as in 03_scoring
action_draws = None  # weight perturbations for the stability of each action (default 200)
random_state = None  # the seed of every random step (default 0)

# %%
import pandas as pd

from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.i18n import action_name
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.plots.matrix import plot_portfolio_matrix

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir, parameters={"weights": weights, "action_draws": action_draws,
                                                        "random_state": random_state})
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct
decided = a.actions
ORDER = ["develop", "maintain", "fix", "end"]

# %% [markdown] tags=["lang-en"]
# ## The portfolio matrix

# %% [markdown] tags=["lang-fr"]
# ## La matrice du portefeuille

# %%
m = a.facts["matrix"]
ax = plot_portfolio_matrix(decided, value_threshold=m["value_threshold"],
                           relationship_threshold=m["relationship_threshold"],
                           quadrants=a.catalogue.settings["actions"]["quadrants"], lang=lang)
page.figure(ax.figure, "portfolio_matrix")

# %%
counts = decided["action"].value_counts().reindex(ORDER, fill_value=0)
billing_by = decided.groupby("action")["billing"].sum().reindex(ORDER, fill_value=0)
share = billing_by / billing_by.sum() * 100 if billing_by.sum() > 0 else billing_by * float("nan")
n_strategic = int(decided["strategic_keep"].sum())
n_guarded = int((decided["insufficient_data"] & (decided["default_action"] == "end")).sum())
parts = [_("{action}: **{n}** ({share} of billing)").format(action=action_name(k, lang), n=num(counts[k]),
                                                             share=pct(share[k])) for k in ORDER if counts[k]]
text = _("Recommended actions — {actions}.").format(actions=L.join(parts))
if n_strategic:
    text += " " + L.plural("{n} client that the matrix would end is kept for strategic reasons and fixed instead.",
                           "{n} clients that the matrix would end are kept for strategic reasons and fixed instead.",
                           n_strategic).format(n=num(n_strategic))
text += " " + (L.plural("{n} other would have been ended but has too little data to be judged.",
                        "{n} others would have been ended but have too little data to be judged.",
                        n_guarded).format(n=num(n_guarded)) if n_guarded else
               _("No client is ended for lack of data."))
page.md(text)

# %%
by_action = pd.DataFrame({"action": [action_name(x, lang) for x in ORDER], "clients": counts.to_numpy(),
                          "billing": billing_by.to_numpy(), "billing_pct": share.to_numpy()})
page.table(by_action, columns={"action": N_("Action"), "clients": N_("Clients"), "billing": N_("Billing"),
                               "billing_pct": N_("Billing (%)")},
           decimals={"clients": 0, "billing": 0, "billing_pct": 1})

# %% [markdown] tags=["lang-en"]
# ## Why, and what to do about it
#
# For each client, the reasons name the criteria that drove its action, and the levers are those its
# data supports: raise prices where it does not buy on price and profitability is low; lower the
# service level from total to basic where the cost to serve is the problem; grow a small share of
# wallet where there is upsell potential; improve collaboration; automate ordering.

# %% [markdown] tags=["lang-fr"]
# ## Pourquoi, et que faire
#
# Pour chaque client, les motifs résument ce qui a déterminé son action, et les leviers sont ceux que
# ses données justifient : augmenter les prix quand il ne choisit pas ses fournisseurs sur le prix
# d'achat et que sa rentabilité est faible ; passer du service total au service de base quand le coût
# de service pose problème ; accroître une petite part des achats quand le potentiel de ventes
# supplémentaires le permet ; améliorer la collaboration ; automatiser les commandes.

# %%
# levers are "; "-separated in English, " ; " in French
lever_counts = (decided["levers"].dropna().str.split(r"\s*;\s*", regex=True).explode().loc[lambda s: s != ""]
                .value_counts().rename("clients").rename_axis("lever").reset_index())
if len(lever_counts):
    display(page.table(lever_counts, columns={"lever": N_("Lever"), "clients": N_("Clients")},
                       decimals={"clients": 0}))
else:
    page.md(_("No lever applies: the data do not show where prices, service or share of wallet could move."))

# %%
examples = decided.sort_values(["action", "billing"], ascending=[True, False]).groupby("action").head(2)
page.table(examples.assign(action=examples["action"].map(lambda x: action_name(x, lang))),
           columns={"client_id": N_("Client ID"), "name": N_("Client"), "action": N_("Action"),
                    "reasons": N_("Reasons"), "levers": N_("Levers")})

# %% [markdown] tags=["lang-en"]
# ## How firm is each decision?
#
# *What would change it* is the smallest change of a single criterion that would flip the action —
# the conversation to have with the account owner. *Stability* is the share of weight perturbations
# (as in the scoring step) under which the action holds.

# %% [markdown] tags=["lang-fr"]
# ## Ces décisions sont-elles solides ?
#
# *Ce qui la changerait* est le plus petit changement d'un seul critère qui ferait basculer l'action —
# la conversation à avoir avec le responsable du compte. La *stabilité* est la part des perturbations
# des pondérations (comme à l'étape des scores) sous lesquelles l'action tient.

# %%
changes, stability = a.what_would_change, a.action_stability
firm = stability["stability"]
n_flip = int(changes["criterion"].notna().sum())
n_never, n_shaky = int((firm >= 0.999).sum()), int((firm < 0.8).sum())
text = _("Under {draws} perturbations of the weights, the median client keeps its action in {median} of draws.").format(
    draws=num(a.facts["action_draws"]), median=pct(firm.median() * 100))
if n_never:
    text += " " + L.plural("{n} client never changes.", "{n} clients never change.", n_never).format(n=num(n_never))
text += " " + (L.plural("{n} client keeps it in fewer than 80 % of draws — look at it twice.",
                        "{n} clients keep it in fewer than 80 % of draws — look at those twice.",
                        n_shaky).format(n=num(n_shaky)) if n_shaky else
               _("No client keeps it in fewer than 80 % of draws."))
text += " " + (L.plural("{n} client would change action with a single criterion moved.",
                        "{n} clients would change action with a single criterion moved.", n_flip).format(n=num(n_flip))
               if n_flip else _("No client would change action with a single criterion moved."))
page.md(text)

# %%
# the least stable first, then by the plan's priority; a client that neither moves nor flips has nothing to show
shaky = (decided[["client_id", "name", "action"]].merge(changes[["client_id", "change", "criterion"]], on="client_id")
         .merge(stability[["client_id", "stability"]], on="client_id")
         .merge(a.relationship_plan[["client_id", "priority"]], on="client_id", how="left"))
shaky = shaky[(shaky["stability"] < 0.999) | shaky["criterion"].notna()]
shaky = shaky.sort_values(["stability", "priority", "client_id"]).head(10)
if len(shaky):
    display(page.table(shaky.assign(action=shaky["action"].map(lambda x: action_name(x, lang)),
                                    stability=shaky["stability"] * 100),
                       columns={"client_id": N_("Client ID"), "name": N_("Client"), "action": N_("Action"),
                                "stability": N_("Stability (%)"), "change": N_("What would change it")},
                       decimals={"stability": 0}))

# %% [markdown] tags=["lang-en"]
# ## The relationship plan

# %% [markdown] tags=["lang-fr"]
# ## Le plan de relation client

# %%
plan = (a.relationship_plan.merge(changes[["client_id", "change"]], on="client_id", how="left")
        .merge(stability[["client_id", "stability"]], on="client_id", how="left"))
first = plan.head(15)
page.table(first.assign(action=first["action"].map(lambda x: action_name(x, lang))),
           columns={"priority": N_("Priority"), "client_id": N_("Client ID"), "name": N_("Client"),
                    "action": N_("Action"), "condition": N_("Condition"), "owner": N_("Owner"),
                    "segment": N_("Group"), "value_at_stake": N_("Annual profit at stake"),
                    "profit_if_ended": N_("Profit change if it ended"), "levers": N_("Levers")},
           decimals={"value_at_stake": 0, "profit_if_ended": 0})

# %%
tiers = [[action_name(x, lang) for x in tier] for tier in a.catalogue.settings["actions"]["priority_order"]]
words = [L.join(tier) for tier in tiers]
if len(words) == 1:
    text = _("The plan lists every client, the largest annual profit or loss at stake first.")
else:
    text = _("The plan lists first the clients to {first}, the largest annual profit or loss at stake first; then those "
             "to {rest}, in the same order.").format(first=words[0], rest=L.join(words[1:]))
owned = plan[plan["action"].isin(["fix", "end"]) & plan["owner"].notna()]
if len(owned):
    top_owner = owned.groupby("owner").size().sort_values(ascending=False)
    text += " " + _("{owner} owns the most accounts to fix or end ({n}).").format(owner=page.esc(top_owner.index[0]),
                                                                                 n=num(top_owner.iloc[0]))
elif not plan["action"].isin(["fix", "end"]).any():
    text += " " + _("No client needs fixing or ending.")
page.md(text)
