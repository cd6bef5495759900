"""Recompute the audit's per-group rates with fairlearn and aif360 and report any difference.

The engine counts confusion cells once and derives every rate from them (fast). This
module recomputes the same numbers through the reference libraries, row by row, so that
a record can carry proof that the fast path agrees with them: fairlearn's ``MetricFrame``
for the rates fairlearn defines, aif360's ``ClassificationMetric`` (each group as the
unprivileged group against the reference) for the predictive values and the pairwise
differences. Undefined rates are compared as undefined: fairlearn reports 0 where a
denominator is empty (sklearn's convention) and we report null; those cells are counted
in ``undefined`` rather than compared.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from audit.engine._aif360 import quiet_import
from audit.engine._types import AuditResult
from audit.inputs import INTERSECTION_SEP, PreparedData

FAIRLEARN_RATES = ("selection_rate", "true_positive_rate", "false_positive_rate",
                   "true_negative_rate", "false_negative_rate", "accuracy", "count")
AIF360_RATES = ("positive_predictive_value", "negative_predictive_value",
                "false_discovery_rate", "false_omission_rate", "base_rate")


@dataclass(frozen=True)
class CrossCheck:
    """The largest absolute difference found against each library, over ``compared`` values."""

    fairlearn_max_abs_difference: float
    aif360_max_abs_difference: float
    compared: int
    undefined: int

    @property
    def agrees(self) -> bool:
        return max(self.fairlearn_max_abs_difference, self.aif360_max_abs_difference) <= 1e-9

    def to_dict(self) -> dict[str, float | int | bool]:
        return {"fairlearn_max_abs_difference": self.fairlearn_max_abs_difference,
                "aif360_max_abs_difference": self.aif360_max_abs_difference,
                "compared": self.compared, "undefined": self.undefined, "agrees": self.agrees}


def _group_labels(data: PreparedData, attribute: str) -> pd.Series:
    names = attribute.split(INTERSECTION_SEP)
    columns = {s.name: s for s in data.sensitive}
    parts = [np.asarray(columns[n].categories, dtype=object)[columns[n].codes] for n in names]
    labels = parts[0]
    for part in parts[1:]:
        labels = labels + INTERSECTION_SEP + part
    return pd.Series(labels, name=attribute)


def fairlearn_functions() -> dict[str, Callable[..., float]]:
    """fairlearn's functions for the rates it defines, on 0/1 arrays with 1 favorable."""
    from fairlearn import metrics as fm
    from sklearn.metrics import accuracy_score

    return {
        "selection_rate": fm.selection_rate,
        "true_positive_rate": partial(fm.true_positive_rate, pos_label=1),
        "false_positive_rate": partial(fm.false_positive_rate, pos_label=1),
        "true_negative_rate": partial(fm.true_negative_rate, pos_label=1),
        "false_negative_rate": partial(fm.false_negative_rate, pos_label=1),
        "accuracy": accuracy_score,
        "count": fm.count,
    }


def fairlearn_rates(data: PreparedData, attribute: str) -> pd.DataFrame:
    """fairlearn's ``MetricFrame.by_group`` for the rates it defines."""
    from fairlearn.metrics import MetricFrame

    frame = MetricFrame(metrics=fairlearn_functions(), y_true=data.y_true.astype(int),
                        y_pred=data.y_pred.astype(int),
                        sensitive_features=_group_labels(data, attribute))
    return frame.by_group


def aif360_pair(data: PreparedData, attribute: str, group: str, reference: str) -> dict[str, float]:
    """aif360's rates for ``group`` (unprivileged) and its differences against ``reference``."""
    datasets = quiet_import("aif360.datasets")
    metrics = quiet_import("aif360.metrics")
    labels = _group_labels(data, attribute).to_numpy()
    keep = (labels == group) | (labels == reference)
    frame = pd.DataFrame({"y": data.y_true[keep].astype(float),
                          "a": (labels[keep] == reference).astype(float)})
    truth = datasets.BinaryLabelDataset(df=frame, label_names=["y"],
                                        protected_attribute_names=["a"],
                                        favorable_label=1.0, unfavorable_label=0.0)
    predicted = truth.copy(deepcopy=True)
    predicted.labels = data.y_pred[keep].astype(float).reshape(-1, 1)
    metric = metrics.ClassificationMetric(truth, predicted, unprivileged_groups=[{"a": 0.0}],
                                          privileged_groups=[{"a": 1.0}])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {name: float(getattr(metric, name)(privileged=False)) for name in AIF360_RATES}
        out.update({
            "statistical_parity_difference": float(metric.statistical_parity_difference()),
            "equal_opportunity_difference": float(metric.equal_opportunity_difference()),
            "average_odds_difference": float(metric.average_odds_difference()),
        })
    return out


def crosscheck(data: PreparedData, result: AuditResult) -> CrossCheck:
    """Compare every per-group rate and aif360 pairwise difference with the libraries."""
    fl_max = aif_max = 0.0
    compared = undefined = 0
    for attribute in result.attributes:
        by_group = fairlearn_rates(data, attribute)
        for g in result.groups_of(attribute):
            for name in FAIRLEARN_RATES:
                ours, theirs = g.metrics[name].value, float(by_group.loc[g.group, name])
                if math.isnan(ours):
                    undefined += 1
                    continue
                fl_max = max(fl_max, abs(ours - theirs))
                compared += 1
        reference = result.references[attribute]
        pairs = {(a.group, a.metric): a.estimate.value for a in result.aggregates
                 if a.attribute == attribute and a.source == "aif360" and a.group}
        for g in result.groups_of(attribute):
            if g.group == reference:
                continue
            reference_values = aif360_pair(data, attribute, g.group, reference)
            engine_values = {name: g.metrics[name].value for name in AIF360_RATES}
            engine_values.update({m: pairs[(g.group, m)] for m in (
                "statistical_parity_difference", "equal_opportunity_difference",
                "average_odds_difference")})
            for name, value in engine_values.items():
                if math.isnan(value) or math.isnan(reference_values[name]):
                    undefined += 1
                    continue
                aif_max = max(aif_max, abs(value - reference_values[name]))
                compared += 1
    return CrossCheck(fl_max, aif_max, compared, undefined)
