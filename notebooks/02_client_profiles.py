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
# # 2 · Client profiles and financial trends
#
# The portfolio at a glance: what kinds of clients the company serves, how its relationships
# stand, how many people carry each of them on both sides, how the accounts spread over our own
# people; then the money — billing per year and service category, its change on the previous year,
# the clients in decline, and a projection of the next 12 months checked against the last 12.

# %% [markdown] tags=["lang-fr"]
# # 2 · Profils des clients et tendances financières
#
# Le portefeuille d'un coup d'œil : quels types de clients l'entreprise sert, où en sont ses
# relations, combien de personnes portent chacune d'elles de part et d'autre, comment les comptes se
# répartissent entre nos collaborateurs ; puis l'argent — la facturation par année et par catégorie
# de services, son évolution par rapport à l'année précédente, les clients en recul, et une
# projection des 12 prochains mois vérifiée sur les 12 derniers.

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

# %%
import matplotlib.pyplot as plt

from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.plots import profiles as plots

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir)
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct
register = a.clients

# %% [markdown] tags=["lang-en"]
# ## Who the clients are

# %% [markdown] tags=["lang-fr"]
# ## Qui sont les clients

# %%
counts = {k: g.drop(columns="criterion") for k, g in a.level_counts.groupby("criterion", sort=False)}
known = {k: int(g.loc[g["level"].notna(), "clients"].sum()) for k, g in counts.items()}
shown = [k for k in counts if known[k]]
if shown:
    fig, axes = plt.subplots(1, len(shown), figsize=(4.4 * len(shown), 3.6), layout="constrained", squeeze=False)
    for ax, k in zip(axes[0], shown):
        plots.plot_level_counts(counts[k], ax=ax, title=page.label(k), lang=lang)
    page.figure(fig, "profile_counts")

# %%
sentences = []
if known.get("relationship_type"):
    rel = counts["relationship_type"].set_index("level")["clients"]
    sentences.append(_("Of the {n} clients whose relationship is known, {partnership} are partnerships, {recurring} "
                       "recurring, {occasional} occasional and **{at_risk} at risk** ({at_risk_pct}).").format(
        n=num(known["relationship_type"]), partnership=num(rel.get("partnership", 0)),
        recurring=num(rel.get("recurring", 0)), occasional=num(rel.get("occasional", 0)),
        at_risk=num(rel.get("at_risk", 0)), at_risk_pct=pct(rel.get("at_risk", 0) / known["relationship_type"] * 100)))
if known.get("business_outlook"):
    out = counts["business_outlook"].set_index("level")["clients"]
    sentences.append(_("{growing} expect their business to grow and {failing} see it failing.").format(
        growing=num(out.get("growing", 0)), failing=num(out.get("failing", 0))))
if known.get("business_type"):
    bt = counts["business_type"].dropna(subset=["level"]).sort_values("clients", ascending=False).iloc[0]
    sentences.append(L.plural("The largest group by business is *{label}* ({n} client).",
                              "The largest group by business is *{label}* ({n} clients).", bt["clients"]).format(
        label=page.esc(bt["label"]), n=num(bt["clients"])))
if not sentences:
    sentences.append(_("The register gives neither the business type, nor the type of relationship, nor the business "
                       "outlook of its clients."))
page.md(" ".join(sentences))

# %% [markdown] tags=["lang-en"]
# ## Billing

# %% [markdown] tags=["lang-fr"]
# ## La facturation

# %%
billing = register["billing"].dropna().sort_values(ascending=False) if "billing" in register else register.iloc[:0, 0]
if (billing > 0).sum() >= 2:
    ax = plots.plot_billing_distribution(register, lang=lang)
    page.figure(ax.figure, "billing_distribution")

