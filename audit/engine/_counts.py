"""Confusion counts per group, the rates derived from them, and their bootstrap.

One pass over the rows counts the four confusion cells (TP, FP, TN, FN) for every
combination of sensitive values (the *finest* partition). Every attribute's groups and
the intersection's groups are sums of those cells, and every rate is a ratio of sums.

The bootstrap resamples rows with replacement. Because every statistic here is a
function of the cell counts, resampling N rows is the same, in distribution, as drawing
the cell counts from ``Multinomial(N, observed cell shares)``; that is what we do, so
1,000 replicates cost the same for 1,000 rows as for 10,000,000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit.inputs import INTERSECTION_SEP, PreparedData

TP, FP, TN, FN = 0, 1, 2, 3
# above this many possible combinations of sensitive values, only the observed ones are
# numbered (one sort per column) instead of allocating a count for every possible one
MAX_DENSE_CELLS = 1 << 20

RATE_METRICS: tuple[str, ...] = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "true_negative_rate",
    "false_negative_rate",
    "positive_predictive_value",
    "negative_predictive_value",
    "false_discovery_rate",
    "false_omission_rate",
    "accuracy",
    "base_rate",
)

# numerator cells and denominator cells of each rate, as indices into (TP, FP, TN, FN)
RATE_PARTS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "selection_rate": ((TP, FP), (TP, FP, TN, FN)),
    "true_positive_rate": ((TP,), (TP, FN)),
    "false_positive_rate": ((FP,), (FP, TN)),
    "true_negative_rate": ((TN,), (TN, FP)),
    "false_negative_rate": ((FN,), (FN, TP)),
    "positive_predictive_value": ((TP,), (TP, FP)),
    "negative_predictive_value": ((TN,), (TN, FN)),
    "false_discovery_rate": ((FP,), (TP, FP)),
    "false_omission_rate": ((FN,), (TN, FN)),
    "accuracy": ((TP, TN), (TP, FP, TN, FN)),
    "base_rate": ((TP, FN), (TP, FP, TN, FN)),
}


@dataclass(frozen=True)
class Grouping:
    """How the finest cells sum into one attribute's groups.

    ``member`` maps each finest cell to its group index; ``labels`` names the groups;
    ``unknown`` marks groups whose value (or any part of it) means "not recorded".
    """

    attribute: str
    labels: tuple[str, ...]
    member: np.ndarray
    unknown: np.ndarray

    def sum(self, cells: np.ndarray) -> np.ndarray:
        """Sum finest counts ``(..., K, 4)`` into group counts ``(..., G, 4)``."""
        indicator = np.zeros((len(self.labels), self.member.shape[0]), dtype=np.int64)
        indicator[self.member, np.arange(self.member.shape[0])] = 1
        return np.einsum("gk,...kc->...gc", indicator, cells)


@dataclass(frozen=True)
class CellCounts:
    """Confusion counts on the finest partition, with the groupings built on it."""

    cells: np.ndarray  # (K, 4) int64
    groupings: tuple[Grouping, ...]
    rows: int
    row_cell: np.ndarray  # (rows,) index of each row's finest cell

    def row_groups(self, grouping: Grouping) -> np.ndarray:
        """The group index of every row in ``grouping``."""
        return grouping.member[self.row_cell]


def count_cells(data: PreparedData, *, intersections: bool = True) -> CellCounts:
    """Count TP, FP, TN, FN for every observed combination of sensitive values."""
    y_pred = data.y_pred
    cell = 2 * (~y_pred).astype(np.int64) + (data.y_true ^ y_pred).astype(np.int64)
    total = int(np.prod([len(s.categories) for s in data.sensitive], dtype=np.float64))
    dense = total <= MAX_DENSE_CELLS
    combo = np.zeros(data.rows, dtype=np.int64)
    for column in data.sensitive:
        combo = combo * len(column.categories) + column.codes
        if not dense:  # renumber the combinations seen so far: numbers stay below the rows
            combo = np.unique(combo, return_inverse=True)[1].astype(np.int64)
    if dense:
        flat = np.bincount(combo * 4 + cell, minlength=total * 4).reshape(total, 4)
        observed = np.flatnonzero(flat.sum(axis=1))
        cells = flat[observed]
        row_cell = np.searchsorted(observed, combo)
    else:
        cells = np.bincount(combo * 4 + cell, minlength=(int(combo.max()) + 1) * 4).reshape(-1, 4)
        row_cell = combo
    # the value index of every sensitive column for each observed finest cell, read off any
    # row in that cell (cells are numbered in lexicographic order of the columns' codes)
    some_row = np.zeros(cells.shape[0], dtype=np.int64)
    some_row[row_cell] = np.arange(data.rows)
    parts = np.array([s.codes[some_row] for s in data.sensitive]).reshape(
        len(data.sensitive), -1)

    groupings: list[Grouping] = []
    for i, column in enumerate(data.sensitive):
        present = np.unique(parts[i])
        position = {int(code): j for j, code in enumerate(present)}
        labels = tuple(column.categories[int(c)] for c in present)
        groupings.append(Grouping(
            attribute=column.name,
            labels=labels,
            member=np.array([position[int(c)] for c in parts[i]], dtype=np.int64),
            unknown=np.array([label in column.unknown for label in labels], dtype=bool),
        ))
    if intersections and len(data.sensitive) > 1:
        labels = tuple(
            INTERSECTION_SEP.join(s.categories[int(parts[i, k])]
                                  for i, s in enumerate(data.sensitive))
            for k in range(cells.shape[0])
        )
        unknown = np.array([
            any(s.categories[int(parts[i, k])] in s.unknown for i, s in enumerate(data.sensitive))
            for k in range(cells.shape[0])
        ], dtype=bool)
        groupings.append(Grouping(
            attribute=INTERSECTION_SEP.join(s.name for s in data.sensitive),
            labels=labels,
            member=np.arange(cells.shape[0], dtype=np.int64),
            unknown=unknown,
        ))
    return CellCounts(cells=cells, groupings=tuple(groupings), rows=data.rows, row_cell=row_cell)


def rate_parts(counts: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of ``metric`` for counts shaped ``(..., 4)``."""
    numerator_cells, denominator_cells = RATE_PARTS[metric]
    numerator = counts[..., list(numerator_cells)].sum(axis=-1)
    denominator = counts[..., list(denominator_cells)].sum(axis=-1)
    return numerator, denominator


def rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every rate for counts shaped ``(..., 4)``; ``nan`` where the denominator is 0."""
    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for metric in RATE_METRICS:
            numerator, denominator = rate_parts(counts, metric)
            out[metric] = np.where(denominator > 0, numerator / denominator, np.nan)
    return out


def bootstrap_cells(cells: np.ndarray, *, samples: int, seed: int) -> np.ndarray:
    """``samples`` bootstrap replicates of the finest counts, shaped ``(samples, K, 4)``."""
    rows = int(cells.sum())
    if samples <= 0 or rows == 0:
        return np.empty((0, *cells.shape), dtype=np.int64)
    rng = np.random.default_rng(seed)
    shares = cells.ravel() / rows
    draws = rng.multinomial(rows, shares, size=samples)
    return draws.reshape(samples, *cells.shape)


def interval(replicates: np.ndarray, *, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0, ignoring replicates where the value is undefined.

    Equal to ``np.nanquantile(..., method="linear")`` per column, vectorised: sort once
    (undefined values sort last) and interpolate within each column's defined values.
    """
    shape = replicates.shape[1:]
    if replicates.shape[0] == 0:
        nan = np.full(shape, np.nan)
        return nan, nan
    values = np.where(np.isfinite(replicates), replicates, np.nan).reshape(
        replicates.shape[0], -1)
    ordered = np.sort(values, axis=0)
    defined = np.isfinite(values).sum(axis=0)
    tail = (1.0 - confidence) / 2.0
    out = []
    columns = np.arange(values.shape[1])
    for q in (tail, 1.0 - tail):
        position = q * np.maximum(defined - 1, 0)
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(defined - 1, 0))
        weight = position - below
        low_v, high_v = ordered[below, columns], ordered[above, columns]
        value = low_v + (high_v - low_v) * weight
        out.append(np.where(defined > 0, value, np.nan).reshape(shape))
    return out[0], out[1]
