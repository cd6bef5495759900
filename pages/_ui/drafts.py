"""What the board has typed on the Review page, kept whatever happens around it.

The Review page's boxes (reviewers, a note per finding, the overall note, the decision,
the conditions) are mirrored into one `Draft` in session state (``review_draft``) on
every run of any page, so that a page switch (Streamlit forgets a widget that is not on
the page), a criterion change in the Fairness sidebar (a new run of the same files) and a
refresh (`pages._ui.sessions`) lose nothing. Notes are keyed by `audit.record.finding_id`,
which does not change with a threshold; the status each note was written against is kept
(``seen``), so that a finding whose verdict has changed since is marked for a second look
until the review is saved again. A note on a finding the audit no longer has is kept and
shown apart. The draft is dropped only when the audit is replaced by another one
(`pages._ui.actions.store_run` with other files), which the pages ask about first.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from audit.record import Review

DRAFT_KEY = "review_draft"
REVIEWERS = "review_reviewers"
DECISION = "review_decision"
NOTES = "review_notes"
CONDITIONS = "review_conditions"
NOTE_PREFIX = "review_note_"


def note_key(finding_id: str) -> str:
    return f"{NOTE_PREFIX}{finding_id}"


@dataclass(frozen=True)
class Draft:
    """The Review page's boxes as the board left them (saved or not).

    ``seen`` maps a finding id to the status it had when the board last saved the review
    (or first wrote its note), so that a changed verdict can be pointed out.
    """

    reviewers: str = ""
    decision: str | None = None
    notes: str = ""
    conditions: str = ""
    finding_notes: Mapping[str, str] = field(default_factory=dict)
    seen: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, review: Review | None) -> Draft:
        """A draft holding a saved review (an empty one without)."""
        if review is None:
            return cls()
        return cls(reviewers=", ".join(review.reviewers), decision=review.decision,
                   notes=review.notes, conditions=review.conditions,
                   finding_notes=dict(review.finding_notes))

    @property
    def empty(self) -> bool:
        """Nothing typed (the statuses seen do not count)."""
        return not (self.reviewers.strip() or self.decision or self.notes.strip()
                    or self.conditions.strip() or any(self.finding_notes.values()))

    def with_seen(self, statuses: Mapping[str, str]) -> Draft:
        """The draft with every finding's status as now (the board has looked again)."""
        return replace(self, seen=dict(statuses))


def current(state: Mapping[str, Any]) -> Draft:
    """The session's draft: the one kept, else one from the saved review."""
    kept = state.get(DRAFT_KEY)
    return kept if isinstance(kept, Draft) else Draft.of(state.get("review"))


def sync(state: MutableMapping[str, Any]) -> None:
    """Copy what is in the Review page's boxes into the draft.

    Called before every page runs: the boxes' values are still in session state on the
    run that leaves the Review page, and gone on the one after.
    """
    present = {k: state[k] for k in list(state.keys()) if isinstance(k, str)
               and (k in (REVIEWERS, DECISION, NOTES, CONDITIONS) or k.startswith(NOTE_PREFIX))}
    if not present:
        return
    draft = current(state)
    notes = dict(draft.finding_notes)
    for key, value in present.items():
        if key.startswith(NOTE_PREFIX):
            finding = key[len(NOTE_PREFIX):]
            if value:
                notes[finding] = str(value)
            else:
                notes.pop(finding, None)
    updated = replace(
        draft, finding_notes=notes,
        reviewers=str(present.get(REVIEWERS, draft.reviewers) or ""),
        decision=present.get(DECISION, draft.decision),
        notes=str(present.get(NOTES, draft.notes) or ""),
        conditions=str(present.get(CONDITIONS, draft.conditions) or ""))
    if updated != draft:
        state[DRAFT_KEY] = updated


def seed(state: MutableMapping[str, Any], draft: Draft, finding_ids: Sequence[str]) -> None:
    """Put the draft into the boxes the page is about to draw, where the page has none yet
    (a widget's own value, once it exists, is the newer one)."""
    values: dict[str, object] = {REVIEWERS: draft.reviewers, DECISION: draft.decision,
                                 NOTES: draft.notes, CONDITIONS: draft.conditions}
    values.update({note_key(f): draft.finding_notes.get(f, "") for f in finding_ids})
    for key, value in values.items():
        if key not in state:
            state[key] = value


def second_looks(draft: Draft, statuses: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Finding id → (status the board last saw, status now), for the findings with a note
    whose status has changed since."""
    return {f: (draft.seen[f], now) for f, now in statuses.items()
            if f in draft.seen and draft.seen[f] != now and draft.finding_notes.get(f)}


def orphans(draft: Draft, finding_ids: Sequence[str]) -> dict[str, str]:
    """Notes on findings the audit no longer has (kept, never dropped)."""
    return {f: n for f, n in draft.finding_notes.items() if f not in finding_ids and n}


def remember(state: MutableMapping[str, Any], statuses: Mapping[str, str]) -> None:
    """Follow each finding's status while it has no note; once it has one, the status it
    was written against stays, and a later change of verdict is measured from there."""
    draft = current(state)
    seen = {f: (s if not draft.finding_notes.get(f) else draft.seen.get(f, s))
            for f, s in statuses.items()}
    seen = {**draft.seen, **seen}
    if seen != dict(draft.seen):
        state[DRAFT_KEY] = replace(draft, seen=seen)


def forget(state: MutableMapping[str, Any]) -> None:
    """Drop the draft and the boxes (the audit was replaced by another one)."""
    for key in [k for k in list(state.keys()) if isinstance(k, str) and (
            k in (REVIEWERS, DECISION, NOTES, CONDITIONS) or k.startswith(NOTE_PREFIX))]:
        del state[key]
    state[DRAFT_KEY] = None
