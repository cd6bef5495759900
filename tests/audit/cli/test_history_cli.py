from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.cli import _main as _cli
from audit.cli._history import EMPTY, SAVED, add_history_parser, run_history, save_record
from audit.record import AuditRecord, HistoryStore, Review, record_to_dict, render_pdf
from audit.record._approvals import Approval, Identity
from audit.record._history_chain import HEAD_MISSING, INTACT, UNKEYED
from audit.record._history_keys import BAD_SIGNATURE, UNKEYED_STORE
from tests.audit.record.history_db import rewrite_and_rehash

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def record(lending, lending_inputs) -> dict:
    review = Review(reviewers=("Ada Lovelace",), decision="reject",
                    reviewed_at="2026-01-15T10:00:00Z")
    return record_to_dict(AuditRecord(result=lending[1], inputs=lending_inputs, review=review))


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    monkeypatch.delenv("AUDIT_HISTORY_KEY", raising=False)
    return f"sqlite:///{tmp_path / 'history.sqlite3'}"


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "history-key.pem"
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return path


def history(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit")
    add_history_parser(parser.add_subparsers(dest="command", required=True))
    return run_history(parser.parse_args(["history", *argv]))


def _another(record: dict, audit_id: str) -> dict:
    copied = copy.deepcopy(record)
    copied["audit_id"] = audit_id
    return copied


def test_list_verify_show(record, db, capsys):
    assert history("list", "--db", db) == 0
    assert capsys.readouterr().out == EMPTY.format(url=db) + "\n" + UNKEYED_STORE + "\n"
    line = save_record(record, db, board="credit")
    with HistoryStore(db) as store:
        entry = store.list()[0]
        store.approve(record["audit_id"], Approval(Identity("Grace Hopper"), False, "reject"),
                      board="credit")
    assert line == SAVED.format(seq=1, sha=entry.record_sha256, board="credit", url=db,
                                head=entry.row_hash, signed="unkeyed")
    assert history("list", "--db", db) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["seq", "board", "audit_id", "created_at", "dataset", "verdict",
                              "decision", "approvals"]
    assert out[1].split() == ["1", "credit", record["audit_id"], record["created_at"],
                              "lending_applicants.csv", "FAILED", "Rejected", "1"]
    assert out[2] == UNKEYED_STORE
    assert history("list", "--db", db, "--board", "hiring") == 0
    assert capsys.readouterr().out.startswith("No audits saved yet")
    assert history("verify", "--db", db) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [INTACT.format(checked=2), UNKEYED]
    assert out[2].startswith("Board credit: head ")
    assert history("show", record["audit_id"], "--db", db) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["review"]["approvals"][0]["identity"]["name"] == "Grace Hopper"
    assert shown["history"]["board"] == "credit"
    del shown["history"]
    shown["review"]["approvals"] = []
    assert shown == record
    assert history("show", record["audit_id"], "--db", db, "--board", "hiring") == 2
    assert "no audit" in capsys.readouterr().err


def test_verify_names_the_altered_record(record, db, capsys):
    with HistoryStore(db) as store:
        store.append(record)
        store.append(_another(record, "second"))
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE audit_records SET record_json = replace(record_json, "
            "'\"verdict\": \"fail\"', '\"verdict\": \"pass\"') WHERE audit_id = 'second'"
        )
    assert history("verify", "--db", db) == 1
    out = capsys.readouterr().out
    assert out.startswith("History altered: record second #2: its record was changed")


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed (apt-get install poppler-utils)")
    path = tmp_path / "audit.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          timeout=120, check=True).stdout


def test_deleting_the_newest_record_fails_verify_with_the_head_the_pdf_printed(
        record, db, tmp_path, key_file, monkeypatch, capsys):
    monkeypatch.setenv("AUDIT_HISTORY_KEY", str(key_file))
    save_record(_another(record, "first"), db)
    save_record(_another(record, "newest"), db)
    with HistoryStore(db) as store:
        pdf = render_pdf(store.filed("newest"))
    printed = re.findall(r"verify --head\s+([0-9a-f]{64})", _pdftotext(pdf, tmp_path))
    assert len(printed) == 1
    assert history("verify", "--db", db, "--head", printed[0]) == 0
    assert f"Head {printed[0]} found on board default" in capsys.readouterr().out
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute("DELETE FROM audit_records WHERE audit_id = 'newest'")
    assert history("verify", "--db", db) == 0  # the shorter chain is still signed and linked
    capsys.readouterr()
    assert history("verify", "--db", db, "--head", printed[0]) == 1
    assert capsys.readouterr().out == (
        f"History altered: {HEAD_MISSING.format(head=printed[0])}.\n")


def test_a_rewritten_and_re_hashed_history_fails_verify_with_the_key(
        record, db, key_file, monkeypatch, capsys):
    monkeypatch.setenv("AUDIT_HISTORY_KEY", str(key_file))
    save_record(_another(record, "first"), db)
    save_record(_another(record, "second"), db)
    edited = _another(record, "first")
    edited["review"]["notes"] = "Inserted afterwards."
    rewrite_and_rehash(db, "default", {"first": edited})
    assert history("verify", "--db", db) == 1
    assert capsys.readouterr().out == (
        f"History altered: record first #1: {BAD_SIGNATURE}. 0 row(s) before it verified.\n")
    monkeypatch.delenv("AUDIT_HISTORY_KEY")
    assert history("verify", "--db", db) == 0  # without the key nothing can tell
    assert capsys.readouterr().out.splitlines()[1].startswith("Unkeyed check: 2 row(s) carry")


def test_unknown_id_is_exit_2(db, capsys):
    assert history("show", "missing", "--db", db) == 2
    assert "no audit 'missing'" in capsys.readouterr().err


def test_a_bad_key_is_exit_2_with_the_fix(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUDIT_HISTORY_KEY", str(tmp_path / "missing.pem"))
    assert history("verify", "--db", db) == 2
    assert "AUDIT_HISTORY_KEY does not hold a usable Ed25519 private key" in capsys.readouterr().err


def test_control_characters_in_names_do_not_reach_the_terminal(record, db, capsys):
    odd = copy.deepcopy(record)
    odd["inputs"][0]["name"] = "evil\x1b[31m.csv"
    save_record(odd, db)
    history("list", "--db", db)
    assert "\x1b" not in capsys.readouterr().out


_WIRED = "history" in _cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore


@pytest.mark.skipif(not _WIRED, reason="history not yet wired into audit/_cli.py")
def test_python_m_audit_run_save_to_a_board_then_verify_its_head(db, key_file, tmp_path):
    env = {**os.environ, "AUDIT_HISTORY_KEY": str(key_file)}
    samples = ROOT / "sample_data"
    run = subprocess.run(
        [sys.executable, "-m", "audit", "run", "--data", str(samples / "lending_applicants.csv"),
         "--predictions", str(samples / "lending_predictions.csv"), "--id-column",
         "applicant_id", "--label", "outcome", "--prediction", "decision", "--sensitive", "sex",
         "--favorable", "approved", "--bootstrap", "50", "--out", str(tmp_path / "out"),
         "--save", "--board", "credit", "--db", db],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 1, run.stderr  # the sample fails the four-fifths rule
    head = re.search(r"on board credit at .*History head: ([0-9a-f]{64}) "
                     r"\(signed with the history key\)\.", run.stdout)
    assert head is not None, run.stdout
    done = subprocess.run(
        [sys.executable, "-m", "audit", "history", "verify", "--db", db, "--head", head[1]],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{INTACT.format(checked=1)}\nKeyed: rows are signed")
    assert f"Head {head[1]} found on board credit" in done.stdout
