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
# # 1 · Data and validation
#
# This first step reads the company's files — the **client register**, the **contacts** and the
# **invoice lines** — exactly as the rest of the analysis will, checks every cell and reports every
# problem at once: the row as a spreadsheet counts it (the header is row 1), the column, the value,
# what was expected and, where one is close, a suggestion. A bad cell becomes missing and its row
# stays; a row is rejected only when it cannot be keyed (no client id, a duplicate, an invoice line
# without a client or a date). Nothing is dropped silently: for each file, the rows read equal the
# rows loaded plus those rejected plus the blank ones.

# %% [markdown] tags=["lang-fr"]
# # 1 · Données et validation
#
# Cette première étape lit les fichiers de l'entreprise — le **registre des clients**, les
# **interlocuteurs** et les **lignes de facture** — exactement comme le fera le reste de l'analyse,
# contrôle chaque cellule et signale tous les problèmes d'un coup : la ligne telle que la compte le
# tableur (l'en-tête est la ligne 1), la colonne, la valeur, ce qui était attendu et, quand une valeur
# proche existe, une suggestion. Une cellule erronée devient manquante et sa ligne est conservée ; une
# ligne n'est rejetée que si elle ne peut pas être identifiée (pas d'identifiant client, un doublon,
# une ligne de facture sans client ou sans date). Rien n'est écarté en silence : pour chaque fichier,
# les lignes lues égalent les lignes chargées, plus les rejetées, plus les vides.

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
from matplotlib.ticker import MaxNLocator

from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.validation import problems_in
from portfolio_analysis.plots import validation as plots

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir)
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct
q = a.facts["quality"]

# %% [markdown] tags=["lang-en"]
# ## What was read

# %% [markdown] tags=["lang-fr"]
# ## Ce qui a été lu

# %%
files = a.files_read
kinds = {"clients": _("client register"), "invoices": _("invoice lines"), "contacts": _("contacts")}
page.table(files.assign(file=files["file"].map(lambda f: str(f).rsplit("/", 1)[-1]), kind=files["kind"].map(kinds)),
           columns={"file": N_("File"), "kind": N_("Content"), "rows_read": N_("Rows read"),
                    "rows_loaded": N_("Loaded"), "rows_rejected": N_("Rejected"), "rows_blank": N_("Blank")},
           decimals={"rows_read": 0, "rows_loaded": 0, "rows_rejected": 0, "rows_blank": 0})

# %%
counts = [_("{n} loaded").format(n=num(q["rows_loaded"]))]
counts += [_("{n} rejected").format(n=num(q["rows_rejected"]))] if q["rows_rejected"] else []
counts += [_("{n} blank").format(n=num(q["rows_blank"]))] if q["rows_blank"] else []
text = _("The files hold **{read} rows**: {counts}.").format(read=num(q["rows_read"]), counts=L.join(counts))
text += " " + L.plural("The portfolio has **{n} client**.", "The portfolio has **{n} clients**.",
                       q["n_clients"]).format(n=num(q["n_clients"]))
if q["n_from_invoices_only"]:
    text += " " + L.plural("{n} of them appears only in the invoice lines.", "{n} of them appear only in the invoice lines.",
                           q["n_from_invoices_only"]).format(n=num(q["n_from_invoices_only"]))
counts = [L.plural(one, many, n).format(n=num(n)) for one, many, n in (
    ("**{n} error**", "**{n} errors**", q["n_errors"]), ("**{n} warning**", "**{n} warnings**", q["n_warnings"])) if n]
found = _("The checks found {problems}").format(problems=L.join(counts)) if counts else _("The checks found no problem")
columns = [page.esc(page.label(c)) for c in q["columns_with_problems"]]
text += " " + found + (L.plural(", in the column {columns}.", ", in the columns {columns}.", len(columns)).format(
    columns=", ".join(columns)) if columns else ".")
page.md(text)

# %% [markdown] tags=["lang-en"]
# ## The problems, one row each
#
# Errors made a cell missing or a row rejected; warnings point at something to look at. Fix them in
# the source files and run the analysis again; or leave them: the analysis goes on with what it has,
# and never recommends ending a relationship on missing data.

# %% [markdown] tags=["lang-fr"]
# ## Les problèmes, un par ligne
#
# Une erreur a rendu une cellule manquante ou fait rejeter une ligne ; un avertissement signale un
# point à vérifier. Corrigez-les dans les fichiers sources et relancez l'analyse, ou laissez-les :
# l'analyse se poursuit avec ce qu'elle a, et ne recommande jamais de mettre fin à une relation sur
# des données manquantes.

# %%
problems = a.validation_problems
if len(problems):
    ax = plots.plot_problems(problems.assign(column=problems["column"].map(page.label)), lang=lang)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # problems are counted
    page.figure(ax.figure, "validation_problems")

# %%
shown = problems_in(problems.head(30), lang)  # messages, severities and suggestions in the reader's language
page.table(shown.assign(file=shown["file"].map(lambda f: str(f).rsplit("/", 1)[-1]),
                        column=shown["column"].map(page.label)),
           columns={"severity": N_("Severity"), "file": N_("File"), "row": N_("Row"), "column": N_("Column"),
                    "value": N_("Value"), "message": N_("Problem"), "suggestion": N_("Suggestion")})

# %% [markdown] tags=["lang-en"]
# ## How complete is the register?
#
# The share of clients with a value for each criterion and financial figure. A score uses the
# criteria a client has, with the weights re-normalised; a client with too little data is flagged
# rather than judged.

# %% [markdown] tags=["lang-fr"]
# ## Le registre est-il complet ?
#
# La part des clients renseignés pour chaque critère et chaque donnée financière. Un score utilise
# les critères dont le client dispose, les pondérations étant renormalisées ; un client dont les
# données sont trop lacunaires est signalé plutôt que jugé.

# %%
completeness = a.data_completeness
if len(a.clients):
    ax = plots.plot_completeness(completeness.assign(label=completeness["column"].map(page.label)), lang=lang)
    page.figure(ax.figure, "data_completeness")

# %%
least = q["least_complete"]
if least is None or not q["n_clients"]:
    text = _("The register holds no client.")
else:
    completeness = a.data_completeness
    empty = completeness.loc[completeness["filled"] == 0, "column"].map(lambda c: page.esc(page.label(c))).tolist()
    text = _("{complete} of the {n} criteria and figures are filled for every client.").format(
        complete=num(q["n_criteria_complete"]), n=num(q["n_criteria"]))
    if empty:
        text += " " + _("No client has a value for {labels}.").format(labels=L.join(f"*{e}*" for e in empty))
    elif least["share"] < 1:
        text += " " + _("The least complete is *{label}*, known for {filled} of {clients} clients ({share}).").format(
            label=page.esc(page.label(least["column"])), filled=num(least["filled"]), clients=num(q["n_clients"]),
            share=pct(least["share"] * 100, 1))
page.md(text)

# %% [markdown] tags=["lang-en"]
# ## Invoice lines

# %% [markdown] tags=["lang-fr"]
# ## Lignes de facture

# %%
if "n_invoice_lines" in q:
    text = _("{n} invoice lines from {first} to {last}, of which {credits} are credit notes or returns (negative "
             "amounts, kept). The current 12 months end on {end}: billing of the last 12 months and of the 12 before "
             "come from the invoices wherever the register lacks them.").format(
        n=num(q["n_invoice_lines"]), first=L.date(q["first_invoice"]), last=L.date(q["last_invoice"]),
        credits=num(q["n_credit_lines"]), end=L.date(q["reference_date"]))
else:
    text = _("No invoice lines were given: billing comes from the register alone.")
page.md(text)
