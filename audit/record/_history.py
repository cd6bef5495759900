"""The audit history: an append-only, hash-chained store of JSON audit records, by board.

Each row holds one record (the JSON contract, never the uploaded rows) or one reviewer's
approval of a record, the board it belongs to, and two hashes::

    seq  board   kind      audit_id      refers_to  record_sha256  prev_hash     row_hash
    1    credit  record    a1                       f1             genesis(cr.)  h1
    2    hiring  record    b1                       f2             genesis(hi.)  h2
    3    credit  approval  a1/approval/1  a1         f3             h1            h3

Each board has its own chain (`audit.record._history_chain`): editing a stored record
changes its fingerprint; deleting, inserting, reordering or moving rows breaks a link.
`HistoryStore.verify` recomputes both and names the first row where either fails.

A second reviewer's approval is filed as its own row that refers to the record, never as
a changed copy of the record: the record row is written once and never replaced, two
reviewers signing at once each append a row without a read-modify-write race, and each
approval is chained, dated and (with a key) signed on its own. `HistoryStore.filed`
returns the record as a board files it: the stored record with ``review.approvals`` from
those rows and a ``history`` stamp (board, row, and the head hash when its newest part was
saved). Cutting rows off the end leaves a shorter valid chain: the head hash printed in a
PDF (``history verify --head HASH``) catches that.

With ``AUDIT_HISTORY_KEY`` set, every new row's hash is signed (Ed25519, see
`audit.record._history_keys`), so rewriting and re-hashing rows without the key fails
`verify`. Without a key the history works as before and says it is unkeyed.

The store speaks SQLAlchemy Core, so a PostgreSQL URL works as well as the default
SQLite file. Appends are serialised (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``LOCK
TABLE``) and ``prev_hash`` is unique, so concurrent writers never fork a chain. A table
made by an earlier version gains its new columns on first use (`_upgrade_table`): its
rows go to the board ``default`` and still read back and verify.
"""

from __future__ import annotations

import builtins
import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jsonschema
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from audit._errors import HistoryError
from audit._words import verdict_of
from audit.record._approvals import Approval
from audit.record._boards import BAD_BOARD_ID, BOARD_ID, DEFAULT_BOARD
from audit.record._export import fingerprint, to_json
from audit.record._history_chain import (
    GENESIS,
    VerifyResult,
    genesis,
    row_hash,
    row_hash_v2,
    summary_columns,
    verify_rows,
)
from audit.record._history_keys import HistoryKey, history_key_from_env, key_status

__all__ = ["GENESIS", "HistoryEntry", "HistoryError", "HistoryStore", "VerifyResult",
           "default_url", "row_hash", "validate_record"]

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
NOT_REVIEWED_YET = (
    "Audit {audit_id} was filed without a review, so there is no board decision to sign off. "
    "Fix: write the review on the Review page and file the reviewed record."
)
ALREADY_APPROVED = (
    "{who} already signed off audit {audit_id} (at {time}). The history is append-only: a "
    "sign-off is never replaced. If your view changed, say so to the board; it is recorded "
    "in the next review."
)
BAD_BOARD = "Cannot save to the history: " + BAD_BOARD_ID + "."

_metadata = MetaData()
records = Table(
    "audit_records", _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("audit_id", Text, nullable=False, unique=True),  # an approval: <audit id>/approval/<n>
    Column("created_at", Text, nullable=False),
    Column("saved_at", Text, nullable=False),
    Column("dataset_name", Text, nullable=False),
    Column("dataset_sha256", Text, nullable=False),
    Column("passed", Boolean, nullable=False),  # kept for older readers: verdict == "pass"
    Column("verdict", Text, nullable=True),  # pass | fail | inconclusive | no_verdict
    Column("decision", Text, nullable=True),  # the review's, or the approval's
    Column("record_json", Text, nullable=False),  # the record, or {audit_id, approval}
    Column("record_sha256", Text, nullable=False),
    Column("prev_hash", Text, nullable=False, unique=True),
    Column("row_hash", Text, nullable=False),
    Column("board", Text, nullable=False, server_default=DEFAULT_BOARD),
    Column("kind", Text, nullable=False, server_default="record"),  # record | approval
    Column("refers_to", Text, nullable=True),  # an approval's audit id
    Column("chain_version", Integer, nullable=False, server_default="1"),
    Column("key_id", Text, nullable=True),  # the history key that signed the row
    Column("signature", Text, nullable=True),  # Ed25519 signature of row_hash, hex
    sqlite_autoincrement=True,
)
Index("ix_audit_records_board_seq", records.c.board, records.c.seq)
#: Columns added since the first version of the table, as ``ALTER TABLE`` adds them: the
#: rows saved before get the defaults (records of the default board, row layout 1).
ADDED_COLUMNS = (
    ("verdict", "TEXT"),
    ("board", f"TEXT NOT NULL DEFAULT '{DEFAULT_BOARD}'"),
    ("kind", "TEXT NOT NULL DEFAULT 'record'"),
    ("refers_to", "TEXT"),
    ("chain_version", "INTEGER NOT NULL DEFAULT 1"),
    ("key_id", "TEXT"),
    ("signature", "TEXT"),
)


