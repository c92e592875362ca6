"""The weights panel for analysts (JupyterLab, ipywidgets): move a weight, see what moves.

:class:`PanelModel` is the panel's logic, without any widget: on each set of weights it
re-scores and re-decides the portfolio through a
:class:`~portfolio_analysis.steps.actions.WeightedDecider` (what does not depend on the
weights is computed once), and renders the best clients with their rank change, the
actions that change (how many, from which to which, and the clients), a small portfolio
matrix of a fixed sample of clients, and the weights as YAML and as ``--set`` options for
a run. :func:`weights_panel` puts sliders, a *Reset* and a *Save* button around it; moves
that arrive while one is being computed are coalesced (the last one wins).
:func:`compare_weights` is the same comparison as plain tables.

ipywidgets is an optional dependency (the ``lab`` extra): this module imports without it,
and only :func:`weights_panel` needs it.

>>> import pandas as pd
>>> clients = pd.DataFrame({"client_id": ["A", "B"], "name": ["a", "b"], "profitability": ["high", "low"],
...                         "share_of_wallet": ["small", "large"],
...                         "relationship_type": ["partnership", "partnership"]})
>>> _, changed = compare_weights(clients, None, None)
>>> len(changed)
0
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from portfolio_analysis.config.action_rules import ACTIONS
from portfolio_analysis.config.catalogue import Catalogue, ConfigError
from portfolio_analysis.i18n import action_name
from portfolio_analysis.i18n.language import N_, language
from portfolio_analysis.plots.palette import ACTION_COLOURS
from portfolio_analysis.steps.actions import WeightedDecider
from portfolio_analysis.steps.scoring import SCORED_AXES, _catalogue, criterion_weights

if TYPE_CHECKING:  # pragma: no cover
    import ipywidgets

__all__ = ["PanelModel", "compare_weights", "weights_panel"]

_INSTALL_HINT = "pip install -e '.[lab]'"
_SLIDER_MAX = 10.0
_SLIDER_STEP = 0.5
_AXIS_TITLES = {"value": N_("Value score"), "relationship": N_("Relationship score")}
_NAMES = np.array(ACTIONS, dtype=object)


def _weights_dict(weights) -> dict[str, float] | None:
    return None if weights is None else {str(k): float(v) for k, v in dict(weights).items()}


def compare_weights(
    clients: pd.DataFrame,
    base_weights: Mapping[str, float] | None,
    new_weights: Mapping[str, float] | None,
    *,
    catalogue: Catalogue | None = None,
    profit: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Re-score the portfolio at ``new_weights`` and list the actions that change from ``base_weights``.

    Parameters
    ----------
    clients : DataFrame
        The loaded register (``client_id``, ``name``, the criteria, ...).
    base_weights, new_weights : mapping or Series of criterion key to weight, or None
        Overrides of the catalogue's weights (None: the catalogue's). Weights are relative:
        scaling them all changes nothing.
    catalogue : Catalogue, optional
        Defaults to the shipped catalogue.
    profit : DataFrame, optional
        :func:`~portfolio_analysis.steps.concentration.client_profit`'s result; computed
        when omitted. It does not depend on the weights.

    Returns
    -------
    scores : DataFrame, register order
        ``client_id``, ``name``, ``value_score``, ``relationship_score``, ``total_score``,
        ``coverage``, ``insufficient_data`` at ``new_weights``, then ``action`` (at
        ``new_weights``) and ``base_action`` (at ``base_weights``).
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
    decider = WeightedDecider(clients, catalogue=cat, profit=profit)
    base = decider.decide(_checked(decider, base_weights))
    new = decider.decide(_checked(decider, new_weights))
    c = decider.clients
    names = c["name"].to_numpy() if "name" in c.columns else np.full(len(c), None)
    scores = pd.DataFrame({"client_id": c["client_id"].to_numpy(), "name": names,
                           "value_score": new.value_score, "relationship_score": new.relationship_score,
                           "total_score": new.total_score, "coverage": new.coverage,
                           "insufficient_data": new.insufficient_data,
                           "action": _NAMES[new.action], "base_action": _NAMES[base.action]})
    moved = base.action != new.action
    changed = pd.DataFrame({
        "client_id": c["client_id"].to_numpy()[moved], "name": names[moved],
        "base_action": _NAMES[base.action][moved], "new_action": _NAMES[new.action][moved],
        "base_value_score": base.value_score[moved], "value_score": new.value_score[moved],
        "base_relationship_score": base.relationship_score[moved], "relationship_score": new.relationship_score[moved],
    })
    for col in ("name", "base_action", "new_action", "action"):
        frame = scores if col == "action" else changed
        frame[col] = frame[col].astype("str")
    scores["base_action"] = scores["base_action"].astype("str")
    return scores, changed


def _checked(decider: WeightedDecider, weights) -> dict[str, float] | None:
    """The weights, refused as the scoring refuses them (an unknown criterion, with a did-you-mean; a negative
    weight; every weight 0)."""
    weights = _weights_dict(weights)
    if weights is not None:
        criterion_weights(catalogue=decider.catalogue, weights=weights)  # raises ConfigError naming the key
    return weights


@dataclass
class View:
    """What the panel shows for one set of weights."""

    weights: dict[str, float]
    top: pd.DataFrame  # rank, move, client_id, name, value_score, relationship_score, total_score, action
    transitions: dict[tuple[str, str], int]  # (from, to) -> clients
    changed: pd.DataFrame  # the first clients whose action changed
    n_changed: int
    n_clients: int
    matrix_svg: str
    yaml: str
    set_options: str


class PanelModel:
    """The panel's logic (no widget): base decision once, then one :meth:`update` per move.

    Parameters
    ----------
    clients : DataFrame
        The loaded register.
    catalogue : Catalogue, optional
        The configuration in force (its weights are the base ones, where the sliders start).
    weights : mapping, optional
        Base weights overriding the configuration's.
    profit : DataFrame, optional
        :func:`~portfolio_analysis.steps.concentration.client_profit`'s result.
    lang : {"en", "fr"}
    top : int
        The best clients listed.
    n_points : int
        Clients drawn in the small matrix (a fixed sample of the portfolio).
    random_state : int
        The sample's seed.
    """

    def __init__(self, clients: pd.DataFrame, *, catalogue: Catalogue | None = None,
                 weights: Mapping[str, float] | None = None, profit: pd.DataFrame | None = None, lang: str = "en",
                 top: int = 10, n_points: int = 400, random_state: int = 0):
        self.catalogue = _catalogue(catalogue)
        self.L = language(lang)
        self.decider = WeightedDecider(clients, catalogue=self.catalogue, profit=profit)
        self.top_n = top
        c = self.decider.clients
        self.ids = c["client_id"].astype("str").to_numpy()
        self.names = (c["name"].astype("object").where(c["name"].notna(), c["client_id"]).astype("str").to_numpy()
                      if "name" in c.columns else self.ids)
        self.base_weights = criterion_weights(catalogue=self.catalogue, weights=_weights_dict(weights))
        self.base = self.decider.decide(self.base_weights)
        self.base_rank = _ranks(self.base.total_score)
        rng = np.random.default_rng(random_state)
        n = len(self.ids)
        self.sample = np.sort(rng.choice(n, size=min(n_points, n), replace=False)) if n else np.arange(0)

    # -- one move ----------------------------------------------------------------------
    def update(self, weights: Mapping[str, float]) -> View:
        """Scores, ranks and actions at ``weights`` against the base ones, ready to show."""
        weights = _checked(self.decider, weights) or {}
        d = self.decider.decide(weights)
        rank = _ranks(d.total_score)
        scored = np.flatnonzero(~np.isnan(d.total_score))
        k = min(self.top_n, len(scored))
        best = scored[np.argsort(rank[scored], kind="stable")[:k]] if k else scored
        top = pd.DataFrame({
            "rank": rank[best].astype("int64"), "move": self.base_rank[best] - rank[best], "client_id": self.ids[best],
            "name": self.names[best], "value_score": d.value_score[best],
            "relationship_score": d.relationship_score[best], "total_score": d.total_score[best],
            "action": _NAMES[d.action[best]]})
        moved = np.flatnonzero(self.base.action != d.action)
        pairs = pd.Series(list(zip(_NAMES[self.base.action[moved]], _NAMES[d.action[moved]]))).value_counts()
        changed = pd.DataFrame({"client_id": self.ids[moved[:20]], "name": self.names[moved[:20]],
                                "base_action": _NAMES[self.base.action[moved[:20]]],
                                "new_action": _NAMES[d.action[moved[:20]]]})
        full = {key: float(w) for key, w in zip(self.decider.keys, self.decider.weight_vector(weights))}
        return View(full, top, {tuple(p): int(n) for p, n in pairs.items()}, changed, len(moved), len(self.ids),
                    self._matrix(d), weights_yaml(full), set_options(full, self.base_weights))

    def _matrix(self, d) -> str:
        """A small portfolio matrix (SVG): the sample's clients at these weights, coloured by action."""
        size, pad = 220, 24
        tv, tr = d.thresholds
        scale = (size - 2 * pad) / 100.0

        def x(v):
            return pad + v * scale

        def y(v):
            return size - pad - v * scale

        dots = []
        for i in self.sample:
            v, r = d.value_score[i], d.relationship_score[i]
            if np.isnan(v) or np.isnan(r):
                continue
            dots.append(f'<circle cx="{x(r):.1f}" cy="{y(v):.1f}" r="2.6" fill="{ACTION_COLOURS[ACTIONS[d.action[i]]]}" '
                        'fill-opacity="0.7"/>')
        _ = self.L.gettext
        x_label, y_label = html.escape(_("relationship score")), html.escape(_("value score"))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" font-size="10">'
                f'<rect x="{pad}" y="{pad}" width="{size - 2 * pad}" height="{size - 2 * pad}" fill="none" stroke="#999"/>'
                f'<line x1="{x(tr):.1f}" y1="{pad}" x2="{x(tr):.1f}" y2="{size - pad}" stroke="#666" stroke-dasharray="4 3"/>'
                f'<line x1="{pad}" y1="{y(tv):.1f}" x2="{size - pad}" y2="{y(tv):.1f}" stroke="#666" stroke-dasharray="4 3"/>'
                + "".join(dots)
                + f'<text x="{size / 2}" y="{size - 6}" text-anchor="middle">{x_label}</text>'
                f'<text x="10" y="{size / 2}" text-anchor="middle" transform="rotate(-90 10 {size / 2})">'
                f'{y_label}</text></svg>')

    def _legend(self) -> str:
        """The colours of the matrix's dots, and what the dashed lines are."""
        _ = self.L.gettext
        keys = " ".join(f'<span style="color: {ACTION_COLOURS[a]}">●</span> {html.escape(action_name(a, self.L.lang))}'
                        for a in ACTIONS)
        lines = html.escape(_("dashed: the thresholds of the value and relationship scores"))
        return f'<div style="font-size: 85%">{keys}<br>{lines}</div>'

    # -- rendering -----------------------------------------------------------------------
    def render(self, view: View) -> dict:
        """The view as one display bundle (plain text and HTML): what the output area shows."""
        L, _ = self.L, self.L.gettext
        num = L.num
        moves = ["=" if m == 0 else (f"↑{num(m)}" if m > 0 else f"↓{num(-m)}") for m in view.top["move"]]
        top = pd.DataFrame({
            _("Rank"): [num(r) for r in view.top["rank"]], _("Move"): moves, _("Client"): view.top["name"],
            _("Value score"): [num(v, 1) for v in view.top["value_score"]],
            _("Relationship score"): [num(v, 1) for v in view.top["relationship_score"]],
            _("Total score"): [num(v, 1) for v in view.top["total_score"]],
            _("Action"): [action_name(a, L.lang) for a in view.top["action"]]})
        count = (_("No client changes action from the base weights ({n} clients).").format(n=num(view.n_clients))
                 if not view.n_changed else L.plural(
                     "{n} of {total} clients changes action from the base weights.",
                     "{n} of {total} clients change action from the base weights.", view.n_changed).format(
                     n=num(view.n_changed), total=num(view.n_clients)))
        moves_text = ", ".join(f"{action_name(a, L.lang)} → {action_name(b, L.lang)} {num(n)}"
                               for (a, b), n in view.transitions.items())
        changed = pd.DataFrame({_("Client"): view.changed["name"],
                                _("Action"): [f"{action_name(a, L.lang)} → {action_name(b, L.lang)}" for a, b in
                                              zip(view.changed["base_action"], view.changed["new_action"])]})
        text = [_("The {n} best clients by total score").format(n=num(len(top))), top.to_string(index=False), "",
                count, moves_text, changed.to_string(index=False) if len(changed) else "", "",
                _("These weights for a run:"), view.yaml, view.set_options]
        titles = {"top": _("The {n} best clients by total score").format(n=num(len(top))),
                  "matrix": _("Portfolio matrix (a sample of clients)"), "changes": _("Actions that change"),
                  "run": _("These weights for a run")}
        titles = {k: html.escape(v) for k, v in titles.items()}
        parts = [
            '<div style="display:flex; gap:1.5em; align-items:flex-start">',
            f"<div><h4>{titles['top']}</h4>" + top.to_html(index=False, escape=True) + "</div>",
            f"<div><h4>{titles['matrix']}</h4>{view.matrix_svg}{self._legend()}</div></div>",
            f"<h4>{titles['changes']}</h4><p><b>{html.escape(count)}</b>"
            + (f"<br>{html.escape(moves_text)}" if moves_text else "") + "</p>",
        ]
        if len(changed):
            if len(changed) < view.n_changed:
                shown = _("The first {shown} of the {n} clients that change action:").format(
                    shown=num(len(changed)), n=num(view.n_changed))
                parts.append(f"<p>{html.escape(shown)}</p>")
            parts.append('<div style="max-height: 16em; overflow: auto;">' + changed.to_html(index=False, escape=True)
                         + "</div>")
        parts.append(f"<h4>{titles['run']}</h4><pre>{html.escape(view.yaml)}</pre><pre>{html.escape(view.set_options)}</pre>")
        return {"output_type": "display_data", "metadata": {},
                "data": {"text/plain": "\n".join(text), "text/html": "\n".join(parts)}}


