"""The history's chains: how a row is hashed and linked, and how `verify` checks them.

Each board has its own chain. A board's first row links to the board's *genesis* (the
all-zero hash for ``default``, so that rows saved before boards existed keep their
links; a hash of the board's id for any other board); every later row links to the row
hash of the board's row before it. Two row layouts exist:

- version 1 (rows saved before boards): ``sha256(prev_hash + record_sha256 + audit_id +
  saved_at)``; such rows are records of the ``default`` board and are never signed;
- version 2: the sha256 of the canonical JSON of ``{v, board, kind, audit_id, refers_to,
  record_sha256, saved_at, prev_hash}``, so that moving a row to another board, or
  passing an approval off as a record, changes it.

With a history key, each row's hash is signed (`HistoryKey`), and `verify_rows` requires
a board's rows to be signed from its first signed row on, its newest row included: rows
rewritten and re-hashed without the key, or stripped of their signatures, fail. Rows
saved before the key was set are vouched for by the signed row after them (the links
cover them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from audit._words import verdict_of
from audit.record._boards import DEFAULT_BOARD
from audit.record._export import fingerprint, legacy_fingerprint
from audit.record._history_keys import HistoryKey

__all__ = ["GENESIS", "VerifyResult", "genesis", "row_hash", "row_hash_v2", "summary_columns",
           "verify_rows"]

GENESIS = "0" * 64
HEAD_MISSING = (
    "the head hash {head} is not in the history: the record it was noted with, or records "
    "saved before it, were deleted or rewritten after it was noted"
)
UNSIGNED_HEAD = (
    "it is the newest row of board {board!r} and it is not signed, though the history has "
    "a key: it was saved without the key, or its signature was removed. (If the key was set "
    "after it was saved, the board's next saved record vouches for it.)"
)
INTACT = "History intact: {checked} rows verified."
ALTERED = "History altered: record {first_bad} {reason}. {before} row(s) before it verified."
ALTERED_HEAD = "History altered: {reason}."
HEAD_LINE = ("Board {board}: head {head} (note it, or keep a PDF that prints it: "
             "`python -m audit history verify --head HASH` then catches removal of the "
             "newest records).")
HEAD_FOUND = "Head {head} found on board {board}: nothing saved up to it was removed."
KEYED = ("Keyed: rows are signed with the history key (Ed25519); {signed} signature(s) "
         "checked{older}.")
KEYED_OLDER = ("; {unsigned} older row(s), saved before the key was set, are vouched for by "
               "the signed rows after them")
UNCHECKED = ("Unkeyed check: {signed} row(s) carry signatures that were not checked. Set "
             "AUDIT_HISTORY_KEY or AUDIT_HISTORY_PUBLIC_KEY to check them.")
UNKEYED = ("Unkeyed: the rows are hash-chained but not signed, so someone who can write to "
           "the database could rewrite and re-hash them without being caught. Set "
           "AUDIT_HISTORY_KEY to sign them (see the README).")
UNSIGNED_AFTER = ("it is not signed, though rows before it are: it was saved without the "
                  "history key, or its signature was removed")


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of `HistoryStore.verify`.

    ``checked`` counts the rows examined (up to and including the first bad one);
    ``heads`` maps each board checked to its newest row hash (``head`` is that hash when
    one board was checked). ``keyed``: signatures were checked with a key; ``signed``
    counts the rows that carry one; ``unsigned`` the rows saved before the key was set
    (vouched for by a signed row after them). ``head_board`` is the board in which a
    given head hash was found.
    """

    ok: bool
    checked: int
    first_bad: str | None
    reason: str
    head: str | None = None
    heads: Mapping[str, str] = field(default_factory=dict)
    keyed: bool = False
    signed: int = 0
    unsigned: int = 0
    head_board: str | None = None
    head_found: str | None = None

    def key_words(self) -> str:
        """Whether the signatures were checked, in one sentence."""
        if self.keyed:
            older = KEYED_OLDER.format(unsigned=self.unsigned) if self.unsigned else ""
            return KEYED.format(signed=self.signed, older=older)
        return UNCHECKED.format(signed=self.signed) if self.signed else UNKEYED

    def lines(self) -> list[str]:
        """The outcome in plain words, as the CLI prints it and the History page shows it."""
        if not self.ok:
            if self.first_bad is None:
                return [ALTERED_HEAD.format(reason=self.reason)]
            return [ALTERED.format(first_bad=self.first_bad, reason=self.reason,
                                   before=self.checked - 1)]
        lines = [INTACT.format(checked=self.checked), self.key_words()]
        lines += [HEAD_LINE.format(board=b, head=h) for b, h in self.heads.items()]
        if self.head_board is not None:
            lines.append(HEAD_FOUND.format(head=self.head_found, board=self.head_board))
        return lines


def genesis(board: str) -> str:
    """The hash a board's first row links to."""
    if board == DEFAULT_BOARD:
        return GENESIS
    return hashlib.sha256(f"fairness-audit board {board}".encode()).hexdigest()


