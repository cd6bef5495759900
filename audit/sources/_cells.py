"""The cell table: everything the engine needs from a source, as small arrays.

A *finest cell* is one observed combination of the sensitive columns' values
(``female`` and ``Black``). Every statistic the audit reports is a function of sums over
finest cells, so a source (pandas in memory, DuckDB out of core, Spark on a cluster)
returns only:

- the four confusion counts of each finest cell (`CellTable.counts`, TP FP TN FN, as
  ``audit.engine``'s ``count_cells`` numbers them);
- each sensitive column's categories as text, sorted as ``audit.inputs.prepare`` sorts
  them, and which of them mean "unknown" (`Attribute`);
- with a score, per-cell histograms of the scores of label-positive and label-negative
  rows on shared bin edges, the sums of the first four powers of the scores per cell and
  label, and the whole sample's median (`ScoreTable`).

Cells are ordered lexicographically by their category codes, and only observed cells are
listed, as ``count_cells`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

TP, FP, TN, FN = 0, 1, 2, 3
NEGATIVE, POSITIVE = 0, 1  # label axis of the score arrays: label not favorable, favorable
POWERS = 4  # sums of s, s², s³, s⁴: mean score, Brier score and their variances
# up to this many rows, the scores are also counted per distinct value (`ScoreRanks`), so
# that every AUC is exact; beyond, AUCs come from the histograms (and say so)
RANKS_ROWS = 5_000_000


@dataclass(frozen=True)
class ScoreRanks:
    """Rows per finest cell, label and distinct score: enough for exact ROC AUCs.

    Row ``r`` says that ``count[r]`` rows of cell ``cell[r]`` with label ``label[r]``
    (1: favorable) scored exactly ``score[r]``. Ordered by cell, label, score.
    """

    cell: np.ndarray  # (R,) int64
    label: np.ndarray  # (R,) int64
    score: np.ndarray  # (R,) float64
    count: np.ndarray  # (R,) int64


@dataclass(frozen=True)
class Attribute:
    """One sensitive column: its categories as text and which of them mean unknown."""

    name: str
    categories: tuple[str, ...]
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreTable:
    """Score facts per finest cell and label, from one pass over the rows.

    Binning: ``edges`` are ``bins + 1`` equal-width edges from the smallest to the largest
    score; a score ``s`` falls in bin ``min(floor((s - edges[0]) / width), bins - 1)``.
    A cut-off between two edges is known to ``width``; an AUC from the histograms counts
    pairs in the same bin as ties, which moves it by at most `auc_error_bound`.

    Sums: ``moments[k, y, p - 1]`` is the sum of ``s**p`` over the rows of cell ``k``
    with label ``y``. Each term is first rounded to a multiple of ``quanta[p - 1]`` (at
    most ``quanta / 2`` off, about 2⁻⁵² of the largest term) and the integers are added
    exactly, so every engine gets the same bits whatever its order of addition.

    ``exact`` holds those sums as Python integers (multiples of ``quanta``), so that
    means and variances computed from them are the same whichever engine added them.
    ``ranks`` counts the rows per distinct score (`ScoreRanks`, up to `RANKS_ROWS` rows),
    None beyond.

    ``median`` is the whole sample's median score (the mean of the two middle scores when
    the count is even, as ``numpy.median``), found exactly from the histograms and the
    scores of one bin; ``above_median[k, y]`` counts the rows whose score is above it
    (the LL144 scoring rate).
    """

    edges: np.ndarray  # (bins + 1,) float64
    counts: np.ndarray  # (K, 2, bins) int64
    moments: np.ndarray  # (K, 2, POWERS) float64
    quanta: tuple[float, ...]  # (POWERS,)
    median: float
    above_median: np.ndarray  # (K, 2) int64
    probabilities: bool  # every score within [0, 1] (Brier and calibration apply)
    exact: np.ndarray | None = None  # (K, 2, POWERS) object: Python ints
    ranks: ScoreRanks | None = None

    @property
    def bins(self) -> int:
        return int(self.counts.shape[-1])

    @property
    def width(self) -> float:
        """The bins' width: a cut-off read off the histograms is known to this much."""
        return float(self.edges[1] - self.edges[0])

    def auc_error_bound(self, cells: np.ndarray | None = None) -> float:
        """How far a histogram AUC of ``cells`` (all cells by default) can be from the exact
        one: half the share of positive-negative pairs that fall in the same bin."""
        picked = self.counts if cells is None else self.counts[cells]
        merged = picked.sum(axis=0)
        positives, negatives = int(merged[POSITIVE].sum()), int(merged[NEGATIVE].sum())
        if positives == 0 or negatives == 0:
            return math.nan
        same_bin = int((merged[POSITIVE] * merged[NEGATIVE]).sum())
        return 0.5 * same_bin / (positives * negatives)