def _ranks(total: np.ndarray) -> np.ndarray:
    """Rank by total score, 1 = best, ties share the best rank; unscored clients last."""
    s = pd.Series(total)
    return s.rank(ascending=False, method="min", na_option="bottom").to_numpy(dtype="float64")


def weights_yaml(weights: Mapping[str, float]) -> str:
    """The weights as a YAML configuration that ``report --config`` takes.

    >>> print(weights_yaml({"profitability": 5.0, "billing_size": 1.5}))
    weights:
      profitability: 5
      billing_size: 1.5
    """
    lines = ["weights:"] + [f"  {k}: {_short(v)}" for k, v in weights.items()]
    return "\n".join(lines)


def set_options(weights: Mapping[str, float], base: Mapping[str, float] | pd.Series | None = None) -> str:
    """The weights that differ from ``base`` as ``--set`` options (all of them without a base).

    >>> set_options({"profitability": 5.0, "billing_size": 2.0}, {"profitability": 3.0, "billing_size": 2.0})
    '--set weights.profitability=5'
    """
    base = dict(base.items()) if base is not None else {}
    return " ".join(f"--set weights.{k}={_short(v)}" for k, v in weights.items()
                    if k not in base or not math.isclose(float(base[k]), float(v)))


def _short(value: float) -> str:
    return json.dumps(int(value) if float(value).is_integer() else float(value))


