"""Sign-off: who approved a record, when, with what decision, and whether they dissent.

An `Approval` is one reviewer's sign-off of one filed record. With sign-in, the reviewer's
`Identity` comes from the identity provider's OpenID Connect token (name, e-mail, subject
and issuer) and the approval is *verified*; without sign-in the name is what the person
typed, and the approval says so ("identity not verified"). Each approval is filed as its
own row of the audit history (`HistoryStore.approve`), so the record saved before it is
never rewritten; the record a board files lists them under ``review.approvals``::

    {"identity": {"name": ..., "email": ..., "subject": ..., "issuer": ...},
     "verified": true, "time": "2026-01-15T10:00:00Z",
     "decision": "approve" | "approve_with_conditions" | "reject",
     "dissent": null | "the reviewer's reason"}

``decision`` is the reviewer's own decision. A reviewer who decides differently from the
board's decision (``review.decision``) must say why, in ``dissent``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from audit._words import DECISION_CHOICES
from audit.record._build import DECISIONS, now_utc

__all__ = ["Approval", "Identity", "UNVERIFIED", "approval_errors"]

UNVERIFIED = "identity not verified"
NO_NAME = "Enter your name: an approval names the person who gives it."
NO_DISSENT_REASON = (
    "Your decision ({mine}) differs from the board's ({board}). Write your reason in the "
    "dissent box, or choose the board's decision."
)
EMPTY_DISSENT = "A dissent needs a reason: write it, or leave the dissent box empty."
NO_DECISION = "Choose your decision: approve, approve with conditions, or reject."
BAD_DECISION = "decision must be one of {allowed}; got {got!r}"
UNVERIFIABLE = (
    "A verified approval needs the identity provider's subject and issuer; this identity "
    "({name!r}) has no {missing}. Sign in again, or file the approval as not verified."
)


@dataclass(frozen=True)
class Identity:
    """A person as the identity provider (or, without sign-in, the person) names them.

    ``subject`` and ``issuer`` are the OpenID Connect ``sub`` and ``iss`` claims: together
    they name one account for good, even when the name or e-mail address changes.
    """

    name: str
    email: str | None = None
    subject: str | None = None
    issuer: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "email": self.email, "subject": self.subject,
                "issuer": self.issuer}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Identity:
        return cls(name=str(data.get("name") or ""), email=data.get("email"),
                   subject=data.get("subject"), issuer=data.get("issuer"))

    @property
    def display(self) -> str:
        """``Ada Lovelace (ada@example.org)``, or the one of them there is."""
        if self.email and self.email != self.name:
            return f"{self.name} ({self.email})" if self.name else self.email
        return self.name


@dataclass(frozen=True)
class Approval:
    """One reviewer's sign-off of a filed record (see the module docstring)."""

    identity: Identity
    verified: bool
    decision: Literal["approve", "approve_with_conditions", "reject"]
    time: str = field(default_factory=now_utc)
    dissent: str | None = None

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ValueError(BAD_DECISION.format(allowed=", ".join(DECISIONS),
                                                 got=self.decision))
        if not self.identity.name.strip():
            raise ValueError(NO_NAME)
        if self.dissent is not None and not self.dissent.strip():
            raise ValueError(EMPTY_DISSENT)
        missing = [n for n in ("subject", "issuer") if not getattr(self.identity, n)]
        if self.verified and missing:
            raise ValueError(UNVERIFIABLE.format(name=self.identity.name,
                                                 missing=" or ".join(missing)))

    def to_dict(self) -> dict[str, Any]:
        return {"identity": self.identity.to_dict(), "verified": self.verified,
                "time": self.time, "decision": self.decision, "dissent": self.dissent}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Approval:
        return cls(identity=Identity.from_dict(data["identity"]),
                   verified=bool(data["verified"]), time=str(data["time"]),
                   decision=data["decision"], dissent=data.get("dissent"))

    def same_person(self, other: Approval) -> bool:
        """Whether ``other`` was given by the same person: the same account (issuer and
        subject) when verified, else the same name (letter case aside)."""
        if self.verified and other.verified:
            return (self.identity.issuer, self.identity.subject) == (
                other.identity.issuer, other.identity.subject)
        return self.identity.name.strip().casefold() == other.identity.name.strip().casefold()


def approval_errors(*, name: str, decision: str | None, board_decision: str,
                    dissent: str) -> list[str]:
    """What is missing before a sign-off can be filed (empty when it is complete)."""
    errors = [] if name.strip() else [NO_NAME]
    if decision is None:
        errors.append(NO_DECISION)
    elif decision != board_decision and not dissent.strip():
        errors.append(NO_DISSENT_REASON.format(
            mine=DECISION_CHOICES.get(decision, decision).lower(),
            board=DECISION_CHOICES.get(board_decision, board_decision).lower()))
    return errors
