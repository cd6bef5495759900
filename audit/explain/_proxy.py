"""Proxy detection: which features predict a sensitive attribute by themselves.

A feature that predicts, say, race well can carry race into a model's decisions even when
race is not an input: it can act as a *proxy*. For each sensitive attribute (not the
intersections) and each feature, on a seeded sample of at most 20,000 rows:

- ``mutual_information`` (nats) and ``normalized_mutual_information`` (0 to 1) between
  the attribute and the feature discretised (numbers in 20 quantile bins, text by
  category, missing values as a bin of their own);
- ``auc``: cross-validated (3-fold, seeded) one-vs-rest macro ROC AUC of the smallest
  model of the attribute given that discretised feature alone: the share of each group
  in each bin, learnt on two folds and scored on the third. 0.5 means no information.

``score`` is the AUC; a feature is a *strong* proxy from 0.7 and a *moderate* one from
0.6. The all-features AUC (gradient-boosted trees on every feature, cross-validated on two
seeded folds) says how well the features predict the attribute together. Rows whose
attribute is unknown are left out, and so are groups with fewer than three rows in the
sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from audit.explain._surrogate import (
    SURROGATE_ROWS,
    FeatureEncoder,
    feature_table,
    finest_cells,
    one_thread,
    single_attributes,
    stratified_sample,
)
from audit.inputs import PreparedData

STRONG_PROXY_AUC = 0.7
MODERATE_PROXY_AUC = 0.6
QUANTILE_BINS = 20
FOLDS = 3
# 12 rounds at a learning rate of 0.4 give the all-features AUC of 40 rounds at 0.2 within
# 0.01 on the lending sample and the census-shaped benchmark, in a third of the time (one
# tree per class and round: race with five groups grows 180 trees over the three folds)
ALL_FEATURES_ROUNDS = 12
# two folds, not three: half the rows to grow trees on (each fold trains on half the sample,
# twice, against two thirds, three times), for an AUC within 0.01 of the three folds' on the
# lending sample and the census-shaped benchmark
ALL_FEATURES_FOLDS = 2

Strength = Literal["strong", "moderate", "weak"]
Folds = list[tuple[np.ndarray, np.ndarray]]


def strength_of(auc: float) -> Strength:
    """``"strong"`` from :data:`STRONG_PROXY_AUC`, ``"moderate"`` from 0.6, else weak."""
    if auc >= STRONG_PROXY_AUC:
        return "strong"
    return "moderate" if auc >= MODERATE_PROXY_AUC else "weak"


@dataclass(frozen=True)
class ProxyScore:
    """How well one feature alone predicts one sensitive attribute."""

    attribute: str
    feature: str
    auc: float
    mutual_information: float
    normalized_mutual_information: float

    @property
    def score(self) -> float:
        """The ranking score: the cross-validated AUC."""
        return self.auc

    @property
    def strength(self) -> Strength:
        return strength_of(self.auc)

    def to_dict(self) -> dict[str, object]:
        return {
            "attribute": self.attribute,
            "feature": self.feature,
            "score": self.score,
            "mutual_information": self.mutual_information,
            "normalized_mutual_information": self.normalized_mutual_information,
            "auc": self.auc,
            "strength": self.strength,
        }


@dataclass(frozen=True)
class AllFeaturesProxy:
    """How well all features together predict one sensitive attribute (None: too few rows)."""

    attribute: str
    auc: float | None

    def to_dict(self) -> dict[str, object]:
        return {"attribute": self.attribute, "auc": self.auc}


@dataclass(frozen=True)
class ProxyReport:
    """Every attribute's proxy scores, best first within each attribute."""

    scores: tuple[ProxyScore, ...]
    all_features: tuple[AllFeaturesProxy, ...]
    sample_size: int
    dropped: tuple[str, ...]

    def for_attribute(self, attribute: str) -> tuple[ProxyScore, ...]:
        return tuple(s for s in self.scores if s.attribute == attribute)


