"""History page: the board's saved audits, one opened and signed off, two compared, the
chain verified; each person sees only their boards' records, as their role may read them."""

from __future__ import annotations

import copy
import json
import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from audit.record import AuditRecord, HistoryStore, Review, record_to_dict
from audit.record._boards import NOTES_WITHHELD
from audit.record._history_keys import SIGNING, UNKEYED_STORE, HistoryKey
from pages._ui.auth import BOARD_WORDS, NOT_A_MEMBER
from pages._ui.signoff import VIEW_ONLY
from tests.conftest import open_page

TIMEOUT = 60
PAGE = "pages/screens/history.py"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-real-secret-at-all", "client_id": "dashboard",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "https://login.example.invalid/.well-known/openid-configuration"}
ISSUER = "https://login.example.invalid"
BOARDS = """
[boards.credit]
title = "Credit board"
suppress_below = 50
admins = ["ada@example.org"]
reviewers = ["grace@example.org"]
viewers = ["vic@example.org"]

[boards.hiring]
reviewers = ["alan@example.org", "grace@example.org"]
"""
NOTE = "Private deliberation 7f3a."


def _record(run, audit_id: str, created_at: str) -> dict:
    review = Review(reviewers=("Ada Lovelace",), decision="reject", reviewed_at="2026-01-15Z",
                    notes=NOTE)
    return record_to_dict(AuditRecord(result=run.result, inputs=run.inputs,
                                      id_column=run.id_column, review=review,
                                      audit_id=audit_id, created_at=created_at))


@pytest.fixture
def saved(sample_run, db) -> list[dict]:
    first = _record(sample_run, "audit-one", "2026-01-01T00:00:00Z")
    second = copy.deepcopy(first)
    second.update(audit_id="audit-two", created_at="2026-02-01T00:00:00Z")
    female = next(g for g in second["groups"] if g["group"] == "female")
    female["metrics"]["selection_rate"]["value"] += 0.1
    next(f for f in second["findings"] if f["id"] == "impact_ratio:sex")["status"] = "pass"
    with HistoryStore(db) as store:
        store.append(first, board="credit")
        store.append(second, board="credit")
        store.append(_record(sample_run, "hiring-one", "2026-03-01T00:00:00Z"), board="hiring")
    return [first, second]


@pytest.fixture
def boards_file(tmp_path, monkeypatch):
    path = tmp_path / "boards.toml"
    path.write_text(BOARDS, encoding="utf-8")
    monkeypatch.setenv("AUDIT_BOARDS_FILE", str(path))
    return path


def signed_in(email: str, name: str) -> AppTest:
    at = open_page(PAGE, timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email, "name": name, "email_verified": True,
               "sub": f"sub-{name.split()[0].lower()}", "iss": ISSUER}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _listed(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["audit_id"])


def test_without_sign_in_each_session_has_a_private_history(saved):
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception
    assert at.caption[0].value == BOARD_WORDS["private"]
    assert at.info[0].value.startswith("No audits saved yet.")
    assert at.session_state["private_board"].startswith("session-")
    assert UNKEYED_STORE in at.caption[1].value


def test_a_shared_local_board_lists_opens_and_compares(saved, monkeypatch):
    monkeypatch.setenv("AUDIT_BOARD", "credit")
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.caption[0].value == BOARD_WORDS["local"].format(title="credit")
    listing = at.dataframe[0].value
    assert list(listing["audit_id"]) == ["audit-one", "audit-two"]  # not hiring's
    assert list(listing["decision"]) == ["Rejected", "Rejected"]
    assert at.selectbox(key="history_open").value == "audit-two"  # newest first
    assert "history_pdf" in {b.key for b in at.get("download_button")}
    at.selectbox(key="history_open").set_value("audit-one").run()
    criteria = at.dataframe[1].value
    assert list(criteria["status"]) == ["FAIL"] * len(saved[0]["findings"])
    summary = at.text[0].value
    assert "impact_ratio:sex: fail → pass" in summary
    deltas = at.dataframe[-1].value
    row = deltas[(deltas["group"] == "female") & (deltas["metric"] == "selection_rate")]
    assert row["delta"].iloc[0] == pytest.approx(0.1)


def test_verify_button(saved, db, monkeypatch):
    monkeypatch.setenv("AUDIT_BOARD", "credit")
    at = open_page(PAGE, timeout=TIMEOUT).run()
    at.button(key="history_verify").click().run()
    assert at.success[0].value.startswith("History intact: 2 rows verified.  \nUnkeyed: ")
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE audit_records SET record_json = replace(record_json, "
                     "'Ada Lovelace', 'Someone Else') WHERE audit_id = 'audit-one'")
    at.button(key="history_verify").click().run()
    assert at.error[0].value.startswith("History altered: record audit-one #1: its record "
                                        "was changed")


