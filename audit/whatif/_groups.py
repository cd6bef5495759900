"""Which group of an attribute each row belongs to, numbered as the engine numbers them.

An attribute is one sensitive column or the intersection of all of them (its name is the
columns' names joined by the engine's separator, as `AuditSpec.attributes` gives it).
Groups are numbered in the order of the engine's groups for that attribute: the observed
values (or combinations) in the lexicographic order of the columns' codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit import AuditInputError, PreparedData

from .words import UNKNOWN_ATTRIBUTE


@dataclass(frozen=True, eq=False)
class Groups:
    """The groups of one attribute: ``index`` (one per row) points into ``labels``.

    ``unknown`` marks groups whose value (or any part of it) means "not recorded".
    """

    attribute: str
    labels: tuple[str, ...]
    index: np.ndarray  # (rows,) int64
    unknown: np.ndarray  # (G,) bool
    sizes: np.ndarray  # (G,) int64

    def position(self, group: str) -> int:
        return self.labels.index(group)


def attributes(data: PreparedData) -> tuple[str, ...]:
    """Every attribute of ``data``: each sensitive column, then their intersection."""
    names = tuple(s.name for s in data.sensitive)
    if len(names) < 2:
        return names
    return (*names, _intersection_name(names))


def _intersection_name(names: tuple[str, ...]) -> str:
    # the engine's own word for an intersection, read off its public spec type
    from audit import AuditSpec

    return AuditSpec(label="", prediction="", sensitive=names).attributes[-1]


def groups_of(data: PreparedData, attribute: str) -> Groups:
    """The groups of ``attribute`` in ``data``.

    Raises
    ------
    AuditInputError
        When ``attribute`` is neither a sensitive column nor their intersection.
    """
    columns = {s.name: s for s in data.sensitive}
    if attribute in columns:
        parts = (columns[attribute],)
    elif len(columns) > 1 and attribute == attributes(data)[-1]:
        parts = tuple(data.sensitive)
    else:
        raise AuditInputError(UNKNOWN_ATTRIBUTE.format(
            attribute=attribute, attributes=", ".join(repr(a) for a in attributes(data))))
    combo = np.zeros(data.rows, dtype=np.int64)
    for column in parts:
        # renumber the observed codes at every step, so the combined code stays below the
        # number of rows (the numbering keeps the lexicographic order of the codes)
        combo = _renumber(combo * len(column.categories) + column.codes)
    index = combo
    present = np.arange(int(index.max()) + 1 if index.size else 0)
    # one row of each group, to read its value in every column
    some_row = np.zeros(present.size, dtype=np.int64)
    some_row[index] = np.arange(data.rows)
    values = [[column.categories[int(column.codes[r])] for column in parts] for r in some_row]
    if len(parts) == 1:
        labels = tuple(v[0] for v in values)
    else:
        separator = _separator(attribute, [column.name for column in parts])
        labels = tuple(separator.join(v) for v in values)
    unknown = np.array([any(value in column.unknown for value, column in zip(v, parts,
                                                                             strict=True))
                        for v in values], dtype=bool)
    return Groups(attribute=attribute, labels=labels, index=index, unknown=unknown,
                  sizes=np.bincount(index, minlength=len(labels)).astype(np.int64))


def _renumber(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered 0, 1, ... in their order, keeping only those observed."""
    if codes.size == 0:
        return codes
    top = int(codes.max()) + 1
    if top > 4 * codes.size + (1 << 16):  # sparse codes: sort instead of counting
        return np.unique(codes, return_inverse=True)[1].astype(np.int64).reshape(-1)
    seen = np.bincount(codes, minlength=top) > 0
    return (np.cumsum(seen) - 1)[codes].astype(np.int64)


def _separator(attribute: str, names: list[str]) -> str:
    """The text between the column names in the intersection's name."""
    width = (len(attribute) - sum(len(n) for n in names)) // (len(names) - 1)
    return attribute[len(names[0]):len(names[0]) + width]
