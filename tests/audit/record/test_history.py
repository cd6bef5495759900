"""The audit history on SQLite and on PostgreSQL: append-only, one hash chain per board,
every alteration caught; tables made by earlier versions read back and verify."""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import sqlite3
import uuid

import pytest

from audit.record import AuditRecord, HistoryStore, Review, default_url, fingerprint, record_to_dict
from audit.record._history import DUPLICATE, UNKNOWN, HistoryError
from audit.record._history_chain import HEAD_MISSING
from tests.audit.record.history_db import (
    BACKENDS,
    GENESIS,
    board_genesis,
    canonical_sha,
    database_url,
    raw,
    row_hash_v2,
)
from tests.conftest import validate_schema


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


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    yield from database_url(request.param, tmp_path)


def _row(url: str, audit_id: str):
    return raw(url, "SELECT * FROM audit_records WHERE audit_id = :a", a=audit_id)[0]._asdict()


def test_the_record_validates_against_the_schema(record):
    validate_schema(record)


def test_append_list_get_round_trip(record, url):
    first, second = another(record), another(record)
    with HistoryStore(url, key=None) as store:
        one, two = store.append(first), store.append(second)
        assert [e.seq for e in store.list()] == [one.seq, two.seq]
        assert store.get(first["audit_id"]) == first
        validate_schema(store.get(second["audit_id"]))
        entries = store.list()
        result = store.verify()
    assert one.prev_hash == GENESIS and two.prev_hash == one.row_hash
    # the row hash, worked out from the documented layout
    stored = _row(url, second["audit_id"])
    assert stored["record_sha256"] == canonical_sha(second) == fingerprint(second)
    assert two.row_hash == row_hash_v2(stored) == stored["row_hash"]
    assert (stored["board"], stored["kind"], stored["chain_version"]) == ("default", "record", 2)
    assert stored["signature"] is None and not two.signed
    assert entries[0].record_sha256 == fingerprint(first)
    assert entries[0].dataset_name == "lending_applicants.csv"
    assert entries[0].verdict == "fail" and entries[0].decision == "reject"
    assert result.ok and result.checked == 2 and result.first_bad is None
    assert result.head == two.row_hash and dict(result.heads) == {"default": two.row_hash}
    assert not result.keyed and result.lines()[1].startswith("Unkeyed: the rows are")


def test_each_board_has_its_own_chain_and_sees_only_its_records(record, url):
    credit, hiring, credit2 = another(record), another(record), another(record)
    with HistoryStore(url, key=None) as store:
        c1 = store.append(credit, board="credit")
        h1 = store.append(hiring, board="hiring")
        c2 = store.append(credit2, board="credit")
        assert [e.audit_id for e in store.list("credit")] == [credit["audit_id"],
                                                              credit2["audit_id"]]
        assert [e.audit_id for e in store.list("hiring")] == [hiring["audit_id"]]
        assert [e.board for e in store.list()] == ["credit", "hiring", "credit"]
        assert store.boards() == ["credit", "hiring"]
        assert store.get(hiring["audit_id"], board="hiring") == hiring
        with pytest.raises(HistoryError) as err:
            store.get(hiring["audit_id"], board="credit")
        assert str(err.value) == UNKNOWN.format(audit_id=hiring["audit_id"],
                                                url=store.shown_url)
        one, both = store.verify(board="credit"), store.verify()
    assert c1.prev_hash == board_genesis("credit") and c2.prev_hash == c1.row_hash
    assert h1.prev_hash == board_genesis("hiring")
    assert one.ok and one.checked == 2 and one.head == c2.row_hash
    assert both.ok and both.checked == 3
    assert dict(both.heads) == {"credit": c2.row_hash, "hiring": h1.row_hash}


def test_raw_rows_are_not_stored(record, tmp_path):
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    with HistoryStore(url, key=None) as store:
        store.append(another(record))
    stored = (tmp_path / "history.sqlite3").read_bytes()
    assert b"A000001" not in stored  # an applicant id from the data


def test_saving_twice_is_idempotent_but_a_changed_record_is_refused(record, url):
    first = another(record)
    with HistoryStore(url, key=None) as store:
        entry = store.append(first)
        assert store.append(copy.deepcopy(first)) == entry
        changed = copy.deepcopy(first)
        changed["review"]["decision"] = "approve"
        with pytest.raises(HistoryError) as err:
            store.append(changed)
        assert str(err.value) == DUPLICATE.format(audit_id=first["audit_id"], seq=entry.seq)
        assert len(store.list()) == 1


