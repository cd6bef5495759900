"""Significance tests, Holm correction and bootstrap intervals against reference code."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from audit.engine._counts import bootstrap_cells, interval
from audit.engine._stats import FISHER, UNDEFINED, Z_TEST, holm, two_proportion_test


def test_z_test_equals_statsmodels():
    xa, na, xb, nb = np.array([40, 300]), np.array([100, 1000]), np.array([55, 280]), np.array(
        [110, 900])
    p, names = two_proportion_test(xa, na, xb, nb)
    for i in range(2):
        _, expected = proportions_ztest([xa[i], xb[i]], [na[i], nb[i]])
        assert p[i] == pytest.approx(expected, rel=1e-12)
    assert names == [Z_TEST, Z_TEST]


def test_small_counts_use_fisher_exact():
    p, names = two_proportion_test(np.array([1]), np.array([6]), np.array([9]), np.array([12]))
    assert names == [FISHER]
    assert p[0] == pytest.approx(stats.fisher_exact([[1, 5], [9, 3]]).pvalue, rel=1e-12)


def test_empty_denominator_is_not_testable():
    p, names = two_proportion_test(np.array([0]), np.array([0]), np.array([3]), np.array([9]))
    assert np.isnan(p[0]) and names == [UNDEFINED]


def test_holm_equals_statsmodels_and_skips_undefined():
    rng = np.random.default_rng(5)
    p = rng.random(40) ** 3
    p[[3, 17]] = np.nan
    ours = holm(p)
    defined = np.isfinite(p)
    expected = multipletests(p[defined], method="holm")[1]
    np.testing.assert_allclose(ours[defined], expected, rtol=1e-12)
    assert np.isnan(ours[[3, 17]]).all()


def test_interval_equals_nanquantile():
    rng = np.random.default_rng(2)
    reps = rng.normal(size=(500, 7, 3))
    reps[rng.random(reps.shape) < 0.1] = np.nan
    reps[:, 2, 1] = np.nan  # a value undefined in every replicate
    low, high = interval(reps, confidence=0.9)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="All-NaN"):
        expected_low, expected_high = np.nanquantile(reps, [0.05, 0.95], axis=0)
    np.testing.assert_allclose(low, expected_low, equal_nan=True)
    np.testing.assert_allclose(high, expected_high, equal_nan=True)


def test_multinomial_bootstrap_matches_row_resampling():
    """Drawing cell counts from a multinomial is the row bootstrap for count statistics."""
    rng = np.random.default_rng(11)
    cells = np.array([[120, 30, 200, 50], [40, 10, 60, 25]])
    rows = np.repeat(np.arange(8), cells.ravel())
    draws = bootstrap_cells(cells, samples=4000, seed=1)
    ours = draws[:, 0, :2].sum(axis=1) / draws[:, 0].sum(axis=1)  # group 0 selection rate
    resampled = rng.choice(rows, size=(4000, rows.size))
    group0 = resampled < 4
    selected0 = (resampled == 0) | (resampled == 1)
    theirs = selected0.sum(axis=1) / group0.sum(axis=1)
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.003)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.08)
    assert draws.sum(axis=(1, 2)).tolist() == [cells.sum()] * 4000


def test_bootstrap_is_reproducible_by_seed():
    cells = np.array([[5, 6, 7, 8], [1, 2, 3, 4]])
    a = bootstrap_cells(cells, samples=50, seed=3)
    assert np.array_equal(a, bootstrap_cells(cells, samples=50, seed=3))
    assert not np.array_equal(a, bootstrap_cells(cells, samples=50, seed=4))
