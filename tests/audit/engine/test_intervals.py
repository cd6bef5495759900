"""Intervals, the omnibus test, the three-outcome rule and power (audit/engine/_intervals.py,
audit/engine/_power.py).

Hand-worked numbers use z = 1.959964 (95%), z² = 3.841459. Wilson's bounds are
``(x + z²/2 ± z sqrt(x(n - x)/n + z²/4)) / (n + z²)``; at x = 0 the upper bound is
``z² / (n + z²)`` and at x = n the lower bound is ``n / (n + z²)``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportion_confint,
)

from audit.engine._intervals import (
    ALL_SAME,
    BOUND_ERROR,
    CHI_SQUARE,
    CONFIDENCE_ERROR,
    COUNTS_ERROR,
    FAIL,
    FISHER_FREEMAN_HALTON,
    GROUPS_ERROR,
    INCONCLUSIVE,
    METHOD_ERROR,
    MONTE_CARLO_DRAWS,
    NOT_JUDGED,
    NOT_TESTABLE,
    PASS,
    clopper_pearson,
    homogeneity_test,
    judge_interval,
    judge_point,
    newcombe,
    rate_interval,
    ratio_interval,
    span_interval,
    wilson,
)
from audit.engine._power import (
    minimum_detectable_difference,
    people_needed_difference,
    people_needed_ratio,
    people_needed_span,
)

Z = stats.norm.isf(0.025)
Z2 = Z * Z
C = 0.95


def bounds(interval: tuple[np.ndarray, np.ndarray]) -> list[float]:
    return [float(b) for b in interval]


# --- hand-worked small counts ---------------------------------------------------------------

@pytest.mark.parametrize(("x", "n", "expected"), [
    (0, 3, [0.0, 0.561497]),          # z²/(3 + z²) = 3.841459 / 6.841459
    (3, 3, [0.438503, 1.0]),          # 3/(3 + z²)
    # 1/40: centre (1 + 1.920729)/43.841459 = 0.066620, half 1.959964·sqrt(0.975 + 0.960365)
    # / 43.841459 = 0.062193
    (1, 40, [0.004427, 0.128814]),
    (1, 1, [0.206549, 1.0]),          # a single-row group: 1/(1 + z²) = 1/4.841459
    (0, 1, [0.0, 0.793451]),          # z²/(1 + z²)
])
def test_wilson_small_counts(x: int, n: int, expected: list[float]) -> None:
    assert bounds(wilson(x, n, confidence=C)) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(("x", "n", "expected"), [
    (0, 3, [0.0, 1 - 0.025 ** (1 / 3)]),   # 1 - 0.292402 = 0.707598
    (3, 3, [0.025 ** (1 / 3), 1.0]),
    (1, 1, [0.025, 1.0]),                  # a single row: the beta(1, 1) quantile
    (0, 1, [0.0, 0.975]),
])
def test_clopper_pearson_small_counts(x: int, n: int, expected: list[float]) -> None:
    assert bounds(clopper_pearson(x, n, confidence=C)) == pytest.approx(expected, abs=1e-9)


def test_newcombe_small_counts_against_a_reference_of_1_in_40() -> None:
    # d = 0 - 0.025; low = d - (u2 - p2) = -0.025 - 0.103814; the lower limb has p1 - l1 = 0
    # high = d + sqrt(0.561497² + (0.025 - 0.004427)²) = -0.025 + 0.561874
    assert bounds(newcombe(0, 3, 1, 40, confidence=C)) == pytest.approx([-0.128814, 0.536874],
                                                                        abs=1e-6)
    # a single-row group 1/1: d = 0.975; low = 0.975 - sqrt(0.793451² + 0.103814²)
    # = 0.975 - 0.800213; high = 0.975 + (0.025 - 0.004427)
    assert bounds(newcombe(1, 1, 1, 40, confidence=C)) == pytest.approx([0.174787, 0.995573],
                                                                        abs=1e-6)


def test_katz_by_hand() -> None:
    # 4/10 against 1/40: log 16 = 2.772589, var 1/4 - 1/10 + 1/1 - 1/40 = 1.125,
    # z·sqrt(1.125) = 2.078857: exp(0.693732), exp(4.851446)
    assert bounds(ratio_interval(4, 10, 1, 40, confidence=C, method="katz")) == pytest.approx(
        [2.001172, 127.925039], rel=1e-6)
    # 0/3 against 1/40: a zero cell, so 0.5 on every cell: 0.5/4 over 1.5/41 = 3.416667,
    # var 1/0.5 - 1/4 + 1/1.5 - 1/41 = 2.392276; the estimate is 0, so the low bound is 0
    low, high = bounds(ratio_interval(0, 3, 1, 40, confidence=C, method="katz"))
    assert low == 0.0
    assert high == pytest.approx(math.exp(math.log(3.416667) + Z * math.sqrt(2.392276)),
                                 rel=1e-6)


def test_koopman_at_x_equal_n_by_hand() -> None:
    # 3/3 against 3/3: below 1 the restricted MLE is p2 = 1, p1 = θ, and the statistic
    # (1 - θ)² / (θ(1 - θ)/3) = 3(1 - θ)/θ equals z² at θ = 3/(3 + z²) = 0.438503
    low, high = bounds(ratio_interval(3, 3, 3, 3, confidence=C))
    assert low == pytest.approx(3 / (3 + Z2), abs=1e-9)
    assert high == pytest.approx(2.280486, abs=1e-6)  # statsmodels' Koopman, same counts


def test_equal_rates_contain_no_difference() -> None:
    for x1, n1, x2, n2 in [(10, 50, 20, 100), (1, 40, 1, 40), (3, 3, 3, 3), (0, 5, 0, 9)]:
        low, high = bounds(newcombe(x1, n1, x2, n2, confidence=C))
        assert low < 0 < high or (low == 0 == high - high)  # contains 0
        assert low <= 0 <= high
    for x1, n1, x2, n2 in [(10, 50, 20, 100), (1, 40, 1, 40), (3, 3, 3, 3)]:
        for method in ("koopman", "katz"):
            low, high = bounds(ratio_interval(x1, n1, x2, n2, confidence=C, method=method))
            assert low < 1 < high


def test_undefined_cases() -> None:
    assert np.isnan(bounds(wilson(0, 0, confidence=C))).all()
    assert np.isnan(bounds(clopper_pearson(0, 0, confidence=C))).all()
    assert np.isnan(bounds(newcombe(1, 3, 0, 0, confidence=C))).all()
    for method in ("koopman", "katz"):
        # the comparator's rate is 0: the ratio is 0/0 or infinite, so no interval
        assert np.isnan(bounds(ratio_interval(3, 10, 0, 10, confidence=C, method=method))).all()
        assert np.isnan(bounds(ratio_interval(0, 10, 0, 10, confidence=C, method=method))).all()
        # the group's rate is 0: low is 0 and high is finite
        low, high = bounds(ratio_interval(0, 10, 3, 10, confidence=C, method=method))
        assert low == 0 and 0 < high < math.inf


# --- independent references -----------------------------------------------------------------

GRID = [(x, n) for n in (1, 2, 3, 7, 20, 40, 150) for x in sorted({0, 1, n // 3, n - 1, n})]


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_rates_match_statsmodels(confidence: float) -> None:
    x, n = np.array(GRID).T
    for ours, theirs in ((wilson, "wilson"), (clopper_pearson, "beta")):
        expected = proportion_confint(x, n, alpha=1 - confidence, method=theirs)
        np.testing.assert_allclose(ours(x, n, confidence=confidence), expected, atol=1e-9)
    np.testing.assert_allclose(rate_interval(x, n, confidence=confidence),
                               clopper_pearson(x, n, confidence=confidence))


PAIRS = [(a, b) for a, b in itertools.product(GRID, GRID)]


@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_newcombe_matches_statsmodels(confidence: float) -> None:
    x1, n1, x2, n2 = np.array([(*a, *b) for a, b in PAIRS]).T.astype(float)
    low, high = newcombe(x1, n1, x2, n2, confidence=confidence)
    for i in range(x1.size):
        expected = confint_proportions_2indep(x1[i], n1[i], x2[i], n2[i], compare="diff",
                                              method="newcomb", alpha=1 - confidence)
        assert [low[i], high[i]] == pytest.approx(expected, abs=1e-9)


def test_koopman_matches_statsmodels_inside_the_range() -> None:
    # statsmodels' "score" ratio interval without the Miettinen-Nurminen N/(N-1) factor is
    # Koopman's (Nam's cubic); its root choice fails at x1 = n1 or x2 = n2 (complex or wrong
    # roots), so compare for 0 < x1 < n1 and 0 < x2 < n2; the edges are checked below
    cases = [(a, b) for a, b in PAIRS if 0 < a[0] < a[1] and 0 < b[0] < b[1]]
    x1, n1, x2, n2 = np.array([(*a, *b) for a, b in cases]).T.astype(float)
    low, high = ratio_interval(x1, n1, x2, n2, confidence=C)
    for i in range(x1.size):
        expected = confint_proportions_2indep(x1[i], n1[i], x2[i], n2[i], compare="ratio",
                                              method="score", correction=False)
        assert [low[i], high[i]] == pytest.approx(expected, rel=1e-6)


def _koopman_reference(x1: int, n1: int, x2: int, n2: int) -> list[float]:
    """Koopman's Pearson statistic over the four cells, MLE by numerical maximisation."""

    def statistic(theta: float) -> float:
        def minus_log_likelihood(p: float) -> float:
            return -(x1 * np.log(theta * p) + (n1 - x1) * np.log1p(-theta * p)
                     + x2 * np.log(p) + (n2 - x2) * np.log1p(-p))

        top = min(1.0, 1.0 / theta)
        p2 = optimize.minimize_scalar(minus_log_likelihood, bounds=(1e-12, top * (1 - 1e-12)),
                                      method="bounded", options={"xatol": 1e-14}).x
        p1 = theta * p2
        return ((x1 - n1 * p1) ** 2 / (n1 * p1 * (1 - p1))
                + (x2 - n2 * p2) ** 2 / (n2 * p2 * (1 - p2)) - Z2)

    estimate = (x1 / n1) / (x2 / n2)
    low = 0.0 if x1 == 0 else optimize.brentq(statistic, estimate * 1e-6, estimate * (1 - 1e-9),
                                              xtol=1e-14)
    start = max(estimate, 1e-9) * (1 + 1e-9)
    return [low, optimize.brentq(statistic, start, 1e6, xtol=1e-14)]


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [
    (1, 1, 1, 40), (3, 3, 3, 3), (0, 3, 1, 40), (20, 20, 9, 25), (0, 20, 9, 25), (7, 8, 8, 8),
    (5, 20, 9, 25), (1, 1, 39, 40), (1, 40, 7, 7), (13, 40, 40, 40), (0, 2, 3, 3),
])
def test_koopman_matches_its_definition_at_the_edges(x1: int, n1: int, x2: int,
                                                     n2: int) -> None:
    expected = _koopman_reference(x1, n1, x2, n2)
    assert bounds(ratio_interval(x1, n1, x2, n2, confidence=C)) == pytest.approx(expected,
                                                                                 rel=1e-6)


