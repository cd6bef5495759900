"""The "About this audit" step's layer: the context form's widgets and their record.

Each field is a widget keyed ``context::<section>.<key>`` (or ``context::<key>``); the
session's `AuditContext` is rebuilt from them on every run and kept under ``context``, and
the chosen checklists under ``presets``. A context can be filled in from the newest record
of the same model in the audit history, so a re-audit starts from what was said last time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from audit.record import AuditContext, HistoryStore

# (section, key, label, help, long text?)
FIELDS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("model", "name", "Model name", "The name the model is known by in your organisation.",
     False),
    ("model", "version", "Model version", "The version or release of the model audited.",
     False),
    ("model", "owner", "Model owner", "The person or team responsible for the model.", False),
    ("model", "distribution_date", "In use since",
     "The date the model (or tool) was first used to decide; NYC Local Law 144 asks for it.",
     False),
    ("use", "intended_use", "Intended use", "What the model is for, and for whom.", True),
    ("use", "decision", "Decision it informs",
     "The decision a person takes with the model's output (approve a loan, invite to "
     "interview, ...).", True),
    ("use", "outcome_meaning", "What the favorable outcome means",
     "In words, for the person decided: 'approved', 'invited to interview', 'not labelled "
     "high risk'.", False),
    ("data", "source", "Data source", "Where the uploaded rows come from.", True),
    ("data", "period", "Data period", "The time the rows cover.", False),
    ("data", "population", "Population", "Who the rows describe.", True),
    ("data", "labels", "How the labels were obtained",
     "How the true outcome column was recorded.", True),
    ("data", "test_data_reason", "Why test data was used (if it was)",
     "Only when the rows are test data rather than the model's real decisions (LL144 "
     "§5-302).", True),
    ("", "limitations", "Known limitations", "What the board should know the audit cannot "
     "show.", True),
    ("", "prepared_by", "Prepared by", "Who prepared this audit.", False),
)


def key(section: str, name: str) -> str:
    return f"context::{section + '.' if section else ''}{name}"


def current() -> AuditContext:
    """The context as the widgets hold it now."""
    values: dict[str, Any] = {"model": {}, "use": {}, "data": {}}
    for section, name, *_ in FIELDS:
        text = str(st.session_state.get(key(section, name)) or "")
        (values[section] if section else values)[name] = text
    return AuditContext.from_mapping(values)


def fill(context: Mapping[str, Any]) -> None:
    """Put a record's ``context`` (or a context's ``to_dict()``) into the widgets."""
    for section, name, *_ in FIELDS:
        source = context.get(section) or {} if section else context
        st.session_state[key(section, name)] = str(source.get(name) or "")


def form() -> AuditContext:
    """Draw the fields in two columns; return the context they hold."""
    sections = {"model": "The model", "use": "Its use", "data": "The data",
                "": "Limitations and preparer"}
    for section, title in sections.items():
        st.subheader(title)
        fields = [f for f in FIELDS if f[0] == section]
        columns = st.columns(2)
        for i, (_, name, label, help_text, long) in enumerate(fields):
            widget = columns[i % 2].text_area if long else columns[i % 2].text_input
            widget(label, key=key(section, name), help=help_text)
    return current()


def latest_context(store: HistoryStore, model: str) -> tuple[str, dict[str, Any]] | None:
    """The creation time and ``context`` of the newest record in ``store`` whose model has
    this name (compared without case or surrounding spaces); ``None`` if there is none."""
    wanted = model.strip().casefold()
    for entry in reversed(store.list()):
        context = store.get(entry.audit_id).get("context") or {}
        if str((context.get("model") or {}).get("name", "")).strip().casefold() == wanted:
            return entry.created_at, context
    return None
