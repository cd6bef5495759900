"""The seeded row hash that orders rows for the stratified sample, in numpy and in SQL.

A row is picked when its hash is among the ``per_cell`` smallest of its finest cell
(ties broken by position). The hash is integer arithmetic modulo the prime 2³¹ − 1,
never above 2⁶³, so DuckDB, Spark and numpy compute the same value for the same 0-based
row position, and a seed picks the same rows in every engine that numbers rows alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PRIME = 2_147_483_647  # 2**31 - 1


@dataclass(frozen=True)
class RowHash:
    """Four multipliers and offsets below `PRIME`, drawn from the seed."""

    a1: int
    b1: int
    a2: int
    b2: int

    @classmethod
    def of(cls, seed: int) -> RowHash:
        rng = np.random.default_rng(seed)
        a1, b1, a2, b2 = (int(v) for v in rng.integers(1, PRIME, size=4))
        return cls(a1, b1, a2, b2)

    def numpy(self, position: np.ndarray) -> np.ndarray:
        """The hash of each 0-based row position (int64)."""
        r = position.astype(np.int64) % PRIME
        x1 = (r * self.a1 + self.b1) % PRIME
        x2 = (x1 * x1) % PRIME
        x3 = (x2 * self.a2 + self.b2) % PRIME
        return (x3 * x3 + x1) % PRIME

    def sql(self, position: str) -> str:
        """The same hash as an SQL expression over a BIGINT ``position``."""
        x1 = f"((({position}) % {PRIME}) * {self.a1} + {self.b1}) % {PRIME}"
        x3 = f"((({x1}) * ({x1})) % {PRIME} * {self.a2} + {self.b2}) % {PRIME}"
        return f"((({x3}) * ({x3})) + ({x1})) % {PRIME}"


def candidates(rows: int, per_cell: int) -> int:
    """A hash bound under which a group of ``rows`` rows keeps at least ``per_cell`` of
    them but for a chance below 1e-9 (a binomial tail with ten standard deviations)."""
    if rows <= per_cell:
        return PRIME
    wanted = per_cell + 10 * math.sqrt(per_cell) + 50
    return min(PRIME, int(math.ceil(PRIME * wanted / rows)))


def pick(hash_values: np.ndarray, position: np.ndarray, cell: np.ndarray,
         per_cell: int | np.ndarray) -> np.ndarray:
    """Indices of the rows kept: the ``per_cell`` smallest (hash, position) of each cell
    (``per_cell[k]`` of cell ``k`` when it is an array), in cell then hash order."""
    order = np.lexsort((position, hash_values, cell))
    sorted_cell = cell[order]
    start = np.searchsorted(sorted_cell, sorted_cell, side="left")
    rank = np.arange(order.size) - start
    quota = np.asarray(per_cell, dtype=np.int64)
    return order[rank < (quota[sorted_cell] if quota.ndim else quota)]


def proportional_quotas(cell_rows: np.ndarray, size: int, min_per_cell: int) -> np.ndarray:
    """Rows to take from each cell (``cell_rows``: each cell's size) for a sample of
    ``size`` rows in proportion to the cells' sizes: every cell keeps at least
    ``min(min_per_cell, its size)``, the rest is shared in proportion to what each cell
    has left (largest remainder). All rows when there are no more than ``size``."""
    counts = np.asarray(cell_rows, dtype=np.int64)
    if int(counts.sum()) <= size:
        return counts.copy()
    floor = np.minimum(counts, min_per_cell)
    alloc = floor.copy()
    budget = size - int(floor.sum())
    if budget > 0:
        room = counts - floor
        quota = room * (budget / room.sum())
        extra = np.floor(quota).astype(np.int64)
        short = budget - int(extra.sum())
        order = np.lexsort((np.arange(counts.size), -(quota - extra)))
        extra[order[:short]] += 1
        alloc += extra
    return alloc


def stratified_rows(cell: np.ndarray, per_cell: int | np.ndarray, seed: int) -> np.ndarray:
    """0-based positions of the rows of the stratified sample of rows held in memory
    (``cell``: each row's finest cell), in row order: the rows every source samples."""
    position = np.arange(cell.size, dtype=np.int64)
    return np.sort(pick(RowHash.of(seed).numpy(position), position, cell, per_cell))
