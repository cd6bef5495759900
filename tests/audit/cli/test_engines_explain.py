"""``--explain`` off the pandas engine: explanations on a sample drawn inside the engine.

Up to `DRAWN_ROWS` rows the sample is every row, so DuckDB's explanations must be the
pandas engine's, number for number, and the record must say which sample they rest on.
Beyond, the source draws a seeded sample in proportion to each finest cell's size: pandas
and DuckDB draw the same rows (one row hash), so explaining them gives the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.cli import main
from audit.explain import explain, explain_source
from audit.inputs import AuditSpec, prepare
from audit.sources import DuckDBSource, PandasSource, proportional_quotas
from audit.sources._sample import stratified_rows
from tests.audit.cli.test_engines import command, record, tables, written


def _explanations(out):
    return record(out)["explanations"]


def test_duckdb_explains_every_row_as_pandas_does(tmp_path, capsys):
    data, predictions = written(tmp_path / "in", "parquet", *tables())
    for engine in ("pandas", "duckdb"):
        assert main(command(data, predictions, tmp_path / engine, engine, "--explain",
                            "--explain-sample", "300")) in (0, 1, 3)
    printed = capsys.readouterr().out
    pandas, duckdb = _explanations(tmp_path / "pandas"), _explanations(tmp_path / "duckdb")
    drawn = duckdb.pop("drawn_sample")
    assert "drawn_sample" not in pandas
    assert duckdb == pandas  # every number, every sentence
    # the sample is stated: 400 rows of 400, 10 finest cells (2 sexes x 5 races)
    frame = tables()[0]
    cells = frame.groupby(["sex", "race"]).size().sort_index()
    assert drawn["rows"] == drawn["population_rows"] == 400
    assert drawn["per_cell"] == cells.tolist()
    assert (drawn["engine"], drawn["seed"], drawn["min_per_cell"]) == ("duckdb", 0, 5)
    assert drawn["statement"] == (
        "Explanations and proxies were computed on a seeded sample of 400 of the 400 audited "
        "rows, drawn where the data lives (duckdb) and stratified by finest cell in "
        f"proportion to each cell's size, at least 5 rows of each cell (all rows of a "
        f"smaller one): {cells.min()} to {cells.max()} rows per cell, seed 0. The rows "
        "audited and each group's selection rate are those of every audited row.")
    assert f"[WHY] {drawn['statement']}" in printed
    assert drawn["statement"].split(" (")[0] in _pdf_text(tmp_path / "duckdb" / "audit.pdf")


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((p.extract_text() or "").split())
                    for p in PdfReader(str(path)).pages)


def _big(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    sex = rng.choice(["female", "male"], rows, p=[0.3, 0.7])
    group = rng.choice(["a", "b", "c"], rows, p=[0.8, 0.15, 0.05])
    income = rng.normal(50, 10, rows).round(1)
    decided = (income + 5 * (sex == "male") + rng.normal(0, 5, rows)) > 52
    return pd.DataFrame({"sex": sex, "group": group, "income": income,
                         "tenure": rng.integers(0, 30, rows),
                         "label": np.where(rng.random(rows) < 0.5, "yes", "no"),
                         "decision": np.where(decided, "yes", "no")})


SPEC = AuditSpec(label="label", prediction="decision", sensitive=("sex", "group"),
                 favorable="yes", bootstrap=0)


def test_a_drawn_sample_is_proportional_and_the_same_rows_in_pandas_and_duckdb(tmp_path):
    frame = _big(60_000)
    path = tmp_path / "big.parquet"
    frame.to_parquet(path, index=False)
    cell_rows = frame.groupby(["sex", "group"]).size().sort_index().to_numpy()
    quotas = proportional_quotas(cell_rows, 2_000, 5)
    # 5 rows of each cell, the other 1,970 in proportion to what each cell has left
    share = 5 + (cell_rows - 5) * (2_000 - 30) / (60_000 - 30)
    assert quotas.sum() == 2_000 and (np.abs(quotas - share) < 1).all()
    duck = DuckDBSource(str(path))
    drawn = duck.sample(SPEC, per_cell=quotas, seed=4)
    assert np.bincount(drawn.cell).tolist() == quotas.tolist()
    # the rows numpy's row hash picks from the frame in memory (0-based positions)
    cell = frame.groupby(["sex", "group"]).ngroup().to_numpy()
    expected = stratified_rows(cell, quotas, seed=4)
    assert np.sort(drawn.position - 1).tolist() == expected.tolist()
    selected = frame.assign(yes=frame["decision"] == "yes").groupby("sex")["yes"].mean()
    rates = {("sex", g): float(r) for g, r in selected.items()}
    got = explain_source(duck, SPEC, cell_rows=cell_rows, favorable="yes",
                         references={}, selection_rates=rates, sample_size=500, seed=4)
    female = next(g for g in got.gap_attribution if g.attribute == "sex")
    assert (female.group_rate, female.reference_rate) == (rates[("sex", "female")],
                                                          rates[("sex", "male")])
    # the same rows explained in memory give the same numbers
    rows = stratified_rows(cell, proportional_quotas(cell_rows, 20_000, 5), seed=4)
    data = prepare(frame.iloc[rows].reset_index(drop=True), SPEC)
    alone = explain(data, references={}, sample_size=500, seed=4)
    assert got.drawn is not None and got.drawn.rows == rows.size == 20_000
    assert got.population_rows == 60_000
    assert [(f.feature, f.mean_abs_shap) for f in got.global_importance] == \
        [(f.feature, f.mean_abs_shap) for f in alone.global_importance]
    assert [g.contributions for g in got.gap_attribution] == \
        [g.contributions for g in alone.gap_attribution]
    assert got.proxies == alone.proxies


def test_pandas_source_draws_the_same_rows_by_quota(tmp_path):
    frame = _big(5_000)
    cell_rows = frame.groupby(["sex", "group"]).size().sort_index().to_numpy()
    quotas = proportional_quotas(cell_rows, 700, 5)
    from audit.inputs import read_path

    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False)
    source = PandasSource(dataset=read_path(str(path)))
    drawn = source.sample(SPEC, per_cell=quotas, seed=1)
    duck = DuckDBSource(str(path)).sample(SPEC, per_cell=quotas, seed=1)
    assert np.bincount(drawn.cell).tolist() == quotas.tolist()
    assert sorted(drawn.position.tolist()) == sorted(duck.position.tolist())


def test_spark_explains_every_row_as_pandas_does(spark, tmp_path, capsys):
    data, predictions = written(tmp_path / "in", "csv", *tables())
    for engine in ("pandas", "spark"):
        assert main(command(data, predictions, tmp_path / engine, engine, "--explain",
                            "--explain-sample", "300", "--spark-master", "local[2]")) in (0, 1, 3)
    capsys.readouterr()
    found = _explanations(tmp_path / "spark")
    assert found.pop("drawn_sample")["engine"] == "spark"
    assert found == _explanations(tmp_path / "pandas")
