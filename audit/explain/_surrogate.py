"""The surrogate: gradient-boosted trees trained to reproduce the uploaded predictions.

The board uploads predictions, not a model, so explanations are computed on a
*surrogate*: a ``HistGradientBoostingClassifier`` fitted to the uploaded decisions (also
when there is a score: the board reads rates of favorable decisions, so that is what is
explained, in their probability). Its *fidelity*, how well it reproduces those decisions
on rows it was not trained on, is reported next to every explanation drawn from it.

The trees are kept small (60 rounds of at most 15 leaves, depth 6): SHAP's exact tree
algorithm costs rounds × leaves × depth² per row, and on the census-shaped benchmark and
the lending sample these trees reproduce the decisions as faithfully as 150 rounds of 31
leaves did, at a tenth of the time (``benchmarks/bench_explain.py``).

Features are encoded deterministically by :class:`FeatureEncoder`: numeric and boolean
columns as they are, every other column as an ordinal code. String codes are ordered by
the mean target of the category on the training rows, so that an ordinary threshold split
separates high- from low-outcome categories as a native categorical split would. (HGB's
native categorical splits are not used: ``shap.TreeExplainer`` reads HGB trees as numeric
thresholds and ignores the category bitsets, which silently breaks additivity.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from audit._errors import AuditInputError
from audit.inputs import INTERSECTION_SEP, PreparedData, SensitiveColumn
from audit.sources import proportional_quotas

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingClassifier

MAX_CATEGORIES = 250
MIN_CATEGORY_ROWS = 5
SMOOTHING = 10.0
OTHER = "(other)"
SURROGATE_ROWS = 20_000
HELD_OUT_FRACTION = 0.25
MIN_ROWS_PER_GROUP = 5
MIN_AGREEMENT = 0.9
MIN_R2 = 0.8
SURROGATE_PARAMS: dict[str, Any] = {"max_iter": 60, "learning_rate": 0.2, "max_leaf_nodes": 15,
                                    "max_depth": 6, "early_stopping": False}

LOW_AGREEMENT = (
    "The surrogate reproduces only {percent}% of the uploaded decisions on held-out rows; "
    "treat these explanations as indicative only."
)
CONSTANT_PREDICTIONS = (
    "Every uploaded prediction has the same value, so there is no difference between "
    "decisions to explain. Check that the prediction column holds the model's decisions."
)
NO_FEATURES = (
    "There are no columns besides the label, prediction, score and sensitive attributes, "
    "so nothing can explain the predictions. Upload the dataset with the model's input "
    "columns."
)


def one_thread() -> threadpool_limits:
    """Run OpenMP code (HGB fits, SHAP) on one thread for the duration of a ``with``.

    Our fits are small (at most 20,000 rows), where a second thread gains little; and on a
    busy 2-core server OpenMP's spinning barriers make a two-thread fit 10 to 30 times
    slower than a one-thread fit (measured: 14.6 s against 0.45 s for 2,250 rows).
    """
    return threadpool_limits(limits=1, user_api="openmp")


def single_attributes(data: PreparedData) -> tuple[SensitiveColumn, ...]:
    """The sensitive columns themselves, without any precomputed intersections."""
    return tuple(s for s in data.sensitive if INTERSECTION_SEP not in s.name)


def finest_cells(sensitive: Sequence[SensitiveColumn]) -> np.ndarray:
    """Integer id of each row's cell in the intersection of every sensitive attribute.

    Parameters
    ----------
    sensitive : sequence of SensitiveColumn
        The attributes to cross; all of the same length.

    Returns
    -------
    ndarray of shape (n_samples,)
        Compact codes ``0..k-1``, one per combination present.
    """
    if not sensitive:
        raise ValueError("finest_cells needs at least one sensitive column")
    dims = tuple(max(len(s.categories), 1) for s in sensitive)
    codes = tuple(np.asarray(s.codes, dtype=np.int64) for s in sensitive)
    flat = np.ravel_multi_index(codes, dims) if len(codes) > 1 else codes[0]
    return compact(flat, int(np.prod(dims)))[0]


def compact(flat: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Renumber codes in ``0..size-1`` to ``0..k-1`` over the k values present.

    Returns the new codes, the values present (sorted) and their counts: what
    ``np.unique(flat, return_inverse=True, return_counts=True)`` gives, in linear time
    when ``size`` is small (no sort of a million rows).
    """
    if size > 10_000_000:
        present, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
        return inverse.reshape(-1), present, counts
    every = np.bincount(flat, minlength=size)
    present = np.flatnonzero(every)
    lookup = np.zeros(size, dtype=np.int64)
    lookup[present] = np.arange(present.size)
    return lookup[flat], present, every[present]


