"""``audit.inputs.prepare``'s checks, over a `Profile` instead of the rows.

Each check raises the same `ColumnError`, word for word, that ``prepare`` raises on the
same file, in the same order: the roles (`check_roles`), then the label, the
prediction, the favorable value, the score, each sensitive column and the references
(`check_profile`). The messages are ``prepare``'s own constants.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from audit._errors import ColumnError
from audit._words import clip
from audit.inputs import AuditSpec, SensitiveColumn, ll144_roles
from audit.inputs._prepare import (  # prepare's own messages and rules, word for word
    BLANK_CELLS,
    EMPTY_CELLS,
    MAX_SENSITIVE_CATEGORIES,
    MISSING_CELLS,
    MISSING_COLUMN,
    NO_SENSITIVE,
    PROBABILITIES,
    ROLE_CLASH,
    SCORE_NOT_NUMERIC,
    SENSITIVE_CONTINUOUS,
    TOO_MANY_VALUES,
    _norm,
    _quoted,
    _roles,
    check_options,
)
from audit.inputs._prepare import _check_references as _prepare_references
from audit.inputs._prepare import _favorable as _prepare_favorable
from audit.inputs._prepare import _refuse_separator as _prepare_separator
from audit.sources._cells import Attribute
from audit.sources._profile import ColumnProfile, Profile

SCORE_NOT_FINITE = (
    "Column {column!r} in {file} is the score and must hold finite numbers, but {count:,} of "
    "its values are infinite, first at data row(s) {rows}. Histograms, sums and cut-offs "
    "cannot place them. Fix: replace them with finite scores, or leave the score out."
)
OUTCOME_FIX = "fill in the {role} on those rows, or remove the rows before uploading."
SCORE_FIX = "fill in the score on those rows, or leave the score out."
SENSITIVE_FIX = (
    "fill them with an explicit category such as 'Unknown' (it is then counted and "
    "reported as unknown, as the adverse-impact rules require), or remove those rows."
)


@dataclass(frozen=True)
class Checked:
    """What the checks establish: the favorable value and each attribute's categories."""

    favorable: str
    label_values: tuple[str, ...]
    prediction_values: tuple[str, ...]
    attributes: tuple[Attribute, ...]
    sex_column: str | None = None
    race_column: str | None = None


def check_roles(spec: AuditSpec, *, columns: Sequence[str], files: Mapping[str, str]) -> None:
    """Refuse a spec without sensitive columns, a role column that is not in the table,
    and one column in two roles.

    Parameters
    ----------
    spec : AuditSpec
        The roles.
    columns : sequence of str
        The table's columns (the dataset's, then the predictions' without the id).
    files : mapping of str to str
        The file each column came from.
    """
    check_options(spec)
    if not spec.sensitive:
        raise ColumnError(NO_SENSITIVE)
    for role, column in _roles(spec):
        if column not in columns:
            raise ColumnError(_missing(role, column, columns, files))
    seen: dict[str, str] = {}
    for role, column in _roles(spec):
        if column in seen:
            raise ColumnError(ROLE_CLASH.format(column=clip(column), first=seen[column],
                                                second=role))
        seen[column] = role


def check_profile(spec: AuditSpec, profile: Profile) -> Checked:
    """Check the role columns' values; return the favorable value and the categories.

    Then, beyond ``prepare``, refuse infinite scores (`SCORE_NOT_FINITE`): the score
    table cannot bin or sum them.

    Raises
    ------
    ColumnError
        With ``prepare``'s message for the first problem ``prepare`` would find.
    """
    _outcome(profile.label, "label")
    _outcome(profile.prediction, "prediction")
    favorable = _favorable(spec, profile.label, profile.prediction)
    if profile.score is not None:
        _score(profile.score)
    unknown = {_norm(v) for v in spec.unknown_values}
    attributes = tuple(_sensitive(column, unknown) for column in profile.sensitive)
    columns = tuple(SensitiveColumn(name=a.name, codes=np.zeros(0, dtype=np.int64),
                                    categories=a.categories, unknown=a.unknown)
                    for a in attributes)
    if spec.intersections and len(columns) > 1:
        _prepare_separator(columns, {a.name: profile.files.get(a.name, "the data")
                                     for a in attributes})
    _prepare_references(spec, columns)
    sex_column, race_column = ll144_roles(sensitive=spec.sensitive, sex_column=spec.sex_column,
                                          race_column=spec.race_column)
    if profile.score is not None and profile.score.infinite:  # after all prepare's checks
        raise ColumnError(SCORE_NOT_FINITE.format(
            column=clip(profile.score.name), file=clip(profile.score.file),
            count=profile.score.infinite,
            rows=", ".join(str(r) for r in profile.score.infinite_rows)))
    return Checked(favorable=favorable, label_values=profile.label.texts,
                   prediction_values=profile.prediction.texts, attributes=attributes,
                   sex_column=sex_column, race_column=race_column)