def test_a_keyed_history_says_so(saved, monkeypatch, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = tmp_path / "key.pem"
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    monkeypatch.setenv("AUDIT_HISTORY_KEY", str(path))
    monkeypatch.setenv("AUDIT_BOARD", "credit")
    at = open_page(PAGE, timeout=TIMEOUT).run()
    key_id = HistoryKey.load(str(path)).signing_id
    assert SIGNING.format(key_id=key_id) in at.caption[1].value


def test_a_viewer_sees_the_boards_records_suppressed_without_notes(saved, boards_file,
                                                                    downloads):
    at = signed_in("vic@example.org", "Vic Viewer")
    assert at.caption[0].value.startswith('Board "Credit board" · your role: viewer — ')
    assert _listed(at) == ["audit-one", "audit-two"]
    assert not [b for b in at.button if b.key == "history_verify"]
    assert VIEW_ONLY in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "history_signoff_sign"]
    record = json.loads(downloads["history_json"])
    assert record["suppression"]["k"] == 50
    assert min(g["n"] for g in record["groups"]) >= 50
    assert min(g["n"] for g in saved[1]["groups"]) < 50  # the full record has small groups
    assert NOTE not in downloads["history_json"]
    assert record["review"]["notes"] == NOTES_WITHHELD
    assert downloads["history_pdf"].startswith(b"%PDF")


def test_an_admin_verifies_and_downloads_every_number(saved, boards_file, downloads):
    at = signed_in("ada@example.org", "Ada Lovelace")
    assert "history_verify" in {b.key for b in at.button}
    record = json.loads(downloads["history_json"])
    assert "suppression" not in record and record["review"]["notes"] == NOTE
    assert [g["n"] for g in record["groups"]] == [g["n"] for g in saved[1]["groups"]]
    assert record["history"]["board"] == "credit"


def test_a_reviewer_on_two_boards_picks_one_and_signs_off_as_the_identity(saved, boards_file,
                                                                          db, downloads):
    at = signed_in("grace@example.org", "Grace Hopper")
    assert at.sidebar.selectbox(key="board_choice").value == "credit"
    assert _listed(at) == ["audit-one", "audit-two"]
    at.radio(key="history_signoff_decision").set_value("approve")
    at.button(key="history_signoff_sign").click().run()
    assert [e.value for e in at.error] == [
        "Your decision (approve) differs from the board's (reject). Write your reason in the "
        "dissent box, or choose the board's decision."]
    at.text_area(key="history_signoff_dissent").input("The gap is explained by income.")
    at.button(key="history_signoff_sign").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Signed off: approved, as Grace Hopper")
    with HistoryStore(db) as store:
        filed = store.filed("audit-two")
    assert filed["review"]["approvals"] == [{
        "identity": {"name": "Grace Hopper", "email": "grace@example.org",
                     "subject": "sub-grace", "issuer": ISSUER},
        "verified": True, "time": filed["review"]["approvals"][0]["time"],
        "decision": "approve", "dissent": "The gap is explained by income."}]
    assert json.loads(downloads["history_json"])["review"]["approvals"] == \
        filed["review"]["approvals"]
    at.run()
    assert any(c.value.startswith("You signed this record off on ") for c in at.caption)
    at.sidebar.selectbox(key="board_choice").set_value("hiring").run()
    assert _listed(at) == ["hiring-one"]


def test_a_person_on_no_board_sees_nothing(saved, boards_file):
    at = signed_in("eve@example.org", "Eve Outsider")
    assert at.caption[0].value == NOT_A_MEMBER.format(who="Eve Outsider (eve@example.org)")
    assert not at.get("dataframe") and not at.get("download_button")


def test_an_unusable_boards_file_is_named(saved, tmp_path, monkeypatch):
    path = tmp_path / "boards.toml"
    path.write_text("[boards.credit]\nadmin = ['ada@example.org']\n", encoding="utf-8")
    monkeypatch.setenv("AUDIT_BOARDS_FILE", str(path))
    at = signed_in("ada@example.org", "Ada Lovelace")
    assert at.error[0].value.startswith("Cannot read the boards file")
    assert "unknown key(s) admin in \\[boards.credit\\]" in at.error[0].value
    assert not at.get("dataframe")
