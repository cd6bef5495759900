"""Adverse-impact tables as NYC Local Law 144 (6 RCNY §5-301) and the EEOC lay them out.

For each attribute, a **selection-rate** table (the share given the favorable decision)
and, when the model outputs a score, a **scoring-rate** table: the share of a category
scoring strictly above the median score of the whole sample. In each, a category's impact
ratio is its rate over the comparator's, the comparator being the highest-rate category
among those not excluded. Excluded from the ratios, and still reported with their number
of people and rate: unknown categories (counted apart), and categories under 2% of the
data, which carry the auditor's justification. Whenever a sex column and a
race/ethnicity column are both among the sensitive attributes, a sex × race/ethnicity
table is made too, whatever other columns there are.

The point values are the law's; each ratio also carries its Koopman interval, and each
category's comparison with the comparator a test whose p-value belongs to the attribute's
family (`audit.engine._family`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np

from audit.engine._attribute import AttributeView, ratio_estimates
from audit.engine._counts import CellCounts, Grouping
from audit.engine._family import TestFamilies, pair_key
from audit.engine._power import minimum_detectable_difference
from audit.engine._stats import two_proportion_test
from audit.engine._types import AdverseImpactRow, AdverseImpactTable, Estimate
from audit.inputs import INTERSECTION_SEP, AuditSpec
from audit.sources import ScoreTable

NAN = float("nan")
COMPARATOR = "the comparator: 1 by definition"


def scored_above(scores: ScoreTable | None) -> tuple[np.ndarray, float] | None:
    """People scoring strictly above the whole sample's median, per finest cell, and that
    median (exact, from the cell table); ``None`` without a score column."""
    if scores is None or np.isnan(scores.median):
        return None
    return scores.above_median.sum(axis=1).astype(np.int64), float(scores.median)


def sex_race_grouping(cells: CellCounts, sex_column: str | None, race_column: str | None
                      ) -> Grouping | None:
    """The sex × race/ethnicity grouping of the finest cells, when both roles are among the
    sensitive columns and the audit's own intersection is not already exactly that."""
    if sex_column is None or race_column is None or cells.parts is None:
        return None
    names = [s.name for s in cells.sensitive]
    if len(names) == 2 and len(cells.groupings) > 2:
        return None  # the intersection of the two columns is already audited
    sex, race = (cells.sensitive[names.index(c)] for c in (sex_column, race_column))
    sex_parts, race_parts = (cells.parts[names.index(c)] for c in (sex_column, race_column))
    pair = sex_parts * len(race.categories) + race_parts
    present, member = np.unique(pair, return_inverse=True)
    sex_codes, race_codes = np.divmod(present, len(race.categories))
    labels = tuple(f"{sex.categories[a]}{INTERSECTION_SEP}{race.categories[b]}"
                   for a, b in zip(sex_codes, race_codes, strict=True))
    unknown = np.array([sex.categories[a] in sex.unknown or race.categories[b] in race.unknown
                        for a, b in zip(sex_codes, race_codes, strict=True)], dtype=bool)
    return Grouping(attribute=f"{sex.name}{INTERSECTION_SEP}{race.name}", labels=labels,
                    member=member.reshape(-1).astype(np.int64), unknown=unknown)


def impact_table(view: AttributeView, spec: AuditSpec, families: TestFamilies, *,
                 basis: Literal["selection_rate", "scoring_rate"] = "selection_rate",
                 above: np.ndarray | None = None, median: float | None = None,
                 ll144_only: bool = False) -> AdverseImpactTable:
    """One adverse-impact table of ``view``'s attribute, its tests entered in ``families``.

    ``above`` holds the people scoring above ``median`` per group (scoring tables).
    """
    n = view.n
    selected = view.counts[:, 0] + view.counts[:, 1]
    x = selected if above is None else above
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, x / np.maximum(n, 1), np.nan)
    top = view.highest_category(rate)
    excluded = view.excluded_from_ratios()
    shares = view.known_share()
    tested = ~excluded & (np.arange(n.size) != top)
    p_values, tests = two_proportion_test(x, n, np.full(n.shape, x[top]), np.full(n.shape, n[top]))
    if above is None:  # the view's own comparisons: made once for both tables
        ratios = view.ratio("selection_rate", against=top)
        detectable = view.detectable(("selection_rate",), against=top)["selection_rate"]
    else:
        ratios = ratio_estimates(x, n, top, confidence=spec.confidence)
        detectable = (minimum_detectable_difference(n, n[top], rate[top], alpha=spec.alpha)
                      if n[top] > 0 else np.full(n.shape, np.nan))
    minimum = spec.min_denominator
    rows = []
    for g, label in enumerate(view.labels):
        known, under = not view.unknown[g], bool(not view.unknown[g] and excluded[g])
        judged = bool(tested[g] and n[g] >= minimum and n[top] >= minimum)
        if judged:
            families.add(pair_key(view.attribute, basis, label, view.labels[top]), p_values[g])
        if g == top:
            ratio = Estimate(1.0, NAN, NAN, COMPARATOR)
        elif excluded[g]:
            ratio = Estimate(NAN, NAN, NAN)
        else:
            ratio = ratios[g]
        rows.append(AdverseImpactRow(
            category=label, n=int(n[g]), selected=int(selected[g]),
            selection_rate=float(selected[g] / n[g]) if n[g] else NAN,
            impact_ratio=ratio, share=float(shares[g]), under_2_percent=under,
            small=bool(n[g] < minimum), unknown=not known,
            test=tests[g] if tested[g] else "",
            p_value=float(p_values[g]) if tested[g] else NAN,
            scored_above=None if above is None else int(above[g]),
            scoring_rate=None if above is None else float(rate[g]),
            detectable_difference=float(detectable[g]) if judged else NAN,
            justification=spec.under_2_percent_justification if under else "",
        ))
    return AdverseImpactTable(
        attribute=view.attribute, highest_category=view.labels[top], rows=tuple(rows),
        unknown_count=int(n[view.unknown].sum()),
        unknown_categories=tuple(view.labels[g] for g in np.flatnonzero(view.unknown)),
        basis=basis, median_score=median, ll144_only=ll144_only)


def adjust(table: AdverseImpactTable, families: TestFamilies,
           spec: AuditSpec) -> AdverseImpactTable:
    """``table`` with the family-adjusted p-value of each judged row (``nan`` for the rest:
    the comparator, unknown categories, those under 2% or resting on too few people)."""
    top = next(r for r in table.rows if r.category == table.highest_category)
    minimum = spec.min_denominator
    rows = tuple(replace(r, p_adjusted=families.get(pair_key(
        table.attribute, table.basis, r.category, top.category)))
        if r.test and r.n >= minimum and top.n >= minimum else r for r in table.rows)
    return replace(table, rows=rows)
