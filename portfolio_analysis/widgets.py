"""An interactive weights panel for analysts (JupyterLab, ipywidgets).

:func:`weights_panel` shows one slider per scored criterion; each change re-scores the
portfolio and lists the ten best clients by total score and every client whose
action (develop, maintain, fix, end) differs from the action at the base weights.
The logic is :func:`compare_weights`, a plain function on DataFrames that the panel
calls and that works without any widget.

ipywidgets is an optional dependency (the ``lab`` extra): this module imports without
it, and only :func:`weights_panel` needs it.

>>> import pandas as pd
>>> clients = pd.DataFrame({"client_id": ["A", "B"], "profitability": ["high", "low"],
...                         "share_of_wallet": ["small", "large"],
...                         "relationship_type": ["partnership", "partnership"]})
>>> _, changed = compare_weights(clients, None, None)
>>> len(changed)
0
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, ConfigError
from portfolio_analysis.steps.actions import decide_actions
from portfolio_analysis.steps.concentration import client_profit
from portfolio_analysis.steps.scoring import SCORED_AXES, _catalogue, criterion_weights, score_clients

if TYPE_CHECKING:  # pragma: no cover
    import ipywidgets

__all__ = ["compare_weights", "weights_panel"]

_INSTALL_HINT = "pip install -e '.[lab]'"
_SLIDER_MAX = 10.0
_SLIDER_STEP = 0.5
_AXIS_TITLES = {"value": "Value score", "relationship": "Relationship score"}
_SCORE_COLUMNS = ["value_score", "relationship_score", "total_score"]


def _decide(clients: pd.DataFrame, weights, cat: Catalogue, profit: pd.DataFrame):
    # a Series of weights (criterion_weights' result) is as good as a dict
    weights = None if weights is None else dict(weights.items())
    scores = score_clients(clients, catalogue=cat, weights=weights)
    decided = decide_actions(clients, scores, profit=profit, catalogue=cat, weights=weights)
    return scores, decided


def _compare(clients, base: pd.DataFrame, new_weights, cat, profit) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores and changed actions at ``new_weights`` against an already decided ``base``."""
    scores, decided = _decide(clients, new_weights, cat, profit)
    base_action = base["action"].to_numpy()
    new_action = decided["action"].to_numpy()
    scores = scores.copy()
    scores.insert(1, "name", decided["name"].to_numpy())
    scores["action"] = decided["action"].to_numpy()
    scores["base_action"] = base["action"].to_numpy()
    moved = base_action != new_action
    changed = pd.DataFrame(
        {
            "client_id": decided["client_id"].to_numpy()[moved],
            "name": decided["name"].to_numpy()[moved],
            "base_action": base_action[moved],
            "new_action": new_action[moved],
            "base_value_score": base["value_score"].to_numpy()[moved],
            "value_score": decided["value_score"].to_numpy()[moved],
            "base_relationship_score": base["relationship_score"].to_numpy()[moved],
            "relationship_score": decided["relationship_score"].to_numpy()[moved],
        }
    )
    for col in ("name", "base_action", "new_action"):
        changed[col] = changed[col].astype("str")
    return scores, changed


def compare_weights(
    clients: pd.DataFrame,
    base_weights: Mapping[str, float] | None,
    new_weights: Mapping[str, float] | None,
    *,
    catalogue: Catalogue | None = None,
    profit: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Re-score the portfolio at ``new_weights`` and list the actions that change.

    Parameters
    ----------
    clients : DataFrame
        The loaded register (``client_id``, ``name``, the criteria, ...).
    base_weights, new_weights : mapping or Series of criterion key to weight, or None
        Overrides of the catalogue's weights (None: the catalogue's), as in
        :func:`~portfolio_analysis.steps.scoring.criterion_weights`. Weights are relative:
        scaling them all changes nothing.
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue.
    profit : DataFrame, optional
        :func:`~portfolio_analysis.steps.concentration.client_profit`'s result; computed
        when omitted. It does not depend on the weights.

    Returns
    -------
    scores : DataFrame, register order
        :func:`~portfolio_analysis.steps.scoring.score_clients` at ``new_weights`` with
        ``name`` after ``client_id``, and ``action`` (at ``new_weights``) and
        ``base_action`` (at ``base_weights``) last.
    changed : DataFrame, register order
        One row per client whose action differs: ``client_id``, ``name``,
        ``base_action``, ``new_action``, ``base_value_score``, ``value_score``,
        ``base_relationship_score``, ``relationship_score``. Empty when nothing moves.

    Raises
    ------
    ConfigError
        An unknown criterion, a negative weight, or every weight 0.
    """
    cat = _catalogue(catalogue)
    clients = clients.reset_index(drop=True)
    if profit is None:
        profit = client_profit(clients, catalogue=cat)
    _, base = _decide(clients, base_weights, cat, profit)
    return _compare(clients, base, new_weights, cat, profit)


# -- the panel ------------------------------------------------------------------------
def _import_widgets():
    try:
        import ipywidgets
    except ImportError as exc:
        raise ImportError(
            f"weights_panel needs ipywidgets, which is not installed; install the lab extra: {_INSTALL_HINT}"
        ) from exc
    return ipywidgets


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _count_line(n_changed: int, n_clients: int) -> str:
    if n_changed == 0:
        return f"No client changes action versus the base weights (of {_plural(n_clients, 'client')})."
    verb = "changes" if n_changed == 1 else "change"
    return f"{n_changed} of {_plural(n_clients, 'client')} {verb} action versus the base weights."


def _top(scores: pd.DataFrame, n: int) -> pd.DataFrame:
    # unscored clients last; ties keep register order
    top = scores.sort_values("total_score", ascending=False, na_position="last", kind="stable").head(n)
    cols = ["client_id", "name", *_SCORE_COLUMNS, "action"]
    out = top[cols].reset_index(drop=True)
    out[_SCORE_COLUMNS] = out[_SCORE_COLUMNS].round(1)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def _changed_view(changed: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": changed["client_id"],
            "name": changed["name"],
            "action": changed["base_action"] + " → " + changed["new_action"],
            "value_score": changed["value_score"].round(1),
            "relationship_score": changed["relationship_score"].round(1),
        }
    )


def _transitions(changed: pd.DataFrame) -> str:
    counts = (changed["base_action"] + " → " + changed["new_action"]).value_counts(sort=True)
    return ", ".join(f"{move}: {n}" for move, n in counts.items())


def _render(scores: pd.DataFrame, changed: pd.DataFrame, top: int) -> dict:
    """The panel's output as one display bundle (plain text and HTML)."""
    count = _count_line(len(changed), len(scores))
    best = _top(scores, top)
    view = _changed_view(changed)
    moves = _transitions(changed) if len(changed) else ""
    text = [f"Top {len(best)} clients by total score", best.to_string(index=False), "", count]
    parts = [
        f"<h4>Top {len(best)} clients by total score</h4>",
        best.to_html(index=False, float_format="{:.1f}".format),
        f"<h4>Actions that change</h4><p><b>{html.escape(count)}</b>",
    ]
    if moves:
        text.append(moves)
        parts[-1] += f"<br>{html.escape(moves)}"
    parts[-1] += "</p>"
    if len(view):
        text.append(view.to_string(index=False))
        parts.append(
            '<div style="max-height: 24em; overflow: auto;">'
            + view.to_html(index=False, float_format="{:.1f}".format)
            + "</div>"
        )
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/plain": "\n".join(text), "text/html": "\n".join(parts)},
    }


