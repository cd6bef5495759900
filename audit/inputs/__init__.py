"""Inputs: reading the files, joining them, leaving identifiers out, limits, preparation
and the guess of column roles.

A *dataset* file holds one row per person; a *predictions* file the model's output for
the same people. `read_csv` / `read_path` turn bytes into an `AuditInput`, `join_inputs`
lines two of them up, `find_identifiers` flags columns that name people, and `prepare`
checks the table against an `AuditSpec` and reduces it to the arrays the engine needs
(`PreparedData`). Every mistake in the input raises an `audit.AuditInputError`.
"""

from __future__ import annotations

from audit.inputs._bins import (
    MANY_VALUES,
    Bins,
    band_labels,
    band_preview,
    band_values,
    needs_bins,
    parse_bins,
)
from audit.inputs._guess import (
    MAX_CATEGORIES,
    RoleGuess,
    default_meaning,
    distinct_values,
    guess_favorable,
    guess_roles,
    harm_warning,
)
from audit.inputs._identifiers import (
    IdentifierColumn,
    drop_columns,
    find_identifiers,
    leave_out_identifiers,
)
from audit.inputs._join import join_inputs
from audit.inputs._limits import Limits
from audit.inputs._prepare import UNKNOWN_REFERENCE, coded, ll144_roles, prepare
from audit.inputs._read import read_csv, read_path
from audit.inputs._types import (
    DEFAULT_CRITERIA,
    INTERSECTION_SEP,
    JUDGEMENTS,
    MAX_INTERSECTION_CELLS,
    AuditInput,
    AuditSpec,
    Criterion,
    PreparedData,
    Provenance,
    SensitiveColumn,
    SpilledFile,
)

__all__ = [
    "AuditInput",
    "AuditSpec",
    "Bins",
    "Criterion",
    "DEFAULT_CRITERIA",
    "INTERSECTION_SEP",
    "IdentifierColumn",
    "JUDGEMENTS",
    "Limits",
    "MANY_VALUES",
    "MAX_CATEGORIES",
    "MAX_INTERSECTION_CELLS",
    "PreparedData",
    "Provenance",
    "RoleGuess",
    "SensitiveColumn",
    "SpilledFile",
    "UNKNOWN_REFERENCE",
    "band_labels",
    "band_preview",
    "band_values",
    "coded",
    "default_meaning",
    "distinct_values",
    "drop_columns",
    "find_identifiers",
    "guess_favorable",
    "guess_roles",
    "harm_warning",
    "join_inputs",
    "leave_out_identifiers",
    "ll144_roles",
    "needs_bins",
    "parse_bins",
    "prepare",
    "read_csv",
    "read_path",
]
