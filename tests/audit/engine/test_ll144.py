"""NYC Local Law 144 (6 RCNY §5-301) on data built by hand (audit/engine/_ll144.py).

The data: 100 people, scores 0.2 (30 people), 0.5 (40) and 0.8 (30); selected when the
score is at least 0.5. Sorted, the 50th and 51st scores are both 0.5, so the median of the
whole sample is 0.5 and "above the median" (strictly greater) means the 30 people at 0.8:
the 40 people tied at 0.5 do not count.

Per (race, sex), the people at 0.8 / 0.5 / 0.2:

    White    Female 10/10/5   Male 4/14/8   Prefer not to answer 0/2/2      55 people
    Black    Female  2/6/7    Male 4/5/6                                    30
    Asian    Female  3/0/1    Male 3/1/0                                     8
    Pacific  Female  1/0/0                                                   1
    Decline to self-identify  Female 3/2/0   Male 0/0/1                      6

Race, known categories (94 people; "Decline to self-identify" is unknown):
    Pacific is 1/94 = 1.06% of the known people: under 2%, no ratio, with a justification.
    Scoring rates: White 14/55 = 0.254545, Black 6/30 = 0.2, Asian 6/8 = 0.75 (the
    comparator: 8 people, which the old 30-row floor refused), Pacific 1/1 (excluded).
    Impact ratios: White 0.254545 / 0.75 = 0.339394, Black 0.2 / 0.75 = 0.266667.
    Selection rates: White 40/55 = 0.727273, Black 17/30 = 0.566667, Asian 7/8 = 0.875
    (the comparator), impact ratios 0.831169 and 0.647619.
Sex (96 known; "Prefer not to answer" is unknown): scoring rates Female 19/50 = 0.38 (the
comparator), Male 11/46 = 0.239130, ratio 0.629291; selection rates Female 37/50 = 0.74,
Male 31/46 = 0.673913, ratio 0.910693.
Sex × race (the table the law asks for; age is a third sensitive column): 90 known people.
    Female × Pacific: 1/90 = 1.1%, under 2%. Scoring rates: F×White 10/25 = 0.4,
    M×White 4/26 = 0.153846, F×Black 2/15 = 0.133333, M×Black 4/15 = 0.266667,
    F×Asian 3/4 = 0.75, M×Asian 3/4 = 0.75 (a tie: the first, Female × Asian, is the
    comparator). Unknown: Prefer × White 4, F × Decline 5, M × Decline 1 = 10 people.
    Selection rates: F×White 20/25 = 0.8, M×White 18/26 = 0.692308, F×Black 8/15,
    M×Black 9/15, F×Asian 3/4, M×Asian 4/4 = 1 (the comparator).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from audit import DEFAULT_UNKNOWN_VALUES, ColumnError
from audit.engine import AdverseImpactTable, AuditResult, run_audit
from audit.inputs import AuditSpec, ll144_roles, prepare
from audit.inputs._prepare import ROLE_NOT_SENSITIVE

PLAN = {  # (race, sex): people at 0.8, 0.5, 0.2
    ("White", "Female"): (10, 10, 5), ("White", "Male"): (4, 14, 8),
    ("White", "Prefer not to answer"): (0, 2, 2),
    ("Black", "Female"): (2, 6, 7), ("Black", "Male"): (4, 5, 6),
    ("Asian", "Female"): (3, 0, 1), ("Asian", "Male"): (3, 1, 0),
    ("Pacific", "Female"): (1, 0, 0),
    ("Decline to self-identify", "Female"): (3, 2, 0),
    ("Decline to self-identify", "Male"): (0, 0, 1),
}
JUSTIFICATION = "Fewer than 2% of applicants: too few for a stable ratio (board minute 12)."


def hand_made() -> pd.DataFrame:
    rows = []
    for (race, sex), counts in PLAN.items():
        for score, count in zip((0.8, 0.5, 0.2), counts, strict=True):
            rows += [(race, sex, "under 40" if len(rows) % 2 else "40 and over", score)] * count
    frame = pd.DataFrame(rows, columns=["race", "sex", "age", "score"])
    frame["selected"] = (frame["score"] >= 0.5).astype(int)
    frame["qualified"] = frame["selected"]
    return frame


def run(**options) -> AuditResult:
    spec = AuditSpec(label="qualified", prediction="selected", score="score", favorable="1",
                     sensitive=("race", "sex", "age"), bootstrap=0,
                     under_2_percent_justification=JUSTIFICATION, **options)
    return run_audit(prepare(hand_made(), spec), spec)


@pytest.fixture(scope="module")
def result() -> AuditResult:
    return run()


def rows(table: AdverseImpactTable | None) -> dict[str, object]:
    assert table is not None
    return {r.category: r for r in table.rows}


def test_the_data_is_as_worked_out():
    frame = hand_made()
    assert len(frame) == 100
    assert frame["score"].median() == 0.5
    assert (frame["score"] > 0.5).sum() == 30 and (frame["score"] == 0.5).sum() == 40


def test_scoring_rates_above_the_whole_samples_median(result):
    table = result.impact_table("race", "scoring_rate")
    assert table is not None and table.basis == "scoring_rate" and table.median_score == 0.5
    race = rows(table)
    assert {c: (r.n, r.scored_above) for c, r in race.items()} == {
        "Asian": (8, 6), "Black": (30, 6), "Decline to self-identify": (6, 3),
        "Pacific": (1, 1), "White": (55, 14)}
    assert race["White"].scoring_rate == pytest.approx(14 / 55)
    assert table.highest_category == "Asian"  # 8 people: no 30-row floor
    assert race["White"].impact_ratio.value == pytest.approx(0.339394, abs=1e-6)
    assert race["Black"].impact_ratio.value == pytest.approx(0.266667, abs=1e-6)
    assert race["Asian"].impact_ratio.value == 1.0
    # every row still carries its selection counts
    assert (race["White"].selected, race["White"].selection_rate) == (40, pytest.approx(40 / 55))


def test_selection_rate_tables_and_their_comparator(result):
    table = result.impact_table("race")
    race = rows(table)
    assert table.basis == "selection_rate" and table.highest_category == "Asian"
    assert race["White"].impact_ratio.value == pytest.approx(0.831169, abs=1e-6)
    assert race["Black"].impact_ratio.value == pytest.approx(0.647619, abs=1e-6)
    sex = rows(result.impact_table("sex", "scoring_rate"))
    assert sex["Male"].impact_ratio.value == pytest.approx(0.629291, abs=1e-6)
    assert rows(result.impact_table("sex"))["Male"].impact_ratio.value == pytest.approx(
        0.910693, abs=1e-6)


def test_categories_under_2_percent_are_reported_with_a_justification(result):
    for basis in ("selection_rate", "scoring_rate"):
        pacific = rows(result.impact_table("race", basis))["Pacific"]
        assert pacific.under_2_percent and pacific.n == 1 and pacific.rate == 1.0
        assert math.isnan(pacific.impact_ratio.value)  # left out of the ratios only
        assert pacific.justification == JUSTIFICATION
        assert pacific.share == pytest.approx(1 / 94)
        assert rows(result.impact_table("race", basis))["White"].justification == ""


def test_unknown_wordings_are_counted_apart(result):
    table = result.impact_table("race")
    assert (table.unknown_count, table.unknown_categories) == (6, ("Decline to self-identify",))
    decline = rows(table)["Decline to self-identify"]
    assert decline.unknown and math.isnan(decline.impact_ratio.value)
    sex = result.impact_table("sex")
    assert (sex.unknown_count, sex.unknown_categories) == (4, ("Prefer not to answer",))
    assert DEFAULT_UNKNOWN_VALUES[:6] == (
        "Unknown", "Not reported", "Prefer not to answer", "Decline to self-identify",
        "Not disclosed", "Choose not to disclose")


def test_the_unknown_wordings_can_be_edited():
    edited = run(unknown_values=("PREFER NOT TO ANSWER",))  # case does not matter
    race = rows(edited.impact_table("race"))
    decline = race["Decline to self-identify"]  # now a category like any other: 6/94
    assert not decline.unknown and decline.impact_ratio.value == pytest.approx(
        (5 / 6) / (7 / 8))
    assert edited.impact_table("sex").unknown_count == 4


def test_a_sex_by_race_table_whatever_other_columns_there_are(result):
    assert (result.sex_column, result.race_column) == ("sex", "race")
    tables = [t for t in result.adverse_impact if t.ll144_only]
    assert [(t.attribute, t.basis) for t in tables] == [("sex × race", "selection_rate"),
                                                        ("sex × race", "scoring_rate")]
    selection, scoring = (rows(t) for t in tables)
    assert tables[1].highest_category == "Female × Asian"  # tied with Male × Asian at 0.75
    assert {c: r.scoring_rate for c, r in scoring.items() if not r.unknown} == {
        "Female × White": 0.4, "Male × White": pytest.approx(4 / 26),
        "Female × Black": pytest.approx(2 / 15), "Male × Black": pytest.approx(4 / 15),
        "Female × Asian": 0.75, "Male × Asian": 0.75, "Female × Pacific": 1.0}
    assert scoring["Male × White"].impact_ratio.value == pytest.approx((4 / 26) / 0.75)
    assert scoring["Female × Pacific"].under_2_percent
    assert tables[0].highest_category == "Male × Asian"
    assert selection["Female × White"].impact_ratio.value == pytest.approx(0.8)
    assert tables[0].unknown_count == tables[1].unknown_count == 10
    # not an audited attribute: no findings, no groups of its own
    assert "sex × race" not in result.spec.attributes
    assert not any(f.attribute == "sex × race" for f in result.findings)


def test_the_roles_are_guessed_by_name_and_can_be_declined_or_named():
    assert ll144_roles(sensitive=("age", "Gender", "ethnicity")) == ("Gender", "ethnicity")
    assert ll144_roles(sensitive=("age", "sex")) == ("sex", None)
    assert not any(t.ll144_only for t in run(sex_column="").adverse_impact)
    named = run(sex_column="age", race_column="race")
    assert [t.attribute for t in named.adverse_impact if t.ll144_only] == ["age × race"] * 2
    with pytest.raises(ColumnError) as error:
        ll144_roles(sensitive=("race", "sex"), sex_column="gender")
    assert str(error.value) == ROLE_NOT_SENSITIVE.format(
        role="sex", column="gender", sensitive="'race', 'sex'")


def test_the_four_fifths_finding_needs_a_comparator_with_enough_people(result):
    race = next(f for f in result.findings
                if f.attribute == "race" and f.criterion.metric == "impact_ratio")
    assert race.status == "not_judged"  # Asian, the comparator, has 8 people (< 10)
    assert race.message.startswith(
        "race: the comparator, Asian (the highest selection rate), rests on 8 people, too few "
        "to judge this rate; the four-fifths rule (impact ratio at least 0.80) is not judged.")
