"""Step 6 — the portfolio matrix, the fix-or-end decision and the relationship plan.

**The matrix** (:func:`portfolio_matrix`) places each client by its value score
(economics) and its relationship score, split at a fixed threshold (50 by default)
or at the portfolio's medians. A score **at or above** the split is *high* value /
*strong* relationship. The four quadrants and their default actions:

==================  ==============  ===================  ===========
value               relationship    quadrant             action
==================  ==============  ===================  ===========
high                strong          core partners        develop
high                weak            secure               maintain
low                 strong          improve economics    fix
low                 weak            reconsider           end
==================  ==============  ===================  ===========

*Secure* clients pay well but are loosely tied to us: keep serving them as they are
while the levers below strengthen the ties; *improve economics* clients are close to
us but earn too little: fix the terms before anything else. A client without a value
or relationship score is not placed and gets ``unplaced_action`` (``fix``).

**The decision** (:func:`decide_actions`) then applies, in this order:

1. the *guards* of the settings, in order, each a condition and an action mapping.
   Shipped: a loss-making client (real profit below 0, not an estimate) that is not
   strategic is never developed or maintained, it is fixed (``loss_making``); an end
   candidate that still earns a healthy margin (a real margin of 5 % or more, else a
   moderate or high profitability level) is maintained at least cost rather than
   ended (``still_profitable``: the article ends the relationships that will never be
   worth it, not those that pay);
2. the *strategic keep*: a client meeting any strategic condition (ongoing R&D, high
   learning opportunities, a growing outlook, a reference client) that would be ended
   is fixed instead, marked ``strategic_keep``;
3. the *insufficient-data guard*: a client flagged ``insufficient_data`` by the
   scoring is never ended; it is fixed, and its reasons name the criteria to collect.
   Other actions are kept (the reasons still say what is missing).

Steps 2 and 3 come last whatever the guards say, so that no strategic client and no
client with insufficient data is ever ended (the settings are checked: their
``replaces`` must contain ``end`` and their action must not be ``end``).

**Levers** are rules too: each is a condition on the client's data and a label;
every lever whose condition holds is listed, whatever the action (an ``end``
candidate's levers are what to try before ending it).

**Rules are data.** Every rule above lives in the catalogue's ``settings.actions``
block (``criteria.yaml``; an analyst's YAML and a notebook's ``settings`` are merged
over it: mappings merge key by key, a list replaces the list, ``null`` removes a lever
or a guard's mapping), checked by the configuration model
(:mod:`portfolio_analysis.config.action_rules`). Conditions are mappings
:mod:`~portfolio_analysis.steps.actions.rules` evaluates:

* ``{field: F, in: [levels]}`` / ``not_in``: the client's level of F is (not) one of
  them; ``{field: F, contains: level}`` / ``excludes``: for the multi-valued
  ``decision_criteria``, the level is (not) among the client's;
* ``{field: F, below: x}`` (``<``), ``at_most`` (``<=``), ``above`` (``>``),
  ``at_least`` (``>=``): a number;
* ``{field: F, is: true}``: a yes/no column (``yes``, ``true``, ``1``, ``oui``, ``x``);
* ``{field: F, missing: true}``: no value;
* ``{all: [...]}``, ``{any: [...]}``, and ``{condition: name}`` for a named condition
  of ``conditions`` (``strategic`` is defined for you: any strategic condition).

**A condition on a value the client does not have is false** (except ``missing``): no
lever, no guard and no strategic reason is ever claimed without data. Fields are the
register's columns plus these derived ones: ``profit`` and ``profit_is_estimated``
(from :func:`~portfolio_analysis.steps.concentration.client_profit`), ``real_profit`` (the
profit when it is not an estimate), ``real_margin_pct`` (``margin_pct``, else
``100 × profit / billing`` from the register's real profit), ``cost_to_serve_pct``
(``100 × cost_to_serve / billing``), ``billing_change_pct`` and ``billing_percentile``
(the client's billing rank in %, 100 for the largest; the smallest quarter is at or
below 25).

**What would change the action** (:func:`what_would_change`) moves one ordinal
criterion of every client to each of its other levels, re-scores and re-decides the
whole portfolio at once per (criterion, level), and keeps per client the nearest
level that flips its action. **Stability** (:func:`action_stability`) re-decides under
each weight draw of :func:`~portfolio_analysis.steps.sensitivity.weight_sensitivity`.

**The plan** (:func:`relationship_plan`): one row per client with the value at stake
and a priority (see the function).

The package: :mod:`~.rules` (the rules in force and the evaluation of the conditions),
:mod:`~.decide` (the matrices and the decision), :mod:`~.explain` (reasons, levers and
what would change the action), :mod:`~.stability` and :mod:`~.plan`; the figures are in
:mod:`portfolio_analysis.plots.matrix`.

**French.** With ``lang="fr"`` the reasons, levers and sentences are written in French:
each phrase is built once, its words from the message catalogue
(:mod:`portfolio_analysis.i18n`), criteria and levels in the catalogue's French labels,
numbers by Babel. A quadrant's, lever's or strategic reason's label, a lever's why and a
guard's reason are written in the configuration either as a plain text — the shipped
ones are in the message catalogue; a text of the company's own is shown as written in
both languages — or as ``{en: ..., fr: ...}``, one text per language.
"""

from __future__ import annotations

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.steps.actions._decision import DERIVED_FIELDS
from portfolio_analysis.steps.actions.decide import (
    SHAPIRO_QUADRANTS,
    decide_actions,
    portfolio_matrix,
    price_cost_matrix,
)
from portfolio_analysis.steps.actions.explain import what_would_change
from portfolio_analysis.steps.actions.plan import relationship_plan
from portfolio_analysis.steps.actions.rules import action_settings
from portfolio_analysis.steps.actions.stability import action_stability
from portfolio_analysis.steps.actions.weighted import Decision, WeightedDecider

__all__ = [
    "Decision",
    "WeightedDecider",
    "ACTIONS",
    "DERIVED_FIELDS",
    "SHAPIRO_QUADRANTS",
    "action_settings",
    "portfolio_matrix",
    "price_cost_matrix",
    "decide_actions",
    "what_would_change",
    "action_stability",
    "relationship_plan",
]
