"""Source of a notebook: run it to rewrite the notebook, then `make notebooks` to execute it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
import nbformat
from nbtools import PARAMETERS, build

cells = [
("md-en", """
# 1 · Data and validation

This first step reads the company's files — the **client register**, the **contacts** and the
**invoice lines** — exactly as the rest of the analysis will, checks every cell and reports every
problem at once: the row as a spreadsheet counts it (the header is row 1), the column, the value,
what was expected and, where one is close, a suggestion. A bad cell becomes missing and its row
stays; a row is rejected only when it cannot be keyed (no client id, a duplicate, an invoice line
without a client or a date). Nothing is dropped silently: for each file, the rows read equal the
rows loaded plus those rejected plus the blank ones.
"""),
("md-fr", """
# 1 · Données et validation

Cette première étape lit les fichiers de l'entreprise — le **registre des clients**, les
**interlocuteurs** et les **lignes de facture** — exactement comme le fera le reste de l'analyse,
contrôle chaque cellule et signale tous les problèmes d'un coup : la ligne telle que la compte le
tableur (l'en-tête est la ligne 1), la colonne, la valeur, ce qui était attendu et, quand une valeur
proche existe, une suggestion. Une cellule erronée devient manquante et sa ligne est conservée ; une
ligne n'est rejetée que si elle ne peut pas être identifiée (pas d'identifiant client, un doublon,
une ligne de facture sans client ou sans date). Rien n'est écarté en silence : pour chaque fichier,
les lignes lues égalent les lignes chargées, plus les rejetées, plus les vides.
"""),
("params", PARAMETERS),
("code", """
import matplotlib.pyplot as plt
from IPython.display import Markdown
from matplotlib.ticker import MaxNLocator

from portfolio_analysis.load import portfolio as loading

from portfolio_analysis.plots import validation as plots
from portfolio_analysis.i18n import long_date, numbers, plural, table, tr, translate_figure, translate_problems
from portfolio_analysis.deliver.tables import save_figure, save_table

num = numbers(lang)
portfolio = loading.load_portfolio(
    clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
    mapping=mapping, sheet=sheet, strict=strict,
)
cat = portfolio.catalogue
quality = loading.quality_summary(portfolio)
files = portfolio.report.file_summary()
problems = portfolio.report.problems


def column_label(column):
    return cat.label(column, lang) if column in cat.fields or column in cat.criteria else column
"""),
("md-en", "## What was read"),
("md-fr", "## Ce qui a été lu"),
("code", """
kinds = {"clients": tr(lang, en="client register", fr="registre des clients"),
         "invoices": tr(lang, en="invoice lines", fr="lignes de facture"),
         "contacts": tr(lang, en="contacts", fr="interlocuteurs")}
table(files.assign(file=files["file"].map(lambda f: f.rsplit("/", 1)[-1]), kind=files["kind"].map(kinds)), lang,
      columns={"file": ("File", "Fichier"), "kind": ("Content", "Contenu"), "rows_read": ("Rows read", "Lignes lues"),
               "rows_loaded": ("Loaded", "Chargées"), "rows_rejected": ("Rejected", "Rejetées"),
               "rows_blank": ("Blank", "Vides")},
      decimals={"rows_read": 0, "rows_loaded": 0, "rows_rejected": 0, "rows_blank": 0})
"""),
("code", """
q = quality
cols = ", ".join(column_label(c) for c in q["columns_with_problems"])
Markdown(tr(
    lang,
    en=f"The files hold **{num(q['rows_read'])} rows**: {num(q['rows_loaded'])} loaded, {num(q['rows_rejected'])} rejected "
    f"and {num(q['rows_blank'])} blank. The portfolio has **{num(q['n_clients'])} clients**"
    + (f", of which {num(q['n_from_invoices_only'])} appear only in the invoices" if q['n_from_invoices_only'] else "")
    + f". The checks found **{num(q['n_errors'])} errors** and **{num(q['n_warnings'])} warnings**"
    + (f", in the columns {cols}." if cols else "."),
    fr=f"Les fichiers comptent **{num(q['rows_read'])} lignes** : {num(q['rows_loaded'])} chargées, "
    f"{num(q['rows_rejected'])} {plural(q['rows_rejected'], 'rejetée', 'rejetées', lang)} et {num(q['rows_blank'])} "
    f"{plural(q['rows_blank'], 'vide', 'vides', lang)}. Le portefeuille compte "
    f"**{num(q['n_clients'])} clients**"
    + (f", dont {num(q['n_from_invoices_only'])} n'apparaissent que dans les factures" if q['n_from_invoices_only'] else "")
    + f". Les contrôles ont relevé **{num(q['n_errors'])} {plural(q['n_errors'], 'erreur', 'erreurs', lang)}** et "
    f"**{num(q['n_warnings'])} {plural(q['n_warnings'], 'avertissement', 'avertissements', lang)}**"
    + (f", dans les colonnes {cols}." if cols else "."),
))
"""),
("md-en", """
## The problems, one row each

