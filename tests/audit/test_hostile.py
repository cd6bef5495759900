"""The hostile-input corpus of issue 11: every attack the issue lists, built here, run
through the real command line.

Each case is *handled* when ``python -m audit run`` either exits 2 with the exact message
of the module that refuses it (the ``MSG_*``/upper-case constants, formatted here), or
loads the input when it is valid (exit 0, 1 or 3 and the audit's files written); and in
both cases prints no traceback. The cases that could hang or exhaust memory (model bombs,
a 50 MB cell, 30 million rows, ``/dev/zero``, an endless stream, ten sensitive
attributes) run in a child process limited to 4 GB of address space (``RLIMIT_AS``) with
a wall-clock timeout, and their CPU time and peak memory (``wait4``) are checked against
the issue's 60 s and 4 GB. The others (option checks, ids, categories, the separator, the
PDF's long text, the history URL) run ``audit.cli.main`` in this process, where a child
adds nothing but start-up time. The last test prints how many cases were handled.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pytest

from audit._errors import HistoryError
from audit.cli import main
from audit.cli._history import BAD_URL, open_store
from audit.cli._options import BAD_NUMBER, MAX_BOOTSTRAP, OVERWRITE
from audit.explain._model_io import MAX_UNPACKED_MB, UNPACKS_TOO_FAR
from audit.explain._sandbox import MODEL_MEMORY
from audit.inputs._join import MSG_ID_NO_MATCH
from audit.inputs._limits import DEFAULT_MAX_ROWS, MSG_BAD_LIMIT, WHAT
from audit.inputs._prepare import SEPARATOR_IN_NAME, SEPARATOR_IN_VALUE
from audit.inputs._read import (
    MAX_VALUE_CHARS,
    MSG_BINARY,
    MSG_FILE_NOT_FOUND,
    MSG_NAME_TOO_LONG,
    MSG_TOO_LARGE,
    MSG_TOO_LARGE_STREAM,
    MSG_TOO_MANY_ROWS,
    MSG_VALUE_TOO_LONG,
)
from audit.record import Review, render_pdf
from audit.record._build import review_to_dict
from audit.record._history import UNAVAILABLE
from audit.sources._files import MSG_EMPTY_FOLDER

ROOT = Path(__file__).resolve().parents[2]
MB = 2**20
ADDRESS_SPACE = 4 * 2**30  # RLIMIT_AS of every child: the 4 GB
CPU_SECONDS = 60  # the "no hang over 60 s", as CPU time: the machine may be shared
WALL_SECONDS = 300  # a child still running after this is killed (a hang, on a busy machine)
MODEL_MB = 512  # AUDIT_MODEL_MEMORY_MB for the model bombs
NUL_KIND = "a binary file (it contains zero bytes, which a text file never has)"
ROLES = ["--label", "label", "--prediction", "pred", "--sensitive", "sex", "--favorable", "1"]
VALID = (0, 1, 3)  # passed, failed or no verdict, inconclusive: the input was read

HANDLED: dict[str, bool] = {}


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    cpu: float = 0.0
    peak_mb: float = 0.0


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child(args: list[str], *, env: dict[str, str] | None = None,
          stdin: int | None = None) -> Ran:
    """``python -m audit`` in a child within 4 GB; its exit status, output, CPU and peak."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "audit", *args], cwd=ROOT,
                                stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                stdout=out, stderr=err, preexec_fn=_limit_child,
                                env={**os.environ, **(env or {})})
        deadline = time.monotonic() + WALL_SECONDS
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"python -m audit {' '.join(args)[:200]} hung: killed after "
                            f"{WALL_SECONDS} s")
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Ran(proc.returncode, out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"), usage.ru_utime + usage.ru_stime,
                   usage.ru_maxrss / 1024)


def in_process(args: list[str], capsys: pytest.CaptureFixture[str]) -> Ran:
    code = main(args)
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def refused(ran: Ran, message: str) -> None:
    """Exit 2 with exactly ``message``, nothing on stdout, no traceback."""
    assert "Traceback" not in ran.err
    assert ran.code == 2, ran.err[-2000:]
    assert ran.err == f"error: {message}\n"
    assert ran.out == ""


