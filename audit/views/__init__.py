"""Views: plotly figures and display tables of a result, and the words that go with them.

Presentation only: every number was computed by the engine; here values are selected,
formatted and drawn, for the dashboard, the PDF or a notebook.
"""

from __future__ import annotations

from audit.views._charts import (
    METRIC_LABELS,
    TOO_SMALL,
    adverse_impact_frame,
    chart_metrics,
    disparity_figure,
    group_metrics_frame,
    group_rates_figure,
    impact_band,
    intersection_heatmap,
    intersection_parts,
    metric_label,
    verdict_frame,
)
from audit.views._explain_charts import (
    fidelity_text,
    gap_groups,
    gap_waterfall,
    group_importance_figure,
    importance_figure,
    method_text,
    proxy_attributes,
    proxy_figure,
    proxy_text,
    sample_text,
    unit_label,
    units_of,
)

__all__ = [
    "METRIC_LABELS",
    "TOO_SMALL",
    "adverse_impact_frame",
    "chart_metrics",
    "disparity_figure",
    "fidelity_text",
    "gap_groups",
    "gap_waterfall",
    "group_importance_figure",
    "group_metrics_frame",
    "group_rates_figure",
    "impact_band",
    "importance_figure",
    "intersection_heatmap",
    "intersection_parts",
    "method_text",
    "metric_label",
    "proxy_attributes",
    "proxy_figure",
    "proxy_text",
    "sample_text",
    "unit_label",
    "units_of",
    "verdict_frame",
]
