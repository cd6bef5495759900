"""Explanations: why the model treats groups differently.

The *output* explained is the model's raw margin: log-odds of the favorable decision for
the surrogate classifier (see ``Explanations.output`` for other models). SHAP values split
each row's output into a *base value* plus one contribution per feature, exactly:
``output = base + sum(values)``. Averaged over a group, the base value is the same for
every group, so the **gap** in mean output between a group and its reference group is
split exactly into per-feature **contributions**: mean SHAP value in the group minus mean
SHAP value in the reference. The contribution of the attribute's own column is its
*direct* effect; the rest is *indirect* (through other features, possibly proxies).

Explanations are computed on a seeded sample stratified by the intersection of every
sensitive attribute, so that small groups are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from audit._errors import AuditInputError
from audit.explain._copies import (
    LeftOut,
    detect_copies,
    kept_copy,
    left_out_by_choice,
    left_out_by_encoder,
    left_out_copy,
)
from audit.explain._model_io import BACKGROUND_ROWS, LoadedModel, OutputSpace, import_shap
from audit.explain._proxy import BinnedSample, ProxyReport, binned_sample, detect_proxies
from audit.explain._result import (
    Contribution,
    Explanations,
    FeatureImportance,
    GapAttribution,
    GroupFeatureImportance,
    GroupImportance,
    Method,
)
from audit.explain._surrogate import (
    SURROGATE_ROWS,
    Fidelity,
    Surrogate,
    classification_fidelity,
    compact,
    feature_table,
    finest_cells,
    fit_surrogate,
    one_thread,
    regression_fidelity,
    single_attributes,
    stratified_sample,
)
from audit.inputs import INTERSECTION_SEP, PreparedData

ADDITIVITY_TOLERANCE = 1e-6
PERMUTATION_ROWS = 500

MODEL_LOW_AGREEMENT = (
    "The uploaded model reproduces only {percent}% of the uploaded decisions on the "
    "explained rows; it may not be the model that made them, so treat these explanations "
    "as indicative only."
)
MODEL_LOW_R2 = (
    "The uploaded model explains only {percent}% of the variation in the uploaded scores "
    "(R² {r2:.2f}); it may not be the model that made them, so treat these explanations as "
    "indicative only."
)
BAD_SAMPLE_SIZE = "sample_size must be a whole number of at least 10, got {value!r}."
MODEL_NOT_ADDITIVE = (
    "The uploaded model's explanations do not add up to its own output (they miss it by "
    "up to {miss:.3g}), so it cannot be explained exactly. Upload it as a tree model in a "
    ".skops file or as a plain ONNX classifier, or leave the model out to explain the "
    "decisions with a surrogate model."
)
REFERENCE_NOT_A_GROUP = (
    "The reference group {reference!r} is not a group of {attribute!r}. Its groups are: "
    "{groups}. Choose one of them."
)
NOT_A_FEATURE = (
    "Cannot leave out or keep {column!r} in the explanations: it is not one of the feature "
    "columns ({features}). Fix: choose one of those; the label, prediction, score, sensitive "
    "and id columns are never used as features."
)
NOTHING_LEFT = (
    "Every feature column was left out of the explanations ({columns}), so nothing is left "
    "to explain the decisions with. Fix: keep at least one of them."
)


@dataclass(frozen=True)
class _Attribute:
    name: str
    codes: np.ndarray
    groups: tuple[str, ...]
    columns: tuple[str, ...]
    counts: np.ndarray
    unknown: tuple[str, ...]


def _attributes(data: PreparedData, intersections: bool) -> list[_Attribute]:
    found = []
    for s in data.sensitive:
        codes = np.asarray(s.codes, dtype=np.int64)
        counts = np.bincount(codes, minlength=len(s.categories))
        columns = tuple(s.name.split(INTERSECTION_SEP))
        found.append(_Attribute(s.name, codes, s.categories, columns, counts, s.unknown))
    singles = single_attributes(data)
    name = INTERSECTION_SEP.join(s.name for s in singles)
    if intersections and len(singles) > 1 and all(a.name != name for a in found):
        dims = tuple(len(s.categories) for s in singles)
        flat = np.ravel_multi_index(tuple(np.asarray(s.codes) for s in singles), dims)
        codes, present, counts = compact(flat, int(np.prod(dims)))
        combos = np.unravel_index(present, dims)
        groups = tuple(
            INTERSECTION_SEP.join(s.categories[c[i]] for s, c in zip(singles, combos, strict=True))
            for i in range(present.size)
        )
        unknown = tuple(
            g
            for g, *parts in zip(groups, *combos, strict=True)
            if any(s.categories[p] in s.unknown for s, p in zip(singles, parts, strict=True))
        )
        columns = tuple(s.name for s in singles)
        found.append(_Attribute(name, codes, groups, columns, counts, unknown))
    return found


def _reference(attribute: _Attribute, references: Mapping[str, str]) -> int:
    wanted = references.get(attribute.name)
    if wanted is None:
        known = [i for i, g in enumerate(attribute.groups) if g not in attribute.unknown]
        candidates = known or list(range(len(attribute.groups)))
        return max(candidates, key=lambda i: (int(attribute.counts[i]), -i))
    if wanted not in attribute.groups or attribute.counts[attribute.groups.index(wanted)] == 0:
        present = [g for g, n in zip(attribute.groups, attribute.counts, strict=True) if n]
        raise AuditInputError(
            REFERENCE_NOT_A_GROUP.format(
                reference=wanted, attribute=attribute.name, groups=", ".join(present)
            )
        )
    return attribute.groups.index(wanted)


@dataclass(frozen=True, eq=False)
class SampleAttribution:
    """Row-level SHAP values of the explained sample (inside the engine only).

    ``explanation`` is a ``shap.Explanation`` (values, base_values, data, feature_names);
    ``output`` the model's own output for the same rows, computed independently of SHAP.
    """

    explanation: Any
    output: np.ndarray
    probability: np.ndarray | None
    rows: np.ndarray
    method: Method
    output_space: OutputSpace
    fidelity: Fidelity
    surrogate_rows: int | None
    dropped: tuple[str, ...]
    surrogate: Surrogate | None = None


def attribute_sample(
    data: PreparedData, *, model: LoadedModel | None = None, sample_size: int = 2000, seed: int = 0
) -> SampleAttribution:
    """Explain a seeded sample stratified by every sensitive attribute's intersection.

    Raises `AuditInputError` if an uploaded model's SHAP values do not add up to its output,
    and ``RuntimeError`` if the surrogate's do (a bug).
    """
    with one_thread():
        return _attribute_sample(data, model=model, sample_size=sample_size, seed=seed)


def _attribute_sample(
    data: PreparedData, *, model: LoadedModel | None, sample_size: int, seed: int
) -> SampleAttribution:
    singles = single_attributes(data)
    cells = finest_cells(singles) if singles else np.zeros(data.rows, dtype=np.int64)
    if model is not None and model.explainer == "permutation":
        sample_size = min(sample_size, PERMUTATION_ROWS)
    rows = stratified_sample(cells, size=sample_size, seed=seed)
    if model is None:
        surrogate = fit_surrogate(data, rows=SURROGATE_ROWS, seed=seed)
        matrix = surrogate.encoder.transform(feature_table(data, rows))
        sv = import_shap().TreeExplainer(surrogate.model)(matrix)
        explanation = import_shap().Explanation(
            values=np.asarray(sv.values, dtype=np.float64),
            base_values=np.asarray(sv.base_values, dtype=np.float64).reshape(-1),
            data=matrix,
            feature_names=list(surrogate.encoder.names),
        )
        result = SampleAttribution(
            explanation,
            surrogate.output(matrix),
            surrogate.probability(matrix),
            rows,
            "surrogate",
            surrogate.output_space,
            surrogate.fidelity,
            surrogate.fit_rows,
            surrogate.encoder.dropped,
            surrogate,
        )
    else:
        result = _attribute_with_model(data, model, rows, seed)
    values = result.explanation.values
    error = np.abs(values.sum(axis=1) + result.explanation.base_values - result.output)
    scale = max(1.0, float(np.abs(result.output).max(initial=0.0)))
    if error.size and float(error.max()) > ADDITIVITY_TOLERANCE * scale:
        if result.method == "model":
            raise AuditInputError(MODEL_NOT_ADDITIVE.format(miss=float(error.max())))
        raise RuntimeError(f"SHAP values miss the model output by {float(error.max()):.3g}")
    return result


def _attribute_with_model(
    data: PreparedData, model: LoadedModel, rows: np.ndarray, seed: int
) -> SampleAttribution:
    columns = list(model.input_columns([str(c) for c in data.frame.columns]))
    table = data.frame.iloc[rows][columns].reset_index(drop=True)
    rng = np.random.default_rng(seed + 1)
    picked = np.sort(rng.choice(data.rows, size=min(BACKGROUND_ROWS, data.rows), replace=False))
    background = data.frame.iloc[picked][columns].reset_index(drop=True)
    explanation, output, probability = model.attribute(
        table, favorable=data.favorable, background=background, seed=seed
    )
    if data.score is not None and model.output_space == "score":
        score = np.asarray(data.score, dtype=np.float64)[rows]
        fidelity = regression_fidelity(score, output, warning=MODEL_LOW_R2)
    else:
        decided = np.asarray(data.y_pred, dtype=bool)[rows]
        fidelity = classification_fidelity(
            decided, output, model.decision(output), warning=MODEL_LOW_AGREEMENT
        )
    return SampleAttribution(
        explanation, output, probability, rows, "model", model.output_space, fidelity, None, ()
    )


def _checked_columns(columns: Sequence[str], features: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(str(c) for c in columns))
    unknown = [c for c in wanted if c not in features]
    if unknown:
        raise AuditInputError(NOT_A_FEATURE.format(column=unknown[0],
                                                   features=", ".join(features)))
    return wanted


def choose_columns(data: PreparedData, *, leave_out: Sequence[str] = (),
                   keep: Sequence[str] = (), model_inputs: Sequence[str] = (),
                   seed: int = 0, binned: BinnedSample | None = None,
                   ) -> tuple[PreparedData, tuple[LeftOut, ...], tuple[LeftOut, ...]]:
    """The data with the columns to explain, the columns left out and the copies kept.

    Copies of the label or the prediction (`detect_copies`) are left out unless in ``keep``
    or an input of the uploaded model (``model_inputs``); the columns in ``leave_out`` are
    left out (except a model's inputs, which the model needs).

    Raises
    ------
    AuditInputError
        A column in ``leave_out`` or ``keep`` that is not a feature, or nothing left.
    """
    chosen = _checked_columns(leave_out, data.features)
    kept_by_user = _checked_columns(keep, data.features)
    left_out = [left_out_by_choice(c) for c in chosen if c not in model_inputs]
    kept: list[LeftOut] = []
    for copy in detect_copies(data, seed=seed, binned=binned):
        if copy.column in model_inputs:
            kept.append(kept_copy(copy, model_input=True))
        elif copy.column in kept_by_user and copy.column not in chosen:
            kept.append(kept_copy(copy))
        elif copy.column not in chosen and all(c.column != copy.column for c in left_out):
            left_out.append(left_out_copy(copy))
    gone = {c.column for c in left_out}
    features = tuple(f for f in data.features if f not in gone)
    if data.features and not features:
        raise AuditInputError(NOTHING_LEFT.format(columns=", ".join(data.features)))
    return replace(data, features=features), tuple(left_out), tuple(kept)


def explain(
    data: PreparedData,
    *,
    references: Mapping[str, str],
    model: LoadedModel | None = None,
    sample_size: int = 2000,
    seed: int = 0,
    intersections: bool = True,
    proxies: bool = True,
    leave_out: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> Explanations:
    """Explain the uploaded predictions: global, per group, gap attribution and proxies.

    Parameters
    ----------
    data : PreparedData
        The audited table.
    references : mapping of str to str
        Reference group of each attribute; missing ones default to the largest group.
    model : LoadedModel, optional
        An uploaded model to explain directly; without one a surrogate is fitted.
    sample_size : int, default=2000
        Rows explained, sampled with ``seed`` and stratified by the intersection of every
        sensitive attribute (each group keeps a few rows when it has them). At most 500
        for an uploaded model explained by permutation (it calls the model once per row).
    seed : int, default=0
        Seed of every sample, split and model in the computation.
    intersections : bool, default=True
        Also explain the intersection of all sensitive attributes.
    proxies : bool, default=True
        Also score every feature as a proxy for each sensitive attribute.
    leave_out : sequence of str, default=()
        Feature columns not to explain with (sampling weights, ids, ...).
    keep : sequence of str, default=()
        Columns found to copy the label or the prediction that are explained with anyway
        (by default such copies are left out).

    Returns
    -------
    Explanations
        Every value in the model's output units and, when the model gives a probability,
        in probability of the favorable decision (percentage points on the Fairness page).

    Raises
    ------
    AuditInputError
        A bad sample size, reference group or column to leave out or keep, constant
        predictions, no feature columns, or an uploaded model that does not fit the data.
    """
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 10:
        raise AuditInputError(BAD_SAMPLE_SIZE.format(value=sample_size))
    attributes = _attributes(data, intersections)
    chosen = {a.name: _reference(a, references) for a in attributes}
    inputs = () if model is None else model.input_columns([str(c) for c in data.frame.columns])
    with one_thread():  # encoded and binned once, for the copies and the proxies
        binned = binned_sample(data, seed=seed)
    used, left_out, kept = choose_columns(data, leave_out=leave_out, keep=keep,
                                          model_inputs=inputs, seed=seed, binned=binned)
    sample = attribute_sample(used, model=model, sample_size=sample_size, seed=seed)
    values = np.asarray(sample.explanation.values)
    shares = probability_values(sample)
    names = [str(n) for n in sample.explanation.feature_names]
    tie = np.array(names)
    mean_abs = np.abs(values).mean(axis=0)
    mean_abs_p = None if shares is None else np.abs(shares).mean(axis=0)
    order = np.lexsort((tie, -mean_abs))
    global_importance = tuple(
        FeatureImportance(names[j], float(mean_abs[j]), _at(mean_abs_p, j)) for j in order)
    by_group: list[GroupImportance] = []
    gaps: list[GapAttribution] = []
    decided = np.asarray(data.y_pred, dtype=np.float64)
    for attribute in attributes:
        codes = attribute.codes[sample.rows]
        ref = chosen[attribute.name]
        rates = np.bincount(attribute.codes, weights=decided, minlength=len(attribute.groups))
        rates = rates / np.maximum(attribute.counts, 1)
        direct = np.array([n in attribute.columns for n in names], dtype=bool)
        in_ref = codes == ref
        for g, group in enumerate(attribute.groups):
            members = codes == g
            if not members.any():
                continue
            v = values[members]
            group_abs, group_mean = np.abs(v).mean(axis=0), v.mean(axis=0)
            p_abs = p_mean = None
            if shares is not None:
                p_abs, p_mean = np.abs(shares[members]).mean(axis=0), shares[members].mean(axis=0)
            rank = np.lexsort((tie, -group_abs))
            importance = tuple(
                GroupFeatureImportance(names[j], float(group_abs[j]), float(group_mean[j]),
                                       _at(p_abs, j), _at(p_mean, j))
                for j in rank
            )
            by_group.append(GroupImportance(attribute.name, group, int(members.sum()), importance))
            if g != ref:
                gaps.append(replace(
                    _gap(attribute, group, ref, members, in_ref, sample, values, shares, names,
                         direct),
                    group_rate=float(rates[g]), reference_rate=float(rates[ref])))
    return Explanations(
        method=sample.method,
        output=sample.output_space,
        favorable=data.favorable,
        fidelity=sample.fidelity,
        sample_size=int(sample.rows.size),
        population_rows=data.rows,
        surrogate_rows=sample.surrogate_rows,
        global_importance=global_importance,
        by_group=tuple(by_group),
        gap_attribution=tuple(gaps),
        proxies=(detect_proxies(used, seed=seed, binned=binned) if proxies
                 else ProxyReport((), (), 0, ())),
        dropped_features=sample.dropped,
        left_out=(*left_out, *(left_out_by_encoder(c, empty=bool(data.frame[c].isna().all()))
                               for c in sample.dropped)),
        kept=kept,
    )


def _at(values: np.ndarray | None, j: int) -> float | None:
    return None if values is None else float(values[j])


def probability_values(sample: SampleAttribution) -> np.ndarray | None:
    """Each row's SHAP values in probability of the favorable decision (None: no probability).

    For log-odds output f with base value b, row i's values are scaled by
    ``(σ(f_i) − σ(b)) / (f_i − b)`` (σ′(b) where f_i = b), so that they add up to
    ``σ(f_i) − σ(b)``; probability output is used as it is. Differences of group means then
    split the gap in mean probability exactly.
    """
    values = np.asarray(sample.explanation.values, dtype=np.float64)
    if sample.output_space == "probability":
        return values
    if sample.output_space != "log-odds":
        return None
    base = np.asarray(sample.explanation.base_values, dtype=np.float64).reshape(-1)
    output = base + values.sum(axis=1)
    step = output - base
    flat = np.abs(step) < 1e-9
    slope = _sigmoid(base) * (1.0 - _sigmoid(base))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(flat, slope, (_sigmoid(output) - _sigmoid(base)) / np.where(flat, 1.0,
                                                                                    step))
    return values * scale[:, None]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _gap(
    attribute: _Attribute,
    group: str,
    reference: int,
    members: np.ndarray,
    in_ref: np.ndarray,
    sample: SampleAttribution,
    values: np.ndarray,
    shares: np.ndarray | None,
    names: list[str],
    direct: np.ndarray,
) -> GapAttribution:
    contribution = values[members].mean(axis=0) - values[in_ref].mean(axis=0)
    gap = float(sample.output[members].mean() - sample.output[in_ref].mean())
    share = None
    gap_probability = direct_p = indirect_p = None
    if shares is not None:
        share = shares[members].mean(axis=0) - shares[in_ref].mean(axis=0)
        gap_probability = float(share.sum())
        direct_p, indirect_p = float(share[direct].sum()), float(share[~direct].sum())
    order = np.lexsort((np.array(names), -np.abs(contribution if share is None else share)))
    return GapAttribution(
        attribute=attribute.name,
        group=group,
        reference=attribute.groups[reference],
        gap=gap,
        gap_probability=gap_probability,
        direct=float(contribution[direct].sum()),
        indirect=float(contribution[~direct].sum()),
        contributions=tuple(
            Contribution(names[j], float(contribution[j]), bool(direct[j]), _at(share, j))
            for j in order
        ),
        direct_probability=direct_p,
        indirect_probability=indirect_p,
    )
