"""Significance tests for comparing two proportions, and the multiple-comparison correction.

Each comparison (a group's rate against its reference's) is a 2×2 table of successes and
failures. With every expected cell at least 5 we use the pooled two-proportion z-test;
below that, Fisher's exact test. p-values over the whole audit are corrected with Holm's
step-down method, which controls the family-wise error rate without assuming independence;
or, for an intersection's many small cells, with Benjamini and Hochberg's step-up method,
which controls the expected share of false discoveries (`audit.engine._family` says which).
"""

from __future__ import annotations

import numpy as np
from scipy import special

Z_TEST = "two-proportion z-test"
FISHER = "Fisher exact test"
UNDEFINED = "not testable (a group has no rows in this rate's denominator)"
MIN_EXPECTED = 5.0


def two_proportion_test(
    successes_a: np.ndarray, total_a: np.ndarray, successes_b: np.ndarray, total_b: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """p-values (two-sided) and the name of the test used, for each pair of proportions."""
    xa, na, xb, nb = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(
        successes_a, total_a, successes_b, total_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (xa + xb) / (na + nb)
        expected = np.minimum.reduce([na * pooled, na * (1 - pooled),
                                      nb * pooled, nb * (1 - pooled)])
        se = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        z = (xa / na - xb / nb) / se
    testable = (na > 0) & (nb > 0)
    same = testable & ((pooled == 0.0) | (pooled == 1.0))
    exact = testable & ~same & (expected < MIN_EXPECTED)
    normal = testable & ~same & ~exact
    # ndtr is the normal cdf: 2 Φ(-|z|) is the two-sided p-value
    p_values = np.where(normal, 2.0 * special.ndtr(-np.abs(np.where(normal, z, 0.0))), np.nan)
    p_values = np.where(same, 1.0, p_values)  # all successes or all failures: equal rates
    seen: dict[tuple[int, int, int, int], float] = {}  # small tables repeat: test each once
    for i in np.flatnonzero(exact.ravel()):
        table = (int(xa.flat[i]), int(na.flat[i] - xa.flat[i]),
                 int(xb.flat[i]), int(nb.flat[i] - xb.flat[i]))
        if table not in seen:
            seen[table] = fisher_exact(*table)
        p_values.flat[i] = seen[table]
    names = np.select([normal, same | exact], [Z_TEST, FISHER], UNDEFINED).ravel().tolist()
    return p_values, names


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value of the 2×2 table ``[[a, b], [c, d]]``: the total
    probability of the tables with its margins that are no more probable than it (the rule
    and the 1e-7 relative tie tolerance of ``scipy.stats.fisher_exact``, without importing
    scipy.stats, which alone takes seconds)."""
    row, other, column = a + b, c + d, a + c
    low, high = max(0, column - other), min(column, row)
    k = np.arange(low, high + 1, dtype=float)
    log_pmf = (_log_choose(row, k) + _log_choose(other, column - k)
               - _log_choose(row + other, column))
    pmf = np.exp(log_pmf)
    return float(min(1.0, pmf[pmf <= pmf[a - low] * (1 + 1e-7)].sum()))


def _log_choose(n: float, k: np.ndarray | float) -> np.ndarray:
    return special.gammaln(n + 1.0) - special.gammaln(k + 1.0) - special.gammaln(n - k + 1.0)


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


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); nan entries stay nan, not counted.

    ``q_(i) = min over j >= i of (m / j) p_(j)``, capped at 1, for the sorted p-values.
    """
    adjusted = np.full(p_values.shape, np.nan)
    defined = np.flatnonzero(np.isfinite(p_values))
    m = defined.size
    if m:
        order = np.argsort(p_values[defined], kind="stable")
        stepped = m / np.arange(1, m + 1) * p_values[defined][order]
        corrected = np.minimum(np.minimum.accumulate(stepped[::-1])[::-1], 1.0)
        adjusted[defined[order]] = corrected
    return adjusted
