"""The page-side cache: uploads are read once, and an audit runs once per inputs and spec.

The caches are ``st.cache_resource``: the objects are frozen (never mutated), so every
rerun gets the *same* object back instead of an unpickled copy of a large table. The
cache keys are small: the upload's id, or the inputs' sha256 and file names (and the
columns left out of them) plus the spec as canonical JSON. The tables themselves are
passed as ``_``-prefixed arguments, which Streamlit does not hash.

The caches are shared by every session of the server, so they hold only what follows from
the input bytes and the spec: two sessions see the same entry only when they audit the
same bytes the same way. Whatever one session adds (reviews, notes, names) lives in its
``st.session_state``, never here. Entries expire after `TTL`, so parsed uploads do not
stay in the server's memory after the board has finished with them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import streamlit as st

from audit import AuditInputError
from audit.engine import AuditRun, SourceRun, audit_uploads
from audit.inputs import (
    MAX_CATEGORIES,
    AuditInput,
    AuditSpec,
    IdentifierColumn,
    Limits,
    RoleGuess,
    drop_columns,
    find_identifiers,
    guess_roles,
    read_csv,
)
from audit.sources import read_upload as read_file
from audit.sources import spill_upload, upload_values

MAX_ENTRIES = 16
TTL = "2h"


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
    """The file's sha256 and name, and the columns left out of it (`without`)."""
    if source is None:
        return ""
    present = set(source.frame.columns)
    left_out = [c for c in source.provenance.columns if c not in present]
    suffix = f":-{json.dumps(left_out)}" if left_out else ""
    where = ":on-disk" if source.on_disk is not None else ""
    return f"{source.provenance.sha256}:{source.provenance.name}{suffix}{where}"


def upload_limits() -> Limits:
    """The operator's limits (`Limits.from_env`), the upload size capped at Streamlit's own
    ``server.maxUploadSize`` so that the widget, the server and the loader agree.

    Raises `AuditInputError` when an ``AUDIT_MAX_*`` variable is not a whole number.
    """
    limits = Limits.from_env()
    server_mb = int(st.get_option("server.maxUploadSize"))
    return dataclasses.replace(limits, max_upload_mb=min(limits.max_upload_mb, server_mb))


@st.cache_resource(max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False)
def _read(file_id: str, name: str, size: int, max_bytes: int, max_rows: int, engine: str,
          _upload: Upload) -> AuditInput | AuditInputError:
    try:
        if engine == "duckdb":  # a private temporary file, only the first rows in memory
            return spill_upload(_upload.getvalue(), name=name)
        return read_file(_upload.getvalue(), name=name, max_bytes=max_bytes, max_rows=max_rows)
    except AuditInputError as err:
        # remembered, so a bad upload is not parsed again on every rerun; a fresh copy
        # without the traceback, whose frames would keep the file's bytes alive
        return type(err)(str(err))


def read_upload(upload: Upload, limits: Limits, *, engine: str = "pandas") -> AuditInput:
    """Read an uploaded CSV or Parquet file once per upload and engine: in memory within
    ``limits`` (``pandas``), or written to a private temporary file to be counted out of
    core (``duckdb``, `audit.sources.upload_engine`; only its first rows in memory).

    Raises `AuditInputError` for a bad file or one over a limit (the message states it).
    """
    outcome = _read(upload.file_id, upload.name, upload.size, limits.max_bytes,
                    limits.max_rows, engine, _upload=upload)
    if isinstance(outcome, AuditInputError):
        raise outcome
    return outcome


@st.cache_resource(max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False)
def _identifiers(source_key: str, _source: AuditInput) -> tuple[IdentifierColumn, ...]:
    return find_identifiers(_source.frame, file=_source.provenance.name)


def identifiers(source: AuditInput) -> tuple[IdentifierColumn, ...]:
    """`audit.find_identifiers` for one file, once per file."""
    return _identifiers(input_key(source), _source=source)


@st.cache_resource(max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False)
def _without(source_key: str, columns: tuple[str, ...], _source: AuditInput) -> AuditInput:
    return drop_columns(_source, columns)


def without(source: AuditInput, columns: Sequence[str]) -> AuditInput:
    """``source`` without ``columns`` (the same object on every rerun; ``source`` if none)."""
    if not columns:
        return source
    return _without(input_key(source), tuple(columns), _source=source)


@st.cache_resource(max_entries=4, show_spinner=False)
def read_bundled(path: str) -> AuditInput:
    """Read a file shipped with the app (the sample data) through the upload path."""
    file = Path(path)
    return read_csv(file.read_bytes(), name=file.name)


@st.cache_resource(max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False)
def _audit(dataset_key: str, predictions_key: str, spec_json: str, id_column: str | None, *,
           _dataset: AuditInput, _predictions: AuditInput | None, _spec: AuditSpec
           ) -> AuditRun | SourceRun:
    return audit_uploads(dataset=_dataset, predictions=_predictions, spec=_spec,
                         id_column=id_column)


def run_audit(*, dataset: AuditInput, predictions: AuditInput | None, spec: AuditSpec,
              id_column: str | None) -> AuditRun | SourceRun:
    """`audit.engine.audit_uploads` (in memory, or out of core by DuckDB for files held on
    disk), computed once per (input hashes, where they are, spec, id column).

    Raises `AuditInputError` (not cached) when the inputs do not fit the spec.
    """
    return _audit(input_key(dataset), input_key(predictions), spec_key(spec), id_column,
                  _dataset=dataset, _predictions=predictions, _spec=spec)


@st.cache_resource(max_entries=MAX_ENTRIES, ttl=TTL, show_spinner=False)
def _guess(dataset_key: str, predictions_key: str, *, _dataset: AuditInput,
           _predictions: AuditInput | None) -> RoleGuess:
    return guess_roles(dataset=_dataset.frame,
                       predictions=None if _predictions is None else _predictions.frame)


def guess(dataset: AuditInput, predictions: AuditInput | None) -> RoleGuess:
    """`audit.guess_roles` for these inputs, once per pair of files."""
    return _guess(input_key(dataset), input_key(predictions), _dataset=dataset,
                  _predictions=predictions)


@st.cache_resource(max_entries=64, ttl=TTL, show_spinner=False)
def _values(source_key: str, column: str, _source: AuditInput) -> tuple[str, ...]:
    return upload_values(_source, column, limit=MAX_CATEGORIES)


def values(source: AuditInput, column: str) -> tuple[str, ...]:
    """The distinct values of one column (at most `MAX_CATEGORIES`), once per file: of the
    whole file, also for one held on disk (`audit.sources.upload_values`)."""
    return _values(input_key(source), column, _source=source)
