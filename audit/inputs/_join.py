"""Joining the dataset with the predictions, by an id column or by row order.

Every problem raises a `JoinError` or `ColumnError` whose message is one of the ``MSG_*``
constants below, formatted with the file names and the column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit._errors import ColumnError, JoinError
from audit._words import clip, quoted
from audit.inputs._types import AuditInput

__all__ = ["join_inputs"]

# --- messages: joining the dataset and the predictions ----------------------------------

MSG_ID_COLUMN_MISSING = (
    "The id column {column!r} is not in the {role} file {file!r}. Expected a column with "
    "exactly this name, holding a different id on every row. The columns of {file!r} are: "
    "{columns}. Give the id column's name as it is written there, or add the column to "
    "the file, and try again."
)
MSG_ID_BLANK = (
    "The id column {column!r} in the {role} file {file!r} is empty on {count:,} rows (the "
    "first is data row {row}, counting the rows below the column names from 1). Expected "
    "an id on every row, so that each row can be matched. Fill in the missing ids, or "
    "remove those rows, and upload the file again."
)
MSG_ID_DUPLICATED = (
    "The id column {column!r} in the {role} file {file!r} has {count:,} ids that appear on "
    "more than one row, for example {examples}. Expected each id on one row only, so that "
    "every row matches exactly one row of the other file. Remove the repeated rows, or "
    "choose a column that is different on every row, and upload the file again."
)
MSG_ID_NO_MATCH = (
    "None of the {dataset_count:,} ids in column {column!r} of the dataset file {dataset!r} "
    "matches any of the {predictions_count:,} ids in the predictions file {predictions!r}. "
    "For example, the dataset has {dataset_examples} and the predictions have "
    "{predictions_examples}. Expected the same ids in both files. Check that both files "
    "come from the same run and write the ids the same way (7 and 007 are different ids), "
    "then upload them again."
)
MSG_ID_UNMATCHED = (
    "Some ids in column {column!r} have no partner in the other file: "
    "{dataset_unmatched:,} of the {dataset_count:,} ids in the dataset file {dataset!r} "
    "are not in the predictions file {predictions!r} (examples: {dataset_examples}), and "
    "{predictions_unmatched:,} of the {predictions_count:,} ids in {predictions!r} are not "
    "in {dataset!r} (examples: {predictions_examples}). Expected every id in both files, so "
    "that nobody is silently left out of the audit. Export both files from the same run, "
    "or remove the unmatched rows from both files, and upload them again."
)
MSG_ROW_COUNT_MISMATCH = (
    "The dataset file {dataset!r} has {dataset_rows:,} rows but the predictions file "
    "{predictions!r} has {predictions_rows:,}, and no id column was given to match them. "
    "Expected either the same rows in the same order in both files, or an id column that "
    "both files share. Give the id column{candidates}, or export both files from the same "
    "run."
)
MSG_OVERLAPPING_COLUMNS = (
    "The column(s) {columns} appear in both the dataset file {dataset!r} and the "
    "predictions file {predictions!r}. Expected every column except the id column in only "
    "one of the files, so that it is clear which one the audit should use. Rename the "
    "column(s) or delete them from one of the files and upload it again; if one of them "
    "identifies the rows, give it as the id column."
)
MSG_JOIN_BY_ROW_ORDER = (
    "Joined {dataset!r} and {predictions!r} by row order because no id column was given; "
    "give an id column if the rows might not be in the same order."
)

# --- detection tables ----------------------------------------------------------------

def join_inputs(
    *, dataset: AuditInput, predictions: AuditInput | None, id_column: str | None,
    as_written: Sequence[str] = (),
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Line up the dataset with the predictions, row for row.

    Parameters
    ----------
    dataset : AuditInput
        The file with one row per person.
    predictions : AuditInput or None
        The model's output for the same people, or None when the dataset holds it.
    id_column : str or None
        The column that identifies a row in both files. Ids are compared as written in the
        files, with surrounding spaces removed (``7`` matches ``"7"``, not ``"007"``; a
        20-digit id is matched digit for digit). Without it the files are joined by row
        order, which needs the same number of rows.
    as_written : sequence of str, optional
        Columns to hand on as written in their file (`AuditInput.as_written`: text, only
        empty cells missing) rather than as pandas types them: the sensitive attributes,
        so that ``NA`` and ``None`` are categories and ``01`` is not ``1``.

    Returns
    -------
    frame : pandas.DataFrame
        The dataset's columns then the predictions' (without its id column), in the
        dataset's row order. Every id must match in both directions.
    warnings : tuple of str
        Things the user should know, in plain words.

    Raises
    ------
    ColumnError
        The id column is missing, or another column is in both files.
    JoinError
        Ids are blank, repeated or unmatched, or the row counts differ without an id.
    """
    if predictions is None:
        if id_column is not None:
            _id_keys(dataset, id_column, "dataset")
        return _written(dataset.frame, dataset, as_written, None), ()
    ds_name, pr_name = clip(dataset.provenance.name), clip(predictions.provenance.name)
    left, right = dataset.frame, predictions.frame

    if id_column is None:
        if len(left) != len(right):
            shared = [c for c in left.columns if c in set(right.columns)]
            shared.sort(key=lambda c: "id" not in str(c).lower())
            candidates = f" (both files have {quoted(shared)})" if shared else ""
            raise JoinError(
                MSG_ROW_COUNT_MISMATCH.format(
                    dataset=ds_name,
                    dataset_rows=len(left),
                    predictions=pr_name,
                    predictions_rows=len(right),
                    candidates=candidates,
                )
            )
        _refuse_overlap(dataset, predictions, id_column=None)
        joined = pd.concat([left.reset_index(drop=True), right.reset_index(drop=True)], axis=1)
        joined = _written(joined, dataset, as_written, None)
        joined = _written(joined, predictions, as_written, None)
        return joined, (MSG_JOIN_BY_ROW_ORDER.format(dataset=ds_name, predictions=pr_name),)

    _require_column(dataset, id_column, "dataset")
    _require_column(predictions, id_column, "predictions")
    _refuse_overlap(dataset, predictions, id_column=id_column)
    ds_keys = _id_keys(dataset, id_column, "dataset")
    pr_keys = _id_keys(predictions, id_column, "predictions")
    position = pd.Index(pr_keys).get_indexer(ds_keys)
    matched = position >= 0
    partnered = np.zeros(len(pr_keys), dtype=bool)
    partnered[position[matched]] = True
    if not matched.any():
        raise JoinError(
            MSG_ID_NO_MATCH.format(
                column=clip(id_column),
                dataset=ds_name,
                dataset_count=len(ds_keys),
                dataset_examples=quoted(ds_keys[:5]),
                predictions=pr_name,
                predictions_count=len(pr_keys),
                predictions_examples=quoted(pr_keys[:5]),
            )
        )
    if not matched.all() or not partnered.all():
        ds_missing, pr_missing = ds_keys[~matched], pr_keys[~partnered]
        raise JoinError(
            MSG_ID_UNMATCHED.format(
                column=clip(id_column),
                dataset=ds_name,
                dataset_unmatched=len(ds_missing),
                dataset_count=len(ds_keys),
                dataset_examples=quoted(ds_missing) if len(ds_missing) else "none",
                predictions=pr_name,
                predictions_unmatched=len(pr_missing),
                predictions_count=len(pr_keys),
                predictions_examples=quoted(pr_missing) if len(pr_missing) else "none",
            )
        )
    extra = right.drop(columns=[id_column]).iloc[position].reset_index(drop=True)
    joined = pd.concat([left.reset_index(drop=True), extra], axis=1)
    joined = _written(joined, dataset, [id_column, *as_written], None)
    return _written(joined, predictions, [c for c in as_written if c != id_column],
                    position), ()


