"""``run_audit``: group metrics, disparities, adverse impact, aggregates and findings."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from audit._words import listed
from audit.engine._aggregates import aggregates
from audit.engine._attribute import AttributeView
from audit.engine._consistency import consistency, consistency_of, sample_per_cell
from audit.engine._counts import (
    RATE_METRICS,
    CellCounts,
    bootstrap_groups,
    cells_from_table,
    count_cells,
)
from audit.engine._family import TEST_FAMILY, TestFamilies, pair_key
from audit.engine._findings import draft_findings
from audit.engine._ll144 import adjust, impact_table, scored_above, sex_race_grouping
from audit.engine._scores import score_metrics
from audit.engine._stats import two_proportion_test
from audit.engine._types import (
    AdverseImpactTable,
    AuditResult,
    ConfusionCounts,
    Disparity,
    Estimate,
    GroupMetrics,
)
from audit.inputs import AuditSpec, PreparedData, SensitiveColumn
from audit.sources import CellTable, RowSample, ScoreTable, scores_from_rows, text_of

SMALL_GROUP_WARNING = (
    "{count} group(s) have fewer than {minimum} people, too few to judge their selection "
    "rates: {groups}."
)

# A rate and its complement (TPR and FNR, ...) have the same test: it is counted once.
COMPLEMENT_OF = {"false_negative_rate": "true_positive_rate",
                 "true_negative_rate": "false_positive_rate",
                 "false_discovery_rate": "positive_predictive_value",
                 "false_omission_rate": "negative_predictive_value"}
# base_rate compares the labels, not the model's decisions: reported, not in the family
NOT_TESTED_FOR_THE_MODEL = {"base_rate"}


def run_audit(data: PreparedData, spec: AuditSpec) -> AuditResult:
    """Audit the model's decisions in ``data`` as ``spec`` says.

    The rows are reduced to the cell table every source gives (confusion counts per finest
    cell and the score facts: `audit.sources.scores_from_rows`), and the audit runs on it,
    as `audit_cells` does for a table counted where the data lives; consistency runs on
    the stratified sample every source draws.

    Parameters
    ----------
    data : PreparedData
        Validated arrays from `prepare`.
    spec : AuditSpec
        Options: references, criteria, judgement rule, minimum denominator, bootstrap
        samples (for the aggregates), seed.

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
    # consistency is a nearest-neighbour search in numpy, which lets go of the interpreter
    # while it works: on a second thread it overlaps the rest of the audit (0.9 s -> 0.6 s
    # on the census twin with three attributes, 2 cores); the value is the same
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="consistency") as pool:
        consistent = pool.submit(consistency, data, spec, cells.row_cell)
        scores = (scores_from_rows(data.score, data.y_true, cells.row_cell,
                                   cells.cells.shape[0])
                  if data.score is not None and data.rows else None)
        return _audit(cells, spec, favorable=data.favorable, scores=scores,
                      consistent=consistent, sex_column=data.sex_column,
                      race_column=data.race_column,
                      bands={c.name: (c.cuts, c.categories) for c in data.sensitive
                             if c.cuts is not None})


