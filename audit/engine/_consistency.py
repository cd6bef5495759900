"""Consistency (Zemel et al. 2013, as aif360 computes it), by an exact nearest-neighbour search.

``consistency = 1 − mean_i |ŷ_i − mean of ŷ over the k nearest rows of i|``, where the
nearest rows are found by Euclidean distance on the features and include row i itself,
as in ``aif360.sklearn.metrics.consistency_score`` (a scikit-learn ball tree).

Here the search is brute force in numpy, block by block: squared distances from one block
of rows to every row by the dot-product expansion in single precision, the candidates
within its rounding error of the k-th smallest kept, and their distances recomputed in
double precision (feature by feature, in the order the ball tree sums them) to pick the k
nearest. Rows at exactly the same
distance as the k-th neighbour are taken in row order; the ball tree takes them in the
order it visits them, so the two agree whenever the k-th distance is not tied (the tests
check equality with aif360 on such data). No scikit-learn or aif360 import.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from audit.inputs import AuditSpec, PreparedData
from audit.sources import stratified_rows

NEIGHBOURS = 5
CONSISTENCY_SAMPLE = 5000
BLOCK_ROWS = 256
CONSISTENCY = ("aif360: 1 − mean |decision − mean decision of 5 nearest neighbours|, on a seeded "
               "sample of {rows} rows stratified by finest cell (up to {per_cell} of each), "
               "drawn where the data lives; numeric features standardised, text one-hot "
               "encoded")


def consistency_features(frame: pd.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    """Numeric matrix for nearest neighbours: z-scored numbers, one-hot text, no id columns."""
    parts = []
    for name in features:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype=float)
            values = np.where(np.isnan(values), np.nanmean(values) if np.isfinite(values).any()
                              else 0.0, values)
            std = values.std()
            parts.append(((values - values.mean()) / (std if std > 0 else 1.0))[:, None])
        else:
            text = column.astype(str)
            if text.nunique() > min(50, len(text) // 2):
                continue  # an id or free text, not a feature to compare people on
            parts.append(pd.get_dummies(text, dtype=float).to_numpy())
    return np.hstack(parts) if parts else np.empty((len(frame), 0))


def _nearest_in_block(block: np.ndarray, x: np.ndarray, x32: np.ndarray, squares: np.ndarray,
                      k: int) -> np.ndarray:
    """The ``k`` nearest rows of ``x`` to each row of ``block``, ties in row order."""
    # |a − b|² = |a|² + |b|² − 2 a·b in single precision; |a|² is the same for the whole
    # row, so it is left out
    rough = block.astype(np.float32) @ x32.T
    rough *= -2.0
    rough += squares.astype(np.float32)[None, :]
    kth = np.partition(rough, k - 1, axis=1)[:, k - 1].astype(np.float64)
    # the expansion is off by at most (features + 2) single-precision roundings of
    # |a|² + |b|²: every row that may be as near as the k-th by exact distance is within
    # twice that of the k-th rough distance (counted four times over, to be safe)
    unit = float(np.finfo(np.float32).eps)
    error = 4.0 * (x.shape[1] + 2) * unit * (np.einsum("ij,ij->i", block, block)
                                             + squares.max()) + 1e-12
    rows, candidates = np.nonzero(rough <= (kth + 2.0 * error)[:, None])
    exact = np.zeros(rows.size, dtype=np.float64)
    for j in range(x.shape[1]):  # feature by feature, the order the ball tree adds them in
        diff = block[rows, j] - x[candidates, j]
        exact += diff * diff
    order = np.lexsort((candidates, exact, rows))  # by row, then distance, then row order
    rows, candidates = rows[order], candidates[order]
    first = np.searchsorted(rows, np.arange(block.shape[0]))
    rank = np.arange(rows.size) - first[rows]
    return candidates[rank < k].reshape(block.shape[0], k)


def nearest_neighbours(x: np.ndarray, *, k: int = NEIGHBOURS,
                       block_rows: int = BLOCK_ROWS) -> np.ndarray:
    """Row positions of the ``k`` nearest rows of every row (itself included).

    Parameters
    ----------
    x : ndarray of shape (n_samples, n_features)
        The rows, as numbers.
    k : int, default=5
        Neighbours per row; at most ``n_samples``.
    block_rows : int, default=256
        Rows whose distances to every row are held in memory at once.

    Returns
    -------
    ndarray of shape (n_samples, k)
        For each row, its neighbours from nearest to farthest (ties in row order).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of rows ({n}), got {k}")
    squares = np.einsum("ij,ij->i", x, x)
    x32 = x.astype(np.float32)
    out = np.empty((n, k), dtype=np.int64)
    # one BLAS thread: on a busy 2-core server a second one mostly waits for the first
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, n, block_rows):
            out[start:start + block_rows] = _nearest_in_block(
                x[start:start + block_rows], x, x32, squares, k)
    return out