class Coalescer:
    """Runs ``work`` on the latest request only: requests that arrive before it runs replace each other.

    ``schedule(callback)`` runs ``callback`` later (the kernel's event loop by default), so that the
    slider events waiting in the kernel's queue are all taken in before the work starts.
    """

    def __init__(self, work: Callable, schedule: Callable[[Callable], object] | None = None):
        self.work = work
        self.schedule = schedule or _call_soon
        self.pending = None
        self.runs = 0

    def request(self, item) -> None:
        first = self.pending is None
        self.pending = item
        if first:
            self.schedule(self._run)

    def _run(self) -> None:
        item, self.pending = self.pending, None
        if item is not None:
            self.runs += 1
            self.work(item)


def _call_soon(callback: Callable) -> None:
    """After the events already queued (in a kernel, whose event loop runs); at once in a plain script."""
    import asyncio

    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        loop = None
    if loop is not None and loop.is_running():
        loop.call_soon(callback)
    else:
        callback()


# -- the panel ------------------------------------------------------------------------
def _import_widgets():
    try:
        import ipywidgets
    except ImportError as exc:
        raise ImportError(
            f"weights_panel needs ipywidgets, which is not installed; install the lab extra: {_INSTALL_HINT}"
        ) from exc
    return ipywidgets


def weights_panel(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    weights: Mapping[str, float] | None = None,
    profit: pd.DataFrame | None = None,
    top: int = 10,
    lang: str = "en",
    schedule: Callable[[Callable], object] | None = None,
) -> ipywidgets.VBox:
    """A panel of weight sliders that re-scores the portfolio as they move.

    One ``FloatSlider`` per scored criterion (0 to 10, step 0.5, grouped by score), a
    *Reset* button back to the base weights, a file name and a *Save* button that writes
    the weights as a YAML configuration for ``report --config``, and an output area
    (see :class:`PanelModel`). Sliders update on release; moves that arrive while one is
    being computed are coalesced.

    Returns
    -------
    ipywidgets.VBox
        Its attributes ``sliders`` (criterion key → slider), ``reset_button``, ``save_button``,
        ``save_path``, ``output``, ``model`` and ``refresh()`` are there for scripting it.
    """
    widgets = _import_widgets()
    model = PanelModel(clients, catalogue=catalogue, weights=weights, profit=profit, lang=lang, top=top)
    cat, _ = model.catalogue, model.L.gettext
    base_weights = model.base_weights
    style = {"description_width": "13em"}
    sliders = {
        key: widgets.FloatSlider(value=float(w), min=0.0, max=max(_SLIDER_MAX, math.ceil(float(w))),
                                 step=_SLIDER_STEP, description=cat.label(key, model.L.lang), continuous_update=False,
                                 readout_format=".1f", style=style, layout=widgets.Layout(width="28em"))
        for key, w in base_weights.items()
    }
    columns = []
    for axis in SCORED_AXES:
        group = [s for k, s in sliders.items() if cat.criteria[k].axis == axis]
        if group:
            columns.append(widgets.VBox([widgets.HTML(f"<b>{html.escape(_(_AXIS_TITLES[axis]))}</b>"), *group]))
    reset = widgets.Button(description=_("Reset"), tooltip=_("Back to the base weights"), icon="undo")
    save_path = widgets.Text(value="my_weights.yaml", description=_("File"), layout=widgets.Layout(width="22em"))
    save = widgets.Button(description=_("Save"), tooltip=_("Write these weights as a configuration file"),
                          icon="save")
    save_note = widgets.HTML()  # beside the button: what Save did
    output = widgets.Output()
    state = {"paused": False}
    written: set[Path] = set()  # the files this panel wrote: the only ones Save replaces

    def show(weights: dict) -> None:
        try:
            output.outputs = (model.render(model.update(weights)),)
        except ConfigError as exc:
            output.outputs = (_message(str(exc)),)

    coalescer = Coalescer(show, schedule)

    def current() -> dict[str, float]:
        return {k: float(s.value) for k, s in sliders.items()}

    def refresh(change=None) -> None:
        if not state["paused"]:
            coalescer.request(current())

    def on_reset(_button=None) -> None:
        state["paused"] = True  # one re-score for the whole reset, not one per slider
        try:
            for key, slider in sliders.items():
                slider.value = float(base_weights[key])
        finally:
            state["paused"] = False
        refresh()

    def on_save(_button=None) -> None:
        path = Path(save_path.value).expanduser().resolve()
        if path.suffix.lower() not in (".yaml", ".yml"):
            save_note.value = _note(_("{path}: give a file name ending in .yaml").format(path=path))
            return
        if path.exists() and path not in written:
            save_note.value = _note(_("{path} already exists: give another name (Save replaces only the files it "
                                      "wrote).").format(path=path))
            return
        try:
            path.write_text(weights_yaml(current()) + "\n", encoding="utf-8")
        except OSError as exc:
            save_note.value = _note(_("{path}: could not be written ({reason}).").format(path=path,
                                                                                       reason=exc.strerror or exc))
            return
        written.add(path)
        save_note.value = _note(_("Wrote {path}: give it to the report with --config {path}.").format(path=path),
                                colour="#2E7D32")

    for slider in sliders.values():
        slider.observe(refresh, names="value")
    reset.on_click(on_reset)
    save.on_click(on_save)
    show(current())

    panel = widgets.VBox([widgets.HBox(columns), widgets.HBox([reset, save_path, save, save_note]), output])
    panel.sliders, panel.reset_button, panel.save_button, panel.save_path = sliders, reset, save, save_path
    panel.save_note = save_note
    panel.output, panel.model, panel.refresh, panel.coalescer = output, model, refresh, coalescer
    return panel


def _note(text: str, colour: str = "#C62828") -> str:
    return f"<span style='color: {colour}'>{html.escape(text)}</span>"


def _message(text: str, colour: str = "#C62828") -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": text, "text/html": f"<p style='color: {colour}'>{html.escape(text)}</p>"}}
