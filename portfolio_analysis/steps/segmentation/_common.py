"""Helpers shared by the modules of the segmentation (private)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, load_catalogue


def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    return load_catalogue() if catalogue is None else catalogue


def _check_random_state(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        raise ValueError("random_state=None: give a seed (an int) so that the segmentation is deterministic")
    return np.random.default_rng(random_state)


def _align_labels(clients: pd.DataFrame, labels) -> np.ndarray:
    """The group of each row of ``clients`` from a Series keyed by client_id (or aligned)."""
    ids = clients["client_id"].astype(str).to_numpy()
    if isinstance(labels, pd.Series):
        out = labels.set_axis(labels.index.astype(str)).reindex(ids)
        if out.isna().any() and len(labels) == len(clients):
            out = pd.Series(labels.to_numpy(), index=ids)  # aligned with the rows
    else:
        out = pd.Series(np.asarray(labels), index=ids)
    if len(out) != len(clients) or out.isna().any():
        missing = ids[out.isna().to_numpy()][:5].tolist()
        raise ValueError(f"labels: no group for clients {missing}; pass the labels_ of a segmenter fitted on them")
    return out.to_numpy()

