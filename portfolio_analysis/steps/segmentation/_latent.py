"""The refinement of the groups: a latent class model fitted by classification EM (private).

Average linkage on the Gower distance finds the groups; each client is then moved to the
group under which its own values are the most probable, the groups' profiles are
re-estimated, and so on until no client moves (classification EM of a latent class
model, Celeux & Govaert 1992). A group's profile is, per criterion:

- a **level** criterion (ordinal or categorical): the share of the group's clients at
  each level, smoothed (``alpha`` clients spread over the levels), so an unseen level
  is unlikely, not impossible;
- a **multi-valued** criterion: per item, the share of the group that names it (yes/no);
- a **figure** (range-normalised, in [0, 1]): a normal law of the group's mean and
  standard deviation (at least ``sd_floor``).

A client's score for a group is the group's share of the clients plus, per criterion it
has a value for, the criterion's weight times the log-probability of its value: missing
values are skipped, as in the distance. Measured on the planted benchmark
(``bench/bench_segmentation.py``): the adjusted Rand index goes from 0.92-0.98 (Gower
groups alone) to 0.98-0.99, above k-prototypes, for a few milliseconds per thousand
clients; k-medoids (FasterPAM) on the same distances scored 0.89-0.91.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from portfolio_analysis.steps.segmentation._gower import EncodedClients

ALPHA = 1.0  # smoothing: clients spread evenly over a criterion's levels in every group
SD_FLOOR = 0.03  # smallest spread of a figure within a group, on the [0, 1] scale


@dataclass(frozen=True)
class Features:
    """The clients' values as the latent class model reads them (see :func:`features`)."""

    levels: list  # (codes (n,) with -1 missing, number of levels, weight)
    items: list  # (0/1 matrix (n, items) with NaN rows where missing, weight)
    figures: list  # (values (n,) with NaN missing, weight)
    n: int

    def take(self, rows) -> Features:
        rows = np.asarray(rows)
        return Features(
            [(c[rows], m, w) for c, m, w in self.levels],
            [(x[rows], w) for x, w in self.items],
            [(v[rows], w) for v, w in self.figures],
            len(rows),
        )


def features(enc: EncodedClients, like: EncodedClients | None = None) -> Features:
    """The model's view of encoded clients (``like``: the fitted encoding, for new clients)."""
    ref = enc if like is None else like
    levels, items, figures = [], [], []
    for col, key in enumerate(enc.code_keys):
        codes = enc.codes[:, col]
        w = float(ref.weights[key])
        if enc.kinds[key] == "multi":
            n_items = len(ref.items[key])
            masks = np.asarray(enc.levels[key], dtype=np.int64)
            mask = np.where(codes >= 0, masks[np.maximum(codes, 0)] if len(masks) else 0, 0)
            bits = ((mask[:, None] >> np.arange(n_items)) & 1).astype(float)
            bits[codes < 0] = np.nan
            items.append((bits, w))
        else:
            n_levels = len(ref.levels[key])
            levels.append((np.where(codes < n_levels, codes, -1), n_levels, w))  # a level unseen in the fit: missing
    for col, key in enumerate(enc.value_keys):
        figures.append((enc.values[:, col], float(ref.weights[key])))
    return Features(levels, items, figures, len(enc))


@dataclass(frozen=True)
class Profiles:
    """Each group's profile: the parameters of the latent class model."""

    log_prior: np.ndarray  # (k,)
    levels: list  # log-probability tables (k, levels)
    items: list  # (log p, log (1 - p)), each (k, items)
    figures: list  # (mean, sd), each (k,)


