"""Seeded what-if data made here with numpy: scores with ties, a group without label
positives (race C), a group too small to judge (race D), and the reports on it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from audit import AuditSpec, PreparedData, prepare
from audit.whatif import WhatIfReport, whatif

FAVORABLE = "approved"


def make_frame(rows: int = 2400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male"]), rows)
    race = rng.choice(np.array(["A", "B", "C", "D"]), rows, p=[0.5, 0.36, 0.13, 0.01])
    label = rng.random(rows) < np.where(sex == "female", 0.35, 0.5)
    label[race == "C"] = False  # nobody in C has the favorable label
    score = rng.normal(0.35 + 0.3 * label - 0.05 * (sex == "female"), 0.18)
    score = np.clip(score, 0, 1).round(2)  # about a hundred distinct values: many ties
    return pd.DataFrame({
        "applicant": np.arange(rows),
        "sex": sex,
        "race": race,
        "outcome": np.where(label, FAVORABLE, "denied"),
        "decision": np.where(score >= 0.5, FAVORABLE, "denied"),
        "score": score,
    })


def make_spec(**changes: object) -> AuditSpec:
    # min_denominator=30: the what-if engine still leaves out groups of fewer rows than
    # spec.min_group_size (now min_denominator's former name); these tests were made with 30
    options: dict[str, object] = dict(label="outcome", prediction="decision", score="score",
                                      sensitive=("sex", "race"), favorable=FAVORABLE,
                                      bootstrap=50, min_denominator=30)
    options.update(changes)
    return AuditSpec(**options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def frame_factory() -> Callable[..., pd.DataFrame]:
    """``make_frame(rows=..., seed=...)`` for tests that need other data."""
    return make_frame


@pytest.fixture(scope="session")
def spec_factory() -> Callable[..., AuditSpec]:
    """``make_spec(**changes)``."""
    return make_spec


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    return make_frame()


@pytest.fixture(scope="session")
def spec() -> AuditSpec:
    return make_spec()


@pytest.fixture(scope="session")
def data(frame: pd.DataFrame, spec: AuditSpec) -> PreparedData:
    return prepare(frame, spec, id_column="applicant")


@pytest.fixture(scope="session")
def report_sex(data: PreparedData, spec: AuditSpec) -> WhatIfReport:
    """Two groups, both outcomes in each: fairlearn's options are computed too."""
    return whatif(data, spec, attribute="sex", tolerance=0.02)


@pytest.fixture(scope="session")
def report_race(data: PreparedData, spec: AuditSpec) -> WhatIfReport:
    """C has no label positives (fairlearn cannot run), D is too small to judge."""
    return whatif(data, spec, attribute="race", tolerance=0.05)


@pytest.fixture(scope="session")
def report_intersection(data: PreparedData, spec: AuditSpec) -> WhatIfReport:
    return whatif(data, spec, attribute=spec.attributes[-1], tolerance=0.05, cost_ratio=2.0,
                  randomized=False)


@pytest.fixture(scope="session")
def reports(report_sex: WhatIfReport, report_race: WhatIfReport,
            report_intersection: WhatIfReport) -> tuple[WhatIfReport, ...]:
    return report_sex, report_race, report_intersection
