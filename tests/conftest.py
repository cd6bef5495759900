"""Fixtures shared by the dashboard tests (tests/pages, tests/e2e): the sample files and
the engine's own answer for them, to compare with what the pages show."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit._load import read_csv
from audit._pipeline import AuditRun, audit_inputs
from audit._types import AuditInput

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATASET = ROOT / "sample_data" / "lending_applicants.csv"
SAMPLE_PREDICTIONS = ROOT / "sample_data" / "lending_predictions.csv"
HIRING = ROOT / "sample_data" / "hiring.csv"


def read_sample(path: Path) -> AuditInput:
    return read_csv(path.read_bytes(), name=path.name)


@pytest.fixture(scope="session")
def sample_inputs() -> tuple[AuditInput, AuditInput]:
    return read_sample(SAMPLE_DATASET), read_sample(SAMPLE_PREDICTIONS)


@pytest.fixture(scope="session")
def sample_run(sample_inputs: tuple[AuditInput, AuditInput]) -> AuditRun:
    """The engine's audit of the lending sample with the Home page's mapping."""
    from pages._ui.actions import SAMPLE_ID_COLUMN, sample_spec

    dataset, predictions = sample_inputs
    return audit_inputs(dataset=dataset, predictions=predictions, spec=sample_spec(),
                        id_column=SAMPLE_ID_COLUMN)


@pytest.fixture(autouse=True)
def private_history(tmp_path_factory, monkeypatch) -> None:
    """Every test gets its own empty audit history; nothing lands in the user's data dir."""
    folder = tmp_path_factory.mktemp("history")
    monkeypatch.setenv("AUDIT_DB_URL", f"sqlite:///{folder / 'history.sqlite3'}")