# %%
if len(billing) and billing.sum() > 0:
    n_top = max(1, round(len(billing) / 10))
    top_share = billing.head(n_top).sum() / billing.sum() * 100
    text = _("Billing over the last 12 months totals **{total}**. The median client bills {median} and the largest "
             "{largest}.").format(total=num(billing.sum()), median=num(billing.median()), largest=num(billing.iloc[0]))
    text += " " + L.plural("The largest client, a tenth of the clients, brings **{share}** of the billing.",
                           "The {n} largest clients, a tenth of the clients, bring **{share}** of the billing.",
                           n_top).format(n=num(n_top), share=pct(top_share))
    if len(billing) >= 10:
        text += " " + (_("That is a heavy tail: a few clients carry much of the business.") if top_share >= 30 else
                       _("That is a fairly even spread: no small group of clients carries the business."))
else:
    text = _("The data give no billing for the last 12 months.")
page.md(text)

# %% [markdown] tags=["lang-en"]
# ## Criteria across clients
#
# Each row is a client and each column an evaluation criterion, coloured from the worst level (red)
# to the best (green); grey is missing. Rows are sorted by the mean of their levels.

# %% [markdown] tags=["lang-fr"]
# ## Les critères, client par client
#
# Chaque ligne est un client et chaque colonne un critère d'évaluation, coloré du niveau le moins
# bon (rouge) au meilleur (vert) ; le gris signale une donnée manquante. Les lignes sont triées par
# la moyenne de leurs niveaux.

# %%
levels = a.level_matrix.set_index("client_id")
if levels.notna().any().any():
    order = levels.mean(axis=1).sort_values(ascending=False).index
    ax = plots.plot_level_heatmap(levels, labels={k: page.label(k) for k in levels.columns}, order=order,
                                  lang=lang)
    page.figure(ax.figure, "criteria_heatmap")
else:
    page.md(_("No client has a level for any criterion: there is nothing to show here."))

# %% [markdown] tags=["lang-en"]
# ## Who carries each relationship
#
# A relationship held by a single person on either side is **fragile**: it leaves with that person.
# A side with nobody recorded is missing data, not fragility.

# %% [markdown] tags=["lang-fr"]
# ## Qui porte chaque relation
#
# Une relation portée par une seule personne, d'un côté ou de l'autre, est **fragile** : elle part
# avec cette personne. Un côté sans personne enregistrée est une donnée manquante, pas une fragilité.

# %%
coverage, owners = a.relationship_coverage, a.owner_spread
if owners["owner"].notna().any():
    ax = plots.plot_owner_spread(owners, lang=lang)
    page.figure(ax.figure, "owner_spread")

# %%
kp = pct(a.catalogue.settings["profiles"]["key_person_share"] * 100)
n_fragile = int(coverage["fragile"].sum())
no_contact = int(coverage["no_contact"].sum())
if len(coverage) and no_contact < len(coverage) and n_fragile:
    text = _("**{n} of the {total} relationships are fragile** ({share}): {ours} are carried by one person on our side "
             "and {theirs} by one person on the client's side.").format(
        n=num(n_fragile), total=num(len(coverage)), share=pct(n_fragile / len(coverage) * 100),
        ours=num(int((coverage["people_ours"] == 1).sum())), theirs=num(int((coverage["people_client"] == 1).sum())))
    text += " " + (L.plural("{n} has nobody recorded on one side.", "{n} have nobody recorded on one side.",
                            no_contact).format(n=num(no_contact)) if no_contact else
                   _("Every relationship has someone recorded on both sides."))
elif len(coverage) and no_contact < len(coverage):
    text = _("**No relationship is carried by a single person** on either side.")
    text += " " + (L.plural("{n} has nobody recorded on one side.", "{n} have nobody recorded on one side.",
                            no_contact).format(n=num(no_contact)) if no_contact else
                   _("Every relationship has someone recorded on both sides."))
else:
    text = _("No contact is recorded for any client, so how many people carry each relationship is unknown.")