def test_invalid_record_is_refused(record, url):
    broken = another(record)
    del broken["findings"]
    with HistoryStore(url, key=None) as store:
        with pytest.raises(HistoryError, match="not a valid audit record.*findings"):
            store.append(broken)
        assert store.list() == []


def test_unknown_audit_id(url):
    with HistoryStore(url, key=None) as store, pytest.raises(HistoryError, match="no audit 'nope'"):
        store.get("nope")


def _three(record: dict, url: str, board: str = "default") -> list[dict]:
    saved = [another(record) for _ in range(3)]
    with HistoryStore(url, key=None) as store:
        for r in saved:
            store.append(r, board=board)
    return saved


def _verify(url: str, **kwargs):
    with HistoryStore(url, key=None) as store:
        return store.verify(**kwargs)


def test_edited_record_is_caught(record, url):
    saved = _three(record, url)
    edited = copy.deepcopy(saved[1])
    edited["summary"]["verdict"] = "pass"
    raw(url, "UPDATE audit_records SET record_json = :j WHERE audit_id = :a",
        j=json.dumps(edited), a=saved[1]["audit_id"])
    result = _verify(url)
    assert not result.ok
    assert result.first_bad == saved[1]["audit_id"]
    assert "changed after it was saved" in result.reason
    assert result.checked == 2


def test_deleted_middle_row_is_caught(record, url):
    saved = _three(record, url)
    seqs = [_row(url, r["audit_id"])["seq"] for r in saved]
    raw(url, "DELETE FROM audit_records WHERE audit_id = :a", a=saved[1]["audit_id"])
    result = _verify(url)
    assert not result.ok and result.first_bad == saved[2]["audit_id"]
    assert "deleted" in result.reason
    assert f"seq {seqs[0]} is followed by seq {seqs[2]}" in result.reason


def test_reordered_rows_are_caught(record, url):
    saved = _three(record, url)
    first, second = (_row(url, r["audit_id"])["seq"] for r in saved[:2])
    raw(url, "UPDATE audit_records SET seq = -1 WHERE seq = :s", s=first)
    raw(url, "UPDATE audit_records SET seq = :f WHERE seq = :s", f=first, s=second)
    raw(url, "UPDATE audit_records SET seq = :s WHERE seq = -1", s=second)
    result = _verify(url)
    assert not result.ok and result.first_bad == saved[1]["audit_id"]
    assert "reordered" in result.reason


def test_a_row_moved_to_another_board_is_caught(record, url):
    saved = _three(record, url, board="credit")
    raw(url, "UPDATE audit_records SET board = 'hiring' WHERE audit_id = :a",
        a=saved[2]["audit_id"])
    result = _verify(url)
    assert not result.ok and result.first_bad == saved[2]["audit_id"]
    assert "link to the record before it is broken" in result.reason
    assert _verify(url, board="credit").ok  # credit's own chain, now shorter, holds


def test_edited_summary_column_is_caught(record, url):
    saved = _three(record, url)
    raw(url, "UPDATE audit_records SET verdict = 'pass' WHERE audit_id = :a",
        a=saved[0]["audit_id"])
    result = _verify(url)
    assert not result.ok and result.first_bad == saved[0]["audit_id"]
    assert "verdict" in result.reason


def test_unkeyed_a_rewrite_that_re_hashes_passes_and_only_a_noted_head_catches_it(record, url):
    """Why the history needs a key: without one, an attacker who re-hashes the chain
    after an edit leaves a history that verifies; only a head noted elsewhere catches it."""
    from tests.audit.record.history_db import rewrite_and_rehash

    saved = _three(record, url)
    head = _verify(url).head
    edited = copy.deepcopy(saved[0])
    edited["review"]["decision"] = "approve"
    assert rewrite_and_rehash(url, "default", {saved[0]["audit_id"]: edited}) == 3
    raw(url, "UPDATE audit_records SET decision = 'approve' WHERE audit_id = :a",
        a=saved[0]["audit_id"])
    assert _verify(url).ok
    noted = _verify(url, head=head)
    assert not noted.ok and noted.reason == HEAD_MISSING.format(head=head)


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
    with HistoryStore(url, key=None) as store:
        for i in range(5):
            store.append(another(record, f"worker-{worker}-{i}"), board=f"b{worker % 2}")


