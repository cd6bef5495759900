"""The exact search for per-group cut-offs under a parity constraint.

Each group ``g`` has candidate cut-offs (``0..k_g-1``, ascending), a cost per candidate
and, for each constrained rate (selection rate, TPR, FPR), that rate per candidate: it
never rises as the cut-off rises. The problem: one candidate per group, least total cost,
subject to every constrained rate's span (max − min over the groups where it is defined)
being at most ``tol``.

*One rate* (demographic parity, equal opportunity). If the chosen rates lie in
``[L, L + tol]``, each group may take its cheapest candidate in that window, and ``L``
can be taken as one of the candidates' rates. So the optimum is the best, over every
candidate rate ``L`` (a *query*), of the sum of per-group window minima. A rate is
monotone in the candidate, so each window is a contiguous range: a binary search finds
it and a sparse table gives its minimum in O(1).

*Two rates* (equalized odds). For two groups, the span of two values is their distance:
for each candidate of the smaller group (the query), the other group's admissible
candidates are the intersection of two contiguous ranges. For three or more groups the
window is a square ``[L1, L1 + tol] × [L2, L2 + tol]``; both corners are enumerated, which
costs about (candidates)², so each group is first thinned to ``limit`` candidates evenly
spaced by rank when it has more, and the answer is exact over the candidates kept.

With a million rows there are a million queries. They are cut into blocks; a block's
windows all lie inside one range (from its first query's lower end to its last query's
upper end), whose minimum bounds every query of the block from below. Blocks are
evaluated query by query only when their bound could beat the best total found, so
the answer (and the tie-break: the first query with the least total) is the full scan's.

Every problem here is feasible: the candidate above every score gives every rate 0.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

EPS = 1e-12  # the same slack the engine's criteria allow
SQUARE_LIMIT = 400
SQUARE_BATCH = 1 << 20  # pairs of lower ends evaluated together
BRANCH = 32  # parts a run of queries is split into
LEAF = 1024  # runs this short are evaluated query by query, in one call


class RangeMin:
    """Minimum, and its leftmost position, of ``values[lo..hi]`` (inclusive), many at once.

    A sparse table built from contiguous slices (no gathers): row ``k`` holds the position
    of the minimum of every run of ``2**k`` values; a query reads two runs that cover its
    range, with one gather for all queries.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.ascontiguousarray(values, dtype=np.float64)
        n = self.values.size
        dtype = np.int32 if n < 2**31 else np.int64
        rows = max(1, int(n).bit_length())
        self.table = np.empty((rows, max(n, 1)), dtype=dtype)  # row k: first n - 2**k + 1 used
        position = np.arange(n, dtype=dtype)
        minimum = self.values
        self.table[0, :n] = position
        width, k = 1, 1
        while 2 * width <= n:
            right = minimum[width:] < minimum[:-width]
            position = np.where(right, position[width:], position[:-width])
            minimum = np.where(right, minimum[width:], minimum[:-width])
            self.table[k, :position.size] = position
            width, k = 2 * width, k + 1
        # floor(log2(length)) for every possible range length
        self.log = np.zeros(n + 1, dtype=np.int64)
        if n >= 2:
            self.log[2:] = np.floor(np.log2(np.arange(2, n + 1))).astype(np.int64)

    def argmin(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Leftmost position of the minimum of each range; requires ``lo <= hi``."""
        lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
        k = self.log[hi - lo + 1]
        a = self.table[k, lo]
        b = self.table[k, hi - (1 << k) + 1]
        return np.where(self.values[b] < self.values[a], b, a).astype(np.int64)

    def min(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Minimum of each range; ``inf`` where the range is empty (``lo > hi``)."""
        lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
        ok = lo <= hi
        safe_lo = np.where(ok, lo, 0)
        safe_hi = np.where(ok, hi, 0)
        return np.where(ok, self.values[self.argmin(safe_lo, safe_hi)], np.inf)


@dataclass(frozen=True, eq=False)
class Candidates:
    """One group's candidates in descending cut-off order (so every rate ascends).

    ``original[p]`` is the ascending-order index of position ``p``.
    """

    cost: np.ndarray
    rates: tuple[np.ndarray | None, ...]
    original: np.ndarray
    range_min: RangeMin

    @property
    def size(self) -> int:
        return int(self.cost.size)


def reverse(cost: np.ndarray, range_min: RangeMin | None = None) -> Candidates:
    """A group's candidates reversed, with its sparse table (pass one to share it)."""
    reversed_cost = np.ascontiguousarray(np.asarray(cost, dtype=np.float64)[::-1])
    return Candidates(cost=reversed_cost, rates=(),
                      original=np.arange(cost.size - 1, -1, -1),
                      range_min=range_min if range_min is not None else RangeMin(reversed_cost))


def _with_rates(group: Candidates, rates: Sequence[np.ndarray | None]) -> Candidates:
    return Candidates(cost=group.cost, original=group.original, range_min=group.range_min,
                      rates=tuple(None if r is None else np.ascontiguousarray(r[::-1])
                                  for r in rates))


def _thinned(group: Candidates, limit: int) -> Candidates:
    keep = np.unique(np.round(np.linspace(0, group.size - 1, min(limit, group.size)))
                     .astype(np.int64))
    cost = group.cost[keep]
    return Candidates(cost=cost, original=group.original[keep], range_min=RangeMin(cost),
                      rates=tuple(None if r is None else r[keep] for r in group.rates))


def _merged(sorted_arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of already sorted arrays, and each element's position among them.

    A stable sort of sorted runs is a merge (timsort finds the runs), so this costs a
    pass, not a full sort.
    """
    values = np.concatenate(sorted_arrays)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    inverse = np.empty(values.size, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


@dataclass(frozen=True)
class Solution:
    """The chosen candidate of each group (index into its ascending cut-offs)."""

    indices: tuple[int, ...]
    kept: int | None = None  # candidates per group after thinning, when thinned
    candidates: int = 0  # the most candidates any group had


def first_best(count: int, exact: Callable[[np.ndarray], np.ndarray],
               bound: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> int:
    """The first of ``count`` queries with the least ``exact`` total (branch and bound).

    ``exact(q)`` gives the totals of queries ``q``; ``bound(a, b)`` a lower bound of the
    totals of queries ``a..b`` for each pair. Runs of queries are split into ``BRANCH``
    parts, best bound first, and a run whose bound cannot beat the best total found (or
    tie it before the best query) is never looked into: the result is the full scan's.
    """
    best, best_query = np.inf, count
    heap: list[tuple[float, int, int]] = [(-np.inf, 0, count - 1)]
    while heap:
        lower, first, last = heapq.heappop(heap)
        if lower > best or (lower == best and first >= best_query):
            break  # the heap is ordered by (bound, first): nothing left can win
        if last - first < LEAF:
            queries = np.arange(first, last + 1)
        else:
            edges = np.linspace(first, last + 1, BRANCH + 1).astype(np.int64)
            starts, ends = edges[:-1], edges[1:] - 1
            bounds = bound(starts, ends)
            queries = starts  # probe each part's first query for an early best
            for b in range(BRANCH):
                heapq.heappush(heap, (float(bounds[b]), int(starts[b]), int(ends[b])))
        totals = exact(queries)
        at = int(np.argmin(totals))
        if totals[at] < best or (totals[at] == best and queries[at] < best_query):
            best, best_query = float(totals[at]), int(queries[at])
    return best_query


class Search:
    """A constrained search over shared candidates, solved for any tolerance.

    Parameters
    ----------
    groups : sequence of Candidates
        Each group's reversed costs and sparse table (from `reverse`).
    rates : sequence (one per constrained rate) of sequences (one per group)
        Each rate per candidate in ascending cut-off order (non-increasing); ``None``
        where a group's rate is undefined or the group is not held to it.
    limit : int
        With two rates and three or more groups, thin each group to this many candidates.
    """

    def __init__(self, groups: Sequence[Candidates], rates: Sequence[Sequence[np.ndarray | None]],
                 *, limit: int = SQUARE_LIMIT) -> None:
        active = [r for r in rates if sum(x is not None for x in r) >= 2]
        self.rate_count = len(active)
        self.involved = [g for g in range(len(groups)) if any(r[g] is not None for r in active)]
        # a group held to nothing takes its cheapest candidate (the lowest such cut-off)
        self.best = [int(np.argmin(group.cost[::-1])) for group in groups]
        self.candidates = max((group.size for group in groups), default=0)
        self.kept: int | None = None
        members = {g: _with_rates(groups[g], [r[g] for r in active]) for g in self.involved}
        if self.rate_count == 2 and len(self.involved) > 2 and self.candidates > limit:
            self.kept = limit
            members = {g: _thinned(c, limit) for g, c in members.items()}
        self.members = members
        self.lows: list[np.ndarray] = []
        # the window's possible lower ends: every candidate's rate (a NaN: not held)
        self.first_at: dict[int, np.ndarray] = {}
        self.next_rate: dict[int, np.ndarray] = {}
        if self.rate_count == 1:
            held = [(g, r) for g, c in members.items() if (r := c.rates[0]) is not None]
            lows, inverse = _merged([r for _, r in held])
            self.lows = [lows]
            offset = 0
            for g, rate in held:
                # how many of the group's rates lie below each lower end, and the next one
                below = np.bincount(inverse[offset:offset + rate.size], minlength=lows.size)
                offset += rate.size
                first = np.concatenate(([0], np.cumsum(below)[:-1]))
                self.first_at[g] = first
                self.next_rate[g] = np.where(first < rate.size,
                                             rate[np.minimum(first, rate.size - 1)], np.inf)
        elif self.rate_count == 2 and len(self.involved) > 2:
            for i in range(self.rate_count):
                values = [r for c in members.values() if (r := c.rates[i]) is not None]
                self.lows.append(np.unique(np.concatenate(values)) if len(values) >= 2
                                 else np.array([np.nan]))

    def solve(self, tol: float) -> Solution:
        picks: dict[int, int] = {}
        if tol >= 1.0:
            pass  # every rate lies in [0, 1]: a tolerance of 1 holds nothing
        elif self.rate_count == 1:
            picks = self._window(tol)
        elif self.rate_count == 2 and len(self.involved) == 2:
            picks = self._pair(tol)
        elif self.rate_count == 2:
            picks = self._square(tol)
        indices = tuple(int(self.members[g].original[picks[g]]) if g in picks else self.best[g]
                        for g in range(len(self.best)))
        return Solution(indices=indices, kept=self.kept, candidates=self.candidates)

    def _window(self, tol: float) -> dict[int, int]:
        lows = self.lows[0]
        members = list(self.members.items())
        # only lower ends where every group has a candidate in the window can win
        feasible = np.ones(lows.size, dtype=bool)
        for g, _ in members:
            feasible &= self.next_rate[g] <= lows + tol + EPS
        queries = np.flatnonzero(feasible)

        def ranges(g: int, group: Candidates, first: np.ndarray, last: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
            rate = group.rates[0]
            assert rate is not None
            top = np.searchsorted(rate, lows[queries[last]] + tol + EPS, side="right") - 1
            return self.first_at[g][queries[first]], top

        def exact(q: np.ndarray) -> np.ndarray:
            return sum((c.range_min.min(*ranges(g, c, q, q)) for g, c in members),
                       np.zeros(q.size))

        def bound(first: np.ndarray, last: np.ndarray) -> np.ndarray:
            return sum((c.range_min.min(*ranges(g, c, first, last)) for g, c in members),
                       np.zeros(first.size))

        best = np.array([first_best(queries.size, exact, bound)])
        return {g: int(c.range_min.argmin(*ranges(g, c, best, best))[0]) for g, c in members}

    def _pair(self, tol: float) -> dict[int, int]:
        (ga, a), (gb, b) = sorted(self.members.items(), key=lambda item: item[1].size)

        def partner_range(first: np.ndarray, last: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
            lo = np.zeros(first.size, dtype=np.int64)
            hi = np.full(first.size, b.size - 1, dtype=np.int64)
            for rate_a, rate_b in zip(a.rates, b.rates, strict=True):
                if rate_a is None or rate_b is None:
                    continue
                lo = np.maximum(lo, np.searchsorted(rate_b, rate_a[first] - tol - EPS,
                                                    side="left"))
                hi = np.minimum(hi, np.searchsorted(rate_b, rate_a[last] + tol + EPS,
                                                    side="right") - 1)
            return lo, hi

        def exact(queries: np.ndarray) -> np.ndarray:
            return a.cost[queries] + b.range_min.min(*partner_range(queries, queries))

        def bound(first: np.ndarray, last: np.ndarray) -> np.ndarray:
            return a.range_min.min(first, last) + b.range_min.min(*partner_range(first, last))

        best = first_best(a.size, exact, bound)
        lo, hi = partner_range(np.array([best]), np.array([best]))
        return {ga: best, gb: int(b.range_min.argmin(lo, hi)[0])}

    def _square(self, tol: float) -> dict[int, int]:
        members = list(self.members.items())

        def windows(i: int) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
            """Lower ends of rate ``i`` where every group has a candidate in the window,
            and each group's candidate range for each of them."""
            lows = self.lows[i]
            if np.isnan(lows[0]):  # no two groups hold this rate: one unbounded window
                return lows, {g: (np.zeros(1, np.int64), np.full(1, c.size - 1))
                              for g, c in members}
            out = {}
            for g, c in members:
                rate = c.rates[i]
                if rate is None:
                    out[g] = (np.zeros(lows.size, np.int64), np.full(lows.size, c.size - 1))
                else:
                    out[g] = (np.searchsorted(rate, lows, side="left"),
                              np.searchsorted(rate, lows + tol + EPS, side="right") - 1)
            feasible = np.logical_and.reduce([lo <= hi for lo, hi in out.values()])
            return lows[feasible], {g: (lo[feasible], hi[feasible])
                                    for g, (lo, hi) in out.items()}

        lows_1, first = windows(0)
        lows_2, second = windows(1)
        # for each first lower end, the second lower ends that every group can meet: the
        # window must reach each group's lowest second rate in range, and start below its
        # highest (both rates rise together along a group's candidates)
        held = [(g, c.rates[1]) for g, c in members if c.rates[1] is not None]
        if held and not np.isnan(lows_2[0]):
            floor = np.max([rate[first[g][0]] for g, rate in held], axis=0) - tol
            ceiling = np.min([rate[first[g][1]] for g, rate in held], axis=0)
            begin = np.searchsorted(lows_2, floor - EPS, side="left")
            end = np.searchsorted(lows_2, ceiling + EPS, side="right")
        else:
            begin = np.zeros(lows_1.size, np.int64)
            end = np.full(lows_1.size, lows_2.size)
        width = np.maximum(end - begin, 0)
        best_total, best_at = np.inf, (0, 0)
        row = 0
        while row < lows_1.size:
            # as many rows as fit in one batch of pairs (at least one row)
            stop = row + max(1, int(np.searchsorted(np.cumsum(width[row:]), SQUARE_BATCH,
                                                    side="right")))
            rows = np.repeat(np.arange(row, stop), width[row:stop])
            offsets = np.cumsum(width[row:stop]) - width[row:stop]
            cols = begin[rows] + np.arange(rows.size) - np.repeat(offsets, width[row:stop])
            row = stop
            if rows.size == 0:
                continue
            total = np.zeros(rows.size)
            for g, c in members:
                lo = np.maximum(first[g][0][rows], second[g][0][cols])
                hi = np.minimum(first[g][1][rows], second[g][1][cols])
                total += c.range_min.min(lo, hi)
            at = int(np.argmin(total))  # pairs in row-major order: the first wins ties
            if total[at] < best_total:
                best_total, best_at = float(total[at]), (int(rows[at]), int(cols[at]))
        i, j = best_at
        picks = {}
        for g, c in members:
            lo = max(first[g][0][i], second[g][0][j])
            hi = min(first[g][1][i], second[g][1][j])
            picks[g] = int(c.range_min.argmin(np.array([lo]), np.array([hi]))[0])
        return picks
