"""Command line for the audit history: ``python -m audit history list|verify|show``.

Exit status: 0 done (for ``verify``: the chain is intact), 1 ``verify`` found an altered
record, 2 the database or the audit id is wrong (one message on stderr with the fix).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from audit._errors import HistoryError
from audit._words import DECISION_LABELS, NOT_REVIEWED, clip, verdict_label
from audit.record import to_json

if TYPE_CHECKING:
    from audit.record import HistoryEntry, HistoryStore

__all__ = ["add_history_parser", "add_save_arguments", "run_history", "save_record"]

EXIT_OK, EXIT_ALTERED, EXIT_INPUT = 0, 1, 2
DB_HELP = ("history database URL (default: $AUDIT_DB_URL, else "
           "sqlite:///<user data dir>/fairness-audit/history.sqlite3)")
COLUMNS = ("seq", "audit_id", "created_at", "dataset", "verdict", "decision")
BAD_URL = (
    "The history database URL (--db or $AUDIT_DB_URL) cannot be used: {reason}. Fix: give a "
    "URL such as sqlite:////path/to/history.sqlite3, or postgresql+psycopg://user@host/db "
    "(with the psycopg driver installed)."
)


def add_history_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``history {list,verify,show}`` (each with ``--db URL``) to the CLI's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", help=DB_HELP)
    history = subparsers.add_parser("history", help="list, verify or show saved audit records")
    commands = history.add_subparsers(dest="history_command", required=True,
                                      metavar="{list,verify,show}", parser_class=type(history))
    commands.add_parser("list", parents=[common], help="table of the saved audits")
    commands.add_parser("verify", parents=[common],
                        help="check that no saved record was altered, deleted or reordered")
    show = commands.add_parser("show", parents=[common], help="print one record's JSON")
    show.add_argument("audit_id", metavar="AUDIT_ID", help="the audit's id (see history list)")
    return history


def add_save_arguments(run_parser: argparse.ArgumentParser) -> None:
    """Add ``--save`` and ``--db URL`` to ``python -m audit run``."""
    run_parser.add_argument("--save", action="store_true",
                            help="append the record to the audit history")
    run_parser.add_argument("--db", metavar="URL", help=DB_HELP)


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


def save_record(record: Mapping[str, Any], db: str | None = None) -> str:
    """Append ``record`` to the history; return the line to print. Raises `HistoryError`."""
    with open_store(db) as store:
        entry = store.append(record)
    return (f"Saved to the audit history as #{entry.seq} (record sha256 "
            f"{entry.record_sha256}) at {store.shown_url}.")


def _printable(text: object) -> str:
    """Text from uploads without control characters that would drive the terminal."""
    return "".join(c if c.isprintable() else "?" for c in str(text))


def _table(entries: list[HistoryEntry]) -> str:
    rows = [[str(e.seq), e.audit_id, e.created_at, _printable(e.dataset_name),
             verdict_label(e.verdict),
             DECISION_LABELS.get(e.decision or "", _printable(e.decision or NOT_REVIEWED))]
            for e in entries]
    widths = [max(len(r[i]) for r in [list(COLUMNS), *rows]) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines)


def run_history(args: argparse.Namespace) -> int:
    """Run ``history list|verify|show`` from parsed arguments; return the exit status."""
    try:
        with open_store(args.db) as store:
            if args.history_command == "list":
                entries = store.list()
                print(_table(entries) if entries else
                      f"No audits saved yet in the history at {store.shown_url}.")
                return EXIT_OK
            if args.history_command == "show":
                sys.stdout.write(to_json(store.get(args.audit_id)) + "\n")
                return EXIT_OK
            result = store.verify()
    except HistoryError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    if result.ok:
        print(f"History intact: {result.checked} records verified.")
        if result.head:
            print(f"Latest row hash: {result.head} (note it elsewhere to detect removal of "
                  "the newest records).")
        return EXIT_OK
    print(f"History altered: record {result.first_bad} {result.reason}. "
          f"{result.checked - 1} record(s) before it verified.")
    return EXIT_ALTERED
