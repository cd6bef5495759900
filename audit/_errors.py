"""The exceptions ``audit`` raises on purpose, and what each means::

    Exception
     ├── ValueError
     │    └── AuditInputError     a mistake in what the user gave us: show the message as is
     │         ├── CSVFormatError the bytes are not a CSV we can read
     │         ├── ColumnError    a column is missing, duplicated or holds the wrong values
     │         └── JoinError      the dataset and predictions files do not line up
     └── HistoryError             the audit history cannot be used (database unreachable,
                                  record not found or refused): not the user's data at fault

Pages and the CLI catch these two families and show their message; anything else raised
from ``audit`` is a bug and must surface as one. Every message names the file, the column
(where there is one), what was expected, what was found, and the fix.
"""

from __future__ import annotations

__all__ = ["AuditInputError", "CSVFormatError", "ColumnError", "HistoryError", "JoinError"]


class AuditInputError(ValueError):
    """A mistake in the user's input. The message is meant to be shown as is."""


class CSVFormatError(AuditInputError):
    """The uploaded bytes cannot be read as a CSV table."""


class ColumnError(AuditInputError):
    """A column is missing, duplicated, or holds values the audit cannot use."""


class JoinError(AuditInputError):
    """The dataset and predictions files cannot be joined row for row."""


class HistoryError(Exception):
    """The audit history cannot do what was asked: its database cannot be reached or
    written, an audit id is unknown, or a record is refused. The message says the fix."""
