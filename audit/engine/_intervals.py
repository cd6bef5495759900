"""Confidence intervals valid at any count, the omnibus test, and the three-outcome rule.

Words used here:

- a **rate** is ``x / n``: ``x`` people with the outcome among the ``n`` people in the rate's
  denominator (everyone for a selection rate, label positives for a true positive rate);
- an **interval** at ``confidence`` (e.g. 0.95) is a range computed from the counts by a
  procedure that contains the true value in at least that share of repeated audits; its
  method's name (the constants below) goes into the record next to it;
- **undefined** is ``nan``: a rate with ``n == 0``, a ratio whose denominator rate is 0.

Every function takes arrays of counts and broadcasts them (scalars give 0-d arrays). For
``n > 0`` every interval has positive width, contains its own point estimate, and stays in
``[0, 1]`` for a rate and ``[-1, 1]`` for a difference. Counts may be non-integer (the power
helpers scale them); they must satisfy ``0 <= x <= n``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from scipy import special  # scipy.stats (2 s to import) only where it is needed

WILSON = "Wilson score"
CLOPPER_PEARSON = "Clopper-Pearson exact"
NEWCOMBE = "Newcombe hybrid score"
KOOPMAN = "Koopman asymptotic score"
KATZ = "Katz log"
SPAN_BONFERRONI = "Bonferroni-simultaneous Newcombe (max - min over group pairs)"
IMPACT_BONFERRONI = ("Bonferroni-simultaneous Koopman (each group's rate over the highest true "
                     "rate, over group pairs)")
CHI_SQUARE = "Pearson chi-square test of homogeneity"
FISHER_FREEMAN_HALTON = "Fisher-Freeman-Halton exact test (Monte Carlo, {draws:,} tables)"
ALL_SAME = "no test needed: every person has the same outcome, so the rates are equal"
NOT_TESTABLE = "not testable: fewer than two groups have people in this rate's denominator"

PASS = "pass"
FAIL = "fail"
INCONCLUSIVE = "inconclusive"
NOT_JUDGED = "not_judged"

#: A value within this distance of its threshold counts as equal to it (and so passes):
#: float noise such as 0.7 / 0.875 must not decide a verdict. Same as the engine's.
TOLERANCE = 1e-12
#: Below this expected count in any cell, the chi-square approximation is not trusted.
MIN_EXPECTED = 5.0
MONTE_CARLO_DRAWS = 10_000
#: Two tables are as extreme when their log-probabilities differ by less than this (as R).
_LOG_PROBABILITY_TIE = 1e-7
_KOOPMAN_STEPS = 40  # halvings of an 80-wide bracket in log θ: 7e-11 wide at the end
_LOG_THETA_RANGE = 40.0  # Koopman's roots are searched for in exp(±40)

RateMethod = Literal["clopper-pearson", "wilson"]
RatioMethod = Literal["koopman", "katz"]
Bound = Literal["min", "max"]
FloatArray = npt.NDArray[np.float64]

CONFIDENCE_ERROR = "confidence must be a number strictly between 0 and 1, got {value!r}."
COUNTS_ERROR = ("Counts must be finite with 0 <= x <= n; got x={x!r} and n={n!r}. Pass the "
                "number of people with the outcome and the number in the rate's denominator.")
METHOD_ERROR = "method must be one of {allowed}, got {value!r}."
BOUND_ERROR = ("bound must be one of {allowed}, got {value!r}: 'min' when a value passes at "
               "or above the threshold, 'max' when it passes at or below it.")
GROUPS_ERROR = "A span needs at least two groups on the last axis, got shape {shape}."
INTEGER_ERROR = "The homogeneity test needs whole counts, got x={x!r} and n={n!r}."
DRAWS_ERROR = "draws must be a positive whole number, got {value!r}."


def _z(confidence: float) -> float:
    """The two-sided normal quantile for ``confidence``, after checking it."""
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not (
            0.0 < confidence < 1.0):
        raise ValueError(CONFIDENCE_ERROR.format(value=confidence))
    return float(-special.ndtri((1.0 - confidence) / 2.0))  # = stats.norm.isf, faster


def _counts(*pairs: npt.ArrayLike) -> list[FloatArray]:
    """Broadcast (x, n, x, n, ...) to float arrays and check ``0 <= x <= n``."""
    arrays = [np.asarray(a, dtype=float) for a in np.broadcast_arrays(*pairs)]
    for x, n in zip(arrays[::2], arrays[1::2], strict=True):
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(n)) and np.all(x >= 0)
                and np.all(x <= n)):
            raise ValueError(COUNTS_ERROR.format(x=x.tolist(), n=n.tolist()))
    return arrays


def _check_option(value: str, allowed: tuple[str, ...], message: str) -> None:
    if value not in allowed:
        raise ValueError(message.format(allowed=", ".join(map(repr, allowed)), value=value))


#: The record's name for each method option.
RATE_METHODS: dict[str, str] = {"clopper-pearson": CLOPPER_PEARSON, "wilson": WILSON}
RATIO_METHODS: dict[str, str] = {"koopman": KOOPMAN, "katz": KATZ}


def _wilson(x: FloatArray, n: FloatArray, z: float | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Wilson score bounds; ``z`` may be an array (per-comparison levels)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = np.square(z)
        centre = (x + z2 / 2.0) / (n + z2)
        half = z * np.sqrt(x * (n - x) / n + z2 / 4.0) / (n + z2)
        p = x / n
        # The score interval always holds p; min/max only removes float noise at 0 and 1.
        low = np.where(x == 0, 0.0, np.clip(np.minimum(centre - half, p), 0.0, 1.0))
        high = np.where(x == n, 1.0, np.clip(np.maximum(centre + half, p), 0.0, 1.0))
    undefined = n == 0
    return np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)


def wilson(x: npt.ArrayLike, n: npt.ArrayLike, *,
           confidence: float) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a rate ``x / n``.

    Parameters
    ----------
    x, n : array-like of counts, broadcastable
        People with the outcome, and people in the rate's denominator.
    confidence : float
        Nominal coverage, e.g. 0.95.

    Returns
    -------
    low, high : ndarray of the broadcast shape
        ``nan`` where ``n == 0``. ``low == 0`` when ``x == 0`` and ``high == 1`` when
        ``x == n``; the other bound is then ``z² / (n + z²)`` from the end.

    Examples
    --------
    >>> [round(float(b), 4) for b in wilson(0, 3, confidence=0.95)]
    [0.0, 0.5615]
    """
    z = _z(confidence)
    x_, n_ = _counts(x, n)
    return _wilson(x_, n_, z)


