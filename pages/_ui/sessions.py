"""A browser session that survives a refresh or a reconnect: kept on the server, keyed by an
id in the URL.

Streamlit starts a new, empty ``st.session_state`` on every page load. So the frame gives
each session a random id (``?session=…`` in the address bar, put back on every run, since
a page switch drops the query) and, after every page run, keeps the session's audit
(files, roles, run, explanations, what-if), its record identity and the review and its
draft (`pages._ui.drafts`) in `SessionStore`, under that id. A new session whose URL
carries a kept id starts from what was kept.

The store is this server process's memory (``st.cache_resource``), not a file: uploaded
rows and the board's notes are never written to disk (the history keeps only filed
records, which hold aggregates; a file above ``AUDIT_DUCKDB_ABOVE_MB`` is the exception:
it stays in a private temporary file while an entry holds it), and entries go after
`TTL_S` of disuse or when more than `MAX_SESSIONS` are kept. A server restart ends every
session, as it always did.

Who may resume: the id is 128 random bits, and is never shown in another session, so
without sign-in it is the capability. With sign-in an entry also carries the identity
that made it (issuer and subject, else e-mail), and only that identity resumes it; anyone
else gets a new empty session, with a new id.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, TypeGuard

import streamlit as st

from pages._ui.auth import identity

QUERY_KEY = "session"
TOKEN_KEY = "session_token"
TTL_S = 8 * 3600.0
MAX_SESSIONS = 64
KEPT_KEYS = ("dataset", "predictions", "id_column", "spec", "run", "explanations", "review",
             "review_draft", "record_identity", "dropped_columns", "whatif", "whatif_loaded",
             "context", "presets", "sample_offered", "private_board")


@dataclass(frozen=True)
class Kept:
    owner: str
    values: Mapping[str, Any]
    at: float


class SessionStore:
    """Sessions by id: at most ``limit`` of them, each for ``ttl_s`` after its last use."""

    def __init__(self, *, ttl_s: float = TTL_S, limit: int = MAX_SESSIONS) -> None:
        self._ttl_s = ttl_s
        self._limit = limit
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, Kept] = OrderedDict()

    def _expire(self, now: float) -> None:
        for token in [t for t, k in self._kept.items() if now - k.at > self._ttl_s]:
            del self._kept[token]
        while len(self._kept) > self._limit:
            self._kept.popitem(last=False)

    def get(self, token: str, owner: str) -> Mapping[str, Any] | None:
        """What was kept under ``token`` for ``owner``; None for anyone else."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            kept = self._kept.get(token)
            if kept is None or not secrets.compare_digest(kept.owner, owner):
                return None
            self._kept[token] = Kept(kept.owner, kept.values, now)
            self._kept.move_to_end(token)
            return kept.values

    def put(self, token: str, owner: str, values: Mapping[str, Any]) -> None:
        """Keep ``values`` under ``token``, unless the token belongs to someone else."""
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(token)
            if kept is not None and not secrets.compare_digest(kept.owner, owner):
                return
            self._kept[token] = Kept(owner, dict(values), now)
            self._kept.move_to_end(token)
            self._expire(now)


@st.cache_resource(show_spinner=False)
def session_store() -> SessionStore:
    """The server's one `SessionStore` (each entry reachable only by its id and owner)."""
    return SessionStore()


def owner() -> str:
    """Who this session is: the signed-in identity, or "" without sign-in."""
    person = identity()
    if person is None:
        return ""
    if person.subject and person.issuer:
        return f"{person.issuer}\n{person.subject}"
    return f"email\n{(person.email or person.name).strip().lower()}"


def _valid(token: str | None) -> TypeGuard[str]:
    return isinstance(token, str) and 20 <= len(token) <= 64 and token.replace(
        "-", "").replace("_", "").isalnum()


def resume(state: MutableMapping[str, Any]) -> None:
    """Give this session its id; on its first run, start from what was kept under the id in
    the URL (if it is this person's). Call after the sign-in gate, before the page runs."""
    if state.get(TOKEN_KEY) is None:
        asked = st.query_params.get(QUERY_KEY)
        kept = session_store().get(asked, owner()) if _valid(asked) else None
        if kept is not None:
            for key, value in kept.items():
                state[key] = value
            state[TOKEN_KEY] = asked
        else:
            state[TOKEN_KEY] = secrets.token_urlsafe(16)
    if st.query_params.get(QUERY_KEY) != state[TOKEN_KEY]:
        st.query_params[QUERY_KEY] = state[TOKEN_KEY]


def keep(state: Mapping[str, Any]) -> None:
    """Keep this session's audit and review under its id (after every page run)."""
    token = state.get(TOKEN_KEY)
    if token is not None:
        session_store().put(token, owner(), {k: state.get(k) for k in KEPT_KEYS})
