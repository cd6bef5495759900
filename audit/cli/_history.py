"""Command line for the audit history: ``python -m audit history list|verify|show``.

Exit status: 0 done (for ``verify``: the chain is intact, and the ``--head`` hash is in
it), 1 ``verify`` found an altered record or a missing head, 2 the database, the history
key or the audit id is wrong (one message on stderr with the fix).

The CLI is the operator's tool: whoever can open the database sees every board, so
``--board`` narrows what is shown, it does not grant anything.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from audit._errors import HistoryError
from audit._words import DECISION_LABELS, NOT_REVIEWED, clip, verdict_label
from audit.record import DEFAULT_BOARD, to_json

if TYPE_CHECKING:
    from audit.record import HistoryEntry, HistoryStore

__all__ = ["add_history_parser", "add_save_arguments", "run_history", "save_record"]

EXIT_OK, EXIT_ALTERED, EXIT_INPUT = 0, 1, 2
DB_HELP = ("history database URL (default: $AUDIT_DB_URL, else "
           "sqlite:///<user data dir>/fairness-audit/history.sqlite3)")
BOARD_HELP = "only this board's records (default: every board)"
COLUMNS = ("seq", "board", "audit_id", "created_at", "dataset", "verdict", "decision",
           "approvals")
SAVED = ("Saved to the audit history as #{seq} (record sha256 {sha}) on board {board} at "
         "{url}. History head: {head} ({signed}).")
EMPTY = "No audits saved yet in the history at {url}."
BAD_URL = (
    "The history database URL (--db or $AUDIT_DB_URL) cannot be used: {reason}. Fix: give a "
    "URL such as sqlite:////path/to/history.sqlite3, or postgresql+psycopg://user@host/db "
    "(with the psycopg driver installed)."
)


def add_history_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``history {list,verify,show}`` (each with ``--db URL`` and ``--board NAME``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", help=DB_HELP)
    common.add_argument("--board", metavar="NAME", help=BOARD_HELP)
    history = subparsers.add_parser("history", help="list, verify or show saved audit records")
    commands = history.add_subparsers(dest="history_command", required=True,
                                      metavar="{list,verify,show}", parser_class=type(history))
    commands.add_parser("list", parents=[common], help="table of the saved audits")
    verify = commands.add_parser(
        "verify", parents=[common],
        help="check that no saved record was altered, deleted or reordered (and, with a "
        "history key, that every row is signed)")
    verify.add_argument("--head", metavar="HASH",
                        help="a head hash noted earlier (printed in each PDF): fail unless it "
                        "is still in the history, which catches removed newest records")
    show = commands.add_parser("show", parents=[common],
                               help="print one record's JSON, with its approvals")
    show.add_argument("audit_id", metavar="AUDIT_ID", help="the audit's id (see history list)")
    return history


def add_save_arguments(run_parser: argparse.ArgumentParser) -> None:
    """Add ``--save``, ``--db URL`` and ``--board NAME`` to ``python -m audit run``."""
    run_parser.add_argument("--save", action="store_true",
                            help="append the record to the audit history")
    run_parser.add_argument("--db", metavar="URL", help=DB_HELP)
    run_parser.add_argument("--board", metavar="NAME", default=DEFAULT_BOARD,
                            help=f"with --save: the board it belongs to ({DEFAULT_BOARD})")


def open_store(db: str | None) -> HistoryStore:
    """`HistoryStore` for ``db``; a URL it cannot use (malformed, or for a database whose
    driver is not installed) raises `HistoryError` like an unreachable database does."""
    from sqlalchemy.exc import SQLAlchemyError  # on use: SQLAlchemy takes a while to import

    from audit.record import HistoryStore

    try:
        return HistoryStore(db)
    except HistoryError:
        raise
    except (SQLAlchemyError, ImportError, ValueError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise HistoryError(BAD_URL.format(reason=clip(reason, 200))) from err


def save_record(record: Mapping[str, Any], db: str | None = None, *,
                board: str = DEFAULT_BOARD) -> str:
    """Append ``record`` to ``board``'s history; return the line to print. Raises
    `HistoryError`."""
    with open_store(db) as store:
        entry = store.append(record, board=board)
    signed = "signed with the history key" if entry.signed else "unkeyed"
    return SAVED.format(seq=entry.seq, sha=entry.record_sha256, board=entry.board,
                        url=store.shown_url, head=entry.row_hash, signed=signed)


def _printable(text: object) -> str:
    """Text from uploads without control characters that would drive the terminal."""
    return "".join(c if c.isprintable() else "?" for c in str(text))


def _table(entries: list[HistoryEntry]) -> str:
    rows = [[str(e.seq), _printable(e.board), e.audit_id, e.created_at,
             _printable(e.dataset_name), verdict_label(e.verdict),
             DECISION_LABELS.get(e.decision or "", _printable(e.decision or NOT_REVIEWED)),
             str(e.approvals)]
            for e in entries]
    widths = [max(len(r[i]) for r in [list(COLUMNS), *rows]) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines)


def run_history(args: argparse.Namespace) -> int:
    """Run ``history list|verify|show`` from parsed arguments; return the exit status."""
    board = getattr(args, "board", None)
    try:
        with open_store(args.db) as store:
            if args.history_command == "list":
                entries = store.list(board)
                print(_table(entries) if entries else EMPTY.format(url=store.shown_url))
                print(store.key_words)
                return EXIT_OK
            if args.history_command == "show":
                sys.stdout.write(to_json(store.filed(args.audit_id, board=board)) + "\n")
                return EXIT_OK
            result = store.verify(board=board, head=getattr(args, "head", None))
    except HistoryError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    print("\n".join(result.lines()))
    return EXIT_OK if result.ok else EXIT_ALTERED
