"""Sign-off: each reviewer's approval filed as its own row of the history, read back under
``review.approvals``, printed in the PDF, and caught when altered (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from audit.record import (
    AuditRecord,
    HistoryStore,
    Review,
    record_to_dict,
    render_pdf,
)
from audit.record._approvals import (
    EMPTY_DISSENT,
    NO_DISSENT_REASON,
    NO_NAME,
    UNVERIFIABLE,
    Approval,
    Identity,
    approval_errors,
)
from audit.record._history import ALREADY_APPROVED, NOT_REVIEWED_YET, UNKNOWN, HistoryError
from tests.audit.record.history_db import BACKENDS, canonical_sha, database_url, raw
from tests.conftest import validate_schema

ISSUER = "https://login.example.org"
ADA = Identity("Ada Lovelace", "ada@example.org", "sub-ada", ISSUER)
GRACE = Identity("Grace Hopper", "grace@example.org", "sub-grace", ISSUER)


@pytest.fixture(scope="module")
def record(lending, lending_inputs) -> dict:
    review = Review(reviewers=("Ada Lovelace",), decision="reject", notes="Too large a gap.",
                    reviewed_at="2026-01-15T10:00:00Z")
    return record_to_dict(AuditRecord(result=lending[1], inputs=lending_inputs, review=review))


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    yield from database_url(request.param, tmp_path)


def _filed(url: str, record: dict, board: str = "credit") -> dict:
    copied = copy.deepcopy(record)
    copied["audit_id"] = str(uuid.uuid4())
    with HistoryStore(url, key=None) as store:
        store.append(copied, board=board)
    return copied


def test_two_reviewers_approvals_are_filed_as_rows_and_read_back_in_order(record, url):
    saved = _filed(url, record)
    ada = Approval(ADA, verified=True, decision="reject", time="2026-01-16T09:00:00Z")
    grace = Approval(GRACE, verified=True, decision="approve", time="2026-01-16T10:00:00Z",
                     dissent="The gap is within what the policy allows.")
    with HistoryStore(url, key=None) as store:
        first = store.approve(saved["audit_id"], ada, board="credit")
        second = store.approve(saved["audit_id"], grace, board="credit")
        filed = store.filed(saved["audit_id"], board="credit")
        stored = store.get(saved["audit_id"])
        entries = store.list("credit")
        result = store.verify()
    assert stored == saved  # the record row itself is never rewritten
    assert filed["review"]["approvals"] == [
        {"identity": {"name": "Ada Lovelace", "email": "ada@example.org", "subject": "sub-ada",
                      "issuer": ISSUER}, "verified": True, "time": "2026-01-16T09:00:00Z",
         "decision": "reject", "dissent": None},
        {"identity": {"name": "Grace Hopper", "email": "grace@example.org",
                      "subject": "sub-grace", "issuer": ISSUER}, "verified": True,
         "time": "2026-01-16T10:00:00Z", "decision": "approve",
         "dissent": "The gap is within what the policy allows."}]
    without = copy.deepcopy(filed)
    without["review"]["approvals"] = []
    del without["history"]
    assert without == saved  # nothing else differs from the stored record
    validate_schema(filed)
    assert filed["history"] == {"board": "credit", "seq": entries[0].seq,
                                "saved_at": entries[0].saved_at, "head": second.row_hash,
                                "head_seq": second.seq, "keyed": False, "key_id": None}
    assert [e.audit_id for e in entries] == [saved["audit_id"]] and entries[0].approvals == 2
    assert first.prev_hash == entries[0].row_hash and second.prev_hash == first.row_hash
    row = raw(url, "SELECT * FROM audit_records WHERE seq = :s", s=second.seq)[0]._asdict()
    assert (row["kind"], row["refers_to"], row["decision"]) == ("approval", saved["audit_id"],
                                                                "approve")
    payload = {"audit_id": saved["audit_id"], "approval": grace.to_dict()}
    assert row["record_sha256"] == canonical_sha(payload)
    assert json.loads(row["record_json"]) == payload
    assert result.ok and result.checked == 3


def test_the_same_person_cannot_sign_off_twice(record, url):
    saved = _filed(url, record)
    renamed = Identity("A. Lovelace", "ada@other.example", "sub-ada", ISSUER)
    with HistoryStore(url, key=None) as store:
        store.approve(saved["audit_id"], Approval(ADA, True, "reject", time="T1"),
                      board="credit")
        with pytest.raises(HistoryError) as err:
            store.approve(saved["audit_id"], Approval(renamed, True, "approve",
                                                      dissent="changed my mind"),
                          board="credit")
        assert str(err.value) == ALREADY_APPROVED.format(
            who="Ada Lovelace (ada@example.org)", audit_id=saved["audit_id"], time="T1")
        typed = Identity("Grace Hopper")
        store.approve(saved["audit_id"], Approval(typed, False, "reject", time="T2"),
                      board="credit")
        with pytest.raises(HistoryError, match="Grace Hopper already signed off"):
            store.approve(saved["audit_id"], Approval(Identity("grace hopper"), False, "reject"),
                          board="credit")
        assert store.list("credit")[0].approvals == 2


def test_only_a_reviewed_record_of_the_same_board_can_be_signed_off(record, url):
    unreviewed = copy.deepcopy(record)
    unreviewed["review"] = None
    saved, other = _filed(url, unreviewed), _filed(url, record, board="hiring")
    approval = Approval(ADA, True, "reject")
    with HistoryStore(url, key=None) as store:
        with pytest.raises(HistoryError) as err:
            store.approve(saved["audit_id"], approval, board="credit")
        assert str(err.value) == NOT_REVIEWED_YET.format(audit_id=saved["audit_id"])
        with pytest.raises(HistoryError) as err:
            store.approve(other["audit_id"], approval, board="credit")
        assert str(err.value) == UNKNOWN.format(audit_id=other["audit_id"], url=store.shown_url)
        assert store.verify().checked == 2  # nothing was added


@pytest.mark.parametrize("attack", ["edit", "move", "retarget"])
def test_an_altered_approval_is_caught(record, url, attack):
    saved, other = _filed(url, record), _filed(url, record)
    with HistoryStore(url, key=None) as store:
        entry = store.approve(saved["audit_id"], Approval(GRACE, True, "approve",
                                                          dissent="Fine by me."),
                              board="credit")
    if attack == "edit":  # the dissent quietly withdrawn
        text = raw(url, "SELECT record_json FROM audit_records WHERE seq = :s", s=entry.seq)[0][0]
        payload = json.loads(text)
        payload["approval"]["dissent"] = None
        raw(url, "UPDATE audit_records SET record_json = :j WHERE seq = :s",
            j=json.dumps(payload), s=entry.seq)
    elif attack == "move":
        raw(url, "UPDATE audit_records SET board = 'hiring' WHERE seq = :s", s=entry.seq)
    else:  # the approval passed off as one of another audit
        raw(url, "UPDATE audit_records SET refers_to = :o WHERE seq = :s",
            o=other["audit_id"], s=entry.seq)
    with HistoryStore(url, key=None) as store:
        result = store.verify()
    assert not result.ok and result.first_bad == entry.audit_id
    expected = {"edit": "changed after it was saved",
                "move": "approval of an audit that is not filed before it on the same board",
                "retarget": "approval of an audit that is not filed before it"}[attack]
    assert expected in result.reason


def test_two_reviewers_signing_at_once_both_land(record, url):
    saved = _filed(url, record)
    errors: list[BaseException] = []

    def sign(identity: Identity) -> None:
        try:
            with HistoryStore(url, key=None) as store:
                store.approve(saved["audit_id"], Approval(identity, True, "reject"),
                              board="credit")
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=sign, args=(who,)) for who in (ADA, GRACE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with HistoryStore(url, key=None) as store:
        names = [a["identity"]["name"]
                 for a in store.filed(saved["audit_id"])["review"]["approvals"]]
        assert sorted(names) == ["Ada Lovelace", "Grace Hopper"] and store.verify().ok


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed (apt-get install poppler-utils)")
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, timeout=120, check=True).stdout


def test_the_pdf_lists_each_approval_with_its_identity_and_the_head(record, tmp_path):
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    saved = _filed(url, record)
    with HistoryStore(url, key=None) as store:
        store.approve(saved["audit_id"], Approval(ADA, True, "reject"), board="credit")
        store.approve(saved["audit_id"], Approval(Identity("Alan Turing"), False, "approve",
                                                  dissent="Retraining suffices."),
                      board="credit")
        filed = store.filed(saved["audit_id"])
    text = pdftotext(render_pdf(filed), tmp_path)
    approvals = text[text.index("Approvals"):]
    for needle in ("Ada Lovelace", "ada@example.org", "Verified by sign-in", ISSUER, "sub-ada",
                   "Alan Turing", "identity not verified", "Retraining suffices.", "Rejected",
                   "Approved", "credit", "Unkeyed: hash-chained, not signed"):
        assert needle in approvals, needle
    heads = re.findall(r"verify --head\s+([0-9a-f]{64})", text)
    assert heads == [filed["history"]["head"]]
    unfiled = pdftotext(render_pdf(record), tmp_path)
    assert "No reviewer has signed off this record" in unfiled
    assert "was not in the audit history when this PDF was made" in unfiled


def test_approvals_say_what_is_missing():
    with pytest.raises(ValueError) as err:
        Approval(Identity("Ada", "ada@example.org"), True, "approve")
    assert str(err.value) == UNVERIFIABLE.format(name="Ada", missing="subject or issuer")
    with pytest.raises(ValueError, match="^decision must be one of approve, "):
        Approval(ADA, True, "maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError) as err:
        Approval(ADA, True, "approve", dissent="  ")
    assert str(err.value) == EMPTY_DISSENT
    with pytest.raises(ValueError) as err:
        Approval(Identity(" "), False, "approve")
    assert str(err.value) == NO_NAME
    assert approval_errors(name="Ada", decision="approve", board_decision="reject",
                           dissent="") == [NO_DISSENT_REASON.format(mine="approve",
                                                                    board="reject")]
    assert approval_errors(name="Ada", decision="approve", board_decision="reject",
                           dissent="Retraining suffices.") == []
    assert approval_errors(name="Ada", decision="reject", board_decision="reject",
                           dissent="") == []
