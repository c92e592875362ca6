"""A Gower-style distance for the mixed criteria of a client register (private).

The rules, decided here and nowhere else:

- **ordinal** criteria: a level's rank ``i / (n_levels - 1)`` (worst 0, best 1), the
  distance of two clients is the absolute difference of their ranks;
- **categorical** criteria (``business_type``, an open list): 0 when equal, 1 otherwise;
- **multi-valued** criteria (``decision_criteria``): the Jaccard distance of the two
  sets, ``1 - |A & B| / |A | B|``; an empty cell is missing, not an empty set;
- **numeric** criteria: the difference of the transformed values over their range in
  the portfolio (Gower's range normalisation), so in [0, 1]. The transform:

  - ``log``: ``log1p`` for amounts that cannot be negative and are heavy-tailed
    (``billing``, ``billing_previous``, ``billing_projection``, ``cost_to_serve``,
    ``billing__<category>``, and the catalogue's ``log_minmax`` criteria such as
    ``billing_size``); a negative amount (``profit``) uses the signed
    ``sign(x) * log1p(|x|)``;
  - ``clip``: clipped to the catalogue's ``clip: [low, high]`` first
    (``billing_growth``, ``billing / billing_previous - 1``);
  - ``linear``: as it is (percentages such as ``margin_pct``).

- **weights**: the distance of two clients is the weighted mean of their per-criterion
  distances over the criteria **both** have (missing values are skipped pair by pair,
  as in Gower 1971); a pair with no criterion in common is at the maximum distance 1.
  A client is at distance 0 from itself.

Values are encoded once (:func:`encode_features`); distances are then computed in
row chunks (:func:`gower_distances`) so that memory stays bounded: a chunk of
``c`` rows against ``m`` clients takes about ``3 * 8 * c * m`` bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from portfolio_analysis.config.catalogue import Catalogue, ConfigError, load_catalogue

#: Kinds a criterion can be encoded as (``log`` is a numeric criterion on log scale).
ENCODED_KINDS = ("ordinal", "categorical", "multi", "numeric", "log")

#: Weight of a criterion that feeds no score (``service_needs``, ``business_type``, a
#: column from outside the catalogue) unless the caller gives one.
DESCRIPTIVE_WEIGHT = 1.0

#: The criteria a segmentation uses by default: the catalogue's evaluation criteria
#: and the client's business type.
DEFAULT_EXTRA_CRITERIA = ("business_type",)

# amounts that are heavy-tailed and go on a log scale when named as criteria
_LOG_FIELDS = ("billing", "billing_previous", "billing_projection", "cost_to_serve", "profit")
_MULTI_SPLIT = r"\s*;\s*"
# memory per chunk: about 8 M float64 cells (64 MB) per working array
_CHUNK_CELLS = 8_000_000


@dataclass(frozen=True)
class EncodedClients:
    """Clients encoded for the Gower distance; build it with :func:`encode_features`.

    Attributes
    ----------
    client_id : ndarray of object
        The clients, in the order of the rows.
    criteria : tuple of str
        The criteria used, each with ``kinds[key]`` and ``weights[key]``.
    codes : ndarray of int64, shape (n, number of ordinal, categorical and multi criteria)
        Per client, the position of its value in ``levels[key]`` (-1 when missing).
    code_keys : tuple of str
        The criteria of the columns of ``codes``.
    levels : dict
        The values behind the codes: the levels of an ordinal or categorical
        criterion, the distinct sets (bit masks over ``items[key]``) of a multi-valued one.
    values : ndarray of float64, shape (n, number of numeric criteria)
        Range-normalised numbers in [0, 1]; NaN when missing.
    value_keys : tuple of str
        The criteria of the columns of ``values``.
    ranges : dict
        ``(transform, low, high)`` of each numeric criterion, so that new clients are
        placed on the same scale (see ``like`` in :func:`encode_features`).
    """

    client_id: np.ndarray
    criteria: tuple
    kinds: dict
    weights: dict
    codes: np.ndarray
    code_keys: tuple
    values: np.ndarray
    value_keys: tuple
    levels: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)
    ranges: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.client_id)

    def take(self, rows) -> EncodedClients:
        """The encoding of a subset of the clients (positions or a boolean mask)."""
        rows = np.asarray(rows)
        return replace(self, client_id=self.client_id[rows], values=self.values[rows], codes=self.codes[rows])

    def table(self, key: str, size: int | None = None) -> np.ndarray:
        """Distance between the values of a levelled criterion, ``levels[key]`` x ``levels[key]``."""
        levels = self.levels[key]
        kind = self.kinds[key]
        if kind == "ordinal":
            rank = np.arange(len(levels)) / max(len(levels) - 1, 1)
            return np.abs(rank[:, None] - rank[None, :])
        if kind == "categorical":
            return 1.0 - np.eye(len(levels))
        masks = np.asarray(levels, dtype=np.int64)
        union = np.bitwise_count(masks[:, None] | masks[None, :]).astype(float)
        inter = np.bitwise_count(masks[:, None] & masks[None, :]).astype(float)
        return 1.0 - inter / np.maximum(union, 1.0)

    def criterion_distances(self, i: np.ndarray, j: np.ndarray) -> pd.DataFrame:
        """Per-criterion distances of the pairs ``(i[t], j[t])`` (NaN where one is missing)."""
        out = {}
        for key in self.criteria:
            if key in self.value_keys:
                col = self.value_keys.index(key)
                out[key] = np.abs(self.values[i, col] - self.values[j, col])
            else:
                col = self.code_keys.index(key)
                a, b = self.codes[i, col], self.codes[j, col]
                ok = (a >= 0) & (b >= 0)
                if not ok.any():  # no pair where both clients have a value (every level unknown)
                    out[key] = np.full(len(i), np.nan)
                    continue
                table = self.table(key)
                out[key] = np.where(ok, table[np.maximum(a, 0), np.maximum(b, 0)], np.nan)
        return pd.DataFrame(out)


def resolve_criteria(
    clients: pd.DataFrame,
    cat: Catalogue,
    criteria: Sequence[str] | Mapping[str, str | None] | None,
) -> dict[str, str]:
    """The criteria to use and how each is encoded, ``{key: kind}`` in order."""
    if criteria is None:
        keys = [k for k in (*cat.criteria, *DEFAULT_EXTRA_CRITERIA) if _available(clients, cat, k)]
        if not keys:
            raise ValueError(
                "no criterion to segment on: the clients have none of the catalogue's criteria columns "
                f"({', '.join(cat.criteria)}); name the columns with criteria=[...]"
            )
        given: Mapping[str, str | None] = dict.fromkeys(keys)
    elif isinstance(criteria, Mapping):
        given = dict(criteria)
    else:
        if isinstance(criteria, str):
            criteria = [criteria]
        given = dict.fromkeys(criteria)
    if not given:
        raise ValueError("criteria: at least one criterion is needed")
    out: dict[str, str] = {}
    for key, kind in given.items():
        if kind is None:
            kind = _default_kind(clients, cat, key)
        if kind not in ENCODED_KINDS:
            raise ValueError(f"criteria[{key!r}]: kind {kind!r} is not one of {list(ENCODED_KINDS)}")
        if not _available(clients, cat, key):
            raise ValueError(
                f"criterion {key!r}: no such column in the clients (columns: {', '.join(map(str, clients.columns))})"
            )
        out[key] = kind
    return out


def _source(cat: Catalogue, key: str) -> str:
    crit = cat.criteria.get(key)
    if crit is not None and crit.kind == "numeric":
        return str(crit.spec.get("source", key))
    return key


def _available(clients: pd.DataFrame, cat: Catalogue, key: str) -> bool:
    """Whether the clients hold a value of criterion ``key`` (a column left empty holds none)."""
    source = _source(cat, key)
    if source == "billing_growth" and source not in clients.columns:
        return all(c in clients.columns and clients[c].notna().any() for c in ("billing", "billing_previous"))
    return source in clients.columns and bool(clients[source].notna().any())


def _default_kind(clients: pd.DataFrame, cat: Catalogue, key: str) -> str:
    if key in cat.criteria:
        crit = cat.criteria[key]
        if crit.kind == "numeric":
            return "log" if crit.spec.get("transform") == "log_minmax" else "numeric"
        return crit.kind
    if key in cat.fields:
        kind = cat.fields[key].get("kind")
        if kind == "categorical" or cat.fields[key].get("levels"):
            return "categorical"
        if kind in ("amount", "signed_amount", "percent"):
            return "log" if key in _LOG_FIELDS else "numeric"
    if key.startswith("billing__"):
        return "log"
    if key in clients.columns and pd.api.types.is_numeric_dtype(clients[key]) and not pd.api.types.is_bool_dtype(
        clients[key]
    ):
        return "numeric"
    return "categorical"


def resolve_weights(
    cat: Catalogue, kinds: Mapping[str, str], weights: Mapping[str, float] | None
) -> dict[str, float]:
    """Weight of each criterion: the catalogue's, :data:`DESCRIPTIVE_WEIGHT` for a
    criterion that feeds no score, overridden by ``weights``."""
    out = {}
    for key in kinds:
        crit = cat.criteria.get(key)
        out[key] = crit.weight if crit is not None and crit.axis != "descriptive" else DESCRIPTIVE_WEIGHT
    for key, value in (weights or {}).items():
        if key not in out:
            raise ConfigError(f"weights.{key}: not one of the criteria used ({', '.join(out)})")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
            raise ConfigError(f"weights.{key}: {value!r} is not a finite number")
        if value < 0:
            raise ConfigError(f"weights.{key}: {value} is negative; weights must be >= 0")
        out[key] = float(value)
    kept = {k: w for k, w in out.items() if w > 0}
    if not kept:
        raise ConfigError("weights: every criterion used has weight 0; give at least one a positive weight")
    return kept


def _numeric_values(clients: pd.DataFrame, cat: Catalogue, key: str) -> np.ndarray:
    source = _source(cat, key)
    if source == "billing_growth" and source not in clients.columns:
        billing = pd.to_numeric(clients["billing"], errors="coerce").to_numpy(dtype=float)
        previous = pd.to_numeric(clients["billing_previous"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(previous > 0, billing / previous - 1.0, np.nan)
    values = pd.to_numeric(clients[source], errors="coerce").to_numpy(dtype=float, copy=True)
    values[~np.isfinite(values)] = np.nan
    return values


def _transform(values: np.ndarray, kind: str, clip) -> np.ndarray:
    if clip is not None:
        values = np.clip(values, float(clip[0]), float(clip[1]))
    if kind == "log":
        return np.sign(values) * np.log1p(np.abs(values))
    return values


def _level_order(cat: Catalogue, key: str) -> list[str]:
    if key in cat.criteria:
        return cat.criteria[key].level_keys
    if key in cat.fields:
        return [str(lv["key"]) for lv in cat.fields[key].get("levels") or []]
    return []


def _text(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.mask(text.eq(""))


def encode_features(
    clients: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    criteria: Sequence[str] | Mapping[str, str | None] | None = None,
    weights: Mapping[str, float] | None = None,
    like: EncodedClients | None = None,
) -> EncodedClients:
    """Encode the clients' criteria once, for :func:`gower_distances`.

    Parameters
    ----------
    clients : DataFrame
        A loaded register: ``client_id`` and the criteria columns (canonical level
        keys; ``decision_criteria`` as keys joined by ``;``; numbers as floats).
    catalogue : Catalogue, optional
        Levels, kinds and weights of the criteria; the shipped catalogue by default.
    criteria : list of str, or dict of criterion to kind, optional
        The criteria to use. Default: every criterion of the catalogue that the
        clients have a column for, and ``business_type``. A column from outside the
        catalogue is numeric if its dtype is, categorical otherwise; a dict gives
        the kind (``ordinal``, ``categorical``, ``multi``, ``numeric`` or ``log``).
    weights : dict, optional
        Per-criterion weights overriding the catalogue's (see the module notes).
    like : EncodedClients, optional
        A previous encoding whose criteria, weights, levels and numeric ranges are
        reused (to place new clients among those of a fitted segmentation); the
        other options are then ignored. Numbers outside the old range are clipped.

    Returns
    -------
    EncodedClients
    """
    if "client_id" not in clients.columns:
        raise ValueError("clients: no client_id column")
    ids = clients["client_id"].astype(str).to_numpy(dtype=object)
    cat = load_catalogue() if catalogue is None else catalogue
    if like is not None:
        kinds, w = dict(like.kinds), dict(like.weights)
        missing = [k for k in kinds if not _available(clients, cat, k)]
        if missing:
            raise ValueError(f"clients: missing criteria columns {missing} of the fitted segmentation")
    else:
        kinds = resolve_criteria(clients, cat, criteria)
        w = resolve_weights(cat, kinds, weights)
        kinds = {k: v for k, v in kinds.items() if k in w}
    clients = clients.reset_index(drop=True)
    n = len(clients)
    code_keys = tuple(k for k in kinds if kinds[k] in ("ordinal", "categorical", "multi"))
    value_keys = tuple(k for k in kinds if kinds[k] in ("numeric", "log"))
    codes = np.full((n, len(code_keys)), -1, dtype=np.int64)
    values = np.full((n, len(value_keys)), np.nan)
    levels: dict[str, tuple] = {}
    items_of: dict[str, tuple] = {}
    ranges: dict[str, tuple] = {}
    for col, key in enumerate(code_keys):
        kind = kinds[key]
        text = _text(clients[key])
        known = list(like.levels[key]) if like is not None else []
        if kind == "ordinal":
            order = known or _level_order(cat, key)
            if not order:
                raise ValueError(f"criterion {key!r}: an ordinal criterion needs levels in the catalogue")
            bad = sorted(set(text.dropna().unique()) - set(order))
            if bad:
                raise ValueError(
                    f"criterion {key!r}: unknown levels {bad[:5]}; expected canonical keys {order} "
                    "(load the register with load_clients)"
                )
        elif kind == "categorical":
            known = known or _level_order(cat, key)
            order = known + sorted(set(text.dropna().unique()) - set(known))
        else:
            # a set is a bit mask over the items; the distinct sets are the levels
            item_known = list(like.items[key]) if like is not None else _level_order(cat, key)
            parts = text.str.split(_MULTI_SPLIT, regex=True).explode().str.strip()
            parts = parts[parts.notna() & parts.ne("")]
            item_order = item_known + sorted(set(parts.unique()) - set(item_known))
            if len(item_order) > 62:
                raise ValueError(f"criterion {key!r}: more than 62 distinct items in a multi-valued criterion")
            bit = pd.Series(np.left_shift(1, np.arange(len(item_order), dtype=np.int64)), index=item_order)
            mask = np.zeros(n, dtype=np.int64)
            np.bitwise_or.at(mask, parts.index.to_numpy(dtype=np.int64), bit.reindex(parts.to_numpy()).to_numpy())
            order = known + sorted(set(mask[mask > 0].tolist()) - set(known))
            items_of[key] = tuple(item_order)
            codes[:, col] = np.where(mask > 0, pd.Index(order, dtype="int64").get_indexer(mask), -1)
            levels[key] = tuple(order)
            continue
        codes[:, col] = pd.Index(order).get_indexer(text.to_numpy(dtype=object, na_value=None))
        levels[key] = tuple(order)
    for col, key in enumerate(value_keys):
        kind = kinds[key]
        crit = cat.criteria.get(key)
        clip = crit.spec.get("clip") if crit is not None and crit.spec.get("transform") == "clip" else None
        x = _transform(_numeric_values(clients, cat, key), kind, clip)
        if like is not None:
            _, low, high = like.ranges[key]
        else:
            finite = x[np.isfinite(x)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        spread = high - low
        scaled = (x - low) / spread if spread > 0 else np.where(np.isnan(x), np.nan, 0.0)
        values[:, col] = np.clip(scaled, 0.0, 1.0)
        ranges[key] = (kind, low, high)
    return EncodedClients(
        client_id=ids,
        criteria=tuple(kinds),
        kinds=kinds,
        weights=w,
        codes=codes,
        code_keys=code_keys,
        values=values,
        value_keys=value_keys,
        levels=levels,
        items=items_of,
        ranges=ranges,
    )


def _levelled_tables(X: EncodedClients, Y: EncodedClients):
    """Offsets of each levelled criterion in a one-hot layout, and the weighted block-diagonal table.

    Where ``X`` and ``Y`` do not hold the same values (new categories in clients
    encoded ``like`` the other), the longer list, which starts with the shorter, is used.
    """
    sizes, tables = [], []
    for key in X.code_keys:
        longer = X if len(X.levels[key]) >= len(Y.levels[key]) else Y
        tables.append(X.weights[key] * longer.table(key))
        sizes.append(len(longer.levels[key]))
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    big = np.zeros((offsets[-1], offsets[-1]))
    for t, table in enumerate(tables):
        big[offsets[t] : offsets[t + 1], offsets[t] : offsets[t + 1]] = table
    return offsets, big


def _one_hot(codes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Rows of 0/1 over every criterion's values; a missing value is a row of zeros there."""
    out = np.zeros((codes.shape[0], int(offsets[-1])))
    rows = np.arange(codes.shape[0])
    for col in range(codes.shape[1]):
        ok = codes[:, col] >= 0
        out[rows[ok], offsets[col] + codes[ok, col]] = 1.0
    return out


