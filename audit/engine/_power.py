"""Power: the smallest gap the data could detect, and the people an undecided verdict needs.

Two questions a board asks of a result that did not decide:

- *Could this audit have seen a gap at all?* :func:`minimum_detectable_difference` gives,
  for a group of ``n1`` people against a comparator of ``n2`` with rate ``p_ref``, the
  smallest difference in rates that a two-sided two-proportion z-test at ``alpha`` detects
  with the stated power (normal approximation).
- *How many people would decide it?* The ``people_needed_*`` functions answer, for an
  inconclusive verdict, by scaling every group's counts by one factor ``k`` (the observed
  rates held fixed) and finding the smallest ``k`` at which the same interval method gives
  pass or fail (to a relative error set by ``rounds``: below 1e-7 with the default 4).
  When the estimate sits exactly on the threshold no ``k`` decides it: the answer is
  ``inf``, said plainly rather than a large made-up number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from scipy import special

from audit.engine._intervals import (
    BOUND_ERROR,
    INCONCLUSIVE,
    METHOD_ERROR,
    NOT_JUDGED,
    Bound,
    FloatArray,
    RatioMethod,
    _check_option,
    _counts,
    _judge,
    _newcombe,
    _z,
    impact_interval,
    ratio_interval,
    span_interval,
)

Direction = Literal["lower", "higher"]

#: Largest factor on the counts that is searched: beyond it the answer is inf.
MAX_SCALE = 1e6
_POWER_STEPS = 36  # halvings of a bracket at most 1 wide: 1.5e-11 at the end
_SCALE_GRID = 64
_SCALE_ROUNDS = 4

ALPHA_ERROR = "alpha must be a number strictly between 0 and 1, got {value!r}."
POWER_ERROR = "power must be a number strictly between 0 and 1, got {value!r}."
DIRECTION_ERROR = "direction must be one of {allowed}, got {value!r}."


def _two_sided_power(delta: FloatArray, p_group: FloatArray, p_ref: FloatArray,
                     n1: FloatArray, n2: FloatArray, z_alpha: float) -> FloatArray:
    pooled = (n1 * p_group + n2 * p_ref) / (n1 + n2)
    sd_null = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    sd_alternative = np.sqrt(p_group * (1 - p_group) / n1 + p_ref * (1 - p_ref) / n2)
    with np.errstate(divide="ignore", invalid="ignore"):  # ndtr: the normal cdf, fast
        upper = special.ndtr((delta - z_alpha * sd_null) / sd_alternative)
        lower = special.ndtr((-delta - z_alpha * sd_null) / sd_alternative)
    return np.where(sd_alternative > 0, upper + lower, np.where(delta > 0, 1.0, 0.0))


def minimum_detectable_difference(n1: npt.ArrayLike, n2: npt.ArrayLike, p_ref: npt.ArrayLike,
                                  *, alpha: float, power: float = 0.8,
                                  direction: Direction = "lower") -> FloatArray:
    """Smallest difference in rates a two-sided test at ``alpha`` detects with ``power``.

    The group's rate is ``p = p_ref - δ`` (``direction="lower"``) or ``p_ref + δ``
    (``"higher"``). With the pooled rate ``p̄ = (n1 p + n2 p_ref) / (n1 + n2)``,
    ``σ0 = sqrt(p̄(1 - p̄)(1/n1 + 1/n2))`` (the test's null standard error) and
    ``σ1 = sqrt(p(1 - p)/n1 + p_ref(1 - p_ref)/n2)`` (the difference's true one), the pooled
    z-test's power is ``Φ((δ - z σ0) / σ1) + Φ((-δ - z σ0) / σ1)`` with
    ``z = Φ⁻¹(1 - alpha/2)`` (as statsmodels' ``power_proportions_2indep``); ``δ`` solves
    power = ``power`` by bisection. Roughly ``δ ≈ (z + Φ⁻¹(power)) sqrt(p_ref(1 - p_ref)
    (1/n1 + 1/n2))``.

    Parameters
    ----------
    n1, n2 : array-like, broadcastable
        People in the group's and the comparator's denominators.
    p_ref : array-like
        The comparator's rate.
    alpha, power : float
    direction : {"lower", "higher"}

    Returns
    -------
    ndarray of the broadcast shape
        ``δ`` in rate units (0.05 = 5 percentage points); ``inf`` when even the largest
        possible difference (to a rate of 0 or 1) is not detected with that power; ``nan``
        where a group is empty.
    """
    for value, message in ((alpha, ALPHA_ERROR), (power, POWER_ERROR)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise ValueError(message.format(value=value))
    _check_option(direction, get_args(Direction), DIRECTION_ERROR)
    z_alpha = float(-special.ndtri(alpha / 2))  # = stats.norm.isf
    n1_, n2_, p = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(n1, n2, p_ref))
    sign = -1.0 if direction == "lower" else 1.0
    room = p if direction == "lower" else 1.0 - p
    defined = (n1_ > 0) & (n2_ > 0)
    n1_, n2_ = np.where(defined, n1_, 1.0), np.where(defined, n2_, 1.0)

    def achieved(delta: FloatArray) -> FloatArray:
        return _two_sided_power(delta, np.clip(p + sign * delta, 0, 1), p, n1_, n2_, z_alpha)

    reachable = (room > 0) & (achieved(room) >= power)
    below, above = np.zeros_like(p), np.where(reachable, room, 1.0)
    for _ in range(_POWER_STEPS):
        middle = (below + above) / 2
        enough = achieved(middle) >= power
        below, above = np.where(enough, below, middle), np.where(enough, middle, above)
    return np.where(defined, np.where(reachable, above, np.inf), np.nan)


@dataclass(frozen=True)
class PeopleNeeded:
    """How many people would decide an inconclusive verdict, the observed rates held fixed.

    ``scale`` multiplies every group's size (1.0 when already decided; ``inf`` when no size
    decides it; ``nan`` when the interval is undefined). ``people`` has the shape of the
    denominators given: each group's denominator at that scale, rounded up (``inf``/``nan``
    likewise); ``additional`` is ``people`` minus the current count.
    """

    scale: float
    people: FloatArray
    additional: FloatArray


def _scale_to_decide(interval: Callable[[FloatArray], tuple[FloatArray, FloatArray]],
                     threshold: float, bound: Bound, denominators: FloatArray,
                     rounds: int = _SCALE_ROUNDS) -> PeopleNeeded:
    """Smallest scale at which ``interval(scales)`` (vectorised over scales) is decisive.

    ``interval`` returns arrays whose first axis is the scales; any further axes hold
    several intervals (e.g. one per group), and a scale is decisive when every one of them
    is. Doublings up to :data:`MAX_SCALE` find the bracket; then rounds of geometric grids
    inside it narrow the answer: each round by a factor of 63, so that 4 rounds leave a
    relative error below 1e-7 and 1 below 1.1% (enough for "about N more people").
    Intervals shrink as the counts grow, so the first decisive scale on a grid is taken as
    the boundary.
    """

    def verdicts(scales: FloatArray) -> np.ndarray:
        low, high = interval(scales)
        return np.asarray(_judge(low, high, threshold, bound)).reshape(len(scales), -1)

    def undecided(scales: FloatArray) -> npt.NDArray[np.bool_]:
        return (verdicts(scales) == INCONCLUSIVE).any(axis=1)

    def answer(scale: float) -> PeopleNeeded:
        if math.isfinite(scale):
            people = np.ceil(denominators * scale - 1e-9)
        else:
            people = np.full(denominators.shape, scale)
        return PeopleNeeded(scale, people, people - denominators)

    first = verdicts(np.ones(1))[0]
    if (first == NOT_JUDGED).any():
        return answer(math.nan)
    if not (first == INCONCLUSIVE).any():
        return answer(1.0)
    doublings = np.exp2(np.arange(1.0, math.ceil(math.log2(MAX_SCALE)) + 1.0))
    pending = undecided(doublings)
    if pending.all():
        return answer(math.inf)
    above = float(doublings[np.argmin(pending)])
    below = above / 2.0
    for _ in range(rounds):
        grid = np.geomspace(below, above, _SCALE_GRID).astype(np.float64)
        pending = undecided(grid)
        index = int(np.argmin(pending))  # the first decisive scale; the last point is one
        below, above = float(grid[max(index - 1, 0)]), float(grid[index])
    return answer(above)


def people_needed_difference(x1: float, n1: float, x2: float, n2: float, *, threshold: float,
                             bound: Bound, confidence: float,
                             rounds: int = _SCALE_ROUNDS) -> PeopleNeeded:
    """People per group for the Newcombe interval of ``p1 - p2`` to pass or fail.

    ``people`` is ``[group 1, group 2]``. See :class:`PeopleNeeded`.
    """
    _check_option(bound, get_args(Bound), BOUND_ERROR)
    z = _z(confidence)
    x1_, n1_, x2_, n2_ = _counts(x1, n1, x2, n2)

    def interval(k: FloatArray) -> tuple[FloatArray, FloatArray]:
        return _newcombe(k * x1_, k * n1_, k * x2_, k * n2_, z)

    return _scale_to_decide(interval, threshold, bound, np.array([float(n1_), float(n2_)]),
                            rounds)


def people_needed_ratio(x1: npt.ArrayLike, n1: npt.ArrayLike, x2: float, n2: float, *,
                        threshold: float, bound: Bound, confidence: float,
                        method: RatioMethod = "koopman",
                        rounds: int = _SCALE_ROUNDS) -> PeopleNeeded:
    """People per group for the ratio interval of ``p1 / p2`` to pass or fail.

    ``x1`` and ``n1`` may be arrays: several groups against one comparator (an impact
    ratio criterion), decided when every group's interval is. ``people`` is
    ``[group 1, ..., comparator]``. See :class:`PeopleNeeded`.
    """
    _check_option(bound, get_args(Bound), BOUND_ERROR)
    _check_option(method, get_args(RatioMethod), METHOD_ERROR)
    _z(confidence)
    x1_, n1_, x2_, n2_ = (np.ravel(v) for v in _counts(x1, n1, x2, n2))

    def interval(k: FloatArray) -> tuple[FloatArray, FloatArray]:
        scale = k.reshape(-1, 1)
        return ratio_interval(scale * x1_, scale * n1_, scale * x2_[0], scale * n2_[0],
                              confidence=confidence, method=method)

    return _scale_to_decide(interval, threshold, bound, np.append(n1_, n2_[0]), rounds)


def people_needed_span(xs: npt.ArrayLike, ns: npt.ArrayLike, *, threshold: float,
                       confidence: float, rounds: int = _SCALE_ROUNDS) -> PeopleNeeded:
    """People per group for the span interval (:func:`span_interval`) to be at most
    ``threshold`` (pass) or wholly above it (fail).

    ``people`` has the shape of ``ns``: each rate's denominator per group at the scale.
    """
    x_, n_ = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(xs, ns))

    def interval(k: FloatArray) -> tuple[FloatArray, FloatArray]:
        scaled = k.reshape(-1, *([1] * max(x_.ndim, 2)))
        span = span_interval(scaled * x_, scaled * n_, confidence=confidence)
        return span.low, span.high

    return _scale_to_decide(interval, threshold, "max", n_, rounds)


def people_needed_impact(xs: npt.ArrayLike, ns: npt.ArrayLike, *, threshold: float,
                         confidence: float, rounds: int = _SCALE_ROUNDS) -> PeopleNeeded:
    """People per group for every group's simultaneous impact-ratio interval
    (:func:`impact_interval`) to be at least ``threshold`` (pass) or, for one, wholly below
    it (fail). ``people`` has the shape of ``ns``."""
    x_, n_ = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(xs, ns))

    def interval(k: FloatArray) -> tuple[FloatArray, FloatArray]:
        scale = k.reshape(-1, *([1] * x_.ndim))
        return impact_interval(scale * x_, scale * n_, confidence=confidence)

    found = _scale_to_decide(interval, threshold, "min", n_, rounds)
    return found
