"""The sweep: counts at every cut-off, ROC curves and operating points, by brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_curve

from audit import AuditSpec, PreparedData, run_audit
from audit.whatif import roc_curves, sweep

TP, FP, TN, FN = range(4)


def brute_counts(score: np.ndarray, y: np.ndarray, cut_off: float) -> list[int]:
    decided = score >= cut_off
    return [int((decided & y).sum()), int((decided & ~y).sum()),
            int((~decided & ~y).sum()), int((~decided & y).sum())]


def rows_of(frame: pd.DataFrame, spec: AuditSpec, attribute: str) -> pd.Series:
    """Each row's group label, built from the columns as a person would."""
    if attribute in spec.sensitive:
        return frame[attribute].astype(str)
    separator = attribute[len(spec.sensitive[0]):-len(spec.sensitive[-1])]
    return frame[list(spec.sensitive)].astype(str).agg(separator.join, axis=1)


@pytest.mark.parametrize("attribute", ["sex", "race", "sex × race"])
def test_counts_at_every_cut_off_equal_a_brute_force_count(data, frame, spec, attribute):
    swept = sweep(data, attribute=attribute)
    groups = rows_of(frame, spec, attribute).to_numpy()
    assert swept.labels == tuple(sorted(set(groups)))
    assert data.score is not None
    for group in swept.groups:
        rows = groups == group.group
        score, y = data.score[rows], data.y_true[rows]
        assert group.cut_offs.tolist() == sorted(set(score.tolist())) + [
            float(np.nextafter(score.max(), np.inf))]
        expected = [brute_counts(score, y, c) for c in group.cut_offs]
        assert group.counts.tolist() == expected
        # any cut-off, not only a candidate, decides as the candidate at or above it
        for cut_off in (-1.0, 0.333, 0.5, 0.505, 2.0):
            assert group.counts_at(cut_off).tolist() == brute_counts(score, y, cut_off)
    everyone = swept.overall
    assert everyone.counts.tolist() == [brute_counts(data.score, data.y_true, c)
                                        for c in everyone.cut_offs]


def test_group_labels_are_the_engines(data, spec):
    result = run_audit(data, spec)
    for attribute in spec.attributes:
        engine = tuple(g.group for g in result.groups_of(attribute))
        assert sweep(data, attribute=attribute).labels == engine


def test_roc_curves_match_sklearn(data, frame):
    curves = roc_curves(data, attribute="race")
    groups = frame["race"].to_numpy()
    assert data.score is not None
    for curve in curves:
        rows = groups == curve.group
        y, score = data.y_true[rows], data.score[rows]
        if not y.any():  # race C: no label positives, the TPR is undefined
            assert np.isnan(curve.true_positive_rate).all()
            assert np.isnan(curve.roc_auc)
            continue
        fpr, tpr, thresholds = roc_curve(y, score, drop_intermediate=False)
        assert curve.false_positive_rate.tolist() == fpr.tolist()
        assert curve.true_positive_rate.tolist() == tpr.tolist()
        assert np.isinf(thresholds[0])  # sklearn's "above everyone"; ours is the next float
        assert curve.thresholds[0] == np.nextafter(score.max(), np.inf)
        assert curve.thresholds[1:].tolist() == thresholds[1:].tolist()


def test_operating_points_are_the_uploaded_decisions(data, frame):
    curves = roc_curves(data, attribute="sex")
    for curve in curves:
        rows = (frame["sex"] == curve.group).to_numpy()
        point = curve.operating_point
        assert [point.tp, point.fp, point.tn, point.fn] == [
            int((data.y_pred & data.y_true)[rows].sum()),
            int((data.y_pred & ~data.y_true)[rows].sum()),
            int((~data.y_pred & ~data.y_true)[rows].sum()),
            int((~data.y_pred & data.y_true)[rows].sum())]
        assert point.selection_rate == data.y_pred[rows].sum() / rows.sum()


def test_sweep_needs_no_model_only_scores(data: PreparedData):
    swept = sweep(data, attribute="sex")
    assert sum(g.n for g in swept.groups) == data.rows == swept.overall.n
