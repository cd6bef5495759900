"""The audit history: an append-only, hash-chained store of JSON audit records.

Each row holds one record (the JSON contract, never the uploaded rows) and two hashes::

    seq  audit_id  record_sha256       prev_hash     row_hash
    1    a1        f1 = sha256(json1)  000...000     h1 = sha256(000...000 + f1 + a1 + saved_at1)
    2    a2        f2 = sha256(json2)  h1            h2 = sha256(h1 + f2 + a2 + saved_at2)

Editing a stored record changes its fingerprint; deleting, inserting or reordering rows
breaks a link. `HistoryStore.verify` recomputes both and names the first row where
either fails. (Cutting rows off the end leaves a shorter, valid chain: keep the latest
``row_hash`` that ``verify`` reports somewhere else to catch that too.)

The store speaks SQLAlchemy Core, so a PostgreSQL URL works as well as the default
SQLite file. Appends are serialised (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``LOCK
TABLE``) and ``prev_hash`` is unique, so concurrent writers never fork the chain.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from audit._errors import HistoryError
from audit._words import verdict_of
from audit.record._export import fingerprint, legacy_fingerprint, to_json

__all__ = ["GENESIS", "HistoryEntry", "HistoryError", "HistoryStore", "VerifyResult",
           "default_url", "validate_record"]

GENESIS = "0" * 64
ENV_URL = "AUDIT_DB_URL"

INVALID_RECORD = (
    "This is not a valid audit record, so it was not saved: {where}: {problem}. "
    "Fix: save the record exactly as the audit produced it (audit.json)."
)
DUPLICATE = (
    "Audit {audit_id} is already in the history (#{seq}) with different content. The "
    "history is append-only: a saved record is never replaced. Fix: file the changed record "
    "under a new audit (run the audit again or start a new review)."
)
UNKNOWN = (
    "There is no audit {audit_id!r} in the history at {url}. Fix: copy an id from "
    "`python -m audit history list`."
)
UNAVAILABLE = (
    "Cannot use the audit history at {url}: {reason}. Fix: set {env} (or --db) to a "
    "database URL you can write to, such as sqlite:////path/to/history.sqlite3."
)

_metadata = MetaData()
records = Table(
    "audit_records", _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("audit_id", Text, nullable=False, unique=True),
    Column("created_at", Text, nullable=False),
    Column("saved_at", Text, nullable=False),
    Column("dataset_name", Text, nullable=False),
    Column("dataset_sha256", Text, nullable=False),
    Column("passed", Boolean, nullable=False),  # kept for older readers: verdict == "pass"
    Column("verdict", Text, nullable=True),  # pass | fail | inconclusive | no_verdict
    Column("decision", Text, nullable=True),
    Column("record_json", Text, nullable=False),
    Column("record_sha256", Text, nullable=False),
    Column("prev_hash", Text, nullable=False, unique=True),
    Column("row_hash", Text, nullable=False),
    sqlite_autoincrement=True,
)


@dataclass(frozen=True)
class HistoryEntry:
    """One saved record's row, without the record itself (`HistoryStore.get` has that)."""

    seq: int
    audit_id: str
    created_at: str
    saved_at: str
    dataset_name: str
    dataset_sha256: str
    verdict: str
    decision: str | None
    record_sha256: str
    prev_hash: str
    row_hash: str


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of `HistoryStore.verify`.

    ``checked`` counts the rows examined (up to and including the first bad one);
    ``head`` is the latest row hash when the chain is intact.
    """

    ok: bool
    checked: int
    first_bad: str | None
    reason: str
    head: str | None = None


def default_url() -> str:
    """``$AUDIT_DB_URL``, else a SQLite file under the user's data directory."""
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'fairness-audit' / 'history.sqlite3'}"


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("audit").joinpath("audit.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate_record(record: Mapping[str, Any]) -> None:
    """Raise `HistoryError` naming the first place ``record`` breaks the JSON Schema."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(record))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the record"
        raise HistoryError(INVALID_RECORD.format(where=where, problem=error.message))


def row_hash(prev_hash: str, record_sha256: str, audit_id: str, saved_at: str) -> str:
    text = prev_hash + record_sha256 + audit_id + saved_at
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _entry(row: Any) -> HistoryEntry:
    return HistoryEntry(
        seq=row.seq, audit_id=row.audit_id, created_at=row.created_at, saved_at=row.saved_at,
        dataset_name=row.dataset_name, dataset_sha256=row.dataset_sha256,
        verdict=row.verdict or verdict_of({"passed": row.passed}), decision=row.decision,
        record_sha256=row.record_sha256,
        prev_hash=row.prev_hash, row_hash=row.row_hash,
    )


def _summary_columns(record: Mapping[str, Any]) -> dict[str, Any]:
    """The columns `list` shows, taken from the record (and checked against it by verify)."""
    inputs = record["inputs"]
    verdict = verdict_of(record["summary"])
    dataset = next((i for i in inputs if i["role"] == "dataset"), inputs[0])
    review = record.get("review") or {}
    return {"audit_id": record["audit_id"], "created_at": record["created_at"],
            "dataset_name": dataset["name"], "dataset_sha256": dataset["sha256"],
            "verdict": verdict, "passed": verdict == "pass", "decision": review.get("decision")}


class HistoryStore:
    """Append-only audit history behind a SQLAlchemy URL.

    Parameters
    ----------
    url : str, optional
        A SQLAlchemy database URL. Default: `default_url` (``$AUDIT_DB_URL`` or
        ``sqlite:///<user data dir>/fairness-audit/history.sqlite3``).

    Examples
    --------
    >>> store = HistoryStore("sqlite:////tmp/history.sqlite3")  # doctest: +SKIP
    >>> entry = store.append(record)                             # doctest: +SKIP
    >>> store.verify().ok                                        # doctest: +SKIP
    True
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self.shown_url = make_url(self.url).render_as_string(hide_password=True)
        self._engine = self._connect(self.url)
        try:
            _metadata.create_all(self._engine)
        except SQLAlchemyError as err:
            try:  # another process may have created the table first
                created = inspect(self._engine).has_table(records.name)
            except SQLAlchemyError:
                created = False
            if not created:
                raise self._unavailable(err) from err
        self._add_verdict_column()

    def _add_verdict_column(self) -> None:
        """Upgrade a history made before rows kept the verdict: add the column and fill it
        from each stored record. The chain's hashes do not cover it, so they still hold."""
        try:
            if "verdict" in {c["name"] for c in inspect(self._engine).get_columns(records.name)}:
                return
            with self._engine.begin() as conn:
                conn.exec_driver_sql(f"ALTER TABLE {records.name} ADD COLUMN verdict TEXT")
                for seq, text in conn.execute(select(records.c.seq, records.c.record_json)):
                    verdict = verdict_of(json.loads(text).get("summary") or {})
                    conn.execute(records.update().where(records.c.seq == seq)
                                 .values(verdict=verdict))
        except SQLAlchemyError as err:
            raise self._unavailable(err) from err

    def _unavailable(self, err: BaseException) -> HistoryError:
        reason = str(getattr(err, "orig", None) or err).splitlines()[0]
        return HistoryError(UNAVAILABLE.format(url=self.shown_url, reason=reason, env=ENV_URL))

    def _connect(self, url: str) -> Engine:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(parsed)
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise self._unavailable(err) from err
        engine = create_engine(parsed, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's documented pysqlite recipe

        @event.listens_for(engine, "begin")
        def _write_lock(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    def close(self) -> None:
        """Close the store's database connections."""
        self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, record: Mapping[str, Any]) -> HistoryEntry:
        """Validate ``record`` and add it at the end of the chain.

        Saving the same record twice returns the existing entry; saving a different
        record under an audit id already stored raises `HistoryError`.
        """
        validate_record(record)
        text, sha = to_json(record), fingerprint(record)
        columns = _summary_columns(record)
        for attempt in range(5):
            try:
                return self._append_once(columns, text, sha)
            except IntegrityError as err:  # another writer took the same tail: try again
                if attempt == 4:
                    raise self._unavailable(err) from err
            except SQLAlchemyError as err:
                raise self._unavailable(err) from err
        raise AssertionError("unreachable")

    def _append_once(self, columns: Mapping[str, Any], text: str, sha: str) -> HistoryEntry:
        with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"LOCK TABLE {records.name} IN EXCLUSIVE MODE")
            existing = conn.execute(
                select(records).where(records.c.audit_id == columns["audit_id"])).first()
            if existing is not None:
                if existing.record_sha256 == sha:
                    return _entry(existing)
                raise HistoryError(DUPLICATE.format(audit_id=columns["audit_id"],
                                                    seq=existing.seq))
            prev = conn.execute(select(records.c.row_hash).order_by(records.c.seq.desc())
                                .limit(1)).scalar() or GENESIS
            saved_at = _now()
            values = {**columns, "saved_at": saved_at, "record_json": text,
                      "record_sha256": sha, "prev_hash": prev,
                      "row_hash": row_hash(prev, sha, columns["audit_id"], saved_at)}
            key = conn.execute(insert(records).values(**values)).inserted_primary_key
            seq = int(key[0]) if key is not None else -1
        return HistoryEntry(seq=seq, **{k: v for k, v in values.items()
                                        if k not in ("record_json", "passed")})

    def list(self) -> builtins.list[HistoryEntry]:
        """Every saved record's row, oldest first."""
        columns = [c for c in records.c if c.name != "record_json"]
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(select(*columns).order_by(records.c.seq)).all()
        except SQLAlchemyError as err:
            raise self._unavailable(err) from err
        return [_entry(row) for row in rows]

    def get(self, audit_id: str) -> dict[str, Any]:
        """The stored JSON record of ``audit_id``; `HistoryError` when there is none."""
        try:
            with self._engine.connect() as conn:
                text = conn.execute(select(records.c.record_json)
                                    .where(records.c.audit_id == audit_id)).scalar()
        except SQLAlchemyError as err:
            raise self._unavailable(err) from err
        if text is None:
            raise HistoryError(UNKNOWN.format(audit_id=audit_id, url=self.shown_url))
        return json.loads(text)

    def verify(self) -> VerifyResult:
        """Recompute every record's fingerprint and every link of the chain."""
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(select(records).order_by(records.c.seq)).all()
        except SQLAlchemyError as err:
            raise self._unavailable(err) from err
        prev, prev_seq = GENESIS, None
        for checked, row in enumerate(rows, start=1):
            reason = _check_row(row, prev, prev_seq)
            if reason:
                return VerifyResult(ok=False, checked=checked, first_bad=row.audit_id,
                                    reason=f"#{row.seq}: {reason}")
            prev, prev_seq = row.row_hash, row.seq
        return VerifyResult(ok=True, checked=len(rows), first_bad=None, reason="",
                            head=prev if rows else None)


def _check_row(row: Any, prev: str, prev_seq: int | None) -> str:
    """Why this row breaks the chain, or "" when it is intact."""
    try:
        record = json.loads(row.record_json)
        actual = fingerprint(record)
    except (TypeError, ValueError):
        return "its stored record is no longer valid JSON: it was edited after saving"
    if row.record_sha256 not in (actual, legacy_fingerprint(record)):
        return (f"its record was changed after it was saved (the record's sha256 is now "
                f"{actual}, it was saved as {row.record_sha256})")
    if row.prev_hash != prev:
        gap = f" (seq {prev_seq} is followed by seq {row.seq})" if prev_seq is not None else ""
        return ("its link to the record before it is broken: a record before it was deleted, "
                f"inserted or reordered{gap}")
    if row.row_hash != row_hash(row.prev_hash, row.record_sha256, row.audit_id, row.saved_at):
        return "its row hash does not match its audit id, save time or fingerprint"
    try:
        expected = _summary_columns(record)
    except (KeyError, IndexError, TypeError):
        return "its record lacks the inputs or summary every audit record has"
    edited = [name for name, value in expected.items()
              if (bool(getattr(row, name)) if name == "passed" else getattr(row, name)) != value]
    if edited:
        return f"its column(s) {', '.join(edited)} no longer match the stored record"
    return ""
