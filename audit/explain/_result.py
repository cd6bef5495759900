"""What `explain` returns: importance, gap attribution, proxies, the columns left out, words.

Two units. SHAP values are in the explained model's own *output* (log-odds for the
surrogate; see ``Explanations.output``). Where the model gives a probability of the
favorable decision, every value is also read in **probability** (a share; times 100,
percentage points, the unit of the Fairness page): each row's SHAP values are scaled by
one factor so that they add up to that row's probability minus the base probability.
Averaged over a group and differenced, both readings split the gap exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from audit._words import outcome_verb
from audit.explain._copies import LeftOut
from audit.explain._model_io import OutputSpace
from audit.explain._proxy import ProxyReport, strength_of
from audit.explain._surrogate import Fidelity

Method = Literal["surrogate", "model"]
NEGLIGIBLE_POINTS = 0.5
UNITS: dict[str, str] = {
    "log-odds": "log-odds",
    "probability": "probability",
    "margin": "the model's margin",
    "score": "score",
}
MODEL_NAMES: dict[str, str] = {"surrogate": "The surrogate model", "model": "The uploaded model"}


@dataclass(frozen=True)
class FeatureImportance:
    """Mean |SHAP| of one feature: in the model's output, and in probability (or None)."""

    feature: str
    mean_abs_shap: float
    mean_abs_probability: float | None = None


@dataclass(frozen=True)
class GroupFeatureImportance:
    feature: str
    mean_abs_shap: float
    mean_shap: float
    mean_abs_probability: float | None = None
    mean_probability: float | None = None


@dataclass(frozen=True)
class GroupImportance:
    """Mean |SHAP| and mean SHAP of each feature over one group's ``n`` explained rows."""

    attribute: str
    group: str
    n: int
    importance: tuple[GroupFeatureImportance, ...]


@dataclass(frozen=True)
class Contribution:
    """One feature's share of a gap; ``sensitive`` marks the attribute's own column(s).

    ``contribution`` is in the model's output, ``probability`` in probability of the
    favorable decision (None when the model gives none).
    """

    feature: str
    contribution: float
    sensitive: bool
    probability: float | None = None


@dataclass(frozen=True)
class GapAttribution:
    """Group ``group`` against ``reference``: the gap on the Fairness page, split by feature.

    ``group_rate`` and ``reference_rate`` are the shares of favorable decisions among all
    audited rows of each group: the selection rates of the Fairness page. On the explained
    rows, the model's mean probability of a favorable decision differs by
    ``gap_probability``, split exactly into ``contributions[].probability`` (``direct``:
    the attribute's own columns; ``indirect``: the rest). ``unexplained`` is what the
    model and the sample leave of the observed gap. ``gap`` and ``contribution`` are the
    same split in the model's output units (log-odds for the surrogate).
    """

    attribute: str
    group: str
    reference: str
    gap: float
    gap_probability: float | None
    direct: float
    indirect: float
    contributions: tuple[Contribution, ...]
    group_rate: float = math.nan
    reference_rate: float = math.nan
    direct_probability: float | None = None
    indirect_probability: float | None = None

    @property
    def observed_gap(self) -> float:
        """Selection rate of the group minus that of the reference, over all rows."""
        return self.group_rate - self.reference_rate

    @property
    def unexplained(self) -> float | None:
        """The observed gap minus the model's gap in probability (None without one)."""
        if self.gap_probability is None:
            return None
        return self.observed_gap - self.gap_probability


DRAWN_STATEMENT = (
    "Explanations and proxies were computed on a seeded sample of {rows:,} of the "
    "{population:,} audited rows, drawn where the data lives ({engine}) and stratified by "
    "finest cell in proportion to each cell's size, at least {minimum} rows of each cell "
    "(all rows of a smaller one): {smallest:,} to {largest:,} rows per cell, seed {seed}. "
    "The rows audited and each group's selection rate are those of every audited row."
)


