"""Bands for a numeric sensitive column: ``age`` with 53 values becomes ``18–24``,
``25–39``, ``40–59``, ``60–90``.

A `Bins` is either cut points the user typed (``25, 40, 60``: each band starts at a cut
point and ends before the next) or a number of quantile bands (``q4``: quartiles of the
column itself). `band_labels` names each band by the values it holds: ``25–39`` when every
value and cut point is a whole number, ``25 to under 40`` otherwise; the lowest and the
highest band are closed by the column's own minimum and maximum. The spec records what
was asked (`Bins`) and the result records the cut points used and the labels.

`parse_bins` reads the command line's ``--bin age=25,40,60`` / ``--bin age=q4``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit._errors import AuditInputError, ColumnError
from audit._words import clip

__all__ = ["BAND_SEP", "MANY_VALUES", "Bins", "band_labels", "band_preview", "bin_column",
           "cut_points", "needs_bins", "parse_bins"]

BAND_SEP = "–"  # an en dash: "25–39"
MANY_VALUES = 12  # a numeric sensitive column with more distinct values is offered bands
MAX_QUANTILES = 10

BAD_BIN = (
    "--bin {value!r} is not of the form COLUMN=CUTS. Expected cut points in increasing "
    "order, such as --bin age=25,40,60 (bands under 25, 25–39, 40–59, 60 and over), or "
    "quantile bands such as --bin age=q4 (quartiles). Fix: write it like one of those."
)
BAD_CUTS = (
    "The bands for {column!r} must be cut points in increasing order (such as 25, 40, 60) or "
    "q2 to q{most} for quantile bands, got {value!r}. Fix: give the cut points as numbers "
    "separated by commas, each larger than the one before."
)
BIN_NOT_NUMERIC = (
    "Column {column!r} in {file} was to be cut into bands, so it must hold numbers, but it "
    "holds text such as {example!r}. Fix: leave out the bands for {column!r} (its values are "
    "then the groups), or correct that value in the file."
)
ONE_BAND = (
    "The bands for {column!r} ({asked}) put every row in one band: its values run from "
    "{low} to {high}. An attribute needs at least two groups to compare. Fix: choose cut "
    "points between {low} and {high}."
)


@dataclass(frozen=True)
class Bins:
    """How to cut one numeric sensitive column into bands: ``cuts`` (each band starts at a
    cut point) or ``quantiles`` (that many bands of about equal size), never both."""

    column: str
    cuts: tuple[float, ...] = ()
    quantiles: int = 0

    def describe(self) -> str:
        """``25, 40, 60`` or ``4 quantile bands``: what was asked, in words."""
        if self.quantiles:
            return f"{self.quantiles} quantile bands"
        return ", ".join(_number(c) for c in self.cuts)

    @classmethod
    def parse(cls, column: str, text: str) -> Bins:
        """``"25,40,60"`` or ``"q4"`` for ``column``; `AuditInputError` otherwise."""
        value = text.strip().replace(" ", "")
        bad = BAD_CUTS.format(column=clip(column), most=MAX_QUANTILES, value=clip(text))
        if value[:1].lower() == "q":
            try:
                count = int(value[1:])
            except ValueError:
                raise AuditInputError(bad) from None
            if not 2 <= count <= MAX_QUANTILES:
                raise AuditInputError(bad)
            return cls(column, quantiles=count)
        try:
            cuts = tuple(float(part) for part in value.split(",") if part)
        except ValueError:
            raise AuditInputError(bad) from None
        if not cuts or not all(math.isfinite(c) for c in cuts) or any(
                b <= a for a, b in zip(cuts, cuts[1:], strict=False)):
            raise AuditInputError(bad)
        return cls(column, cuts=cuts)


def parse_bins(values: Sequence[str]) -> tuple[Bins, ...]:
    """The command line's ``--bin COLUMN=CUTS`` options (the last one per column wins)."""
    found: dict[str, Bins] = {}
    for value in values:
        column, sep, cuts = value.partition("=")
        if not sep or not column.strip() or not cuts.strip():
            raise AuditInputError(BAD_BIN.format(value=clip(value)))
        found[column.strip()] = Bins.parse(column.strip(), cuts)
    return tuple(found.values())


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def needs_bins(values: pd.Series) -> bool:
    """A numeric column (not true/false) with more than `MANY_VALUES` distinct values."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    return int(values.nunique(dropna=True)) > MANY_VALUES


def numbers(values: pd.Series, *, column: str, file: str) -> np.ndarray:
    """The column as floats; `ColumnError` naming the first value that is not a number."""
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna().to_numpy() & values.notna().to_numpy()
    if bad.any():
        example = values.iloc[int(np.flatnonzero(bad)[0])]
        raise ColumnError(BIN_NOT_NUMERIC.format(column=clip(column), file=clip(file),
                                                 example=clip(example)))
    return numeric.to_numpy(dtype=float)


def cut_points(bins: Bins, values: np.ndarray) -> tuple[float, ...]:
    """The cut points used: as given, or the column's quantiles (rounded up to a whole
    number when every value is one), without repeats and above the minimum."""
    if not bins.quantiles:
        return bins.cuts
    probabilities = np.arange(1, bins.quantiles) / bins.quantiles
    cuts = np.quantile(values, probabilities)
    if _whole(values):
        cuts = np.ceil(cuts)
    low = float(values.min())
    return tuple(float(c) for c in np.unique(cuts) if c > low)


def _whole(values: np.ndarray | Sequence[float]) -> bool:
    return bool(np.all(np.mod(np.asarray(values, dtype=float), 1) == 0))


def band_labels(cuts: Sequence[float], *, low: float, high: float) -> tuple[str, ...]:
    """One label per band: ``low–(c1−1)``, ``c1–(c2−1)``, ..., ``ck–high`` for whole numbers
    (``18–24``, ``25–39``, ``40–59``, ``60–90``); ``low to under c1``, ...,
    ``ck to high`` otherwise. A band holding a single whole number is that number."""
    edges = [low, *cuts, high]
    whole = _whole(edges)
    labels = []
    for i, (start, end) in enumerate(zip(edges, edges[1:], strict=False)):
        last = i == len(edges) - 2
        if whole:
            top = end if last else end - 1
            labels.append(_number(start) if top <= start else
                          f"{_number(start)}{BAND_SEP}{_number(top)}")
        else:
            labels.append(f"{_number(start)} to {_number(end)}" if last else
                          f"{_number(start)} to under {_number(end)}")
    return tuple(labels)


def bin_column(bins: Bins, values: np.ndarray) -> tuple[np.ndarray, tuple[str, ...],
                                                        tuple[float, ...]]:
    """Each row's band (integer codes), the band labels in order, and the cut points used.

    A value equal to a cut point goes in the band that starts there. Cut points outside the
    values are dropped (no empty band at either end). Raises `ColumnError` when one band
    would hold every row.
    """
    low, high = float(values.min()), float(values.max())
    used = tuple(c for c in cut_points(bins, values) if low < c <= high)
    if not used:
        raise ColumnError(ONE_BAND.format(column=clip(bins.column), asked=bins.describe(),
                                          low=_number(low), high=_number(high)))
    codes = np.searchsorted(np.asarray(used), values, side="right").astype(np.int64)
    return codes, band_labels(used, low=low, high=high), used



def band_preview(bins: Bins, values: pd.Series, *, file: str = "the data") -> tuple[str, ...]:
    """The band labels ``values`` would get (the Upload page shows them before the run).
    Raises `ColumnError` as `prepare` would."""
    numeric = numbers(values.dropna(), column=bins.column, file=file)
    return bin_column(bins, numeric)[1]


def band_values(bins: Bins, values: pd.Series, *, file: str = "the data") -> pd.Series:
    """Each row's band label, as the audit will group the rows (a missing value stays
    missing). Raises `ColumnError` as `prepare` would."""
    present = values.notna()
    codes, labels, _ = bin_column(bins, numbers(values[present], column=bins.column,
                                                file=file))
    banded = pd.Series(pd.NA, index=values.index, dtype="string", name=values.name)
    banded[present] = np.asarray(labels, dtype=object)[codes]
    return banded