def consistency_score(x: np.ndarray, decisions: np.ndarray, *, k: int = NEIGHBOURS) -> float:
    """``1 − mean |ŷ − mean ŷ of the k nearest rows|``: aif360's ``consistency_score``.

    Parameters
    ----------
    x : ndarray of shape (n_samples, n_features)
        Features as numbers (see :func:`consistency_features`).
    decisions : ndarray of shape (n_samples,)
        The model's decisions, 1.0 for the favorable one.
    k : int, default=5
        Neighbours per row, the row itself included.
    """
    y = np.asarray(decisions, dtype=np.float64)
    neighbours = nearest_neighbours(x, k=k)
    return float(1.0 - np.abs(y - y[neighbours].mean(axis=1)).mean())


def sample_per_cell(cell_rows: np.ndarray, total: int = CONSISTENCY_SAMPLE) -> int:
    """The most rows per finest cell (``cell_rows``: each cell's size) that keep the
    stratified sample within ``total`` rows (at least 1 per cell)."""
    sizes = np.sort(np.asarray(cell_rows, dtype=np.int64))
    if sizes.size == 0:
        return 1
    low, high = 1, int(sizes[-1])
    while low < high:  # the largest p with sum(min(size, p)) <= total
        middle = (low + high + 1) // 2
        if int(np.minimum(sizes, middle).sum()) <= total:
            low = middle
        else:
            high = middle - 1
    return low


def consistency_of(frame: pd.DataFrame, features: tuple[str, ...], decisions: np.ndarray
                   ) -> float:
    """Consistency of ``decisions`` (1.0 favorable) on the rows of ``frame``; nan when no
    feature is usable or there are fewer than 10 rows."""
    if not features or len(frame) < 10:
        return float("nan")
    x = consistency_features(frame, features)
    if x.shape[1] == 0:
        return float("nan")
    return consistency_score(x, np.asarray(decisions, dtype=float))


def consistency(data: PreparedData, spec: AuditSpec, row_cell: np.ndarray | None = None
                ) -> tuple[float, int, int]:
    """Consistency of the decisions on the seeded sample stratified by finest cell (the rows
    every source draws: `audit.sources.stratified_rows`), the sample's size (0: not
    defined) and the rows taken per cell. ``row_cell`` is each row's finest cell
    (default: counted here).

    The sensitive columns are left out of the features, as are id-like text columns.
    """
    sensitive = {s.name for s in data.sensitive}
    features = tuple(f for f in data.features if f not in sensitive)
    if not features or data.rows < 10:
        return float("nan"), 0, 0
    if row_cell is None:
        from audit.engine._counts import count_cells

        row_cell = count_cells(data, intersections=False).row_cell
    per_cell = sample_per_cell(np.bincount(row_cell))
    rows = stratified_rows(row_cell, per_cell, spec.seed)
    value = consistency_of(data.frame.iloc[rows], features, data.y_pred[rows])
    return (float("nan"), 0, 0) if np.isnan(value) else (value, int(rows.size), per_cell)