Errors made a cell missing or a row rejected; warnings point at something to look at. Fix them in
the source files and run the analysis again; or leave them: the analysis goes on with what it has,
and never recommends ending a relationship on missing data.
"""),
("md-fr", """
## Les problèmes, un par ligne

Une erreur a rendu une cellule manquante ou fait rejeter une ligne ; un avertissement signale un
point à vérifier. Corrigez-les dans les fichiers sources et relancez l'analyse, ou laissez-les :
l'analyse se poursuit avec ce qu'elle a, et ne recommande jamais de mettre fin à une relation sur
des données manquantes.
"""),
("code", """
plots.plot_problems(problems.assign(column=problems["column"].map(column_label)))
plt.gca().xaxis.set_major_locator(MaxNLocator(integer=True))  # problems are counted
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "validation_problems")
plt.show()
"""),
("code", """
severities = {"error": tr(lang, en="error", fr="erreur"), "warning": tr(lang, en="warning", fr="avertissement")}
shown = translate_problems(problems.head(30), lang)  # messages in the reader's language
table(shown.assign(file=shown["file"].map(lambda f: str(f).rsplit("/", 1)[-1]),
                   severity=shown["severity"].map(lambda s: severities.get(s, s)),
                   column=shown["column"].map(column_label)), lang,
      columns={"severity": ("Severity", "Gravité"), "file": ("File", "Fichier"), "row": ("Row", "Ligne"),
               "column": ("Column", "Colonne"), "value": ("Value", "Valeur"), "message": ("Problem", "Problème"),
               "suggestion": ("Suggestion", "Suggestion")})
"""),
("md-en", """
## How complete is the register?

The share of clients with a value for each criterion and financial figure. A score uses the
criteria a client has, with the weights re-normalised; a client with too little data is flagged
rather than judged.
"""),
("md-fr", """
## Le registre est-il complet ?

La part des clients renseignés pour chaque critère et chaque donnée financière. Un score utilise
les critères dont le client dispose, les pondérations étant renormalisées ; un client dont les
données sont trop lacunaires est signalé plutôt que jugé.
"""),
("code", """
completeness = loading.completeness(portfolio)
plots.plot_completeness(completeness.assign(label=completeness["column"].map(lambda k: cat.label(k, lang))))
translate_figure(plt.gcf(), lang)
save_figure(plt.gcf(), out_dir, "data_completeness")
plt.show()
"""),
("code", """
least = q["least_complete"]
least_label = cat.label(least["column"], lang)
Markdown(tr(
    lang,
    en=f"{q['n_criteria_complete']} of the {q['n_criteria']} criteria and figures are filled for every client; "
    f"the least complete is *{least_label}*, known for {num(least['filled'])} of {num(q['n_clients'])} clients "
    f"({num(least['share'] * 100, 1)} %).",
    fr=f"{q['n_criteria_complete']} des {q['n_criteria']} critères et données financières sont renseignés pour tous "
    f"les clients ; le moins complet est *{least_label}*, connu pour {num(least['filled'])} clients sur "
    f"{num(q['n_clients'])} ({num(least['share'] * 100, 1)} %).",
))
"""),
("md-en", "## Invoice lines"),
("md-fr", "## Lignes de facture"),
("code", """
if portfolio.invoices is not None:
    first, last, ref = (long_date(q[k], lang) for k in ("first_invoice", "last_invoice", "reference_date"))
    text = tr(
        lang,
        en=f"{num(q['n_invoice_lines'])} invoice lines from {first} to {last}, of which {num(q['n_credit_lines'])} are "
        f"credit notes or returns (negative amounts, kept). The current 12 months end on {ref}: billing of the last "
        "12 months and of the 12 before come from the invoices wherever the register lacks them.",
        fr=f"{num(q['n_invoice_lines'])} lignes de facture du {first} au {last}, dont {num(q['n_credit_lines'])} avoirs "
        f"ou retours (montants négatifs, conservés). Les 12 mois courants se terminent le {ref} : la facturation des "
        "12 derniers mois et celle des 12 précédents proviennent des factures partout où le registre ne les donne pas.",
    )
else:
    text = tr(lang, en="No invoice lines were given: billing comes from the register alone.",
              fr="Aucune ligne de facture n'a été fournie : la facturation provient du seul registre.")
Markdown(text)
"""),
("code", """
save_table(problems, out_dir, "validation_problems")
save_table(files, out_dir, "files_read")
save_table(portfolio.clients, out_dir, "clients")
save_table(portfolio.contacts, out_dir, "contacts")
save_table(completeness, out_dir, "data_completeness");
"""),
]
nb = build(cells)
nbformat.write(nb, str(NOTEBOOKS / "01_data_and_validation.ipynb"))
print("written")
