"""portfolio-analysis: a B2B company's customer list turned into a customer portfolio analysis.

The modules follow the notebook sequence:

- :mod:`~portfolio_analysis.catalogue` — the criteria catalogue (``criteria.yaml``) and its overrides;
- :mod:`~portfolio_analysis.clients` — loading the client register and contacts;
- :mod:`~portfolio_analysis.invoices` — loading invoice lines and aggregating them per client;
- :mod:`~portfolio_analysis.loading` — everything at once, with one validation report;
- :mod:`~portfolio_analysis.validation` — the report of every problem found;
- :mod:`~portfolio_analysis.sample` — the synthetic sample portfolio;
- :mod:`~portfolio_analysis.template` — the empty Excel register for a consultant to fill.
"""

__version__ = "0.1.0"
