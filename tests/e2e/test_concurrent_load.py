"""Many users at once, bounded in count and time (the harness is benchmarks/bench_load.py).

1. Eight audits of different seeded datasets at once, in eight threads (Streamlit serves
   every session from one process, one thread each): every group metric equals the one
   computed sequentially, and no result is lost.
2. ``streamlit run app.py`` on 127.0.0.1: six concurrent HTTP clients get the health check
   and the page, then six headless Chromium pages act at once (three run the bundled
   sample, three upload hiring.csv and run it) and each shows its own verdict.
Hard limits: 60 s for the engine batch, 40 s for any browser step, 60 s for the start.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.bench_load import CHROMIUM, engine_load, make_csv, run_server_load, same
from benchmarks.server import CHROMIUM_MISSING

AUDITS, ROWS, BOOTSTRAP = 8, 20_000, 200
SESSIONS = 6
ENGINE_TIMEOUT_S, STEP_TIMEOUT_S = 60, 40
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_concurrent_audits_equal_sequential_ones():
    datasets = [make_csv(ROWS, seed) for seed in range(AUDITS)]
    sequential = engine_load(datasets, BOOTSTRAP, "sequential")
    concurrent = engine_load(datasets, BOOTSTRAP, "threads", timeout_s=ENGINE_TIMEOUT_S)
    assert len(concurrent.results) == len(sequential.results) == AUDITS
    for mine, reference in zip(concurrent.results, sequential.results, strict=True):
        assert same(mine, reference)
    # the datasets differ, so a result served to the wrong caller would show
    assert not same(sequential.results[1], sequential.results[2])


def test_the_server_serves_concurrent_sessions():
    if not CHROMIUM.exists():
        pytest.fail(CHROMIUM_MISSING)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # its own server (its peak memory is measured) and playwright: on a thread of its own, as
    # the sync API runs one playwright per thread and the shared browser may be open here
    with ThreadPoolExecutor(1) as worker:
        statuses, sessions, _, _ = worker.submit(run_server_load, SESSIONS, STEP_TIMEOUT_S,
                                                 ARTIFACTS / "load_streamlit.log").result()
    assert statuses == [200] * (2 * SESSIONS)
    assert len(sessions) == SESSIONS
    assert [(s.kind, s.ok, s.detail) for s in sessions] == [
        (kind, True, "") for kind in ["sample", "hiring"] * (SESSIONS // 2)]
