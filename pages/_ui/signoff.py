"""Sign-off of a filed record, in each reviewer's own session (Review and History pages).

Each sign-off is filed in the audit history as its own row (`HistoryStore.approve`), with
the signed-in identity when sign-in is on, or the typed name marked "identity not
verified" when it is not. A person signs a record off once; roles that cannot file
records (viewers) see the sign-offs but no form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from audit import DECISION_CHOICES, DECISION_LABELS, HistoryError
from audit.record import UNVERIFIED, Access, Approval, HistoryStore, Identity, approval_errors
from pages._ui import widgets
from pages._ui.auth import identity, verified

NOT_REVIEWED = "This record was filed without a review, so there is no decision to sign off."
VIEW_ONLY = "Your role on this board is viewer: you can read the sign-offs but not add one."
SIGNED = "You signed this record off on {time}: {decision}."
DONE = "Signed off: {decision}, as {who}. The sign-off is filed in the audit history."


def approvals_frame(approvals: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per sign-off: who (and whether their identity is verified), when, what."""
    return pd.DataFrame([{
        "reviewer": Identity.from_dict(a["identity"]).display,
        "identity": "verified by sign-in" if a["verified"] else UNVERIFIED,
        "signed off (UTC)": a["time"],
        "decision": DECISION_LABELS.get(a["decision"], a["decision"]),
        "dissent": a.get("dissent") or "",
    } for a in approvals], columns=["reviewer", "identity", "signed off (UTC)", "decision",
                                    "dissent"])


def _mine(approvals: Sequence[Mapping[str, Any]], person: Identity) -> Mapping[str, Any] | None:
    me = Approval(person, verified(person), "approve")
    return next((a for a in approvals if me.same_person(Approval.from_dict(a))), None)


def signoff(store: HistoryStore, where: Access, record: Mapping[str, Any], *,
            key: str) -> bool:
    """The sign-offs of ``record`` and, for a role that may add one, the form.

    Returns True when a sign-off was filed in this run (the caller re-reads the record).
    """
    st.subheader("Sign-off")
    review = record.get("review")
    if not review:
        st.caption(NOT_REVIEWED)
        return False
    approvals = review.get("approvals") or []
    if approvals:
        st.dataframe(approvals_frame(approvals), hide_index=True)
    if not where.can_file:
        st.caption(VIEW_ONLY)
        return False
    person = identity()
    if person is not None:
        mine = _mine(approvals, person)
        if mine is not None:
            st.caption(SIGNED.format(time=mine["time"],
                                     decision=DECISION_LABELS[mine["decision"]].lower()))
            return False
        st.caption(f"You sign off as {widgets.plain(person.display)} (from your sign-in).")
        name = person.name
    else:
        name = st.text_input("Your name (no sign-in: the record will say \"identity not "
                             "verified\")", key=f"{key}_name")
    codes = list(DECISION_CHOICES)
    decision = st.radio("Your decision", codes, format_func=DECISION_CHOICES.__getitem__,
                        index=codes.index(review["decision"]), horizontal=True,
                        key=f"{key}_decision")
    dissent = st.text_area("Dissent (only if you disagree with the board's decision): your "
                           "reason", key=f"{key}_dissent", height=80)
    if not st.button("Sign off", key=f"{key}_sign", type="primary"):
        return False
    errors = approval_errors(name=name, decision=decision, board_decision=review["decision"],
                             dissent=dissent)
    for error in errors:
        st.error(error)
    if errors:
        return False
    who = person or Identity(name=name.strip())
    approval = Approval(who, verified(person), decision, dissent=dissent.strip() or None)
    try:
        store.approve(record["audit_id"], approval, board=where.board)
    except HistoryError as err:
        widgets.error(err)
        return False
    st.success(DONE.format(decision=DECISION_LABELS[decision].lower(),
                           who=widgets.plain(who.display)))
    return True