def clopper_pearson(x: npt.ArrayLike, n: npt.ArrayLike, *,
                    confidence: float) -> tuple[FloatArray, FloatArray]:
    """Clopper-Pearson exact interval for a rate ``x / n`` (beta quantiles).

    Coverage is at least ``confidence`` for every true rate and every ``n``: the price is
    width. Same arguments and returns as :func:`wilson`.

    Examples
    --------
    >>> [round(float(b), 4) for b in clopper_pearson(0, 3, confidence=0.95)]
    [0.0, 0.7076]
    """
    _z(confidence)
    alpha = 1.0 - confidence
    x_, n_ = _counts(x, n)
    # betaincinv needs positive shapes: the placeholder 1 is replaced at x == 0 and x == n.
    low = special.betaincinv(np.where(x_ > 0, x_, 1.0), n_ - x_ + 1.0, alpha / 2.0)
    high = special.betaincinv(x_ + 1.0, np.where(x_ < n_, n_ - x_, 1.0), 1.0 - alpha / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x_ / n_
    low = np.where(x_ == 0, 0.0, np.minimum(low, p))
    high = np.where(x_ == n_, 1.0, np.maximum(high, p))
    undefined = n_ == 0
    return np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)


def rate_interval(x: npt.ArrayLike, n: npt.ArrayLike, *, confidence: float,
                  method: RateMethod = "clopper-pearson") -> tuple[FloatArray, FloatArray]:
    """Interval for a rate by the chosen method; its record name is ``RATE_METHODS[method]``.

    Clopper-Pearson is the default because it holds its coverage at every count: Wilson's
    coverage oscillates around the nominal level and dips to 0.930 at n = 30, p = 0.3
    (exact, by enumeration; ``benchmarks/bench_stats.py``), while being narrower.
    """
    _check_option(method, get_args(RateMethod), METHOD_ERROR)
    rule = clopper_pearson if method == "clopper-pearson" else wilson
    return rule(x, n, confidence=confidence)