@dataclass(frozen=True)
class HistoryEntry:
    """One saved row, without the record itself (`HistoryStore.get` has that).

    ``approvals`` counts the sign-offs filed for a record (`HistoryStore.list`).
    """

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
    board: str = DEFAULT_BOARD
    approvals: int = 0
    signed: bool = False


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _entry(row: Any, approvals: int = 0) -> HistoryEntry:
    return HistoryEntry(
        seq=row.seq, audit_id=row.audit_id, created_at=row.created_at, saved_at=row.saved_at,
        dataset_name=row.dataset_name, dataset_sha256=row.dataset_sha256,
        verdict=row.verdict or verdict_of({"passed": row.passed}), decision=row.decision,
        record_sha256=row.record_sha256, prev_hash=row.prev_hash, row_hash=row.row_hash,
        board=row.board or DEFAULT_BOARD, approvals=approvals, signed=bool(row.signature),
    )


class HistoryStore:
    """Append-only audit history behind a SQLAlchemy URL, one hash chain per board.

    Parameters
    ----------
    url : str, optional
        A SQLAlchemy database URL. Default: `default_url` (``$AUDIT_DB_URL`` or
        ``sqlite:///<user data dir>/fairness-audit/history.sqlite3``).
    key : HistoryKey, None or "env", optional
        The key that signs new rows and checks signatures. ``"env"`` (the default) reads
        ``AUDIT_HISTORY_KEY`` / ``AUDIT_HISTORY_PUBLIC_KEY``; None: unkeyed.

    Examples
    --------
    >>> store = HistoryStore("sqlite:////tmp/history.sqlite3")  # doctest: +SKIP
    >>> entry = store.append(record, board="credit")             # doctest: +SKIP
    >>> store.verify(board="credit").ok                          # doctest: +SKIP
    True
    """

    def __init__(self, url: str | None = None, *,
                 key: HistoryKey | Literal["env"] | None = "env") -> None:
        self.url = url or default_url()
        self.shown_url = make_url(self.url).render_as_string(hide_password=True)
        self.key = history_key_from_env() if key == "env" else key
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
        self._upgrade_table()

    @property
    def keyed(self) -> bool:
        """Whether new rows are signed (a private history key is set)."""
        return self.key is not None and self.key.private is not None

    @property
    def key_words(self) -> str:
        """Whether this store signs its rows, in one sentence (CLI and History page)."""
        return key_status(self.key)

    def _columns(self) -> set[str]:
        return {c["name"] for c in inspect(self._engine).get_columns(records.name)}

    def _upgrade_table(self) -> None:
        """Upgrade a table made by an earlier version: add each missing column (`ADDED_COLUMNS`),
        fill ``verdict`` from each stored record, and index rows by board. Older rows keep
        their hashes: they are layout-1 records of the default board."""
        try:
            present = self._columns()
            missing = [(n, sql) for n, sql in ADDED_COLUMNS if n not in present]
            for name, sql in missing:
                try:
                    with self._engine.begin() as conn:
                        conn.exec_driver_sql(f"ALTER TABLE {records.name} ADD COLUMN {name} {sql}")
                        if name == "verdict":
                            self._fill_verdicts(conn)
                except SQLAlchemyError:
                    if name not in self._columns():  # else another process added it first
                        raise
            if missing:
                for index in records.indexes:
                    index.create(self._engine, checkfirst=True)
        except SQLAlchemyError as err:
            raise self._unavailable(err) from err

    @staticmethod
    def _fill_verdicts(conn: Any) -> None:
        for seq, text in conn.execute(select(records.c.seq, records.c.record_json)):
            verdict = verdict_of(json.loads(text).get("summary") or {})
            conn.execute(records.update().where(records.c.seq == seq).values(verdict=verdict))

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

    # --- writing ---------------------------------------------------------------------

    def append(self, record: Mapping[str, Any], *, board: str = DEFAULT_BOARD) -> HistoryEntry:
        """Validate ``record`` and add it at the end of ``board``'s chain.

        Saving the same record twice returns the existing entry; saving a different
        record under an audit id already stored raises `HistoryError`.
        """
        if not BOARD_ID.fullmatch(board):
            raise HistoryError(BAD_BOARD.format(board=board))
        validate_record(record)
        text, sha = to_json(record), fingerprint(record)
        return self._retry(lambda conn: self._append_record(conn, board, record, text, sha))

    def approve(self, audit_id: str, approval: Approval, *, board: str) -> HistoryEntry:
        """File ``approval`` of the reviewed record ``audit_id`` of ``board`` as a new row.

        Raises `HistoryError` when the record is not on that board, has no review, or the
        same person already signed it off.
        """
        return self._retry(lambda conn: self._append_approval(conn, board, audit_id, approval))

    def _retry(self, write: Any) -> HistoryEntry:
        for attempt in range(5):
            try:
                with self._engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql(f"LOCK TABLE {records.name} IN EXCLUSIVE MODE")
                    return write(conn)
            except IntegrityError as err:  # another writer took the same tail: try again
                if attempt == 4:
                    raise self._unavailable(err) from err
            except SQLAlchemyError as err:
                raise self._unavailable(err) from err
        raise AssertionError("unreachable")

    def _append_record(self, conn: Any, board: str, record: Mapping[str, Any], text: str,
                       sha: str) -> HistoryEntry:
        columns = summary_columns(record)
        existing = conn.execute(select(records).where(
            records.c.audit_id == columns["audit_id"])).first()
        if existing is not None:
            if existing.record_sha256 == sha and existing.board == board:
                return _entry(existing)
            raise HistoryError(DUPLICATE.format(audit_id=columns["audit_id"], seq=existing.seq))
        return self._insert(conn, board, "record", None, {**columns, "record_json": text,
                                                           "record_sha256": sha})

    def _append_approval(self, conn: Any, board: str, audit_id: str,
                         approval: Approval) -> HistoryEntry:
        target = self._record_row(conn, audit_id, board)
        if not json.loads(target.record_json).get("review"):
            raise HistoryError(NOT_REVIEWED_YET.format(audit_id=audit_id))
        given = self._approvals(conn, audit_id, board)
        for _, earlier in given:
            if approval.same_person(earlier):
                raise HistoryError(ALREADY_APPROVED.format(
                    who=earlier.identity.display, audit_id=audit_id, time=earlier.time))
        payload = {"audit_id": audit_id, "approval": approval.to_dict()}
        columns = {"audit_id": f"{audit_id}/approval/{len(given) + 1}",
                   "created_at": target.created_at, "dataset_name": target.dataset_name,
                   "dataset_sha256": target.dataset_sha256, "verdict": target.verdict,
                   "passed": target.passed, "decision": approval.decision,
                   "record_json": to_json(payload), "record_sha256": fingerprint(payload)}
        return self._insert(conn, board, "approval", audit_id, columns)

    def _insert(self, conn: Any, board: str, kind: str, refers_to: str | None,
                columns: Mapping[str, Any]) -> HistoryEntry:
        prev = conn.execute(select(records.c.row_hash).where(records.c.board == board)
                            .order_by(records.c.seq.desc()).limit(1)).scalar() or genesis(board)
        saved_at = _now()
        digest = row_hash_v2(prev_hash=prev, record_sha256=columns["record_sha256"],
                             audit_id=columns["audit_id"], saved_at=saved_at, board=board,
                             kind=kind, refers_to=refers_to)
        signed = self.key.sign(digest) if self.key is not None else None
        values = {**columns, "saved_at": saved_at, "prev_hash": prev, "row_hash": digest,
                  "board": board, "kind": kind, "refers_to": refers_to, "chain_version": 2,
                  "key_id": signed[0] if signed else None,
                  "signature": signed[1] if signed else None}
        key = conn.execute(insert(records).values(**values)).inserted_primary_key
        seq = int(key[0]) if key is not None else -1
        return HistoryEntry(
            seq=seq, audit_id=values["audit_id"], created_at=values["created_at"],
            saved_at=saved_at, dataset_name=values["dataset_name"],
            dataset_sha256=values["dataset_sha256"], verdict=values["verdict"],
            decision=values["decision"], record_sha256=values["record_sha256"], prev_hash=prev,
            row_hash=digest, board=board, signed=signed is not None)

    # --- reading ---------------------------------------------------------------------

    def _record_row(self, conn: Any, audit_id: str, board: str | None) -> Any:
        query = select(records).where(records.c.audit_id == audit_id,
                                      records.c.kind == "record")
        if board is not None:
            query = query.where(records.c.board == board)
        row = conn.execute(query).first()
        if row is None:  # also on another board: never say that it exists there
            raise HistoryError(UNKNOWN.format(audit_id=audit_id, url=self.shown_url))
        return row

    @staticmethod
    def _approvals(conn: Any, audit_id: str, board: str) -> builtins.list[tuple[Any, Approval]]:
        rows = conn.execute(select(records).where(
            records.c.kind == "approval", records.c.refers_to == audit_id,
            records.c.board == board).order_by(records.c.seq)).all()
        return [(row, Approval.from_dict(json.loads(row.record_json)["approval"]))
                for row in rows]

    def _read(self, work: Any) -> Any:
        try:
            with self._engine.connect() as conn:
                return work(conn)
        except SQLAlchemyError as err:
            raise self._unavailable(err) from err

    def list(self, board: str | None = None) -> builtins.list[HistoryEntry]:
        """Every saved record's row (of ``board``, or of every board), oldest first."""
        def work(conn: Any) -> builtins.list[HistoryEntry]:
            columns = [c for c in records.c if c.name != "record_json"]
            query = select(*columns).where(records.c.kind == "record").order_by(records.c.seq)
            counts = (select(records.c.refers_to, records.c.board, func.count())
                      .where(records.c.kind == "approval")
                      .group_by(records.c.refers_to, records.c.board))
            if board is not None:
                query = query.where(records.c.board == board)
                counts = counts.where(records.c.board == board)
            approvals = {(r, b): n for r, b, n in conn.execute(counts)}
            return [_entry(row, approvals.get((row.audit_id, row.board), 0))
                    for row in conn.execute(query)]
        return self._read(work)

    def boards(self) -> builtins.list[str]:
        """The boards that have rows, in the order of their first row."""
        def work(conn: Any) -> builtins.list[str]:
            query = (select(records.c.board, func.min(records.c.seq).label("first"))
                     .group_by(records.c.board).order_by("first"))
            return [board for board, _ in conn.execute(query)]
        return self._read(work)

    def get(self, audit_id: str, *, board: str | None = None) -> dict[str, Any]:
        """The stored JSON record of ``audit_id`` (on ``board`` when given); `HistoryError`
        when there is none."""
        row = self._read(lambda conn: self._record_row(conn, audit_id, board))
        return json.loads(row.record_json)

    def filed(self, audit_id: str, *, board: str | None = None) -> dict[str, Any]:
        """The record as the board files it: the stored record, its approvals under
        ``review.approvals``, and a ``history`` stamp (board, row, and the head hash when
        its newest part was saved). `HistoryError` when there is none."""
        def work(conn: Any) -> tuple[Any, builtins.list[tuple[Any, Approval]]]:
            row = self._record_row(conn, audit_id, board)
            return row, self._approvals(conn, audit_id, row.board)
        row, approvals = self._read(work)
        record = json.loads(row.record_json)
        if approvals:
            given = record["review"].setdefault("approvals", [])
            given += [approval.to_dict() for _, approval in approvals]
        last = approvals[-1][0] if approvals else row
        record["history"] = {"board": row.board, "seq": row.seq, "saved_at": row.saved_at,
                             "head": last.row_hash, "head_seq": last.seq,
                             "keyed": bool(last.signature), "key_id": last.key_id}
        return record

    def verify(self, *, board: str | None = None, head: str | None = None) -> VerifyResult:
        """Recompute every row's fingerprint, link and (with a key) signature, board by
        board (only ``board``'s when given); with ``head``, also require that head hash
        to be in the history (it catches the newest rows removed after it was noted)."""
        query = select(records).order_by(records.c.seq)
        if board is not None:
            query = query.where(records.c.board == board)
        rows = self._read(lambda conn: conn.execute(query).all())
        return verify_rows(rows, key=self.key, head=head)
