"""Boards and roles: the boards file (every mistake refused with its fix), who belongs to
which board, and the copy of a record each role may read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit import AuditInputError
from audit.record import (
    Access,
    AuditRecord,
    Review,
    load_boards,
    local_board,
    personal_board,
    private_board,
    record_for_role,
    record_to_dict,
)
from audit.record._boards import (
    BAD_BOARD_ID,
    BAD_BOARD_NAME,
    BAD_FILE,
    BAD_MEMBERS,
    BAD_SUPPRESS,
    NOTES_WITHHELD,
    TWO_ROLES,
    UNKNOWN_KEYS,
)
from tests.conftest import validate_schema

BOARDS = """
[boards.credit]
title = "Credit model review board"
suppress_below = 50
admins = ["Ada@Example.org"]
reviewers = ["grace@example.org"]
viewers = ["vic@example.org"]

[boards.hiring]
reviewers = ["alan@example.org", "ada@example.org"]
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "boards.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path: Path, text: str, reason: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(AuditInputError) as err:
        load_boards(path)
    assert str(err.value) == BAD_FILE.format(
        path=str(path), env="AUDIT_BOARDS_FILE", reason=reason,
        fix="correct the file and restart the dashboard.")


def test_members_see_their_boards_with_their_roles(tmp_path):
    boards = load_boards(_file(tmp_path, BOARDS))
    assert [b.id for b in boards.boards] == ["credit", "hiring"]
    assert boards.boards[1].title == "hiring" and boards.boards[1].suppress_below == 10
    ada = boards.access_for("ADA@example.org", email_verified=True)
    assert ada == (Access(board="credit", title="Credit model review board", role="admin",
                          suppress_below=50),
                   Access(board="hiring", title="hiring", role="reviewer", suppress_below=10))
    assert [a.role for a in boards.access_for("vic@example.org")] == ["viewer"]
    assert boards.access_for("ada@example.org", email_verified=False) == ()
    assert boards.access_for("eve@example.org") == () and boards.access_for("") == ()


@pytest.mark.parametrize(("role", "file", "verify", "raw", "notes"), [
    ("viewer", False, False, False, False),
    ("reviewer", True, False, False, True),
    ("admin", True, True, True, True),
])
def test_what_each_role_may_do(role, file, verify, raw, notes):
    access = Access(board="b", title="b", role=role)
    assert (access.can_file, access.can_verify, access.raw_numbers, access.reads_notes) == (
        file, verify, raw, notes)


@pytest.mark.parametrize(("text", "reason"), [
    ("[boards.credit]\nadmins = ['a@x.org']\ncolour = 'red'\n",
     UNKNOWN_KEYS.format(keys="colour", where="[boards.credit]",
                         allowed="title, suppress_below, admins, reviewers, viewers")),
    ("board = 'x'\n[boards.credit]\nadmins = ['a@x.org']\n",
     UNKNOWN_KEYS.format(keys="board", where="the file", allowed="boards")),
    ("[boards.credit]\nadmins = 'a@x.org'\n",
     BAD_MEMBERS.format(board="credit", key="admins", got="a@x.org")),
    ("[boards.credit]\nviewers = ['not an address']\n",
     BAD_MEMBERS.format(board="credit", key="viewers", got=["not an address"])),
    ("[boards.credit]\nadmins = ['a@x.org']\nviewers = ['A@x.org']\n",
     TWO_ROLES.format(email="a@x.org", first="viewer", second="admin", board="credit")),
    ("[boards.credit]\nsuppress_below = 0\n", BAD_SUPPRESS.format(board="credit", got=0)),
    ("[boards.credit]\nsuppress_below = true\n", BAD_SUPPRESS.format(board="credit", got=True)),
    ("[boards.'session-abc']\nadmins = ['a@x.org']\n", BAD_BOARD_ID.format(board="session-abc")),
    ("[boards.'two words']\nadmins = ['a@x.org']\n", BAD_BOARD_ID.format(board="two words")),
    ("", "it names no board; add a [boards.<id>] section for each board"),
])
def test_mistakes_in_the_boards_file_are_refused_with_the_fix(tmp_path, text, reason):
    _refused(tmp_path, text, reason)


def test_a_file_that_is_not_toml_or_not_there(tmp_path):
    path = _file(tmp_path, "[boards.credit\n")
    with pytest.raises(AuditInputError, match=r"it is not valid TOML \("):
        load_boards(path)
    missing = tmp_path / "nope.toml"
    with pytest.raises(AuditInputError) as err:
        load_boards(missing)
    assert str(err.value) == BAD_FILE.format(
        path=str(missing), env="AUDIT_BOARDS_FILE", reason="No such file or directory",
        fix="set AUDIT_BOARDS_FILE to the path of a boards file the server can read.")


def test_board_names_for_sessions_and_accounts():
    assert local_board({}) is None and local_board({"AUDIT_BOARD": " ethics "}) == "ethics"
    with pytest.raises(AuditInputError) as err:
        local_board({"AUDIT_BOARD": "our board"})
    assert str(err.value) == BAD_BOARD_NAME.format(env="AUDIT_BOARD", board="our board")
    first, second = private_board(), private_board()
    assert first != second and first.startswith("session-") and len(first) == 24
    mine = personal_board("https://login.example.org", "sub-1")
    assert mine == personal_board("https://login.example.org", "sub-1")
    assert mine != personal_board("https://other.example.org", "sub-1")


@pytest.fixture(scope="module")
def record(lending, lending_inputs) -> dict:
    review = Review(reviewers=("Ada Lovelace",), decision="reject", notes="Private deliberation.",
                    finding_notes={"impact_ratio:sex": "Women approved far less often."},
                    reviewed_at="2026-01-15T10:00:00Z")
    return record_to_dict(AuditRecord(result=lending[1], inputs=lending_inputs, review=review))


def test_a_viewer_reads_small_groups_hidden_and_no_notes(record):
    viewer = Access(board="credit", title="credit", role="viewer", suppress_below=50)
    view = record_for_role(record, viewer)
    assert min(g["n"] for g in record["groups"]) < 50  # something to hide
    assert min(g["n"] for g in view["groups"]) >= 50
    assert view["suppression"]["k"] == 50
    assert "Private deliberation." not in json.dumps(view)
    assert "Women approved" not in json.dumps(view)
    assert view["review"]["notes"] == NOTES_WITHHELD
    assert view["review"]["finding_notes"] == {} and view["review"]["notes_withheld"] is True
    assert view["review"]["decision"] == "reject"
    validate_schema(view)


def test_a_reviewer_reads_the_notes_and_an_admin_every_number(record):
    reviewer = record_for_role(record, Access(board="c", title="c", role="reviewer",
                                              suppress_below=50))
    assert reviewer["review"] == record["review"]
    assert min(g["n"] for g in reviewer["groups"]) >= 50
    admin = record_for_role(record, Access(board="c", title="c", role="admin",
                                           suppress_below=50))
    assert admin == record and admin is not record