def test_concurrent_saves_lose_nothing_and_keep_one_chain_per_board(record, url):
    HistoryStore(url, key=None).close()  # create the table first, as an installed dashboard would
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_save_five, args=(url, record, w)) for w in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=240)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    with HistoryStore(url, key=None) as store:
        entries = store.list()
        result = store.verify()
    assert len(entries) == 20
    assert sorted(e.audit_id for e in entries) == sorted(
        f"worker-{w}-{i}" for w in range(4) for i in range(5)
    )
    assert result.ok and result.checked == 20 and set(result.heads) == {"b0", "b1"}


# --- tables made by earlier versions ---------------------------------------------------

FIRST_TABLE = """CREATE TABLE audit_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, audit_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL, saved_at TEXT NOT NULL, dataset_name TEXT NOT NULL,
    dataset_sha256 TEXT NOT NULL, passed BOOLEAN NOT NULL, decision TEXT,
    record_json TEXT NOT NULL, record_sha256 TEXT NOT NULL, prev_hash TEXT NOT NULL UNIQUE,
    row_hash TEXT NOT NULL)"""
#: the table as the history made it just before boards: with the verdict column
VERDICT_TABLE = FIRST_TABLE.replace("decision TEXT,", "verdict TEXT, decision TEXT,")


def _legacy_row(conn: sqlite3.Connection, record: dict, prev: str, verdict: str, *,
                compact: bool = True, with_verdict: bool = False) -> str:
    """A row as an earlier history wrote it: row hash sha256(prev + sha + id + saved_at);
    the first version fingerprinted the compact JSON."""
    record = copy.deepcopy(record)
    record["summary"]["verdict"], record["summary"]["passed"] = verdict, verdict == "pass"
    if compact:
        text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    else:
        sha = canonical_sha(record)
    saved_at = "2026-06-01T10:00:00.000000Z"
    row = hashlib.sha256((prev + sha + record["audit_id"] + saved_at).encode()).hexdigest()
    columns = ("audit_id, created_at, saved_at, dataset_name, dataset_sha256, passed, decision, "
               "record_json, record_sha256, prev_hash, row_hash")
    values = [record["audit_id"], record["created_at"], saved_at, record["inputs"][0]["name"],
              record["inputs"][0]["sha256"], verdict == "pass", record["review"]["decision"],
              json.dumps(record, indent=2, sort_keys=True), sha, prev, row]
    if with_verdict:
        columns += ", verdict"
        values.append(verdict)
    conn.execute(f"INSERT INTO audit_records ({columns}) VALUES "
                 f"({', '.join('?' * len(values))})", values)
    return row


@pytest.mark.parametrize("table", [FIRST_TABLE, VERDICT_TABLE], ids=["first", "verdict"])
def test_rows_written_before_boards_read_back_in_the_default_board_and_verify(
        record, tmp_path, table):
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    with_verdict = table is VERDICT_TABLE
    with sqlite3.connect(tmp_path / "history.sqlite3") as conn:
        conn.execute(table)
        head = _legacy_row(conn, another(record, "old-no-verdict"), GENESIS, "no_verdict",
                           with_verdict=with_verdict)
        head = _legacy_row(conn, another(record, "old-pass"), head, "pass",
                           compact=not with_verdict, with_verdict=with_verdict)
    with HistoryStore(url, key=None) as store:
        entries = store.list()
        assert [(e.audit_id, e.verdict, e.board) for e in entries] == [
            ("old-no-verdict", "no_verdict", "default"), ("old-pass", "pass", "default")]
        assert store.list("credit") == []
        assert store.get("old-no-verdict")["summary"]["verdict"] == "no_verdict"
        assert store.filed("old-pass")["history"]["board"] == "default"
        new = store.append(another(record, "new"))
        other = store.append(another(record, "elsewhere"), board="credit")
        result = store.verify()
    assert new.verdict == "fail" and new.prev_hash == head and new.board == "default"
    assert other.prev_hash == board_genesis("credit")
    assert result.ok and result.checked == 4
    assert _row(url, "old-pass")["chain_version"] == 1
    # a layout-1 row moved out of the default board is caught
    raw(url, "UPDATE audit_records SET board = 'credit' WHERE audit_id = 'old-pass'")
    with HistoryStore(url, key=None) as store:
        moved = store.verify()
    assert not moved.ok and moved.first_bad == "old-pass"
    assert "belongs to the default board" in moved.reason
