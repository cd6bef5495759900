"""Boards, roles and sign-off in a real browser, with real sign-in.

A local OpenID Connect provider (tests/e2e/oidc_provider.py) runs on loopback; the
dashboard (``streamlit run app.py``) gets its ``[auth]`` settings from a secrets file made
here (``STREAMLIT_SECRETS_FILES``), a boards file (``AUDIT_BOARDS_FILE``), a history
database and a history key of this test's own. Each person signs in in their own browser
context (their own cookies), as on their own computer:

- Ada (admin of the credit board) audits the sample, saves the review, files it and signs
  it off; her reviewer name is her sign-in identity, never typed;
- Alan (admin of the hiring board) sees only his board's record, and Ada only hers;
- Grace (reviewer on the credit board) signs the same record off in her own session, with a
  dissent; the PDF she downloads lists both sign-offs with their identities and the
  history's head hash, which ``verify --head`` accepts;
- Vic (viewer on the credit board) can neither sign off nor verify, and the JSON he
  downloads hides the groups under the board's size and the review notes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, Page

from audit.engine import audit_inputs
from audit.record import AuditRecord, HistoryKey, HistoryStore, Review, record_to_dict
from benchmarks.server import free_port, idle
from pages._ui.actions import SAMPLE_ID_COLUMN, sample_spec
from tests.e2e.oidc_provider import CLIENT_ID, CLIENT_SECRET, OIDCProvider

STEP_TIMEOUT_MS = 120_000
K = 50  # the credit board's smallest group a viewer's download shows
USERS = {
    "ada": {"name": "Ada Lovelace", "email": "ada@example.org", "sub": "ada-0001"},
    "grace": {"name": "Grace Hopper", "email": "grace@example.org", "sub": "grace-0002"},
    "vic": {"name": "Vic Viewer", "email": "vic@example.org", "sub": "vic-0003"},
    "alan": {"name": "Alan Turing", "email": "alan@example.org", "sub": "alan-0004"},
}
BOARDS = f"""
[boards.credit]
title = "Credit board"
suppress_below = {K}
admins = ["ada@example.org"]
reviewers = ["grace@example.org"]
viewers = ["vic@example.org"]

[boards.hiring]
title = "Hiring board"
admins = ["alan@example.org"]
"""
NOTE = "Women are approved far less often (note 5d1c)."
DISSENT = "The gap is explained by income; approve (dissent 8e2f)."
HIRING_ID = "hiring-audit-0001"


def shown(text: str) -> str:
    """``text`` as the page renders it: `plain` puts an invisible word joiner before each @
    so that Streamlit does not make an address a link."""
    return text.replace("@", "\u2060@")


@pytest.fixture(scope="module")
def provider() -> Iterator[OIDCProvider]:
    running = OIDCProvider(USERS).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory, provider: OIDCProvider) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("boards-e2e")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(24).hex()}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n', encoding="utf-8")
    (folder / "boards.toml").write_text(BOARDS, encoding="utf-8")
    key = folder / "history-key.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return {"port": str(port), "db": f"sqlite:///{folder / 'history.sqlite3'}",
            "boards": str(folder / "boards.toml"), "key": str(key), "secrets": str(secrets)}


@pytest.fixture(scope="module")
def server(streamlit_server, setting: dict[str, str], sample_inputs) -> Iterator[str]:
    _seed_hiring(setting, sample_inputs)
    env = {"STREAMLIT_SECRETS_FILES": setting["secrets"], "AUDIT_DB_URL": setting["db"],
           "AUDIT_BOARDS_FILE": setting["boards"], "AUDIT_HISTORY_KEY": setting["key"],
           "AUDIT_BOARD": None}
    with streamlit_server("streamlit-boards.log", env, port=int(setting["port"])) as url:
        yield url


def _seed_hiring(setting: dict[str, str], sample_inputs) -> None:
    """The hiring board's one record, filed with the server's key."""
    dataset, predictions = sample_inputs
    run = audit_inputs(dataset=dataset, predictions=predictions, spec=sample_spec(),
                       id_column=SAMPLE_ID_COLUMN)
    record = record_to_dict(AuditRecord(
        result=run.result, inputs=run.inputs, audit_id=HIRING_ID,
        review=Review(reviewers=("Alan Turing",), decision="approve")))
    with HistoryStore(setting["db"], key=HistoryKey.load(setting["key"])) as store:
        store.append(record, board="hiring")


def sign_in(browser: Browser, server: str, who: str) -> Page:
    """A new browser context (its own cookies) signed in as ``who`` through the provider."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000},
                               accept_downloads=True).new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(server)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Test identity provider").wait_for()
    page.get_by_role("link", name=f"Sign in as {USERS[who]['name']}").click()
    page.get_by_text(f"Signed in as {USERS[who]['name']}.").wait_for()
    idle(page)
    return page


