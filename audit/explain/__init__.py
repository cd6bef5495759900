"""Explanations: why the model's decisions differ between groups.

The board uploads predictions, not a model, so `explain` fits a *surrogate* (gradient-
boosted trees) to the decisions, or uses a model file uploaded in a safe format
(`load_model`: skops with trusted types, or ONNX; never pickle), and splits every gap
between groups into per-feature SHAP contributions, in percentage points of the favorable
decision (the Fairness page's unit) and in the model's own output. `detect_proxies` names
the features that predict a sensitive attribute itself; `detect_copies` those that copy
the label or the prediction, which are left out (`LeftOut` says what was and why).
`explain_source` explains a sample drawn where the data lives (DuckDB, Spark) and says so
(`DrawnSample`).
"""

from __future__ import annotations

from audit.explain._copies import COPY_AUC, LeftOut, OutcomeCopy, detect_copies
from audit.explain._drawn import DRAWN_ROWS, drawn_note, drawn_rows, explain_source
from audit.explain._explain import choose_columns, explain
from audit.explain._model_io import (
    MAX_MODEL_MB,
    TRUSTED_TYPES,
    LoadedModel,
    import_shap,
    load_model,
    preload,
)
from audit.explain._proxy import (
    MODERATE_PROXY_AUC,
    STRONG_PROXY_AUC,
    ProxyReport,
    ProxyScore,
    detect_proxies,
    strength_of,
)
from audit.explain._result import (
    DRAWN_STATEMENT,
    Contribution,
    DrawnSample,
    Explanations,
    FeatureImportance,
    GapAttribution,
    GroupImportance,
)
from audit.explain._surrogate import Fidelity

__all__ = [
    "COPY_AUC",
    "Contribution",
    "DRAWN_ROWS",
    "DRAWN_STATEMENT",
    "DrawnSample",
    "Explanations",
    "FeatureImportance",
    "Fidelity",
    "GapAttribution",
    "GroupImportance",
    "LeftOut",
    "LoadedModel",
    "MAX_MODEL_MB",
    "MODERATE_PROXY_AUC",
    "OutcomeCopy",
    "ProxyReport",
    "ProxyScore",
    "STRONG_PROXY_AUC",
    "TRUSTED_TYPES",
    "choose_columns",
    "detect_copies",
    "detect_proxies",
    "drawn_note",
    "drawn_rows",
    "explain",
    "explain_source",
    "import_shap",
    "load_model",
    "preload",
    "strength_of",
]