def stratified_sample(
    cells: np.ndarray, *, size: int, seed: int, min_per_cell: int = MIN_ROWS_PER_GROUP
) -> np.ndarray:
    """Seeded sample of row positions, stratified by ``cells`` with proportional allocation.

    Every cell gets at least ``min(min_per_cell, cell size)`` rows, so small groups are
    never lost; when those minimums exceed ``size`` the sample is larger than ``size``.

    Parameters
    ----------
    cells : ndarray of shape (n_samples,)
        Non-negative integer cell id of each row (see :func:`finest_cells`).
    size : int
        Wanted sample size; every row is returned when the data is not larger.
    seed : int
        Seed of the random choice within each cell.
    min_per_cell : int, default=5
        Rows kept from every cell when it has them.

    Returns
    -------
    ndarray of shape (n_selected,)
        Sorted row positions.
    """
    cells = np.asarray(cells, dtype=np.int64)
    n = cells.shape[0]
    if size >= n:
        return np.arange(n)
    counts = np.bincount(cells)
    alloc = proportional_quotas(counts, size, min_per_cell)
    rng = np.random.default_rng(seed)
    if counts.size <= 64:  # a scan per cell is cheaper than sorting a million rows
        picked = [
            rng.choice(np.flatnonzero(cells == c), size=int(alloc[c]), replace=False)
            for c in range(counts.size)
            if alloc[c]
        ]
        return np.sort(np.concatenate(picked))
    perm = rng.permutation(n)
    order = perm[np.argsort(cells[perm], kind="stable")]
    starts = np.cumsum(counts) - counts
    rank = np.arange(n) - starts[cells[order]]
    return np.sort(order[rank < alloc[cells[order]]])


def feature_table(data: PreparedData, rows: np.ndarray, *, sensitive: bool = True) -> pd.DataFrame:
    """The feature columns of ``rows``, plus each sensitive attribute as text when asked."""
    table = data.frame.iloc[rows][list(data.features)].reset_index(drop=True)
    if sensitive:
        for column in single_attributes(data):
            names = np.asarray(column.categories, dtype=object)
            table[column.name] = pd.Series(names[np.asarray(column.codes)[rows]], dtype=object)
    return table


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _as_text(series: pd.Series) -> pd.Series:
    return series.astype("str").where(series.notna())


@dataclass(frozen=True)
class ColumnEncoding:
    """How one column becomes a number: as is (numeric) or as a code into ``categories``."""

    name: str
    kind: Literal["numeric", "datetime", "categorical"]
    categories: tuple[str, ...] = ()

    def encode(self, series: pd.Series) -> np.ndarray:
        if self.kind == "numeric":
            return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan))
        if self.kind == "datetime":
            stamps = pd.to_datetime(series)
            seconds = stamps.astype("int64").to_numpy(dtype=np.float64) / 1e9
            return np.where(stamps.isna().to_numpy(), np.nan, seconds)
        lookup = {name: float(code) for code, name in enumerate(self.categories)}
        text = _as_text(series)
        codes = text.map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)  # a hash join
        unseen = np.isnan(codes) & text.notna().to_numpy()
        return np.where(unseen, lookup[OTHER], codes)


