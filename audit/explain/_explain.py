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

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from audit._errors import AuditInputError
from audit.explain._model_io import BACKGROUND_ROWS, LoadedModel, OutputSpace, import_shap
from audit.explain._proxy import ProxyReport, detect_proxies, strength_of
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

Method = Literal["surrogate", "model"]
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
UNITS: Mapping[str, str] = {
    "log-odds": "in log-odds",
    "probability": "in probability",
    "margin": "in the model's margin",
    "score": "in score",
}


@dataclass(frozen=True)
class FeatureImportance:
    feature: str
    mean_abs_shap: float


@dataclass(frozen=True)
class GroupFeatureImportance:
    feature: str
    mean_abs_shap: float
    mean_shap: float


@dataclass(frozen=True)
class GroupImportance:
    """Mean |SHAP| and mean SHAP of each feature over one group's ``n`` explained rows."""

    attribute: str
    group: str
    n: int
    importance: tuple[GroupFeatureImportance, ...]


@dataclass(frozen=True)
class Contribution:
    """One feature's share of a gap; ``sensitive`` marks the attribute's own column(s)."""

    feature: str
    contribution: float
    sensitive: bool


@dataclass(frozen=True)
class GapAttribution:
    """Mean output of ``group`` minus that of ``reference``, split by feature.

    ``contributions`` sum exactly to ``gap`` (in the explained output's units);
    ``direct`` is their sum over the attribute's own columns, ``indirect`` the rest.
    ``gap_probability`` is the difference in mean probability of the favorable decision,
    for reading only: it is not additive over features. None when there is no probability.
    """

    attribute: str
    group: str
    reference: str
    gap: float
    gap_probability: float | None
    direct: float
    indirect: float
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True)
class Explanations:
    """Global, per-group and gap explanations, proxy scores, and how far to trust them.

    ``method`` is ``"surrogate"`` (trees fitted to the uploaded predictions) or ``"model"``
    (an uploaded model). ``output`` names the explained units. ``sample_size`` rows of the
    ``population_rows`` were explained; the surrogate was fitted on ``surrogate_rows``.
    """

    method: Method
    output: OutputSpace
    favorable: str
    fidelity: Fidelity
    sample_size: int
    population_rows: int
    surrogate_rows: int | None
    global_importance: tuple[FeatureImportance, ...]
    by_group: tuple[GroupImportance, ...]
    gap_attribution: tuple[GapAttribution, ...]
    proxies: ProxyReport
    dropped_features: tuple[str, ...] = ()

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.attribute for g in self.by_group))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (contract): plain floats, ints, strings, bools and None."""
        return {
            "method": self.method,
            "output": self.output,
            "fidelity": {k: _plain(v) for k, v in self.fidelity.to_dict().items()},
            "sample_size": self.sample_size,
            "population_rows": self.population_rows,
            "surrogate_rows": self.surrogate_rows,
            "dropped_features": list(self.dropped_features),
            "global_importance": [
                {"feature": f.feature, "mean_abs_shap": _plain(f.mean_abs_shap)}
                for f in self.global_importance
            ],
            "by_group": [
                {
                    "attribute": g.attribute,
                    "group": g.group,
                    "n": g.n,
                    "importance": [
                        {
                            "feature": i.feature,
                            "mean_abs_shap": _plain(i.mean_abs_shap),
                            "mean_shap": _plain(i.mean_shap),
                        }
                        for i in g.importance
                    ],
                }
                for g in self.by_group
            ],
            "gap_attribution": [
                {
                    "attribute": a.attribute,
                    "group": a.group,
                    "reference": a.reference,
                    "gap": _plain(a.gap),
                    "gap_probability": _plain(a.gap_probability),
                    "direct": _plain(a.direct),
                    "indirect": _plain(a.indirect),
                    "contributions": [
                        {
                            "feature": c.feature,
                            "contribution": _plain(c.contribution),
                            "sensitive": c.sensitive,
                        }
                        for c in a.contributions
                    ],
                }
                for a in self.gap_attribution
            ],
            "proxies": [
                {k: _plain(v) for k, v in s.to_dict().items()} for s in self.proxies.scores
            ],
            "proxy_all_features": [
                {k: _plain(v) for k, v in s.to_dict().items()} for s in self.proxies.all_features
            ],
        }

    def summary(self, attribute: str) -> list[str]:
        """Plain-words sentences about one attribute: its gaps, then its proxies."""
        if attribute not in self.attributes:
            raise KeyError(f"no attribute {attribute!r}; explained: {list(self.attributes)}")
        lines = [self.fidelity.warning] if self.fidelity.warning else []
        for gap in self.gap_attribution:
            if gap.attribute == attribute:
                lines.append(_gap_sentence(gap, self.output))
        scores = self.proxies.for_attribute(attribute)
        named = [s for s in scores if s.strength != "weak"][:3]
        for s in named:
            how, can = ("strongly", "can") if s.strength == "strong" else ("moderately", "may")
            lines.append(
                f"{s.feature} predicts {attribute} {how} (AUC {s.auc:.2f}): it {can} act as a "
                f"proxy for {attribute}."
            )
        if scores and not named:
            best = scores[0]
            lines.append(
                f"No single feature predicts {attribute} well (highest AUC {best.auc:.2f}, "
                f"{best.feature})."
            )
        for together in self.proxies.all_features:
            if together.attribute == attribute and together.auc is not None:
                lines.append(_together_sentence(attribute, together.auc))
        return lines


def _together_sentence(attribute: str, auc: float) -> str:
    strength = strength_of(auc)
    if strength == "strong":
        return (
            f"Together, the features predict {attribute} with AUC {auc:.2f}: they carry "
            f"{attribute} even where its own column is not used."
        )
    if strength == "moderate":
        return (
            f"Together, the features predict {attribute} with AUC {auc:.2f}: they carry some "
            f"information about {attribute}."
        )
    return f"Together, the features predict {attribute} only weakly (AUC {auc:.2f})."


def _plain(value: object) -> object:
    """Python scalars for JSON: numpy numbers unwrapped, NaN and infinities as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(value: float, digits: int = 2) -> str:
    """A signed number for sentences, with a true minus sign and no "−0.00"."""
    if 0 < abs(value) < 10**-digits:
        digits += 1
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "\u2212")


