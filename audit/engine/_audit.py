"""``run_audit``: group metrics, disparities, adverse impact, aggregates and findings."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from audit._words import listed
from audit.engine._aggregates import aggregates
from audit.engine._attribute import UNDER_2_PERCENT, AttributeView
from audit.engine._counts import RATE_METRICS, bootstrap_groups, count_cells, rate_parts
from audit.engine._findings import findings
from audit.engine._scores import score_metrics
from audit.engine._stats import holm, two_proportion_test
from audit.engine._types import (
    AdverseImpactRow,
    AdverseImpactTable,
    AuditResult,
    ConfusionCounts,
    Disparity,
    Estimate,
    GroupMetrics,
)
from audit.inputs import AuditSpec, PreparedData

SMALL_GROUP_WARNING = (
    "{count} group(s) have fewer than {minimum} rows and are marked too small to judge: {groups}."
)


def run_audit(data: PreparedData, spec: AuditSpec) -> AuditResult:
    """Audit the model's decisions in ``data`` as ``spec`` says.

    Parameters
    ----------
    data : PreparedData
        Validated arrays from `prepare`.
    spec : AuditSpec
        Options: references, criteria, minimum group size, bootstrap samples, seed.

    Returns
    -------
    AuditResult
        Every number the dashboard, the JSON record and the PDF show.

    Examples
    --------
    >>> result = run_audit(prepare(frame, spec), spec)  # doctest: +SKIP
    >>> result.group("sex", "female").metrics["selection_rate"].value  # doctest: +SKIP
    0.3125
    """
    cells = count_cells(data, intersections=spec.intersections,
                        max_intersection_cells=spec.max_intersection_cells)
    boot = bootstrap_groups(cells, samples=spec.bootstrap, seed=spec.seed)
    views = [AttributeView.build(g, cells, reps, spec)
             for g, reps in zip(cells.groupings, boot.groups, strict=True)]

    groups = tuple(gm for v in views for gm in _group_metrics(v, spec))
    scored = score_metrics(data, cells, spec) if data.score is not None else {}
    if scored:
        groups = tuple(_with_scores(g, scored) for g in groups)
    disparities = [d for v in views for d in _disparities(v, spec)]
    impact = [_adverse_impact(v, spec) for v in views]
    disparities, impact = _correct(disparities, impact, spec)

    small = [f"{g.attribute}={g.group}" for g in groups if g.small]
    warnings: tuple[str, ...] = cells.warnings
    if small:
        warnings += (SMALL_GROUP_WARNING.format(
            count=len(small), minimum=spec.min_group_size, groups=listed(small)),)
    aggregate_list = aggregates(data, views, boot.total, spec)
    result_findings = findings(views, impact, spec, data.favorable)
    return AuditResult(
        spec=spec,
        favorable=data.favorable,
        rows=data.rows,
        groups=groups,
        disparities=tuple(disparities),
        adverse_impact=tuple(impact),
        aggregates=aggregate_list,
        findings=result_findings,
        references={v.grouping.attribute: v.grouping.labels[v.reference] for v in views},
        warnings=warnings,
        bootstrap_samples=boot.samples,
    )


def _group_metrics(view: AttributeView, spec: AuditSpec) -> list[GroupMetrics]:
    estimates = {m: view.rate(m) for m in RATE_METRICS}
    out = []
    for g, label in enumerate(view.grouping.labels):
        tp, fp, tn, fn = (int(c) for c in view.counts[g])
        n = tp + fp + tn + fn
        metrics = {m: estimates[m][g] for m in RATE_METRICS}
        metrics["count"] = Estimate(float(n), float("nan"), float("nan"))
        out.append(GroupMetrics(
            attribute=view.grouping.attribute, group=label, n=n,
            counts=ConfusionCounts(tp=tp, fp=fp, tn=tn, fn=fn), metrics=metrics,
            small=n < spec.min_group_size, unknown=bool(view.grouping.unknown[g]),
            parts=view.grouping.parts[g] if len(view.grouping.columns) > 1 else (),
        ))
    return out


def _with_scores(group: GroupMetrics, scored: dict[tuple[str, str], dict[str, Estimate]]
                 ) -> GroupMetrics:
    extra = scored.get((group.attribute, group.group), {})
    return replace(group, metrics={**group.metrics, **extra})


def _disparities(view: AttributeView, spec: AuditSpec) -> list[Disparity]:
    ref = view.reference
    others = [g for g in range(len(view.grouping.labels)) if g != ref]
    out = []
    for metric in RATE_METRICS:
        differences, ratios = view.difference(metric), view.ratio(metric)
        num, den = rate_parts(view.counts, metric)
        p_values, tests = two_proportion_test(num[others], den[others],
                                              np.full(len(others), num[ref]),
                                              np.full(len(others), den[ref]))
        for i, g in enumerate(others):
            out.append(Disparity(
                attribute=view.grouping.attribute, group=view.grouping.labels[g],
                reference=view.grouping.labels[ref], metric=metric,
                difference=differences[g], ratio=ratios[g], test=tests[i],
                p_value=float(p_values[i]), p_adjusted=float("nan"), significant=False,
                small=bool(view.n[g] < spec.min_group_size or view.n[ref] < spec.min_group_size),
                unknown=bool(view.grouping.unknown[g] or view.grouping.unknown[ref]),
            ))
    return out


def _adverse_impact(view: AttributeView, spec: AuditSpec) -> AdverseImpactTable:
    top = view.highest_category(spec.min_group_size)
    known = ~view.grouping.unknown
    shares = view.known_share()
    ratios = view.ratio("selection_rate", against=top)
    selected, n = rate_parts(view.counts, "selection_rate")
    p_values, tests = two_proportion_test(selected, n, np.full(n.shape, selected[top]),
                                          np.full(n.shape, n[top]))
    rows = []
    for g, label in enumerate(view.grouping.labels):
        share = float(shares[g])
        rows.append(AdverseImpactRow(
            category=label, n=int(view.n[g]), selected=int(selected[g]),
            selection_rate=float(view.point["selection_rate"][g]),
            impact_ratio=ratios[g] if known[g] else Estimate(*(float("nan"),) * 3),
            share=share, under_2_percent=bool(known[g] and share < UNDER_2_PERCENT),
            small=bool(view.n[g] < spec.min_group_size), unknown=not known[g],
            test=tests[g] if g != top and known[g] else "",
            p_value=float(p_values[g]) if g != top and known[g] else float("nan"),
        ))
    unknown_labels = tuple(view.grouping.labels[g] for g in np.flatnonzero(~known))
    return AdverseImpactTable(
        attribute=view.grouping.attribute, highest_category=view.grouping.labels[top],
        rows=tuple(rows), unknown_count=int(view.n[~known].sum()),
        unknown_categories=unknown_labels,
    )


# A rate and its complement (TPR and FNR, ...) have the same test: it is counted once.
COMPLEMENT_OF = {"false_negative_rate": "true_positive_rate",
                 "true_negative_rate": "false_positive_rate",
                 "false_discovery_rate": "positive_predictive_value",
                 "false_omission_rate": "negative_predictive_value"}
# base_rate compares the labels, not the model's decisions: reported, not in the family
NOT_TESTED_FOR_THE_MODEL = {"base_rate"}


def _correct(disparities: list[Disparity], impact: list[AdverseImpactTable], spec: AuditSpec
             ) -> tuple[list[Disparity], list[AdverseImpactTable]]:
    """Holm-correct the audit's p-values as one family of distinct tests of the model.

    The family holds each comparison of a judged group (known, large enough) once per
    distinct test: a complement shares its rate's adjusted p-value, and comparisons of
    the labels (``base_rate``), of unknown or small groups, and of categories under 2% of
    the data keep their raw p-value with no adjusted one (``nan``, not significant).
    """
    def in_family(d: Disparity) -> bool:
        return not (d.small or d.unknown or d.metric in COMPLEMENT_OF
                    or d.metric in NOT_TESTED_FOR_THE_MODEL)

    rows = [r for t in impact for r in t.rows]
    family_d = [i for i, d in enumerate(disparities) if in_family(d)]
    family_r = [i for i, r in enumerate(rows)
                if not (r.small or r.unknown or r.under_2_percent)]
    raw = np.array([disparities[i].p_value for i in family_d]
                   + [rows[i].p_value for i in family_r], dtype=float)
    adjusted = holm(raw)
    by_disparity = dict(zip(family_d, adjusted[:len(family_d)], strict=True))
    by_row = dict(zip(family_r, adjusted[len(family_d):], strict=True))
    tested = {(d.attribute, d.group, d.metric): by_disparity[i]
              for i, d in enumerate(disparities) if i in by_disparity}
    fixed = []
    for i, d in enumerate(disparities):
        if i in by_disparity:
            p = float(by_disparity[i])
        elif d.metric in COMPLEMENT_OF and not (d.small or d.unknown):
            p = float(tested.get((d.attribute, d.group, COMPLEMENT_OF[d.metric]), np.nan))
        else:
            p = float("nan")
        fixed.append(replace(d, p_adjusted=p, significant=bool(p < spec.alpha)))
    tables, i = [], 0
    for table in impact:
        adjusted_rows = []
        for row in table.rows:
            adjusted_rows.append(replace(row, p_adjusted=float(by_row.get(i, np.nan))))
            i += 1
        tables.append(replace(table, rows=tuple(adjusted_rows)))
    return fixed, tables