@dataclass(frozen=True)
class FeatureEncoder:
    """Deterministic encoding of a table of features into a float matrix.

    ``dropped`` lists the columns left out: id-like text (at least 95% distinct values)
    and columns with no values at all.
    """

    columns: tuple[ColumnEncoding, ...]
    dropped: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def categorical(self) -> np.ndarray:
        """Boolean mask of the columns encoded as category codes."""
        return np.array([c.kind == "categorical" for c in self.columns], dtype=bool)

    @classmethod
    def fit(
        cls,
        table: pd.DataFrame,
        *,
        target: np.ndarray | None = None,
        max_categories: int = MAX_CATEGORIES,
    ) -> FeatureEncoder:
        """Learn the encoding of ``table``; codes are ordered by mean ``target`` if given.

        Parameters
        ----------
        table : DataFrame
            The rows to learn categories from.
        target : ndarray of shape (n_samples,), optional
            Numeric target; categories are ordered by their mean target, shrunk towards
            the overall mean by 10 pseudo-rows (ties by name).
            Without it they are ordered by frequency.
        max_categories : int, default=250
            The most frequent categories kept (those with at least 5 rows); the rest share
            the code of ``"(other)"``. 250 keeps every code in one of HGB's 255 bins.
        """
        columns: list[ColumnEncoding] = []
        dropped: list[str] = []
        for name in table.columns:
            series = table[name]
            present = series.dropna()
            if present.empty:
                dropped.append(str(name))
            elif pd.api.types.is_datetime64_any_dtype(series):
                columns.append(ColumnEncoding(str(name), "datetime"))
            elif _is_numeric(series):
                columns.append(ColumnEncoding(str(name), "numeric"))
            elif len(present) >= 20 and present.nunique() >= 0.95 * len(present):
                dropped.append(str(name))
            else:
                categories = _order_categories(_as_text(series), target, max_categories)
                columns.append(ColumnEncoding(str(name), "categorical", categories))
        return cls(tuple(columns), tuple(dropped))

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        """Float matrix of shape (n_samples, len(names)); missing values stay NaN."""
        matrix = np.empty((len(table), len(self.columns)), dtype=np.float64)
        for j, column in enumerate(self.columns):
            matrix[:, j] = column.encode(table[column.name])
        return matrix


def _order_categories(
    text: pd.Series, target: np.ndarray | None, max_categories: int
) -> tuple[str, ...]:
    counts = text.value_counts()
    ranked = sorted(counts.items(), key=lambda item: (-int(item[1]), str(item[0])))
    kept = [
        str(name)
        for name, count in ranked[:max_categories]
        if str(name) != OTHER and count >= MIN_CATEGORY_ROWS
    ]
    if target is None:
        return (*kept, OTHER)
    bucket = text.where(text.isin(kept) | text.isna(), OTHER).to_numpy()
    grouped = pd.Series(np.asarray(target, dtype=np.float64)).groupby(bucket)
    overall = float(np.mean(target)) if len(target) else 0.0
    # Means shrunk towards the overall mean, so that a rare category's order is not noise.
    smoothed = (grouped.sum() + SMOOTHING * overall) / (grouped.count() + SMOOTHING)
    names = [*kept, OTHER]
    return tuple(sorted(names, key=lambda c: (float(smoothed.get(c, overall)), c)))


@dataclass(frozen=True)
class Fidelity:
    """How faithfully the explained model reproduces the uploaded predictions.

    For decisions: ``agreement`` (share of identical decisions) and ``roc_auc`` (of the
    model's output against the uploaded decisions). For scores: ``r2`` and ``mae``.
    Measured on ``held_out_rows`` rows the surrogate was not trained on (for an uploaded
    model, which was not trained here: on the explained rows).
    """

    kind: Literal["classification", "regression"]
    agreement: float | None
    roc_auc: float | None
    r2: float | None
    mae: float | None
    trustworthy: bool
    warning: str | None
    held_out_rows: int

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "agreement": self.agreement,
            "roc_auc": self.roc_auc,
            "r2": self.r2,
            "mae": self.mae,
            "trustworthy": self.trustworthy,
            "warning": self.warning,
            "held_out_rows": self.held_out_rows,
        }


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def classification_fidelity(
    decisions: np.ndarray, output: np.ndarray, predicted: np.ndarray, *, warning: str
) -> Fidelity:
    """Fidelity of ``predicted`` decisions and ``output`` against uploaded ``decisions``."""
    decisions = np.asarray(decisions, dtype=bool)
    agreement = float(np.mean(predicted == decisions)) if decisions.size else math.nan
    auc = math.nan
    if 0 < decisions.sum() < decisions.size:
        from sklearn.metrics import roc_auc_score

        auc = float(roc_auc_score(decisions, output))
    ok = not math.isnan(agreement) and agreement >= MIN_AGREEMENT
    percent = math.floor(agreement * 100) if not math.isnan(agreement) else 0
    return Fidelity(
        kind="classification",
        agreement=_finite(agreement),
        roc_auc=_finite(auc),
        r2=None,
        mae=None,
        trustworthy=ok,
        warning=None if ok else warning.format(percent=percent),
        held_out_rows=int(decisions.size),
    )