def audit_cells(table: CellTable, spec: AuditSpec, *, sample: RowSample | None = None,
                id_column: str | None = None) -> AuditResult:
    """Audit from a cell table counted by a source (pandas, DuckDB, Spark): the same
    `AuditResult`, number for number, as `run_audit` on the same rows.

    Parameters
    ----------
    table : audit.sources.CellTable
        Confusion counts per finest cell and score facts (``source.cell_table(spec)``).
    spec : AuditSpec
        The spec the table was counted for.
    sample : audit.sources.RowSample, optional
        The stratified sample for consistency, drawn with ``per_cell`` =
        `consistency_per_cell` ``(table)`` and ``seed = spec.seed``; without it, no
        consistency.
    id_column : str, optional
        The id column, left out of the features with the role columns.
    """
    sensitive = tuple(SensitiveColumn(name=a.name, codes=np.zeros(0, dtype=np.int64),
                                      categories=a.categories, unknown=a.unknown)
                      for a in table.attributes)
    cells = cells_from_table(sensitive, table.codes, table.counts,
                             intersections=spec.intersections,
                             max_intersection_cells=spec.max_intersection_cells)
    consistent: tuple[float, int, int] = (float("nan"), 0, 0)
    if sample is not None and table.rows >= 10:
        roles = {spec.label, spec.prediction, *spec.sensitive,
                 *([spec.score] if spec.score else []), *([id_column] if id_column else [])}
        features = tuple(str(c) for c in sample.frame.columns if c not in roles)
        order = np.argsort(sample.position, kind="stable")
        frame = sample.frame.iloc[order].reset_index(drop=True)
        decisions = np.array([text_of(v) == table.favorable
                              for v in frame[spec.prediction].tolist()], dtype=float)
        value = consistency_of(frame, features, decisions)
        if not np.isnan(value):
            consistent = (value, len(frame), int(np.max(sample.per_cell)))
    return _audit(cells, spec, favorable=table.favorable, scores=table.scores,
                  consistent=consistent, sex_column=table.sex_column,
                  race_column=table.race_column)


def consistency_per_cell(table: CellTable) -> int:
    """The rows per finest cell of the sample `audit_cells` measures consistency on."""
    return sample_per_cell(table.counts.sum(axis=1))


def _audit(cells: CellCounts, spec: AuditSpec, *, favorable: str, scores: ScoreTable | None,
           consistent: tuple[float, int, int] | Future[tuple[float, int, int]],
           sex_column: str | None,
           race_column: str | None,
           bands: Mapping[str, tuple[tuple[float, ...], tuple[str, ...]]] | None = None
           ) -> AuditResult:
    views = [AttributeView.build(g, cells, spec) for g in cells.groupings]
    families = TestFamilies(spec.sensitive)

    groups = tuple(gm for v in views for gm in _group_metrics(v, spec))
    scored = score_metrics(cells, scores, spec) if scores is not None else {}
    if scored:
        groups = tuple(replace(g, metrics={**g.metrics, **scored.get((g.attribute, g.group), {})})
                       for g in groups)
    disparities = [d for v in views for d in _disparities(v, spec, families)]
    tables = _adverse_impact(views, cells, spec, families, scores=scores,
                             sex_column=sex_column, race_column=race_column)
    drafts = draft_findings(views, {t.attribute: t for t in tables
                                    if t.basis == "selection_rate" and not t.ll144_only},
                            spec, favorable, families)
    disparities = [_adjusted(d, families, spec) for d in disparities]
    tables = [adjust(t, families, spec) for t in tables]
    result_findings = tuple(draft(families) for draft in drafts)

    small = [f"{g.attribute}={g.group}" for g in groups if g.small and not g.unknown]
    warnings: tuple[str, ...] = cells.warnings
    if small:
        warnings += (SMALL_GROUP_WARNING.format(
            count=len(small), minimum=spec.min_denominator, groups=listed(small)),)
    boot = bootstrap_groups(cells, samples=spec.bootstrap, seed=spec.seed)
    aggregate_list = aggregates(boot, spec, views, disparities,
                                consistent.result() if isinstance(consistent, Future)
                                else consistent)
    return AuditResult(
        spec=spec,
        favorable=favorable,
        rows=cells.rows,
        groups=groups,
        disparities=tuple(disparities),
        adverse_impact=tuple(tables),
        aggregates=aggregate_list,
        findings=result_findings,
        references={v.attribute: v.labels[v.reference] for v in views},
        warnings=warnings,
        bootstrap_samples=boot.samples,
        test_family=TEST_FAMILY,
        sex_column=sex_column,
        race_column=race_column,
        bands=bands or {},
    )


