from __future__ import annotations

import argparse
import copy
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from audit.cli import _main as _cli
from audit.cli._history import add_history_parser, run_history, save_record
from audit.record import AuditRecord, HistoryStore, record_to_dict

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def record(lending, lending_inputs) -> dict:
    return record_to_dict(AuditRecord(result=lending[1], inputs=lending_inputs))


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite3'}"


def history(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit")
    add_history_parser(parser.add_subparsers(dest="command", required=True))
    return run_history(parser.parse_args(["history", *argv]))


def test_list_verify_show(record, db, capsys):
    assert history("list", "--db", db) == 0
    assert "No audits saved yet" in capsys.readouterr().out
    line = save_record(record, db)
    assert line.startswith("Saved to the audit history as #1 (record sha256 ")
    assert history("list", "--db", db) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["seq", "audit_id", "created_at", "dataset", "verdict", "decision"]
    assert out[1].split() == [
        "1",
        record["audit_id"],
        record["created_at"],
        "lending_applicants.csv",
        "FAILED",
        "Not",
        "reviewed",
    ]
    assert history("verify", "--db", db) == 0
    assert capsys.readouterr().out.startswith("History intact: 1 records verified.\n")
    assert history("show", record["audit_id"], "--db", db) == 0
    assert json.loads(capsys.readouterr().out) == record


def test_verify_names_the_altered_record(record, db, capsys):
    second = copy.deepcopy(record)
    second["audit_id"] = "second"
    with HistoryStore(db) as store:
        store.append(record)
        store.append(second)
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE audit_records SET record_json = replace(record_json, "
            "'\"verdict\": \"fail\"', '\"verdict\": \"pass\"') WHERE audit_id = 'second'"
        )
    assert history("verify", "--db", db) == 1
    out = capsys.readouterr().out
    assert out.startswith("History altered: record second #2: its record was changed")


def test_unknown_id_is_exit_2(db, capsys):
    assert history("show", "missing", "--db", db) == 2
    assert "no audit 'missing'" in capsys.readouterr().err


def test_control_characters_in_names_do_not_reach_the_terminal(record, db, capsys):
    odd = copy.deepcopy(record)
    odd["inputs"][0]["name"] = "evil\x1b[31m.csv"
    save_record(odd, db)
    history("list", "--db", db)
    assert "\x1b" not in capsys.readouterr().out


_WIRED = "history" in _cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore


@pytest.mark.skipif(not _WIRED, reason="history not yet wired into audit/_cli.py")
def test_python_m_audit_history(record, db):
    save_record(record, db)
    done = subprocess.run(
        [sys.executable, "-m", "audit", "history", "verify", "--db", db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("History intact: 1 records verified.")