def _newcombe(x1: FloatArray, n1: FloatArray, x2: FloatArray, n2: FloatArray,
              z: float | FloatArray) -> tuple[FloatArray, FloatArray]:
    low1, high1 = _wilson(x1, n1, z)
    low2, high2 = _wilson(x2, n2, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    difference = p1 - p2
    low = difference - np.sqrt(np.square(p1 - low1) + np.square(high2 - p2))
    high = difference + np.sqrt(np.square(high1 - p1) + np.square(p2 - low2))
    return np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)


def newcombe(x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike, *,
             confidence: float) -> tuple[FloatArray, FloatArray]:
    """Newcombe's hybrid score interval (his method 10) for the difference ``p1 - p2``.

    Built from each rate's Wilson interval ``(l_i, u_i)``:
    ``low = d - sqrt((p1 - l1)² + (u2 - p2)²)``, ``high = d + sqrt((u1 - p1)² + (p2 - l2)²)``
    with ``d = p1 - p2``. It stays inside ``[l1 - u2, u1 - l2] ⊂ [-1, 1]``.

    Returns
    -------
    low, high : ndarray of the broadcast shape; ``nan`` where ``n1 == 0`` or ``n2 == 0``.
    """
    z = _z(confidence)
    x1_, n1_, x2_, n2_ = _counts(x1, n1, x2, n2)
    return _newcombe(x1_, n1_, x2_, n2_, z)


def _koopman_score(log_theta: FloatArray, x1: FloatArray, n1: FloatArray, x2: FloatArray,
                   n2: FloatArray) -> FloatArray:
    """Signed score statistic ``(p1 - θ p2) / sd(θ)`` with the restricted MLE under p1 = θ p2.

    The restricted MLE of ``p2`` is the smaller root of ``θN p² - (θ n1 + x1 + n2 + θ x2) p
    + (x1 + x2) = 0`` (Miettinen and Nurminen 1985), written in the cancellation-free form
    ``2c / (-b + sqrt(b² - 4ac))``. Without their ``N / (N - 1)`` factor this is Koopman's
    (1984) statistic, as Nam (1995) shows.
    """
    theta = np.exp(log_theta)
    a = theta * (n1 + n2)
    b = -(theta * (n1 + x2) + x1 + n2)
    c = x1 + x2
    with np.errstate(divide="ignore", invalid="ignore"):
        # np.minimum/np.maximum: the same as np.clip, without its per-call overhead
        p2_null = np.minimum(np.maximum(
            2.0 * c / (np.sqrt(np.maximum(b * b - 4.0 * a * c, 0.0)) - b), 0.0), 1.0)
        p1_null = np.minimum(theta * p2_null, 1.0)
        variance = (p1_null * (1.0 - p1_null) / n1
                    + theta * theta * p2_null * (1.0 - p2_null) / n2)
        numerator = x1 / n1 - theta * x2 / n2
        score = numerator / np.sqrt(variance)
    # a zero variance only happens with a non-zero numerator at the edges: infinitely far.
    return np.where(variance > 0, score, np.sign(numerator) * np.inf)


