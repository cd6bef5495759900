"""Views: plotly figures and display tables of a result, and the words that go with them.

``_charts`` draws an audit, ``_explain_charts`` its explanations and ``_whatif_charts``
the what-if analysis (ROC curves, the trade-off chart, options and before/after tables).

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
)
from audit.views._whatif_charts import (
    BY_HAND,
    UPLOADED,
    PointTarget,
    SliderRange,
    criteria_before_after_frame,
    cut_offs_text,
    evaluation_text,
    objective,
    options_frame,
    point_target,
    rates_before_after_frame,
    roc_figure,
    slider_range,
    tradeoff_figure,
)

__all__ = [
    "BY_HAND",
    "METRIC_LABELS",
    "PointTarget",
    "SliderRange",
    "TOO_SMALL",
    "UPLOADED",
    "adverse_impact_frame",
    "chart_metrics",
    "criteria_before_after_frame",
    "cut_offs_text",
    "disparity_figure",
    "evaluation_text",
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
    "objective",
    "options_frame",
    "point_target",
    "proxy_attributes",
    "proxy_figure",
    "proxy_text",
    "rates_before_after_frame",
    "roc_figure",
    "sample_text",
    "slider_range",
    "tradeoff_figure",
    "verdict_frame",
]