def _group_metrics(view: AttributeView, spec: AuditSpec) -> list[GroupMetrics]:
    estimates = view.rates(RATE_METRICS)
    denominators = {m: view.parts(m)[1] for m in RATE_METRICS}
    out = []
    for g, label in enumerate(view.labels):
        tp, fp, tn, fn = (int(c) for c in view.counts[g])
        n = tp + fp + tn + fn
        metrics = {m: estimates[m][g] for m in RATE_METRICS}
        metrics["count"] = Estimate(float(n), float("nan"), float("nan"))
        out.append(GroupMetrics(
            attribute=view.attribute, group=label, n=n,
            counts=ConfusionCounts(tp=tp, fp=fp, tn=tn, fn=fn), metrics=metrics,
            small=n < spec.min_denominator, unknown=bool(view.unknown[g]),
            denominators={m: int(denominators[m][g]) for m in RATE_METRICS},
            parts=view.grouping.parts[g] if len(view.grouping.columns) > 1 else (),
        ))
    return out


def _disparities(view: AttributeView, spec: AuditSpec,
                 families: TestFamilies) -> list[Disparity]:
    """Every group against the reference on every rate, its test entered in ``families``
    when both groups can be judged on that rate."""
    ref = view.reference
    others = [g for g in range(len(view.labels)) if g != ref]
    out = []
    all_differences, all_ratios = view.differences(RATE_METRICS), view.ratios(RATE_METRICS)
    all_detectable = view.detectable(RATE_METRICS)
    num, den = (np.array(part) for part in zip(*(view.parts(m) for m in RATE_METRICS),
                                                strict=True))  # (metrics, groups)
    all_p, all_tests = two_proportion_test(num[:, others], den[:, others], num[:, [ref]],
                                           den[:, [ref]])
    for k, metric in enumerate(RATE_METRICS):
        differences, ratios = all_differences[metric], all_ratios[metric]
        den = view.parts(metric)[1]
        p_values = all_p[k]
        tests = all_tests[k * len(others):(k + 1) * len(others)]
        detectable = all_detectable[metric]
        for i, g in enumerate(others):
            small = bool(den[g] < spec.min_denominator or den[ref] < spec.min_denominator)
            unknown = bool(view.unknown[g] or view.unknown[ref])
            judged = not (small or unknown or metric in NOT_TESTED_FOR_THE_MODEL)
            if judged:
                families.add(pair_key(view.attribute, COMPLEMENT_OF.get(metric, metric),
                                      view.labels[g], view.labels[ref]), p_values[i])
            out.append(Disparity(
                attribute=view.attribute, group=view.labels[g], reference=view.labels[ref],
                metric=metric, difference=differences[g], ratio=ratios[g], test=tests[i],
                p_value=float(p_values[i]), p_adjusted=float("nan"), significant=False,
                small=small, unknown=unknown,
                detectable_difference=float(detectable[g]) if judged else float("nan"),
            ))
    return out


def _adjusted(d: Disparity, families: TestFamilies, spec: AuditSpec) -> Disparity:
    if d.small or d.unknown or d.metric in NOT_TESTED_FOR_THE_MODEL:
        return d
    p = families.get(pair_key(d.attribute, COMPLEMENT_OF.get(d.metric, d.metric), d.group,
                              d.reference))
    return replace(d, p_adjusted=p, significant=bool(p < spec.alpha))


def _adverse_impact(views: list[AttributeView], cells: CellCounts, spec: AuditSpec,
                    families: TestFamilies, *, scores: ScoreTable | None,
                    sex_column: str | None, race_column: str | None
                    ) -> list[AdverseImpactTable]:
    """Per attribute a selection-rate table and, with a score, a scoring-rate table; then
    the NYC LL144 sex × race/ethnicity tables when that intersection is not audited."""
    scoring = scored_above(scores)
    extra = sex_race_grouping(cells, sex_column, race_column)
    plan = [(v, False) for v in views]
    if extra is not None:
        plan.append((AttributeView.build(extra, cells, spec), True))
    tables = []
    for view, ll144_only in plan:
        tables.append(impact_table(view, spec, families, ll144_only=ll144_only))
        if scoring is not None:
            above, median = scoring
            tables.append(impact_table(
                view, spec, families, basis="scoring_rate", median=median,
                above=np.bincount(view.grouping.member, weights=above,
                                  minlength=len(view.labels)).astype(np.int64),
                ll144_only=ll144_only))
    return tables