def profiles(X: Features, labels: np.ndarray, k: int) -> Profiles:
    """Each group's profile, estimated from its clients (``labels`` in 0..k-1)."""
    onehot = np.zeros((X.n, k))
    onehot[np.arange(X.n), labels] = 1.0
    sizes = onehot.sum(axis=0)
    log_prior = np.log(np.maximum(sizes, 0.5) / max(X.n, 1))
    lv = []
    for codes, n_levels, _ in X.levels:
        ok = codes >= 0
        counts = np.bincount(labels[ok] * n_levels + codes[ok], minlength=k * n_levels).reshape(k, n_levels)
        lv.append(np.log((counts + ALPHA / n_levels) / (counts.sum(axis=1, keepdims=True) + ALPHA)))
    it = []
    for bits, _ in X.items:
        ok = ~np.isnan(bits[:, 0]) if bits.shape[1] else np.zeros(X.n, bool)
        yes = onehot[ok].T @ bits[ok]
        total = onehot[ok].sum(axis=0)[:, None]
        p = (yes + ALPHA / 2) / (total + ALPHA)
        it.append((np.log(p), np.log1p(-p)))
    fg = []
    for values, _ in X.figures:
        ok = ~np.isnan(values)
        oh, x = onehot[ok], values[ok]
        count = np.maximum(oh.sum(axis=0), 1.0)
        mean = (oh.T @ x) / count
        var = (oh.T @ x**2) / count - mean**2
        fg.append((mean, np.sqrt(np.maximum(var, SD_FLOOR**2))))
    return Profiles(log_prior, lv, it, fg)


def log_scores(X: Features, prof: Profiles) -> np.ndarray:
    """(n, k): each client's log-likelihood under each group's profile, criteria weighted."""
    out = np.tile(prof.log_prior, (X.n, 1))
    for (codes, _, w), table in zip(X.levels, prof.levels):
        # a missing value reads a row of zeros appended to the table
        rows = np.vstack([w * table.T, np.zeros((1, table.shape[0]))])
        out += rows[np.where(codes >= 0, codes, table.shape[1])]
    for (bits, w), (log_p, log_q) in zip(X.items, prof.items):
        if not bits.shape[1]:
            continue
        present = ~np.isnan(bits[:, :1])
        x = np.where(present, bits, 0.0)
        out += w * (x @ log_p.T + (present - x) @ log_q.T)
    for (values, w), (mean, sd) in zip(X.figures, prof.figures):
        ok = ~np.isnan(values)
        z = (np.where(ok, values, 0.0)[:, None] - mean) / sd
        out += np.where(ok[:, None], w * (-0.5 * z**2 - np.log(sd)), 0.0)
    return out


def refine(X: Features, labels: np.ndarray, k: int, *, max_iter: int = 30) -> tuple[np.ndarray, Profiles]:
    """Classification EM from ``labels`` (0..k-1): move each client to its most probable group until none moves.

    A step that would empty a group is not taken. Returns the labels and the profiles
    estimated from them (so that :func:`log_scores` places new clients the same way).
    """
    labels = np.asarray(labels, dtype=np.int64)
    if k < 2:
        return labels, profiles(X, labels, max(k, 1))
    prof = profiles(X, labels, k)
    for _ in range(max_iter):
        new = np.argmax(log_scores(X, prof), axis=1)
        if np.array_equal(new, labels) or np.bincount(new, minlength=k).min() == 0:
            break
        labels = new
        prof = profiles(X, labels, k)
    return labels, prof


def icl(X: Features, labels: np.ndarray, k: int) -> float:
    """The integrated classification likelihood criterion (BIC of the classification likelihood) of a partition.

    ``-2 log L + p log n`` with ``L`` the likelihood of each client's values in its own
    group and ``p`` the model's free parameters (Biernacki, Celeux & Govaert 2000): lower
    is better; the penalty keeps a number of groups the data do not support out.
    """
    labels = np.asarray(labels, dtype=np.int64)
    prof = profiles(X, labels, k)
    own = log_scores(X, prof)[np.arange(X.n), labels].sum()
    n_params = (k - 1) + k * (sum(m - 1 for _, m, _ in X.levels) + sum(b.shape[1] for b, _ in X.items)
                              + 2 * len(X.figures))
    return float(-2.0 * own + n_params * np.log(max(X.n, 2)))
