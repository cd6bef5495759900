"""`upload_values`: a column's values for the Upload page's choices are the whole file's,
for a file held on disk exactly as `distinct_values` gives them for the file in memory."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from audit.inputs import MAX_CATEGORIES, distinct_values, read_csv
from audit.sources import spill_upload, upload_values


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = 12_500
    code = rng.choice([0.0, 1.0], size=rows)
    code[rng.random(rows) < 0.01] = np.nan  # missing cells are left out
    word = rng.choice(["yes", "no", " maybe "], size=rows).astype(object)
    word[11_000] = "late"  # after the preview's 10,000 rows
    many = rng.integers(0, 400, size=rows)  # more values than MAX_CATEGORIES
    return pd.DataFrame({"code": code, "word": word, "many": many})


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_values_of_a_file_on_disk_are_the_whole_files(kind):
    table = _table()
    buffer = io.BytesIO()
    if kind == "csv":
        table.to_csv(buffer, index=False)
    else:
        table.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    held = spill_upload(data, name=f"t.{kind}")
    assert held.on_disk is not None and len(held.frame) == 10_000
    whole = read_csv(table.to_csv(index=False).encode(), name="t.csv").frame
    for column in table.columns:
        expected = distinct_values(whole, column, limit=MAX_CATEGORIES)
        assert upload_values(held, column, limit=MAX_CATEGORIES) == expected, column
    assert "late" in upload_values(held, "word", limit=MAX_CATEGORIES)
    assert "late" not in distinct_values(held.frame, "word")
    assert len(upload_values(held, "many", limit=MAX_CATEGORIES)) == MAX_CATEGORIES
