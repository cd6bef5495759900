"""Review: the board's notes and decision on the findings; filing, sign-off and exports.

The decision rests on the criteria table (from the run's findings). What is typed is kept
as a draft (`pages._ui.drafts`) across page switches, criterion changes and a refresh; a
note whose finding changed verdict since is marked for a second look. "Save review" keeps
a `Review` in session state; "Save to history" files the record built from the run and that
review on this session's board; each reviewer then signs it off in their own session.
With sign-in the reviewer is the signed-in identity, never a typed name. The downloads are
the record as filed (with its sign-offs and the history's head hash) once it is filed,
and may hide groups smaller than k (small-cell suppression); the history keeps the full
record.
"""

from __future__ import annotations

import streamlit as st

from audit import (
    DECISION_CHOICES,
    IN_HISTORY,
    NOTES_LEFT_OVER,
    SAVED_TO_HISTORY,
    AuditInputError,
    HistoryError,
    second_look,
    second_looks,
    status_label,
)
from audit.record import Review, adverse_impact_csv, metrics_csv, now_utc, sha256_hex
from pages._ui import auth, drafts, signoff, widgets
from pages._ui import review as ui
from pages._ui import whatif as whatif_ui

st.title("4. Review and sign off")

run = widgets.require_run()

ident = ui.identity(run)
explanations = st.session_state["explanations"]
saved: Review | None = st.session_state["review"]
draft = ui.record_of(run, explanations, None, ident)
person = auth.identity()

st.subheader("The criteria the decision rests on")
st.table(ui.criteria_frame(draft), hide_index=True)  # a few rows: no data grid to load

st.subheader("Notes and decision")
state = st.session_state
statuses = {f["id"]: f["status"] for f in draft["findings"]}
drafts.remember(state, statuses)
kept = drafts.current(state)
drafts.seed(state, kept, list(statuses))
changed = drafts.second_looks(kept, statuses)
marks = [st.empty()]  # the second-look marks, gone once the review is saved
if changed:
    marks[0].warning(second_looks(len(changed)), icon=":material/visibility:")
if person is not None:
    st.markdown(f"Reviewer: **{widgets.plain(person.display)}** (from your sign-in)")
else:
    reviewers = st.text_input("Reviewer name(s), separated by commas", key=drafts.REVIEWERS)
notes: dict[str, str] = {}
for finding in draft["findings"]:
    if finding["id"] in changed:
        marks.append(st.empty())
        marks[-1].warning(second_look(*changed[finding["id"]]), icon=":material/visibility:")
    label = f"{status_label(finding['status'])} — {finding['message']}"
    notes[finding["id"]] = st.text_area(widgets.plain(label), key=drafts.note_key(finding["id"]),
                                        height=80)
left_over = drafts.orphans(kept, list(statuses))
if left_over:
    st.caption(NOTES_LEFT_OVER)
    for finding_id, note in left_over.items():
        st.markdown(f"- `{widgets.plain(finding_id)}`: {widgets.plain(note)}")
overall = st.text_area("Overall notes", key=drafts.NOTES)
codes = list(DECISION_CHOICES)
decision = st.radio("Decision", codes, format_func=DECISION_CHOICES.__getitem__,
                    key=drafts.DECISION, index=None, horizontal=True)
whatif_ui.citation(run)
conditions = st.text_area("Conditions (required when approving with conditions)",
                          key=drafts.CONDITIONS)

if st.button("Save review", key="review_save", type="primary"):
    names = (person.name,) if person is not None else ui.parse_reviewers(reviewers)
    errors = ui.review_errors(names, decision, conditions)
    for error in errors:
        st.error(error)
    if not errors:
        saved = Review(reviewers=names, decision=decision, notes=overall.strip(),
                       conditions=conditions.strip(),
                       finding_notes={k: v.strip() for k, v in notes.items() if v.strip()},
                       reviewed_at=now_utc())
        state["review"] = saved
        state[drafts.DRAFT_KEY] = drafts.current(state).with_seen(statuses)  # looked again
        for mark in marks:
            mark.empty()
        if ident.saved_seq is not None:  # the previous record is filed: this is a new one
            ui.renew_identity(run)
            ident = ui.identity(run)
        st.success(f"Review saved: {DECISION_CHOICES[saved.decision].lower()} by "
                   f"{widgets.plain(', '.join(saved.reviewers))}.")

st.subheader("File and sign off")
where = ui.board_access()
st.caption(auth.board_words(where))
# built again here, not reused from the draft above: the what-if option cited and the review
# saved are chosen in between, on this same run of the page
record = ui.record_of(run, explanations, saved, ident)
# the history (and SQLAlchemy) is opened only to file or to show a filed record's sign-offs
if where is not None:
    if where.can_file and ident.saved_seq is None and st.button("Save to history",
                                                                key="review_save_history"):
        store = ui.shown_store()
        try:
            entry = store.append(record, board=where.board) if store is not None else None
        except HistoryError as err:
            widgets.error(err)
        else:
            if entry is not None:
                ui.mark_saved(entry.seq)
                ident = ui.identity(run)
                st.success(SAVED_TO_HISTORY.format(seq=entry.seq, sha=entry.record_sha256))
    if ident.saved_seq is not None and (store := ui.shown_store()) is not None:
        st.caption(IN_HISTORY.format(seq=ident.saved_seq))
        try:
            signoff.signoff(store, where, store.filed(ident.audit_id, board=where.board),
                            key="review_signoff")
            record = store.filed(ident.audit_id, board=where.board)
        except HistoryError as err:
            widgets.error(err)

st.subheader("The audit record")
record_bytes = ui.json_bytes(record)  # canonical: their sha256 is the record's fingerprint
sha = sha256_hex(record_bytes)
if saved is None:
    st.info("Not yet reviewed: the record and its PDF will say so. Save the review above to "
            "include the decision.")
st.caption(f"Audit {ident.audit_id} · record sha256 `{sha}`")
k = int(st.number_input(
    "Suppress groups smaller than k in exports (0 = off)", min_value=0, step=1, value=0,
    key="review_suppress_k", help="The PDF, JSON and CSV downloads then show no number for a "
    "group of fewer than k people. The audit history keeps the full record."))
try:
    export = ui.export_record(record, k)
except AuditInputError as err:
    widgets.error(err)
else:
    export_bytes = record_bytes if export is record else ui.json_bytes(export)
    export_sha = sha if export is record else sha256_hex(export_bytes)
    if export is not record:
        hidden = export["suppression"]["groups_suppressed"]
        st.caption(f"The downloads hide {hidden} group(s) (fewer than {k} people, or hidden "
                   f"with them) · export sha256 `{export_sha}`")
    stem = f"audit-{ident.audit_id[:8]}"
    columns = st.columns(4)
    pdf = ui.pdf_for(export_sha, export)
    if pdf is not None:
        columns[0].download_button("PDF record", pdf, f"{stem}.pdf", "application/pdf",
                                   key="download_pdf")
    columns[1].download_button("JSON record", export_bytes, f"{stem}.json",
                               "application/json", key="download_json")
    columns[2].download_button("Metrics CSV", metrics_csv(export), f"{stem}-metrics.csv",
                               "text/csv", key="download_metrics")
    columns[3].download_button("Adverse-impact CSV", adverse_impact_csv(export),
                               f"{stem}-adverse-impact.csv", "text/csv", key="download_impact")
