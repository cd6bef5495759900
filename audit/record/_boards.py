"""Boards and roles: whose records a person sees, and what they may do with them.

The audit history belongs to *boards*. Every history row carries its board's id, and a
person sees only the records of their boards. With sign-in, the operator lists each
board's members in a TOML file named by ``AUDIT_BOARDS_FILE`` (contract; unknown keys are
refused)::

    [boards.credit]                      # the board's id (letters, digits, - _ .)
    title = "Credit model review board"  # optional: how the pages name it
    suppress_below = 10                  # optional (10): what viewers download hides
    admins = ["ada@example.org"]
    reviewers = ["grace@example.org"]
    viewers = ["vic@example.org"]

Members are matched by the e-mail address of their sign-in (letter case aside; never when
the identity provider says the address is unverified). The roles:

=========  =====================================================================
viewer     reads the board's records; its downloads hide groups of fewer than
           ``suppress_below`` people (`suppress_small_cells`) and the review notes
reviewer   also files records and signs them off; reads the review notes; its
           downloads still hide small groups
admin      also verifies the history and downloads every number
=========  =====================================================================

Records saved before the history had boards belong to the board ``default``: give it a
``[boards.default]`` section to show them. Without sign-in there are no roles: the person
at the dashboard is its admin, on a private board per browser session (``session-…``) or
on the shared local board the operator names with ``AUDIT_BOARD``.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from audit._errors import AuditInputError
from audit.record._suppress import suppress_small_cells

__all__ = ["Access", "Board", "Boards", "DEFAULT_BOARD", "ROLES", "Role", "load_boards",
           "personal_board", "private_board", "record_for_role"]

Role = Literal["viewer", "reviewer", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
Mode = Literal["private", "local", "personal", "member"]
DEFAULT_BOARD = "default"
DEFAULT_SUPPRESS = 10
ENV_BOARDS = "AUDIT_BOARDS_FILE"
ENV_LOCAL_BOARD = "AUDIT_BOARD"
BOARD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
RESERVED = ("session-", "user-")  # private and personal boards
BOARD_KEYS = ("title", "suppress_below", "admins", "reviewers", "viewers")
NOTES_WITHHELD = ("Withheld: the board's review notes are shown only to its reviewers and "
                  "admins.")

BAD_FILE = ("Cannot read the boards file {path!r} ({env}): {reason}. Fix: {fix}")
BAD_BOARD_ID = ("the board id {board!r} is not usable: use 1 to 64 letters, digits, '-', '_' "
                "or '.', not beginning with 'session-' or 'user-'")
UNKNOWN_KEYS = "unknown key(s) {keys} in {where}; the keys are {allowed}"
BAD_MEMBERS = ("[boards.{board}] {key} must be a list of e-mail addresses, such as "
               "{key} = [\"ada@example.org\"]; got {got!r}")
TWO_ROLES = ("{email} is listed as both {first} and {second} of board {board!r}; list each "
             "person once, under the role they have")
BAD_SUPPRESS = ("[boards.{board}] suppress_below must be a whole number of at least 1 (the "
                "smallest group a viewer's download shows); got {got!r}")
BAD_BOARD_NAME = ("{env}={board!r} is not a usable board name: use 1 to 64 letters, digits, "
                  "'-', '_' or '.'. Fix: set {env} to a name such as ethics-board, or unset it "
                  "to give each browser session a private history.")


@dataclass(frozen=True)
class Board:
    """One board of the boards file: its id, title, viewer suppression and members."""

    id: str
    title: str
    suppress_below: int = DEFAULT_SUPPRESS
    members: Mapping[str, Role] = field(default_factory=dict)  # lower-case e-mail -> role


@dataclass(frozen=True)
class Access:
    """What one person may do on one board.

    ``mode`` says how the board was chosen: ``member`` (the boards file), ``personal`` (sign-in
    without a boards file: a board of one), ``private`` (no sign-in: this browser session's
    own board) or ``local`` (no sign-in: the shared board named by ``AUDIT_BOARD``).
    """

    board: str
    title: str
    role: Role
    mode: Mode = "member"
    suppress_below: int = DEFAULT_SUPPRESS

    @property
    def can_file(self) -> bool:
        """Save records to the board's history and sign them off."""
        return self.role in ("reviewer", "admin")

    @property
    def can_verify(self) -> bool:
        return self.role == "admin"

    @property
    def raw_numbers(self) -> bool:
        """Download every number (else small groups are hidden)."""
        return self.role == "admin"

    @property
    def reads_notes(self) -> bool:
        return self.role in ("reviewer", "admin")


