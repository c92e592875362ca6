"""portfolio-analysis: a B2B company's customer list turned into a customer portfolio analysis.

The modules follow the notebook sequence:

- :mod:`~portfolio_analysis.config.catalogue` — the criteria catalogue (``criteria.yaml``) and its overrides;
- :mod:`~portfolio_analysis.load.register` — loading the client register;
- :mod:`~portfolio_analysis.load.contacts` — the people of each relationship: a contacts table and the register's names;
- :mod:`~portfolio_analysis.load.invoices` — loading invoice lines, every line loaded or reported, from
  :mod:`~portfolio_analysis.load.sources` (the file, its columns, its batches) and
  :mod:`~portfolio_analysis.load.arrow_cells` (ids, numbers and dates parsed on Arrow arrays);
- :mod:`~portfolio_analysis.load.history` — invoice histories of any size checked and summed per client by an
  engine (:mod:`~portfolio_analysis.load.engines`: DuckDB, Spark) running one plan
  (:mod:`~portfolio_analysis.load.plan`, SQL written once); what the analysis uses;
- :mod:`~portfolio_analysis.load.billing` — billing per client from the lines, and the register filled with it;
- :mod:`~portfolio_analysis.load.portfolio` — everything at once, with one validation report;
- :mod:`~portfolio_analysis.load.validation` — the report of every problem found;
- :mod:`~portfolio_analysis.steps.profiles` — the portfolio at a glance (step 2);
- :mod:`~portfolio_analysis.steps.financials` — billing trends and the 12-month projection (step 2);
- :mod:`~portfolio_analysis.steps.scoring` and :mod:`~portfolio_analysis.steps.sensitivity` — scores and their weights (step 3);
- :mod:`~portfolio_analysis.widgets` — the interactive weights panel for JupyterLab (optional, the lab extra);
- :mod:`~portfolio_analysis.steps.segmentation` — groups of similar clients (step 4);
- :mod:`~portfolio_analysis.steps.concentration` — where the profit comes from (step 5);
- :mod:`~portfolio_analysis.steps.actions` — the portfolio matrix, develop/maintain/fix/end and the plan (step 6);
- :mod:`~portfolio_analysis.steps.retention` — retention economics (step 7);
- :mod:`~portfolio_analysis.plots` — the figures, drawn from the tables the steps compute;
- :mod:`~portfolio_analysis.sample` — the synthetic sample portfolio;
- :mod:`~portfolio_analysis.template` — the empty Excel register for a consultant to fill.
"""

__version__ = "0.1.0"
