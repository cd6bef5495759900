"""Explanations: why the model's decisions differ between groups.

The board uploads predictions, not a model, so `explain` fits a *surrogate* (gradient-
boosted trees) to the decisions, or uses a model file uploaded in a safe format
(`load_model`: skops with trusted types, or ONNX; never pickle), and splits every gap
between groups into per-feature SHAP contributions. `detect_proxies` names the features
that predict a sensitive attribute itself.
"""

from __future__ import annotations

from audit.explain._explain import (
    Contribution,
    Explanations,
    FeatureImportance,
    GapAttribution,
    GroupImportance,
    explain,
)
from audit.explain._model_io import (
    MAX_MODEL_MB,
    TRUSTED_TYPES,
    LoadedModel,
    import_shap,
    load_model,
)
from audit.explain._proxy import (
    MODERATE_PROXY_AUC,
    STRONG_PROXY_AUC,
    ProxyReport,
    ProxyScore,
    detect_proxies,
    strength_of,
)
from audit.explain._surrogate import Fidelity

__all__ = [
    "Contribution",
    "Explanations",
    "FeatureImportance",
    "Fidelity",
    "GapAttribution",
    "GroupImportance",
    "LoadedModel",
    "MAX_MODEL_MB",
    "MODERATE_PROXY_AUC",
    "ProxyReport",
    "ProxyScore",
    "STRONG_PROXY_AUC",
    "TRUSTED_TYPES",
    "detect_proxies",
    "explain",
    "import_shap",
    "load_model",
    "strength_of",
]
