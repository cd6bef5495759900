from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import sqlite3
import uuid
from pathlib import Path

import jsonschema
import pytest

from audit.record import AuditRecord, HistoryStore, Review, default_url, fingerprint, record_to_dict
from audit.record._history import DUPLICATE, GENESIS, HistoryError, row_hash

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "audit" / "audit.schema.json").read_text(
        encoding="utf-8"
    )
)


@pytest.fixture(scope="module")
def record(lending, lending_inputs) -> dict:
    review = Review(
        reviewers=("Ada Lovelace",),
        decision="reject",
        notes="Too large a gap.",
        reviewed_at="2026-01-15T10:00:00Z",
    )
    return record_to_dict(
        AuditRecord(
            result=lending[1],
            inputs=lending_inputs,
            id_column="applicant_id",
            review=review,
        )
    )


def another(record: dict, audit_id: str | None = None) -> dict:
    copied = copy.deepcopy(record)
    copied["audit_id"] = audit_id or str(uuid.uuid4())
    return copied


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite3'}"


def test_the_record_validates_against_the_schema(record):
    jsonschema.Draft202012Validator(SCHEMA).validate(record)


def test_append_list_get_round_trip(record, url):
    first, second = another(record), another(record)
    with HistoryStore(url) as store:
        one, two = store.append(first), store.append(second)
        assert [e.seq for e in store.list()] == [one.seq, two.seq] == [1, 2]
        assert store.get(first["audit_id"]) == first
        jsonschema.Draft202012Validator(SCHEMA).validate(store.get(second["audit_id"]))
        entries = store.list()
        result = store.verify()
    assert one.prev_hash == GENESIS and two.prev_hash == one.row_hash
    assert two.row_hash == row_hash(
        one.row_hash, fingerprint(second), second["audit_id"], two.saved_at
    )
    assert entries[0].record_sha256 == fingerprint(first)
    assert entries[0].dataset_name == "lending_applicants.csv"
    assert entries[0].verdict == "fail" and entries[0].decision == "reject"
    assert result.ok and result.checked == 2 and result.first_bad is None
    assert result.head == two.row_hash


def test_raw_rows_are_not_stored(record, url, tmp_path):
    with HistoryStore(url) as store:
        store.append(another(record))
    stored = (tmp_path / "history.sqlite3").read_bytes()
    assert b"A000001" not in stored  # an applicant id from the data


def test_saving_twice_is_idempotent_but_a_changed_record_is_refused(record, url):
    first = another(record)
    with HistoryStore(url) as store:
        entry = store.append(first)
        assert store.append(copy.deepcopy(first)) == entry
        changed = copy.deepcopy(first)
        changed["review"]["decision"] = "approve"
        with pytest.raises(HistoryError) as err:
            store.append(changed)
        assert str(err.value) == DUPLICATE.format(audit_id=first["audit_id"], seq=1)
        assert len(store.list()) == 1


def test_invalid_record_is_refused(record, url):
    broken = another(record)
    del broken["findings"]
    with HistoryStore(url) as store:
        with pytest.raises(HistoryError, match="not a valid audit record.*findings"):
            store.append(broken)
        assert store.list() == []


def test_unknown_audit_id(url):
    with HistoryStore(url) as store, pytest.raises(HistoryError, match="no audit 'nope'"):
        store.get("nope")


def _raw(url: str, sql: str, *params: object) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute(sql, params)


def _three(record: dict, url: str) -> list[dict]:
    saved = [another(record) for _ in range(3)]
    with HistoryStore(url) as store:
        for r in saved:
            store.append(r)
    return saved


def test_edited_record_is_caught(record, url):
    saved = _three(record, url)
    edited = copy.deepcopy(saved[1])
    edited["summary"]["verdict"] = "pass"
    _raw(
        url,
        "UPDATE audit_records SET record_json = ? WHERE audit_id = ?",
        json.dumps(edited),
        saved[1]["audit_id"],
    )
    with HistoryStore(url) as store:
        result = store.verify()
    assert not result.ok
    assert result.first_bad == saved[1]["audit_id"]
    assert "changed after it was saved" in result.reason
    assert result.checked == 2


