"""The dashboard as a user meets it: ``streamlit run app.py`` on a free local port, and the
system Chromium to drive it. Shared by the browser tests (tests/e2e) and the benchmarks
that time what a user waits for, so both start and stop the server the same way, and take
the same steps in the browser (`idle`, `nav`, `choose`, `type_text`, ...)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]
# the flags `make run` passes, so that tests see the app as a user does. Without the
# garbage collection Streamlit forces after every script run: a full collection over the
# server's ~300,000 objects (pandas, plotly, scikit-learn, SHAP) held the interpreter for
# 0.1-0.2 s after each run, and the browser's "run finished" waited for it; Python's own
# collector still runs as objects are made.
SERVER_FLAGS = ("--server.headless", "true", "--server.address", "127.0.0.1",
                "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
                "--client.toolbarMode", "viewer", "--runner.postScriptGC", "false")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, log: Path, *, timeout_s: float = 90, args: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``streamlit run app.py`` on 127.0.0.1:``port``, once it answers its health check.

    ``args`` go after ``--`` to app.py (e.g. ``--sample``); ``env`` replaces the
    environment. Raises RuntimeError or TimeoutError (naming the log) when it does not start.
    """
    command = [sys.executable, "-m", "streamlit", "run", "app.py", *SERVER_FLAGS,
               "--server.port", str(port),
               "--server.maxUploadSize", os.environ.get("AUDIT_MAX_UPLOAD_MB", "500")]
    if args:
        command += ["--", *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env=None if env is None else dict(env))
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                        timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(process)
            raise TimeoutError(f"streamlit did not answer within {timeout_s} s; see {log}")
        time.sleep(0.3)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server: politely, then for good after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


# --- steps in the browser, as a person takes them (tests/e2e and bench_session.py) ---------
# ``page`` is a playwright Page; playwright is imported by the callers, not here.

CHROMIUM_MISSING = (f"{CHROMIUM} is missing: the browser tests need the system Chromium. "
                    "Install it with: apt-get update && apt-get install -y chromium")
WIDTH = 1400  # the viewport the screenshots are taken at


IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.dataset.testConnectionState === 'CONNECTED'
        && ['notRunning', 'initial', 'compilationError'].includes(app.dataset.testScriptState)
        && !document.querySelector('[data-testid="stSkeleton"]');
}"""


def idle(page: Any) -> None:
    """Wait until the script run is over: the app's own script state, which Streamlit's
    browser code keeps on its root element (``data-test-script-state``). Not the running
    indicator: it appears only after half a second of running, so a shorter run, or the
    first half second of a longer one, looked idle. Widgets clicked mid-run send the
    values the browser shows at that moment, maybe placeholders.

    And until every element is drawn: an element whose code the browser has not loaded yet
    (plotly's 4.7 MB, a data grid's) shows a placeholder (``stSkeleton``) while it loads,
    after the run is over; a step that ended there left seconds of script compiling to
    the next step's click."""
    page.wait_for_function(IDLE)


def nav(page: Any, title: str) -> None:
    """Click the sidebar's link to the page ``title``."""
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).first.click()


def shows(page: Any, key: str, value: str) -> None:
    """Wait until the widget with key ``key`` shows ``value`` in its input box."""
    page.wait_for_function("""([key, value]) => {
        const box = document.querySelector('.st-key-' + key);
        return box && [...box.querySelectorAll('input')].some((i) => i.value === value);
    }""", arg=[key, value])


def choose(page: Any, box: Any, value: str) -> None:
    """Pick ``value`` in a selectbox (its widget key, or its playwright Locator) as a person
    does: type it, click the option; nothing to do when it is chosen (guessed) already."""
    if isinstance(box, str):
        box = page.locator(f".st-key-{box}")
    field = box.locator("input")
    if value in [each.input_value() for each in field.all()]:
        return
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        field.click()
        field.fill(value)  # the list narrows to the matching options
        try:
            page.get_by_role("option", name=value, exact=True).click(timeout=10_000)
            break
        except PlaywrightTimeout:  # a rerun redrew the box and closed its list: again
            if attempt == 2:
                raise
            idle(page)
            if value in [each.input_value() for each in field.all()]:
                break
    idle(page)


def type_text(page: Any, label: str, text: str) -> None:
    """Type ``text`` into the text box labelled ``label`` and press Enter."""
    box = page.locator('[data-testid="stTextInput"]').filter(has_text=label).locator("input")
    for _ in range(3):
        field = box.last.element_handle()  # one box, even while it reruns
        field.fill(text)
        field.press("Enter")
        idle(page)
        # a run still under way from the step before can draw the box again with the value
        # it had then (seen once in ten in CI-like runs): type again, as a person would
        if box.last.input_value() == text:
            return
    raise AssertionError(f"the box {label!r} does not keep {text!r}")


def screenshot(page: Any, path: Path, height: int, *, settle_ms: int = 1500) -> Path:
    """The whole page: Streamlit scrolls inside its own container, so grow the viewport."""
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.wait_for_timeout(settle_ms)  # let charts and tables finish drawing
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    return path
