"""Session state: every key is created here, once, with ``setdefault``.

Values are our typed objects, never loose dicts. Each browser session has its own
``st.session_state``; nothing user-specific lives at module level.

Keys
----
dataset : audit.AuditInput | None          the last valid dataset upload
predictions : audit.AuditInput | None      the last valid predictions upload
id_column : str | None                     the join column the user chose
spec : audit.AuditSpec | None              the column roles and options of the last run
run : audit.AuditRun | None                the last successful audit (what every page shows)
explanations : object | None               explanations for ``run`` (Explanations page)
review : audit.Review | None               the board's notes and decision (Review page)
review_draft : pages._ui.drafts.Draft | None  what is typed in the Review page's boxes, saved
                                           or not; kept across page switches, criterion
                                           changes and a refresh
record_identity : object | None            the audit id and time kept for ``run`` so that the
                                           PDF, JSON and history entry are one record
dropped_columns : dict | None              per role, (sha256, columns left out as identifiers)
record_pdf : tuple[str, dict] | None       the record's fingerprint and its PDF once a click
                                           rendered it; holds notes, so never cached
whatif : pages._ui.whatif.Considered | None   the what-if analysis considered for ``run`` and the
                                           option chosen for the record (What-if page)
whatif_loaded : tuple | None               (attribute, cut-offs, name) last loaded into the
                                           What-if sliders, so the cut-offs keep that name
context : audit.record.AuditContext | None  what was audited and why (About this audit)
presets : tuple[str, ...]                  the regulatory checklists chosen for the record
sample_offered : bool                      ``--sample`` audited the sample once this session
mapping_for : tuple[str, str] | None      the files (cache keys) the Upload page's role, band
                                           and option widgets belong to (`pages._ui.mapping`)
cleared_predictions : str | None           a predictions file a single upload cleared, named
                                           until a predictions file is uploaded again
private_board : str | None                 this session's private history board (no sign-in,
                                           no AUDIT_BOARD), made on first use
session_token : str | None                 this session's id in the URL (``?session=``), under
                                           which the server keeps it (pages._ui.sessions)
charts_loaded : bool                       the browser was sent a chart this session, so it has
                                           loaded plotly's code (`widgets.load_charts`)
replace_pending : str | None               what is waiting for the user to confirm that it may
                                           replace the loaded audit (``"sample"``)
"""

from __future__ import annotations

import streamlit as st

DEFAULTS: dict[str, object] = {
    "dataset": None,
    "predictions": None,
    "id_column": None,
    "spec": None,
    "run": None,
    "explanations": None,
    "review": None,
    "review_draft": None,
    "record_identity": None,
    "dropped_columns": None,
    "record_pdf": None,
    "whatif": None,
    "whatif_loaded": None,
    "context": None,
    "presets": (),
    "sample_offered": False,
    "private_board": None,
    "mapping_for": None,
    "cleared_predictions": None,
    "session_token": None,
    "replace_pending": None,
    "charts_loaded": False,
}


def init_state() -> None:
    """Create every session key once. app.py calls it before any page runs."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
