"""The typed objects the inputs stage hands on: where a table came from, what to audit
(`AuditSpec`, its `Criterion` list), and the validated arrays (`PreparedData`).

An *attribute* is a sensitive column (``sex``) or an intersection of several
(``race × sex``); a *group* is one value of it (``female``, ``Black × female``).
A *metric* is one of fairlearn's names (``selection_rate``, ``true_positive_rate``, ...),
computed per group from the four confusion counts.
"""

from __future__ import annotations

import os
import shutil
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pacsv

from audit._words import DEFAULT_UNKNOWN_VALUES, PASS_TOLERANCE, UNDER_2_PERCENT_JUSTIFICATION
from audit.inputs._bins import Bins

INTERSECTION_SEP = " × "
Judgement = Literal["interval", "point"]
JUDGEMENTS: tuple[str, ...] = ("interval", "point")
# the most groups an intersection may have before pairwise intersections replace it
# (the simultaneous intervals compare every pair of an attribute's groups: 1,000 groups are
# half a million pairs, 4,096 would be 8.4 million and gigabytes)
MAX_INTERSECTION_CELLS = 1_000


@dataclass(frozen=True)
class Provenance:
    """Where one input table came from: enough to prove later which bytes were audited."""

    name: str
    sha256: str
    rows: int
    columns: tuple[str, ...]
    encoding: str
    delimiter: str


