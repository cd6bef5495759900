"""Upload as one step over both files: roles guessed over both, the old mapping forgotten
with the old files, a single new dataset clearing an older predictions file, bands for a
numeric sensitive column, and a harm-named label warned about."""

from __future__ import annotations

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from pages._ui.mapping import CLEARED
from pages._ui.widgets import plain
from tests.conftest import open_details, open_page, run_audit, upload


def people(rows: int = 400, seed: int = 3) -> tuple[bytes, bytes]:
    """A dataset (id, sex, race, age, income, y_true) and its predictions file (id, y_pred,
    score), the rows of the second in another order."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "id": np.arange(rows), "sex": rng.choice(["female", "male"], rows),
        "race": rng.choice(["Black", "White"], rows), "age": rng.integers(18, 80, rows),
        "income": rng.integers(10_000, 90_000, rows), "y_true": rng.integers(0, 2, rows)})
    predictions = pd.DataFrame({"id": frame["id"][::-1], "y_pred": rng.integers(0, 2, rows),
                                "score": rng.random(rows).round(4)})
    return (frame.to_csv(index=False).encode(), predictions.to_csv(index=False).encode())


def test_the_second_file_fills_the_id_score_and_prediction(upload_page: AppTest):
    data, predictions = people()
    at = upload(upload_page, "upload_dataset", name="people.csv", data=data)
    assert at.selectbox(key="role_score").value is None
    assert at.selectbox(key="role_prediction").value is None
    at = upload(at, "upload_predictions", name="predictions.csv", data=predictions)
    assert not at.exception
    assert at.selectbox(key="role_id").value == "id"
    assert at.selectbox(key="role_score").value == "score"
    assert at.selectbox(key="role_prediction").value == "y_pred"
    assert at.selectbox(key="role_label").value == "y_true"
    # 0/1: never pre-filled, and the audit waits for it
    assert at.selectbox(key="role_favorable").value is None
    assert at.button(key="run_audit").disabled


def test_a_new_dataset_alone_clears_the_samples_predictions_and_mapping():
    at = open_page("pages/screens/home.py").run()
    at.button(key="try_sample").click().run()
    assert at.session_state["predictions"] is not None
    at.switch_page("pages/screens/upload.py")
    open_details(at, "details_advanced")
    assert at.selectbox(key="role_reference::race").value == "White"  # the sample's

    data = pd.read_csv(pd.io.common.BytesIO(people()[0]))
    data["decision"] = np.where(data["y_true"] == 1, "approved", "denied")
    data["outcome"] = np.where(data["income"] > 40_000, "approved", "denied")
    at = upload(at, "upload_dataset", name="one_file.csv",
                data=data.drop(columns="y_true").to_csv(index=False).encode())
    assert not at.exception
    assert at.session_state["predictions"] is None
    assert at.warning[0].value == CLEARED.format(name=plain("lending_predictions.csv"),
                                                 dataset=plain("one_file.csv"))
    # nothing of the sample's mapping is carried over: references, criteria, meaning
    assert at.selectbox(key="role_reference::race").value is None
    assert at.selectbox(key="role_label").value == "outcome"
    assert at.selectbox(key="role_prediction").value == "decision"
    assert not at.success  # the sample's verdict is not shown under the new file
    assert at.info[-1].value == ("The last audit was of lending\\_applicants.csv and "
                                 "lending\\_predictions.csv. Press Run audit to audit the "
                                 "files above.")
    at.multiselect(key="role_sensitive").set_value(["sex", "race"]).run()
    run_audit(at)
    assert not at.exception and not at.error
    spec = at.session_state["run"].result.spec
    assert spec.reference == {} and spec.outcome_meaning == "approved"


def test_a_numeric_age_is_offered_bands_and_typed_cut_points_are_used(upload_page: AppTest):
    data, predictions = people()
    at = upload(upload_page, "upload_dataset", name="people.csv", data=data)
    at = upload(at, "upload_predictions", name="predictions.csv", data=predictions)
    assert at.multiselect(key="role_sensitive").value == ["sex", "race", "age"]
    assert at.selectbox(key="bands_kind::age").value == "q4"
    at.selectbox(key="bands_kind::age").set_value("cuts").run()
    at.text_input(key="bands_cuts::age").set_value("25, 40, 60").run()
    assert "Bands: 18–24, 25–39, 40–59, 60–79" in [c.value for c in at.caption]
    frame = pd.read_csv(pd.io.common.BytesIO(data))
    bands = pd.cut(frame["age"], [0, 25, 40, 60, 200], right=False,  # pandas' own count
                   labels=["18–24", "25–39", "40–59", "60–79"]).value_counts()
    (line,) = [m.value for m in at.markdown if m.value.startswith("- **sex**")]
    assert line.splitlines()[-1] == "- **age**: 4 groups: " + ", ".join(
        f"{band} ({n:,})" for band, n in bands.items()) + "."  # the group sizes per band
    at.selectbox(key="role_favorable").set_value("1").run()
    at.text_input(key="outcome_meaning").set_value("approved").run()
    run_audit(at)
    assert not at.exception and not at.error
    result = at.session_state["run"].result
    assert [g.group for g in result.groups_of("age")] == ["18–24", "25–39", "40–59", "60–79"]
    young = int(((frame["age"] >= 25) & (frame["age"] < 40)).sum())
    assert result.group("age", "25–39").n == young
    impact = next(f for f in result.findings if f.criterion.metric == "impact_ratio"
                  and f.attribute == "sex")
    assert " approved at " in impact.message and "'1'" not in impact.message.split(" at ")[0]


def test_bad_cut_points_say_so_and_keep_run_disabled(upload_page: AppTest):
    data, predictions = people()
    at = upload(upload_page, "upload_dataset", name="people.csv", data=data)
    at.selectbox(key="bands_kind::age").set_value("cuts").run()
    at.text_input(key="bands_cuts::age").set_value("40, 25").run()
    assert at.error[0].value == plain(
        "The bands for 'age' must be cut points in increasing order (such as 25, 40, 60) or "
        "q2 to q10 for quantile bands, got '40, 25'. Fix: give the cut points as numbers "
        "separated by commas, each larger than the one before.")
    assert at.button(key="run_audit").disabled


def test_a_label_named_like_a_harm_is_warned_about(upload_page: AppTest):
    rows = 60
    frame = pd.DataFrame({"id": range(rows), "race": ["a", "b"] * (rows // 2),
                          "two_year_recid": [0, 1, 1] * (rows // 3),
                          "prediction": [1, 0, 0] * (rows // 3)})
    at = upload(upload_page, "upload_dataset", name="risk.csv",
                data=frame.to_csv(index=False).encode())
    at.selectbox(key="role_label").set_value("two_year_recid").run()
    assert any("The label 'two\\_year\\_recid' is named like a harm ('recid')" in w.value
               for w in at.warning)
    at.selectbox(key="role_favorable").set_value("0").run()
    assert not any("named like a harm" in w.value for w in at.warning)


def test_the_about_page_shows_the_meaning_stated_on_upload():
    at = open_page("pages/screens/home.py").run()
    at.button(key="try_sample").click().run()
    at.switch_page("pages/screens/about.py").run()
    assert not at.exception
    assert at.text_input(key="context::use.outcome_meaning").value == "approved"
    assert at.session_state["context"].use.outcome_meaning == "approved"
