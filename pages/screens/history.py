"""History: the audits this session's board has filed, one opened and signed off, two
compared, the board's chain verified.

The store is ``$AUDIT_DB_URL`` (default: a SQLite file in the user's data folder). Only
the board's own records are listed (`pages._ui.auth.access`). Every record shown and every
PDF offered is re-made from the history (`HistoryStore.filed`), as the person's role may
read it (`record_for_role`: small groups hidden and review notes withheld where the role
says so).
"""

from __future__ import annotations

import streamlit as st

from audit import DECISION_LABELS, HistoryError, verdict_label, verdict_of
from audit.record import compare, fingerprint, to_json
from pages._ui import auth, signoff, widgets
from pages._ui import review as ui

DELTA_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate")

st.title("5. Audit history")

where = ui.board_access()
st.caption(auth.board_words(where))
if where is None:
    st.stop()
try:
    store = ui.history_store()
    entries = store.list(where.board)
except HistoryError as err:
    widgets.error(err)
    st.stop()
st.caption(f"Records are append-only and hash-chained. {store.key_words} "
           f"Store: {widgets.plain(store.shown_url)}")

if where.can_verify and st.button("Verify history", key="history_verify"):
    try:
        result = store.verify(board=where.board)
    except HistoryError as err:
        widgets.error(err)
        st.stop()
    lines = [widgets.plain(line) for line in result.lines()]
    (st.success if result.ok else st.error)("  \n".join(lines))

if not entries:
    st.info("No audits saved yet. Save one from the Review page with \"Save to history\".")
    st.stop()


st.dataframe(ui.history_frame(entries), hide_index=True)
newest_first = [e.audit_id for e in reversed(entries)]
labels = {e.audit_id: f"#{e.seq} · {e.audit_id[:8]} · {e.created_at} · {e.dataset_name}"
          for e in entries}

st.subheader("Open an audit")
chosen = st.selectbox("Audit", newest_first, format_func=labels.__getitem__,
                      key="history_open")
record = ui.filed_view(store, where, chosen)
review = record.get("review") or {}
verdict = verdict_label(verdict_of(record["summary"]))
decision = DECISION_LABELS.get(review.get("decision", ""), "Not reviewed")
who = f" by {', '.join(review['reviewers'])}" if review.get("reviewers") else ""
st.markdown(f"**Verdict: {verdict}.** Decision: {widgets.plain(decision + who)}.")
st.dataframe(ui.criteria_frame(record), hide_index=True)
if signoff.signoff(store, where, record, key="history_signoff"):
    record = ui.filed_view(store, where, chosen)
sha = fingerprint(record)
hidden = (record.get("suppression") or {}).get("groups_suppressed")
st.caption(f"Record sha256 `{sha}`" + (f" · this copy hides {hidden} small group(s)"
                                       if hidden else ""))
left, right = st.columns(2)
pdf = ui.pdf_for(sha, record)
if pdf is not None:
    left.download_button("PDF record", pdf, f"audit-{chosen[:8]}.pdf", "application/pdf",
                         key="history_pdf")
right.download_button("JSON record", to_json(record) + "\n", f"audit-{chosen[:8]}.json",
                      "application/json", key="history_json")

st.subheader("Compare two audits")
if len(entries) < 2:
    st.caption("Save at least two audits to compare them.")
    st.stop()
first, second = st.columns(2)
before = first.selectbox("Earlier audit", newest_first, index=1,
                         format_func=labels.__getitem__, key="history_before")
after = second.selectbox("Later audit", newest_first, index=0,
                         format_func=labels.__getitem__, key="history_after")
if before == after:
    st.info("Choose two different audits.")
    st.stop()
comparison = compare(ui.filed_view(store, where, before), ui.filed_view(store, where, after))
if comparison.warning:
    st.warning(widgets.plain(comparison.warning), icon=":material/warning:")
st.text(comparison.summary)
if comparison.changed:
    st.markdown("**Criteria that changed verdict**")
    st.dataframe([{"criterion": c.id, "before": c.before, "after": c.after}
                  for c in comparison.changed], hide_index=True)
metrics = st.multiselect("Metrics", sorted({d.metric for d in comparison.deltas}),
                         default=[m for m in DELTA_METRICS
                                  if any(d.metric == m for d in comparison.deltas)],
                         key="history_metrics")
st.markdown("**Metric changes per group** (after − before)")
st.dataframe([row for row in comparison.delta_rows() if row["metric"] in metrics],
             hide_index=True)
for title, groups in (("Only in the earlier audit", comparison.only_before),
                      ("Only in the later audit", comparison.only_after)):
    if groups:
        st.caption(f"{title}: " + widgets.plain(", ".join(f"{g} ({a})" for a, g in groups)))
