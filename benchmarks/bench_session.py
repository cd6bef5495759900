"""A board session, timed: the census-shaped journey in Chromium, and the CLI end to end.

    python benchmarks/bench_session.py [--rows 16281] [--repeat 3] [--skip-browser]
                                       [--skip-cli]

Writes a synthetic twin of the census income test set (`census_twin`: 16,281 rows, two
files joined by id, 15 features, a score, two sensitive attributes) to a temporary folder,
then prints the time of each step a board waits for, against the limits of issue 15:

=========================================  =======
step                                       limit
=========================================  =======
Run audit → verdict on screen              3 s
first visit to Review (buttons on screen)  2 s
Save review                                2 s
page switch                                1 s
explanations on 2,000 rows                 6 s
CLI end to end (``python -m audit run``)   5 s
=========================================  =======

The browser steps drive ``streamlit run app.py`` (``benchmarks/server.py``) with the system
Chromium, as a person would: upload both files, set the roles, press Run audit, open the
Fairness page, Review, save a review, switch pages, open Explanations and compute them,
then switch to Review (whose record now holds them) and back. Each step is
timed from the click to the moment its result is on screen and the script run is over;
the whole journey runs ``--repeat`` times in fresh sessions of one server, each with a
twin of its own (another seed), so that no step is a cache hit (the first session also
pays the server's first imports, so it is printed apart). The CLI runs ``--repeat``
times too. Alongside: the CLI's import time (``python -X importtime -c "import
audit.cli"``) and consistency by numpy against aif360's kNN on the same 5,000-row sample.
The machine's load average is printed first: on a busy 2-core machine every figure grows.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.census_twin import ROWS, write_census  # noqa: E402
from benchmarks.server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    choose,
    free_port,
    idle,
    nav,
    start_server,
    stop_server,
)

LIMITS = {"run → verdict": 3.0, "first visit to Review": 2.0, "save review": 2.0,
          "page switch": 1.0, "explanations (2,000 rows)": 6.0, "CLI end to end": 5.0}
STEP_MS = 180_000
VERDICTS = ("Overall: FAILED", "Overall: PASSED", "Overall: INCONCLUSIVE", "Overall: NO VERDICT")


def cli_command(people: Path, predictions: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "audit", "run", "--data", str(people), "--predictions",
            str(predictions), "--id-column", "id", "--label", "y_true", "--prediction",
            "y_pred", "--score", "score", "--sensitive", "sex", "--sensitive", "race",
            "--favorable", "1", "--out", str(out)]


def time_cli(people: Path, predictions: Path, folder: Path, repeat: int) -> list[float]:
    """Wall time of ``python -m audit run`` on the twin, ``repeat`` times (after a warm-up
    run that compiles the bytecode, as an installed package has it)."""
    subprocess.run(cli_command(people, predictions, folder / "cli-warm-up"), cwd=ROOT,
                   capture_output=True, check=False)
    times = []
    for attempt in range(repeat):  # a new folder each time: the CLI never overwrites an audit
        command = cli_command(people, predictions, folder / f"cli-out-{attempt}")
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1, 3):
            raise RuntimeError(f"the CLI failed ({done.returncode}): {done.stderr}")
    return times


def import_time() -> tuple[float, list[tuple[str, float]]]:
    """Total ``import audit.cli`` time and the heaviest top-level packages it loads."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import audit.cli"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    own: dict[str, float] = {}
    total = 0.0
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if found:
            own[found[4].split(".")[0]] = own.get(found[4].split(".")[0], 0) + int(found[1]) / 1e6
            if not found[3]:
                total += int(found[2]) / 1e6
    return total, sorted(own.items(), key=lambda item: -item[1])[:8]


def consistency_against_aif360(people: Path, predictions: Path) -> tuple[float, float, float,
                                                                         float]:
    """(numpy value, aif360 value, numpy seconds, aif360 seconds) on the engine's sample."""
    import logging

    import numpy as np

    from audit.engine import audit_inputs, consistency_features, consistency_score
    from audit.inputs import AuditSpec, read_path

    logging.disable(logging.WARNING)
    from aif360.sklearn import metrics as aif360  # noqa: PLC0415

    logging.disable(logging.NOTSET)
    spec = AuditSpec(label="y_true", prediction="y_pred", score="score",
                     sensitive=("sex", "race"), favorable="1", bootstrap=0)
    data = audit_inputs(dataset=read_path(people), predictions=read_path(predictions),
                        spec=spec, id_column="id").data
    rows = np.sort(np.random.default_rng(spec.seed).choice(  # the engine's seeded sample
        data.rows, size=min(5000, data.rows), replace=False))
    features = tuple(f for f in data.features if f not in {"sex", "race"})
    x = consistency_features(data.frame.iloc[rows], features)
    y = data.y_pred[rows].astype(float)
    started = time.perf_counter()
    ours = consistency_score(x, y)
    mid = time.perf_counter()
    theirs = float(aif360.consistency_score(x, y))
    return ours, theirs, mid - started, time.perf_counter() - mid


# --- the browser journey ------------------------------------------------------------------


def _timed(step: Callable[[], None], page) -> float:  # noqa: ANN001
    started = time.perf_counter()
    step()
    idle(page)
    return time.perf_counter() - started


