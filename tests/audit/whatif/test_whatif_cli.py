"""``python -m audit whatif``, through a test-local parser (the lead wires the real one)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from audit.cli._whatif import add_whatif_parser, run_whatif_command
from audit.whatif import words


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit")
    add_whatif_parser(parser.add_subparsers(dest="command", required=True))
    return run_whatif_command(parser.parse_args(["whatif", *argv]))


@pytest.fixture
def files(tmp_path: Path, frame) -> tuple[Path, Path]:
    dataset = frame[["applicant", "sex", "race", "outcome"]]
    predictions = frame[["applicant", "decision", "score"]].sample(frac=1.0, random_state=1)
    dataset.to_csv(tmp_path / "applicants.csv", index=False)
    predictions.to_csv(tmp_path / "decisions.csv", index=False)
    return tmp_path / "applicants.csv", tmp_path / "decisions.csv"


def arguments(files: tuple[Path, Path], out: Path, *extra: str) -> list[str]:
    return ["--data", str(files[0]), "--predictions", str(files[1]), "--id-column", "applicant",
            "--label", "outcome", "--prediction", "decision", "--score", "score",
            "--sensitive", "sex", "--sensitive", "race", "--favorable", "approved",
            "--bootstrap", "50", "--out", str(out), *extra]


def test_writes_whatif_json(files, tmp_path, capsys, frame):
    out = tmp_path / "out"
    code = run(arguments(files, out, "--strategy", "equal_opportunity", "--strategy",
                         "max_accuracy", "--tolerance", "0.03"))
    assert code == 0
    text = (out / "whatif.json").read_text(encoding="utf-8")
    record = json.loads(text)
    assert text == json.dumps(record, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert record["attribute"] == "sex" and record["tolerance"] == 0.03
    assert [o["id"] for o in record["options"]] == [
        "single", "max_accuracy", "equal_opportunity", "equal_opportunity:fairlearn"]
    # the cut-offs of every fixed option reproduce its accuracy on the uploaded rows
    score = frame["score"].to_numpy()
    y = (frame["outcome"] == "approved").to_numpy()
    for option in record["options"]:
        if option["randomized"]:
            continue
        cut = option["thresholds"]["sex"]
        decided = score >= frame["sex"].map(cut).to_numpy()
        assert option["accuracy"] == (decided == y).sum() / len(y)
    shown = capsys.readouterr().out
    assert f"* {words.LAWFULNESS_NOTE.format(attribute='sex')}" in shown
    assert shown.strip().endswith("(4 options for 'sex').")


def test_bad_input_exits_2_with_the_message(files, tmp_path, capsys):
    code = run(arguments(files, tmp_path / "out", "--tolerance", "3"))
    assert code == 2
    assert capsys.readouterr().err == f"error: {words.BAD_TOLERANCE.format(value=3.0)}\n"
    assert not (tmp_path / "out").exists()


def test_a_missing_score_column_is_bad_input(files, tmp_path, capsys):
    argv = arguments(files, tmp_path / "out")
    argv[argv.index("--score") + 1] = "probability"
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The score column 'probability' is not in ")


def test_attribute_and_no_randomized(files, tmp_path):
    out = tmp_path / "out"
    assert run(arguments(files, out, "--attribute", "race", "--no-randomized",
                         "--cost-ratio", "2")) == 0
    record = json.loads((out / "whatif.json").read_text(encoding="utf-8"))
    assert record["attribute"] == "race" and record["objective"] == "cost"
    assert all(o["method"] == "exact" for o in record["options"])
    assert record["skipped"] == []
    assert np.isclose(record["cost_ratio"], 2.0)
