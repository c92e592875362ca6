"""The synthetic sample portfolio: a client register, invoice lines and contacts.

A deterministic generator (one seed, one portfolio, byte for byte) of the data a
consultant receives, with the structure the analysis is meant to find:

- five planted groups of clients (:data:`GROUPS`), kept in the register's
  ``true_group`` column so that tests and the segmentation can check recovery;
- heavy-tailed (lognormal) billing and a loss-making tail, so that the whale
  curve peaks well above 100 % of the total profit;
- 36 months of monthly invoice lines per client and service category, with a
  per-client trend (declining at-risk clients shrink), a yearly season
  (summer dip, December peak) and a few credit notes;
- the people in each relationship, on our side drawn from a small staff so
  that a few of our people carry many accounts.

The register's ``billing`` and ``billing_previous`` are the invoice sums over
the last 12 months ``(end_date - 12 months, end_date]`` and the 12 months
before, to the cent. ``profit`` is the gross margin of the last 12 months'
invoice lines (``amount - cost``) less the client's ``cost_to_serve``.

With ``problems=True`` a handful of realistic data problems are injected
(a misspelt level, a duplicated id, a blank row, invoice lines without a
client or with an impossible date, a contact for an unknown client); they
are listed by :func:`injected_problems`. The financial fields stay clean, so
the register's totals still match the invoice lines that load.

>>> frames = make_sample(40, seed=1, problems=False)
>>> sorted(frames)
['clients', 'contacts', 'invoices']
>>> frames["clients"]["client_id"].iloc[0]
'C0001'
"""

from portfolio_analysis.sample.generate import (
    injected_problems,
    make_sample,
    whale_peak,
    write_sample,
)
from portfolio_analysis.sample.parameters import GROUPS, MISSPELT_LEVEL

__all__ = ["GROUPS", "MISSPELT_LEVEL", "injected_problems", "make_sample", "whale_peak", "write_sample"]