people = owners[owners["owner"].notna()]
nobody = owners[owners["owner"].isna()]
if len(people):
    top = people.iloc[0]
    risky = [page.esc(o) for o in people.loc[people["key_person_risk"], "owner"].astype(str)]
    text += " " + L.plural("{n} of our people owns accounts; {owner} carries {accounts} accounts and {share} of the "
                           "billing.", "{n} of our people own accounts; {owner} carries {accounts} accounts and "
                           "{share} of the billing.", len(people)).format(
        n=num(len(people)), owner=page.esc(top["owner"]), accounts=num(top["accounts"]), share=pct(top["billing_share_pct"]))
    text += " " + (L.plural("**Key-person risk**: {names} carries {kp} of the billing or more.",
                            "**Key-person risk**: {names} each carry {kp} of the billing or more.",
                            len(risky)).format(names=", ".join(risky), kp=kp) if risky else
                   _("Nobody carries {kp} of the billing or more.").format(kp=kp))
    if len(nobody):
        text += " " + L.plural("{n} account has no owner on our side ({share} of the billing).",
                               "{n} accounts have no owner on our side ({share} of the billing).",
                               int(nobody["accounts"].iloc[0])).format(
            n=num(nobody["accounts"].iloc[0]), share=pct(nobody["billing_share_pct"].iloc[0]))
else:
    text += " " + _("No account has an owner on our side.")
page.md(text)

# %% [markdown] tags=["lang-en"]
# ## Billing per year and service category

# %% [markdown] tags=["lang-fr"]
# ## Facturation par année et par catégorie de services

# %%
years = a.billing_by_year
if len(years):
    categories = [c for c in years.columns if c not in ("year", "total", "change_pct")]
    display(page.table(years, columns={"year": N_("Year"), **{c: str(c).replace("_", " ") for c in categories},
                                       "total": N_("Total"), "change_pct": N_("Change (%)")},
                       decimals={**{c: 0 for c in categories}, "total": 0, "change_pct": 1}))

# %%
trends, mix = a.financial_trends, a.category_mix
threshold = pct(-a.facts["financials"]["declining_threshold"] * 100)
compared = trends.dropna(subset=["change"])
declining = trends[trends["declining"]].sort_values("change")
growing = compared[compared["change"] > 0]
if len(compared):
    text = _("Of the {n} clients billed in both periods, {grew} grew against the previous 12 months and **{declined} "
             "declined by {threshold} or more**.").format(
        n=num(len(compared)), grew=num(len(growing)), declined=num(len(declining)), threshold=threshold)
    if len(declining):
        text += " " + _("The declining clients lost {lost} of billing between them.").format(
            lost=num(-declining["change"].sum()))
else:
    text = _("The data do not give the billing of the previous 12 months, so no client can be compared with it.")
categories = [c for c in mix.columns if c != "client_id"]
if len(categories) >= 2:
    mean_mix = mix[categories].mean()
    text += " " + _("Across service categories, the largest is *{category}*, on average {share} of a client's "
                    "billing.").format(category=page.esc(str(mean_mix.idxmax()).replace("_", " ")), share=pct(mean_mix.max()))
page.md(text)

# %%
if len(declining):
    display(page.table(declining.merge(register[["client_id", "name"]], on="client_id").head(10),
                       columns={"client_id": N_("Client ID"), "name": N_("Client"),
                                "billing_previous": N_("Billing, previous 12 months"),
                                "billing": N_("Billing, last 12 months"), "change_pct": N_("Change (%)")},
                       decimals={"billing_previous": 0, "billing": 0, "change_pct": 1}))

# %% [markdown] tags=["lang-en"]
# ## The next 12 months
#
# Four ways of projecting the next 12 months are tried on the past: the last year is hidden,
# projected from the months before it, and compared with what the clients really billed. The one
# that missed least client by client is used for the whole portfolio: "next year = last year"; the
# same times the portfolio's change over the last year, damped; each client's last year times its own
# change; or each client's trend on the portfolio's seasonal profile. "Next year = last year" wins
# ties, so the projection is never
# worse than it on this test. It is one test, on one year: a guide to the trend, not a promise.

