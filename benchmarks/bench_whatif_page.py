"""What a board waits for on the What-if page, against the engine's own time in the same run.

    python benchmarks/bench_whatif_page.py [--rows 1000000] [--bootstrap 1000]

Builds ``--rows`` scored rows (two sexes and four age bands; as in bench_whatif.py, with
a score shifted down for one group), audits them, then opens the What-if page in
Streamlit's AppTest (the page script as a browser session runs it) and prints:

- the engine alone: `audit.whatif.whatif` without fairlearn (what the page computes on its
  first opening at this size) and one `apply_thresholds` (what moving a slider computes);
- the page: its first opening (the analysis computed, with its progress bar), a rerun
  with nothing changed (everything from the cache), moving one group's slider (one new
  audit), and going back to a cut-off already tried (from the cache);
- the ratios of the page's times to the engine's: the page's own cost on top.

Budgets (DESIGN.md): anything over about 2 s shows progress; a rerun never recomputes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit.engine import audit_inputs  # noqa: E402
from audit.inputs import AuditInput, AuditSpec, Provenance  # noqa: E402
from audit.whatif import apply_thresholds, uploaded_cut_off, whatif  # noqa: E402
from pages._ui.whatif import RANDOMIZED_ROWS  # noqa: E402

PAGE = "pages/screens/whatif.py"
ATTRIBUTE = "age"


def make_input(rows: int, seed: int = 0) -> AuditInput:
    """A scored upload held in memory as the Upload page holds one (no CSV round trip)."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male"]), rows)
    age = rng.choice(np.array(["18-29", "30-44", "45-64", "65+"]), rows)
    label = rng.random(rows) < np.where(sex == "female", 0.4, 0.5)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, rows) + 1.2 * label
                              - 0.4 * (age == "65+") - 0.6)))
    frame = pd.DataFrame({"id": np.arange(rows), "sex": sex, "age": age,
                          "label": label.astype(int), "score": score.round(4),
                          "prediction": (score.round(4) >= 0.5).astype(int)})
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame).to_numpy().tobytes())
    provenance = Provenance(name=f"bench-{rows}.csv", sha256=digest.hexdigest(), rows=rows,
                            columns=tuple(frame.columns), encoding="utf-8", delimiter=",")
    return AuditInput(frame=frame, provenance=provenance)


def timed(action) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    spec = AuditSpec(label="label", prediction="prediction", score="score",
                     sensitive=("sex", "age"), favorable="1", bootstrap=args.bootstrap)
    run = audit_inputs(dataset=make_input(args.rows), predictions=None, spec=spec,
                       id_column="id")
    print(f"{args.rows:,} rows; cut-offs per group of {ATTRIBUTE!r} (4 groups); "
          f"{args.bootstrap:,} bootstrap samples")

    randomized = args.rows <= RANDOMIZED_ROWS  # as the page does by default
    engine, report = timed(lambda: whatif(run.data, run.result.spec, attribute=ATTRIBUTE,
                                          randomized=randomized, before=run.result))
    start = uploaded_cut_off(run.data).cut_off
    moved = {g: start for g in report.plan.sweep.labels} | {"65+": 0.45}
    one, _ = timed(lambda: apply_thresholds(run.data, run.result.spec, thresholds=moved,
                                            attribute=ATTRIBUTE))
    print(f"engine: whatif ({len(report.options)} options, each audited again) "
          f"{engine:.2f} s; apply_thresholds (one slider move) {one:.2f} s")

    at = AppTest.from_file(str(root / "app.py"), default_timeout=1800).switch_page(PAGE)
    at.session_state["run"] = run
    at.session_state["whatif_attribute"] = ATTRIBUTE
    first, _ = timed(at.run)
    assert not at.exception, [e.value for e in at.exception]
    rerun, _ = timed(at.run)
    at.toggle(key=f"whatif_per_group::{ATTRIBUTE}").set_value(True).run()
    slider = at.slider(key=f"whatif_cut::{ATTRIBUTE}::65+")
    move, _ = timed(slider.set_value(0.45).run)
    at.slider(key=f"whatif_cut::{ATTRIBUTE}::65+").set_value(start).run()
    back, _ = timed(at.slider(key=f"whatif_cut::{ATTRIBUTE}::65+").set_value(0.45).run)
    assert not at.exception, [e.value for e in at.exception]
    print(f"page: first opening {first:.2f} s ({first / engine:.2f}x the engine's whatif); "
          f"rerun {rerun:.2f} s ({rerun / first:.3f}x the first opening)")
    print(f"page: move one group's slider {move:.2f} s ({move / one:.2f}x apply_thresholds); "
          f"back to a cut-off already tried {back:.2f} s")


if __name__ == "__main__":
    main()
