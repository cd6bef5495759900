"""Uploaded models: safe formats only, and their explanations add up to their own output."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from skl2onnx import to_onnx
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from audit._errors import AuditInputError
from audit.explain import TRUSTED_TYPES, explain, load_model
from audit.explain._explain import PERMUTATION_ROWS, attribute_sample
from audit.explain._model_io import (
    FAVORABLE_NOT_A_CLASS,
    FEATURES_UNKNOWN,
    NOT_BINARY,
    PICKLE_REFUSED,
    SKOPS_UNTRUSTED,
    UNREADABLE,
    UNSUPPORTED_FORMAT,
)
from audit.explain._surrogate import one_thread
from audit.inputs import PreparedData, SensitiveColumn

COLUMNS = ["sex", "income", "tenure", "noise"]


class Doubler(BaseEstimator, TransformerMixin):
    """A custom transformer: a type skops does not trust."""

    def fit(self, X, y=None):  # noqa: N803 (scikit-learn's argument name)
        return self

    def transform(self, X):  # noqa: N803
        return X * 2


@pytest.fixture(scope="module")
def data() -> PreparedData:
    """Numeric inputs (sex as 0/1 in the frame) so a bare estimator can read them."""
    rng = np.random.default_rng(3)
    n = 2000
    sex = rng.choice(2, size=n)
    race = rng.choice(3, size=n, p=[0.2, 0.3, 0.5])
    frame = pd.DataFrame(
        {
            "sex": sex,
            "income": rng.normal(50, 10, n) - 4 * (race == 1),
            "tenure": rng.integers(0, 30, n),
            "noise": rng.normal(size=n),
        }
    )
    margin = 1.2 * sex + 0.1 * (frame["income"] - 50) + 0.05 * frame["tenure"] - 0.8
    y_pred = (margin + rng.normal(0, 0.3, n) > 0).to_numpy()
    return PreparedData(
        frame=frame,
        y_true=y_pred.copy(),
        y_pred=y_pred,
        score=None,
        sensitive=(
            SensitiveColumn("sex", sex, ("female", "male")),
            SensitiveColumn("race", race, ("Asian", "Black", "White")),
        ),
        favorable="1",
        features=("income", "tenure", "noise"),
    )


def check_additive(data: PreparedData, model, output) -> None:
    sample = attribute_sample(data, model=model, sample_size=300)
    explanation = sample.explanation
    total = explanation.values.sum(axis=1) + explanation.base_values
    own = output(data.frame.iloc[sample.rows][COLUMNS].reset_index(drop=True))
    np.testing.assert_allclose(total, own, rtol=0, atol=1e-6)
    np.testing.assert_allclose(sample.output, own, rtol=0, atol=1e-9)
    return sample


def check_gaps(result) -> None:
    assert result.method == "model"
    for gap in result.gap_attribution:
        total = sum(c.contribution for c in gap.contributions)
        assert total == pytest.approx(gap.gap, abs=1e-6)
        assert gap.direct + gap.indirect == pytest.approx(gap.gap, abs=1e-6)


# -- refused uploads -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["model.pkl", "model.PICKLE", "m.joblib", "old.sav"])
def test_pickle_files_are_refused_by_name(name: str) -> None:
    with pytest.raises(AuditInputError) as err:
        load_model(b"anything at all", name=name)
    assert str(err.value) == PICKLE_REFUSED.format(name=name)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_bytes_are_refused_whatever_the_name(protocol: int) -> None:
    payload = pickle.dumps({"not": "loaded"}, protocol=protocol)
    with pytest.raises(AuditInputError) as err:
        load_model(payload, name="model.skops")
    assert str(err.value) == PICKLE_REFUSED.format(name="model.skops")
    assert "arbitrary code" in str(err.value) and "skops.io.dump" in str(err.value)


def test_other_formats_and_unreadable_files_are_refused() -> None:
    with pytest.raises(AuditInputError) as err:
        load_model(b"{}", name="model.json")
    assert str(err.value) == UNSUPPORTED_FORMAT.format(name="model.json")
    with pytest.raises(AuditInputError) as err:
        load_model(b"not a zip", name="model.skops")
    assert str(err.value) == UNREADABLE.format(name="model.skops", format="skops")
    with pytest.raises(AuditInputError) as err:
        load_model(b"not a protobuf", name="model.onnx")
    assert str(err.value) == UNREADABLE.format(name="model.onnx", format="ONNX")


def test_skops_file_with_an_untrusted_type_is_refused(data) -> None:
    model = make_pipeline(Doubler(), LogisticRegression()).fit(data.frame[COLUMNS], data.y_pred)
    with pytest.raises(AuditInputError) as err:
        load_model(sio.dumps(model), name="model.skops")
    assert str(err.value) == SKOPS_UNTRUSTED.format(
        name="model.skops",
        types=f"{Doubler.__module__}.Doubler",
        trusted=", ".join(TRUSTED_TYPES),
    )


def test_a_multiclass_model_is_refused(data) -> None:
    classes = data.sensitive[1].codes
    model = DecisionTreeClassifier(max_depth=2).fit(data.frame[COLUMNS], classes)
    with pytest.raises(AuditInputError) as err:
        load_model(sio.dumps(model), name="race.skops")
    assert str(err.value) == NOT_BINARY.format(name="race.skops", count=3, classes="0, 1, 2")


# -- skops models ----------------------------------------------------------------------


def test_skops_gradient_boosting_is_explained_directly_and_additively(data) -> None:
    fitted = HistGradientBoostingClassifier(max_iter=60, random_state=0)
    with one_thread():  # OpenMP on a busy 2-core machine is slower than one thread
        fitted.fit(data.frame[COLUMNS], data.y_pred)
    model = load_model(sio.dumps(fitted), name="hgb.skops")
    assert (model.explainer, model.output_space, model.feature_names) == (
        "tree",
        "log-odds",
        tuple(COLUMNS),
    )
    with one_thread():
        check_additive(data, model, fitted.decision_function)
    result = explain(data, references={"sex": "male"}, model=model, sample_size=300, proxies=False)
    check_gaps(result)
    female = next(g for g in result.gap_attribution if g.group == "female")
    assert female.contributions[0].feature == "sex" and female.contributions[0].sensitive
    assert female.direct < 0 and female.gap_probability < 0
    assert result.fidelity.agreement > 0.9 and result.fidelity.trustworthy
    assert result.surrogate_rows is None and result.to_dict()["method"] == "model"


def test_skops_logistic_regression_uses_the_linear_explainer(data) -> None:
    fitted = LogisticRegression().fit(data.frame[COLUMNS], data.y_pred)
    model = load_model(sio.dumps(fitted), name="lr.skops")
    assert (model.explainer, model.output_space) == ("linear", "log-odds")
    check_additive(data, model, fitted.decision_function)


def test_skops_forest_is_explained_in_probability(data) -> None:
    fitted = RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0)
    fitted.fit(data.frame[COLUMNS], data.y_pred)
    model = load_model(sio.dumps(fitted), name="rf.skops")
    assert (model.explainer, model.output_space) == ("tree", "probability")
    check_additive(data, model, lambda frame: fitted.predict_proba(frame)[:, 1])


def test_skops_pipeline_with_text_columns_is_explained_by_permutation(data) -> None:
    frame = data.frame.assign(sex=np.where(data.frame["sex"] == 1, "male", "female"))
    encode = make_column_transformer(
        (OneHotEncoder(), ["sex"]), (StandardScaler(), ["income", "tenure", "noise"])
    )
    fitted = make_pipeline(encode, LogisticRegression()).fit(frame[COLUMNS], data.y_pred)
    model = load_model(sio.dumps(fitted), name="pipe.skops")
    assert (model.explainer, model.output_space) == ("permutation", "log-odds")
    text = PreparedData(
        frame=frame,
        y_true=data.y_true,
        y_pred=data.y_pred,
        score=None,
        sensitive=data.sensitive,
        favorable="1",
        features=data.features,
    )
    sample = attribute_sample(text, model=model, sample_size=100)
    own = fitted.decision_function(frame.iloc[sample.rows][COLUMNS])
    total = sample.explanation.values.sum(axis=1) + sample.explanation.base_values
    np.testing.assert_allclose(total, own, rtol=0, atol=1e-6)


def test_the_favorable_value_must_be_a_class_of_the_model(data) -> None:
    fitted = LogisticRegression().fit(data.frame[COLUMNS], np.where(data.y_pred, "yes", "no"))
    model = load_model(sio.dumps(fitted), name="lr.skops")
    with pytest.raises(AuditInputError) as err:
        explain(data, references={}, model=model, sample_size=100, proxies=False)
    assert str(err.value) == FAVORABLE_NOT_A_CLASS.format(
        name="lr.skops", classes=["no", "yes"], favorable="1"
    )


# -- ONNX models -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def logistic(data) -> LogisticRegression:
    return LogisticRegression().fit(data.frame[COLUMNS].to_numpy(np.float32), data.y_pred)


@pytest.mark.parametrize("zipmap", [False, True])
def test_onnx_logistic_regression_is_explained_additively(data, logistic, zipmap) -> None:
    options = {id(logistic): {"zipmap": zipmap}}
    onnx_model = to_onnx(logistic, data.frame[COLUMNS].to_numpy(np.float32)[:1], options=options)
    model = load_model(onnx_model.SerializeToString(), name="lr.onnx", feature_names=COLUMNS)
    assert (model.explainer, model.output_space, model.classes) == (
        "permutation",
        "log-odds",
        ("0", "1"),
    )
    sample = check_additive(data, model, lambda frame: model.output(frame, favorable="1"))
    inputs = data.frame.iloc[sample.rows][COLUMNS].to_numpy(np.float32)
    margin = logistic.decision_function(inputs)
    resolved = np.abs(margin) < 8  # float32 probabilities cannot resolve larger log-odds
    assert resolved.sum() > 100
    np.testing.assert_allclose(sample.output[resolved], margin[resolved], atol=1e-3)
    if not zipmap:
        result = explain(data, references={}, model=model, sample_size=2000, proxies=False)
        assert result.sample_size == PERMUTATION_ROWS  # permutation calls the model per row
        check_gaps(result)
        assert result.output == "log-odds" and result.fidelity.agreement > 0.85


def test_onnx_model_needs_its_column_names(data, logistic) -> None:
    onnx_model = to_onnx(logistic, data.frame[COLUMNS].to_numpy(np.float32)[:1])
    model = load_model(onnx_model.SerializeToString(), name="lr.onnx")
    with pytest.raises(AuditInputError) as err:
        explain(data, references={}, model=model, sample_size=100, proxies=False)
    assert str(err.value) == FEATURES_UNKNOWN.format(name="lr.onnx")
