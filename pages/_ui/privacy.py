"""The Upload page's privacy step: flag columns that identify people, leave them out.

For each file read in this run, `identifier_step` lists the columns `audit.find_identifiers`
flags, with the reason, and offers to leave them out of the audit (all of them, unless the
user keeps some). The session then holds the file *without* those columns, so no page,
chart, explanation or export sees them; its provenance still names the uploaded file, its
sha256 and all its columns, and the record lists the columns left out. A flagged column
that both files share is the join key: it is kept for matching the rows (the record
stores its name only) and the warning suggests a pseudonymous key instead.

Session key ``dropped_columns``: ``{role: (sha256, columns)}``, the choice for the last file
of each role, so that it survives a visit to another page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from audit.inputs import AuditInput, IdentifierColumn
from pages._ui import cache, widgets

DROPPED_KEY = "dropped_columns"
ROLES = ("dataset", "predictions")
LEAD = ("**{file} has columns that identify people directly.** The audit does not need "
        "them: they are left out of it unless you keep them below.")
JOIN_NOTE = (" It is the column that joins the two files, so it is kept for matching the "
             "rows only (the record stores its name, not its values); a pseudonymous key, "
             "such as a row number in both files, would be safer.")


def _shared_columns(fresh: Mapping[str, AuditInput]) -> set[str]:
    sources = [fresh.get(role) or st.session_state[role] for role in ROLES]
    if any(source is None for source in sources):
        return set()
    return set(sources[0].frame.columns) & set(sources[1].frame.columns)


def warning_text(file: str, found: Sequence[IdentifierColumn], join: set[str]) -> str:
    lines = [LEAD.format(file=widgets.plain(file))]
    for item in found:
        note = JOIN_NOTE if item.column in join else ""
        lines.append(f"- **{widgets.plain(item.column)}**: {widgets.plain(item.reason)}.{note}")
    return "\n".join(lines)


def identifier_step(fresh: Mapping[str, AuditInput]) -> None:
    """Warn about identifier columns in the files read in this run; keep the reduced files.

    ``fresh`` maps a role to the file just read for it (every column). Afterwards
    ``st.session_state[role]`` holds that file without the columns the user leaves out.
    """
    state = st.session_state
    memory = dict(state.get(DROPPED_KEY) or {})
    join = _shared_columns(fresh)
    for role, source in fresh.items():
        found = cache.identifiers(source)
        droppable = [item.column for item in found if item.column not in join]
        chosen: list[str] = []
        if found:
            st.warning(warning_text(source.provenance.name, found, join),
                       icon=":material/badge:")
        if droppable:
            remembered = memory.get(role)
            default = (list(remembered[1]) if remembered
                       and remembered[0] == source.provenance.sha256 else droppable)
            chosen = widgets.pick_many(
                f"Leave out of the audit ({role} file)", droppable, default,
                key=f"privacy_drop_{role}",
                help="Left-out columns are not read by any page, chart or export.")
        memory[role] = (source.provenance.sha256, tuple(chosen))
        state[role] = cache.without(source, chosen)
    state[DROPPED_KEY] = memory
