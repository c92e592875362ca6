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
# # Appendix · How to reproduce this report
#
# What this analysis used, for whoever runs it again or checks it: the files (each with its SHA-256
# fingerprint: a file with the same fingerprint has the same bytes), the configuration and what it
# changes from the shipped catalogue, the weights in force, the software's versions, and the
# command that gives the same report.

# %% [markdown] tags=["lang-fr"]
# # Annexe · Reproduire ce rapport
#
# Ce que cette analyse a utilisé, pour qui la refait ou la vérifie : les fichiers (chacun avec son
# empreinte SHA-256 : un fichier de même empreinte a les mêmes octets), la configuration et ce
# qu'elle change par rapport au catalogue livré, les pondérations en vigueur, les versions des
# logiciels, et la commande qui donne le même rapport.

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
import shlex

import pandas as pd

from portfolio_analysis.archive import run_record
from portfolio_analysis.deliver.page import open_page
from portfolio_analysis.i18n.language import N_

page = open_page(clients=clients, invoices=invoices, contacts=contacts, config=config, overrides=overrides,
                 mapping=mapping, sheet=sheet, strict=strict, lang=lang, out_dir=out_dir, company=company,
                 analysis_dir=analysis_dir)
a, L = page.analysis, page.language
_, num, pct = L.gettext, L.num, L.pct
run = run_record(a)

# %%
kinds = {"clients": "--clients", "invoices": "--invoices", "contacts": "--contacts"}
command = ["portfolio-analysis", "report"]
for item in run["inputs"]:
    command += [kinds.get(item["kind"], item["kind"]), item["file"]]
command += [arg for f in run["configuration"].get("files", []) for arg in ("--config", f)]
command += [arg for s in [*run["configuration"].get("overrides", []), *run["configuration"].get("parameters", [])]
            for arg in ("--set", s)]
command += [arg for k, v in (run["options"].get("mapping") or {}).items() for arg in ("--map", f"{k}={v}")]
if run["options"].get("sheet") is not None:
    command += ["--sheet", str(run["options"]["sheet"])]
if run["options"].get("strict"):
    command.append("--strict")
command += ["--lang", a.lang, "--company", page.company, "--out", "OUT"]
page.md(_("The same report comes from this command, run on the same files (in the folder that holds them), "
          "with the same version of portfolio-analysis:") + "\n\n```\n" + shlex.join(command) + "\n```")

# %%
files = pd.DataFrame(run["inputs"])
if len(files):
    display(page.table(files.assign(kind=files["kind"].map({"clients": _("client register"),
                                                            "invoices": _("invoice lines"),
                                                            "contacts": _("contacts")})),
                       columns={"file": N_("File"), "kind": N_("Content"), "bytes": N_("Size (bytes)"),
                                "sha256": N_("SHA-256")}, decimals={"bytes": 0}))

# %%
weights = pd.DataFrame([{"criterion": k, "label": page.label(k), **w} for k, w in run["weights"].items()])
page.table(weights, columns={"label": N_("Criterion"), "criterion": N_("Key"), "weight": N_("Weight"),
                             "share_pct": N_("Share of the total weight (%)")},
           decimals={"weight": 1, "share_pct": 1})

# %%
changed = pd.DataFrame([{"setting": k, "shipped": str(v["shipped"]), "in_force": str(v["in_force"])}
                        for k, v in run["changed_settings"].items()])
if len(changed):
    display(page.table(changed, columns={"setting": N_("Setting"), "shipped": N_("Shipped"),
                                         "in_force": N_("In force")}))
else:
    page.md(_("The configuration is the shipped catalogue, unchanged."))

# %%
from portfolio_analysis.pipeline import note_text

notes = [note_text(n, lang) for n in a.facts.get("notes", [])]
if notes:
    page.md("\n".join("- " + page.esc(n) for n in notes))

# %%
page.md(_("To change a weight, a level's score or a setting, write only what changes in a YAML file and give it "
          "with `--config`, or give one change with `--set` (e.g. `--set weights.profitability=5`); "
          "`portfolio-analysis compare` then says what moved between two reports. Every default is in the "
          "file `portfolio_analysis/config/criteria.yaml`."))

# %%
versions = pd.DataFrame([{"package": k, "version": v} for k, v in run["versions"].items()])
page.table(versions, columns={"package": N_("Software"), "version": N_("Version")})