def go(page: Page, title: str, heading: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_text(heading).first.wait_for()
    idle(page)


def click(page: Page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()
    idle(page)


def download(page: Page, key: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.locator(f".st-key-{key} button").click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def _pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler's pdftotext is missing: apt-get install poppler-utils")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          timeout=120, check=True).stdout
    return " ".join(text.split())  # table cells wrap: compare words, not lines


def _history_ids(page: Page) -> str:
    """The History page's text, with the open audit's label."""
    go(page, "History", "5. Audit history")
    label = page.locator(".st-key-history_open input").input_value()
    return page.locator("[data-testid=stMain]").inner_text() + "\n" + label


def test_two_boards_two_reviewers_a_viewer(server: str, browser: Browser, setting, tmp_path,
                                           provider: OIDCProvider):
    # Ada audits the sample and files the review: the reviewer is her identity
    ada = sign_in(browser, server, "ada")
    ada.get_by_role("button", name="Try it with sample data").click()
    ada.get_by_text("2. Read the disparities").wait_for()
    go(ada, "Review", "4. Review and sign off")
    ada.get_by_text(
        shown("Reviewer: Ada Lovelace (ada@example.org) (from your sign-in)")).wait_for()
    assert ada.locator(".st-key-review_reviewers").count() == 0  # no name to type
    ada.locator(".st-key-review_notes textarea").fill(NOTE)
    ada.locator(".st-key-review_decision").get_by_text("Reject", exact=True).click()
    idle(ada)
    click(ada, "review_save")
    ada.get_by_text("Review saved: reject by Ada Lovelace.").wait_for()
    click(ada, "review_save_history")
    ada.get_by_text("Saved to the audit history as #2.").wait_for()
    click(ada, "review_signoff_sign")
    ada.get_by_text(shown("Signed off: rejected, as Ada Lovelace (ada@example.org).")).wait_for()
    with HistoryStore(setting["db"], key=None) as store:
        credit = store.list("credit")
    assert len(credit) == 1
    audit_id = credit[0].audit_id

    # two boards: neither sees the other's records
    text = _history_ids(ada)  # the open audit's label: "#seq · id[:8] · created · dataset"
    assert f"#2 · {audit_id[:8]} · " in text and HIRING_ID[:8] not in text
    alan = sign_in(browser, server, "alan")
    text = _history_ids(alan)
    assert f"#1 · {HIRING_ID[:8]} · " in text and audit_id[:8] not in text
    alan.context.close()

    # Grace signs off in her own session, dissenting; her PDF lists both sign-offs
    grace = sign_in(browser, server, "grace")
    go(grace, "History", "5. Audit history")
    grace.locator(".st-key-history_signoff_decision").get_by_text(
        "Approve", exact=True).click()
    idle(grace)
    grace.locator(".st-key-history_signoff_dissent textarea").fill(DISSENT)
    grace.locator(".st-key-history_signoff_dissent textarea").blur()
    idle(grace)
    click(grace, "history_signoff_sign")
    grace.get_by_text(
        shown("Signed off: approved, as Grace Hopper (grace@example.org).")).wait_for()
    pdf = _pdftotext(download(grace, "history_pdf", tmp_path))
    approvals = pdf[pdf.index("Approvals"):]
    for needle in ("Ada Lovelace", "ada@example.org", "ada-0001", "Grace Hopper",
                   "grace@example.org", "grace-0002", provider.issuer, DISSENT,
                   "Signed with the history key"):
        assert needle in approvals, needle
    assert approvals.count("Verified by sign-in") == 2
    head = re.findall(r"verify --head ([0-9a-f]{64})", pdf)
    with HistoryStore(setting["db"], key=None) as store:
        filed = store.filed(audit_id)
    assert head == [filed["history"]["head"]]
    assert [(a["identity"]["email"], a["verified"], a["decision"], a["dissent"])
            for a in filed["review"]["approvals"]] == [
        ("ada@example.org", True, "reject", None),
        ("grace@example.org", True, "approve", DISSENT)]
    grace.context.close()

    # Vic, a viewer, reads the record with small groups and notes withheld
    vic = sign_in(browser, server, "vic")
    go(vic, "History", "5. Audit history")
    vic.get_by_text("Your role on this board is viewer").wait_for()
    assert vic.locator(".st-key-history_signoff_sign").count() == 0
    assert vic.locator(".st-key-history_verify").count() == 0
    seen = json.loads(download(vic, "history_json", tmp_path).read_text(encoding="utf-8"))
    assert seen["suppression"]["k"] == K
    assert min(g["n"] for g in seen["groups"]) >= K
    assert min(g["n"] for g in filed["groups"]) < K  # the full record has smaller groups
    assert NOTE not in json.dumps(seen) and seen["review"]["notes_withheld"] is True
    assert len(seen["review"]["approvals"]) == 2
    vic.context.close()

    # Ada, the admin, verifies the board's keyed history and the head Grace's PDF printed
    go(ada, "History", "5. Audit history")
    click(ada, "history_verify")
    ada.get_by_text("History intact: 3 rows verified.").wait_for()
    with HistoryStore(setting["db"], key=None) as store:
        assert store.verify(head=head[0]).ok
    assert provider.tokens_issued == 4
    ada.context.close()