def test_katz_matches_statsmodels() -> None:
    cases = [(a, b) for a, b in PAIRS if b[0] > 0]
    x1, n1, x2, n2 = np.array([(*a, *b) for a, b in cases]).T.astype(float)
    low, high = ratio_interval(x1, n1, x2, n2, confidence=C, method="katz")
    for i in range(x1.size):
        zero_cell = x1[i] in (0, n1[i]) or x2[i] == n2[i]
        # with a zero cell we add 0.5 to each cell: counts + 0.5, sizes + 1
        a, m, b, k = ((x1[i] + 0.5, n1[i] + 1, x2[i] + 0.5, n2[i] + 1) if zero_cell
                      else (x1[i], n1[i], x2[i], n2[i]))
        expected = confint_proportions_2indep(a, m, b, k, compare="ratio", method="log")
        estimate = (x1[i] / n1[i]) / (x2[i] / n2[i])
        expected = (0.0 if x1[i] == 0 else min(expected[0], estimate), max(expected[1], estimate))
        assert [low[i], high[i]] == pytest.approx(expected, rel=1e-9)


# --- invariants -------------------------------------------------------------------------------

def _every_count(largest: int) -> np.ndarray:
    return np.array([(x, n) for n in range(1, largest + 1) for x in range(n + 1)], dtype=float)


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.999])
def test_rate_invariants_on_a_dense_grid(confidence: float) -> None:
    x, n = _every_count(60).T
    for rule in (wilson, clopper_pearson):
        low, high = rule(x, n, confidence=confidence)
        assert np.all(low < high)
        assert np.all((low <= x / n) & (x / n <= high))
        assert np.all((low >= 0) & (high <= 1))


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.999])
def test_two_group_invariants_on_a_dense_grid(confidence: float) -> None:
    counts = _every_count(9)
    a, b = np.meshgrid(np.arange(len(counts)), np.arange(len(counts)), indexing="ij")
    x1, n1 = counts[a.ravel()].T
    x2, n2 = counts[b.ravel()].T
    low, high = newcombe(x1, n1, x2, n2, confidence=confidence)
    d = x1 / n1 - x2 / n2
    assert np.all(low < high) and np.all((low <= d) & (d <= high))
    assert np.all((low >= -1) & (high <= 1))
    defined = x2 > 0
    for method in ("koopman", "katz"):
        low, high = ratio_interval(x1, n1, x2, n2, confidence=confidence, method=method)
        assert np.isnan(low[~defined]).all() and np.isnan(high[~defined]).all()
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (x1 / n1 / (x2 / n2))[defined]
        low, high = low[defined], high[defined]
        assert np.all(low < high) and np.all((low <= r) & (r <= high))
        assert np.all(low >= 0) and np.all(np.isfinite(high))
        assert np.all(low[r == 0] == 0)