@dataclass(frozen=True)
class Boards:
    """The boards of a boards file (``source`` names the file)."""

    boards: tuple[Board, ...]
    source: str = ""

    def access_for(self, email: str, *, email_verified: bool | None = None) -> tuple[Access, ...]:
        """Every board ``email`` belongs to, with its role there (none for an address the
        identity provider marks unverified)."""
        if email_verified is False or not email.strip():
            return ()
        address = email.strip().lower()
        return tuple(Access(board=b.id, title=b.title, role=b.members[address],
                            suppress_below=b.suppress_below)
                     for b in self.boards if address in b.members)


def _fail(path: Path, reason: str, fix: str = "correct the file and restart the dashboard."
          ) -> AuditInputError:
    return AuditInputError(BAD_FILE.format(path=str(path), env=ENV_BOARDS, reason=reason, fix=fix))


def _board(path: Path, board_id: str, section: Any) -> Board:
    if not BOARD_ID.fullmatch(board_id) or board_id.startswith(RESERVED):
        raise _fail(path, BAD_BOARD_ID.format(board=board_id))
    if not isinstance(section, dict):
        raise _fail(path, f"[boards.{board_id}] must be a table of settings")
    unknown = sorted(set(section) - set(BOARD_KEYS))
    if unknown:
        raise _fail(path, UNKNOWN_KEYS.format(keys=", ".join(unknown), where=f"[boards.{board_id}]",
                                              allowed=", ".join(BOARD_KEYS)))
    k = section.get("suppress_below", DEFAULT_SUPPRESS)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise _fail(path, BAD_SUPPRESS.format(board=board_id, got=k))
    members: dict[str, Role] = {}
    for role in ROLES:
        key = f"{role}s"
        listed = section.get(key, [])
        if not isinstance(listed, list) or not all(
                isinstance(e, str) and e.strip().count("@") == 1 for e in listed):
            raise _fail(path, BAD_MEMBERS.format(board=board_id, key=key, got=listed))
        for email in listed:
            address = email.strip().lower()
            if address in members:
                raise _fail(path, TWO_ROLES.format(email=address, first=members[address],
                                                   second=role, board=board_id))
            members[address] = role
    title = section.get("title", board_id)
    return Board(id=board_id, title=str(title), suppress_below=k, members=members)


def load_boards(path: str | Path) -> Boards:
    """Read a boards file (see the module docstring). Raises `AuditInputError` naming the
    file, the setting and the fix."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise _fail(path, err.strerror or str(err),
                    f"set {ENV_BOARDS} to the path of a boards file the server can read.") from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise _fail(path, f"it is not valid TOML ({err})") from err
    unknown = sorted(set(data) - {"boards"})
    if unknown:
        raise _fail(path, UNKNOWN_KEYS.format(keys=", ".join(unknown), where="the file",
                                              allowed="boards"))
    sections = data.get("boards", {})
    if not isinstance(sections, dict) or not sections:
        raise _fail(path, "it names no board; add a [boards.<id>] section for each board")
    return Boards(boards=tuple(_board(path, b, s) for b, s in sections.items()),
                  source=str(path))


def boards_from_env(environ: Mapping[str, str] | None = None) -> Boards | None:
    """The boards file ``AUDIT_BOARDS_FILE`` names, or None when it is not set."""
    env = os.environ if environ is None else environ
    path = env.get(ENV_BOARDS, "").strip()
    return load_boards(path) if path else None


def local_board(environ: Mapping[str, str] | None = None) -> str | None:
    """The shared local board ``AUDIT_BOARD`` names (None: private boards per session)."""
    env = os.environ if environ is None else environ
    name = env.get(ENV_LOCAL_BOARD, "").strip()
    if name and not BOARD_ID.fullmatch(name):
        raise AuditInputError(BAD_BOARD_NAME.format(env=ENV_LOCAL_BOARD, board=name))
    return name or None


def private_board() -> str:
    """A new board id for one browser session's private history."""
    return f"session-{uuid.uuid4().hex[:16]}"


def personal_board(issuer: str, subject: str) -> str:
    """The board of one signed-in account when no boards file is set."""
    return "user-" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:16]


def record_for_role(record: Mapping[str, Any], access: Access) -> dict[str, Any]:
    """The copy of a filed record that ``access`` may download and read.

    Roles without raw numbers get it with groups of fewer than the board's
    ``suppress_below`` people hidden (`suppress_small_cells`, which raises
    `AuditInputError` when that would hide every group); roles that may not read the
    review notes get them replaced by a sentence saying they were withheld, and
    ``review.notes_withheld = true``.
    """
    view = (copy.deepcopy(dict(record)) if access.raw_numbers
            else suppress_small_cells(record, k=access.suppress_below))
    review = view.get("review")
    if review and not access.reads_notes:
        review["notes"] = NOTES_WITHHELD if review.get("notes") else ""
        review["finding_notes"] = {}
        review["notes_withheld"] = True
    return view
