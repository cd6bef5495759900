"""Data read as written (issue 11, silent data errors): each value reaches the record
(audit.json) exactly as the file writes it.

- ids join as text: ``007`` and ``7`` are two people, and a 20-digit id is exact;
- sensitive columns are text: ``007`` and ``7`` are two groups, ``NA``, ``None`` and
  ``null`` are categories, and only an empty cell is missing;
- a value or a column name holding the intersection sign ``' × '`` is refused, so no two
  intersection groups share a label; suppression places intersection groups by their
  identity (``parts``), not by splitting the label.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from audit._errors import ColumnError
from audit.engine import audit_inputs
from audit.inputs import AuditSpec, read_csv
from audit.inputs._prepare import BLANK_CELLS, EMPTY_CELLS, SEPARATOR_IN_NAME, SEPARATOR_IN_VALUE
from audit.record import build_record, suppress_small_cells
from audit.record._suppress import hidden_groups

SPEC = AuditSpec(label="label", prediction="pred", sensitive=("group",), favorable="1",
                 bootstrap=0)


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def record_of(dataset: pd.DataFrame, predictions: pd.DataFrame | None = None, *,
              spec: AuditSpec = SPEC, id_column: str | None = None) -> dict:
    run = audit_inputs(
        dataset=read_csv(csv(dataset), name="d.csv"),
        predictions=None if predictions is None else read_csv(csv(predictions), name="p.csv"),
        spec=spec, id_column=id_column)
    return build_record(run)


def groups(record: dict, attribute: str = "group") -> dict[str, dict]:
    return {g["group"]: g for g in record["groups"] if g["attribute"] == attribute}


def people(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"label": rng.integers(0, 2, n), "pred": rng.integers(0, 2, n)})


@pytest.mark.parametrize("ids", [
    [f"{i:03d}" for i in range(60)] + [str(i) for i in range(60)],  # 007 and 7, 000 and 0
    [str(10**19 + i) for i in range(120)],  # 20 digits: one float holds 2,048 of them
])
def test_ids_join_as_written(ids: list[str]) -> None:
    """Each person keeps their own prediction: the dataset's group of the ``007`` rows is
    selected, the ``7`` rows not (or every other 20-digit id), through a shuffled join."""
    n = len(ids)
    dataset = people(n).assign(id=ids, group=np.where(np.arange(n) % 2 == 0, "even", "odd"))
    pred = (np.arange(n) % 2 == 0).astype(int)
    if len(ids[0]) == 3:  # the zero-padded half selected, the plain half not
        pred = (np.arange(n) < n // 2).astype(int)
        dataset["group"] = np.where(np.arange(n) < n // 2, "padded", "plain")
    predictions = pd.DataFrame({"id": ids, "pred": pred}).sample(frac=1, random_state=1)
    record = record_of(dataset.drop(columns="pred"), predictions, id_column="id")
    assert record["summary"]["rows"] == n
    assert record["spec"]["id_column"] == "id"
    for name, g in groups(record).items():
        assert g["n"] == n // 2
        assert g["metrics"]["selection_rate"]["value"] == (
            1.0 if name in ("even", "padded") else 0.0)


def test_sensitive_values_are_groups_as_written() -> None:
    """``007`` and ``7``, ``7.0``, a 20-digit code, ``NA``, ``None``, ``null``: each its own
    group, named in the record as the file writes it."""
    written = ["007", "7", "7.0", "12345678901234567891", "NA", "None", "null", "N/A"]
    n = 40 * len(written)
    dataset = people(n).assign(group=np.array(written)[np.arange(n) % len(written)])
    record = record_of(dataset)
    assert {name: g["n"] for name, g in groups(record).items()} == dict.fromkeys(written, 40)
    assert record["summary"]["rows"] == n
    # "None" is one of the default wordings of an unknown category: reported as unknown,
    # never merged with another group or dropped as missing
    unknown = {name for name, g in groups(record).items() if g["unknown"]}
    assert unknown == {"None"}
    assert record["adverse_impact"][0]["unknown_count"] == 40


def test_only_an_empty_cell_is_missing() -> None:
    dataset = people(6).assign(group=["NA", "null", "", "None", "a", "a"])
    with pytest.raises(ColumnError) as err:
        record_of(dataset)
    assert str(err.value) == EMPTY_CELLS.format(
        column="group", file="d.csv", count=1, cells=BLANK_CELLS, rows="3",
        role="sensitive attribute",
        fix="fill them with an explicit category such as 'Unknown' (it is then counted and "
        "reported as unknown, as the adverse-impact rules require), or remove those rows.")


def two_attributes(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    return people(n).assign(sex=rng.choice(["f", "m"], n), race=rng.choice(["a", "b"], n))


def test_a_value_with_the_intersection_sign_is_refused() -> None:
    """'f' × 'a × b' and 'f × a' × 'b' would both be labelled 'f × a × b'."""
    dataset = two_attributes()
    dataset.loc[dataset.index[:5], "race"] = "a × b"
    spec = AuditSpec(label="label", prediction="pred", sensitive=("sex", "race"),
                     favorable="1", bootstrap=0)
    with pytest.raises(ColumnError) as err:
        record_of(dataset, spec=spec)
    assert str(err.value) == SEPARATOR_IN_VALUE.format(column="race", file="d.csv",
                                                       value="a × b", sep=" × ")


def test_a_column_name_with_the_intersection_sign_is_refused() -> None:
    dataset = two_attributes().rename(columns={"race": "race × origin"})
    spec = AuditSpec(label="label", prediction="pred", sensitive=("sex", "race × origin"),
                     favorable="1", bootstrap=0)
    with pytest.raises(ColumnError) as err:
        record_of(dataset, spec=spec)
    assert str(err.value) == SEPARATOR_IN_NAME.format(column="race × origin", sep=" × ")


def small_cell_record() -> dict:
    """sex × race with one cell of 3 people, all selected: f × b."""
    cells = {("f", "a"): 50, ("f", "b"): 3, ("m", "a"): 60, ("m", "b"): 40}
    rows = []
    for (sex, race), count in cells.items():
        for i in range(count):
            selected = 1 if (sex, race) == ("f", "b") else i % 2
            rows.append({"sex": sex, "race": race, "label": (i // 2) % 2, "pred": selected})
    spec = AuditSpec(label="label", prediction="pred", sensitive=("sex", "race"),
                     favorable="1", bootstrap=0)
    return record_of(pd.DataFrame(rows), spec=spec)


def relabel(record: dict, attribute: str, names: dict[str, str]) -> dict:
    """A copy whose groups of ``attribute`` carry other labels (their identity kept)."""
    out = copy.deepcopy(record)
    for g in out["groups"]:
        if g["attribute"] == attribute:
            g["group"] = names[g["group"]]
    for table in out["adverse_impact"]:
        if table["attribute"] == attribute:
            for row in table["rows"]:
                row["category"] = names[row["category"]]
    return out


def test_the_record_carries_each_intersection_groups_identity() -> None:
    record = small_cell_record()
    cells = groups(record, "sex × race")
    assert {name: (tuple(g["parts"]), g["n"]) for name, g in cells.items()} == {
        "f × a": (("f", "a"), 50), "f × b": (("f", "b"), 3), "m × a": (("m", "a"), 60),
        "m × b": (("m", "b"), 40)}
    assert cells["f × b"]["metrics"]["selection_rate"]["value"] == 1.0


def test_suppression_places_intersection_groups_by_identity_not_label() -> None:
    """With labels that cannot be split, the 3-person cell's row and column still lose a
    second cell, so it cannot be worked out as 53 − 50; without identities they would not."""
    record = small_cell_record()
    names = {"f × a": "cell 1", "f × b": "cell 2", "m × a": "cell 3", "m × b": "cell 4"}
    opaque = relabel(record, "sex × race", names)
    expected = {(a, names.get(g, g) if a == "sex × race" else g): reason
                for (a, g), reason in hidden_groups(record, 10).items()}
    assert expected[("sex × race", "cell 2")] == "small"
    assert hidden_groups(opaque, 10) == expected
    hidden = {g for (a, g) in expected if a == "sex × race"}
    # every row and column of the table hides none or at least two of its cells
    for members in (["cell 1", "cell 2"], ["cell 3", "cell 4"], ["cell 1", "cell 3"],
                    ["cell 2", "cell 4"]):
        assert len(hidden & set(members)) != 1
    suppressed = suppress_small_cells(opaque, k=10)
    shown = {g["group"] for g in suppressed["groups"] if g["attribute"] == "sex × race"}
    assert shown.isdisjoint(hidden)
    # the label alone cannot place the cells: without "parts" only the table's total is
    # known, and the row of women keeps 50 beside the hidden 3 (53 − 50)
    for g in opaque["groups"]:
        g.pop("parts", None)
    by_label = {g for (a, g) in hidden_groups(opaque, 10) if a == "sex × race"}
    assert by_label & {"cell 1", "cell 2"} == {"cell 2"}
