"""What the browser tests share: Streamlit servers and one Chromium.

- ``server``: one ``streamlit run app.py`` for every module that needs nothing of its own,
  with an audit history of the session's own (``shared_history``); each test reaches it in
  a new browser context, so in a Streamlit session of its own, one test after another.
- ``streamlit_server``: the factory, ``with streamlit_server(log_name, env) as url``, for a
  module-scoped server with environment variables of its own (``AUDIT_BOARD``,
  ``AUDIT_DB_URL``, sign-in secrets, ...).
- ``browser``: the system Chromium, launched once per module; ``page``: a new context and tab
  in it.

The steps taken in a page (`idle`, `nav`, `choose`, `type_text`, ...) are in
``benchmarks/server.py``, which the benchmarks share.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from benchmarks.server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_MISSING,
    WIDTH,
    free_port,
    start_server,
    stop_server,
)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
START_TIMEOUT_S = 90
STEP_TIMEOUT_MS = 180_000


@contextmanager
def _streamlit_server(log_name: str, env: Mapping[str, str | None] | None = None, *,
                      port: int | None = None) -> Iterator[str]:
    """``streamlit run app.py`` with ``env`` over this process's environment (None unsets a
    variable) on ``port`` (a free one by default); yields its URL, stops it after."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    merged = {**os.environ, **(env or {})}
    port = free_port() if port is None else port
    try:
        process = start_server(port, ARTIFACTS / log_name, timeout_s=START_TIMEOUT_S,
                               env={k: v for k, v in merged.items() if v is not None})
    except (RuntimeError, TimeoutError) as err:
        pytest.fail(str(err))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(process)


@pytest.fixture(scope="session")
def streamlit_server() -> Callable[..., AbstractContextManager[str]]:
    """The server factory: ``with streamlit_server(log_name, env, port=None) as url``."""
    return _streamlit_server


@pytest.fixture(scope="session")
def shared_history(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shared server's audit history (no AUDIT_BOARD: each session files privately)."""
    return f"sqlite:///{tmp_path_factory.mktemp('shared') / 'history.sqlite3'}"


@pytest.fixture(scope="session")
def server(shared_history: str) -> Iterator[str]:
    with _streamlit_server("streamlit.log", {"AUDIT_DB_URL": shared_history,
                                            "AUDIT_BOARD": None}) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system Chromium for one module. Not for the whole run: playwright's sync API
    keeps an asyncio loop running in the main thread while it is open, and the tests run
    after tests/e2e would find it there (pyHanko's signature check calls asyncio.run)."""
    if not CHROMIUM.exists():
        pytest.fail(CHROMIUM_MISSING)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A new browser context (its own cookies): a new Streamlit session."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 1000},
                                  accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        yield tab
    finally:
        context.close()
