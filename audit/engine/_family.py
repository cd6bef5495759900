"""The audit's test families: which p-values are corrected together, and how.

One comparison is one test with one p-value wherever it appears: in the disparity table,
the adverse-impact table, a finding, the JSON and the PDF. A test is keyed by what it
compares (attribute, rate, groups), so the same comparison reached from two tables (a
category against the comparator that is also the reference; a false negative rate, whose
test is its true positive rate's) is counted once and adjusted once.

The families (`TEST_FAMILY`, written into the record's ``summary.test_family``):

- each sensitive attribute is one family, Holm-corrected (family-wise error rate);
- each intersection is its own family, Benjamini-Hochberg-corrected (false discovery
  rate): it holds many small cells, where bounding the chance of any false alarm would
  leave almost no power.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np

from audit.engine._stats import benjamini_hochberg, holm

TEST_FAMILY = (
    "One family per attribute, holding every distinct test of its judged groups: each group "
    "against the reference on every rate of the model's decisions (a rate and its "
    "complement share one test), each category against the comparator of the adverse-impact "
    "tables, and each criterion's omnibus test. Holm's correction within each sensitive "
    "attribute; Benjamini-Hochberg within each intersection. A comparison shown in two "
    "places is one test with one p-value. Outside the families (no adjusted p-value): the "
    "labels' base rate, unknown categories, categories under 2% of the data in impact "
    "ratios, and rates resting on fewer people than the minimum."
)

Key = tuple[Hashable, ...]


def pair_key(attribute: str, rate: str, first: str, second: str) -> Key:
    """The key of a comparison of two groups on one rate, whichever way round."""
    return (attribute, rate, "pair", frozenset((first, second)))


def omnibus_key(attribute: str, rate: str, groups: Iterable[str]) -> Key:
    """The key of the test that ``rate`` is equal across ``groups``."""
    return (attribute, rate, "omnibus", tuple(sorted(groups)))


class TestFamilies:
    """Collects raw p-values by key and attribute, then adjusts each family once."""

    def __init__(self, single_attributes: Iterable[str]) -> None:
        self._single = set(single_attributes)
        self._raw: dict[Key, float] = {}
        self._adjusted: dict[Key, float] | None = None

    def add(self, key: Key, p_value: float) -> None:
        """Enter a test (a key seen before keeps its first p-value: it is the same test)."""
        if self._adjusted is not None:
            raise RuntimeError("the families were already adjusted")
        if np.isfinite(p_value):
            self._raw.setdefault(key, float(p_value))

    def adjusted(self) -> dict[Key, float]:
        """Every key's adjusted p-value: Holm within a sensitive attribute's family,
        Benjamini-Hochberg within an intersection's."""
        if self._adjusted is None:
            out: dict[Key, float] = {}
            families: dict[Hashable, list[Key]] = {}
            for key in self._raw:
                families.setdefault(key[0], []).append(key)
            for attribute, keys in families.items():
                raw = np.array([self._raw[k] for k in keys])
                correct = holm if attribute in self._single else benjamini_hochberg
                out.update(zip(keys, correct(raw).tolist(), strict=True))
            self._adjusted = out
        return self._adjusted

    def get(self, key: Key) -> float:
        """The adjusted p-value of ``key``; ``nan`` when the test is outside the families."""
        return self.adjusted().get(key, float("nan"))
