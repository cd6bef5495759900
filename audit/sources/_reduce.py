"""From one group-by's result to a `CellTable`: the part every source shares.

A source groups its rows by the *raw* values of the sensitive columns, the label and the
prediction (and, with a score, by score bin) and returns `Groups`: small arrays of value
indices and sums. Only then are the raw values read as text (`audit.sources._values`),
so two raw values that read the same (``1`` and ``1.0``) land in one category, as they do
in ``prepare``. The attributes' groups and their intersection are sums of the finest
cells, so a plain ``GROUP BY`` over the finest cells is all a source runs.

Scores are binned and their powers summed with formulas (`ScoreScale`) that each engine
evaluates with the same IEEE double operations, so every engine gets the same bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from audit.sources._cells import POWERS, RANKS_ROWS, CellTable, ScoreRanks, ScoreTable
from audit.sources._checks import Checked
from audit.sources._values import DistinctValues

DEFAULT_BINS = 1000
# each quantised power of a score stays below 2**QUANT_BITS, so that floor(x + 0.5) is
# exact; sums are exact in 64-bit integers as two halves of q + SHIFT (below 2**53), each
# below SPLIT = 2**26 or 2**27, for up to 2**36 rows
QUANT_BITS = 51
SHIFT, SPLIT = 2**52, 2**26
MAX_SHIFT = 1000


@dataclass(frozen=True)
class ScoreScale:
    """How scores are binned and quantised, fixed by their smallest and largest value.

    ``bin = min(floor((s - low) / width), bins - 1)``; the p-th power (``s``, ``s*s``,
    ``(s*s)*s``, ``(s*s)*(s*s)``) is quantised as ``floor(power * 2**shift[p] + 0.5)``.
    A shift is None when that power overflows (its sum is then unknown: nan).
    """

    low: float
    width: float
    bins: int
    shifts: tuple[int | None, ...]

    @classmethod
    def of(cls, low: float, high: float, bins: int = DEFAULT_BINS) -> ScoreScale:
        if bins < 1:
            raise ValueError(f"bins must be at least 1, got {bins}")
        width = (high - low) / bins
        if not (width > 0 and math.isfinite(width)):
            width = 1.0
        top = max(abs(low), abs(high))
        square = top * top
        bounds = (top, square, square * top, square * square)  # the powers' own rounding
        shifts: list[int | None] = []
        for bound in bounds:
            if not math.isfinite(bound):
                shifts.append(None)
            elif bound == 0:
                shifts.append(0)
            else:
                shifts.append(min(QUANT_BITS - math.frexp(bound)[1], MAX_SHIFT))
        return cls(low=float(low), width=float(width), bins=int(bins), shifts=tuple(shifts))

    @property
    def edges(self) -> np.ndarray:
        return self.low + self.width * np.arange(self.bins + 1, dtype=np.float64)

    @property
    def quanta(self) -> tuple[float, ...]:
        return tuple(math.nan if k is None else math.ldexp(1.0, -k) for k in self.shifts)

    def bin_of(self, scores: np.ndarray) -> np.ndarray:
        """Each score's bin, by the formula the SQL sources evaluate."""
        raw = np.floor((scores - self.low) / self.width)
        return np.minimum(raw, self.bins - 1).astype(np.int64)

    def quantised(self, scores: np.ndarray) -> list[np.ndarray | None]:
        """The quantised first four powers of ``scores`` (int64), None where unknown."""
        square = scores * scores
        powers = (scores, square, square * scores, square * square)
        out: list[np.ndarray | None] = []
        for power, shift in zip(powers, self.shifts, strict=True):
            if shift is None:
                out.append(None)
            else:
                out.append(np.floor(power * math.ldexp(1.0, shift) + 0.5).astype(np.int64))
        return out