@dataclass(frozen=True)
class DrawnSample:
    """The sample explanations were computed on when the rows stayed in their engine."""

    engine: str
    rows: int
    population_rows: int
    seed: int
    min_per_cell: int
    per_cell: tuple[int, ...]  # rows drawn from each finest cell, in the cell table's order

    @property
    def statement(self) -> str:
        return DRAWN_STATEMENT.format(
            rows=self.rows, population=self.population_rows, engine=self.engine,
            minimum=self.min_per_cell, smallest=min(self.per_cell, default=0),
            largest=max(self.per_cell, default=0), seed=self.seed)

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "rows": self.rows,
                "population_rows": self.population_rows, "seed": self.seed,
                "stratified_by": "finest cell", "allocation": "proportional",
                "min_per_cell": self.min_per_cell, "per_cell": list(self.per_cell),
                "statement": self.statement}


@dataclass(frozen=True)
class Explanations:
    """Global, per-group and gap explanations, proxy scores, and how far to trust them.

    ``method`` is ``"surrogate"`` (trees fitted to the uploaded decisions) or ``"model"``
    (an uploaded model). ``output`` names the explained units. ``sample_size`` rows of the
    ``population_rows`` were explained; the surrogate was fitted on ``surrogate_rows``.
    ``left_out`` lists the columns the explanations did not use and why; ``kept`` the
    copies of the outcome that stayed in (kept by the user, or inputs of the model).
    ``drawn`` is the sample a source drew where the data lives (``DrawnSample``), when the
    rows stayed in their engine.
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
    left_out: tuple[LeftOut, ...] = ()
    kept: tuple[LeftOut, ...] = ()
    outcome_meaning: str = ""  # what the favorable outcome means (AuditSpec.outcome_meaning)
    # the sample drawn where the data lives (DuckDB, Spark: `explain_source`); None in memory
    drawn: DrawnSample | None = None

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.attribute for g in self.by_group))

    @property
    def in_probability(self) -> bool:
        """True when every value is also read in probability (percentage points)."""
        return all(g.gap_probability is not None for g in self.gap_attribution) and all(
            f.mean_abs_probability is not None for f in self.global_importance)

    @property
    def copies(self) -> tuple[LeftOut, ...]:
        """The columns found to copy the label or the prediction (left out or kept)."""
        return tuple(c for c in (*self.left_out, *self.kept) if c.reason.startswith("copies"))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (contract): plain floats, ints, strings, bools and None."""
        return _plain({
            "method": self.method,
            "output": self.output,
            "fidelity": self.fidelity.to_dict(),
            "sample_size": self.sample_size,
            "population_rows": self.population_rows,
            "surrogate_rows": self.surrogate_rows,
            "dropped_features": list(self.dropped_features),
            "left_out": [c.to_dict() for c in self.left_out],
            "kept_copies": [c.to_dict() for c in self.kept],
            "global_importance": [
                {"feature": f.feature, "mean_abs_shap": f.mean_abs_shap,
                 **_optional(mean_abs_probability=f.mean_abs_probability)}
                for f in self.global_importance
            ],
            "by_group": [
                {"attribute": g.attribute, "group": g.group, "n": g.n,
                 "importance": [
                     {"feature": i.feature, "mean_abs_shap": i.mean_abs_shap,
                      "mean_shap": i.mean_shap,
                      **_optional(mean_abs_probability=i.mean_abs_probability,
                                  mean_probability=i.mean_probability)}
                     for i in g.importance]}
                for g in self.by_group
            ],
            "gap_attribution": [_gap_dict(a) for a in self.gap_attribution],
            "proxies": [s.to_dict() for s in self.proxies.scores],
            "proxy_all_features": [s.to_dict() for s in self.proxies.all_features],
            **({"drawn_sample": self.drawn.to_dict()} if self.drawn is not None else {}),
        })

    def summary(self, attribute: str) -> list[str]:
        """Plain-words sentences about one attribute: its gaps, then its proxies."""
        if attribute not in self.attributes:
            raise KeyError(f"no attribute {attribute!r}; explained: {list(self.attributes)}")
        lines = [self.fidelity.warning] if self.fidelity.warning else []
        for gap in self.gap_attribution:
            if gap.attribute == attribute:
                lines.append(gap_sentence(gap, output=self.output, favorable=self.favorable,
                                          method=self.method, meaning=self.outcome_meaning))
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

    def notes(self) -> list[str]:
        """The sample drawn where the data lives (if any), then one sentence per copy of the
        outcome (left out or kept), then the other columns left out."""
        copies = self.copies
        rest = [c for c in self.left_out if c not in copies]
        drawn = [self.drawn.statement] if self.drawn is not None else []
        return [*drawn, *(c.message for c in (*copies, *rest))]