counts = st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=300, deadline=None)
@given(counts, counts, st.sampled_from([0.9, 0.95, 0.99]))
def test_invariants_hold_at_any_count(a: tuple[int, int], b: tuple[int, int],
                                      confidence: float) -> None:
    (x1, n1), (x2, n2) = a, b
    for rule in (wilson, clopper_pearson):
        low, high = bounds(rule(x1, n1, confidence=confidence))
        assert 0 <= low <= x1 / n1 <= high <= 1 and low < high
    d = x1 / n1 - x2 / n2
    low, high = bounds(newcombe(x1, n1, x2, n2, confidence=confidence))
    assert -1 <= low <= d <= high <= 1 and low < high
    if x2 > 0:
        r = (x1 / n1) / (x2 / n2)
        for method in ("koopman", "katz"):
            low, high = bounds(ratio_interval(x1, n1, x2, n2, confidence=confidence,
                                              method=method))
            assert 0 <= low <= r <= high < math.inf and low < high


# --- span (max - min) -------------------------------------------------------------------------

def test_span_is_the_bonferroni_envelope_of_pairwise_newcombe() -> None:
    x = np.array([100, 105, 110, 130])
    n = np.full(4, 150)
    span = span_interval(x, n, confidence=C)
    low, high = newcombe(x[:, None], n[:, None], x[None, :], n[None, :],
                         confidence=1 - 0.05 / 6)  # 6 pairs, all ordered ones at once
    off = ~np.eye(4, dtype=bool)
    assert float(span.low) == pytest.approx(max(0.0, low[off].max()))
    assert float(span.high) == pytest.approx(high[off].max())
    assert float(span.estimate) == pytest.approx(30 / 150)
    assert int(span.comparisons) == 6
    # 130/150 against 100/150: the only pair whose simultaneous interval excludes 0
    assert span.supported_pair() == (0, 3, 0)


