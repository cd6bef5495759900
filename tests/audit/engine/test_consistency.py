"""Consistency by an exact nearest-neighbour search in numpy, against aif360's ball tree."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

from audit.engine._consistency import (
    CONSISTENCY_SAMPLE,
    consistency_features,
    consistency_score,
    nearest_neighbours,
)
from audit.inputs import AuditInput, Provenance
from audit.sources import PandasSource

logging.disable(logging.WARNING)  # aif360's import-time notices about optional extras
from aif360.sklearn.metrics import consistency_score as aif360_consistency  # noqa: E402

logging.disable(logging.NOTSET)

ROOT = Path(__file__).resolve().parents[3]
PROVENANCE = Provenance(name="lending", sha256="", rows=6000, columns=(), encoding="utf-8",
                        delimiter=",")


def mixed_rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Continuous and one-hot columns (no two distances tie) and decisions tied to them."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"income": rng.lognormal(10, 0.6, n), "age": rng.normal(40, 12, n),
                          "debt": rng.random(n),
                          "job": rng.choice(["clerk", "nurse", "welder", "chef"], n)})
    x = consistency_features(frame, ("income", "age", "debt", "job"))
    decisions = (x[:, 0] + 0.5 * x[:, 3] + rng.normal(0, 0.7, n) > 0).astype(float)
    return x, decisions


@pytest.mark.parametrize(("n", "seed"), [(40, 0), (700, 1), (2500, 2)])
def test_equals_aif360_on_rows_without_tied_distances(n, seed) -> None:
    x, decisions = mixed_rows(n, seed)
    ours = consistency_score(x, decisions)
    assert ours == pytest.approx(aif360_consistency(x, decisions), abs=1e-12)
    assert 0.5 < ours < 1


def test_the_neighbours_are_scikit_learns_exact_ones() -> None:
    x, _ = mixed_rows(1500, 3)
    ours = nearest_neighbours(x, k=5, block_rows=128)
    theirs = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(x).kneighbors(
        x, return_distance=False)
    assert np.array_equal(np.sort(ours, axis=1), np.sort(theirs, axis=1))
    assert np.array_equal(ours[:, 0], np.arange(1500))  # each row is its own nearest


def test_ties_are_taken_in_row_order() -> None:
    x = np.array([[0.0], [1.0], [-1.0], [2.0], [-2.0], [0.0]])
    # row 0: itself and row 5 at 0, then rows 1 and 2 at 1 (row 1 first), rows 3 and 4 at 2
    assert nearest_neighbours(x, k=3)[0].tolist() == [0, 5, 1]
    assert nearest_neighbours(x, k=4)[3].tolist() == [3, 1, 0, 5]
    # seven identical rows: the first five in row order, for every one of them
    same = np.zeros((7, 2))
    assert nearest_neighbours(same, k=5).tolist() == [[0, 1, 2, 3, 4]] * 7
    decisions = np.array([1, 1, 1, 1, 1, 0, 0], dtype=float)
    assert consistency_score(same, decisions) == pytest.approx(1 - (5 * 0 + 2 * 1) / 7)


def test_large_values_keep_the_exact_order() -> None:
    # far from the origin the dot-product expansion loses digits; the exact pass restores them
    rng = np.random.default_rng(4)
    x = 1e6 + rng.random((300, 3))
    ours = nearest_neighbours(x, k=5)
    theirs = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(x - 1e6).kneighbors(
        x - 1e6, return_distance=False)
    assert np.array_equal(np.sort(ours, axis=1), np.sort(theirs, axis=1))


def test_a_bad_k_is_refused() -> None:
    with pytest.raises(ValueError, match="k must be between 1 and the number of rows"):
        nearest_neighbours(np.zeros((3, 1)), k=4)


def test_the_audits_consistency_equals_aif360_on_the_lending_sample(lending, lending_frame):
    data, result = lending
    (found,) = [a for a in result.aggregates if a.metric == "consistency"]
    # the sample every source draws: up to per_cell rows of each finest cell (sex × race),
    # per_cell the most that keeps it within CONSISTENCY_SAMPLE rows, picked by the row hash
    cell = pd.factorize(pd.Series(list(zip(data.sensitive[0].codes, data.sensitive[1].codes,
                                           strict=True))), sort=True)[0]
    sizes = np.bincount(cell)
    per_cell = max(p for p in range(1, sizes.max() + 1)
                   if np.minimum(sizes, p).sum() <= CONSISTENCY_SAMPLE)
    drawn = PandasSource(dataset=AuditInput(frame=lending_frame, provenance=PROVENANCE)).sample(
        result.spec, per_cell=per_cell, seed=result.spec.seed)
    rows = np.sort(drawn.position - 1)
    assert rows.size == np.minimum(sizes, per_cell).sum() <= CONSISTENCY_SAMPLE
    features = tuple(f for f in data.features if f not in {s.name for s in data.sensitive})
    x = consistency_features(data.frame.iloc[rows], features)
    expected = aif360_consistency(x, data.y_pred[rows].astype(float))
    assert found.estimate.value == pytest.approx(expected, abs=1e-12)
    assert found.convention.endswith(
        f"sample of {rows.size} rows stratified by finest cell (up to {per_cell} of each), drawn "
        "where the data lives; numeric features standardised, text one-hot encoded")


def test_a_plain_audit_imports_neither_aif360_nor_scikit_learn() -> None:
    code = ("import sys; from audit.engine import audit_inputs; from audit.inputs import "
            "AuditSpec, read_path; d = read_path('sample_data/lending_applicants.csv'); "
            "p = read_path('sample_data/lending_predictions.csv'); "
            "audit_inputs(dataset=d, predictions=p, id_column='applicant_id', spec=AuditSpec("
            "label='outcome', prediction='decision', sensitive=('sex', 'race'), "
            "favorable='approved', bootstrap=50)); "
            "print(sorted(m for m in ('aif360', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.stdout.strip() == "[]", done.stderr