def loaded(ran: Ran, out: Path) -> dict:
    """A valid load: a verdict's exit status, the files written, no traceback; the record."""
    assert "Traceback" not in ran.err
    assert ran.code in VALID, ran.err[-2000:]
    assert (out / "audit.pdf").stat().st_size > 0
    return json.loads((out / "audit.json").read_text(encoding="utf-8"))


def within_budget(ran: Ran) -> None:
    assert ran.cpu < CPU_SECONDS, f"{ran.cpu:.0f} s of CPU"
    assert ran.peak_mb < ADDRESS_SPACE / MB


def people(n: int = 400, seed: int = 0, **columns: object) -> pd.DataFrame:
    """``n`` people with a sex, a label and a prediction (every group large enough)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"sex": rng.choice(["f", "m"], n), "label": rng.integers(0, 2, n),
                          "pred": rng.integers(0, 2, n)})
    for name, values in columns.items():
        frame[name] = values
    return frame


def write(tmp_path: Path, name: str, frame: pd.DataFrame) -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


# --- bombs and floods: in a child process within 4 GB --------------------------------


def onnx_bomb() -> bytes:
    """A 200-byte ONNX model that asks for a (rows × 2,000,000,000) float tensor: 16 GB on
    two rows (an ``Expand`` node), then sums it back to one score per row."""
    onnx = pytest.importorskip("onnx")
    helper, tensor = onnx.helper, onnx.TensorProto
    inputs = [helper.make_tensor_value_info(name, tensor.FLOAT, [None, 1])
              for name in ("x1", "x2")]
    output = helper.make_tensor_value_info("y", tensor.FLOAT, [None])
    shape = helper.make_tensor("shape", tensor.INT64, [2], [1, 2_000_000_000])
    nodes = [helper.make_node("Add", ["x1", "x2"], ["s"]),
             helper.make_node("Expand", ["s", "shape"], ["big"]),
             helper.make_node("ReduceSum", ["big"], ["y"], keepdims=0, axes=[1])]
    graph = helper.make_graph(nodes, "bomb", inputs, [output], initializer=[shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def case_onnx_expand_bomb(tmp_path: Path) -> None:
    (tmp_path / "bomb.onnx").write_bytes(onnx_bomb())
    rng = np.random.default_rng(1)
    data = write(tmp_path, "d.csv", people(200, x1=rng.random(200).round(3),
                                           x2=rng.random(200).round(3)))
    ran = child(["run", "--data", data, *ROLES, "--bootstrap", "0", "--explain", "--model",
                 str(tmp_path / "bomb.onnx"), "--out", str(tmp_path / "out")],
                env={"AUDIT_MODEL_MEMORY_MB": str(MODEL_MB)})
    refused(ran, MODEL_MEMORY.format(name="bomb.onnx", limit=MODEL_MB))
    within_budget(ran)


def case_skops_zip_bomb(tmp_path: Path) -> None:
    """A skops archive of a few MB whose one member unpacks past the 1,000 MB limit."""
    unpacked = (MAX_UNPACKED_MB + 8) * MB
    zeros = bytes(16 * MB)
    with (zipfile.ZipFile(tmp_path / "bomb.skops", "w", zipfile.ZIP_DEFLATED) as archive,
          archive.open("schema.json", "w", force_zip64=True) as member):
        for _ in range(unpacked // len(zeros)):
            member.write(zeros)
    assert (tmp_path / "bomb.skops").stat().st_size < 8 * MB
    data = write(tmp_path, "d.csv", people())
    ran = child(["run", "--data", data, *ROLES, "--bootstrap", "0", "--explain", "--model",
                 str(tmp_path / "bomb.skops"), "--out", str(tmp_path / "out")])
    refused(ran, UNPACKS_TOO_FAR.format(name="bomb.skops", size=unpacked / MB,
                                        limit=MAX_UNPACKED_MB))
    within_budget(ran)
    assert ran.peak_mb < 1024  # the archive's directory is read, never a member


def case_50mb_cell(tmp_path: Path) -> None:
    frame = people(50)
    frame["sex"] = frame["sex"].astype(object)
    frame.loc[1, "sex"] = "x" * (50 * MB)
    data = write(tmp_path, "cell.csv", frame)
    ran = child(["run", "--data", data, *ROLES, "--out", str(tmp_path / "out")])
    refused(ran, MSG_VALUE_TOO_LONG.format(file="cell.csv", length=50 * MB, column="sex",
                                           row=2, limit=MAX_VALUE_CHARS))
    within_budget(ran)
    assert ran.peak_mb < 1024


def case_30_million_rows(tmp_path: Path) -> None:
    """30 million short rows (180 MB): refused before one value is parsed."""
    rows = 30_000_000
    path = tmp_path / "rows.csv"
    with path.open("wb") as handle:
        handle.write(b"sex,label,pred\n")
        block = b"f,0,1\n" * 1_000_000
        for _ in range(rows // 1_000_000):
            handle.write(block)
    # the pandas engine reads rows into memory, so the row limit guards it; the automatic
    # engine would send a CSV this size to DuckDB, which counts it out of core
    ran = child(["run", "--data", str(path), *ROLES, "--engine", "pandas",
                 "--out", str(tmp_path / "out")])
    refused(ran, MSG_TOO_MANY_ROWS.format(file="rows.csv", rows=rows, limit=DEFAULT_MAX_ROWS))
    within_budget(ran)
    assert ran.peak_mb < 1024  # 1.6 GB before the fix


def case_dev_zero(tmp_path: Path) -> None:
    ran = child(["run", "--data", "/dev/zero", *ROLES, "--out", str(tmp_path / "out")])
    refused(ran, MSG_BINARY.format(file="zero", kind=NUL_KIND))
    within_budget(ran)


def case_endless_stream(tmp_path: Path) -> None:
    """An endless text stream on a pipe (no size to check first): reading stops at the
    limit."""
    with subprocess.Popen(["yes", "f,0,1"], stdout=subprocess.PIPE) as endless:
        assert endless.stdout is not None
        try:
            ran = child(["run", "--data", "/dev/stdin", *ROLES, "--out", str(tmp_path / "o")],
                        env={"AUDIT_MAX_UPLOAD_MB": "2"}, stdin=endless.stdout.fileno())
        finally:
            endless.kill()
    refused(ran, MSG_TOO_LARGE_STREAM.format(file="stdin", limit_mb=2.0, limit=2 * MB))
    within_budget(ran)


def many_attributes(tmp_path: Path, attributes: int, categories: int, rows: int) -> str:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"a{i}": np.char.add("c", rng.integers(0, categories, rows).astype(str))
                          for i in range(attributes)})
    label = rng.random(rows) < 0.5
    frame["label"] = label.astype(int)
    frame["pred"] = (rng.random(rows) < 0.3 + 0.3 * label).astype(int)
    return write(tmp_path, "many.csv", frame)


def case_3_attributes_of_16(tmp_path: Path) -> None:
    """4,096 intersection cells at 1,000 bootstrap samples: 30 minutes before the fix; out
    of memory (the simultaneous intervals over 8.4 million pairs) while 5,000 cells were let
    in; beyond the 1,000-cell default, each attribute and the pairwise intersections."""
    data = many_attributes(tmp_path, 3, 16, 20_000)
    args = ["run", "--data", data, "--label", "label", "--prediction", "pred",
            "--favorable", "1", "--out", str(tmp_path / "out")]
    ran = child([*args, *(f"--sensitive=a{i}" for i in range(3))])
    record = loaded(ran, tmp_path / "out")
    within_budget(ran)
    assert record["summary"]["bootstrap_samples"] == 1000
    attributes = {g["attribute"] for g in record["groups"]}
    assert "a0 × a1 × a2" not in attributes
    assert {"a0 × a1", "a0 × a2", "a1 × a2"} <= attributes


def case_10_attributes_of_10(tmp_path: Path) -> None:
    """Ten sensitive attributes: beyond the intersection limit, each attribute and the
    pairs (over 600 s and 3.5 GB before the fix)."""
    data = many_attributes(tmp_path, 10, 10, 20_000)
    args = ["run", "--data", data, "--label", "label", "--prediction", "pred",
            "--favorable", "1", "--bootstrap", "200", "--out", str(tmp_path / "out")]
    ran = child([*args, *(f"--sensitive=a{i}" for i in range(10))])
    record = loaded(ran, tmp_path / "out")
    within_budget(ran)
    assert "pairwise" in ran.err
    attributes = {g["attribute"] for g in record["groups"]}
    assert attributes == {f"a{i}" for i in range(10)} | {
        f"a{i} × a{j}" for i in range(10) for j in range(i + 1, 10)}


def case_5000_columns_explained(tmp_path: Path) -> None:
    """5,000 feature columns with --explain (a 200 s hang before)."""
    rng = np.random.default_rng(4)
    features = pd.DataFrame(rng.integers(0, 10, size=(300, 5000)),
                            columns=[f"f{i}" for i in range(5000)])
    data = write(tmp_path, "wide.csv", pd.concat([people(300), features], axis=1))
    ran = child(["run", "--data", data, *ROLES, "--bootstrap", "100", "--explain",
                 "--explain-sample", "100", "--out", str(tmp_path / "out")])
    record = loaded(ran, tmp_path / "out")
    within_budget(ran)
    assert record["explanations"] is not None


# --- options, ids, categories, text: in this process ----------------------------------


def bad_number(option: str, value: object, expected: str, example: str, default: object
               ) -> str:
    return BAD_NUMBER.format(option=option, value=value, expected=expected, example=example,
                             default=default)


OPTIONS: dict[str, tuple[list[str], str]] = {
    "--bootstrap 10000000": (["--bootstrap", "10000000"], bad_number(
        "--bootstrap", 10000000, f"a whole number from 0 to {MAX_BOOTSTRAP:,} (0: no "
        "intervals)", "1000", 1000)),
    "--bootstrap -5": (["--bootstrap", "-5"], bad_number(
        "--bootstrap", -5, f"a whole number from 0 to {MAX_BOOTSTRAP:,} (0: no intervals)",
        "1000", 1000)),
    "--confidence 1.5": (["--confidence", "1.5"], bad_number(
        "--confidence", 1.5, "a number between 0 and 1 (exclusive)", "0.95", 0.95)),
    "--confidence nan": (["--confidence", "nan"], bad_number(
        "--confidence", "nan", "a number between 0 and 1 (exclusive)", "0.95", 0.95)),
    "--impact-ratio nan": (["--impact-ratio", "nan"], bad_number(
        "--impact-ratio", "nan", "a number above 0 and at most 1", "0.8", 0.8)),
    "--impact-ratio inf": (["--impact-ratio", "inf"], bad_number(
        "--impact-ratio", "inf", "a number above 0 and at most 1", "0.8", 0.8)),
    "--max-difference -1": (["--max-difference", "-1"], bad_number(
        "--max-difference", -1.0, "a number from 0 to 1", "0.1", 0.1)),
    "--min-group-size -3": (["--min-group-size", "-3"], bad_number(
        "--min-denominator", -3, "a whole number of at least 1", "10", 10)),
    "--seed -1": (["--seed", "-1"], bad_number(
        "--seed", -1, "a whole number of 0 or more", "0", 0)),
    "--explain-sample 5": (["--explain-sample", "5"], bad_number(
        "--explain-sample", 5, "a whole number from 10 to 100,000", "2000", 2000)),
    "--max-intersection-cells 0": (["--max-intersection-cells", "0"], bad_number(
        "--max-intersection-cells", 0, "a whole number of at least 1", "1000", 1000)),
}


def option_case(name: str) -> Callable[[Path, pytest.CaptureFixture[str]], None]:
    extra, message = OPTIONS[name]

    def case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        data = write(tmp_path, "d.csv", people())
        ran = in_process(["run", "--data", data, *ROLES, *extra, "--out",
                          str(tmp_path / "out")], capsys)
        refused(ran, message)
        assert not (tmp_path / "out").exists()

    return case


def case_out_holds_an_audit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path, "d.csv", people())
    args = ["run", "--data", data, *ROLES, "--bootstrap", "0", "--out", str(tmp_path / "out")]
    loaded(in_process(args, capsys), tmp_path / "out")
    before = (tmp_path / "out" / "audit.json").read_bytes()
    refused(in_process(args, capsys), OVERWRITE.format(
        out=str(tmp_path / "out"), files="audit.json, audit.pdf, metrics.csv, adverse_impact.csv"))
    assert (tmp_path / "out" / "audit.json").read_bytes() == before
    loaded(in_process([*args, "--force"], capsys), tmp_path / "out")


def case_bad_row_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path, "d.csv", people())
    os.environ["AUDIT_MAX_ROWS"] = "ten"
    try:
        ran = in_process(["run", "--data", data, *ROLES, "--out", str(tmp_path / "o")], capsys)
    finally:
        del os.environ["AUDIT_MAX_ROWS"]
    refused(ran, MSG_BAD_LIMIT.format(name="AUDIT_MAX_ROWS", value="ten",
                                      what=WHAT["AUDIT_MAX_ROWS"], default=DEFAULT_MAX_ROWS))


def case_file_over_the_size_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = people(1000, note=["y" * 2000] * 1000)
    data = write(tmp_path, "big.csv", frame)
    size = Path(data).stat().st_size
    os.environ["AUDIT_MAX_UPLOAD_MB"] = "1"
    try:
        ran = in_process(["run", "--data", data, *ROLES, "--out", str(tmp_path / "o")], capsys)
    finally:
        del os.environ["AUDIT_MAX_UPLOAD_MB"]
    refused(ran, MSG_TOO_LARGE.format(file="big.csv", size_mb=size / MB, size=size,
                                      limit_mb=1.0, limit=MB))


def case_no_such_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "missing.csv")
    ran = in_process(["run", "--data", missing, *ROLES, "--out", str(tmp_path / "o")], capsys)
    refused(ran, MSG_FILE_NOT_FOUND.format(path=missing))


def case_a_folder_as_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ran = in_process(["run", "--data", str(tmp_path), *ROLES, "--out", str(tmp_path / "o")],
                     capsys)
    # a folder is a table of CSV or Parquet files (issue 13): this one holds none
    refused(ran, MSG_EMPTY_FOLDER.format(path=str(tmp_path)))


def case_column_name_past_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "c" * (MAX_VALUE_CHARS + 1)
    data = write(tmp_path, "d.csv", people(**{name: 1}))
    ran = in_process(["run", "--data", data, *ROLES, "--out", str(tmp_path / "o")], capsys)
    refused(ran, MSG_NAME_TOO_LONG.format(file="d.csv", length=MAX_VALUE_CHARS + 1,
                                          position=4, limit=MAX_VALUE_CHARS))


def case_separator_in_a_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    race = np.where(np.arange(400) % 2 == 0, "Black × White", "Asian")
    data = write(tmp_path, "d.csv", people(race=race))
    ran = in_process(["run", "--data", data, *ROLES, "--sensitive", "race", "--out",
                      str(tmp_path / "o")], capsys)
    refused(ran, SEPARATOR_IN_VALUE.format(column="race", file="d.csv", value="Black × White",
                                           sep=" × "))


def case_separator_in_a_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path, "d.csv", people(**{"race × origin": "a"}))
    ran = in_process(["run", "--data", data, *ROLES, "--sensitive", "race × origin", "--out",
                      str(tmp_path / "o")], capsys)
    refused(ran, SEPARATOR_IN_NAME.format(column="race × origin", sep=" × "))


def case_007_is_not_7(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = people(4, id=["007", "008", "009", "010"])
    predictions = pd.DataFrame({"id": ["7", "8", "9", "10"], "pred": [1, 0, 1, 0]})
    data = write(tmp_path, "d.csv", frame.drop(columns="pred"))
    preds = write(tmp_path, "p.csv", predictions)
    ran = in_process(["run", "--data", data, "--predictions", preds, "--id-column", "id",
                      *ROLES, "--out", str(tmp_path / "o")], capsys)
    refused(ran, MSG_ID_NO_MATCH.format(
        dataset_count=4, column="id", dataset="d.csv", predictions_count=4,
        predictions="p.csv", dataset_examples="'007', '008', '009', '010'",
        predictions_examples="'7', '8', '9', '10'"))


def joined(tmp_path: Path, capsys: pytest.CaptureFixture[str], ids: list[str]) -> dict:
    """A dataset and predictions joined by ``ids`` (the predictions shuffled): the record."""
    frame = people(len(ids), seed=5, id=ids)
    data = write(tmp_path, "d.csv", frame.drop(columns="pred"))
    preds = write(tmp_path, "p.csv", frame[["id", "pred"]].sample(frac=1, random_state=2))
    ran = in_process(["run", "--data", data, "--predictions", preds, "--id-column", "id",
                      *ROLES, "--bootstrap", "0", "--out", str(tmp_path / "o")], capsys)
    record = loaded(ran, tmp_path / "o")
    by_group = {g["group"]: g for g in record["groups"]}
    for sex, rows in frame.groupby("sex"):  # joined right: each group's selection exact
        assert by_group[sex]["n"] == len(rows)
        rate = by_group[sex]["metrics"]["selection_rate"]["value"]
        assert rate == pytest.approx(rows["pred"].mean())
    return record


def case_007_and_7_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = [f"{i:03d}" for i in range(100)] + [str(i) for i in range(100)]  # 007 and 7 ...
    record = joined(tmp_path, capsys, ids)
    assert record["summary"]["rows"] == 200  # ... 200 people, not 100 "duplicates"


def case_20_digit_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = [str(10**19 + i) for i in range(400)]  # one float for every 2,048 of them
    record = joined(tmp_path, capsys, ids)
    assert record["summary"]["rows"] == 400


def case_na_none_null_categories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = people(400)
    frame["sex"] = np.array(["NA", "None", "null", "f"])[np.arange(400) % 4]
    data = write(tmp_path, "d.csv", frame)
    ran = in_process(["run", "--data", data, *ROLES, "--bootstrap", "0", "--out",
                      str(tmp_path / "o")], capsys)
    record = loaded(ran, tmp_path / "o")
    assert {g["group"]: g["n"] for g in record["groups"]} == {
        "NA": 100, "None": 100, "null": 100, "f": 100}


def case_1400_char_column_name_in_the_pdf(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    name = "attribute " * 140  # 1,400 characters: reportlab's LayoutError before the fix
    frame = people()
    frame[name.strip()] = frame.pop("sex")
    data = write(tmp_path, "d.csv", frame)
    ran = in_process(["run", "--data", data, "--label", "label", "--prediction", "pred",
                      "--sensitive", name.strip(), "--favorable", "1", "--bootstrap", "0",
                      "--out", str(tmp_path / "o")], capsys)
    record = loaded(ran, tmp_path / "o")
    assert record["spec"]["sensitive"] == [name.strip()]  # the full name kept in the JSON
    pages = pypdf.PdfReader(tmp_path / "o" / "audit.pdf").pages
    assert "attribute attribute" in "".join(page.extract_text() for page in pages)


def case_5000_char_reviewer_note_in_the_pdf(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = write(tmp_path, "d.csv", people())
    loaded(in_process(["run", "--data", data, *ROLES, "--bootstrap", "0", "--out",
                       str(tmp_path / "o")], capsys), tmp_path / "o")
    record = json.loads((tmp_path / "o" / "audit.json").read_text(encoding="utf-8"))
    note = ("A very long note. " * 280)[:5000]
    record["review"] = review_to_dict(Review(
        reviewers=("R" * 5000,), decision="approve", notes=note, conditions=note,
        reviewed_at="2026-01-15T10:00:00Z"))
    pdf = render_pdf(record)
    assert pdf.startswith(b"%PDF-")
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) > 1


def case_bad_db_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history_error(tmp_path, capsys, "not a database url", BAD_URL.split("{")[0])


def case_postgres_without_its_driver(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        import pg8000  # noqa: F401
    except ImportError:
        history_error(tmp_path, capsys, "postgresql+pg8000://auditor@localhost/history",
                      BAD_URL.split("{")[0])
    else:
        pytest.skip("pg8000 is installed: no PostgreSQL driver is missing")


def case_postgres_unreachable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://auditor@127.0.0.1:1/history"
    history_error(tmp_path, capsys, url, UNAVAILABLE.split("{reason}")[0].format(url=url))


def history_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str,
                  start: str) -> None:
    """The audit's files are written and its exit status kept; the history only warns with
    the store's message (which starts with ``start``: the reason is the driver's)."""
    with pytest.raises(HistoryError) as expected:
        open_store(url)
    assert str(expected.value).startswith(start)
    data = write(tmp_path, "d.csv", people())
    args = ["run", "--data", data, *ROLES, "--bootstrap", "0"]
    plain = in_process([*args, "--out", str(tmp_path / "plain")], capsys)
    ran = in_process([*args, "--out", str(tmp_path / "o"), "--save", "--db", url], capsys)
    loaded(ran, tmp_path / "o")
    assert ran.code == plain.code
    assert (f"warning: the audit's files were written, but it was not saved to the history: "
            f"{expected.value}\nhistory: not saved\n") in ran.err


IN_CHILD = {
    "ONNX Expand bomb": case_onnx_expand_bomb,
    "skops zip bomb": case_skops_zip_bomb,
    "50 MB cell": case_50mb_cell,
    "30M rows": case_30_million_rows,
    "--data /dev/zero": case_dev_zero,
    "endless stream": case_endless_stream,
    "3 x 16 categories": case_3_attributes_of_16,
    "10 x 10 categories": case_10_attributes_of_10,
    "5000 columns --explain": case_5000_columns_explained,
}
IN_PROCESS: dict[str, Callable[[Path, pytest.CaptureFixture[str]], None]] = {
    **{name: option_case(name) for name in OPTIONS},
    "--out holds an audit": case_out_holds_an_audit,
    "AUDIT_MAX_ROWS=ten": case_bad_row_limit,
    "file over the size limit": case_file_over_the_size_limit,
    "no such file": case_no_such_file,
    "a folder as --data": case_a_folder_as_data,
    "10,001-char column name": case_column_name_past_the_limit,
    "' × ' in a value": case_separator_in_a_value,
    "' × ' in a column name": case_separator_in_a_name,
    "007 vs 7": case_007_is_not_7,
    "007 and 7 both": case_007_and_7_both,
    "20-digit ids": case_20_digit_ids,
    "NA/None/null": case_na_none_null_categories,
    "1,400-char column name": case_1400_char_column_name_in_the_pdf,
    "5,000-char reviewer note": case_5000_char_reviewer_note_in_the_pdf,
    "bad --db URL": case_bad_db_url,
    "postgres without driver": case_postgres_without_its_driver,
    "postgres unreachable": case_postgres_unreachable,
}


# Cases not handled yet, each with its measured cause, run as strict expected failures (the
# day one is handled the test says so). None now: the 3 x 16 intersection ran out of memory
# in the simultaneous intervals until intersections beyond 1,000 groups went pairwise, and
# the 10 x 10 case took 106 s of CPU until the PDF left intersections beyond 250 groups to
# the JSON and the CLI serialised the record once.
NOT_HANDLED: dict[str, str] = {}
HEAVY = "AUDIT_HOSTILE_HEAVY"  # set to 1 to run the cases that take minutes on two cores
SLOW = {"10 x 10 categories"}


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=NOT_HANDLED[name]))
    if name in NOT_HANDLED else name for name in IN_CHILD])
def test_hostile_input_in_a_child(name: str, tmp_path: Path) -> None:
    if name in SLOW and os.environ.get(HEAVY) != "1":
        pytest.skip(f"{NOT_HANDLED.get(name, 'minutes on two cores')}; set {HEAVY}=1 to run")
    HANDLED[name] = False
    IN_CHILD[name](tmp_path)
    HANDLED[name] = True


@pytest.mark.parametrize("name", list(IN_PROCESS))
def test_hostile_input_in_process(name: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    HANDLED[name] = False
    IN_PROCESS[name](tmp_path, capsys)
    HANDLED[name] = True


def test_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    total = len(IN_CHILD) + len(IN_PROCESS)
    handled = sum(HANDLED.values())
    with capsys.disabled():
        print(f"\nhostile corpus: {handled} of {total} handled"
              + (f" ({total - len(HANDLED)} not run)" if len(HANDLED) < total else ""))
        for name, ok in HANDLED.items():
            if not ok:
                print(f"  not handled: {name}: {NOT_HANDLED.get(name, 'see its test')}")
    assert {name for name, ok in HANDLED.items() if not ok} <= set(NOT_HANDLED)
