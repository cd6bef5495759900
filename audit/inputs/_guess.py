"""Guess the role of each column from its name and values, to pre-fill the dashboard's mapping.

A guess is only a starting point the user confirms or corrects; nothing is audited on a
guess alone. Every function here is pure: it reads the frames and returns a `RoleGuess`.

Rules, in order:

* **id** - a column whose name looks like an id (``id``, ``applicant_id``, ``CandidateID``)
  and whose values are unique; with a predictions file, one present in both files.
* **score** - a numeric column with many distinct values, all between 0 and 1, named like
  a score (``score``, ``probability``, ``proba``, ``risk``) or given in the predictions file.
* **prediction** - a two-valued column named like a decision (``prediction``, ``decision``,
  ``shortlisted``); without such a name, the two-valued column of the predictions file.
* **label** - a two-valued column named like a ground truth (``label``, ``outcome``,
  ``target``, ``qualified``): first one named ``y_true``, ``label``, ``outcome`` and the
  like, then one holding 0/1 or words (approved/denied) before other codes (1/2).
* **sensitive** - every column named like a protected characteristic (``sex``, ``race``,
  ``age_group``) with at most `MAX_CATEGORIES` distinct values, or numeric with many
  (``age``: it is offered bands, `needs_bins`).
* **favorable** - the one label value the engine recognises as a good outcome when the
  values are words (``approved``, ``hired``); ``None`` for codes (0/1, 1/2, true/false),
  whose favorable value the user must state, and when it cannot tell.

`harm_warning` says when the label or prediction is named like a harm (``risk``,
``recid``, ``default``, ``fraud``, ``reject``): its value 1 may be the bad outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from audit._words import clip
from audit.inputs._bins import needs_bins
from audit.inputs._prepare import FAVORABLE_WORDS, MAX_SENSITIVE_CATEGORIES, _text, coded

MAX_CATEGORIES = MAX_SENSITIVE_CATEGORIES

ID_NAME = re.compile(r"(^|_)(id|identifier|key|uuid)$")
CAMEL_ID = re.compile(r"[a-z](ID|Id)$")
LABEL_WORDS = frozenset({
    "label", "outcome", "target", "y", "y_true", "truth", "ground_truth", "actual",
    "true_label", "class", "qualified", "repaid", "default", "defaulted", "result"
})
PREDICTION_WORDS = frozenset({
    "prediction", "predictions", "predicted", "pred", "y_pred", "yhat", "y_hat", "decision",
    "model_decision", "shortlisted", "selected", "approved", "hired", "admitted",
    "classification", "output"
})
# a label named so is the label, whatever else is two-valued
TRUTH_WORDS = frozenset({
    "y_true", "label", "outcome", "target", "truth", "ground_truth", "true_label", "actual",
    "y",
})
HARM_WORDS = ("risk", "recid", "default", "fraud", "reject")
HARM_CODES = frozenset({"1", "true", "yes", "y", "t"})
HARM_WARNING = (
    "The {role} {column!r} is named like a harm ({word!r}): its value {value!r} may mean the "
    "bad outcome for the person, such as \"labelled high risk\" or \"defaulted\". Check "
    "which value is favorable: for such a column it is usually the other one, meaning for "
    "example \"not labelled high risk\"."
)
SCORE_WORDS = frozenset({
    "score", "scores", "probability", "prob", "proba", "risk", "risk_score", "p", "y_score"
})
SENSITIVE_WORDS = frozenset({
    "sex", "gender", "race", "ethnicity", "ethnic_group", "age", "age_group", "age_band",
    "age_range", "age_bracket", "religion", "disability", "disabled", "nationality",
    "national_origin", "citizenship", "marital_status", "sexual_orientation", "veteran",
    "veteran_status", "pregnancy", "color", "colour", "caste"
})


@dataclass(frozen=True)
class RoleGuess:
    """The guessed role of each column; ``None`` (or empty) where no column fits."""

    label: str | None
    prediction: str | None
    score: str | None
    sensitive: tuple[str, ...]
    id_column: str | None
    favorable: str | None


def _norm(name: object) -> str:
    """``"Age Group"`` → ``"age_group"``, ``"CandidateID"`` → ``"candidateid"``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _named(name: object, words: frozenset[str]) -> bool:
    normal = _norm(name)
    return normal in words or any(normal.endswith("_" + w) for w in words if len(w) > 2)


def _looks_like_id(name: object) -> bool:
    text = str(name).strip()
    return bool(ID_NAME.search(_norm(text)) or CAMEL_ID.search(text))


def distinct_values(frame: pd.DataFrame, column: str, *, limit: int | None = None
                    ) -> tuple[str, ...]:
    """The sorted distinct values of ``column`` as the engine will read them (``1.0`` → ``1``).

    Missing cells are left out. With ``limit``, at most that many values are returned.
    """
    text = sorted({_text(v) for v in frame[column].dropna().unique()})
    return tuple(text[:limit] if limit is not None else text)


def _is_binary(series: pd.Series) -> bool:
    return series.dropna().nunique() == 2


def _is_score(series: pd.Series) -> bool:
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    values = series.dropna()
    return (values.nunique() > 2 and bool(((values >= 0) & (values <= 1)).all())
            and not bool((values == values.round()).all()))


def _first(columns: Iterable[str], taken: set[str]) -> str | None:
    return next((c for c in columns if c not in taken), None)