def regression_fidelity(score: np.ndarray, output: np.ndarray, *, warning: str) -> Fidelity:
    """Fidelity of ``output`` against the uploaded ``score``: R² and mean absolute error."""
    from sklearn.metrics import mean_absolute_error, r2_score

    r2 = float(r2_score(score, output)) if score.size > 1 else math.nan
    mae = float(mean_absolute_error(score, output)) if score.size else math.nan
    ok = not math.isnan(r2) and r2 >= MIN_R2
    percent = max(math.floor(r2 * 100), 0) if not math.isnan(r2) else 0
    return Fidelity(
        kind="regression",
        agreement=None,
        roc_auc=None,
        r2=_finite(r2),
        mae=_finite(mae),
        trustworthy=ok,
        warning=None if ok else warning.format(percent=percent, r2=r2),
        held_out_rows=int(score.size),
    )


@dataclass(frozen=True, eq=False)
class Surrogate:
    """A fitted surrogate, its encoder, and its fidelity on held-out rows.

    ``output`` is the raw margin the explanations are in: log-odds of the favorable
    decision.
    """

    model: HistGradientBoostingClassifier
    encoder: FeatureEncoder
    fidelity: Fidelity
    fit_rows: int

    @property
    def output_space(self) -> Literal["log-odds"]:
        return "log-odds"

    def output(self, matrix: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.decision_function(matrix), dtype=np.float64)

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict_proba(matrix)[:, 1], dtype=np.float64)


def fit_surrogate(data: PreparedData, *, rows: int = SURROGATE_ROWS, seed: int = 0) -> Surrogate:
    """Fit the surrogate on a seeded, stratified sample of at most ``rows`` rows.

    A quarter of the sample is held out to measure fidelity. The target is the uploaded
    decision (True = favorable).

    Raises
    ------
    AuditInputError
        When every uploaded decision is the same, or there are no feature columns.
    """
    with one_thread():
        return _fit(data, rows=rows, seed=seed)


def _fit(data: PreparedData, *, rows: int, seed: int) -> Surrogate:
    from sklearn.ensemble import HistGradientBoostingClassifier

    singles = single_attributes(data)
    cells = finest_cells(singles) if singles else np.zeros(data.rows, dtype=np.int64)
    sample = stratified_sample(cells, size=rows, seed=seed)
    target = np.asarray(data.y_pred, dtype=bool)[sample]
    if target.all() == target.any():
        raise AuditInputError(CONSTANT_PREDICTIONS)
    held = np.random.default_rng(seed).random(sample.size) < HELD_OUT_FRACTION
    if held.all() or not held.any():
        held[:] = False
    train = ~held
    table = feature_table(data, sample)
    encoder = FeatureEncoder.fit(table.iloc[np.flatnonzero(train)], target=target[train])
    if not encoder.columns:
        raise AuditInputError(NO_FEATURES)
    matrix = encoder.transform(table)
    model = HistGradientBoostingClassifier(random_state=seed, **SURROGATE_PARAMS)
    model.fit(matrix[train], target[train])
    check = held if held.any() else train
    out = np.asarray(model.decision_function(matrix[check]), dtype=np.float64)
    fidelity = classification_fidelity(target[check], out, out > 0, warning=LOW_AGREEMENT)
    return Surrogate(model, encoder, fidelity, int(train.sum()))