def _message(text: str) -> dict:
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/plain": text, "text/html": f"<p style='color: #C62828'>{html.escape(text)}</p>"},
    }


def weights_panel(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    weights: Mapping[str, float] | None = None,
    profit: pd.DataFrame | None = None,
    top: int = 10,
) -> ipywidgets.VBox:
    """A panel of weight sliders that re-scores the portfolio as they move.

    One ``FloatSlider`` per scored criterion (0 to 10, step 0.5, labelled with the
    catalogue's label, grouped by score), a *Reset* button back to the base weights,
    and an output area showing, after every change, the ``top`` clients by total
    score and the clients whose action differs from the base weights (from
    :func:`compare_weights`). Sliders update on release, not while dragging.

    Parameters
    ----------
    clients : DataFrame
        The loaded register.
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue.
    weights : mapping, optional
        The base weights (overrides of the catalogue's), where the sliders start.
    profit : DataFrame, optional
        :func:`~portfolio_analysis.steps.concentration.client_profit`'s result; computed once
        when omitted.
    top : int
        How many of the best clients to list.

    Returns
    -------
    ipywidgets.VBox
        Its attributes ``sliders`` (criterion key → slider), ``reset_button``,
        ``output`` and ``refresh()`` (re-render at the sliders' weights) are there
        for scripting it.

    Raises
    ------
    ImportError
        When ipywidgets is not installed (``pip install -e '.[lab]'``).

    Examples
    --------
    In a notebook cell::

        from portfolio_analysis.widgets import weights_panel
        weights_panel(portfolio.clients)
    """
    widgets = _import_widgets()
    cat = _catalogue(catalogue)
    clients = clients.reset_index(drop=True)
    if profit is None:
        profit = client_profit(clients, catalogue=cat)
    base_weights = criterion_weights(catalogue=cat, weights=weights)
    # the base decision is computed once: each move only re-decides at the new weights
    _, base = _decide(clients, base_weights, cat, profit)

    style = {"description_width": "13em"}
    sliders = {
        key: widgets.FloatSlider(
            value=float(w),
            min=0.0,
            max=max(_SLIDER_MAX, math.ceil(float(w))),
            step=_SLIDER_STEP,
            description=cat.label(key),
            continuous_update=False,
            readout_format=".1f",
            style=style,
            layout=widgets.Layout(width="28em"),
        )
        for key, w in base_weights.items()
    }
    columns = []
    for axis in SCORED_AXES:
        group = [s for k, s in sliders.items() if cat.criteria[k].axis == axis]
        if group:
            columns.append(widgets.VBox([widgets.HTML(f"<b>{_AXIS_TITLES.get(axis, axis)}</b>"), *group]))
    reset = widgets.Button(description="Reset", tooltip="Back to the base weights", icon="undo")
    output = widgets.Output()
    state = {"paused": False}

    def refresh(change=None) -> None:
        if state["paused"]:
            return
        current = {k: float(s.value) for k, s in sliders.items()}
        try:
            scores, changed = _compare(clients, base, current, cat, profit)
        except ConfigError as exc:
            output.outputs = (_message(str(exc)),)
            return
        output.outputs = (_render(scores, changed, top),)

    def on_reset(_button=None) -> None:
        # one re-score for the whole reset, not one per slider
        state["paused"] = True
        try:
            for key, slider in sliders.items():
                slider.value = float(base_weights[key])
        finally:
            state["paused"] = False
        refresh()

    for slider in sliders.values():
        slider.observe(refresh, names="value")
    reset.on_click(on_reset)
    refresh()

    panel = widgets.VBox([widgets.HBox(columns), reset, output])
    panel.sliders = sliders
    panel.reset_button = reset
    panel.output = output
    panel.refresh = refresh
    return panel