def _missing(role: str, column: str, columns: Sequence[str], files: Mapping[str, str]) -> str:
    names = [str(c) for c in columns]
    close = difflib.get_close_matches(column, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    sources = sorted(set(files.values())) or ["the data"]
    return MISSING_COLUMN.format(
        role=role, column=clip(column), files=" or ".join(clip(f) for f in sources),
        available=", ".join(repr(clip(n)) for n in names[:40]) + (" ..." if len(names) > 40
                                                                  else ""),
        hint=hint,
    )


def listed(column: ColumnProfile, limit: int = 8) -> str:
    """The column's distinct texts as ``prepare`` quotes them: the first ``limit``, then
    how many more."""
    shown = ", ".join(repr(clip(v)) for v in column.texts[:limit])
    more = column.distinct - limit
    return shown + (f" and {more} more" if more > 0 else "")


def _check_filled(column: ColumnProfile, role: str, fix: str, cells: str = MISSING_CELLS
                  ) -> None:
    if column.missing:
        raise ColumnError(EMPTY_CELLS.format(
            column=clip(column.name), file=clip(column.file), count=column.missing, cells=cells,
            rows=", ".join(str(r) for r in column.missing_rows), role=role, fix=fix,
        ))


def _outcome(column: ColumnProfile, role: str) -> None:
    _check_filled(column, role, OUTCOME_FIX.format(role=role))
    if role == "prediction" and column.kind == "float" and (
            column.distinct > 2 or not column.binary) and column.in_unit:
        raise ColumnError(PROBABILITIES.format(
            column=clip(column.name), file=clip(column.file), count=column.distinct,
            low=column.low, high=column.high,
        ))
    if column.distinct > 2:
        raise ColumnError(TOO_MANY_VALUES.format(
            column=clip(column.name), file=clip(column.file), role=role, count=column.distinct,
            values=listed(column),
        ))


def _favorable(spec: AuditSpec, label: ColumnProfile, prediction: ColumnProfile) -> str:
    """``prepare``'s own rule: both columns are complete here (two values at most)."""
    return _prepare_favorable(spec, list(label.texts), list(prediction.texts),
                              {spec.label: label.file, spec.prediction: prediction.file})


def _score(column: ColumnProfile) -> None:
    _check_filled(column, "score", SCORE_FIX)
    if column.not_numeric is not None:
        raise ColumnError(SCORE_NOT_NUMERIC.format(column=clip(column.name),
                                                   file=clip(column.file),
                                                   example=clip(column.not_numeric)))


def _sensitive(column: ColumnProfile, unknown_values: set[str]) -> Attribute:
    _check_filled(column, "sensitive attribute", SENSITIVE_FIX, cells=BLANK_CELLS)
    if column.distinct > MAX_SENSITIVE_CATEGORIES:
        raise ColumnError(SENSITIVE_CONTINUOUS.format(
            column=clip(column.name), file=clip(column.file), count=column.distinct,
            examples=_quoted(list(column.texts[:5]), limit=5),
        ))
    unknown = tuple(c for c in column.texts if _norm(c) in unknown_values)
    return Attribute(name=column.name, categories=column.texts, unknown=unknown)
