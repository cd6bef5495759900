"""``python -m audit run --explain`` on census-shaped data: a copy of the label is left out on
its own, a weight on request, and the record and the output say so."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from audit.cli import main
from audit.explain._copies import CHOSEN, COPY_LEFT_OUT, IDENTICAL, OUTCOMES
from audit.explain._explain import NOT_A_FEATURE
from benchmarks.census_twin import write_census

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "audit" / "audit.schema.json").read_text())


@pytest.fixture(scope="module")
def census(tmp_path_factory) -> list[str]:
    people, predictions = write_census(tmp_path_factory.mktemp("census"), rows=3000, seed=1)
    return ["run", "--data", str(people), "--predictions", str(predictions), "--id-column",
            "id", "--label", "y_true", "--prediction", "y_pred", "--score", "score",
            "--sensitive", "sex", "--sensitive", "race", "--favorable", "1",
            "--bootstrap", "50", "--explain", "--explain-sample", "400"]


def test_income_is_left_out_as_a_copy_and_fnlwgt_on_request(census, tmp_path, capsys):
    code = main([*census, "--explain-exclude", "fnlwgt", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code in (0, 1, 3)
    record = json.loads((tmp_path / "audit.json").read_text())
    jsonschema.validate(record, SCHEMA)
    explanations = record["explanations"]
    left = {c["column"]: c for c in explanations["left_out"]}
    assert set(left) == {"income", "fnlwgt"}
    income = COPY_LEFT_OUT["label"].format(column="income", outcome=OUTCOMES["label"],
                                           how=IDENTICAL)
    assert left["income"] == {"column": "income", "reason": "copies_label", "auc": 1.0,
                              "identical": True, "message": income}
    assert left["fnlwgt"]["message"] == CHOSEN.format(column="fnlwgt")
    used = {f["feature"] for f in explanations["global_importance"]}
    assert not used & {"income", "fnlwgt"} and {"relationship", "education_num"} <= used
    assert f"[WHY] {income}\n" in out
    # the gap on the Fairness page, in percentage points of the favorable outcome
    groups = {(g["attribute"], g["group"]): g for g in record["groups"]}
    (women,) = [g for g in explanations["gap_attribution"] if g["group"] == "Female"]
    rates = [groups["sex", s]["metrics"]["selection_rate"]["value"] for s in ("Female", "Male")]
    assert women["group_rate"] == pytest.approx(rates[0], abs=1e-12)
    assert women["observed_gap"] == pytest.approx(rates[0] - rates[1], abs=1e-12)
    assert sum(c["probability"] for c in women["contributions"]) == pytest.approx(
        women["gap_probability"], abs=1e-9)
    assert f"Female get '1' {abs(100 * women['observed_gap']):.1f} percentage points less" in out


def test_a_column_that_is_not_a_feature_is_refused(census, tmp_path, capsys):
    code = main([*census, "--explain-exclude", "nosuch", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    features = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
                "occupation", "relationship", "capital_gain", "capital_loss", "hours_per_week",
                "native_country", "income"]
    assert err == "error: " + NOT_A_FEATURE.format(column="nosuch",
                                                   features=", ".join(features)) + "\n"
