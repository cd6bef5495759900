"""``make run`` starts the dashboard with ``-- --sample``: a new session opens on the sample."""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_sample_flag_loads_the_lending_sample(monkeypatch, sample_run):
    monkeypatch.setattr(sys, "argv", ["app.py", "--sample"])
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    run = at.session_state["run"]
    assert [p.sha256 for _, p in run.inputs] == [p.sha256 for _, p in sample_run.inputs]
    female = run.result.group("sex", "female").metrics["selection_rate"].value
    assert female == sample_run.result.group("sex", "female").metrics["selection_rate"].value
    # the markdown source: file names are escaped so that "_" is not read as emphasis
    assert at.info[0].value == ("An audit is loaded (lending\\_applicants.csv, "
                                "lending\\_predictions.csv, 6,000 rows).")


def test_without_the_flag_nothing_is_loaded(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.session_state["run"] is None