def test_span_names_no_pair_when_none_is_supported() -> None:
    span = span_interval([100, 104, 108, 112], [150] * 4, confidence=C)
    assert float(span.low) == 0.0 and span.supported_pair() is None
    assert float(span.low) <= float(span.estimate) <= float(span.high)


def test_span_over_two_rates_and_a_batch() -> None:
    # equalized odds: true positive rates (row 0) and false positive rates (row 1)
    x = np.array([[[80, 82], [10, 40]], [[80, 82], [10, 12]]], dtype=float)
    n = np.array([[[100, 100], [100, 100]]] * 2, dtype=float)
    span = span_interval(x, n, confidence=C)
    assert span.estimate.shape == (2,)
    assert span.estimate == pytest.approx([0.30, 0.02])
    assert span.comparisons.tolist() == [2, 2]
    assert span.rate.tolist() == [1, -1]
    assert span.higher_group.tolist() == [1, -1] and span.lower_group.tolist() == [0, -1]
    # two groups, one rate: the span is |p1 - p2| and Bonferroni over one pair is Newcombe
    single = span_interval([[10, 40]], [[100, 100]], confidence=C)
    low, high = bounds(newcombe(40, 100, 10, 100, confidence=C))
    assert [float(single.low), float(single.high)] == pytest.approx([low, high])


