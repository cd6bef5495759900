"""Engine: from validated arrays to every number and verdict of an audit.

One pass counts the confusion cells of every combination of sensitive values
(`_counts`); each attribute's groups are sums of those cells, held with their
comparisons and intervals in an `AttributeView` (intervals from the counts, valid at any
count: `_intervals`); `run_audit` derives the group metrics, disparities, adverse-impact
tables (NYC LL144: `_ll144`), aggregates (`_aggregates`) and findings with three outcomes
(`_findings`) from them, every p-value corrected once within its family (`_family`).
`audit_inputs` is the whole path from loaded files to an `AuditRun`; `audit_cells` audits
a cell table a source counted where the data lives (``audit.sources``), number for number
as `run_audit` audits the same rows.
"""

from __future__ import annotations

from audit.engine._attribute import AttributeView
from audit.engine._audit import audit_cells, consistency_per_cell, run_audit
from audit.engine._consistency import consistency, consistency_features, consistency_score
from audit.engine._counts import RATE_METRICS, Grouping
from audit.engine._crosscheck import CrossCheck, crosscheck, fairlearn_functions
from audit.engine._explain_run import explain_run, explain_uploads
from audit.engine._intervals import (
    FISHER_FREEMAN_HALTON,
    MONTE_CARLO_DRAWS,
    clopper_pearson,
    homogeneity_test,
    impact_interval,
    judge_interval,
    judge_point,
    newcombe,
    rate_interval,
    ratio_interval,
    span_interval,
    wilson,
)
from audit.engine._pipeline import (
    AuditRun,
    Source,
    SourceRun,
    audit_inputs,
    audit_source,
    audit_uploads,
    column_sources,
)
from audit.engine._scores import SCORE_METRICS
from audit.engine._types import (
    AdverseImpactRow,
    AdverseImpactTable,
    Aggregate,
    AuditResult,
    ConfusionCounts,
    Disparity,
    Estimate,
    Finding,
    GroupMetrics,
    Status,
)

__all__ = [
    "AdverseImpactRow",
    "AdverseImpactTable",
    "Aggregate",
    "AttributeView",
    "AuditResult",
    "AuditRun",
    "ConfusionCounts",
    "CrossCheck",
    "Disparity",
    "Estimate",
    "FISHER_FREEMAN_HALTON",
    "Finding",
    "GroupMetrics",
    "Grouping",
    "MONTE_CARLO_DRAWS",
    "RATE_METRICS",
    "SCORE_METRICS",
    "Source",
    "SourceRun",
    "Status",
    "audit_cells",
    "audit_inputs",
    "audit_source",
    "audit_uploads",
    "clopper_pearson",
    "column_sources",
    "consistency",
    "consistency_features",
    "consistency_per_cell",
    "consistency_score",
    "crosscheck",
    "explain_run",
    "explain_uploads",
    "fairlearn_functions",
    "homogeneity_test",
    "impact_interval",
    "judge_interval",
    "judge_point",
    "newcombe",
    "rate_interval",
    "ratio_interval",
    "run_audit",
    "span_interval",
    "wilson",
]