def test_deleted_middle_row_is_caught(record, url):
    saved = _three(record, url)
    _raw(url, "DELETE FROM audit_records WHERE audit_id = ?", saved[1]["audit_id"])
    with HistoryStore(url) as store:
        result = store.verify()
    assert not result.ok and result.first_bad == saved[2]["audit_id"]
    assert "deleted" in result.reason and "seq 1 is followed by seq 3" in result.reason


def test_edited_summary_column_is_caught(record, url):
    saved = _three(record, url)
    _raw(url, "UPDATE audit_records SET verdict = 'pass' WHERE audit_id = ?", saved[0]["audit_id"])
    with HistoryStore(url) as store:
        result = store.verify()
    assert not result.ok and result.first_bad == saved[0]["audit_id"]
    assert "verdict" in result.reason


def test_default_url(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIT_DB_URL", "sqlite:///elsewhere.db")
    assert default_url() == "sqlite:///elsewhere.db"
    monkeypatch.delenv("AUDIT_DB_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path}/fairness-audit/history.sqlite3"
    with HistoryStore() as store:
        assert store.list() == []
    assert (tmp_path / "fairness-audit" / "history.sqlite3").exists()


def test_unusable_database_gets_a_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HistoryError, match="Cannot use the audit history"):
        HistoryStore(f"sqlite:///{blocker}/sub/history.sqlite3")


def _save_five(url: str, record: dict, worker: int) -> None:
    with HistoryStore(url) as store:
        for i in range(5):
            store.append(another(record, f"worker-{worker}-{i}"))


def test_concurrent_saves_lose_nothing_and_keep_one_chain(record, url):
    HistoryStore(url).close()  # create the table first, as an installed dashboard would
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_save_five, args=(url, record, w)) for w in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=240)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    with HistoryStore(url) as store:
        entries = store.list()
        result = store.verify()
    assert len(entries) == 20
    assert sorted(e.audit_id for e in entries) == sorted(
        f"worker-{w}-{i}" for w in range(4) for i in range(5)
    )
    assert [e.seq for e in entries] == list(range(1, 21))
    assert result.ok and result.checked == 20


OLD_TABLE = """CREATE TABLE audit_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, audit_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL, saved_at TEXT NOT NULL, dataset_name TEXT NOT NULL,
    dataset_sha256 TEXT NOT NULL, passed BOOLEAN NOT NULL, decision TEXT,
    record_json TEXT NOT NULL, record_sha256 TEXT NOT NULL, prev_hash TEXT NOT NULL UNIQUE,
    row_hash TEXT NOT NULL)"""


def _legacy_row(conn: sqlite3.Connection, record: dict, prev: str, verdict: str) -> str:
    """A row as the history wrote it before rows kept the verdict: ``passed`` only, and the
    fingerprint of the compact JSON."""
    record = copy.deepcopy(record)
    record["summary"]["verdict"], record["summary"]["passed"] = verdict, verdict == "pass"
    compact = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    sha = hashlib.sha256(compact.encode("utf-8")).hexdigest()
    saved_at = "2026-06-01T10:00:00.000000Z"
    row = row_hash(prev, sha, record["audit_id"], saved_at)
    conn.execute("INSERT INTO audit_records (audit_id, created_at, saved_at, dataset_name, "
                 "dataset_sha256, passed, decision, record_json, record_sha256, prev_hash, "
                 "row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (record["audit_id"], record["created_at"], saved_at, record["inputs"][0]["name"],
                  record["inputs"][0]["sha256"], verdict == "pass", record["review"]["decision"],
                  json.dumps(record, indent=2, sort_keys=True), sha, prev, row))
    return row


def test_rows_written_before_the_verdict_column_still_read_back_and_verify(record, url):
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute(OLD_TABLE)
        head = _legacy_row(conn, another(record, "old-no-verdict"), GENESIS, "no_verdict")
        head = _legacy_row(conn, another(record, "old-pass"), head, "pass")
    with HistoryStore(url) as store:
        entries = store.list()
        assert [(e.audit_id, e.verdict) for e in entries] == [
            ("old-no-verdict", "no_verdict"), ("old-pass", "pass")]
        assert store.get("old-no-verdict")["summary"]["verdict"] == "no_verdict"
        new = store.append(another(record, "new"))
        assert new.verdict == "fail" and new.prev_hash == head
        result = store.verify()
    assert result.ok and result.checked == 3
