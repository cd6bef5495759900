"""The PDF's approvals page: who signed the record off, and where it is filed.

Each approval (``review.approvals``) is printed with the identity it carries: with sign-in,
the name, e-mail address, issuer and subject from the identity provider ("verified by
sign-in"); without, the typed name marked "identity not verified". Then the record's place
in the audit history (``history``, present when the record was read back from it): its
board, its row, and the history's head hash when its newest part was saved, which
``python -m audit history verify --head HASH`` checks later.
"""

from __future__ import annotations

from typing import Any

from audit._words import DECISION_LABELS, NULL
from audit.record._approvals import UNVERIFIED
from audit.record._pdf_doc import CELL_LIMIT, MONO, Doc, esc

__all__ = ["approvals_section"]

NO_REVIEW = "No review has been recorded, so no one has signed off this record."
NO_APPROVALS = ("No reviewer has signed off this record in the audit history yet. Each "
                "reviewer signs off in their own session; each sign-off is filed in the "
                "history and listed here.")
WITHHELD = ("This copy withholds the board's review notes: the role it was made for may "
            "not read them.")
NOT_FILED = ("This record was not in the audit history when this PDF was made, so no "
             "history head hash is printed.")
VERIFIED = "Verified by sign-in"
SIGNED = "Signed with the history key (Ed25519, key id {key_id})"
UNSIGNED = "Unkeyed: hash-chained, not signed"


def _identity(approval: dict[str, Any]) -> str:
    who = approval.get("identity") or {}
    if not approval.get("verified"):
        return f"<b>{UNVERIFIED}</b> (no sign-in: the name was typed)"
    return (f"{VERIFIED}<br/>issuer: {esc(who.get('issuer'), CELL_LIMIT)}<br/>"
            f"subject: {esc(who.get('subject'), CELL_LIMIT)}")


def approvals_section(doc: Doc) -> None:
    """The approvals table and the history stamp."""
    review = doc.record.get("review") or {}
    approvals = review.get("approvals") or []
    doc.h1("Approvals")
    if not review:
        doc.add(doc.para(NO_REVIEW))
    elif not approvals:
        doc.add(doc.para(NO_APPROVALS))
    else:
        rows = []
        for approval in approvals:
            who = approval.get("identity") or {}
            name = f"<b>{esc(who.get('name'), CELL_LIMIT)}</b>"
            if who.get("email"):
                name += f"<br/>{esc(who['email'], CELL_LIMIT)}"
            rows.append([name, _identity(approval), esc(approval.get("time")),
                         DECISION_LABELS.get(approval.get("decision", ""),
                                             esc(approval.get("decision"))),
                         esc(approval.get("dissent")) or NULL])
        doc.add(doc.table(["Reviewer", "Identity", "Signed off (UTC)", "Decision", "Dissent"],
                          rows, [1.5, 1.9, 1.2, 1.0, 1.4]))
    if review.get("notes_withheld"):
        doc.add(doc.para(WITHHELD, "small"))
    doc.h2("Audit history")
    history = doc.record.get("history")
    if not history:
        doc.add(doc.para(NOT_FILED))
        return
    head = esc(history.get("head"))
    signed = (SIGNED.format(key_id=esc(history.get("key_id"))) if history.get("keyed")
              else UNSIGNED)
    doc.add(doc.pairs([
        ("Board", esc(history.get("board"), CELL_LIMIT)),
        ("Filed as", f"#{esc(history.get('seq'))}, saved {esc(history.get('saved_at'))}"),
        ("History head when saved", f"<font name='{MONO}'>{head}</font> "
                                    f"(#{esc(history.get('head_seq'))})"),
        ("Head row", signed),
        ("Check it", f"<font name='{MONO}'>python -m audit history verify --head "
                     f"{head}</font>"),
    ]))
