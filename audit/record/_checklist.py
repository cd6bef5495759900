"""Regulatory presets: what a law or framework asks an audit report to say, checked
against a record.

A preset is data, not code: a TOML file (``audit/record/presets/*.toml``, and any a board
adds in the folder ``$AUDIT_PRESETS_DIR``) listing requirements, each with its citation and
the places in the JSON record that answer it (``answered_by``, paths such as
``context.data.source`` or ``adverse_impact[].rows[].impact_ratio.value``). `checklist`
says, for one record, which requirements are answered and which are missing; the PDF
prints that list with every missing item in red.

Path syntax: dot-separated keys; ``[]`` after a key takes every entry of a list;
``[key=value]`` the entries whose ``key`` equals ``value`` (``true``/``false`` for booleans);
``[key~text]`` those whose ``key`` contains ``text``. A requirement is answered when any of
its paths reaches a value that is not null, not empty text and not an empty list.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from audit._errors import AuditInputError
from audit._words import clip, quoted

__all__ = ["ENV_PRESETS", "ChecklistItem", "Preset", "checklist", "load_presets", "preset"]

ENV_PRESETS = "AUDIT_PRESETS_DIR"
ANSWERED: Final = "answered"
MISSING: Final = "missing"
NOT_STATED: Final = "not stated"

UNKNOWN_PRESET = (
    "There is no checklist preset {name!r}. The presets are: {known}. Give one of these "
    "names, or add a preset file to the folder in {env}."
)
BAD_PRESET = (
    "The checklist preset file {file!r} cannot be used: {problem}. Expected TOML with id, "
    "title, reference and [[items]] entries that each have requirement, cite and "
    "answered_by (a list of paths into the record). Fix the file and try again."
)

_STEP = re.compile(r"^(?P<key>[A-Za-z_][\w]*)(?:\[(?P<filter>[^\]]*)\])?$")


@dataclass(frozen=True)
class Requirement:
    requirement: str
    cite: str
    answered_by: tuple[str, ...]
    optional: bool = False


@dataclass(frozen=True)
class Preset:
    """One law's or framework's list of what an audit report must say."""

    id: str
    title: str
    reference: str
    requirements: tuple[Requirement, ...]
    layout: str = ""


@dataclass(frozen=True)
class ChecklistItem:
    """One requirement checked against a record: ``status`` is ``answered``, ``missing``,
    or ``not stated`` (an optional item with no answer); ``where`` names the path that
    answered it and ``value`` a short form of the answer."""

    requirement: str
    cite: str
    status: Literal["answered", "missing", "not stated"]
    where: str = ""
    value: str = ""


def _parse(text: str, file: str) -> Preset:
    try:
        data = tomllib.loads(text)
        items = tuple(
            Requirement(requirement=str(i["requirement"]), cite=str(i["cite"]),
                        answered_by=tuple(str(p) for p in i["answered_by"]),
                        optional=bool(i.get("optional", False)))
            for i in data["items"])
        for item in items:
            for path in item.answered_by:
                _steps(path)
        return Preset(id=str(data["id"]), title=str(data["title"]),
                      reference=str(data["reference"]), requirements=items,
                      layout=str(data.get("layout", "")))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as err:
        problem = f"missing key {err}" if isinstance(err, KeyError) else str(err)
        raise AuditInputError(BAD_PRESET.format(file=file, problem=clip(problem, 300))) from err


def load_presets(folder: str | None = None) -> dict[str, Preset]:
    """The built-in presets, then those in ``folder`` (default ``$AUDIT_PRESETS_DIR``);
    a board's own file with a built-in id replaces the built-in one."""
    presets: dict[str, Preset] = {}
    builtin = resources.files("audit.record").joinpath("presets")
    for entry in sorted(builtin.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found = _parse(entry.read_text(encoding="utf-8"), entry.name)
            presets[found.id] = found
    extra = folder if folder is not None else os.environ.get(ENV_PRESETS, "")
    if extra:
        for path in sorted(Path(extra).glob("*.toml")):
            found = _parse(path.read_text(encoding="utf-8"), path.name)
            presets[found.id] = found
    return presets


def preset(name: str, presets: Mapping[str, Preset] | None = None) -> Preset:
    """The preset with id ``name``; `AuditInputError` listing the known ones otherwise."""
    known = load_presets() if presets is None else presets
    if name not in known:
        raise AuditInputError(UNKNOWN_PRESET.format(name=clip(name), known=quoted(known, 20),
                                                    env=ENV_PRESETS))
    return known[name]


def _steps(path: str) -> list[tuple[str, str | None]]:
    steps = []
    for part in path.split("."):
        match = _STEP.match(part)
        if match is None:
            raise ValueError(f"the path {path!r} has a step {part!r} that is not key, key[], "
                             "key[name=value] or key[name~text]")
        steps.append((match["key"], match["filter"]))
    return steps


def _matches(entry: Any, condition: str) -> bool:
    if not condition:
        return True
    if not isinstance(entry, Mapping):
        return False
    for op in ("=", "~"):
        key, sep, wanted = condition.partition(op)
        if sep:
            value = entry.get(key.strip())
            if op == "~":
                return isinstance(value, str) and wanted in value
            if isinstance(value, bool):
                return str(value).lower() == wanted.strip().lower()
            return value is not None and str(value) == wanted.strip()
    raise ValueError(f"the filter [{condition}] is not [name=value] or [name~text]")


def _resolve(value: Any, steps: Sequence[tuple[str, str | None]]) -> Iterator[Any]:
    if not steps:
        yield value
        return
    (key, condition), rest = steps[0], steps[1:]
    if not isinstance(value, Mapping) or key not in value:
        return
    found = value[key]
    if condition is None:
        yield from _resolve(found, rest)
    elif isinstance(found, list):
        for entry in found:
            if _matches(entry, condition):
                yield from _resolve(entry, rest)


def _given(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        return "given"
    return clip(value, 60)


def checklist(record: Mapping[str, Any], chosen: Preset) -> tuple[ChecklistItem, ...]:
    """Each requirement of ``chosen``, answered or missing in ``record``."""
    out = []
    for item in chosen.requirements:
        answer = None
        for path in item.answered_by:
            answer = next(((path, v) for v in _resolve(record, _steps(path)) if _given(v)),
                          None)
            if answer is not None:
                break
        if answer is not None:
            out.append(ChecklistItem(item.requirement, item.cite, ANSWERED, answer[0],
                                     _short(answer[1])))
        else:
            out.append(ChecklistItem(item.requirement, item.cite,
                                     NOT_STATED if item.optional else MISSING))
    return tuple(out)
