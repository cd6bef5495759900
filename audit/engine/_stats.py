"""Significance tests for comparing two proportions, and the multiple-comparison correction.

Each comparison (a group's rate against its reference's) is a 2×2 table of successes and
failures. With every expected cell at least 5 we use the pooled two-proportion z-test;
below that, Fisher's exact test. p-values over the whole audit are corrected with Holm's
step-down method, which controls the family-wise error rate without assuming independence.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

Z_TEST = "two-proportion z-test"
FISHER = "Fisher exact test"
UNDEFINED = "not testable (a group has no rows in this rate's denominator)"
MIN_EXPECTED = 5.0


def two_proportion_test(
    successes_a: np.ndarray, total_a: np.ndarray, successes_b: np.ndarray, total_b: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """p-values (two-sided) and the name of the test used, for each pair of proportions."""
    xa, na, xb, nb = (np.asarray(v, dtype=float) for v in (successes_a, total_a,
                                                           successes_b, total_b))
    p_values = np.full(xa.shape, np.nan)
    names = np.full(xa.shape, UNDEFINED, dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (xa + xb) / (na + nb)
        expected = np.minimum.reduce([na * pooled, na * (1 - pooled),
                                      nb * pooled, nb * (1 - pooled)])
        se = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        z = (xa / na - xb / nb) / se
    testable = (na != 0) & (nb != 0)
    # both groups all successes or all failures: the proportions are equal
    equal = testable & ((pooled == 0.0) | (pooled == 1.0))
    exact = testable & ~equal & (expected < MIN_EXPECTED)
    normal = testable & ~equal & ~exact
    p_values[equal] = 1.0
    p_values[normal] = 2.0 * stats.norm.sf(np.abs(z[normal]))
    names[equal | exact] = FISHER
    names[normal] = Z_TEST
    seen: dict[tuple[int, int, int, int], float] = {}  # small tables repeat: test each once
    for i in np.flatnonzero(exact):
        table = (int(xa.flat[i]), int(na.flat[i] - xa.flat[i]),
                 int(xb.flat[i]), int(nb.flat[i] - xb.flat[i]))
        if table not in seen:
            seen[table] = float(stats.fisher_exact(
                np.array(table, dtype=np.int64).reshape(2, 2)).pvalue)
        p_values.flat[i] = seen[table]
    return p_values, [str(name) for name in names.flat]


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values; undefined (nan) entries stay nan and are not counted."""
    adjusted = np.full(p_values.shape, np.nan)
    defined = np.flatnonzero(np.isfinite(p_values))
    m = defined.size
    if m:
        order = np.argsort(p_values[defined], kind="stable")
        stepped = (m - np.arange(m)) * p_values[defined][order]
        corrected = np.minimum(np.maximum.accumulate(stepped), 1.0)
        adjusted[defined[order]] = corrected
    return adjusted
