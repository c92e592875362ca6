# portfolio-analysis — the common commands. Each target sets itself up:
# a virtual environment in .venv with the package installed in editable mode.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The shipped sample unless the company's own files are named:
#   make report CLIENTS=register.xlsx INVOICES=invoices.csv CONTACTS=contacts.csv OUT=reports/acme
ifeq ($(origin CLIENTS)$(origin INVOICES),undefinedundefined)
CLIENTS  := data/sample/clients.csv
INVOICES := data/sample/invoices.csv
CONTACTS := data/sample/contacts.csv
COMPANY  ?= Sample Company
endif
OUT         ?= reports/sample
REPORT_LANG ?= en
COMPANY     ?= the company

# the notebooks run by nbval share one analysis through this cache (a fresh one per environment)
export PORTFOLIO_ANALYSIS_CACHE := $(CURDIR)/$(VENV)/analysis-cache

.PHONY: help setup test test-fast test-spark unit nbval notebooks i18n report lab sample lint bench clean

help:
	@echo "make report   run the analysis on the sample (or CLIENTS=... INVOICES=... OUT=...)"
	@echo "make test     unit tests and nbval on every notebook"
	@echo "make lab      open the notebooks in JupyterLab"
	@echo "make sample   regenerate the shipped sample portfolio in data/sample"
	@echo "make test-fast  the unit tests without the notebooks and the end-to-end reports (the edit loop)"
	@echo "make test-spark the invoice plan on a local Spark session (installs pyspark, and Java 17 with apt if missing)"
	@echo "make notebooks  sync each notebook with its .py source, execute them on the sample, store outputs"
	@echo "make bench    run the benchmarks in bench/"
	@echo "make lint     ruff"

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

test: $(STAMP)
	PORTFOLIO_ANALYSIS_HYPOTHESIS=gate $(BIN)/python -m pytest tests notebooks portfolio_analysis --doctest-modules --nbval --nbval-current-env \
	    --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow" -q -p no:cacheprovider

# the same invoice plan on Spark: pyspark (the spark extra) and a Java runtime, from Debian when there is none
test-spark: $(STAMP)
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
	$(BIN)/python -m pip install --quiet -e ".[test,spark]"
	$(BIN)/python -m pytest tests -m spark -q -p no:cacheprovider

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest notebooks --nbval --nbval-current-env \
	    --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

report: $(STAMP)
	@mkdir -p "$(dir $(OUT))"
	$(BIN)/portfolio-analysis report $(if $(CLIENTS),--clients "$(CLIENTS)") \
	    $(if $(INVOICES),--invoices "$(INVOICES)") $(if $(CONTACTS),--contacts "$(CONTACTS)") \
	    $(if $(CONFIG),--config "$(CONFIG)") --company "$(COMPANY)" --lang $(REPORT_LANG) --out "$(OUT)"

sample: $(STAMP)
	$(BIN)/portfolio-analysis sample data/sample --n-clients 300 --seed 7

notebooks: $(STAMP)
	$(BIN)/jupytext --sync notebooks/[0-9][0-9]_*.py
	$(BIN)/python tools/nbtools.py execute notebooks/[0-9][0-9]_*.ipynb

# after a phrase was added or changed: merge the phrases in use into the French catalogue, list those without French
i18n: $(STAMP)
	$(BIN)/python -m portfolio_analysis.i18n.catalogue update
	$(BIN)/python -m portfolio_analysis.i18n.catalogue missing

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,lab]"
	cd notebooks && ../$(BIN)/jupyter lab

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench,spark]"
	$(BIN)/python bench/bench_invoices.py
	$(BIN)/python bench/bench_scoring.py
	$(BIN)/python bench/bench_segmentation.py
	$(BIN)/python bench/bench_report.py

lint: $(STAMP)
	$(BIN)/ruff check portfolio_analysis tests bench tools notebooks

clean:
	rm -rf $(VENV) reports .pytest_cache
