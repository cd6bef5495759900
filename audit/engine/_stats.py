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
    names = [UNDEFINED] * xa.size
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (xa + xb) / (na + nb)
        expected = np.minimum.reduce([na * pooled, na * (1 - pooled),
                                      nb * pooled, nb * (1 - pooled)])
        se = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        z = (xa / na - xb / nb) / se
    for i in range(xa.size):
        if na.flat[i] == 0 or nb.flat[i] == 0:
            continue
        if pooled.flat[i] in (0.0, 1.0):
            # both groups all successes or all failures: the proportions are equal
            p_values.flat[i] = 1.0
            names[i] = FISHER
        elif expected.flat[i] < MIN_EXPECTED:
            table = [[xa.flat[i], na.flat[i] - xa.flat[i]], [xb.flat[i], nb.flat[i] - xb.flat[i]]]
            p_values.flat[i] = stats.fisher_exact(np.array(table, dtype=np.int64)).pvalue
            names[i] = FISHER
        else:
            p_values.flat[i] = 2.0 * stats.norm.sf(abs(z.flat[i]))
            names[i] = Z_TEST
    return p_values, names


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