def _written(frame: pd.DataFrame, source: AuditInput, columns: Sequence[str],
             order: np.ndarray | None) -> pd.DataFrame:
    """``frame`` with those of ``columns`` that come from ``source`` as written there, its
    rows taken in ``order`` (the joined order; None: as they are)."""
    mine = [c for c in dict.fromkeys(columns) if c in source.frame.columns and c in frame]
    if not mine:
        return frame
    frame = frame.copy(deep=False)
    for column in mine:
        text = source.as_written(column)
        frame[column] = pd.Series(text if order is None else text[order], index=frame.index,
                                  dtype=object)
    return frame


def _id_keys(source: AuditInput, column: str, role: str) -> np.ndarray:
    """The ids of ``column`` as stripped strings; refuses missing, blank and repeated ids."""
    _require_column(source, column, role)
    file = clip(source.provenance.name)
    keys = pd.Series(source.as_written(column), dtype=object)
    blank = keys.isna().to_numpy(dtype=bool)
    if blank.any():
        raise JoinError(
            MSG_ID_BLANK.format(
                column=clip(column),
                role=role,
                file=file,
                count=int(blank.sum()),
                row=int(np.argmax(blank)) + 1,
            )
        )
    repeated = keys[keys.duplicated()].unique()
    if len(repeated):
        raise JoinError(
            MSG_ID_DUPLICATED.format(
                column=clip(column),
                role=role,
                file=file,
                count=len(repeated),
                examples=quoted(repeated),
            )
        )
    return keys.to_numpy(dtype=object)


def _require_column(source: AuditInput, column: str, role: str) -> None:
    if column not in source.frame.columns:
        raise ColumnError(
            MSG_ID_COLUMN_MISSING.format(
                column=clip(column),
                role=role,
                file=clip(source.provenance.name),
                columns=quoted(map(str, source.frame.columns), limit=30),
            )
        )


def _refuse_overlap(dataset: AuditInput, predictions: AuditInput, *, id_column: str | None) -> None:
    right = set(predictions.frame.columns)
    shared = [c for c in dataset.frame.columns if c in right and c != id_column]
    if shared:
        raise ColumnError(
            MSG_OVERLAPPING_COLUMNS.format(
                columns=quoted(map(str, shared), limit=10),
                dataset=clip(dataset.provenance.name),
                predictions=clip(predictions.provenance.name),
            )
        )