def _koopman(x1: FloatArray, n1: FloatArray, x2: FloatArray, n2: FloatArray,
             z: float | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Invert the score test by bisection in log θ, for all elements and both bounds at once.

    The score falls as θ grows: from +inf (θ -> 0) through 0 at the estimate towards -inf.
    The lower bound is where it crosses +z, searched below the estimate; the upper bound
    where it crosses -z, searched above it. Both searches run in one loop (the bounds
    stacked on a new first axis), :data:`_KOOPMAN_STEPS` halvings of a bracket of width
    at most 2 × :data:`_LOG_THETA_RANGE`.
    """
    defined = (n1 > 0) & (n2 > 0) & (x2 > 0)
    # Stand-in counts where undefined keep the arithmetic quiet; those results become nan.
    x1, n1, x2, n2 = (np.where(defined, v, 1.0) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore"):
        log_estimate = np.log(x1 / n1) - np.log(x2 / n2)
    start = np.maximum(log_estimate, -_LOG_THETA_RANGE)
    edge = np.full(start.shape, _LOG_THETA_RANGE)
    below = np.stack([-edge, start])  # [lower bound's bracket, upper bound's bracket]
    above = np.stack([start, edge])
    z = np.asarray(z, dtype=float)  # one level for all, or one per element (broadcast)
    crossing = np.stack(np.broadcast_arrays(z, -z)).reshape(2, *z.shape, *(
        [1] * (start.ndim - z.ndim)))
    stacked = [np.broadcast_to(v, below.shape) for v in (x1, n1, x2, n2)]
    for _ in range(_KOOPMAN_STEPS):
        middle = (below + above) / 2.0
        root_above = _koopman_score(middle, *stacked) > crossing
        below, above = np.where(root_above, middle, below), np.where(root_above, above, middle)
    low = np.where(x1 == 0, 0.0, np.minimum(np.exp(above[0]), np.exp(log_estimate)))
    high = np.maximum(np.exp(below[1]), np.exp(log_estimate))
    # the score never falls to -z within the range: no finite upper bound
    unbounded = ~(_koopman_score(edge, x1, n1, x2, n2) < -z)
    high = np.where(unbounded, np.inf, high)
    return np.where(defined, low, np.nan), np.where(defined, high, np.nan)


def _katz(x1: FloatArray, n1: FloatArray, x2: FloatArray, n2: FloatArray,
          z: float) -> tuple[FloatArray, FloatArray]:
    """Katz log interval; 0.5 added to each of the four cells when any cell is zero."""
    defined = (n1 > 0) & (n2 > 0) & (x2 > 0)
    x1, n1, x2, n2 = (np.where(defined, v, 1.0) for v in (x1, n1, x2, n2))
    corrected = (x1 == 0) | (x1 == n1) | (x2 == n2)
    half = np.where(corrected, 0.5, 0.0)
    a, m, b, k = x1 + half, n1 + 2 * half, x2 + half, n2 + 2 * half
    with np.errstate(divide="ignore"):
        estimate = (x1 / n1) / (x2 / n2)
        centre = np.log(a / m) - np.log(b / k)
    spread = z * np.sqrt(1.0 / a - 1.0 / m + 1.0 / b - 1.0 / k)
    # The corrected centre is not the estimate: widen to hold it, and 0 is the bound at x1 == 0.
    low = np.where(x1 == 0, 0.0, np.minimum(np.exp(centre - spread), estimate))
    high = np.maximum(np.exp(centre + spread), estimate)
    return np.where(defined, low, np.nan), np.where(defined, high, np.nan)


def ratio_interval(x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike,
                   *, confidence: float,
                   method: RatioMethod = "koopman") -> tuple[FloatArray, FloatArray]:
    """Interval for the ratio of rates ``p1 / p2`` (e.g. an impact ratio: group / comparator).

    Parameters
    ----------
    x1, n1, x2, n2 : array-like of counts, broadcastable
        Numerator group's and denominator (comparator) group's counts.
    confidence : float
    method : {"koopman", "katz"}
        ``"koopman"`` (default, :data:`KOOPMAN`): the set of ratios θ that Koopman's score
        test does not reject, found by bisection. ``"katz"`` (:data:`KATZ`):
        ``exp(log(p1/p2) ± z sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2))``, with 0.5 added to every
        cell of the 2×2 table when one is zero, then widened if needed to hold the estimate.

    Returns
    -------
    low, high : ndarray of the broadcast shape
        Undefined (``nan``, both bounds) when ``x2 == 0``: the comparator's rate is 0, so
        the ratio is 0/0 or infinite and no verdict rests on it; also when a group is empty.
        When ``x1 == 0`` the estimate is 0: ``low == 0`` and ``high`` is finite.
    """
    _check_option(method, get_args(RatioMethod), METHOD_ERROR)
    z = _z(confidence)
    x1_, n1_, x2_, n2_ = _counts(x1, n1, x2, n2)
    interval = _koopman if method == "koopman" else _katz
    return interval(x1_, n1_, x2_, n2_, z)


def impact_interval(xs: npt.ArrayLike, ns: npt.ArrayLike, *,
                    confidence: float) -> tuple[FloatArray, FloatArray]:
    """Simultaneous intervals for every group's impact ratio ``p_g / max_h p_h``.

    The four-fifths rule compares each group with the highest-rate group; which group that
    is, is read off the same data, so a group's ratio to the *observed* highest is biased
    down (the highest of several noisy rates is too high), and its ordinary interval too
    often lies wholly below 0.80 when the true ratio is 0.80. These intervals hold for the
    ratio to the *true* highest rate, whichever group has it.

    Parameters
    ----------
    xs, ns : array-like of shape (..., G)
        Counts of ``G`` groups (optionally a batch on the leading axes); every ``n > 0``.
    confidence : float
        Joint coverage of the ``G`` intervals.

    Returns
    -------
    low, high : ndarray of shape (..., G)

    Notes
    -----
    With Koopman intervals ``[L_gh, U_gh]`` for every ratio ``p_g / p_h``, each at level
    ``1 - (1 - confidence) / m`` for the ``m = G (G - 1) / 2`` pairs (Koopman's interval for
    ``p_h / p_g`` is the reciprocal one, so a pair is computed once), all hold together with
    probability at least ``confidence``. Then ``p_g / max_h p_h = min_h p_g / p_h`` lies in
    ``[min(1, min_h L_gh), min(1, min_h U_gh)]`` (``h = g`` gives 1). Where ``x_h = 0`` the
    ratio is unbounded above and Koopman's interval undefined: ``L_gh`` is then
    ``l_g / u_h`` from the two Clopper-Pearson intervals, the ``G`` of them then counted as
    comparisons too. The interval contains the ratio to the observed highest rate.
    """
    _z(confidence)
    x_, n_ = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(xs, ns))
    x_, n_ = _counts(x_, n_)
    groups = x_.shape[-1]
    if groups < 2:
        raise ValueError(GROUPS_ERROR.format(shape=np.shape(xs)))
    first, second = np.triu_indices(groups, 1)
    # the pairs, and the groups' Clopper-Pearson bounds when some x_h = 0 needs them
    m = first.size + np.where((x_ == 0).any(axis=-1, keepdims=True), groups, 0)
    alpha = (1.0 - confidence) / m
    z = -special.ndtri(alpha / 2.0)
    a_low, a_high = _koopman(x_[..., first], n_[..., first], x_[..., second], n_[..., second], z)
    cp_low = np.where(x_ > 0, special.betaincinv(np.maximum(x_, 1.0), n_ - x_ + 1.0,
                                                 alpha / 2.0), 0.0)
    cp_high = np.where(x_ < n_, special.betaincinv(x_ + 1.0, np.maximum(n_ - x_, 1.0),
                                                   1.0 - alpha / 2.0), 1.0)
    shape = (*x_.shape[:-1], groups, groups)
    lower, upper = np.full(shape, np.inf), np.full(shape, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        # p_first / p_second in [a_low, a_high]; p_second / p_first in [1/a_high, 1/a_low]
        lower[..., first, second], upper[..., first, second] = a_low, a_high
        lower[..., second, first], upper[..., second, first] = 1.0 / a_high, 1.0 / a_low
        fallback = cp_low[..., :, None] / cp_high[..., None, :]
    undefined = np.isnan(lower)
    lower = np.where(undefined, fallback, lower)
    upper = np.where(undefined, np.inf, upper)
    low = np.minimum(1.0, lower.min(axis=-1))
    high = np.minimum(1.0, upper.min(axis=-1))
    return low, high


@dataclass(frozen=True)
class SpanInterval:
    """Interval for the span ``S = max over rates of (max_g p_g - min_g p_g)``.

    All fields are arrays of the batch shape (``()`` for one audit). ``rate``,
    ``higher_group`` and ``lower_group`` index the supported pair with the largest lower
    bound, or are -1 when no pair's simultaneous interval excludes 0 (name no pair then).
    """

    estimate: FloatArray
    low: FloatArray
    high: FloatArray
    rate: npt.NDArray[np.int64]
    higher_group: npt.NDArray[np.int64]
    lower_group: npt.NDArray[np.int64]
    comparisons: npt.NDArray[np.int64]
    confidence: float
    method: str = SPAN_BONFERRONI

    def supported_pair(self) -> tuple[int, int, int] | None:
        """``(rate, higher_group, lower_group)`` for one audit, or None when none is supported."""
        if self.rate.shape:
            raise ValueError("supported_pair() is for one audit; index the arrays of a batch.")
        return None if self.rate < 0 else (int(self.rate), int(self.higher_group),
                                           int(self.lower_group))


def span_interval(xs: npt.ArrayLike, ns: npt.ArrayLike, *, confidence: float) -> SpanInterval:
    """Interval for a max - min criterion from simultaneous pairwise Newcombe intervals.

    Parameters
    ----------
    xs, ns : array-like of shape (G,), (R, G) or (..., R, G)
        Counts for ``G`` groups on ``R`` rates (equalized odds: R = 2, true and false positive
        rates), optionally for a batch of audits on the leading axes. Groups with ``n == 0``
        on a rate are left out of that rate.
    confidence : float
        Joint coverage wanted, e.g. 0.95.

    Returns
    -------
    SpanInterval
        ``low = max(0, max over ordered pairs of the lower bound of p_i - p_j)`` and
        ``high = max over ordered pairs of the upper bound``, each pair's Newcombe interval
        taken at ``1 - (1 - confidence) / m`` for the ``m`` defined pairs over all rates.

    Notes
    -----
    Why it covers: by Bonferroni, all ``m`` pairwise intervals hold together with probability
    at least ``confidence`` (as far as each Newcombe interval holds its own level). When they
    all hold, ``S`` is one of the differences ``p_i - p_j`` and so at most the largest upper
    bound; and ``S >= p_i - p_j >= lower bound`` for every pair, and ``S >= 0``. So ``S`` lies
    in ``[low, high]``. Unlike the plug-in span, whose mean is above the true span (a max of
    noisy gaps), ``low`` is a lower confidence bound: with equal true rates it exceeds 0 in
    at most ``1 - confidence`` of audits, and that is also when a pair is named.
    """
    _z(confidence)
    x_all, n_all = np.broadcast_arrays(np.asarray(xs, dtype=float), np.asarray(ns, dtype=float))
    if x_all.ndim == 1:
        x_all, n_all = x_all[None, :], n_all[None, :]
    if x_all.ndim < 2 or x_all.shape[-1] < 2:
        raise ValueError(GROUPS_ERROR.format(shape=np.shape(xs)))
    x_all, n_all = _counts(x_all, n_all)
    groups = x_all.shape[-1]
    first, second = np.triu_indices(groups, 1)
    x1, n1, x2, n2 = x_all[..., first], n_all[..., first], x_all[..., second], n_all[..., second]
    defined = (n1 > 0) & (n2 > 0)  # shape (..., R, P)
    comparisons = defined.sum(axis=(-2, -1))
    pair_alpha = (1.0 - confidence) / np.maximum(comparisons, 1)
    z = -special.ndtri(pair_alpha / 2.0)[..., None, None]
    low, high = _newcombe(x1, n1, x2, n2, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = x1 / n1 - x2 / n2
    # ordered pairs (i, j) and (j, i): the interval for p_j - p_i is (-high, -low)
    pair_low = np.where(defined, np.maximum(low, -high), -np.inf)
    pair_high = np.where(defined, np.maximum(high, -low), -np.inf)
    gap = np.where(defined, np.abs(difference), -np.inf)
    batch = comparisons.shape
    flat_low = pair_low.reshape(*batch, -1)
    best = np.argmax(flat_low, axis=-1)
    best_low = np.take_along_axis(flat_low, best[..., None], axis=-1)[..., 0]
    rate, pair = np.divmod(best, first.size)
    positive = np.take_along_axis(low.reshape(*batch, -1), best[..., None], axis=-1)[..., 0] > 0
    supported = best_low > 0
    none = comparisons == 0
    return SpanInterval(
        estimate=np.where(none, np.nan, gap.max(axis=(-2, -1))),
        low=np.where(none, np.nan, np.maximum(best_low, 0.0)),
        high=np.where(none, np.nan, pair_high.max(axis=(-2, -1))),
        rate=np.where(supported, rate, -1),
        higher_group=np.where(supported, np.where(positive, first[pair], second[pair]), -1),
        lower_group=np.where(supported, np.where(positive, second[pair], first[pair]), -1),
        comparisons=np.asarray(comparisons),
        confidence=float(confidence),
    )


def homogeneity_test(x: npt.ArrayLike, n: npt.ArrayLike, *, seed: int | np.random.Generator,
                     draws: int = MONTE_CARLO_DRAWS) -> tuple[float, str]:
    """Omnibus test that all groups' rates are equal, on the G×2 table of outcomes.

    Pearson's chi-square (no continuity correction, G - 1 degrees of freedom) when every
    expected count is at least :data:`MIN_EXPECTED`; otherwise the Fisher-Freeman-Halton
    exact test by Monte Carlo: ``draws`` tables with the observed margins (numpy's
    multivariate hypergeometric, the distribution of ``scipy.stats.random_table``),
    ``p = (1 + #tables no more probable than observed) / (1 + draws)`` (a valid p-value for
    any number of draws), seeded for reproducibility.

    Parameters
    ----------
    x, n : array-like of shape (G,)
        Whole counts per group; groups with ``n == 0`` are left out.
    seed : int or numpy Generator
    draws : int

    Returns
    -------
    p_value : float
        1.0 when everyone has the same outcome; nan when fewer than two groups remain.
    test : str
        The test's name, for the record.
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise ValueError(DRAWS_ERROR.format(value=draws))
    x_, n_ = _counts(np.ravel(x), np.ravel(n))
    if np.any(x_ != np.round(x_)) or np.any(n_ != np.round(n_)):
        raise ValueError(INTEGER_ERROR.format(x=x_.tolist(), n=n_.tolist()))
    kept = n_ > 0
    x_, n_ = x_[kept].astype(np.int64), n_[kept].astype(np.int64)
    if x_.size < 2:
        return float("nan"), NOT_TESTABLE
    total, outcomes = int(n_.sum()), int(x_.sum())
    if outcomes in (0, total):
        return 1.0, ALL_SAME
    observed = np.column_stack([x_, n_ - x_])
    expected = np.outer(n_, [outcomes, total - outcomes]) / total
    if expected.min() >= MIN_EXPECTED:
        statistic = float(np.sum(np.square(observed - expected) / expected))
        return float(special.chdtrc(x_.size - 1, statistic)), CHI_SQUARE  # = chi2.sf
    # a random table with these margins: the favorable outcomes drawn without replacement
    # from the groups (numpy's multivariate hypergeometric; scipy.stats.random_table draws
    # the same distribution, but importing scipy.stats alone takes seconds)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    favorable = rng.multivariate_hypergeometric(n_.astype(np.int64), outcomes, size=draws)
    tables = np.stack([favorable, n_ - favorable], axis=-1)
    # P(table) ∝ 1 / prod(cell!): a table is as extreme when its sum of log cell! is as large.
    observed_score = special.gammaln(observed + 1.0).sum()
    scores = special.gammaln(tables + 1.0).sum(axis=(-2, -1))
    extreme = int(np.count_nonzero(scores >= observed_score - _LOG_PROBABILITY_TIE))
    return (1.0 + extreme) / (1.0 + draws), FISHER_FREEMAN_HALTON.format(draws=draws)


