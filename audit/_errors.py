"""Exceptions raised for user mistakes.

::

    ValueError
     └── AuditInputError          any problem with what the user gave us
          ├── CSVFormatError      the bytes are not a CSV we can read
          ├── ColumnError         a column is missing, duplicated or holds the wrong values
          └── JoinError           the dataset and predictions files do not line up

Anything else raised from ``audit`` is a bug and must surface as one.
Every message names the file, the column (where there is one), what was expected,
what was found, and the fix.
"""

from __future__ import annotations


class AuditInputError(ValueError):
    """A mistake in the user's input. The message is meant to be shown as is."""


class CSVFormatError(AuditInputError):
    """The uploaded bytes cannot be read as a CSV table."""


class ColumnError(AuditInputError):
    """A column is missing, duplicated, or holds values the audit cannot use."""


class JoinError(AuditInputError):
    """The dataset and predictions files cannot be joined row for row."""
