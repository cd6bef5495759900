"""The dashboard as a user meets it: ``streamlit run app.py`` on a free local port, and the
system Chromium to drive it. Shared by the browser tests (tests/e2e) and the benchmarks
that time what a user waits for, so both start and stop the server the same way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]
# the flags `make run` passes, so that tests see the app as a user does
SERVER_FLAGS = ("--server.headless", "true", "--server.address", "127.0.0.1",
                "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
                "--client.toolbarMode", "viewer")


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