def _judge(low: FloatArray, high: FloatArray, threshold: float,
           bound: Bound) -> np.ndarray:
    if bound == "min":  # passes at or above the threshold
        passes, fails = low >= threshold - TOLERANCE, high < threshold - TOLERANCE
    else:  # passes at or below the threshold
        passes, fails = high <= threshold + TOLERANCE, low > threshold + TOLERANCE
    undefined = np.isnan(low) | np.isnan(high)
    return np.select([undefined, fails, passes], [NOT_JUDGED, FAIL, PASS], INCONCLUSIVE)


def judge_interval(low: npt.ArrayLike, high: npt.ArrayLike, *, threshold: float,
                   bound: Bound) -> str | np.ndarray:
    """Three-outcome verdict of an interval against a threshold.

    Parameters
    ----------
    low, high : float or array-like
    threshold : float
    bound : {"min", "max"}
        ``"min"``: a value passes when at least the threshold (impact ratio >= 0.8);
        ``"max"``: when at most the threshold (a gap <= 0.10).

    Returns
    -------
    str or ndarray of str
        :data:`FAIL` when the whole interval is beyond the threshold, :data:`PASS` when the
        whole interval is within it, :data:`INCONCLUSIVE` when it straddles, and
        :data:`NOT_JUDGED` when undefined (nan). A value equal to the threshold (within
        :data:`TOLERANCE`) passes: ``[0.80, 0.95]`` passes "at least 0.80", ``[0.75, 0.80]``
        is inconclusive, ``[0.75, 0.79]`` fails.
    """
    _check_option(bound, get_args(Bound), BOUND_ERROR)
    low_, high_ = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(low, high))
    verdict = _judge(low_, high_, threshold, bound)
    return str(verdict) if verdict.ndim == 0 else verdict


def judge_point(value: npt.ArrayLike, *, threshold: float, bound: Bound) -> str | np.ndarray:
    """The conventional rule on the point estimate alone (``judgement = "point"``).

    :data:`PASS` or :data:`FAIL` (never inconclusive), :data:`NOT_JUDGED` for nan; equal to
    the threshold passes, as in :func:`judge_interval`.
    """
    return judge_interval(value, value, threshold=threshold, bound=bound)
