"""Check an `AuditSpec` against a loaded table and reduce it to `PreparedData`.

This is the one place where column roles are validated; the engine downstream trusts
what it receives. Every check raises `ColumnError` with a message that names the file,
the column, what was expected, what was found and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from audit._errors import AuditInputError, ColumnError
from audit._words import clip
from audit.inputs._types import (
    INTERSECTION_SEP,
    JUDGEMENTS,
    AuditSpec,
    PreparedData,
    SensitiveColumn,
)

MISSING_COLUMN = (
    "The {role} column {column!r} is not in {files}. The columns there are: {available}.{hint} "
    "Fix: choose the right column for the {role}, or check the spelling in the file's header."
)
ROLE_CLASH = (
    "Column {column!r} is used both as the {first} and as the {second}. Each role needs its own "
    "column. Fix: choose a different column for one of them."
)
EMPTY_CELLS = (
    "Column {column!r} in {file} has {count} {cells}, first at data row(s) {rows}. The {role} "
    "must be filled in on every row. Fix: {fix}"
)
MISSING_CELLS = "empty or missing cells (blank, NA, N/A or null)"
BLANK_CELLS = "empty cells"  # sensitive columns are read as written: NA is a category
SEPARATOR_IN_VALUE = (
    "Column {column!r} in {file} holds the value {value!r}, which contains {sep!r}: the sign "
    "the audit puts between the groups of an intersection (such as 'female × Black'), so two "
    "different groups could get the same name. Fix: write that value without {sep!r} (for "
    "example with ' and ' or '/'), or audit {column!r} on its own."
)
SEPARATOR_IN_NAME = (
    "The sensitive column {column!r} has {sep!r} in its name: the sign the audit puts between "
    "the columns of an intersection (such as 'sex × race'). Fix: rename the column without "
    "{sep!r}, or audit it on its own."
)
TOO_MANY_VALUES = (
    "Column {column!r} in {file} is the {role} and must hold two values (the favorable outcome "
    "and the other one), but it holds {count}: {values}. Fix: map these to two outcomes before "
    "uploading (for example approved/denied), or remove the rows with the extra values."
)
PROBABILITIES = (
    "Column {column!r} in {file} is the prediction and must hold decisions (two values such "
    "as 0/1 or approved/denied), but it holds probabilities: {count} distinct values between "
    "{low:.3g} and {high:.3g}. Fix: choose the decision column as the prediction and give this "
    "one as the score, or turn it into decisions with your model's threshold first."
)
VALUES_DISAGREE = (
    "The label {label!r} ({label_file}) holds {label_values} but the prediction {prediction!r} "
    "({prediction_file}) holds {prediction_values}. Both must use the same two values so that "
    "one of them can mean the favorable outcome. Fix: recode one of the columns to match the "
    "other."
)
FAVORABLE_UNKNOWN = (
    "The favorable outcome {favorable!r} does not occur in the label {label!r} ({file}) or the "
    "prediction {prediction!r} ({prediction_file}), which hold {values}. Fix: choose one of "
    "those values as the favorable outcome."
)
FAVORABLE_AMBIGUOUS = (
    "Which outcome is favorable? The label {label!r} ({file}) holds {values}, and none of them "
    "is a value the audit recognises as favorable. Fix: say which value is the good outcome "
    "for the person (command line: --favorable VALUE)."
)
SCORE_NOT_NUMERIC = (
    "Column {column!r} in {file} is the score and must hold numbers (such as a probability from "
    "0 to 1), but it holds text such as {example!r}. Fix: choose the model's numeric score "
    "column, or leave the score out."
)
SENSITIVE_CONTINUOUS = (
    "Column {column!r} in {file} is a sensitive attribute and must hold categories, but it has "
    "{count} distinct values (for example {examples}). Fix: group the values into a few "
    "categories first (for example age bands such as 18-29, 30-44, 45-64, 65+)."
)
UNKNOWN_REFERENCE = (
    "The reference group {group!r} for {attribute!r} does not occur in that column, whose "
    "groups are: {groups}. Fix: choose one of those groups as the reference."
)
UNKNOWN_REFERENCE_ATTRIBUTE = (
    "A reference group was given for {attribute!r}, which is not one of the sensitive "
    "attributes ({attributes}). Fix: give references as ATTRIBUTE=GROUP for an audited attribute."
)
BAD_MIN_DENOMINATOR = (
    "The fewest people a rate must rest on to be judged must be a whole number of at least 1, "
    "got {value!r}. Fix: give a number such as 10 (command line: --min-denominator 10)."
)
BAD_JUDGEMENT = (
    "The judgement rule must be one of {allowed}, got {value!r}. Fix: choose 'interval' (the "
    "whole confidence interval decides) or 'point' (the point value alone decides)."
)
ROLE_NOT_SENSITIVE = (
    "The {role} column {column!r} is not one of the sensitive attributes ({sensitive}). The "
    "NYC Local Law 144 sex × race/ethnicity table is made from two of them. Fix: add "
    "{column!r} to the sensitive attributes, or choose one of those columns as the {role} "
    "column."
)
SAME_ROLE_COLUMN = (
    "Column {column!r} was chosen both as the sex column and as the race/ethnicity column. "
    "Fix: choose a different column for one of them."
)
NO_SENSITIVE = (
    "No sensitive attribute was chosen. The audit compares groups, so it needs at least one "
    "column such as sex or race. Fix: choose one or more sensitive columns."
)

FAVORABLE_WORDS = frozenset({
    "1", "true", "yes", "y", "approved", "approve", "accepted", "accept", "hired", "hire",
    "granted", "admitted", "selected", "shortlisted", "pass", "passed", "positive", "good",
    "eligible", "offer", "offered", "success",
})
MAX_SENSITIVE_CATEGORIES = 50
SEX_WORDS = ("sex", "gender", "sex_gender", "gender_identity")
RACE_WORDS = ("race", "ethnicity", "race_ethnicity", "ethnic_group", "race_or_ethnicity",
              "ethnicity_race")


def prepare(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    files: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> PreparedData:
    """Validate ``spec`` against ``frame`` and return the arrays the engine needs.

    Parameters
    ----------
    frame : pandas.DataFrame
        The joined table (dataset columns and prediction columns side by side).
    spec : AuditSpec
        Column roles and options.
    files : mapping of str to str, optional
        The file each column came from, used in messages. Defaults to "the data".
    id_column : str, optional
        The id column; it is excluded from the features.

    Raises
    ------
    ColumnError
        When a role column is missing or holds values the audit cannot use.
    """
    files = dict(files or {})
    where = _file_lookup(frame, files)
    check_options(spec)
    if not spec.sensitive:
        raise ColumnError(NO_SENSITIVE)
    roles = _roles(spec)
    for role, column in roles:
        if column not in frame.columns:
            raise ColumnError(_missing(role, column, frame, files))
    seen: dict[str, str] = {}
    for role, column in roles:
        if column in seen:
            raise ColumnError(ROLE_CLASH.format(column=clip(column), first=seen[column],
                                                second=role))
        seen[column] = role

    label_codes, label_values = _outcome(frame, spec.label, "label", where)
    prediction_codes, prediction_values = _outcome(frame, spec.prediction, "prediction", where)
    favorable = _favorable(spec, label_values, prediction_values, where)
    score = _score(frame, spec.score, where) if spec.score else None
    unknown = {_norm(v) for v in spec.unknown_values}
    sensitive = tuple(_sensitive(frame, column, where, unknown) for column in spec.sensitive)
    if spec.intersections and len(sensitive) > 1:
        _refuse_separator(sensitive, where)
    _check_references(spec, sensitive)
    sex_column, race_column = ll144_roles(sensitive=spec.sensitive, sex_column=spec.sex_column,
                                          race_column=spec.race_column)

    role_columns = {column for _, column in roles} | ({id_column} if id_column else set())
    features = tuple(str(c) for c in frame.columns if c not in role_columns)
    return PreparedData(
        frame=frame,
        y_true=_is(label_codes, label_values, favorable),
        y_pred=_is(prediction_codes, prediction_values, favorable),
        score=score,
        sensitive=sensitive,
        favorable=favorable,
        features=features,
        sex_column=sex_column,
        race_column=race_column,
    )


def check_options(spec: AuditSpec) -> None:
    """Check the spec's options that do not depend on the table; raise `AuditInputError`."""
    minimum = spec.min_denominator
    if isinstance(minimum, bool) or not isinstance(minimum, int | np.integer) or minimum < 1:
        raise AuditInputError(BAD_MIN_DENOMINATOR.format(value=minimum))
    if spec.judgement not in JUDGEMENTS:
        raise AuditInputError(BAD_JUDGEMENT.format(
            allowed=", ".join(repr(j) for j in JUDGEMENTS), value=spec.judgement))


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _name_is(column: str, words: tuple[str, ...]) -> bool:
    normal = "_".join("".join(c if c.isalnum() else " " for c in column.casefold()).split())
    return normal in words