def test_span_leaves_out_empty_groups() -> None:
    span = span_interval([3, 5, 0], [10, 10, 0], confidence=C)
    assert int(span.comparisons) == 1
    assert float(span.estimate) == pytest.approx(0.2)
    nothing = span_interval([3, 0], [10, 0], confidence=C)
    assert np.isnan(float(nothing.low)) and nothing.supported_pair() is None
    with pytest.raises(ValueError, match="at least two groups") as error:
        span_interval([3], [10], confidence=C)
    assert str(error.value) == GROUPS_ERROR.format(shape=(1,))


@settings(max_examples=100, deadline=None)
@given(st.lists(counts, min_size=2, max_size=6))
def test_span_invariants(groups: list[tuple[int, int]]) -> None:
    x, n = np.array(groups).T
    span = span_interval(x, n, confidence=C)
    assert 0 <= float(span.low) <= float(span.estimate) <= float(span.high) <= 1
    assert float(span.low) < float(span.high)
    assert (span.supported_pair() is not None) == (float(span.low) > 0)


# --- omnibus test -----------------------------------------------------------------------------

@pytest.mark.parametrize("table", [
    ([30, 40, 50], [100, 100, 100]), ([12, 20], [40, 45]), ([50, 60, 70, 55], [90, 95, 100, 80]),
])
def test_chi_square_matches_scipy(table: tuple[list[int], list[int]]) -> None:
    x, n = np.array(table)
    expected = stats.chi2_contingency(np.column_stack([x, n - x]), correction=False).pvalue
    assert homogeneity_test(x, n, seed=0) == (pytest.approx(expected, rel=1e-12), CHI_SQUARE)


def _exact_ffh(x: list[int], n: list[int]) -> float:
    """Fisher-Freeman-Halton by enumerating every table with the observed margins."""
    total = sum(x)
    log_probability = {}
    for cells in itertools.product(*(range(size + 1) for size in n)):
        if sum(cells) == total:
            log_probability[cells] = sum(
                math.lgamma(s + 1) - math.lgamma(c + 1) - math.lgamma(s - c + 1)
                for c, s in zip(cells, n, strict=True))
    observed = log_probability[tuple(x)]
    weights = {t: math.exp(v) for t, v in log_probability.items()}
    return sum(w for t, w in weights.items() if log_probability[t] <= observed + 1e-7) / sum(
        weights.values())


