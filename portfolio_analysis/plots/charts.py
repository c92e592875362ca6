"""Figures of the analysis. Each function takes data first, draws on ``ax`` and returns it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

PALETTE = {"good": "#2E7D32", "warn": "#F9A825", "bad": "#C62828", "neutral": "#546E7A"}


def _ax(ax, figsize=(7, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_completeness(data: pd.DataFrame, *, ax=None, threshold: float = 0.6):
    """Horizontal bars: share of clients with a value, per criterion or field.

    ``data`` is :func:`portfolio_analysis.load.portfolio.completeness`'s frame (``label``, ``share``).
    Bars under ``threshold`` are drawn in the warning colour.
    """
    ax = _ax(ax, figsize=(7, 0.32 * len(data) + 1.2))
    shares = data["share"].to_numpy() * 100
    colours = [PALETTE["good"] if s >= 99.95 else PALETTE["warn"] if s >= threshold * 100 else PALETTE["bad"]
               for s in shares]
    ax.barh(data["label"], shares, color=colours)
    ax.set_xlim(0, 100)
    ax.set_xlabel("clients with a value (%)")
    ax.invert_yaxis()
    for y, s in enumerate(shares):
        ax.text(min(s, 88) + 1, y, f"{s:.0f} %", va="center", fontsize=8)
    ax.set_title("How complete is the register?", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_problems(problems: pd.DataFrame, *, ax=None, top: int = 12):
    """Bars of the number of problems per column and severity."""
    ax = _ax(ax)
    if problems.empty:
        ax.text(0.5, 0.5, "no problem found", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    counts = (
        problems.assign(column=problems["column"].fillna("(file)"))
        .groupby(["column", "severity"]).size().unstack(fill_value=0)
    )
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False).index[:top]]
    left = pd.Series(0, index=counts.index)
    for sev, colour in (("error", PALETTE["bad"]), ("warning", PALETTE["warn"])):
        if sev in counts:
            ax.barh(counts.index, counts[sev], left=left, color=colour, label=sev)
            left = left + counts[sev]
    ax.invert_yaxis()
    ax.set_xlabel("problems")
    ax.legend(frameon=False)
    ax.set_title("Problems found, by column", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_level_counts(data: pd.DataFrame, *, ax=None, title: str | None = None, color=None):
    """Bars of clients per level (``label``, ``clients``), in the order given."""
    ax = _ax(ax, figsize=(4.5, 3))
    ax.bar(data["label"].astype(str), data["clients"], color=color or PALETTE["neutral"])
    ax.set_ylabel("clients")
    if title:
        ax.set_title(title, loc="left")
    ax.tick_params(axis="x", rotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_billing_distribution(clients: pd.DataFrame, *, ax=None, column: str = "billing"):
    """Histogram of billing per client on a log scale (heavy tails are the rule)."""
    import numpy as np

    ax = _ax(ax)
    values = pd.to_numeric(clients[column], errors="coerce")
    values = values[values > 0]
    if values.empty:
        ax.text(0.5, 0.5, "no billing", ha="center", va="center", transform=ax.transAxes)
        return ax
    bins = np.logspace(np.log10(values.min()), np.log10(values.max()), 30)
    ax.hist(values, bins=bins, color=PALETTE["neutral"], edgecolor="white")
    ax.set_xscale("log")
    ax.axvline(values.median(), color=PALETTE["bad"], linestyle="--", linewidth=1)
    ax.text(values.median(), ax.get_ylim()[1] * 0.95, " median", color=PALETTE["bad"], va="top", fontsize=8)
    ax.set_xlabel("billing, last 12 months (log scale)")
    ax.set_ylabel("clients")
    ax.set_title("Billing per client", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_level_heatmap(matrix: pd.DataFrame, *, labels: dict | None = None, ax=None, order=None):
    """Heat map of clients (rows) × criteria (columns), each cell the level score in [0, 1].

    ``order`` sorts the rows (e.g. by total score); missing cells are shown in grey.
    """
    import seaborn as sns

    data = matrix.loc[order] if order is not None else matrix
    if labels:
        data = data.rename(columns=labels)
    ax = _ax(ax, figsize=(7, 6))
    cmap = sns.color_palette("RdYlGn", as_cmap=True).copy()
    cmap.set_bad("#D0D0D0")
    sns.heatmap(data, ax=ax, cmap=cmap, vmin=0, vmax=1, yticklabels=False,
                cbar_kws={"label": "level (0 = worst, 1 = best)"})
    ax.set_ylabel(f"{len(data)} clients")
    ax.set_xlabel("")
    ax.set_title("Criteria levels across clients", loc="left")
    return ax


def plot_owner_spread(data: pd.DataFrame, *, ax=None, top: int = 15):
    """Billing share per owner on our side; key-person risks in the alarm colour."""
    ax = _ax(ax)
    data = data.head(top)
    colours = [PALETTE["bad"] if r else PALETTE["neutral"] for r in data["key_person_risk"]]
    ax.barh(data["owner"].astype(str), data["billing_share_pct"], color=colours)
    for y, (share, n) in enumerate(zip(data["billing_share_pct"], data["accounts"])):
        ax.text(share + 0.5, y, f"{share:.0f} % · {n} accounts", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("share of billing (%)")
    ax.set_title("Billing carried by each of our people", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_monthly_billing(monthly: pd.DataFrame, *, ax=None):
    """The portfolio's monthly billing and, dashed, the projected next 12 months.

    ``monthly`` is :func:`~portfolio_analysis.steps.financials.portfolio_monthly`'s table
    (``month``, ``billed``, ``projected``).
    """
    ax = _ax(ax, figsize=(8, 3.5))
    billed = monthly.dropna(subset=["billed"])
    ax.plot(billed["month"], billed["billed"], color=PALETTE["neutral"], label="billed")
    ahead = monthly.dropna(subset=["projected"])
    if len(ahead):
        ax.plot(ahead["month"], ahead["projected"], color=PALETTE["good"], linestyle="--", label="projected")
    ax.set_ylabel("billing per month")
    ax.legend(frameon=False)
    ax.set_title("Monthly billing of the portfolio", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_contributions(contrib: pd.DataFrame, *, labels: dict | None = None, names: dict | None = None,
                       ax=None, score: str = "total_score"):
    """Points each criterion adds to the score of a few clients, one bar group per client.

    ``contrib`` is :func:`portfolio_analysis.steps.scoring.contributions` restricted to the
    clients to show (``client_id`` plus one column per criterion and ``score``).
    Bars for each criterion sum to the client's score.
    """
    import numpy as np

    crits = [c for c in contrib.columns if c not in ("client_id", score)]
    data = contrib.set_index("client_id")
    ax = _ax(ax, figsize=(8, 0.55 * len(data) + 1.5))
    cmap = plt.get_cmap("tab20")
    left = np.zeros(len(data))
    ylabels = [f"{names.get(c, c) if names else c}  ({data.loc[c, score]:.0f})" for c in data.index]
    for i, crit in enumerate(crits):
        vals = data[crit].fillna(0).to_numpy()
        ax.barh(ylabels, vals, left=left, color=cmap(i % 20), label=(labels or {}).get(crit, crit))
        left += vals
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"points of the {score.replace('_', ' ')} (0–100)")
    ax.legend(frameon=False, fontsize=7, ncol=2, loc="lower right")
    ax.set_title("What makes each score", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_score_map(scores: pd.DataFrame, *, ax=None, hue: str | None = None):
    """Value score against relationship score, one point per client."""
    ax = _ax(ax, figsize=(6, 5))
    ax.scatter(scores["relationship_score"], scores["value_score"], s=18, alpha=0.7,
               c=PALETTE["neutral"] if hue is None else scores[hue])
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("relationship score")
    ax.set_ylabel("value score")
    ax.set_title("Value and relationship scores", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax
