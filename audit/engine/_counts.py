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

from dataclasses import dataclass, replace
from functools import cached_property
from itertools import combinations
from typing import Literal

import numpy as np

from audit._words import listed
from audit.inputs import INTERSECTION_SEP, MAX_INTERSECTION_CELLS, PreparedData, SensitiveColumn

TP, FP, TN, FN = 0, 1, 2, 3
# above this many possible combinations of sensitive values, only the observed ones are
# numbered (one sort per column) instead of allocating a count for every possible one
MAX_DENSE_CELLS = 1 << 20
# up to this many finest cells, a bootstrap replicate is one multinomial draw over them all
# (its cost grows with the cells); beyond, each grouping is drawn over its own groups
MAX_JOINT_CELLS = MAX_INTERSECTION_CELLS
PAIRWISE_TOTAL = 5  # the pairwise intersections' groups, all told, as a multiple of the limit
CHUNK_BYTES = 64 * 1024 * 1024  # replicates of the finest cells held at once

INTERSECTION_LIMIT_WARNING = (
    "The intersection of all {count} sensitive attributes has {cells:,} groups, more than the "
    "limit of {limit:,} (max_intersection_cells). So that the audit stays readable and fast, "
    "it reports each attribute and the intersections of every two of them instead: {pairs} "
    "pairwise intersections with {groups:,} groups{skipped}. Raise the limit (command line: "
    "--max-intersection-cells N) to report the full intersection."
)
INTERSECTION_PAIRS_LEFT_OUT = (
    "; {count} more pairwise intersection(s) would pass the limit and are left out: {names}"
)

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
    ``unknown`` marks groups whose value (or any part of it) means "not recorded";
    ``parts`` holds each group's value of every column it is made of, in the order of
    ``columns`` (one column for a sensitive attribute, several for an intersection): the
    group's identity, whatever its label looks like.
    """

    attribute: str
    labels: tuple[str, ...]
    member: np.ndarray
    unknown: np.ndarray
    columns: tuple[str, ...] = ()
    parts: tuple[tuple[str, ...], ...] = ()
    counts: np.ndarray | None = None  # (G, 4): the groups' counts, when summed at counting

    def sum(self, cells: np.ndarray) -> np.ndarray:
        """Sum finest counts ``(..., K, 4)`` into group counts ``(..., G, 4)``.

        One pass over the cells (sorted by group once), never a groups × cells matrix.
        """
        groups = len(self.labels)
        order, starts, present = self._runs
        if order is None:  # one cell per group, in order
            return np.array(cells, dtype=np.int64, copy=True)
        out = np.zeros((*cells.shape[:-2], groups, cells.shape[-1]), dtype=np.int64)
        if order.size:
            out[..., present, :] = np.add.reduceat(np.take(cells, order, axis=-2), starts,
                                                   axis=-2)
        return out

    def total(self, cells: np.ndarray) -> np.ndarray:
        """The groups' counts ``(G, 4)`` from the finest ``cells``, summed once."""
        return self.counts if self.counts is not None else self.sum(cells)

    @cached_property
    def _runs(self) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """The cells sorted by group, where each group's run starts, and its group index
        (computed once: every sum of this grouping reuses it)."""
        groups = len(self.labels)
        if self.member.shape[0] == groups and np.array_equal(self.member, np.arange(groups)):
            return None, np.arange(groups), np.arange(groups)
        order = np.argsort(self.member, kind="stable")
        sorted_member = self.member[order]
        starts = np.flatnonzero(np.r_[True, sorted_member[1:] != sorted_member[:-1]])
        return order, starts, sorted_member[starts]


@dataclass(frozen=True)
class CellCounts:
    """Confusion counts on the finest partition, with the groupings built on it.

    ``warnings`` says, in plain words, when the full intersection had more groups than
    the spec's limit and pairwise intersections were reported instead.
    """

    cells: np.ndarray  # (K, 4) int64
    groupings: tuple[Grouping, ...]
    rows: int
    row_cell: np.ndarray  # (rows,) index of each row's finest cell; empty from a cell table
    warnings: tuple[str, ...] = ()
    sensitive: tuple[SensitiveColumn, ...] = ()
    parts: np.ndarray | None = None  # (columns, K): each finest cell's category codes

    def row_groups(self, grouping: Grouping) -> np.ndarray:
        """The group index of every row in ``grouping``."""
        return grouping.member[self.row_cell]


def count_cells(data: PreparedData, *, intersections: bool = True,
                max_intersection_cells: int = MAX_INTERSECTION_CELLS) -> CellCounts:
    """Count TP, FP, TN, FN for every observed combination of sensitive values.

    With ``intersections``, the groupings are each sensitive attribute and then their
    intersection. When the intersection of all of them has more than
    ``max_intersection_cells`` observed groups, the intersections of every two attributes
    are reported instead (as many as fit within the same number of groups, in the order of
    the columns), and ``warnings`` says so.
    """
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
    return _grouped(data.sensitive, parts, cells, row_cell, intersections=intersections,
                    max_intersection_cells=max_intersection_cells)


def cells_from_table(sensitive: tuple[SensitiveColumn, ...], codes: np.ndarray,
                     counts: np.ndarray, *, intersections: bool = True,
                     max_intersection_cells: int = MAX_INTERSECTION_CELLS) -> CellCounts:
    """`count_cells`' result from a cell table counted elsewhere (a source): the finest
    cells' category ``codes`` (K, columns), in lexicographic order, and their ``counts``
    (K, 4). ``sensitive`` names the columns (their ``codes`` are not used)."""
    parts = np.asarray(codes, dtype=np.int64).T.reshape(len(sensitive), -1)
    return _grouped(sensitive, parts, np.asarray(counts, dtype=np.int64),
                    np.empty(0, dtype=np.int64), intersections=intersections,
                    max_intersection_cells=max_intersection_cells)


def _grouped(sensitive: tuple[SensitiveColumn, ...], parts: np.ndarray, cells: np.ndarray,
             row_cell: np.ndarray, *, intersections: bool,
             max_intersection_cells: int) -> CellCounts:
    """Every attribute's grouping of the finest cells, and the intersection (or pairs)."""
    groupings = [_crossed(sensitive, parts, (i,), cells) for i in range(len(sensitive))]
    warnings: tuple[str, ...] = ()
    if intersections and len(sensitive) > 1:
        every = tuple(range(len(sensitive)))
        if cells.shape[0] <= max_intersection_cells or len(every) == 2:
            groupings.append(_crossed(sensitive, parts, every, cells))
        else:
            pairs, left_out = _pairs(sensitive, parts, cells, max_intersection_cells)
            groupings.extend(pairs)
            warnings = (_limit_warning(sensitive, cells.shape[0], max_intersection_cells,
                                       pairs, left_out),)
    return CellCounts(cells=cells, groupings=tuple(groupings), rows=int(cells.sum()),
                      row_cell=row_cell, warnings=warnings, sensitive=tuple(sensitive),
                      parts=parts)


def _crossed(sensitive: tuple[SensitiveColumn, ...], parts: np.ndarray,
             which: tuple[int, ...], cells: np.ndarray) -> Grouping:
    """The grouping of the finest cells by the columns ``which`` (one, or an intersection)."""
    columns = [sensitive[i] for i in which]
    if len(which) == len(sensitive):  # the finest cells themselves, numbered in this order
        member = np.arange(parts.shape[1], dtype=np.int64)
        first = member
    else:  # at most two columns: their codes combine without overflow
        key = np.zeros(parts.shape[1], dtype=np.int64)
        for i in which:
            key = key * len(sensitive[i].categories) + parts[i]
        present, member = np.unique(key, return_inverse=True)
        member = member.reshape(-1).astype(np.int64)
        first = np.zeros(present.shape[0], dtype=np.int64)  # one finest cell of each group
        first[member[::-1]] = np.arange(parts.shape[1] - 1, -1, -1)
    group_parts = tuple(zip(*[[column.categories[int(c)] for c in parts[i][first]]
                              for i, column in zip(which, columns, strict=True)],
                            strict=True))
    unknown = np.array([any(value in column.unknown
                            for value, column in zip(values, columns, strict=True))
                        for values in group_parts], dtype=bool)
    grouping = Grouping(
        attribute=INTERSECTION_SEP.join(column.name for column in columns),
        labels=tuple(INTERSECTION_SEP.join(values) for values in group_parts),
        member=member,
        unknown=unknown.reshape(len(group_parts)),
        columns=tuple(column.name for column in columns),
        parts=group_parts,
    )
    return replace(grouping, counts=grouping.sum(cells))


def _pairs(sensitive: tuple[SensitiveColumn, ...], parts: np.ndarray, cells: np.ndarray,
           limit: int) -> tuple[list[Grouping], list[str]]:
    """Every two columns' intersection, in column order: each of at most ``limit`` groups
    (the simultaneous intervals compare every pair of an attribute's groups), while all of
    them together fit `PAIRWISE_TOTAL` times ``limit`` (the record and its tables)."""
    kept: list[Grouping] = []
    left_out: list[str] = []
    used = 0
    for i, j in combinations(range(len(sensitive)), 2):
        pair = _crossed(sensitive, parts, (i, j), cells)
        if len(pair.labels) <= limit and used + len(pair.labels) <= PAIRWISE_TOTAL * limit:
            kept.append(pair)
            used += len(pair.labels)
        else:
            left_out.append(pair.attribute)
    return kept, left_out


def _limit_warning(sensitive: tuple[SensitiveColumn, ...], cells: int, limit: int,
                   pairs: list[Grouping], left_out: list[str]) -> str:
    skipped = (INTERSECTION_PAIRS_LEFT_OUT.format(count=len(left_out), names=listed(left_out))
               if left_out else "")
    return INTERSECTION_LIMIT_WARNING.format(
        count=len(sensitive), cells=cells, limit=limit, pairs=len(pairs),
        groups=sum(len(p.labels) for p in pairs), skipped=skipped)


def rate_parts(counts: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of ``metric`` for counts shaped ``(..., 4)``."""
    numerator_cells, denominator_cells = RATE_PARTS[metric]
    return _add(counts, numerator_cells), _add(counts, denominator_cells)


def _add(counts: np.ndarray, cells: tuple[int, ...]) -> np.ndarray:
    """The sum of some of the four confusion counts, without copying the others."""
    total = counts[..., cells[0]]
    for cell in cells[1:]:
        total = total + counts[..., cell]
    return total if len(cells) > 1 else total.copy()


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


@dataclass(frozen=True)
class Replicates:
    """Bootstrap replicates of every grouping's counts and of the totals.

    ``groups[i]`` holds ``(samples, G_i, 4)`` counts of ``CellCounts.groupings[i]``;
    ``total`` the ``(samples, 4)`` totals over every row. ``method`` is ``"finest"`` when
    each replicate is one multinomial draw over the finest cells (every grouping sums the
    same draw), ``"per_attribute"`` when each grouping is drawn over its own groups (used
    when the finest cells exceed `MAX_JOINT_CELLS`; each attribute's intervals have the
    same distribution either way).
    """

    groups: tuple[np.ndarray, ...]
    total: np.ndarray
    method: Literal["finest", "per_attribute"]

    @property
    def samples(self) -> int:
        return int(self.total.shape[0])


def bootstrap_groups(cells: CellCounts, *, samples: int, seed: int,
                     chunk_bytes: int = CHUNK_BYTES) -> Replicates:
    """``samples`` multinomial bootstrap replicates of every grouping's counts.

    Up to `MAX_JOINT_CELLS` finest cells, the replicates are the very draws of
    `bootstrap_cells` (same seed, same numbers), made ``chunk_bytes`` at a time and summed
    into each grouping, so memory grows with the groups reported, not with the finest cells
    times the replicates. Beyond it, each grouping is drawn over its own groups from a
    seed spawned from ``seed`` (one per grouping), which costs the groups, not the cells.
    """
    rows = int(cells.cells.sum())
    empty = Replicates(
        groups=tuple(np.empty((0, len(g.labels), 4), dtype=np.int64) for g in cells.groupings),
        total=np.empty((0, 4), dtype=np.int64), method="finest")
    if samples <= 0 or rows == 0:
        return empty
    finest = cells.cells.shape[0]
    if finest <= MAX_JOINT_CELLS:
        rng = np.random.default_rng(seed)
        shares = cells.cells.ravel() / rows
        out = [np.empty((samples, len(g.labels), 4), dtype=np.int64) for g in cells.groupings]
        total = np.empty((samples, 4), dtype=np.int64)
        step = max(1, chunk_bytes // (finest * 4 * 8))
        for start in range(0, samples, step):
            stop = min(samples, start + step)
            draws = rng.multinomial(rows, shares, size=stop - start).reshape(
                stop - start, finest, 4)
            for grouping, target in zip(cells.groupings, out, strict=True):
                target[start:stop] = grouping.sum(draws)
            total[start:stop] = draws.sum(axis=1)
        return Replicates(groups=tuple(out), total=total, method="finest")
    seeds = np.random.SeedSequence(seed).spawn(len(cells.groupings))
    drawn = []
    for grouping, child in zip(cells.groupings, seeds, strict=True):
        counts = grouping.total(cells.cells)
        rng = np.random.default_rng(child)
        drawn.append(rng.multinomial(rows, counts.ravel() / rows, size=samples).reshape(
            samples, *counts.shape))
    return Replicates(groups=tuple(drawn), total=drawn[0].sum(axis=1), method="per_attribute")


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
