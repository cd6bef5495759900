"""What validation needs to know about the role columns, whichever engine read them.

``audit.inputs.prepare`` checks a table it holds in memory. A source that never holds
the rows gives the same checks (`audit.sources._checks`) a `Profile` instead: per role
column the count of missing cells and the first rows holding one, the distinct values as
text with their counts, the smallest and largest number, and for the score the first
value that is not a number. Each source fills it with a few aggregate queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from audit.sources._values import DistinctValues, Kind

# the first rows holding a missing cell that a message names
ROWS_NAMED = 5


@dataclass(frozen=True)
class ColumnProfile:
    """One role column: missing cells, distinct texts, numeric range.

    ``texts`` are the distinct values as text, sorted as ``prepare`` sorts them, with
    ``counts``; when the column holds more than a source's cap of distinct values,
    ``texts`` holds the first ones only (``counts`` is then empty) and ``distinct`` says
    how many there are.
    """

    name: str
    file: str
    kind: Kind
    missing: int
    missing_rows: tuple[int, ...]
    texts: tuple[str, ...]
    counts: tuple[int, ...]
    distinct: int
    low: float = float("nan")
    high: float = float("nan")
    not_numeric: str | None = None
    infinite: int = 0
    infinite_rows: tuple[int, ...] = ()

    @property
    def complete(self) -> bool:
        """True when ``texts`` lists every distinct value."""
        return len(self.texts) == self.distinct

    @property
    def in_unit(self) -> bool:
        """Every value a number within [0, 1]."""
        return bool(self.low >= 0 and self.high <= 1)

    @property
    def binary(self) -> bool:
        """Every value 0 or 1 (as numbers)."""
        return self.complete and set(self.texts) <= {"0", "1"} and self.kind in ("integer",
                                                                                "float")


@dataclass(frozen=True)
class Profile:
    """The table as validation sees it: its columns, the file of each, the role columns."""

    columns: tuple[str, ...]
    files: Mapping[str, str]
    label: ColumnProfile
    prediction: ColumnProfile
    sensitive: tuple[ColumnProfile, ...]
    score: ColumnProfile | None = None


def column_profile(name: str, file: str, values: DistinctValues, counts: np.ndarray, *,
                   missing_rows: tuple[int, ...] = (), distinct: int | None = None,
                   not_numeric: str | None = None) -> ColumnProfile:
    """Summarise one column's distinct values (``values``) and their row counts.

    Several raw values may read as the same text (``1`` and ``1.0``); their counts add.
    ``distinct`` overrides the count of distinct texts when ``values`` is a part of them.
    """
    counts = np.asarray(counts, dtype=np.int64)
    present = np.array([t is not None for t in values.texts], dtype=bool)
    missing = int(counts[~present].sum())
    by_text: dict[str, int] = {}
    for text, n in zip(values.texts, counts.tolist(), strict=True):
        if text is not None:
            by_text[text] = by_text.get(text, 0) + int(n)
    texts = tuple(sorted(by_text))
    numbers = values.numbers[present]
    numbers = numbers[~np.isnan(numbers)]
    low, high = (float(numbers.min()), float(numbers.max())) if numbers.size else (np.nan, np.nan)
    total = len(texts) if distinct is None else distinct
    return ColumnProfile(
        name=name, file=file, kind=values.kind, missing=missing,
        missing_rows=tuple(missing_rows)[:ROWS_NAMED] if missing else (),
        texts=texts, counts=tuple(by_text[t] for t in texts) if distinct is None else (),
        distinct=total, low=low, high=high, not_numeric=not_numeric,
    )