@pytest.mark.parametrize(("x", "n"), [([3, 0, 1], [6, 5, 7]), ([0, 4], [6, 6]),
                                      ([1, 2, 0, 3], [4, 5, 3, 5])])
def test_exact_test_by_monte_carlo_matches_enumeration(x: list[int], n: list[int]) -> None:
    p_value, name = homogeneity_test(x, n, seed=7)
    assert name == FISHER_FREEMAN_HALTON.format(draws=MONTE_CARLO_DRAWS)
    exact = _exact_ffh(x, n)
    assert p_value == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 10_000))
    assert homogeneity_test(x, n, seed=7) == (p_value, name)  # reproducible
    if len(x) == 2:
        fisher = stats.fisher_exact([[x[0], n[0] - x[0]], [x[1], n[1] - x[1]]]).pvalue
        assert exact == pytest.approx(fisher, rel=1e-9)


def test_degenerate_tables() -> None:
    assert homogeneity_test([0, 0, 0], [3, 8, 2], seed=0) == (1.0, ALL_SAME)
    assert homogeneity_test([3, 8, 2], [3, 8, 2], seed=0) == (1.0, ALL_SAME)
    p_value, name = homogeneity_test([3, 0], [5, 0], seed=0)
    assert math.isnan(p_value) and name == NOT_TESTABLE


# --- three outcomes ---------------------------------------------------------------------------

@pytest.mark.parametrize(("low", "high", "bound", "expected"), [
    (0.80, 0.95, "min", PASS),          # equal to the threshold passes "at least 0.80"
    (0.81, 0.95, "min", PASS),
    (0.75, 0.80, "min", INCONCLUSIVE),  # the top could be exactly 0.80, which passes
    (0.75, 0.85, "min", INCONCLUSIVE),
    (0.60, 0.79, "min", FAIL),
    (0.02, 0.10, "max", PASS),          # equal to the threshold passes "at most 0.10"
    (0.05, 0.1046, "max", INCONCLUSIVE),
    (0.10, 0.20, "max", INCONCLUSIVE),
    (0.1046, 0.20, "max", FAIL),
    (math.nan, math.nan, "max", NOT_JUDGED),
])
def test_judge_interval(low: float, high: float, bound: str, expected: str) -> None:
    threshold = 0.8 if bound == "min" else 0.1
    assert judge_interval(low, high, threshold=threshold, bound=bound) == expected


def test_judge_point_and_arrays() -> None:
    assert judge_point(0.7 / 0.875, threshold=0.8, bound="min") == PASS  # 0.7999999999999999
    assert judge_point(0.1046, threshold=0.1, bound="max") == FAIL
    assert judge_point(0.3 - 0.2, threshold=0.1, bound="max") == PASS  # 0.09999999999999998
    verdicts = judge_interval([0.9, 0.7, 0.5], [1.0, 0.9, 0.6], threshold=0.8, bound="min")
    assert verdicts.tolist() == [PASS, INCONCLUSIVE, FAIL]


# --- power ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("n1", "n2", "p_ref"), [(30, 60, 0.3), (100, 100, 0.5),
                                                 (1000, 1000, 0.05), (40, 400, 0.7)])
def test_minimum_detectable_difference_has_the_stated_power(n1: int, n2: int,
                                                            p_ref: float) -> None:
    delta = float(minimum_detectable_difference(n1, n2, p_ref, alpha=0.05))
    achieved = power_proportions_2indep(-delta, p_ref, n1, ratio=n2 / n1, alpha=0.05).power
    assert achieved == pytest.approx(0.8, abs=1e-9)
    rough = (Z + stats.norm.ppf(0.8)) * math.sqrt(p_ref * (1 - p_ref) * (1 / n1 + 1 / n2))
    assert delta == pytest.approx(rough, rel=0.25)
    higher = float(minimum_detectable_difference(n1, n2, p_ref, alpha=0.05, direction="higher"))
    assert power_proportions_2indep(higher, p_ref, n1, ratio=n2 / n1).power == pytest.approx(0.8)


