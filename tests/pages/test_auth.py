"""Access: without sign-in the pages say the server is local-only; with an ``[auth]`` secrets
section a visitor sees only the sign-in button until signed in, and the Review page takes
the reviewer's name from the identity provider; an ``[access]`` section admits only the
board's e-mail addresses or domains.

``st.login`` itself needs the network and the provider, so it is not clicked here.
"""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pages._ui.auth import LOCAL_ONLY, NOT_ALLOWED, OPEN_SERVER, SIGN_IN
from tests.conftest import open_page
from tests.pages.test_smoke import PAGES

TIMEOUT = 60
UPLOAD = "pages/screens/upload.py"
REVIEW = "pages/screens/review.py"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-real-secret", "client_id": "dashboard",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "https://login.example.invalid/.well-known/openid-configuration"}


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def _address(monkeypatch: pytest.MonkeyPatch, address: str | None) -> None:
    """Run the pages as if streamlit had been started with ``--server.address``."""
    original = st.get_option
    monkeypatch.setattr(st, "get_option", lambda name: address if name == "server.address"
                        else original(name))


@pytest.mark.parametrize("page", [UPLOAD, REVIEW], ids=["upload", "review"])
def test_without_sign_in_the_sidebar_says_the_server_is_local_only(page: str, monkeypatch):
    _address(monkeypatch, "127.0.0.1")
    at = open_page(page, timeout=TIMEOUT).run()
    assert not at.exception
    assert LOCAL_ONLY in _captions(at)
    assert not at.get("button") or all(not b.key.startswith("auth_") for b in at.button)


def test_without_sign_in_a_network_address_gets_a_warning_caption(monkeypatch):
    _address(monkeypatch, "0.0.0.0")
    at = open_page(UPLOAD, timeout=TIMEOUT).run()
    assert OPEN_SERVER.format(address="0.0.0.0") in _captions(at)
    _address(monkeypatch, None)  # streamlit's default: every network interface
    at = open_page(UPLOAD, timeout=TIMEOUT).run()
    assert OPEN_SERVER.format(address="every network address") in _captions(at)


@pytest.mark.parametrize("page", PAGES)
def test_with_auth_secrets_every_page_shows_a_visitor_only_the_sign_in_button(page: str):
    at = open_page(page, timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == [SIGN_IN]
    assert [(b.key, b.label) for b in at.button] == [("auth_login_default", "Sign in")]
    assert not at.title and not at.get("file_uploader") and not at.get("text_input")
    assert not at.get("dataframe") and not at.get("selectbox")


def test_one_button_per_named_provider():
    at = open_page(UPLOAD, timeout=TIMEOUT)
    at.secrets["auth"] = {"redirect_uri": AUTH["redirect_uri"],
                          "cookie_secret": AUTH["cookie_secret"],
                          "google": {"client_id": "g", "client_secret": "s",
                                     "server_metadata_url": AUTH["server_metadata_url"]},
                          "microsoft": {"client_id": "m", "client_secret": "s",
                                        "server_metadata_url": AUTH["server_metadata_url"]}}
    at.run()
    assert [(b.key, b.label) for b in at.button] == [
        ("auth_login_google", "Sign in with google"),
        ("auth_login_microsoft", "Sign in with microsoft")]


@pytest.mark.parametrize(("user", "shown"), [
    ({"name": "Ada Lovelace", "email": "ada@example.org"}, "Ada Lovelace"),
    ({"email": "grace@example.org"}, "grace@example.org"),
])
def test_signed_in_the_review_page_names_the_reviewer(sample_run, user, shown):
    at = open_page(REVIEW, timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, **user}
    at.session_state["run"] = sample_run
    at.run()
    assert not at.exception and SIGN_IN not in [i.value for i in at.info]
    assert at.title[0].value == "4. Review and sign off"
    assert f"Signed in as {shown}." in _captions(at)
    assert at.sidebar.button(key="auth_logout").label == "Sign out"
    # the reviewer is the identity: shown, never a box to type a name in
    assert not [t for t in at.text_input if t.key == "review_reviewers"]
    display = (f"{user['name']} ({user['email']})" if "name" in user else user["email"])
    assert f"Reviewer: **{display}** (from your sign-in)" in [m.value for m in at.markdown]


def test_signed_out_user_with_auth_is_stopped_even_with_a_run(sample_run):
    at = open_page(REVIEW, timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.session_state["run"] = sample_run
    at.run()
    assert not at.get("download_button") and not at.get("text_input")
    assert [i.value for i in at.info] == [SIGN_IN]


@pytest.mark.parametrize(("access", "email", "admitted"), [
    ({"allowed_emails": ["Ada@Example.org"]}, "ada@example.org", True),
    ({"allowed_emails": ["ada@example.org"]}, "eve@example.org", False),
    ({"allowed_domains": ["example.org"]}, "grace@example.org", True),
    ({"allowed_domains": ["@example.org"]}, "mallory@example.org.evil.test", False),
    ({}, "anyone@anywhere.test", True),
])
def test_access_lists_admit_only_the_board(access, email, admitted):
    at = open_page(UPLOAD, timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    if access:
        at.secrets["access"] = access
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    assert not at.exception
    if admitted:
        assert at.title[0].value == "1. Upload and map columns" and not at.error
    else:
        assert [e.value for e in at.error] == [NOT_ALLOWED.format(who=email)]
        assert not at.title and not at.get("file_uploader")
        assert at.sidebar.button(key="auth_logout").label == "Sign out"