def ll144_roles(*, sensitive: Sequence[str], sex_column: str | None = None,
                race_column: str | None = None) -> tuple[str | None, str | None]:
    """The sensitive columns holding sex and race/ethnicity, for the NYC Local Law 144
    sex × race/ethnicity table: as given (``""`` for none), else the first sensitive column
    named like one (``sex``, ``gender``; ``race``, ``ethnicity``, ...), else ``None``.

    Raises `ColumnError` when a given column is not a sensitive attribute, or when one
    column is given for both roles.

    Examples
    --------
    >>> ll144_roles(sensitive=("age_band", "Gender", "race"))
    ('Gender', 'race')
    """
    chosen = []
    for role, given, words in (("sex", sex_column, SEX_WORDS),
                               ("race/ethnicity", race_column, RACE_WORDS)):
        if given is None:
            given = next((c for c in sensitive if _name_is(c, words)), None)
        elif given == "":
            given = None
        elif given not in sensitive:
            raise ColumnError(ROLE_NOT_SENSITIVE.format(
                role=role, column=given, sensitive=_quoted(list(sensitive))))
        chosen.append(given)
    if chosen[0] is not None and chosen[0] == chosen[1]:
        if sex_column is None or race_column is None:
            # a guess never takes the column given for the other role
            return (None, chosen[1]) if sex_column is None else (chosen[0], None)
        raise ColumnError(SAME_ROLE_COLUMN.format(column=chosen[0]))
    return chosen[0], chosen[1]