@dataclass(frozen=True)
class CellTable:
    """Confusion counts per finest cell, what names the cells, and the score facts.

    ``codes[k, a]`` is the category code (index into ``attributes[a].categories``) of
    finest cell ``k``; ``counts[k]`` its TP, FP, TN, FN, where favorable means the label
    or the prediction, compared as text, equals ``favorable``.
    """

    attributes: tuple[Attribute, ...]
    codes: np.ndarray  # (K, A) int64
    counts: np.ndarray  # (K, 4) int64
    favorable: str
    label_values: tuple[str, ...]
    prediction_values: tuple[str, ...]
    scores: ScoreTable | None
    engine: str
    sex_column: str | None = None
    race_column: str | None = None

    @property
    def rows(self) -> int:
        return int(self.counts.sum())

    @property
    def cells(self) -> int:
        return int(self.counts.shape[0])

    def same_as(self, other: CellTable) -> bool:
        """True when both tables hold the same numbers (the engine names may differ)."""
        if (self.attributes, self.favorable, self.label_values, self.prediction_values,
                self.sex_column, self.race_column) != (
                other.attributes, other.favorable, other.label_values, other.prediction_values,
                other.sex_column, other.race_column):
            return False
        if not (np.array_equal(self.codes, other.codes)
                and np.array_equal(self.counts, other.counts)):
            return False
        if self.scores is None or other.scores is None:
            return self.scores is other.scores
        a, b = self.scores, other.scores
        return (np.array_equal(a.edges, b.edges) and np.array_equal(a.counts, b.counts)
                and np.array_equal(a.moments, b.moments) and a.quanta == b.quanta
                and _same_float(a.median, b.median)
                and np.array_equal(a.above_median, b.above_median)
                and a.probabilities == b.probabilities
                and _same_exact(a.exact, b.exact) and _same_ranks(a.ranks, b.ranks))


def _same_exact(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and a.tolist() == b.tolist()


def _same_ranks(a: ScoreRanks | None, b: ScoreRanks | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(np.array_equal(getattr(a, f), getattr(b, f))
               for f in ("cell", "label", "score", "count"))


def _same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@dataclass(frozen=True)
class RowSample:
    """A stratified, seeded sample of rows drawn inside the engine.

    Up to ``per_cell`` rows of every finest cell (all of a smaller cell's rows), or
    ``per_cell[k]`` of cell ``k`` when it is an array of quotas, picked by
    the smallest values of a seeded integer hash of the row's position, so pandas and
    DuckDB draw the same rows. ``cell[i]`` is row ``i``'s finest cell and ``position[i]``
    its 1-based data row; ``cell_rows[k]`` is the size of cell ``k`` in the whole data, so a
    statistic on the sample can be weighted back to the whole.
    """

    frame: pd.DataFrame
    cell: np.ndarray  # (n,) int64
    position: np.ndarray  # (n,) int64
    cell_rows: np.ndarray  # (K,) int64
    per_cell: int | np.ndarray  # one cap for every cell, or (K,) int64 quotas
    seed: int
