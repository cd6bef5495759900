"""What was audited and why: the audit's context, part of the record (JSON ``context``).

A board cannot file a record that does not say which model it judged, what the model is
for, what its outcome means, which data it was judged on, what is known to be wrong with
that data, and who prepared the audit (EU AI Act Annex IV §2(g), NYC LL144 §5-302/303,
NIST AI RMF MEASURE 2.11). The context is entered once: on the dashboard's "About this
audit" page, or on the CLI with ``--context context.toml``, whose keys are a contract::

    prepared_by = "…"
    limitations = "…"
    [model]
    name = "…"
    version = "…"
    owner = "…"
    distribution_date = "…"   # LL144 asks for the tool's distribution date
    [use]
    intended_use = "…"
    decision = "…"
    outcome_meaning = "…"
    [data]
    source = "…"
    period = "…"
    population = "…"
    labels = "…"
    test_data_reason = "…"

Every key is optional (the checklists show what is missing); an unknown key is refused
with a message that names the file, the key and the keys allowed there.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from audit._errors import AuditInputError
from audit._words import clip

__all__ = ["AuditContext", "DataContext", "ModelContext", "UseContext", "read_context"]

MAX_TEXT = 10_000  # characters in one field: a paragraph, not a document

UNKNOWN_KEY = (
    "The context file {file!r} has a key {key!r}{where} that the audit does not know. "
    "Expected only these keys there: {allowed}. Fix the spelling, or move the text to "
    "'limitations' if it fits no field, and run the audit again."
)
NOT_TEXT = (
    "The context file {file!r} gives {key!r} as {kind}. Expected text in quotation marks, "
    "like {key} = \"…\". Put the value in quotation marks and run the audit again."
)
NOT_A_TABLE = (
    "The context file {file!r} gives {key!r} as a single value. Expected a section [{key}] "
    "with its own keys ({allowed}). Write it as a [{key}] section and run the audit again."
)
TOO_LONG = (
    "The context file {file!r} gives {key!r} as {length:,} characters, more than the "
    "{limit:,} a field may hold. Shorten it, or attach the longer document to the board's "
    "files and refer to it, then run the audit again."
)
NOT_TOML = (
    "The context file {file!r} is not a TOML file the audit can read: {reason}. Expected "
    "lines like name = \"…\" under sections like [model]. Fix the line it names and run "
    "the audit again."
)
NO_FILE = (
    "Cannot read the context file {file!r}: {reason}. Give the path of a readable TOML file "
    "(see the README for its keys)."
)


@dataclass(frozen=True)
class ModelContext:
    """The model audited: its name, version, the person or team who owns it, and the date
    it was first distributed (LL144 §5-303 asks for it)."""

    name: str = ""
    version: str = ""
    owner: str = ""
    distribution_date: str = ""


@dataclass(frozen=True)
class UseContext:
    """What the model is for: the intended use, the decision it informs, and what its
    favorable outcome means for the person (``approved``, ``not labelled high risk``)."""

    intended_use: str = ""
    decision: str = ""
    outcome_meaning: str = ""


@dataclass(frozen=True)
class DataContext:
    """The data the model was judged on: source, period, population, how the labels were
    obtained, and why test data was used when it was (LL144 §5-302)."""

    source: str = ""
    period: str = ""
    population: str = ""
    labels: str = ""
    test_data_reason: str = ""


@dataclass(frozen=True)
class AuditContext:
    """The audit's context (the record's ``context``). Empty strings mean not given."""

    prepared_by: str = ""
    limitations: str = ""
    model: ModelContext = ModelContext()
    use: UseContext = UseContext()
    data: DataContext = DataContext()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, in the TOML file's layout."""
        return {
            "prepared_by": self.prepared_by, "limitations": self.limitations,
            "model": _section(self.model), "use": _section(self.use), "data": _section(self.data),
        }

    @property
    def empty(self) -> bool:
        return self == AuditContext()

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, file: str = "context") -> AuditContext:
        """Build from a parsed TOML/JSON mapping; `AuditInputError` on an unknown key, a
        non-text value or an over-long field."""
        top = {f.name for f in fields(cls)}
        _refuse_unknown(values, top, file=file, where="")
        texts: dict[str, Any] = {k: _text(values.get(k, ""), k, file)
                                 for k in ("prepared_by", "limitations")}
        sections: dict[str, Any] = {}
        for name, kind in (("model", ModelContext), ("use", UseContext), ("data", DataContext)):
            raw = values.get(name, {})
            allowed = [f.name for f in fields(kind)]
            if not isinstance(raw, Mapping):
                raise AuditInputError(NOT_A_TABLE.format(file=file, key=name,
                                                         allowed=", ".join(allowed)))
            _refuse_unknown(raw, set(allowed), file=file, where=f" in [{name}]")
            sections[name] = kind(**{k: _text(raw.get(k, ""), f"{name}.{k}", file)
                                     for k in allowed})
        return cls(**texts, **sections)

    def with_outcome_meaning(self, meaning: str) -> AuditContext:
        """The same context, with the favorable outcome's meaning filled in where the
        context does not already state one (the Upload step asks for it)."""
        if self.use.outcome_meaning or not meaning:
            return self
        return replace(self, use=replace(self.use, outcome_meaning=meaning))


def _section(value: ModelContext | UseContext | DataContext) -> dict[str, str]:
    return {f.name: getattr(value, f.name) for f in fields(value)}


def _refuse_unknown(values: Mapping[str, Any], allowed: set[str], *, file: str,
                    where: str) -> None:
    for key in values:
        if key not in allowed:
            raise AuditInputError(UNKNOWN_KEY.format(
                file=file, key=clip(key), where=where,
                allowed=", ".join(sorted(allowed))))


def _text(value: Any, key: str, file: str) -> str:
    if isinstance(value, Mapping):
        kind = "a section"
    elif isinstance(value, bool | int | float | list):
        kind = f"a {type(value).__name__}"
    else:
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise AuditInputError(TOO_LONG.format(file=file, key=key, length=len(text),
                                                  limit=MAX_TEXT))
        return text
    raise AuditInputError(NOT_TEXT.format(file=file, key=key, kind=kind))


def read_context(path: str | Path) -> AuditContext:
    """Read ``--context context.toml``. Raises `AuditInputError` with the fix."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise AuditInputError(NO_FILE.format(file=file, reason=reason)) from err
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise AuditInputError(NOT_TOML.format(file=file, reason=err)) from err
    return AuditContext.from_mapping(values, file=Path(path).name)