def discretise(column: np.ndarray, *, categorical: bool, bins: int = QUANTILE_BINS) -> np.ndarray:
    """Bin codes ``0..k-1`` of an encoded column: quantile bins for numbers, codes for text.

    Missing values get a bin of their own.
    """
    missing = np.isnan(column)
    if categorical:
        codes = np.where(missing, -1, column).astype(np.int64)
    else:
        present = column[~missing]
        inner = np.linspace(0, 1, bins + 1)[1:-1]
        edges = np.unique(np.quantile(present, inner)) if present.size else np.array([])
        codes = np.searchsorted(edges, np.where(missing, 0.0, column), side="right")
        codes = np.where(missing, -1, codes)
    return np.unique(codes, return_inverse=True)[1].reshape(-1)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values``, tied values sharing their average rank."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], values.size]
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = ((starts + 1 + ends) / 2.0)[np.cumsum(first) - 1]
    return ranks


def binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` for the rows where ``positive`` holds, ties counted as one half
    (the Mann-Whitney statistic; what ``sklearn.metrics.roc_auc_score`` gives)."""
    positive = np.asarray(positive, dtype=bool)
    n1 = int(positive.sum())
    n0 = positive.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = average_ranks(np.asarray(score, dtype=np.float64))
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def _entropy(counts: np.ndarray) -> float:
    counts = counts[counts > 0].astype(np.float64)
    total = counts.sum()
    return float(-np.sum((counts / total) * (np.log(counts) - np.log(total))))


def mutual_information(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mutual information (nats) of two codings ``0..k-1`` of the same rows, and its
    normalisation by the mean of their entropies: what scikit-learn's
    ``mutual_info_score`` and ``normalized_mutual_info_score`` give, from one contingency
    table."""
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    table = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb)
    rows, columns = table.sum(axis=1), table.sum(axis=0)
    if np.count_nonzero(rows) <= 1 and np.count_nonzero(columns) <= 1:
        return 0.0, 1.0  # neither coding splits the rows: both carry the same (no) information
    if np.count_nonzero(rows) <= 1 or np.count_nonzero(columns) <= 1:
        return 0.0, 0.0
    i, j = np.nonzero(table)
    joint = table[i, j].astype(np.float64)
    n = joint.sum()
    outer = rows[i].astype(np.float64) * columns[j].astype(np.float64)
    terms = (joint / n) * (np.log(joint) - np.log(n)) + (joint / n) * (2 * np.log(n)
                                                                     - np.log(outer))
    terms = np.where(np.abs(terms) < np.finfo(np.float64).eps, 0.0, terms)
    mi = max(float(terms.sum()), 0.0)
    if mi == 0.0:
        return 0.0, 0.0
    return mi, mi / ((_entropy(rows) + _entropy(columns)) / 2)


def _auc(target: np.ndarray, proba: np.ndarray) -> float:
    """Binary AUC, or the one-vs-rest macro average over the classes (sklearn's ``ovr``)."""
    if proba.shape[1] == 2:
        return binary_auc(target == 1, proba[:, 1])
    return float(np.mean([binary_auc(target == k, proba[:, k])
                          for k in range(proba.shape[1])]))


def _bin_model_proba(bins: np.ndarray, target: np.ndarray, folds: Folds) -> np.ndarray:
    """Out-of-fold P(group | bin), with the group's overall share as a one-row prior."""
    k, b = int(target.max()) + 1, int(bins.max()) + 1
    proba = np.empty((target.size, k))
    for train, test in folds:
        table = np.zeros((b, k))
        np.add.at(table, (bins[train], target[train]), 1.0)
        prior = np.bincount(target[train], minlength=k) / train.size
        table = (table + prior) / (table.sum(axis=1, keepdims=True) + 1.0)
        proba[test] = table[bins[test]]
    return proba


def _all_features_proba(
    matrix: np.ndarray, categorical: np.ndarray, target: np.ndarray, folds: Folds, seed: int
) -> np.ndarray:
    from sklearn.ensemble import HistGradientBoostingClassifier

    k = int(target.max()) + 1
    proba = np.empty((target.size, k))
    for train, test in folds:
        model = HistGradientBoostingClassifier(
            max_iter=ALL_FEATURES_ROUNDS,
            learning_rate=0.4,
            max_leaf_nodes=15,
            categorical_features=categorical if categorical.any() else None,
            early_stopping=False,
            random_state=seed,
        )
        model.fit(matrix[train], target[train])
        proba[test] = model.predict_proba(matrix[test])
    return proba


@dataclass(frozen=True, eq=False)
class BinnedSample:
    """The features of a seeded, stratified sample, encoded and binned once for both the
    proxy scores and the search for copies of the outcome."""

    rows: np.ndarray
    names: tuple[str, ...]
    matrix: np.ndarray
    categorical: np.ndarray
    bins: tuple[np.ndarray, ...]
    dropped: tuple[str, ...]

    def only(self, columns: tuple[str, ...]) -> BinnedSample:
        """The same sample restricted to ``columns`` (those that were encoded)."""
        keep = [j for j, name in enumerate(self.names) if name in set(columns)]
        return BinnedSample(self.rows, tuple(self.names[j] for j in keep),
                            self.matrix[:, keep], self.categorical[keep],
                            tuple(self.bins[j] for j in keep),
                            tuple(d for d in self.dropped if d in set(columns)))


def binned_sample(data: PreparedData, *, sample_size: int = SURROGATE_ROWS,
                  seed: int = 0) -> BinnedSample:
    """Every feature of at most ``sample_size`` rows (seeded, stratified by the sensitive
    attributes), encoded (`FeatureEncoder`, categories by frequency) and binned."""
    singles = single_attributes(data)
    cells = finest_cells(singles) if singles else np.zeros(data.rows, dtype=np.int64)
    rows = stratified_sample(cells, size=sample_size, seed=seed)
    table = feature_table(data, rows, sensitive=False)
    encoder = FeatureEncoder.fit(table)
    matrix = encoder.transform(table)
    mask = encoder.categorical
    bins = tuple(discretise(matrix[:, j], categorical=bool(mask[j]))
                 for j in range(matrix.shape[1]))
    return BinnedSample(rows, encoder.names, matrix, mask, bins, encoder.dropped)


def detect_proxies(
    data: PreparedData, *, sample_size: int = SURROGATE_ROWS, seed: int = 0,
    binned: BinnedSample | None = None,
) -> ProxyReport:
    """Score every feature as a proxy for every sensitive attribute.

    Parameters
    ----------
    data : PreparedData
        The audited table; ``features`` are the candidate proxies.
    sample_size : int, default=20000
        Rows used, sampled with a seed and stratified by the sensitive attributes.
    seed : int, default=0
        Seed of the sample and of the cross-validation folds.
    binned : BinnedSample, optional
        The sample already binned (`binned_sample` with the same size and seed), of these
        features or more.

    Returns
    -------
    ProxyReport
        For each attribute, the features ranked by AUC (highest first).
    """
    with one_thread():
        if not single_attributes(data):
            return ProxyReport((), (), 0, ())
        if binned is None:
            binned = binned_sample(data, sample_size=sample_size, seed=seed)
        return _detect(data, binned.only(data.features), seed=seed)


def _detect(data: PreparedData, binned: BinnedSample, *, seed: int) -> ProxyReport:
    from sklearn.model_selection import StratifiedKFold

    singles = single_attributes(data)
    rows, matrix, mask, bins = binned.rows, binned.matrix, binned.categorical, binned.bins
    scores: list[ProxyScore] = []
    together: list[AllFeaturesProxy] = []
    for column in singles:
        codes = np.asarray(column.codes)[rows]
        known = ~np.isin(codes, [column.categories.index(u) for u in column.unknown])
        counts = np.bincount(codes[known], minlength=len(column.categories))
        keep = known & (counts[codes] >= FOLDS)
        target = np.unique(codes[keep], return_inverse=True)[1].reshape(-1)
        if not binned.names or target.size == 0 or target.max() < 1:
            together.append(AllFeaturesProxy(column.name, None))
            continue
        splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        folds = list(splitter.split(np.zeros(target.size), target))
        found = []
        for j, name in enumerate(binned.names):
            feature_bins = np.unique(bins[j][keep], return_inverse=True)[1].reshape(-1)
            mi, nmi = mutual_information(target, feature_bins)
            found.append(
                ProxyScore(
                    attribute=column.name,
                    feature=name,
                    auc=_auc(target, _bin_model_proba(feature_bins, target, folds)),
                    mutual_information=mi,
                    normalized_mutual_information=nmi,
                )
            )
        scores.extend(sorted(found, key=lambda s: (-s.auc, s.feature)))
        halves = StratifiedKFold(n_splits=ALL_FEATURES_FOLDS, shuffle=True, random_state=seed)
        proba = _all_features_proba(matrix[keep], mask, target,
                                    list(halves.split(np.zeros(target.size), target)), seed)
        together.append(AllFeaturesProxy(column.name, _auc(target, proba)))
    return ProxyReport(tuple(scores), tuple(together), int(rows.size), binned.dropped)