def journey(page, base: str, people: Path, predictions: Path,  # noqa: ANN001
            rows: int) -> dict[str, float]:
    """One session: upload, roles, run, Fairness, Review, save, Explanations, page switches."""
    times: dict[str, float] = {}
    page.goto(f"{base}/upload")
    page.locator(".st-key-upload_dataset input[type=file]").set_input_files(str(people))
    page.get_by_text(f"{rows:,} rows × 16 columns").wait_for()
    idle(page)
    page.locator(".st-key-upload_predictions input[type=file]").set_input_files(str(predictions))
    page.get_by_text(f"{rows:,} rows × 4 columns").wait_for()
    page.get_by_text("Column roles").wait_for()
    idle(page)
    choose(page, "role_id", "id")
    choose(page, "role_label", "y_true")
    choose(page, "role_prediction", "y_pred")
    choose(page, "role_score", "score")
    choose(page, "role_favorable", "1")  # a 0/1 label: nothing runs until it is confirmed
    page.locator(".st-key-outcome_meaning input").fill("earning over 50K")
    page.keyboard.press("Tab")
    idle(page)
    tags = page.locator(".st-key-role_sensitive [data-baseweb='tag']")
    while tags.filter(has_text="marital_status").count():
        tags.filter(has_text="marital_status").locator("[role='presentation']").first.click()
        idle(page)

    def run() -> None:
        page.get_by_role("button", name="Run audit").click()  # it opens the Fairness page
        page.get_by_text(re.compile("|".join(VERDICTS))).first.wait_for()

    times["run → verdict"] = _timed(run, page)

    def review() -> None:
        nav(page, "Review")
        page.get_by_role("button", name="PDF record").wait_for()

    times["first visit to Review"] = _timed(review, page)
    page.locator(".st-key-review_reviewers input").fill("Ada Lovelace")
    page.locator(".st-key-review_decision").get_by_text("Reject").click()
    idle(page)

    def save() -> None:
        page.get_by_role("button", name="Save review").click()
        page.get_by_text("Review saved").wait_for()

    times["save review"] = _timed(save, page)
    switches: list[tuple[str, float]] = []

    def switch(title: str, sign: str) -> None:
        switches.append((title, _timed(lambda: (nav(page, title),
                                                page.get_by_text(sign).first.wait_for()),
                                       page)))

    for title, sign in (("Fairness", "Rates per group"), ("Upload", "Column roles"),
                        ("Review", "The audit record"), ("Fairness", "Rates per group")):
        switch(title, sign)

    nav(page, "Explanations")
    page.get_by_role("button", name="Compute explanations").wait_for()
    idle(page)

    def explanations() -> None:
        page.get_by_role("button", name="Compute explanations").click()
        page.get_by_text("Where the gap comes from").wait_for()
        page.locator(".js-plotly-plot").nth(2).wait_for()

    times["explanations (2,000 rows)"] = _timed(explanations, page)
    # and with the explanations shown: away and back (the page draws them again)
    switch("Review", "The audit record")  # the record now holds the explanations
    switch("Explanations", "Where the gap comes from")
    times["page switch"] = max(seconds for _, seconds in switches)
    times["page switch (median)"] = statistics.median(seconds for _, seconds in switches)
    for i, (title, seconds) in enumerate(switches):
        times[f"  switch {i + 1}: to {title}"] = seconds
    if page.get_by_text("Traceback").count():
        raise RuntimeError("the dashboard showed a traceback")
    return times


def browser(people: Path, predictions: Path, folder: Path, repeat: int,
            rows: int) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "AUDIT_DB_URL": f"sqlite:///{folder / 'history.sqlite3'}"}
    server = start_server(port, folder / "streamlit.log", env=env)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=CHROMIUM_ARGS)
            try:
                runs = []
                for session in range(repeat):
                    # each session its own twin (another seed): the audit and the
                    # explanations are computed, never found in the server's caches
                    files = (people, predictions) if session == 0 else write_census(
                        folder / f"session-{session}", rows=rows, seed=session)
                    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
                    page.set_default_timeout(STEP_MS)
                    runs.append(journey(page, f"http://127.0.0.1:{port}", *files, rows))
                    page.close()
                return runs
            finally:
                chromium.close()
    finally:
        stop_server(server)


def _line(step: str, values: Sequence[float]) -> str:
    limit = LIMITS.get(step)
    best, median = min(values), statistics.median(values)
    verdict = "" if limit is None else ("within" if median <= limit else "OVER") + f" {limit:g} s"
    shown = " ".join(f"{v:5.2f}" for v in values)
    return f"  {step:28s} median {median:5.2f} s  best {best:5.2f} s  [{shown}]  {verdict}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-session-") as tmp:
        folder = Path(tmp)
        people, predictions = write_census(folder, rows=args.rows)
        print(f"census twin: {args.rows:,} rows, {people.name} + {predictions.name}")
        if not args.skip_cli:
            total, heavy = import_time()
            print(f"import audit.cli: {total:.2f} s; heaviest: "
                  + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in heavy))
            ours, theirs, fast, slow = consistency_against_aif360(people, predictions)
            print(f"consistency on 5,000 rows: numpy {ours:.6f} in {fast:.2f} s, aif360 "
                  f"{theirs:.6f} in {slow:.2f} s ({slow / fast:.1f}x)")
            print(_line("CLI end to end", time_cli(people, predictions, folder, args.repeat)))
        if not args.skip_browser:
            runs = browser(people, predictions, folder, args.repeat, args.rows)
            print("browser, first session (the server's first imports): "
                  + ", ".join(f"{k} {v:.2f} s" for k, v in runs[0].items()))
            later = runs[1:] or runs
            for step in runs[0]:
                print(_line(step, [r[step] for r in later]))
        print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
