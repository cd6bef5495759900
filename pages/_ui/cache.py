"""The page-side cache: uploads are read once, and an audit runs once per inputs and spec.

Both caches are ``st.cache_resource``: the objects are frozen (never mutated), so every
rerun gets the *same* object back instead of an unpickled copy of a large table. The
cache keys are small: the upload's id, or the inputs' sha256 and file names plus the spec
as canonical JSON. The tables themselves are passed as ``_``-prefixed arguments, which
Streamlit does not hash.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Protocol

import streamlit as st

from audit._errors import AuditInputError
from audit._guess import MAX_CATEGORIES, RoleGuess, distinct_values, guess_roles
from audit._load import read_csv
from audit._pipeline import AuditRun, audit_inputs
from audit._types import AuditInput, AuditSpec

MAX_ENTRIES = 16


class Upload(Protocol):
    """What we use of Streamlit's ``UploadedFile``."""

    file_id: str
    name: str
    size: int

    def getvalue(self) -> bytes: ...


def spec_key(spec: AuditSpec) -> str:
    """The spec as canonical JSON: equal specs give equal keys."""
    return json.dumps(dataclasses.asdict(spec), sort_keys=True, default=str)


def input_key(source: AuditInput | None) -> str:
    return "" if source is None else f"{source.provenance.sha256}:{source.provenance.name}"


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def _read(file_id: str, name: str, size: int, _upload: Upload) -> AuditInput | AuditInputError:
    try:
        return read_csv(_upload.getvalue(), name=name)
    except AuditInputError as err:
        # remembered, so a bad upload is not parsed again on every rerun; a fresh copy
        # without the traceback, whose frames would keep the file's bytes alive
        return type(err)(str(err))


def read_upload(upload: Upload) -> AuditInput:
    """Read an uploaded file once per upload. Raises `AuditInputError` for a bad file."""
    outcome = _read(upload.file_id, upload.name, upload.size, _upload=upload)
    if isinstance(outcome, AuditInputError):
        raise outcome
    return outcome


@st.cache_resource(max_entries=4, show_spinner=False)
def read_bundled(path: str) -> AuditInput:
    """Read a file shipped with the app (the sample data) through the upload path."""
    file = Path(path)
    return read_csv(file.read_bytes(), name=file.name)


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def _audit(dataset_key: str, predictions_key: str, spec_json: str, id_column: str | None, *,
           _dataset: AuditInput, _predictions: AuditInput | None, _spec: AuditSpec) -> AuditRun:
    return audit_inputs(dataset=_dataset, predictions=_predictions, spec=_spec,
                        id_column=id_column)


def run_audit(*, dataset: AuditInput, predictions: AuditInput | None, spec: AuditSpec,
              id_column: str | None) -> AuditRun:
    """`audit.audit_inputs`, computed once per (input hashes, spec, id column).

    Raises `AuditInputError` (not cached) when the inputs do not fit the spec.
    """
    return _audit(input_key(dataset), input_key(predictions), spec_key(spec), id_column,
                  _dataset=dataset, _predictions=predictions, _spec=spec)


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def _guess(dataset_key: str, predictions_key: str, *, _dataset: AuditInput,
           _predictions: AuditInput | None) -> RoleGuess:
    return guess_roles(dataset=_dataset.frame,
                       predictions=None if _predictions is None else _predictions.frame)


def guess(dataset: AuditInput, predictions: AuditInput | None) -> RoleGuess:
    """`audit.guess_roles` for these inputs, once per pair of files."""
    return _guess(input_key(dataset), input_key(predictions), _dataset=dataset,
                  _predictions=predictions)


@st.cache_resource(max_entries=64, show_spinner=False)
def _values(source_key: str, column: str, _source: AuditInput) -> tuple[str, ...]:
    return distinct_values(_source.frame, column, limit=MAX_CATEGORIES)


def values(source: AuditInput, column: str) -> tuple[str, ...]:
    """The distinct values of one column (at most `MAX_CATEGORIES`), once per file."""
    return _values(input_key(source), column, _source=source)
