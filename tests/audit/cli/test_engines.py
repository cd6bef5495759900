"""``--engine pandas|duckdb|spark``: the same audit.json and the same messages from each.

Hand-made files (string labels, a score with ties, an unknown category, ``NA`` as a
category, ids with leading zeros, a group with no favorable label) are audited by every
engine; the records must be equal but for the audit's id, its time and the environment
(which names the engine). Bad inputs must give one message, word for word.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from audit.cli import main
from audit.cli._engines import choose_engine

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "audit" / "audit.schema.json").read_text())
ROWS = 400
VARYING = ("audit_id", "created_at", "environment")


def tables(rows: int = ROWS) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    race = rng.choice(["Asian", "Black", "White", "NA", "Unknown"], rows)
    favorable = rng.random(rows) < np.where(race == "Asian", 0.0, 0.55)
    decided = np.where(rng.random(rows) < 0.8, favorable, ~favorable)
    ids = [f"{i:06d}" for i in rng.permutation(rows)]
    dataset = pd.DataFrame({
        "person": ids, "sex": rng.choice(["female", "male"], rows), "race": race,
        "income": rng.normal(50, 12, rows).round(1), "region": rng.choice(["n", "s"], rows),
        "outcome": np.where(favorable, "hired", "rejected")})
    predictions = pd.DataFrame({
        "person": ids, "decision": np.where(decided, "hired", "rejected"),
        "score": np.clip(0.4 * decided + rng.normal(0.3, 0.2, rows), 0, 1).round(2)})
    return dataset, predictions.iloc[::-1].reset_index(drop=True)


def written(folder: Path, fmt: str, dataset: pd.DataFrame, predictions: pd.DataFrame
            ) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / f"people.{fmt}", folder / f"decisions.{fmt}"
    for frame, path in zip((dataset, predictions), paths, strict=True):
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
    return paths


def command(data: Path, predictions: Path, out: Path, engine: str, *extra: str) -> list[str]:
    return ["run", "--data", str(data), "--predictions", str(predictions), "--id-column",
            "person", "--label", "outcome", "--prediction", "decision", "--score", "score",
            "--sensitive", "sex", "--sensitive", "race", "--favorable", "hired",
            "--bootstrap", "200", "--engine", engine, "--out", str(out), *extra]


def record(out: Path) -> dict:
    found = json.loads((out / "audit.json").read_text())
    jsonschema.validate(found, SCHEMA)
    return found


def comparable(found: dict) -> dict:
    return {k: v for k, v in found.items() if k not in VARYING}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_pandas_and_duckdb_write_the_same_audit(tmp_path, capsys, fmt):
    data, predictions = written(tmp_path / "in", fmt, *tables())
    records, outputs = {}, {}
    for engine in ("pandas", "duckdb"):
        out = tmp_path / engine
        code = main(command(data, predictions, out, engine))
        # every line but the sealing line and the last, which name this engine's files
        outputs[engine] = (code, [line for line in capsys.readouterr().out.splitlines()[:-1]
                                  if not line.startswith("Sealed ")])
        records[engine] = record(out)
        assert records[engine]["environment"]["engine"] == engine
    assert comparable(records["duckdb"]) == comparable(records["pandas"])
    assert outputs["duckdb"] == outputs["pandas"]  # exit code and every finding printed
    metrics = {m for g in records["pandas"]["groups"] for m in g["metrics"]}
    assert {"roc_auc", "brier_score", "mean_score"} <= metrics
    assert {t["basis"] for t in records["pandas"]["adverse_impact"]} == {"selection_rate",
                                                                         "scoring_rate"}
    assert any(a["metric"] == "consistency" for a in records["pandas"]["aggregates"])
    groups = {g["group"] for g in records["pandas"]["groups"] if g["attribute"] == "race"}
    assert "NA" in groups  # a category as written, not a missing value


def test_spark_writes_the_same_audit(spark, tmp_path, capsys):
    data, predictions = written(tmp_path / "in", "csv", *tables())
    main(command(data, predictions, tmp_path / "pandas", "pandas"))
    main(command(data, predictions, tmp_path / "spark", "spark", "--spark-master",
                 "local[2]"))
    capsys.readouterr()
    assert comparable(record(tmp_path / "spark")) == comparable(record(tmp_path / "pandas"))


def _bad_cases(folder: Path) -> dict[str, list[str]]:
    dataset, predictions = tables(60)
    cases = {}

    def case(name: str, data: pd.DataFrame, preds: pd.DataFrame, *extra: str,
             swap: dict[str, str] | None = None) -> None:
        paths = written(folder / name, "csv", data, preds)
        args = command(*paths, folder / name / "out", "ENGINE", *extra)
        for old, new in (swap or {}).items():
            args[args.index(old)] = new
        cases[name] = args

    case("misspelt label", dataset, predictions, swap={"outcome": "outcom"})
    case("label with three values", dataset.assign(outcome=["maybe"] + list(
        dataset["outcome"][1:])), predictions)
    case("blank sensitive cell", dataset.assign(sex=[" "] + list(dataset["sex"][1:])),
         predictions)
    case("ids written differently", dataset,
         predictions.assign(person=predictions["person"].str.lstrip("0")))
    case("repeated id", dataset, predictions.assign(person=["000001"] * 2 + list(
        predictions["person"][2:])))
    case("score of words", dataset, predictions.assign(score=["high"] + list(
        predictions["score"][1:])))
    case("value with the intersection sign", dataset.assign(
        race=["Black × White"] + list(dataset["race"][1:])), predictions)
    cases["no such file"] = command(folder / "nowhere.csv", folder / "nowhere2.csv",
                                    folder / "out", "ENGINE")
    return cases


def test_bad_inputs_get_one_message_from_every_engine(tmp_path, capsys):
    for name, args in _bad_cases(tmp_path).items():
        messages = {}
        for engine in ("pandas", "duckdb"):
            code = main([engine if a == "ENGINE" else a for a in args])
            assert code == 2, name
            messages[engine] = capsys.readouterr().err
        assert messages["duckdb"] == messages["pandas"], name
        assert messages["pandas"].startswith("error: "), name


def test_spark_gives_the_same_messages(spark, tmp_path, capsys):
    cases = _bad_cases(tmp_path)
    for name in ("label with three values", "ids written differently", "no such file"):
        messages = {}
        for engine in ("pandas", "spark"):
            assert main([engine if a == "ENGINE" else a for a in cases[name]]) == 2, name
            messages[engine] = capsys.readouterr().err
        assert messages["spark"] == messages["pandas"], name


def test_auto_takes_duckdb_for_parquet_folders_and_large_files(tmp_path, monkeypatch):
    data, predictions = written(tmp_path, "parquet", *tables(20))
    small, _ = written(tmp_path / "csv", "csv", *tables(20))
    assert choose_engine("auto", [str(data), str(predictions)]) == "duckdb"
    assert choose_engine("auto", [str(tmp_path / "csv")]) == "duckdb"
    assert choose_engine("auto", [str(small), None]) == "pandas"
    monkeypatch.setenv("AUDIT_DUCKDB_ABOVE_MB", "0")
    assert choose_engine("auto", [str(small), None]) == "duckdb"
    assert choose_engine("pandas", [str(data)]) == "pandas"


@pytest.mark.parametrize("option", [["--crosscheck"], ["--model", "model.skops"],
                                    ["--bin", "income=40,60"]])
def test_row_options_need_the_pandas_engine(tmp_path, capsys, option):
    data, predictions = written(tmp_path, "csv", *tables(40))
    code = main(command(data, predictions, tmp_path / "out", "duckdb", "--explain", *option))
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: {option[0]} needs the rows in memory, and the duckdb engine keeps them where "
        "they are. Fix: run with --engine pandas (files up to the upload limit), or leave "
        f"{option[0]} out.\n")
