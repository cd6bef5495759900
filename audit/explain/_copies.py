"""Columns that copy the outcome: found, named and left out of the explanations.

A column that copies the true outcome (``income`` next to a label made from it) or the
model's decision (a second coding of it, or the probability it was cut from) explains
nothing: a surrogate fitted with it learns "the decision follows this column", and every
gap seems to come from it. Such a column is found in two ways, on a seeded sample of at
most 20,000 rows stratified by the sensitive attributes:

- its values match the outcome's one for one (at most 20 distinct values, each on at
  least 5 rows and with a single outcome): *identical*;
- alone, it predicts the outcome almost perfectly: the cross-validated (3-fold, seeded)
  ROC AUC of the smallest model of the outcome given the column (the share of favorable
  outcomes in each of its values, numbers in 20 quantile bins; see ``_proxy``) is at least
  `COPY_AUC`.

`LeftOut` records every column the explanations did not use and why: a copy, the user's
choice, an identifier-like text column or an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from audit.explain._proxy import FOLDS, BinnedSample, _auc, _bin_model_proba, binned_sample
from audit.explain._surrogate import SURROGATE_ROWS
from audit.inputs import PreparedData

COPY_AUC = 0.98
MAX_COPY_VALUES = 20
MIN_VALUE_ROWS = 5

Target = Literal["label", "prediction"]
Reason = Literal["copies_label", "copies_prediction", "chosen", "identifier", "empty"]

OUTCOMES: dict[Target, str] = {"label": "the true outcome (label)",
                               "prediction": "the model's decision (prediction)"}
IDENTICAL = "its values match the outcome's one for one"
NEAR_COPY = "on its own it predicts the outcome almost perfectly (cross-validated AUC {auc:.3f})"
COPY_LEFT_OUT = {
    "label": ("{column} copies {outcome}: {how}. It was left out of the explanations: with it, "
              "the decisions would seem to follow the outcome itself. Keep it only if the "
              "model really uses it and it is known before the decision."),
    "prediction": ("{column} copies {outcome}: {how}. It was left out of the explanations: "
                   "with it, they would only say that the decisions follow this column. Keep "
                   "it if it is a genuine input that the model decides by."),
}
COPY_KEPT = ("{column} copies {outcome} ({how}), and was kept in the explanations at your "
             "request: read its contributions with that in mind.")
COPY_MODEL_INPUT = ("{column} copies {outcome} ({how}) and is an input of the uploaded model, "
                    "so the model's explanations use it.")
CHOSEN = "{column} was left out of the explanations at your request."
IDENTIFIER = ("{column} was left out of the explanations: nearly every value is different, as "
              "in an identifier, so it cannot explain a decision.")
EMPTY = "{column} was left out of the explanations: it has no values."


@dataclass(frozen=True)
class OutcomeCopy:
    """A feature that copies the label or the prediction, and how closely."""

    column: str
    target: Target
    auc: float
    identical: bool

    @property
    def how(self) -> str:
        return IDENTICAL if self.identical else NEAR_COPY.format(auc=self.auc)


@dataclass(frozen=True)
class LeftOut:
    """A column the explanations did not use, why (``reason``), and a sentence saying so.

    ``auc`` and ``identical`` are set for a copy of the label or the prediction.
    """

    column: str
    reason: Reason
    message: str
    auc: float | None = None
    identical: bool | None = None

    def to_dict(self) -> dict[str, object]:
        return {"column": self.column, "reason": self.reason, "auc": self.auc,
                "identical": self.identical, "message": self.message}


def left_out_copy(copy: OutcomeCopy) -> LeftOut:
    """The record of a copy left out of the explanations."""
    reason: Reason = "copies_label" if copy.target == "label" else "copies_prediction"
    message = COPY_LEFT_OUT[copy.target].format(column=copy.column,
                                                outcome=OUTCOMES[copy.target], how=copy.how)
    return LeftOut(copy.column, reason, message, copy.auc, copy.identical)


def kept_copy(copy: OutcomeCopy, *, model_input: bool = False) -> LeftOut:
    """The record of a copy that stayed in (the user kept it, or the model needs it)."""
    reason: Reason = "copies_label" if copy.target == "label" else "copies_prediction"
    template = COPY_MODEL_INPUT if model_input else COPY_KEPT
    message = template.format(column=copy.column, outcome=OUTCOMES[copy.target], how=copy.how)
    return LeftOut(copy.column, reason, message, copy.auc, copy.identical)


def left_out_by_choice(column: str) -> LeftOut:
    return LeftOut(column, "chosen", CHOSEN.format(column=column))


def left_out_by_encoder(column: str, *, empty: bool) -> LeftOut:
    if empty:
        return LeftOut(column, "empty", EMPTY.format(column=column))
    return LeftOut(column, "identifier", IDENTIFIER.format(column=column))


def _identical(values: np.ndarray, outcome: np.ndarray) -> bool:
    """At most `MAX_COPY_VALUES` values (missing is one), each with a single outcome."""
    codes = np.unique(np.where(np.isnan(values), np.inf, values), return_inverse=True)[1]
    codes = codes.reshape(-1)
    kinds = int(codes.max()) + 1 if codes.size else 0
    if not 2 <= kinds <= MAX_COPY_VALUES:
        return False
    favorable = np.bincount(codes, weights=outcome.astype(np.float64), minlength=kinds)
    counts = np.bincount(codes, minlength=kinds)
    pure = (favorable == 0) | (favorable == counts)
    return bool(np.all(pure) and counts.min() >= MIN_VALUE_ROWS)


def detect_copies(data: PreparedData, *, sample_size: int = SURROGATE_ROWS, seed: int = 0,
                  binned: BinnedSample | None = None) -> tuple[OutcomeCopy, ...]:
    """The feature columns that copy the label or the prediction.

    Parameters
    ----------
    data : PreparedData
        The audited table; its ``features`` are checked.
    sample_size : int, default=20000
        Rows used, sampled with ``seed`` and stratified by the sensitive attributes.
    seed : int, default=0
        Seed of the sample and of the cross-validation folds.
    binned : BinnedSample, optional
        The sample already binned (`binned_sample` with the same size and seed).

    Returns
    -------
    tuple of OutcomeCopy
        In column order, the label first for a column that copies both.
    """
    from sklearn.model_selection import StratifiedKFold

    if binned is None:
        binned = binned_sample(data, sample_size=sample_size, seed=seed)
    binned = binned.only(data.features)
    found: dict[str, list[OutcomeCopy]] = {}
    targets: tuple[tuple[Target, np.ndarray], ...] = (("label", data.y_true),
                                                      ("prediction", data.y_pred))
    for target, outcome in targets:
        y = np.asarray(outcome, dtype=bool)[binned.rows]
        if min(int(y.sum()), int((~y).sum())) < FOLDS:
            continue
        codes = y.astype(np.int64)
        splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        folds = list(splitter.split(np.zeros(codes.size), codes))
        for j, name in enumerate(binned.names):
            auc = _auc(codes, _bin_model_proba(binned.bins[j], codes, folds))
            identical = _identical(binned.matrix[:, j], y)
            if identical or auc >= COPY_AUC:
                found.setdefault(name, []).append(OutcomeCopy(name, target, auc, identical))
    return tuple(c for name in binned.names for c in found.get(name, []))