def _optional(**values: float | None) -> dict[str, float | None]:
    """The probability readings, only when the model gives a probability."""
    return {k: v for k, v in values.items() if v is not None}


def _gap_dict(a: GapAttribution) -> dict[str, Any]:
    readable = a.gap_probability is not None
    return {
        "attribute": a.attribute, "group": a.group, "reference": a.reference,
        "gap": a.gap, "gap_probability": a.gap_probability, "direct": a.direct,
        "indirect": a.indirect, "group_rate": a.group_rate,
        "reference_rate": a.reference_rate, "observed_gap": a.observed_gap,
        **({"unexplained": a.unexplained, "direct_probability": a.direct_probability,
            "indirect_probability": a.indirect_probability} if readable else {}),
        "contributions": [
            {"feature": c.feature, "contribution": c.contribution, "sensitive": c.sensitive,
             **_optional(probability=c.probability)}
            for c in a.contributions],
    }


def _plain(value: object) -> Any:
    """Python scalars for JSON: numpy numbers unwrapped, NaN and infinities as None."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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


def signed(value: float, digits: int = 2) -> str:
    """A signed number for sentences, with a true minus sign and no "−0.00"."""
    if 0 < abs(value) < 10**-digits:
        digits += 1
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "\u2212")


def points(value: float) -> str:
    """A share as signed percentage points with one decimal: ``−12.6``."""
    return signed(100 * value, digits=1)


def _parts(contributions: list[Contribution], value: Any, unit: str) -> str:
    parts = []
    for i, c in enumerate(contributions):
        amount = value(c) + (f" {unit}" if i == 0 and unit else "")
        if c.sensitive:
            parts.append(f"{c.feature} itself ({amount}: the model uses the attribute directly)")
        else:
            parts.append(f"{c.feature} ({amount})")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _top(gap: GapAttribution, value: Any) -> list[Contribution]:
    ranked = sorted(gap.contributions, key=lambda c: -abs(value(c)))
    total = sum(abs(value(c)) for c in ranked)
    return [c for c in ranked[:3] if abs(value(c)) >= 0.1 * total] or ranked[:1]


def gap_sentence(gap: GapAttribution, *, output: str, favorable: str, method: str,
                 meaning: str = "") -> str:
    """The gap in words: in percentage points as on the Fairness page, then where the
    explained model's share of it comes from; the model's own units last."""
    if gap.gap_probability is None:
        return _output_sentence(gap, output)
    observed = 100 * gap.observed_gap
    direction = "less" if observed < 0 else "more"
    head = (f"{gap.group} {outcome_verb(favorable, meaning)} {abs(observed):.1f} percentage "
            f"points {direction} "
            f"often than {gap.reference} ({100 * gap.group_rate:.1f}% against "
            f"{100 * gap.reference_rate:.1f}%, as on the Fairness page).")
    if abs(observed) < NEGLIGIBLE_POINTS and abs(100 * gap.gap_probability) < NEGLIGIBLE_POINTS:
        return f"{head} The gap is negligible."
    top = _top(gap, _probability)
    parts = _parts(top, lambda c: points(_probability(c)), "points")
    model = (f"{MODEL_NAMES[method]} gives a gap of {points(gap.gap_probability)} points on "
             f"the explained rows, mostly from {parts}.")
    secondary = f" In {UNITS[output]}: {signed(gap.gap)}." if output != "probability" else ""
    return f"{head} {model}{secondary}"


def _probability(c: Contribution) -> float:
    return c.probability if c.probability is not None else 0.0


def _output_sentence(gap: GapAttribution, output: str) -> str:
    """Without a probability: the gap in the model's own units only."""
    head = (f"The gap in the model's output between {gap.group} and {gap.reference} is "
            f"{signed(gap.gap)} in {UNITS[output]} (this model gives no probability, so it "
            "cannot be read in percentage points)")
    total = sum(abs(c.contribution) for c in gap.contributions)
    if abs(gap.gap) < 0.01 and total < 0.02:
        return f"{head}; it is negligible."
    top = _top(gap, lambda c: c.contribution)
    return f"{head}; it comes mostly from {_parts(top, lambda c: signed(c.contribution), '')}."
