"""What changed between two runs: ``portfolio-analysis compare OUT_A OUT_B``.

Each run's deliverable keeps its analysis (``analysis/``); :func:`compare` reads both and
says what differs: the configuration (every resolved setting that changed, and the options
given), the headline figures side by side, the clients whose action changed (from, to, and
the score that crossed its threshold, with the weight or level that moved it), the largest rank moves and the changes of group.
:func:`to_text` writes it for a reader, :func:`write_workbook` for a consultant to hand over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

HEADLINE = ("n_clients", "total_billing", "total_profit", "whale_peak_pct", "gini_billing", "n_segments",
            "strategic_keeps", "insufficient_data_clients", "portfolio_value")
MIN_SHARED = 0.5  # below this share of clients in common, the two runs are of different portfolios


class CompareError(ValueError):
    """Two folders that cannot be compared (not deliverables, or not the same portfolio)."""


@dataclass
class Comparison:
    """The differences between run A and run B (see the module)."""

    a: str
    b: str
    same_inputs: bool
    configuration: pd.DataFrame  # setting, a, b
    options: dict  # {"a": [...], "b": [...]}: the --config files, --set options and notebook parameters
    headline: pd.DataFrame  # figure, a, b, change
    actions: pd.DataFrame  # client_id, name, action_a, action_b, why
    ranks: pd.DataFrame  # client_id, name, rank_a, rank_b, move
    segments: pd.DataFrame  # client_id, name, segment_a, segment_b
    counts: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def records(df):
            return json.loads(df.to_json(orient="records", force_ascii=False))

        return {"a": self.a, "b": self.b, "same_inputs": self.same_inputs, "options": self.options,
                "configuration": records(self.configuration), "headline": records(self.headline),
                "actions_changed": records(self.actions), "rank_moves": records(self.ranks),
                "segments_changed": records(self.segments), "counts": self.counts}


def _open(folder) -> Any:
    from portfolio_analysis.archive import INDEX, load_analysis

    folder = Path(folder)
    analysis_dir = folder / "analysis"
    if not (analysis_dir / INDEX).is_file():
        raise CompareError(f"{folder}: not a deliverable of portfolio-analysis report (no analysis/{INDEX}); "
                           "give the folders that `report --out` wrote")
    try:
        return load_analysis(analysis_dir)
    except (ValueError, OSError) as exc:
        raise CompareError(f"{folder}: its saved analysis cannot be read ({exc})") from exc


def compare(folder_a, folder_b, *, top: int = 15) -> Comparison:
    """Compare the deliverables in ``folder_a`` and ``folder_b`` (raises :class:`CompareError`)."""
    from portfolio_analysis.deliver.summary import headline

    a, b = _open(folder_a), _open(folder_b)
    ids_a, ids_b = set(a.clients["client_id"]), set(b.clients["client_id"])
    shared = ids_a & ids_b
    if len(shared) < MIN_SHARED * max(len(ids_a), len(ids_b), 1):
        raise CompareError(f"{folder_a} and {folder_b} are analyses of different portfolios: they share "
                           f"{len(shared):,} of {len(ids_a):,} and {len(ids_b):,} clients")
    digests = [sorted((r.get("kind"), r.get("sha256")) for r in x.run.get("inputs", [])) for x in (a, b)]

    from portfolio_analysis.archive import flatten

    fa, fb = flatten(a.config), flatten(b.config)
    keys = sorted(k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k))
    configuration = pd.DataFrame({"setting": keys, "a": [fa.get(k) for k in keys], "b": [fb.get(k) for k in keys]},
                                 dtype="object")
    ha, hb = headline(a), headline(b)
    rows = [(k, ha.get(k), hb.get(k)) for k in HEADLINE]
    rows += [(f"clients to {act}", ha["actions"][act], hb["actions"][act]) for act in ("develop", "maintain", "fix", "end")]
    figures = pd.DataFrame(rows, columns=["figure", "a", "b"], dtype="object")
    figures["change"] = [(y - x) if isinstance(x, (int, float)) and isinstance(y, (int, float)) else None
                         for x, y in zip(figures["a"], figures["b"])]

    names = b.names()
    act = (a.actions.set_index("client_id")["action"].rename("action_a").to_frame()
           .join(b.actions.set_index("client_id")["action"].rename("action_b"), how="inner"))
    moved = act[act["action_a"] != act["action_b"]].copy()
    moved = moved.join(_why(a, b, moved.index)).reset_index()
    moved.insert(1, "name", moved["client_id"].map(names))

    ranks = pd.DataFrame({"rank_a": _rank(a.scores), "rank_b": _rank(b.scores)}).dropna()
    ranks["move"] = ranks["rank_a"] - ranks["rank_b"]  # positive: up the ranking
    ranks = (ranks[ranks["move"] != 0].assign(size=lambda d: d["move"].abs())
             .sort_values(["size", "rank_b"], ascending=[False, True]).drop(columns="size").head(top)
             .rename_axis("client_id").reset_index())
    ranks.insert(1, "name", ranks["client_id"].map(names))

    seg = (a.segments.set_index("client_id")["segment_name"].rename("segment_a").to_frame()
           .join(b.segments.set_index("client_id")["segment_name"].rename("segment_b"), how="inner"))
    seg = seg[seg["segment_a"].astype("str") != seg["segment_b"].astype("str")].reset_index()
    seg.insert(1, "name", seg["client_id"].map(names))

    counts = {"clients_a": len(ids_a), "clients_b": len(ids_b), "clients_shared": len(shared),
              "actions_changed": len(moved), "ranks_changed": int((_rank(a.scores) != _rank(b.scores)).sum()),
              "segments_changed": len(seg)}
    options = {"a": a.run.get("configuration", {}), "b": b.run.get("configuration", {})}
    return Comparison(str(folder_a), str(folder_b), digests[0] == digests[1], configuration, options, figures,
                      moved, ranks, seg, counts)


def _rank(scores: pd.DataFrame) -> pd.Series:
    s = scores.set_index("client_id")["total_score"]
    return s.rank(ascending=False, method="min")


def _why(a, b, ids) -> pd.Series:
    """Why each client's action changed: the score that crossed its threshold, and what moved it.

    What moved it is, in this order: a change of weight of a criterion of that score, a change
    of the client's own level of such a criterion, or else the rules themselves (guards,
    thresholds, the strategic keep) — the settings that differ are listed in the configuration.
    """
    thresholds = {"value": ("value_score", "value_threshold"), "relationship": ("relationship_score",
                                                                                "relationship_threshold")}
    sa, sb = a.actions.set_index("client_id"), b.actions.set_index("client_id")
    ca, cb = a.clients.set_index("client_id"), b.clients.set_index("client_id")
    wa = {k: v.get("weight") for k, v in a.config.get("criteria", {}).items()}
    wb = {k: v.get("weight") for k, v in b.config.get("criteria", {}).items()}
    axis_of = {k: v.get("axis") for k, v in b.config.get("criteria", {}).items()}
    out = {}
    for cid in ids:
        parts = []
        for axis, (col, key) in thresholds.items():
            xa, xb = sa.at[cid, col], sb.at[cid, col]
            ta, tb = a.facts["matrix"][key], b.facts["matrix"][key]
            if pd.isna(xa) or pd.isna(xb) or (xa >= ta) == (xb >= tb):
                continue
            text = f"{axis} score {xa:.2f} -> {xb:.2f} (threshold {tb:g})"
            weights = [k for k in wb if axis_of.get(k) == axis and wa.get(k) != wb.get(k)]
            levels = [k for k in wb if axis_of.get(k) == axis and k in ca.columns and k in cb.columns
                      and str(ca.at[cid, k]) != str(cb.at[cid, k])]
            if weights:
                text += "; weight of " + ", ".join(f"{k} {_fmt(wa.get(k))} -> {_fmt(wb.get(k))}" for k in weights)
            elif levels:
                text += "; " + ", ".join(f"{k} {ca.at[cid, k]} -> {cb.at[cid, k]}" for k in levels)
            parts.append(text)
        out[cid] = "; ".join(parts) or "the rules (guards, strategic keep, thresholds) decide it differently"
    return pd.Series(out, name="why", dtype="object")


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "–" if value is None else str(value)


def to_text(c: Comparison) -> str:
    """The comparison for a reader."""
    lines = [f"A: {c.a}", f"B: {c.b}",
             "the same input files" if c.same_inputs else "the input files differ (compare with care)", ""]
    for side in ("a", "b"):
        o = c.options[side]
        given = [*(f"--config {f}" for f in o.get("files", [])), *(f"--set {s}" for s in o.get("overrides", [])),
                 *(f"parameter {s}" for s in o.get("parameters", []))]
        lines.append(f"{side.upper()} ran with: " + (", ".join(given) if given else "the shipped configuration"))
    lines += ["", f"Configuration: {len(c.configuration)} setting(s) differ"]
    lines += [f"  {r.setting}: {_fmt(r.a)} -> {_fmt(r.b)}" for r in c.configuration.itertuples()]
    lines += ["", "Headline figures (A, B, change)"]
    lines += [f"  {r.figure}: {_fmt(r.a)}, {_fmt(r.b)}, {_fmt(r.change)}" for r in c.headline.itertuples()]
    n = c.counts
    lines += ["", f"Actions: {n['actions_changed']:,} of {n['clients_shared']:,} clients change"]
    lines += [f"  {r.client_id} {r.name}: {r.action_a} -> {r.action_b}: {r.why}" for r in c.actions.itertuples()]
    lines += ["", f"Ranks: {n['ranks_changed']:,} clients move; the largest moves"]
    lines += [f"  {r.client_id} {r.name}: {int(r.rank_a)} -> {int(r.rank_b)}" for r in c.ranks.itertuples()]
    lines += ["", f"Groups: {n['segments_changed']:,} clients change group"]
    lines += [f"  {r.client_id} {r.name}: {r.segment_a} -> {r.segment_b}" for r in c.segments.head(30).itertuples()]
    return "\n".join(lines) + "\n"


def write_workbook(c: Comparison, path) -> Path:
    """The comparison as an Excel workbook (one sheet per part)."""
    from portfolio_analysis.deliver.workbook import write_workbook as write

    sheets = {"Configuration": c.configuration.astype("str"), "Headline": c.headline.astype("object"),
              "Actions changed": c.actions, "Rank moves": c.ranks, "Groups changed": c.segments}
    return write(path, sheets, notes={"Headline": f"A: {c.a}  B: {c.b}"})
