"""One attribute's groups and the comparisons between them: `AttributeView`.

The view owns an attribute's per-group confusion counts, their bootstrap replicates, every
rate derived from them and the reference group. Every comparison of a group against
another (`difference`, `ratio`) is made here, the way fairlearn's ``DisaggregatedResult``
owns ``.difference()`` and ``.ratio()``: the disparity tables, the adverse-impact tables
and the findings all ask the view, so no other module derives a gap of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit._errors import ColumnError
from audit._words import clip, quoted
from audit.engine._counts import CellCounts, Grouping, interval, rates
from audit.engine._types import Estimate
from audit.inputs import UNKNOWN_REFERENCE, AuditSpec

__all__ = ["UNDER_2_PERCENT", "AttributeView"]

UNDER_2_PERCENT = 0.02


def _estimate(value: float, low: float, high: float) -> Estimate:
    return Estimate(float(value), float(low), float(high))


@dataclass(frozen=True)
class AttributeView:
    """One attribute's counts, rates and bootstrap replicates, shared by every table."""

    grouping: Grouping
    counts: np.ndarray  # (G, 4)
    boot: np.ndarray  # (B, G, 4)
    point: dict[str, np.ndarray]  # metric -> (G,)
    reps: dict[str, np.ndarray]  # metric -> (B, G)
    reference: int
    confidence: float

    @classmethod
    def build(cls, grouping: Grouping, cells: CellCounts, boot: np.ndarray,
              spec: AuditSpec) -> AttributeView:
        """Sum the finest cells into ``grouping``'s groups and choose the reference group.

        ``boot`` holds the bootstrap replicates of this grouping's counts,
        ``(samples, groups, 4)`` (`bootstrap_groups`).

        The reference is the one ``spec`` names, else the largest known group; between
        groups of equal size, the one selected most, so that ratios to the reference read
        as "x times the rate of" the advantaged group.
        """
        counts = grouping.total(cells.cells)
        boot_counts = boot if boot.shape[0] else np.empty((0, *counts.shape))
        wanted = spec.reference.get(grouping.attribute)
        if wanted is not None:
            if wanted not in grouping.labels:
                raise ColumnError(UNKNOWN_REFERENCE.format(
                    group=clip(wanted), attribute=clip(grouping.attribute),
                    groups=quoted(grouping.labels, limit=20)))
            reference = grouping.labels.index(wanted)
        else:
            sizes = np.where(grouping.unknown, -1, counts.sum(axis=1))
            selected = counts[:, 0] + counts[:, 1]
            reference = int(np.lexsort((-selected, -sizes))[0])
        return cls(grouping=grouping, counts=counts, boot=boot_counts, point=rates(counts),
                   reps=rates(boot_counts), reference=reference, confidence=spec.confidence)

    @property
    def attribute(self) -> str:
        return self.grouping.attribute

    @property
    def labels(self) -> tuple[str, ...]:
        return self.grouping.labels

    @property
    def n(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    @property
    def unknown(self) -> np.ndarray:
        return self.grouping.unknown

    def rate(self, metric: str) -> list[Estimate]:
        """Each group's ``metric`` with its interval."""
        low, high = interval(self.reps[metric], confidence=self.confidence)
        values = self.point[metric]
        return [_estimate(values[g], low[g], high[g]) for g in range(values.shape[0])]

    def difference(self, metric: str, against: int | None = None) -> list[Estimate]:
        """Each group's ``metric`` minus group ``against``'s (default: the reference)."""
        ref = self.reference if against is None else against
        point, reps = self.point[metric], self.reps[metric]
        diff = point - point[ref]
        low, high = interval(reps - reps[:, [ref]], confidence=self.confidence)
        return [_estimate(diff[g], low[g], high[g]) for g in range(point.shape[0])]

    def ratio(self, metric: str, against: int | None = None) -> list[Estimate]:
        """Each group's ``metric`` divided by group ``against``'s (default: the reference);
        undefined (nan) when that rate is 0."""
        ref = self.reference if against is None else against
        point, reps = self.point[metric], self.reps[metric]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(point[ref] > 0, point / point[ref], np.nan)
            ratio_reps = np.where(reps[:, [ref]] > 0, reps / reps[:, [ref]], np.nan)
        low, high = interval(ratio_reps, confidence=self.confidence)
        return [_estimate(ratio[g], low[g], high[g]) for g in range(point.shape[0])]

    def known_share(self) -> np.ndarray:
        """Each category's share of the rows whose category is known (nan for unknown ones)."""
        known = ~self.unknown
        total = int(self.n[known].sum())
        return np.where(known & (total > 0), self.n / max(total, 1), np.nan)

    def highest_category(self, min_group_size: int) -> int:
        """The comparison category for impact ratios: the highest selection rate among the
        categories that can be judged — known, at least 2% of the data (LL144 lets smaller
        ones be excluded) and at least ``min_group_size`` rows — so that a handful of people
        never sets the bar. Without any such category, the rule falls back to known ones,
        and the finding says no verdict."""
        known = ~self.unknown
        with np.errstate(invalid="ignore"):
            eligible = known & (self.known_share() >= UNDER_2_PERCENT) & (
                self.n >= min_group_size)
        if not eligible.any():
            eligible = known if known.any() else np.ones_like(known)
        rates_ = np.where(eligible, np.nan_to_num(self.point["selection_rate"], nan=-1.0),
                          -np.inf)
        return int(np.argmax(rates_))