class SpilledFile:
    """A private temporary copy of an uploaded file (``path``), in a folder of its own that
    only this process's user may read. The folder is removed when the last input holding it
    is garbage collected, when the process ends, or on `remove`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._cleanup = weakref.finalize(self, shutil.rmtree, os.path.dirname(path),
                                         ignore_errors=True)

    def remove(self) -> None:
        """Delete the file and its folder now."""
        self._cleanup()


@dataclass(frozen=True)
class AuditInput:
    """One loaded CSV and its provenance. ``frame`` is never mutated after loading.

    ``on_disk``, when set, is the private temporary file holding *every* row of an upload
    above the in-memory threshold; ``frame`` then holds only its first rows (the preview),
    ``provenance`` describes the whole file, and the audit counts the file out of core
    (``audit.engine.audit_uploads``).

    ``frame`` holds the values as pandas types them (``007`` reads as the number 7, ``NA``
    as missing). Ids and sensitive attributes are read *as written* instead
    (`as_written`): the text of each cell, with only empty cells missing. ``text`` keeps
    what that needs (the file's text); an input built from a table alone has none, and
    then the typed values are written out as text.
    """

    frame: pd.DataFrame
    provenance: Provenance
    text: TextSource | None = field(default=None, repr=False, compare=False)
    on_disk: SpilledFile | None = field(default=None, repr=False, compare=False)

    def as_written(self, column: str) -> np.ndarray:
        """The cells of ``column`` as written in the file: text without surrounding spaces,
        ``None`` for an empty cell. ``007`` stays ``007``, ``NA`` and ``null`` stay text."""
        if self.text is not None and column in self.text.columns:
            values = self.text.read(column)
            if values.shape[0] == len(self.frame):
                return values
        return np.array([_written(v) for v in self.frame[column]], dtype=object)


def _written(value: object) -> str | None:
    """A typed value as the text a user would have written (1.0 → '1'); None if missing."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class TextSource:
    """A CSV file's text, to read columns as written (`AuditInput.as_written`).

    ``buffer`` is the file as UTF-8; ``columns`` maps each column name (stripped) to the
    name as the header writes it; ``multiline`` says whether quoted values span lines.
    """

    buffer: bytes = field(repr=False)
    delimiter: str
    columns: Mapping[str, str]
    multiline: bool

    def read(self, column: str) -> np.ndarray:
        """One column as text (see `AuditInput.as_written`), parsed from ``buffer``."""
        raw = self.columns[column]
        table = pacsv.read_csv(
            pa.BufferReader(self.buffer),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter,
                                             newlines_in_values=self.multiline),
            convert_options=pacsv.ConvertOptions(
                include_columns=[raw], column_types={raw: pa.string()}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
        values = table.column(raw).to_pylist()
        return np.array([None if v is None or not v.strip() else v.strip() for v in values],
                        dtype=object)


@dataclass(frozen=True)
class Criterion:
    """A pass/fail rule the audit is judged by.

    ``metric`` is ``impact_ratio`` (selection rate / highest selection rate, four-fifths
    rule), ``equal_opportunity_difference`` (largest gap in true positive rate between
    groups) or ``equalized_odds_difference`` (largest gap in true or false positive rate).
    ``bound`` says which side of ``threshold`` passes.
    """

    metric: Literal[
        "impact_ratio",
        "equal_opportunity_difference",
        "equalized_odds_difference",
        "demographic_parity_difference",
    ]
    threshold: float
    bound: Literal["min", "max"]

    def passes(self, value: float) -> bool:
        if self.bound == "min":
            return value >= self.threshold - PASS_TOLERANCE
        return abs(value) <= self.threshold + PASS_TOLERANCE


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("impact_ratio", 0.8, "min"),
    Criterion("equal_opportunity_difference", 0.1, "max"),
    Criterion("equalized_odds_difference", 0.1, "max"),
)


@dataclass(frozen=True)
class AuditSpec:
    """What to audit and how: column roles, favorable outcome, references and criteria.

    ``favorable`` is the label/prediction value that means the good outcome for the
    person (``1``, ``"approved"``); ``None`` lets the engine recognise it only when the
    values are words such as approved/denied: codes (0/1, 1/2, true/false, yes/no) must be
    stated. ``outcome_meaning`` says in words what the favorable outcome is for the person,
    completing "people are …" (``approved``, ``hired``, ``not labelled high risk``); every
    verdict sentence uses it. ``bins`` cuts numeric sensitive columns into bands
    (`audit.inputs.Bins`: cut points or quantiles). ``reference`` maps an attribute to its
    reference group; the default is the attribute's largest group.

    ``judgement`` is how a criterion is judged: ``"interval"`` (default) passes when the
    whole confidence interval is within the threshold, fails when it is wholly beyond and
    is inconclusive when it straddles; ``"point"`` applies the plain rule to the point
    value (pass or fail only), for a board that must.

    ``min_denominator`` is the fewest people a rate must rest on to be judged: everyone
    for a selection rate, people with a favorable label for a true positive rate, people
    without one for a false positive rate.

    ``unknown_values`` are the wordings of a sensitive column that mean "not recorded"
    (compared without case or surrounding spaces): such categories are counted and
    reported, and left out of impact ratios and criteria. ``sex_column`` and
    ``race_column`` name the sensitive columns that hold sex and race/ethnicity for the
    NYC Local Law 144 sex × race/ethnicity table; ``None`` guesses them by name, ``""``
    says there is none. ``under_2_percent_justification`` is the auditor's reason, carried
    by the record, for leaving categories under 2% of the data out of impact ratios.

    When the intersection of every sensitive column has more than
    ``max_intersection_cells`` observed groups, the intersections of every two columns are
    audited instead (the result's warnings say so).
    """

    label: str
    prediction: str
    sensitive: tuple[str, ...]
    score: str | None = None
    favorable: str | None = None
    outcome_meaning: str = ""
    reference: Mapping[str, str] = field(default_factory=dict)
    criteria: tuple[Criterion, ...] = DEFAULT_CRITERIA
    min_denominator: int = 10
    bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 0
    alpha: float = 0.05
    intersections: bool = True
    max_intersection_cells: int = MAX_INTERSECTION_CELLS
    judgement: Judgement = "interval"
    unknown_values: tuple[str, ...] = DEFAULT_UNKNOWN_VALUES
    sex_column: str | None = None
    race_column: str | None = None
    under_2_percent_justification: str = UNDER_2_PERCENT_JUSTIFICATION
    bins: tuple[Bins, ...] = ()

    def bins_of(self, column: str) -> Bins | None:
        """The bands asked for ``column``, if any."""
        return next((b for b in self.bins if b.column == column), None)

    @property
    def min_group_size(self) -> int:
        """Deprecated name of `min_denominator` (groups used to be judged by their rows);
        kept for readers such as the what-if engine."""
        return self.min_denominator

    @property
    def attributes(self) -> tuple[str, ...]:
        """Every attribute audited: each sensitive column, then their intersection."""
        if self.intersections and len(self.sensitive) > 1:
            return (*self.sensitive, INTERSECTION_SEP.join(self.sensitive))
        return self.sensitive


@dataclass(frozen=True)
class SensitiveColumn:
    """One sensitive attribute as integer codes into ``categories`` (no missing codes).

    ``unknown`` lists the categories that mean "not recorded" (``Unknown``, ``N/A``...):
    they are kept as groups, counted, and left out of impact ratios and criteria. A binned
    column's categories are its band labels (``25–39``) and ``cuts`` the cut points used.
    """

    name: str
    codes: np.ndarray
    categories: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    cuts: tuple[float, ...] | None = None


@dataclass(frozen=True)
class PreparedData:
    """The validated, joined table reduced to what the engine needs.

    ``y_true`` and ``y_pred`` are boolean arrays: True means the favorable outcome.
    ``features`` holds every column that is not a role (label, prediction, score,
    sensitive attribute, id), for explanations and proxy detection. ``sex_column`` and
    ``race_column`` are the sensitive columns that play those roles for the NYC Local Law
    144 tables (given in the spec or guessed by name), or ``None``.
    """

    frame: pd.DataFrame
    y_true: np.ndarray
    y_pred: np.ndarray
    score: np.ndarray | None
    sensitive: tuple[SensitiveColumn, ...]
    favorable: str
    features: tuple[str, ...]
    sex_column: str | None = None
    race_column: str | None = None
    outcome_meaning: str = ""

    @property
    def rows(self) -> int:
        return int(self.y_true.shape[0])