def _gap_sentence(gap: GapAttribution, output: str) -> str:
    units = UNITS[output]
    readable = ""
    if gap.gap_probability is not None and output != "probability":
        points = _number(100 * gap.gap_probability, digits=1)
        readable = f"; {points} percentage points in probability"
    head = (
        f"The gap in favorable outcomes between {gap.group} and {gap.reference} "
        f"({_number(gap.gap)} {units}{readable})"
    )
    total = sum(abs(c.contribution) for c in gap.contributions)
    if abs(gap.gap) < 0.01 and total < 0.02:
        return f"{head} is negligible."
    top = [c for c in gap.contributions[:3] if abs(c.contribution) >= 0.1 * total][:3] or list(
        gap.contributions[:1]
    )
    parts = []
    for c in top:
        if c.sensitive:
            parts.append(
                f"{c.feature} itself ({_number(c.contribution)}, the model uses the "
                "attribute directly)"
            )
        else:
            parts.append(f"{c.feature} ({_number(c.contribution)})")
    joined = parts[0] if len(parts) == 1 else ", from ".join(parts[:-1]) + " and from " + parts[-1]
    return f"{head} comes mostly from {joined}."


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


def explain(
    data: PreparedData,
    *,
    references: Mapping[str, str],
    model: LoadedModel | None = None,
    sample_size: int = 2000,
    seed: int = 0,
    intersections: bool = True,
    proxies: bool = True,
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

    Returns
    -------
    Explanations

    Raises
    ------
    AuditInputError
        A bad sample size or reference group, constant predictions, no feature columns,
        or an uploaded model that does not fit the data.
    """
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 10:
        raise AuditInputError(BAD_SAMPLE_SIZE.format(value=sample_size))
    attributes = _attributes(data, intersections)
    chosen = {a.name: _reference(a, references) for a in attributes}
    sample = attribute_sample(data, model=model, sample_size=sample_size, seed=seed)
    values = np.asarray(sample.explanation.values)
    names = [str(n) for n in sample.explanation.feature_names]
    mean_abs = np.abs(values).mean(axis=0)
    order = np.lexsort((np.array(names), -mean_abs))
    global_importance = tuple(FeatureImportance(names[j], float(mean_abs[j])) for j in order)
    by_group: list[GroupImportance] = []
    gaps: list[GapAttribution] = []
    for attribute in attributes:
        codes = attribute.codes[sample.rows]
        ref = chosen[attribute.name]
        direct = np.array([n in attribute.columns for n in names], dtype=bool)
        in_ref = codes == ref
        for g, group in enumerate(attribute.groups):
            members = codes == g
            if not members.any():
                continue
            v = values[members]
            group_abs, group_mean = np.abs(v).mean(axis=0), v.mean(axis=0)
            rank = np.lexsort((np.array(names), -group_abs))
            importance = tuple(
                GroupFeatureImportance(names[j], float(group_abs[j]), float(group_mean[j]))
                for j in rank
            )
            by_group.append(GroupImportance(attribute.name, group, int(members.sum()), importance))
            if g != ref:
                gaps.append(
                    _gap(attribute, group, ref, members, in_ref, sample, values, names, direct)
                )
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
        proxies=detect_proxies(data, seed=seed) if proxies else ProxyReport((), (), 0, ()),
        dropped_features=sample.dropped,
    )


def _gap(
    attribute: _Attribute,
    group: str,
    reference: int,
    members: np.ndarray,
    in_ref: np.ndarray,
    sample: SampleAttribution,
    values: np.ndarray,
    names: list[str],
    direct: np.ndarray,
) -> GapAttribution:
    contribution = values[members].mean(axis=0) - values[in_ref].mean(axis=0)
    gap = float(sample.output[members].mean() - sample.output[in_ref].mean())
    gap_probability = None
    if sample.probability is not None:
        p = sample.probability
        gap_probability = float(p[members].mean() - p[in_ref].mean())
    order = np.lexsort((np.array(names), -np.abs(contribution)))
    return GapAttribution(
        attribute=attribute.name,
        group=group,
        reference=attribute.groups[reference],
        gap=gap,
        gap_probability=gap_probability,
        direct=float(contribution[direct].sum()),
        indirect=float(contribution[~direct].sum()),
        contributions=tuple(
            Contribution(names[j], float(contribution[j]), bool(direct[j])) for j in order
        ),
    )
