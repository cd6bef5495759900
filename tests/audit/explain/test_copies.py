"""Columns that copy the label or the prediction: found, named, left out; the user's choice.

The data is the explanations' synthetic set (decisions driven by sex and by zip, a proxy for
race) with four columns added: ``income_band`` is the label written as text, ``decision_code``
the decision as 0/1, ``outcome_noted`` the label with 1% of it flipped, and ``fnlwgt`` a
sampling weight that means nothing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from audit._errors import AuditInputError
from audit.explain import COPY_AUC, Explanations, detect_copies, explain, load_model
from audit.explain._copies import (
    CHOSEN,
    COPY_KEPT,
    COPY_LEFT_OUT,
    COPY_MODEL_INPUT,
    IDENTICAL,
    NEAR_COPY,
    OUTCOMES,
)
from audit.explain._explain import NOT_A_FEATURE, NOTHING_LEFT
from audit.explain._surrogate import one_thread
from audit.inputs import PreparedData
from tests.audit.explain.test_explain import REFERENCES, synthetic

SAMPLE = 400


@pytest.fixture(scope="module")
def data() -> PreparedData:
    base = synthetic()
    rng = np.random.default_rng(7)
    flipped = base.y_true ^ (rng.random(base.rows) < 0.01)
    frame = base.frame.assign(
        income_band=np.where(base.y_true, ">50K", "<=50K"),
        decision_code=base.y_pred.astype(int),
        outcome_noted=flipped.astype(int),
        fnlwgt=rng.lognormal(12, 0.5, base.rows).round(),
    )
    features = (*base.features, "income_band", "decision_code", "outcome_noted", "fnlwgt")
    return replace(base, frame=frame, features=features)


@pytest.fixture(scope="module")
def result(data: PreparedData) -> Explanations:
    return explain(data, references=REFERENCES, sample_size=SAMPLE, proxies=False)


def test_the_three_copies_are_found_and_nothing_else(data) -> None:
    found = {(c.column, c.target): c for c in detect_copies(data)}
    assert set(found) == {("income_band", "label"), ("decision_code", "prediction"),
                          ("outcome_noted", "label")}
    assert found["income_band", "label"].identical
    assert found["decision_code", "prediction"].identical
    near = found["outcome_noted", "label"]
    assert not near.identical and COPY_AUC <= near.auc < 1
    # the cross-validated AUC of a 0/1 column is its plain AUC (3,000 rows: every row used)
    plain = roc_auc_score(data.y_true, data.frame["outcome_noted"])
    assert near.auc == pytest.approx(plain, abs=0.005)
    assert near.how == NEAR_COPY.format(auc=near.auc)
    assert found["income_band", "label"].how == IDENTICAL


def test_copies_are_left_out_by_default_and_say_why(data, result) -> None:
    used = {f.feature for f in result.global_importance}
    assert not used & {"income_band", "decision_code", "outcome_noted"}
    assert {"fnlwgt", "income", "zip"} <= used
    copies = {c.column: c for c in result.left_out if c.reason.startswith("copies")}
    assert set(copies) == {"income_band", "decision_code", "outcome_noted"}
    band = copies["income_band"]
    assert band.reason == "copies_label" and band.identical and band.auc == pytest.approx(1.0)
    assert band.message == COPY_LEFT_OUT["label"].format(
        column="income_band", outcome=OUTCOMES["label"],
        how=IDENTICAL)
    assert copies["decision_code"].reason == "copies_prediction"
    assert band.message in result.notes()
    record = result.to_dict()["left_out"]
    assert {"column": "income_band", "reason": "copies_label", "auc": band.auc,
            "identical": True, "message": band.message} in record


def test_the_user_leaves_out_a_weight_and_keeps_a_copy(data, result) -> None:
    chosen = explain(data, references=REFERENCES, sample_size=SAMPLE, proxies=False,
                     leave_out=["fnlwgt"], keep=["outcome_noted"])
    used = {f.feature for f in chosen.global_importance}
    assert "fnlwgt" not in used and "outcome_noted" in used
    assert "income_band" not in used  # the other copies stay out
    fnlwgt = next(c for c in chosen.left_out if c.column == "fnlwgt")
    assert (fnlwgt.reason, fnlwgt.message) == ("chosen", CHOSEN.format(column="fnlwgt"))
    (kept,) = chosen.kept
    assert kept.column == "outcome_noted" and kept.message == COPY_KEPT.format(
        column="outcome_noted", outcome=OUTCOMES["label"],
        how=NEAR_COPY.format(auc=kept.auc))
    assert chosen.to_dict()["kept_copies"][0]["column"] == "outcome_noted"
    # a copy kept in takes over the explanation: that is why it is left out by default
    noted = next(f for f in chosen.global_importance if f.feature == "outcome_noted")
    assert noted.mean_abs_shap > 0


@pytest.mark.parametrize("option", ["leave_out", "keep"])
def test_a_column_that_is_not_a_feature_is_refused(data, option) -> None:
    with pytest.raises(AuditInputError) as err:
        explain(data, references={}, sample_size=SAMPLE, proxies=False, **{option: ["sex"]})
    assert str(err.value) == NOT_A_FEATURE.format(column="sex",
                                                  features=", ".join(data.features))


def test_leaving_out_every_column_is_refused(data) -> None:
    with pytest.raises(AuditInputError) as err:
        explain(data, references={}, sample_size=SAMPLE, proxies=False,
                leave_out=list(data.features))
    assert str(err.value) == NOTHING_LEFT.format(columns=", ".join(data.features))


def test_an_uploaded_model_keeps_its_inputs_and_says_one_copies_the_decision(data) -> None:
    inputs = ["income", "noise", "decision_code"]
    fitted = HistGradientBoostingClassifier(max_iter=30, random_state=0)
    with one_thread():
        fitted.fit(data.frame[inputs], data.y_pred)
    model = load_model(sio.dumps(fitted), name="leaky.skops")
    with one_thread():
        found = explain(data, references=REFERENCES, model=model, sample_size=200,
                        proxies=False, leave_out=["noise"])
    assert {f.feature for f in found.global_importance} == set(inputs)
    (kept,) = [c for c in found.kept if c.column == "decision_code"]
    assert kept.message == COPY_MODEL_INPUT.format(
        column="decision_code", outcome=OUTCOMES["prediction"],
        how=IDENTICAL)
    left = {c.column for c in found.left_out}
    assert "noise" not in left and {"income_band", "outcome_noted"} <= left