def _presence(X: EncodedClients, rows) -> np.ndarray:
    """1 where a client has a value of a criterion (levelled criteria first, then numeric)."""
    return np.hstack([X.codes[rows] >= 0, ~np.isnan(X.values[rows])]).astype(np.float64)


def _block(X: EncodedClients, Y: EncodedClients, rows: slice, prepared=None) -> np.ndarray:
    """Distances of the clients ``X[rows]`` to every client of ``Y``.

    The levelled criteria go through one matrix product: with the values one-hot
    encoded, ``onehot(x) @ T @ onehot(y).T`` sums the weighted table distances of
    the criteria both clients have (a missing value is a row of zeros). The weight
    both clients share is another product of their presence indicators.
    """
    offsets, big, y_hot, y_presence = prepared if prepared is not None else _prepare(X, Y)
    w = np.array([X.weights[k] for k in (*X.code_keys, *X.value_keys)])
    num = (_one_hot(X.codes[rows], offsets) @ big) @ y_hot.T if len(X.code_keys) else None
    den = (_presence(X, rows) * w) @ y_presence.T
    c, m = den.shape
    if num is None:
        num = np.zeros((c, m))
    if len(X.value_keys):
        work = np.empty((c, m))
        xv, yv = X.values[rows], Y.values
        for col, key in enumerate(X.value_keys):
            a, b = xv[:, col], yv[:, col]
            a_nan, b_nan = np.isnan(a), np.isnan(b)
            np.subtract.outer(np.where(a_nan, 0.0, a), np.where(b_nan, 0.0, b), out=work)
            np.abs(work, out=work)
            if a_nan.any() or b_nan.any():
                work[a_nan, :] = 0.0
                work[:, b_nan] = 0.0
            work *= X.weights[key]
            num += work
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.divide(num, den, out=num)
    out[den <= 0] = 1.0
    np.clip(out, 0.0, 1.0, out=out)  # rounding of the products
    return out


