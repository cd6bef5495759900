"""Fixtures shared by the dashboard tests (tests/pages, tests/e2e): the sample files and
the engine's own answer for them, to compare with what the pages show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from audit.engine import AuditRun, audit_inputs
from audit.inputs import AuditInput, read_csv

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATASET = ROOT / "sample_data" / "lending_applicants.csv"
SAMPLE_PREDICTIONS = ROOT / "sample_data" / "lending_predictions.csv"
HIRING = ROOT / "sample_data" / "hiring.csv"
PAGE_TIMEOUT = 120
SCHEMA = json.loads((ROOT / "audit" / "audit.schema.json").read_text(encoding="utf-8"))


def validate_schema(record: dict[str, Any]) -> None:
    """Raise unless ``record`` is valid against the package's JSON Schema."""
    jsonschema.Draft202012Validator(SCHEMA).validate(record)


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
def private_history(tmp_path_factory, monkeypatch) -> str:
    """Every test gets its own empty audit history; nothing lands in the user's data dir."""
    folder = tmp_path_factory.mktemp("history")
    url = f"sqlite:///{folder / 'history.sqlite3'}"
    monkeypatch.setenv("AUDIT_DB_URL", url)
    return url


@pytest.fixture
def db(private_history: str) -> str:
    """The URL of this test's own history (also in ``AUDIT_DB_URL``)."""
    return private_history


def upload(at: AppTest, key: str, path: Path | None = None, *, name: str = "",
           data: bytes = b"") -> AppTest:
    """Put a file (``path``, or ``name`` and ``data``) into the uploader ``key`` and rerun."""
    if path is not None:
        name, data = path.name, path.read_bytes()
    at.file_uploader(key=key).set_value((name, data, "text/csv"))
    return at.run()


FAIRNESS_TITLE = "2. Read the disparities"


def run_audit(at: AppTest) -> AppTest:
    """Press Run audit as a user does. A run that succeeds opens the Fairness page; the
    session then goes back to the Upload page, where the run is summed up, so that a test
    reads on where the button was pressed. A run that fails stays on the Upload page."""
    at.button(key="run_audit").click().run()
    if at.title and at.title[0].value == FAIRNESS_TITLE:
        at.switch_page("pages/screens/upload.py").run()
    return at


def open_details(at: AppTest, *keys: str) -> AppTest:
    """Open the closed expanders ``keys`` (`pages._ui.widgets.details`: their contents are
    made only once open), as a click on each does, and rerun."""
    for key in keys:
        at.session_state[key] = True
    return at.run()


def open_page(page: str, *, timeout: float = PAGE_TIMEOUT) -> AppTest:
    """A new session of the app (``app.py``, the frame) that will open on ``page``
    (``"pages/screens/upload.py"``) when run; set secrets, user or session state, then ``run()``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    return at.switch_page(page)


@pytest.fixture
def upload_page() -> AppTest:
    """A new session opened on the Upload page."""
    at = open_page("pages/screens/upload.py").run()
    assert not at.exception
    return at


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What each download button of a page offers, by key (AppTest does not expose it).

    A button whose file is made on the click (``data`` a function) offers what the function
    returns, as the click would.
    """
    seen: dict[str, Any] = {}
    original = DeltaGenerator.download_button

    def spy(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        seen[kwargs["key"]] = data() if callable(data) else data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    return seen