def guess_favorable(values: Iterable[str]) -> str | None:
    """The one value that the engine recognises as favorable when the values are words
    (``approved``/``denied``), else ``None``: codes (0/1, 1/2, true/false) are never
    guessed, their meaning must be stated."""
    values = list(values)
    if coded(values):
        return None
    known = [v for v in values if v.strip().casefold() in FAVORABLE_WORDS]
    return known[0] if len(known) == 1 else None


# favorable words that read as "people are …": the meaning is the word itself
PARTICIPLES = frozenset({
    "approved", "accepted", "hired", "granted", "admitted", "selected", "shortlisted",
    "passed", "offered", "eligible",
})


def default_meaning(favorable: str | None) -> str:
    """``approved`` for the favorable word ``approved`` (it completes "people are …");
    ``""`` for codes and other words, whose meaning the user writes."""
    if favorable is None or favorable.strip().casefold() not in PARTICIPLES:
        return ""
    return favorable.strip()


def harm_warning(*, label: str | None, prediction: str | None = None,
                 favorable: str | None = None) -> str | None:
    """A warning when the label (or prediction) is named like a harm (``two_year_recid``,
    ``risk``, ``defaulted``, ``fraud``, ``rejected``), else ``None``.

    With ``favorable`` given, only when it is the value such a name usually means the harm
    by (1, true, yes): a favorable 0 was chosen with the harm in mind.

    >>> harm_warning(label="y_true") is None
    True
    """
    if favorable is not None and favorable.strip().casefold() not in HARM_CODES:
        return None
    for role, column in (("label", label), ("prediction", prediction)):
        if not column:
            continue
        normal = _norm(column)
        word = next((w for w in HARM_WORDS if w in normal), None)
        if word is not None:
            return HARM_WARNING.format(role=role, column=clip(column), word=word,
                                       value=favorable or "1")
    return None


def _label_rank(column: str, values: tuple[str, ...]) -> tuple[int, int]:
    """Named like a truth first; then 0/1 or words before other codes (1/2, true/false)."""
    named = 0 if _norm(column) in TRUTH_WORDS else 1
    plain = set(values) == {"0", "1"} or not coded(values)
    return named, 0 if plain else 1


def guess_roles(*, dataset: pd.DataFrame, predictions: pd.DataFrame | None = None) -> RoleGuess:
    """Guess every column role from the dataset and (optionally) the predictions file.

    Parameters
    ----------
    dataset : pandas.DataFrame
        The dataset: features, label and sensitive attributes (and maybe the prediction).
    predictions : pandas.DataFrame, optional
        The predictions file, joined to the dataset on the id column.

    Returns
    -------
    RoleGuess
        Column names for each role; ``None`` or ``()`` where nothing fits.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": [1, 2], "sex": ["f", "m"], "outcome": ["yes", "no"],
    ...                       "decision": ["yes", "yes"]})
    >>> guess_roles(dataset=frame).label
    'outcome'
    """
    dataset_columns = [str(c) for c in dataset.columns]
    prediction_columns = [str(c) for c in predictions.columns] if predictions is not None else []
    every = dict.fromkeys(dataset_columns + prediction_columns)
    frames = [dataset] if predictions is None else [dataset, predictions]

    def series(column: str) -> pd.Series:
        return next(f[column] for f in frames if column in f.columns)

    id_column = _guess_id(dataset, predictions)
    taken = {id_column} if id_column else set()

    # a probability-like column is a score only if named so or given in the predictions file:
    # features such as a debt-to-income ratio look the same
    scores = [c for c in every if c not in taken and _is_score(series(c))
              and (_named(c, SCORE_WORDS) or c in prediction_columns)]
    score = _first(scores, taken)
    taken |= {score} if score else set()

    binary = [c for c in every if c not in taken and _is_binary(series(c))]
    from_predictions = [c for c in prediction_columns if c in binary]
    prediction = _first([c for c in binary if _named(c, PREDICTION_WORDS)] + from_predictions,
                        taken)
    taken |= {prediction} if prediction else set()

    labels = [c for c in binary if c not in taken and _named(c, LABEL_WORDS)]
    labels.sort(key=lambda c: _label_rank(c, tuple(_text(v) for v in series(c).dropna()
                                                   .unique())))
    label = _first(labels, taken)
    taken |= {label} if label else set()

    sensitive = tuple(
        c for c in every
        if c not in taken and _named(c, SENSITIVE_WORDS)
        and (series(c).nunique(dropna=True) <= MAX_CATEGORIES or needs_bins(series(c)))
    )
    favorable = None
    if label is not None:
        favorable = guess_favorable(distinct_values(dataset if label in dataset_columns
                                                    else predictions, label))
    return RoleGuess(label=label, prediction=prediction, score=score, sensitive=sensitive,
                     id_column=id_column, favorable=favorable)


def _guess_id(dataset: pd.DataFrame, predictions: pd.DataFrame | None) -> str | None:
    def unique(frame: pd.DataFrame, column: str) -> bool:
        values = frame[column]
        return bool(values.notna().all() and values.is_unique)

    candidates = [str(c) for c in dataset.columns if unique(dataset, str(c))]
    if predictions is not None:
        shared = set(map(str, predictions.columns))
        candidates = [c for c in candidates if c in shared and unique(predictions, c)]
        named = [c for c in candidates if _looks_like_id(c)]
        return next(iter(named or candidates), None)
    return next((c for c in candidates if _looks_like_id(c)), None)