def split(quantised: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The high and low halves of ``quantised + SHIFT``: each sums exactly in int64."""
    shifted = quantised + SHIFT
    return shifted // SPLIT, shifted % SPLIT


def combine(high: int | None, low: int | None, count: int | None) -> int:
    """The exact sum of ``count`` quantised terms whose halves (`split`) summed to ``high``
    and ``low``."""
    return (int(high or 0) * SPLIT + int(low or 0)) - int(count or 0) * SHIFT


@dataclass(frozen=True)
class Groups:
    """A source's group-by result, in value indices.

    ``values[c]`` are the distinct raw values of key column ``c`` (the sensitive columns,
    then the label, then the prediction). ``index[g, c]`` is group ``g``'s value of column
    ``c`` and ``rows[g]`` its row count. With a score, ``score_index`` (keys without the
    prediction), ``score_bin``, ``score_rows`` and ``score_sums`` (exact integer sums of
    the quantised powers, object array of Python ints, shape (H, 4)) hold the second
    grouping, by cell, label and bin.
    """

    values: tuple[DistinctValues, ...]
    index: np.ndarray
    rows: np.ndarray
    score_index: np.ndarray | None = None
    score_bin: np.ndarray | None = None
    score_rows: np.ndarray | None = None
    score_sums: np.ndarray | None = None

    def value_counts(self, column: int) -> np.ndarray:
        """Rows holding each distinct value of key column ``column``."""
        out = np.zeros(len(self.values[column].texts), dtype=np.int64)
        np.add.at(out, self.index[:, column], self.rows)
        return out


def _codes(groups: Groups, checked: Checked, index: np.ndarray) -> np.ndarray:
    """Category codes (rows of ``index``, one column per attribute)."""
    out = np.empty((index.shape[0], len(checked.attributes)), dtype=np.int64)
    for a, attribute in enumerate(checked.attributes):
        position: dict[str | None, int] = {t: i for i, t in enumerate(attribute.categories)}
        lookup = np.array([position.get(t, -1) for t in groups.values[a].texts],
                          dtype=np.int64)
        out[:, a] = lookup[index[:, a]]
    return out


def _is_favorable(values: DistinctValues, favorable: str) -> np.ndarray:
    return np.array([t == favorable for t in values.texts], dtype=bool)


def build_cells(groups: Groups, checked: Checked, *, engine: str,
                scores: ScoreTable | None = None) -> tuple[CellTable, np.ndarray]:
    """The `CellTable` of ``groups``; also each group's finest cell (for later queries)."""
    attributes = len(checked.attributes)
    codes = _codes(groups, checked, groups.index)
    y = _is_favorable(groups.values[attributes], checked.favorable)[groups.index[:, attributes]]
    y_hat = _is_favorable(groups.values[attributes + 1], checked.favorable)[
        groups.index[:, attributes + 1]]
    confusion = 2 * (~y_hat).astype(np.int64) + (y ^ y_hat).astype(np.int64)
    cell_codes, cell = np.unique(codes, axis=0, return_inverse=True)
    cell = cell.reshape(-1)
    counts = np.zeros((cell_codes.shape[0], 4), dtype=np.int64)
    np.add.at(counts, (cell, confusion), groups.rows)
    table = CellTable(
        attributes=checked.attributes, codes=cell_codes.astype(np.int64), counts=counts,
        favorable=checked.favorable, label_values=checked.label_values,
        prediction_values=checked.prediction_values, scores=scores, engine=engine,
        sex_column=checked.sex_column, race_column=checked.race_column,
    )
    return table, cell


def cell_of(table: CellTable, groups: Groups, checked: Checked, index: np.ndarray) -> np.ndarray:
    """The finest cell of each row of ``index`` (value indices of the sensitive columns)."""
    codes = _codes(groups, checked, index)
    sizes = [len(a.categories) for a in checked.attributes]
    if codes.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    if float(np.prod(np.array(sizes, dtype=float))) < 2.0**62:  # one key per cell, sorted
        known = np.ravel_multi_index(tuple(table.codes.T), sizes)
        return np.searchsorted(known, np.ravel_multi_index(tuple(codes.T), sizes)).astype(
            np.int64)
    lookup = {tuple(row): k for k, row in enumerate(table.codes.tolist())}
    return np.array([lookup[tuple(row)] for row in codes.tolist()], dtype=np.int64)


@dataclass(frozen=True)
class ScoreSums:
    """Per finest cell and label: histogram counts and exact sums of quantised powers."""

    counts: np.ndarray  # (K, 2, bins) int64
    sums: np.ndarray  # (K, 2, 4) object (Python ints)

    def moments(self, scale: ScoreScale) -> np.ndarray:
        out = np.full(self.sums.shape, np.nan)
        for p, shift in enumerate(scale.shifts):
            if shift is not None:
                for index in np.ndindex(self.sums.shape[:2]):
                    out[(*index, p)] = math.ldexp(float(int(self.sums[(*index, p)])), -shift)
        return out


def score_sums(table: CellTable, groups: Groups, checked: Checked, scale: ScoreScale
               ) -> ScoreSums:
    """Sum the score grouping of ``groups`` into histograms and power sums per cell."""
    assert groups.score_index is not None and groups.score_bin is not None
    assert groups.score_rows is not None and groups.score_sums is not None
    attributes = len(checked.attributes)
    cell = cell_of(table, groups, checked, groups.score_index)
    label = _is_favorable(groups.values[attributes], checked.favorable)[
        groups.score_index[:, attributes]].astype(np.int64)
    counts = np.zeros((table.cells, 2, scale.bins), dtype=np.int64)
    np.add.at(counts, (cell, label, groups.score_bin), groups.score_rows)
    sums = np.zeros((table.cells, 2, POWERS), dtype=object)
    sums[...] = 0
    for h in range(cell.shape[0]):
        for p in range(POWERS):
            sums[cell[h], label[h], p] += int(groups.score_sums[h, p])
    return ScoreSums(counts=counts, sums=sums)


def median_ranks(counts: np.ndarray) -> list[tuple[int, int]]:
    """The (bin, rank within the bin) of the middle score(s) of histogram ``counts``
    (summed over cells and labels): one for an odd count, two for an even one."""
    per_bin = counts.reshape(-1, counts.shape[-1]).sum(axis=0)
    total = int(per_bin.sum())
    if total == 0:
        return []
    below = np.concatenate([[0], np.cumsum(per_bin)])
    ranks = sorted({(total - 1) // 2, total // 2})
    out = []
    for rank in ranks:
        b = int(np.searchsorted(below, rank, side="right")) - 1
        out.append((b, rank - int(below[b])))
    return out


def median_of(middle: list[float]) -> float:
    """``numpy.median``'s value from the one or two middle scores."""
    if not middle:
        return math.nan
    if len(middle) == 1:
        return float(middle[0])
    return (float(middle[0]) + float(middle[1])) / 2


def above_from_bins(counts: np.ndarray, scale: ScoreScale, median: float,
                   in_median_bin: np.ndarray) -> np.ndarray:
    """Rows above ``median`` per cell and label: every row of a higher bin (the bin
    formula never decreases with the score) plus ``in_median_bin`` (K, 2), the rows of
    the median's own bin that are above it."""
    if math.isnan(median):
        return np.zeros(counts.shape[:2], dtype=np.int64)
    middle = int(scale.bin_of(np.array([median]))[0])
    return (counts[:, :, middle + 1:].sum(axis=-1) + in_median_bin).astype(np.int64)


def score_table(sums: ScoreSums, scale: ScoreScale, *, median: float, above: np.ndarray,
                probabilities: bool, ranks: ScoreRanks | None = None) -> ScoreTable:
    """Assemble the `ScoreTable`."""
    return ScoreTable(
        edges=scale.edges, counts=sums.counts, moments=sums.moments(scale),
        quanta=scale.quanta, median=median, above_median=np.asarray(above, dtype=np.int64),
        probabilities=probabilities, exact=sums.sums, ranks=ranks,
    )


def ranks_of(cell: np.ndarray, label: np.ndarray, score: np.ndarray, counts: np.ndarray
             ) -> ScoreRanks:
    """`ScoreRanks` from rows (or from partial counts): equal keys added, sorted."""
    cell, label = cell.astype(np.int64), label.astype(np.int64)
    score = np.asarray(score, dtype=np.float64) + 0.0  # -0.0 and 0.0 are one score
    order = np.lexsort((score, label, cell))
    cell, label, score, counts = cell[order], label[order], score[order], counts[order]
    if cell.size == 0:
        return ScoreRanks(cell=cell, label=label, score=score,
                          count=counts.astype(np.int64))
    new = np.r_[True, (cell[1:] != cell[:-1]) | (label[1:] != label[:-1])
                | (score[1:] != score[:-1])]
    starts = np.flatnonzero(new)
    return ScoreRanks(cell=cell[starts], label=label[starts], score=score[starts],
                      count=np.add.reduceat(counts.astype(np.int64), starts))


def scores_from_rows(score: np.ndarray, label: np.ndarray, cell: np.ndarray, cells: int,
                     bins: int = DEFAULT_BINS) -> ScoreTable:
    """The `ScoreTable` of rows held in memory: ``label`` 1 (or True) where favorable,
    ``cell`` each row's finest cell (of ``cells``)."""
    score = np.asarray(score, dtype=np.float64)
    scale = ScoreScale.of(float(score.min()), float(score.max()), bins)
    label = np.asarray(label).astype(np.int64)
    counts = np.zeros((cells, 2, scale.bins), dtype=np.int64)
    np.add.at(counts, (cell, label, scale.bin_of(score)), 1)
    sums = np.zeros((cells, 2, POWERS), dtype=object)
    sums[...] = 0
    for p, quantised in enumerate(scale.quantised(score)):
        if quantised is not None:
            exact = _exact_sums(cell * 2 + label, quantised, cells * 2)
            for key, value in enumerate(exact):
                sums[key // 2, key % 2, p] = value
    median = float(np.median(score))
    above = np.zeros((cells, 2), dtype=np.int64)
    np.add.at(above, (cell, label), (score > median).astype(np.int64))
    probabilities = bool(score.min() >= 0 and score.max() <= 1)
    ranks = (ranks_of(cell, label, score, np.ones(score.size, dtype=np.int64))
             if score.size <= RANKS_ROWS else None)
    return score_table(ScoreSums(counts=counts, sums=sums), scale, median=median, above=above,
                       probabilities=probabilities, ranks=ranks)


def _exact_sums(key: np.ndarray, values: np.ndarray, size: int) -> list[int]:
    """Exact sums of quantised ``values`` per ``key`` in [0, size), as Python ints."""
    sums = []
    for part in split(values):
        total = np.zeros(size, dtype=np.int64)
        np.add.at(total, key, part)
        sums.append(total.tolist())
    counts = np.bincount(key, minlength=size).tolist()
    return [combine(h, lo, n) for h, lo, n in zip(*sums, counts, strict=True)]


def median_and_above(ranks: ScoreRanks, cells: int) -> tuple[float, np.ndarray]:
    """The whole sample's median score (as `numpy.median`) and the rows scoring above it
    per cell and label, from the rows per distinct score."""
    if ranks.count.size == 0:
        return math.nan, np.zeros((cells, 2), dtype=np.int64)
    values, inverse = np.unique(ranks.score, return_inverse=True)
    per_value = np.bincount(inverse.reshape(-1), weights=ranks.count).astype(np.int64)
    total = int(per_value.sum())
    ends = np.cumsum(per_value)  # rows up to and including each value
    middle = [float(values[int(np.searchsorted(ends, rank, side="right"))])
              for rank in sorted({(total - 1) // 2, total // 2})]
    median = median_of(middle)
    above = np.zeros((cells, 2), dtype=np.int64)
    over = ranks.score > median
    np.add.at(above, (ranks.cell[over], ranks.label[over]), ranks.count[over])
    return median, above