def test_minimum_detectable_difference_edges() -> None:
    found = minimum_detectable_difference([5, 0, 30], [5, 10, 30], [0.1, 0.3, 0.0], alpha=0.05)
    assert found[0] == math.inf      # a drop from 10% to 0% in 5 vs 5 is never seen 80% of times
    assert math.isnan(found[1])      # an empty group
    assert found[2] == math.inf      # nothing below a rate of 0
    sizes = minimum_detectable_difference([50, 100, 200, 400], 400, 0.5, alpha=0.05)
    assert np.all(np.diff(sizes) < 0)


def test_people_needed_decides_at_the_answer_and_not_before() -> None:
    answer = people_needed_ratio(24, 100, 30, 100, threshold=0.7, bound="min", confidence=C)
    assert 1 < answer.scale < math.inf
    assert answer.people.tolist() == [math.ceil(100 * answer.scale)] * 2
    assert answer.additional.tolist() == (answer.people - 100).tolist()
    at, before = (ratio_interval(24 * k, 100 * k, 30 * k, 100 * k, confidence=C)
                  for k in (answer.scale, answer.scale * (1 - 1e-6)))
    assert judge_interval(*at, threshold=0.7, bound="min") == PASS
    assert judge_interval(*before, threshold=0.7, bound="min") == INCONCLUSIVE

    answer = people_needed_difference(20, 100, 35, 100, threshold=-0.1, bound="min",
                                      confidence=C)
    low, high = newcombe(20 * answer.scale, 100 * answer.scale, 35 * answer.scale,
                         100 * answer.scale, confidence=C)
    assert judge_interval(low, high, threshold=-0.1, bound="min") == FAIL

    n = np.full(4, 150)
    for x, verdict in (([100, 105, 108, 110], PASS), ([100, 105, 110, 120], FAIL)):
        answer = people_needed_span(x, n, threshold=0.1, confidence=C)  # gaps 0.067, 0.133
        span = span_interval(np.multiply(x, answer.scale), n * answer.scale, confidence=C)
        assert judge_interval(span.low, span.high, threshold=0.1, bound="max") == verdict
        assert answer.people.shape == (4,) and answer.people[0] > 1000


def test_people_needed_is_honest_when_nothing_would_decide() -> None:
    # the estimate sits on the threshold: 24/30 = 0.8 and 0.2 - 0.3 = -0.1
    assert people_needed_ratio(24, 100, 30, 100, threshold=0.8, bound="min",
                               confidence=C).scale == math.inf
    assert people_needed_difference(20, 100, 30, 100, threshold=-0.1, bound="min",
                                    confidence=C).scale == math.inf
    # already decided, and undefined
    assert people_needed_ratio(10, 100, 30, 100, threshold=0.8, bound="min",
                               confidence=C).scale == 1.0
    undefined = people_needed_ratio(3, 10, 0, 10, threshold=0.8, bound="min", confidence=C)
    assert math.isnan(undefined.scale) and np.isnan(undefined.people).all()


# --- checked options and messages -------------------------------------------------------------

def test_messages() -> None:
    with pytest.raises(ValueError) as error:
        wilson(1, 3, confidence=95)
    assert str(error.value) == CONFIDENCE_ERROR.format(value=95)
    with pytest.raises(ValueError) as error:
        clopper_pearson(4, 3, confidence=C)
    assert str(error.value) == COUNTS_ERROR.format(x=4.0, n=3.0)
    with pytest.raises(ValueError) as error:
        ratio_interval(1, 3, 1, 3, confidence=C, method="wald")  # type: ignore[arg-type]
    assert str(error.value) == METHOD_ERROR.format(allowed="'koopman', 'katz'", value="wald")
    with pytest.raises(ValueError) as error:
        judge_interval(0.1, 0.2, threshold=0.1, bound="at most")  # type: ignore[arg-type]
    assert str(error.value) == BOUND_ERROR.format(allowed="'min', 'max'", value="at most")
