"""Who may use the dashboard: sign-in through the board's identity provider, when set up.

Without an ``[auth]`` section in ``.streamlit/secrets.toml`` there is no sign-in, and the
dashboard is meant for this computer only (``make run`` binds to 127.0.0.1); the sidebar
says so, and warns when the server listens on a network address instead. With one,
every page calls `require_login` right after ``init_state()``: a visitor who has not
signed in sees a sign-in button (``st.login``, OpenID Connect) and nothing else, and the
Review page fills in the reviewer's name from ``st.user``. Reading the secrets never
fails the page: no secrets file means no sign-in.

Signing in proves who someone is, not that they belong to the board. An optional
``[access]`` section narrows it down: ``allowed_emails = ["ada@example.org", ...]`` and/or
``allowed_domains = ["example.org"]``; anyone else who signs in is shown a refusal and a
sign-out button. (Restricting the application to the board's group at the identity
provider does the same and is better still.)

Which board's records a person sees, and their role there, is `access` (see
``audit/record/_boards.py``): with sign-in, the boards file ``AUDIT_BOARDS_FILE`` (a person
on several boards picks one in the sidebar; without a boards file each account has a
personal history); without sign-in, a private history per browser session, or the shared
local board ``AUDIT_BOARD``. The reviewer on a record and each sign-off carry the
signed-in `identity`, never a typed name, when sign-in is on.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from audit import AuditInputError
from audit.record import (
    Access,
    Identity,
    boards_from_env,
    local_board,
    personal_board,
    private_board,
)
from pages._ui.widgets import plain

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_ONLY = ("Local-only server: no sign-in, and it answers only on this computer "
              "(127.0.0.1). To share it with a review board, set up sign-in (see the README).")
OPEN_SERVER = ("No sign-in is set up, and this server listens on {address}: anyone who can "
               "reach it can upload data and read results. Set up sign-in (see the README), or "
               "start it with --server.address 127.0.0.1.")
SIGN_IN = ("This dashboard is for the review board. Sign in with your organisation's account "
           "to continue.")
NOT_ALLOWED = ("You are signed in as {who}, but this account is not on the review board's list "
               "for this dashboard. Sign out and sign in with the account the board registered, "
               "or ask the person who runs the dashboard to add yours.")


NOT_A_MEMBER = ("You are signed in as {who}, but no board in the boards file lists this account, "
                "so there are no records to show and nothing can be filed. Ask the person who "
                "runs the dashboard to add you to your board.")
BOARD_WORDS = {
    "private": ("Private history of this browser session: records saved here are seen only in "
                "this session (they stay in the server's database). To share one history on "
                "this computer, start the dashboard with AUDIT_BOARD=<name>."),
    "local": ("Shared local board \"{title}\": everyone who opens this dashboard sees these "
              "records (set by AUDIT_BOARD)."),
    "personal": ("Your personal history: no boards are set up (AUDIT_BOARDS_FILE), so the "
                 "records you save are seen only by you."),
    "member": "Board \"{title}\" · your role: {role} — {can}.",
}
ROLE_WORDS = {
    "viewer": ("you can read the board's records; your downloads hide groups of fewer than "
               "{k} people and the review notes"),
    "reviewer": ("you can read, file and sign off the board's records; your downloads from the "
                 "history hide groups of fewer than {k} people"),
    "admin": "you can read, file, sign off and verify the board's records, with every number",
}
BOARD_KEY = "board_choice"


def _section(name: str) -> Mapping[str, object] | None:
    try:
        if name not in st.secrets:
            return None
        section = st.secrets[name]
    except (FileNotFoundError, StreamlitSecretNotFoundError):  # no secrets file at all
        return None
    return section if isinstance(section, Mapping) else None


def _auth_section() -> Mapping[str, object] | None:
    return _section("auth")


def auth_configured() -> bool:
    """Whether the secrets hold an ``[auth]`` section, so that sign-in is required."""
    return _auth_section() is not None


def _listed(value: object) -> list[object]:
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list | tuple) else []


def allowed(email: str) -> bool:
    """Whether the ``[access]`` lists admit ``email`` (no lists: everyone who signs in)."""
    access = _section("access") or {}
    emails = {str(e).strip().lower() for e in _listed(access.get("allowed_emails"))}
    domains = {str(d).strip().lower().lstrip("@") for d in _listed(access.get("allowed_domains"))}
    if not emails and not domains:
        return True
    address = email.strip().lower()
    return address in emails or (address.count("@") == 1 and address.split("@")[1] in domains)


def providers() -> list[str | None]:
    """The providers to offer: ``None`` for the section's own client, then named ones."""
    section = _auth_section() or {}
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return ([None] if "client_id" in section or not named else []) + named


