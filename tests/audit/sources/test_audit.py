"""The whole audit from a cell table: every source gives the in-memory audit, number for number.

``audit_cells`` on the cell table (and the stratified sample) of the pandas, DuckDB and
Spark sources must give the very result ``audit_inputs`` gives on the same files (the
CLI's path): groups, intervals, disparities, adverse-impact tables with scoring rates,
aggregates with consistency, findings. Score metrics are checked against direct numpy and
scikit-learn computations too.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from sklearn.metrics import roc_auc_score

from audit.engine import audit_cells, audit_inputs, consistency_per_cell
from audit.inputs import AuditSpec
from audit.record._build import result_to_dict
from audit.sources import RANKS_ROWS, ScoreTable

from .conftest import SAMPLES, duckdb_source, load, pandas_source, random_tables, spark_builder
from .test_equality import CASES, SLOW, files

LENDING = (SAMPLES / "lending_applicants.csv", SAMPLES / "lending_predictions.csv",
           "applicant_id")


def canonical(result) -> str:
    return json.dumps(result_to_dict(result), sort_keys=True, allow_nan=True)


def in_memory(data: Path, extra: Path | None, id_column: str | None, spec: AuditSpec) -> str:
    run = audit_inputs(dataset=load(data), predictions=load(extra) if extra else None,
                       spec=spec, id_column=id_column)
    return canonical(run.result)


def from_cells(source, spec: AuditSpec, id_column: str | None) -> str:
    table = source.cell_table(spec)
    sample = source.sample(spec, per_cell=consistency_per_cell(table), seed=spec.seed)
    return canonical(audit_cells(table, spec, sample=sample, id_column=id_column))


def with_bootstrap(spec: AuditSpec, samples: int = 50) -> AuditSpec:
    return AuditSpec(**{**spec.__dict__, "bootstrap": samples})


@settings(max_examples=10, deadline=None, suppress_health_check=SLOW)
@given(**CASES)
def test_every_source_gives_the_in_memory_audit(tmp_path_factory, seed, rows, fmt, **knobs):
    data, extra, spec, id_column = files(tmp_path_factory.mktemp("audit"), seed, rows, fmt,
                                         **knobs)
    spec = with_bootstrap(spec)
    expected = in_memory(data, extra, id_column, spec)
    assert from_cells(pandas_source(data, extra, id_column), spec, id_column) == expected
    assert from_cells(duckdb_source(data, extra, id_column), spec, id_column) == expected


def test_the_lending_sample_audits_alike_with_a_score_and_consistency(tmp_path):
    dataset = pd.read_csv(LENDING[1])
    rng = np.random.default_rng(5)
    dataset["score"] = np.clip(rng.normal(0.5, 0.2, len(dataset)), 0, 1).round(3)
    predictions = tmp_path / "predictions.csv"
    dataset.to_csv(predictions, index=False)
    spec = AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race"),
                     score="score", favorable="approved", bootstrap=100)
    found = (LENDING[0], predictions, LENDING[2])
    expected = in_memory(*found, spec)
    record = json.loads(expected)
    assert any(a["metric"] == "consistency" for a in record["aggregates"])
    assert any(t["basis"] == "scoring_rate" for t in record["adverse_impact"])
    assert from_cells(duckdb_source(*found), spec, LENDING[2]) == expected


def test_spark_gives_the_in_memory_audit(spark, tmp_path):
    data, extra, spec, id_column = files(tmp_path, 11, 150, "csv", labels=("approved", "denied"),
                                         with_score=True, join="text", unknown=True,
                                         numeric_codes=False)
    spec = with_bootstrap(spec)
    expected = in_memory(data, extra, id_column, spec)
    assert from_cells(spark_builder(spark)(data, extra, id_column), spec, id_column) == expected


@pytest.mark.parametrize("seed", [1, 2])
def test_score_metrics_match_numpy_and_scikit_learn(tmp_path, seed):
    frame, _, spec, _ = random_tables(seed, 300, labels=("yes", "no"), with_score=True,
                                      join="none", unknown=False, numeric_codes=False)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    result = audit_inputs(dataset=load(path), predictions=None, spec=spec).result
    y = (frame["outcome"] == "yes").to_numpy()
    s = frame["risk"].to_numpy(dtype=float)
    for value in frame["sex"].unique():
        rows = (frame["sex"] == value).to_numpy()
        metrics = result.group("sex", value).metrics
        pos, neg = s[rows][y[rows]], s[rows][~y[rows]]
        pairs = Fraction(int((pos[:, None] > neg[None, :]).sum() * 2
                              + (pos[:, None] == neg[None, :]).sum()), 2 * pos.size * neg.size)
        assert metrics["roc_auc"].value == float(pairs)  # exact, correctly rounded
        assert metrics["roc_auc"].value == pytest.approx(roc_auc_score(y[rows], s[rows]),
                                                         abs=1e-15)
        assert metrics["mean_score"].value == pytest.approx(s[rows].mean(), rel=1e-13)
        assert metrics["brier_score"].value == pytest.approx(((s[rows] - y[rows]) ** 2).mean(),
                                                             rel=1e-12)
        half = metrics["mean_score"].ci_high - metrics["mean_score"].value
        assert half == pytest.approx(1.959963984540054 * s[rows].std(ddof=1)
                                     / math.sqrt(rows.sum()), rel=1e-9)


def test_past_the_ranks_limit_the_auc_comes_from_histograms_and_says_so():
    """A table without per-score counts (more than RANKS_ROWS rows) gives a binned AUC
    within its stated bound of the exact one."""
    source = pandas_source(*LENDING)
    spec = AuditSpec(label="outcome", prediction="decision", sensitive=("sex",),
                     score="num_dependents", favorable="approved", bootstrap=0)
    table = source.cell_table(spec)
    assert table.scores is not None and table.rows <= RANKS_ROWS
    exact = audit_cells(table, spec)
    scores: ScoreTable = table.scores
    binned = audit_cells(table.__class__(**{**table.__dict__, "scores": ScoreTable(
        **{**scores.__dict__, "ranks": None})}), spec)
    for group in ("female", "male"):
        a = exact.group("sex", group).metrics["roc_auc"]
        b = binned.group("sex", group).metrics["roc_auc"]
        assert "histograms" in b.method and "histograms" not in a.method
        bound = float(b.method.rsplit("at most ", 1)[1].split(" ")[0])
        assert abs(a.value - b.value) <= bound + 1e-12
