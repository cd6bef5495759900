"""One attribute's groups and the comparisons between them: `AttributeView`.

The view owns an attribute's per-group confusion counts, every rate derived from them and
the reference group. Every comparison of a group against another (`difference`, `ratio`)
and every interval is made here, the way fairlearn's ``DisaggregatedResult`` owns
``.difference()`` and ``.ratio()``: the group tables, the disparity tables, the
adverse-impact tables and the findings all ask the view, so no other module derives a gap
or an interval of its own.

Intervals are computed from the counts, valid at any count (`audit.engine._intervals`):
Clopper-Pearson for a rate, Newcombe's hybrid score interval for a difference, Koopman's
score interval for a ratio, and Bonferroni-simultaneous Newcombe intervals for a max − min
span. The functions taking ``(x, n)`` arrays serve rates that are not confusion rates too
(the scoring rates of NYC Local Law 144).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audit._errors import ColumnError
from audit._words import clip, quoted
from audit.engine._counts import CellCounts, Grouping, rate_parts, rates
from audit.engine._intervals import (
    CLOPPER_PEARSON,
    KOOPMAN,
    NEWCOMBE,
    SpanInterval,
    newcombe,
    rate_interval,
    ratio_interval,
    span_interval,
)
from audit.engine._power import minimum_detectable_difference
from audit.engine._types import Estimate
from audit.inputs import UNKNOWN_REFERENCE, AuditSpec

__all__ = ["UNDER_2_PERCENT", "AttributeView", "difference_estimates", "rate_estimates",
           "ratio_estimates"]

UNDER_2_PERCENT = 0.02


def _estimates(value: np.ndarray, low: np.ndarray, high: np.ndarray,
               method: str) -> list[Estimate]:
    return [Estimate(float(v), float(lo), float(hi), method)
            for v, lo, hi in zip(value, low, high, strict=True)]


def _rates(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, x / np.maximum(n, 1), np.nan)


def rate_estimates(x: np.ndarray, n: np.ndarray, *, confidence: float) -> list[Estimate]:
    """Each group's rate ``x / n`` with its Clopper-Pearson interval (``nan`` when n = 0)."""
    low, high = rate_interval(x, n, confidence=confidence)
    return _estimates(_rates(x, n), low, high, CLOPPER_PEARSON)