def _prepare(X: EncodedClients, Y: EncodedClients):
    offsets, big = _levelled_tables(X, Y)
    y_hot = _one_hot(Y.codes, offsets) if len(X.code_keys) else None
    return offsets, big, y_hot, _presence(Y, slice(None))


def _chunk_rows(m: int, chunk_size: int | None) -> int:
    if chunk_size is not None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size={chunk_size}: expected a positive number of rows")
        return int(chunk_size)
    return max(1, _CHUNK_CELLS // max(m, 1))


def gower_distances(
    X: EncodedClients, Y: EncodedClients | None = None, *, chunk_size: int | None = None
) -> np.ndarray:
    """Gower distances between encoded clients, computed in chunks of rows.

    Parameters
    ----------
    X : EncodedClients
        From :func:`encode_features`.
    Y : EncodedClients, optional
        Encoded with ``like=X`` (same criteria and scales). Default: ``X`` itself,
        and the result is then symmetric with a zero diagonal.
    chunk_size : int, optional
        Rows of ``X`` per chunk. By default chunks of about 8 million cells, so that
        the working memory stays near 200 MB beyond the result itself.

    Returns
    -------
    ndarray of float64, shape (len(X), len(Y))
        Values in [0, 1]: the weighted mean of the per-criterion distances over the
        criteria both clients have; 1 when they have none in common.
    """
    same = Y is None
    Y = X if Y is None else Y
    if tuple(Y.criteria) != tuple(X.criteria) or Y.weights != X.weights:
        raise ValueError("Y was not encoded like X: encode it with encode_features(..., like=X)")
    step = _chunk_rows(len(Y), chunk_size)
    prepared = _prepare(X, Y)
    out = np.empty((len(X), len(Y)))
    for start in range(0, len(X), step):
        rows = slice(start, min(start + step, len(X)))
        out[rows] = _block(X, Y, rows, prepared)
    if same:
        np.fill_diagonal(out, 0.0)
    return out


def nearest(
    X: EncodedClients, Y: EncodedClients, *, chunk_size: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``Y`` of each client's nearest neighbour in ``Y`` (the first on ties), and its distance."""
    step = _chunk_rows(len(Y), chunk_size)
    prepared = _prepare(X, Y)
    where = np.empty(len(X), dtype=np.int64)
    dist = np.empty(len(X))
    for start in range(0, len(X), step):
        rows = slice(start, min(start + step, len(X)))
        block = _block(X, Y, rows, prepared)
        where[rows] = np.argmin(block, axis=1)
        dist[rows] = block[np.arange(block.shape[0]), where[rows]]
    return where, dist


def nearest_group(
    X: EncodedClients,
    Y: EncodedClients,
    groups: np.ndarray,
    n_groups: int,
    *,
    chunk_size: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each client's group 0..n_groups-1 of ``Y`` at the smallest mean distance, and that mean."""
    onehot = np.zeros((len(Y), n_groups))
    onehot[np.arange(len(Y)), groups] = 1.0
    sizes = np.maximum(onehot.sum(axis=0), 1.0)
    step = _chunk_rows(len(Y), chunk_size)
    prepared = _prepare(X, Y)
    where = np.empty(len(X), dtype=np.int64)
    dist = np.empty(len(X))
    for start in range(0, len(X), step):
        rows = slice(start, min(start + step, len(X)))
        mean = (_block(X, Y, rows, prepared) @ onehot) / sizes
        where[rows] = np.argmin(mean, axis=1)
        dist[rows] = mean[np.arange(mean.shape[0]), where[rows]]
    return where, dist
