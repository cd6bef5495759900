"""The two databases the history tests run on, and an attacker's raw access to them.

SQLite: a file in the test's temporary folder. PostgreSQL: the server named by
``AUDIT_TEST_PG_URL`` (default: the local test server), with a schema of the test's own
(``search_path`` in the URL) that is dropped afterwards, so tests running at once never
meet. When the server cannot be reached the PostgreSQL tests are skipped with the reason.

The attacker functions use nothing of ``audit``: they rewrite rows with the formulas the
history documents, as someone with write access to the database (and no key) could.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

BACKENDS = ("sqlite", "postgresql")
PG_DEFAULT = "postgresql+psycopg://audit:audit@127.0.0.1:5432/audit_test"
GENESIS = "0" * 64


def pg_base() -> str:
    return os.environ.get("AUDIT_TEST_PG_URL") or PG_DEFAULT


@functools.cache
def pg_problem() -> str | None:
    """Why PostgreSQL cannot be used here (None when it can)."""
    try:
        engine = create_engine(pg_base())
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except (SQLAlchemyError, ImportError) as err:
        return f"PostgreSQL at {pg_base()} cannot be reached: {str(err).splitlines()[0]}"
    return None


def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL for one test (a generator: use with ``yield from``)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.sqlite3'}"
        return
    problem = pg_problem()
    if problem:
        pytest.skip(problem)
    schema = f"test_history_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_base())
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in pg_base() else "?"
    try:
        yield f"{pg_base()}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def raw(url: str, sql: str, **params: Any) -> list[Any]:
    """Run SQL on the history's database directly (rows of a SELECT, else [])."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def canonical_sha(value: Any) -> str:
    """sha256 of a record's canonical bytes: sorted keys, two-space indent, a newline."""
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, indent=2)
    return hashlib.sha256((data + "\n").encode("utf-8")).hexdigest()


def board_genesis(board: str) -> str:
    if board == "default":
        return GENESIS
    return hashlib.sha256(f"fairness-audit board {board}".encode()).hexdigest()


def row_hash_v2(row: dict[str, Any]) -> str:
    fields = {"v": 2, **{k: row[k] for k in ("board", "kind", "audit_id", "refers_to",
                                            "record_sha256", "saved_at", "prev_hash")}}
    data = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def rewrite_and_rehash(url: str, board: str, edit: dict[str, Any] | None = None, *,
                       strip_signatures: bool = False) -> int:
    """The attack a key must catch: change stored records (``edit``: audit id -> new JSON
    value), then recompute every fingerprint and row hash of ``board``'s chain so that
    every link holds again. Returns the number of rows rewritten."""
    edit = edit or {}
    rows = raw(url, "SELECT seq, audit_id, board, kind, refers_to, saved_at, record_json, "
                    "signature FROM audit_records WHERE board = :board ORDER BY seq", board=board)
    prev = board_genesis(board)
    for row in rows:
        record = edit.get(row.audit_id, json.loads(row.record_json))
        values = {"board": row.board, "kind": row.kind, "audit_id": row.audit_id,
                  "refers_to": row.refers_to, "saved_at": row.saved_at,
                  "record_sha256": canonical_sha(record), "prev_hash": prev}
        values["row_hash"] = row_hash_v2(values)
        raw(url, "UPDATE audit_records SET record_json = :json, record_sha256 = :sha, "
                 "prev_hash = :prev, row_hash = :hash, signature = :signature, "
                 "key_id = :key_id WHERE seq = :seq",
            json=json.dumps(record, indent=2, sort_keys=True), sha=values["record_sha256"],
            prev=prev, hash=values["row_hash"],
            signature=None if strip_signatures else row.signature,
            key_id=None if strip_signatures else _key_id(url, row.seq), seq=row.seq)
        prev = values["row_hash"]
    return len(rows)


def _key_id(url: str, seq: int) -> str | None:
    return raw(url, "SELECT key_id FROM audit_records WHERE seq = :seq", seq=seq)[0][0]