def _roles(spec: AuditSpec) -> list[tuple[str, str]]:
    roles = [("label", spec.label), ("prediction", spec.prediction)]
    if spec.score:
        roles.append(("score", spec.score))
    roles += [("sensitive attribute", column) for column in spec.sensitive]
    return roles


def _file_lookup(frame: pd.DataFrame, files: Mapping[str, str]) -> dict[str, str]:
    return {str(c): files.get(str(c), "the data") for c in frame.columns}


def _missing(role: str, column: str, frame: pd.DataFrame, files: Mapping[str, str]) -> str:
    names = [str(c) for c in frame.columns]
    close = difflib.get_close_matches(column, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    sources = sorted(set(files.values())) or ["the data"]
    return MISSING_COLUMN.format(
        role=role,
        column=clip(column),
        files=" or ".join(clip(f) for f in sources),
        available=", ".join(repr(clip(n)) for n in names[:40]) + (" ..." if len(names) > 40
                                                                  else ""),
        hint=hint,
    )


def _text(value: object) -> str:
    """A value as the string a user would type: 1.0 → '1', True → 'True'."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _coded_text(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes into sorted distinct texts. Factorizes first, so the per-row work is
    one hash pass however the column is typed."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [_text(v) for v in uniques]
    distinct, inverse = np.unique(np.array(texts, dtype=object), return_inverse=True)
    return inverse[codes].astype(np.int64), [str(t) for t in distinct]


def _first_rows(mask: np.ndarray) -> str:
    rows = np.flatnonzero(mask)[:5] + 1
    return ", ".join(str(int(r)) for r in rows)


def _check_filled(frame: pd.DataFrame, column: str, role: str, where: Mapping[str, str],
                  fix: str, cells: str = MISSING_CELLS) -> None:
    missing = frame[column].isna().to_numpy()
    if missing.any():
        raise ColumnError(EMPTY_CELLS.format(
            column=clip(column), file=clip(where[column]), count=int(missing.sum()),
            cells=cells, rows=_first_rows(missing), role=role, fix=fix,
        ))


def _quoted(values: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(clip(v)) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _outcome(frame: pd.DataFrame, column: str, role: str,
             where: Mapping[str, str]) -> tuple[np.ndarray, list[str]]:
    _check_filled(frame, column, role, where,
                  fix=f"fill in the {role} on those rows, or remove the rows before uploading.")
    values = frame[column]
    if role == "prediction" and pd.api.types.is_float_dtype(values):
        distinct = values.unique()
        if len(distinct) > 2 or not np.all(np.isin(distinct, (0.0, 1.0))):
            in_unit = bool(((values >= 0) & (values <= 1)).all())
            if in_unit:
                raise ColumnError(PROBABILITIES.format(
                    column=clip(column), file=clip(where[column]), count=len(distinct),
                    low=float(values.min()), high=float(values.max()),
                ))
    codes, texts = _coded_text(values)
    if len(texts) > 2:
        raise ColumnError(TOO_MANY_VALUES.format(
            column=clip(column), file=clip(where[column]), role=role, count=len(texts),
            values=_quoted(texts),
        ))
    return codes, texts


def _is(codes: np.ndarray, texts: list[str], value: str) -> np.ndarray:
    if value not in texts:
        return np.zeros(codes.shape, dtype=bool)
    return codes == texts.index(value)


def _favorable(spec: AuditSpec, label_values: list[str], prediction_values: list[str],
               where: Mapping[str, str]) -> str:
    if len(set(label_values) | set(prediction_values)) > 2:
        raise ColumnError(VALUES_DISAGREE.format(
            label=clip(spec.label), label_file=clip(where[spec.label]),
            label_values=_quoted(label_values), prediction=clip(spec.prediction),
            prediction_file=clip(where[spec.prediction]),
            prediction_values=_quoted(prediction_values),
        ))
    values = sorted(set(label_values) | set(prediction_values))
    if spec.favorable is not None:
        wanted = str(spec.favorable).strip()
        for value in values:
            if value == wanted or value.casefold() == wanted.casefold():
                return value
        raise ColumnError(FAVORABLE_UNKNOWN.format(
            favorable=clip(spec.favorable), label=clip(spec.label),
            file=clip(where[spec.label]), prediction=clip(spec.prediction),
            prediction_file=clip(where[spec.prediction]),
            values=_quoted(values),
        ))
    known = [v for v in values if v.casefold() in FAVORABLE_WORDS]
    if len(known) == 1:
        return known[0]
    raise ColumnError(FAVORABLE_AMBIGUOUS.format(
        label=clip(spec.label), file=clip(where[spec.label]), values=_quoted(values),
    ))


def _score(frame: pd.DataFrame, column: str, where: Mapping[str, str]) -> np.ndarray:
    _check_filled(frame, column, "score", where,
                  fix="fill in the score on those rows, or leave the score out.")
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        numeric = pd.to_numeric(values, errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any():
            example = values.iloc[int(np.flatnonzero(bad)[0])]
            raise ColumnError(SCORE_NOT_NUMERIC.format(
                column=clip(column), file=clip(where[column]), example=clip(example)))
        values = numeric
    return values.to_numpy(dtype=float)


def _sensitive(frame: pd.DataFrame, column: str, where: Mapping[str, str],
               unknown_values: set[str]) -> SensitiveColumn:
    _check_filled(
        frame, column, "sensitive attribute", where,
        fix="fill them with an explicit category such as 'Unknown' (it is then counted and "
        "reported as unknown, as the adverse-impact rules require), or remove those rows.",
        cells=BLANK_CELLS,
    )
    codes, categories = _coded_text(frame[column])
    if len(categories) > MAX_SENSITIVE_CATEGORIES:
        raise ColumnError(SENSITIVE_CONTINUOUS.format(
            column=clip(column), file=clip(where[column]), count=len(categories),
            examples=_quoted([str(c) for c in categories[:5]], limit=5),
        ))
    names = tuple(str(c) for c in categories)
    unknown = tuple(c for c in names if _norm(c) in unknown_values)
    return SensitiveColumn(name=column, codes=codes, categories=names,
                           unknown=unknown)


def _refuse_separator(sensitive: tuple[SensitiveColumn, ...], where: Mapping[str, str]) -> None:
    """Refuse a name or value with the intersection sign in it: every intersection group's
    name must be its own."""
    for column in sensitive:
        if INTERSECTION_SEP in column.name:
            raise ColumnError(SEPARATOR_IN_NAME.format(column=clip(column.name),
                                                       sep=INTERSECTION_SEP))
        bad = next((c for c in column.categories if INTERSECTION_SEP in c), None)
        if bad is not None:
            raise ColumnError(SEPARATOR_IN_VALUE.format(
                column=clip(column.name), file=clip(where[column.name]), value=clip(bad),
                sep=INTERSECTION_SEP))


def _check_references(spec: AuditSpec, sensitive: tuple[SensitiveColumn, ...]) -> None:
    by_name = {s.name: s for s in sensitive}
    attributes = spec.attributes
    pairs = ({INTERSECTION_SEP.join(pair) for pair in combinations(spec.sensitive, 2)}
             if spec.intersections else set())  # audited beyond max_intersection_cells
    for attribute, group in spec.reference.items():
        if attribute not in attributes and attribute not in pairs:
            raise ColumnError(UNKNOWN_REFERENCE_ATTRIBUTE.format(
                attribute=clip(attribute), attributes=_quoted(list(attributes))))
        if attribute in by_name and group not in by_name[attribute].categories:
            raise ColumnError(UNKNOWN_REFERENCE.format(
                group=clip(group), attribute=clip(attribute),
                groups=_quoted(list(by_name[attribute].categories), limit=20),
            ))