def _differences(x: np.ndarray, n: np.ndarray, against: int, confidence: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point, low and high of each rate minus group ``against``'s (last axis: groups)."""
    point = _rates(x, n)
    ref = (x[..., [against]], n[..., [against]])
    low, high = newcombe(x, n, *ref, confidence=confidence)
    return point - point[..., [against]], low, high


def _ratios(x: np.ndarray, n: np.ndarray, against: int, confidence: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point, low and high of each rate over group ``against``'s (last axis: groups)."""
    point = _rates(x, n)
    ref = point[..., [against]]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ref > 0, point / np.where(ref > 0, ref, 1.0), np.nan)
    low, high = ratio_interval(x, n, x[..., [against]], n[..., [against]],
                               confidence=confidence)
    return ratio, low, high


def difference_estimates(x: np.ndarray, n: np.ndarray, against: int, *,
                         confidence: float) -> list[Estimate]:
    """Each group's rate minus group ``against``'s, with Newcombe's interval."""
    return _estimates(*_differences(x, n, against, confidence), NEWCOMBE)


def ratio_estimates(x: np.ndarray, n: np.ndarray, against: int, *,
                    confidence: float) -> list[Estimate]:
    """Each group's rate divided by group ``against``'s, with Koopman's interval; undefined
    (``nan``) when that rate is 0 or a group is empty."""
    return _estimates(*_ratios(x, n, against, confidence), KOOPMAN)


@dataclass(frozen=True)
class AttributeView:
    """One attribute's counts and rates, shared by every table and finding."""

    grouping: Grouping
    counts: np.ndarray  # (G, 4)
    point: dict[str, np.ndarray]  # metric -> (G,)
    reference: int
    confidence: float
    alpha: float = 0.05
    # comparisons already made, by (kind, metric, against): the disparity table and the
    # adverse-impact table often compare the same groups (the reference is the comparator)
    _made: dict[tuple[str, str, int], Any] = field(default_factory=dict, repr=False,
                                                   compare=False)

    @classmethod
    def build(cls, grouping: Grouping, cells: CellCounts, spec: AuditSpec) -> AttributeView:
        """Sum the finest cells into ``grouping``'s groups and choose the reference group.

        The reference is the one ``spec`` names, else the largest known group; between
        groups of equal size, the one selected most, so that ratios to the reference read
        as "x times the rate of" the advantaged group.
        """
        counts = grouping.total(cells.cells)
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
        return cls(grouping=grouping, counts=counts, point=rates(counts), reference=reference,
                   confidence=spec.confidence, alpha=spec.alpha)

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

    def parts(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Each group's numerator and denominator of ``metric``."""
        key = ("parts", metric, -1)
        if key not in self._made:
            self._made[key] = rate_parts(self.counts, metric)
        return self._made[key]  # type: ignore[no-any-return]

    def _stacked(self, metrics: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        parts = [self.parts(m) for m in metrics]
        return (np.array([x for x, _ in parts], dtype=float),
                np.array([n for _, n in parts], dtype=float))

    def _once(self, kind: str, metrics: Sequence[str], against: int,
              make: Callable[[Sequence[str]], dict[str, Any]]) -> dict[str, Any]:
        """``make(missing metrics)`` for the metrics not compared this way before."""
        missing = [m for m in metrics if (kind, m, against) not in self._made]
        if missing:
            for metric, made in make(missing).items():
                self._made[(kind, metric, against)] = made
        return {m: self._made[(kind, m, against)] for m in metrics}

    def rates(self, metrics: Sequence[str]) -> dict[str, list[Estimate]]:
        """Each group's value of each of ``metrics`` with its Clopper-Pearson interval."""
        x, n = self._stacked(metrics)
        low, high = rate_interval(x, n, confidence=self.confidence)
        point = _rates(x, n)
        return {m: _estimates(point[i], low[i], high[i], CLOPPER_PEARSON)
                for i, m in enumerate(metrics)}

    def differences(self, metrics: Sequence[str], against: int | None = None
                    ) -> dict[str, list[Estimate]]:
        """Each group's value minus group ``against``'s (default: the reference), per metric,
        with Newcombe's interval."""
        ref = self.reference if against is None else against

        def make(missing: Sequence[str]) -> dict[str, list[Estimate]]:
            value, low, high = _differences(*self._stacked(missing), ref, self.confidence)
            return {m: _estimates(value[i], low[i], high[i], NEWCOMBE)
                    for i, m in enumerate(missing)}

        return self._once("difference", metrics, ref, make)

    def ratios(self, metrics: Sequence[str], against: int | None = None
               ) -> dict[str, list[Estimate]]:
        """Each group's value over group ``against``'s (default: the reference), per metric,
        with Koopman's interval; undefined (nan) where that rate is 0."""
        ref = self.reference if against is None else against

        def make(missing: Sequence[str]) -> dict[str, list[Estimate]]:
            value, low, high = _ratios(*self._stacked(missing), ref, self.confidence)
            return {m: _estimates(value[i], low[i], high[i], KOOPMAN)
                    for i, m in enumerate(missing)}

        return self._once("ratio", metrics, ref, make)

    def rate(self, metric: str) -> list[Estimate]:
        """Each group's ``metric`` with its Clopper-Pearson interval."""
        return self.rates((metric,))[metric]

    def difference(self, metric: str, against: int | None = None) -> list[Estimate]:
        """Each group's ``metric`` minus group ``against``'s (default: the reference)."""
        return self.differences((metric,), against)[metric]

    def ratio(self, metric: str, against: int | None = None) -> list[Estimate]:
        """Each group's ``metric`` divided by group ``against``'s (default: the reference);
        undefined (nan) when that rate is 0."""
        return self.ratios((metric,), against)[metric]

    def detectable(self, metrics: Sequence[str], against: int | None = None
                   ) -> dict[str, np.ndarray]:
        """Per metric, the smallest difference from group ``against``'s rate (default: the
        reference) that a two-sided test at ``alpha`` detects with 80% power, for each group
        (``nan`` where a group is empty)."""
        ref = self.reference if against is None else against

        def make(missing: Sequence[str]) -> dict[str, np.ndarray]:
            x, n = self._stacked(missing)
            with np.errstate(divide="ignore", invalid="ignore"):
                p_ref = np.where(n[:, [ref]] > 0, x[:, [ref]] / np.maximum(n[:, [ref]], 1),
                                 0.0)
            found = minimum_detectable_difference(n, n[:, [ref]], p_ref, alpha=self.alpha)
            found = np.where(n[:, [ref]] > 0, found, np.nan)
            return {m: found[i] for i, m in enumerate(missing)}

        return self._once("detectable", metrics, ref, make)

    def judged(self, metrics: Sequence[str], minimum: int) -> np.ndarray:
        """Groups that can be judged on every one of ``metrics``: of a known category, with
        at least ``minimum`` people in each rate's denominator."""
        mask = ~self.unknown
        for metric in metrics:
            mask = mask & (self.parts(metric)[1] >= minimum)
        return mask

    def span(self, metrics: Sequence[str], groups: np.ndarray) -> SpanInterval:
        """The simultaneous interval of the largest max − min gap of ``metrics`` over the
        groups in the boolean mask ``groups`` (at least two)."""
        parts = [self.parts(m) for m in metrics]
        xs = np.array([x[groups] for x, _ in parts], dtype=float)
        ns = np.array([n[groups] for _, n in parts], dtype=float)
        return span_interval(xs, ns, confidence=self.confidence)

    def known_share(self) -> np.ndarray:
        """Each category's share of the rows whose category is known (nan for unknown ones)."""
        known = ~self.unknown
        total = int(self.n[known].sum())
        return np.where(known & (total > 0), self.n / max(total, 1), np.nan)

    def excluded_from_ratios(self) -> np.ndarray:
        """Categories left out of impact ratios: unknown, or under 2% of the known rows."""
        with np.errstate(invalid="ignore"):
            return self.unknown | ~(self.known_share() >= UNDER_2_PERCENT)

    def highest_category(self, rate: np.ndarray) -> int:
        """The comparator for impact ratios (NYC LL144): the highest ``rate`` among the
        categories not excluded (known, at least 2% of the data). Without any such category
        it falls back to the known ones, then to all."""
        eligible = ~self.excluded_from_ratios()
        if not eligible.any():
            eligible = ~self.unknown if (~self.unknown).any() else np.ones_like(eligible)
        values = np.where(eligible, np.nan_to_num(rate, nan=-1.0), -np.inf)
        return int(np.argmax(values))