def row_hash(prev_hash: str, record_sha256: str, audit_id: str, saved_at: str) -> str:
    """A version-1 row hash (rows saved before boards)."""
    text = prev_hash + record_sha256 + audit_id + saved_at
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_hash_v2(*, prev_hash: str, record_sha256: str, audit_id: str, saved_at: str,
                board: str, kind: str, refers_to: str | None) -> str:
    """A version-2 row hash: every field that places the row in its board's chain."""
    fields = {"v": 2, "board": board, "kind": kind, "audit_id": audit_id,
              "refers_to": refers_to, "record_sha256": record_sha256, "saved_at": saved_at,
              "prev_hash": prev_hash}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def summary_columns(record: Mapping[str, Any]) -> dict[str, Any]:
    """The columns `list` shows, taken from the record (and checked against it by verify)."""
    inputs = record["inputs"]
    verdict = verdict_of(record["summary"])
    dataset = next((i for i in inputs if i["role"] == "dataset"), inputs[0])
    review = record.get("review") or {}
    return {"audit_id": record["audit_id"], "created_at": record["created_at"],
            "dataset_name": dataset["name"], "dataset_sha256": dataset["sha256"],
            "verdict": verdict, "passed": verdict == "pass", "decision": review.get("decision")}


SHARED = ("created_at", "dataset_name", "dataset_sha256", "verdict", "passed")


def _expected_hash(row: Any) -> str:
    if row.chain_version == 1:
        return row_hash(row.prev_hash, row.record_sha256, row.audit_id, row.saved_at)
    return row_hash_v2(prev_hash=row.prev_hash, record_sha256=row.record_sha256,
                       audit_id=row.audit_id, saved_at=row.saved_at, board=row.board,
                       kind=row.kind, refers_to=row.refers_to)


def _content(row: Any, records: Mapping[str, Any]) -> str:
    """Why the row's stored JSON or its columns do not hold ("" when they do)."""
    try:
        stored = json.loads(row.record_json)
        actual = fingerprint(stored)
    except (TypeError, ValueError):
        return "its stored record is no longer valid JSON: it was edited after saving"
    known = (actual, legacy_fingerprint(stored)) if row.kind == "record" else (actual,)
    if row.record_sha256 not in known:
        return (f"its record was changed after it was saved (the record's sha256 is now "
                f"{actual}, it was saved as {row.record_sha256})")
    if row.chain_version == 1 and (row.board != DEFAULT_BOARD or row.kind != "record"):
        return "it was saved before boards existed, so it belongs to the default board"
    try:
        if row.kind == "record":
            expected = summary_columns(stored)
        else:
            target = records.get(stored["audit_id"])
            if target is None or row.refers_to != stored["audit_id"]:
                return ("it is an approval of an audit that is not filed before it on the "
                        "same board")
            expected = {**{c: getattr(target, c) for c in SHARED},
                        "decision": stored["approval"]["decision"]}
    except (KeyError, IndexError, TypeError):
        return "its record lacks the inputs or summary every audit record has"
    edited = [name for name, value in expected.items()
              if (bool(getattr(row, name)) if name == "passed" else getattr(row, name)) != value]
    if edited:
        return f"its column(s) {', '.join(edited)} no longer match the stored record"
    return ""


def verify_rows(rows: Iterable[Any], *, key: HistoryKey | None,
                head: str | None = None) -> VerifyResult:
    """Check every row, board by board, in ``seq`` order; name the first that fails."""
    prev: dict[str, tuple[str, int | None]] = {}
    records: dict[str, dict[str, Any]] = {}
    signing: dict[str, bool] = {}  # board -> a signed row has been seen
    newest: dict[str, Any] = {}
    hashes: dict[str, str] = {}  # row hash -> board
    checked = signed = unsigned = 0
    keyed = key is not None and bool(key.public)

    def bad(row: Any, reason: str) -> VerifyResult:
        return VerifyResult(ok=False, checked=checked, first_bad=row.audit_id,
                            reason=f"#{row.seq}: {reason}", keyed=keyed, signed=signed)

    for row in rows:
        checked += 1
        board = row.board or DEFAULT_BOARD
        link, link_seq = prev.get(board, (genesis(board), None))
        reason = _content(row, records.setdefault(board, {}))
        if reason:
            return bad(row, reason)
        if row.prev_hash != link:
            gap = f" (seq {link_seq} is followed by seq {row.seq})" if link_seq else ""
            return bad(row, "its link to the record before it is broken: a record before it "
                       f"was deleted, inserted or reordered{gap}")
        if row.row_hash != _expected_hash(row):
            return bad(row, "its row hash does not match its audit id, save time or fingerprint")
        if row.signature:
            signed += 1
            if keyed:
                assert key is not None
                reason = key.check(row.row_hash, row.key_id or "", row.signature)
                if reason:
                    return bad(row, reason)
            signing[board] = True
        elif keyed and signing.get(board):
            return bad(row, UNSIGNED_AFTER)
        elif keyed:
            unsigned += 1
        if row.kind == "record":
            records[board][row.audit_id] = row
        prev[board] = (row.row_hash, row.seq)
        hashes[row.row_hash] = board
        newest[board] = row
    if keyed:
        for board, row in newest.items():
            if not row.signature:
                return bad(row, UNSIGNED_HEAD.format(board=board))
    heads = {board: row.row_hash for board, row in newest.items()}
    result = VerifyResult(ok=True, checked=checked, first_bad=None, reason="",
                          head=next(iter(heads.values())) if len(heads) == 1 else None,
                          heads=heads, keyed=keyed, signed=signed, unsigned=unsigned)
    if head is None:
        return result
    if head not in hashes:
        return VerifyResult(ok=False, checked=checked, first_bad=None,
                            reason=HEAD_MISSING.format(head=head), heads=heads, keyed=keyed,
                            signed=signed, unsigned=unsigned)
    return dataclasses.replace(result, head_board=hashes[head], head_found=head)
