"""The two uploaders of the Upload page: CSV or Parquet, read in memory or, above the
in-memory threshold (``AUDIT_DUCKDB_ABOVE_MB``, as the CLI), kept in a private temporary
file and counted out of core by DuckDB (`audit.sources.upload_engine`)."""

from __future__ import annotations

import streamlit as st

from audit import AuditInputError
from audit.inputs import AuditInput, Limits
from audit.sources import out_of_core_note, upload_engine
from pages._ui import cache, widgets

ROLES = ("dataset", "predictions")
KEYS = ("upload_dataset", "upload_predictions")
TITLES = ("Dataset (CSV or Parquet)", "Predictions (CSV or Parquet, optional)")
TYPES = ["csv", "parquet"]


def upload_step(places: list, limits: Limits) -> dict[str, AuditInput]:
    """Show both uploaders in ``places`` and read what they hold; the files read without
    error, by role. A file above the threshold sends the pair to DuckDB (both files are
    then counted where they are)."""
    state = st.session_state
    uploads = {}
    for column, key, role, title in zip(places, KEYS, ROLES, TITLES, strict=True):
        with column:
            uploads[role] = st.file_uploader(title, type=TYPES, key=key,
                                             max_upload_size=limits.max_upload_mb)
    engine = upload_engine(u.size for u in uploads.values() if u is not None)
    fresh = {}
    for column, role in zip(places, ROLES, strict=True):
        upload = uploads[role]
        if upload is None:
            continue
        with column:
            try:
                with st.spinner(f"Reading {upload.name}…"):
                    fresh[role] = cache.read_upload(upload, limits, engine=engine)
            except AuditInputError as err:
                widgets.error(err)
                if state[role] is not None:
                    st.caption(f"Still using the earlier {role} file "
                               f"{widgets.plain(state[role].provenance.name)}.")
    return fresh


def out_of_core(source: AuditInput | None) -> None:
    """Say, in plain words, that ``source`` is counted out of core (when it is)."""
    if source is not None and source.on_disk is not None:
        st.info(widgets.plain(out_of_core_note(source)), icon=":material/storage:")