def signed_in() -> bool:
    return auth_configured() and bool(st.user.get("is_logged_in", False))


def signed_in_name() -> str:
    """The signed-in person's name (or e-mail address); empty without sign-in."""
    if not signed_in():
        return ""
    return str(st.user.get("name") or st.user.get("email") or "")


def identity() -> Identity | None:
    """The signed-in person as the identity provider names them; None without sign-in."""
    if not signed_in():
        return None
    email = str(st.user.get("email") or "") or None
    return Identity(name=signed_in_name(), email=email,
                    subject=str(st.user.get("sub") or "") or None,
                    issuer=str(st.user.get("iss") or "") or None)


def verified(person: Identity | None) -> bool:
    """Whether ``person`` names an account of the identity provider (subject and issuer)."""
    return person is not None and bool(person.subject and person.issuer)


def _memberships(person: Identity) -> tuple[Access, ...]:
    boards = boards_from_env()
    if boards is None:
        board = personal_board(person.issuer or "", person.subject or person.email or person.name)
        return (Access(board=board, title=person.display, role="admin", mode="personal"),)
    email_verified = st.user.get("email_verified")
    return boards.access_for(person.email or "", email_verified=(
        None if email_verified is None else bool(email_verified)))


def access() -> Access | None:
    """This session's board and role; None for a signed-in person on no board.

    Raises `AuditInputError` when the boards file or ``AUDIT_BOARD`` is unusable.
    """
    person = identity()
    if person is None:
        name = local_board()
        if name:
            return Access(board=name, title=name, role="admin", mode="local")
        if st.session_state["private_board"] is None:
            st.session_state["private_board"] = private_board()
        board = st.session_state["private_board"]
        return Access(board=board, title=board, role="admin", mode="private")
    choices = _memberships(person)
    chosen = st.session_state.get(BOARD_KEY)
    return next((a for a in choices if a.board == chosen), choices[0] if choices else None)


def board_words(where: Access | None) -> str:
    """Which history the page shows, and what the person may do with it."""
    if where is None:
        person = identity()
        return NOT_A_MEMBER.format(who=plain(person.display if person else ""))
    can = ROLE_WORDS[where.role].format(k=where.suppress_below)
    return BOARD_WORDS[where.mode].format(title=plain(where.title), role=where.role, can=can)


def _board_picker() -> None:
    """A person on several boards picks the one the pages show (sidebar, every page)."""
    person = identity()
    if person is None:
        return
    try:
        choices = _memberships(person)
    except AuditInputError as err:
        st.sidebar.error(plain(str(err)))
        return
    if len(choices) > 1:
        titles = {a.board: f"{a.title} ({a.role})" for a in choices}
        st.sidebar.selectbox("Board", list(titles), format_func=titles.__getitem__,
                             key=BOARD_KEY)


def require_login() -> None:
    """Stop the page unless the visitor may see it. Call right after ``init_state()``."""
    if not auth_configured():
        address = st.get_option("server.address") or "every network address"
        st.sidebar.caption(LOCAL_ONLY if address in LOCAL_HOSTS
                           else OPEN_SERVER.format(address=plain(str(address))))
        return
    if signed_in():
        st.sidebar.caption(f"Signed in as {plain(signed_in_name())}.")
        st.sidebar.button("Sign out", key="auth_logout", on_click=st.logout)
        email = str(st.user.get("email") or "")
        if allowed(email):
            _board_picker()
            return
        st.error(NOT_ALLOWED.format(who=plain(email or signed_in_name() or "an unknown user")))
        st.stop()
    st.info(SIGN_IN)
    for provider in providers():
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        st.button(label, key=f"auth_login_{provider or 'default'}", type="primary",
                  on_click=st.login, args=(provider,))
    st.stop()