# %% [markdown] tags=["lang-fr"]
# ## Les 12 prochains mois
#
# Quatre façons de projeter les 12 prochains mois sont essayées sur le passé : la dernière année est
# masquée, projetée à partir des mois précédents et comparée à ce que les clients ont réellement
# facturé. Celle qui s'est le moins trompée, client par client, sert pour tout le portefeuille :
# « l'an prochain = l'an dernier » ; la même multipliée par l'évolution du portefeuille sur la
# dernière année, amortie ; la dernière année de chaque client multipliée par sa propre évolution ;
# ou la tendance de chaque client sur le profil saisonnier du portefeuille. « L'an prochain = l'an
# dernier » l'emporte à égalité : la
# projection n'est donc jamais moins bonne qu'elle sur ce test. C'est un seul test, sur une seule
# année : une indication de la tendance, pas une promesse.

# %%
monthly = a.monthly_billing
if monthly["billed"].notna().any():
    ax = plots.plot_monthly_billing(monthly, lang=lang)
    page.figure(ax.figure, "monthly_billing")

# %%
methods_names = {"seasonal-trend": _("the seasonal trend of their monthly billing"),
                 "run-rate": _("their latest 12 months and their growth"),
                 "run-rate (annual totals)": _("their annual totals and their growth"),
                 "last-year": _("their latest 12 months"),
                 "last-year-growth": _("their latest 12 months and the portfolio's growth")}
projected = trends.dropna(subset=["projection_12m"])
projected = projected[projected["method"] != "none"]
b = a.facts["backtest"]
if len(projected) and projected["billing_last_12m"].sum() > 0:
    total_proj, total_last = projected["projection_12m"].sum(), projected["billing_last_12m"].sum()
    methods = projected["method"].value_counts()
    how = ", ".join(L.plural("{n} client from {method}", "{n} clients from {method}", n).format(
        n=num(n), method=methods_names.get(m, m)) for m, n in methods.items())
    text = _("The next 12 months are projected at **{total}**, {change} on the last 12 months ({how}).").format(
        total=num(total_proj), change=pct((total_proj / total_last - 1) * 100, 1, sign=True), how=how)
else:
    text = _("There is no billing to project.")
period = a.facts.get("reference_period")
if period:
    text += " " + _("The last 12 months run to {end}; the projection starts from the last complete month, {month}.").format(
        end=L.date(period["end"]), month=period["last_month"])
if b.get("wape_pct") is not None:
    text += " " + _("Tested on the last year, hidden and projected from the years before, the method chosen misses "
                    "by **{wape}** of what the clients billed, client by client (the weighted absolute percentage "
                    "error), and by {total} on the total; \"next year = last year\" misses by {naive} client by "
                    "client and by {naive_total} on the total.").format(
        wape=pct(b["wape_pct"], 1), total=pct(b["total_error_pct"], 1, sign=True), naive=pct(b["naive_wape_pct"], 1),
        naive_total=pct(b["naive_total_error_pct"], 1, sign=True))
    if b["wape_pct"] > 15:
        text += " " + _("An error of that size client by client means the projection tells the portfolio's direction "
                        "better than any one client's next year.")
elif a.facts["financials"]["has_invoices"]:
    text += " " + _("There are fewer than 36 months of invoices, so the projection cannot be tested on a past year: "
                    "it repeats the last 12 months.")
else:
    text += " " + _("Without invoice lines, the projection cannot be tested on a past year.")
page.md(text)

# %%
tried = a.projection_methods
if tried["wape_pct"].notna().any():
    display(page.table(tried.assign(method=tried["method"].map(lambda m: methods_names.get(m, m))),
                       columns={"method": N_("Projected from"), "wape_pct": N_("Error, client by client (%)"),
                                "median_ape_pct": N_("Median error per client (%)"),
                                "total_error_pct": N_("Error on the total (%)"), "chosen": N_("Chosen")},
                       decimals={"wape_pct": 1, "median_ape_pct": 1, "total_error_pct": 1}))
