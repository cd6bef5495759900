"""About this audit: what was audited and why, and which regulatory checklists apply.

Entered once before Review; the record (JSON ``context`` and ``presets``) and the PDF's
first pages carry it, and each chosen checklist shows, in the PDF, where the record
answers each requirement and what is still missing.
"""

from __future__ import annotations

import streamlit as st

from audit import AuditInputError, HistoryError
from audit.record import build_record, checklist, load_presets
from pages._ui import context as ui
from pages._ui import widgets
from pages._ui.review import history_store

state = st.session_state
st.title("About this audit")
st.markdown("A record must say what was audited and why: the model, what it is for, what "
            "its favorable outcome means, the data it was judged on and what is known to be "
            "wrong with it, and who prepared the audit. The EU AI Act (Annex IV §2(g)), NYC "
            "Local Law 144 and NIST's AI RMF (MEASURE 2.11) each ask for parts of this.")
run = widgets.require_run()

name = str(state.get(ui.key("model", "name")) or "").strip()
if name and state.get("context_filled_for") != name:
    try:
        earlier = ui.latest_context(history_store(), name)
    except HistoryError:
        earlier = None
    if earlier is not None and st.button(
            f"Fill in from the last audit of {widgets.plain(name)} ({earlier[0]})",
            key="context_fill"):
        ui.fill(earlier[1])
        state["context_filled_for"] = name
        st.rerun()

try:
    state["context"] = ui.form()
except AuditInputError as err:
    widgets.error(err)

presets = load_presets()
st.subheader("Regulatory checklists")
chosen = st.multiselect(
    "Add these checklists to the PDF", list(presets), key="context_presets",
    format_func=lambda p: presets[p].title,
    help="Each lists what the law or framework asks the report to say, where this record "
         "answers it, and what is missing.")
state["presets"] = tuple(chosen)
if chosen:
    draft = build_record(run, context=state["context"], presets=chosen)
    for preset_id in chosen:
        items = checklist(draft, presets[preset_id])
        missing = [i for i in items if i.status == "missing"]
        with st.expander(f"{presets[preset_id].title}: {len(items) - len(missing)} of "
                         f"{len(items)} answered", expanded=bool(missing)):
            for item in items:
                mark = {"answered": ":green[answered]", "missing": ":red[missing]"}.get(
                    item.status, "not stated (only when it applies)")
                st.markdown(f"- {widgets.plain(item.requirement)} ({widgets.plain(item.cite)})"
                            f": {mark}")
widgets.nav_link("pages/screens/review.py", "Go to Review", ":material/rate_review:")
