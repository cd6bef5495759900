"""Compare two audit records: what moved between an earlier audit and a later one.

Works on the JSON records (`record_to_dict` or `HistoryStore.get`), so any two audits
in the history can be compared, whichever version of the engine made them.

Like with like: before any number, `compare` checks that the two audits looked at the same
kind of thing: the same columns in their files, the same sensitive attributes, the same
favorable outcome, the same label, prediction and score columns and, where the record
names it, the same model. Each difference is an `InputDifference`, and together they make
the comparison's ``warning``. Groups are matched ignoring case and the spaces around them
(``"female"`` and ``" Female"`` are one group), unless that would merge two groups of one
audit; what matches nothing is listed as only in one audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from audit._words import LIST_LIMIT, listed, quoted, verdict_label, verdict_of
from audit.inputs import INTERSECTION_SEP

__all__ = ["Comparison", "InputDifference", "MetricDelta", "StatusChange", "compare"]

NOT_CHECKED = "not checked"
Aspect = Literal["columns", "attributes", "favorable", "roles", "model"]

NOT_LIKE_WITH_LIKE = ("These audits are not of like inputs, so a change between them may come "
                      "from the inputs rather than the model: {differences} Compare audits of "
                      "the same kind of data and model.")
DIFFERENT_COLUMNS = ("The files' columns differ: only the earlier audit has {before}; only the "
                     "later one has {after}.")
DIFFERENT_ATTRIBUTES = "The sensitive attributes differ: {before} before, {after} after."
DIFFERENT_FAVORABLE = "The favorable outcome differs: {before} before, {after} after."
DIFFERENT_ROLE = "The {role} column differs: {before} before, {after} after."
DIFFERENT_MODEL = "The model differs: {before} before, {after} after."
MATCHED = "Groups matched ignoring case and spaces: {pairs}."
NONE = "none"


@dataclass(frozen=True)
class MetricDelta:
    """One group metric in both audits; ``delta`` is after − before (None if undefined).

    ``attribute`` and ``group`` are spelled as in the earlier audit.
    """

    attribute: str
    group: str
    metric: str
    before: float | None
    after: float | None
    delta: float | None


@dataclass(frozen=True)
class StatusChange:
    """A criterion whose status differs (``not checked`` when one audit lacks it)."""

    id: str
    before: str
    after: str


@dataclass(frozen=True)
class InputDifference:
    """One way the two audits' inputs differ, in words (``message``)."""

    aspect: Aspect
    before: str
    after: str
    message: str


@dataclass(frozen=True)
class Comparison:
    """The differences between audit ``before_id`` and audit ``after_id``.

    ``differences`` lists how their inputs differ (none: like with like) and ``warning``
    says it in one paragraph (None when they are alike), to be shown before ``summary``.
    ``matched`` holds the groups matched although spelled differently: (attribute, earlier
    spelling, later spelling).
    """

    before_id: str
    after_id: str
    deltas: tuple[MetricDelta, ...]
    only_before: tuple[tuple[str, str], ...]
    only_after: tuple[tuple[str, str], ...]
    changed: tuple[StatusChange, ...]
    summary: str
    differences: tuple[InputDifference, ...] = ()
    matched: tuple[tuple[str, str, str], ...] = ()

    @property
    def warning(self) -> str | None:
        if not self.differences:
            return None
        return NOT_LIKE_WITH_LIKE.format(differences=" ".join(d.message for d in
                                                              self.differences))

    def delta_rows(self) -> list[dict[str, Any]]:
        """The deltas as rows (attribute, group, metric, before, after, delta) for a table."""
        return [{"attribute": d.attribute, "group": d.group, "metric": d.metric,
                 "before": d.before, "after": d.after, "delta": d.delta} for d in self.deltas]


def normalized(name: str) -> str:
    """A group or attribute name as compared: each part trimmed and case-folded."""
    return INTERSECTION_SEP.join(part.strip().casefold()
                                 for part in str(name).split(INTERSECTION_SEP.strip()))


Key = tuple[str, str]


def _keys(record: Mapping[str, Any]) -> dict[Key, Key]:
    """Each group's (attribute, group) → the key it is matched by.

    Normalized, unless two groups of this record normalize alike: those are matched by
    their own spelling only.
    """
    raw = [(str(g["attribute"]), str(g["group"])) for g in record["groups"]]
    folded = [(normalized(a), normalized(g)) for a, g in raw]
    clash = {k for k in folded if folded.count(k) > 1}
    return {r: (r if f in clash else f) for r, f in zip(raw, folded, strict=True)}


def _metrics(record: Mapping[str, Any]) -> dict[Key, Mapping[str, Any]]:
    keys = _keys(record)
    return {keys[(str(g["attribute"]), str(g["group"]))]: g["metrics"] for g in record["groups"]}


def _names(record: Mapping[str, Any]) -> dict[Key, Key]:
    return {key: raw for raw, key in _keys(record).items()}


def _finding_key(finding_id: str) -> str:
    criterion, _, attribute = finding_id.partition(":")
    return f"{criterion}:{normalized(attribute)}"


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> Comparison:
    """Compare record ``a`` (before) with record ``b`` (after).

    Returns how their inputs differ, metric deltas for every (attribute, group, metric)
    present in both (groups matched ignoring case and surrounding spaces), the groups found
    in only one of them, the criteria whose status changed, and a plain-words summary.
    """
    before, after = _metrics(a), _metrics(b)
    names_a, names_b = _names(a), _names(b)
    deltas = []
    for key, metrics in before.items():
        if key not in after:
            continue
        for name, estimate in metrics.items():
            if name not in after[key]:
                continue
            old, new = estimate.get("value"), after[key][name].get("value")
            delta = new - old if old is not None and new is not None else None
            deltas.append(MetricDelta(*names_a[key], name, old, new, delta))
    status_a = {_finding_key(f["id"]): (f["id"], f["status"]) for f in a["findings"]}
    status_b = {_finding_key(f["id"]): (f["id"], f["status"]) for f in b["findings"]}
    changed = tuple(
        StatusChange((status_a.get(key) or status_b[key])[0],
                     status_a.get(key, ("", NOT_CHECKED))[1],
                     status_b.get(key, ("", NOT_CHECKED))[1])
        for key in dict.fromkeys([*status_a, *status_b])
        if status_a.get(key, ("", NOT_CHECKED))[1] != status_b.get(key, ("", NOT_CHECKED))[1])
    only_before = tuple(names_a[k] for k in before if k not in after)
    only_after = tuple(names_b[k] for k in after if k not in before)
    matched = tuple((names_a[k][0], names_a[k][1], names_b[k][1]) for k in before
                    if k in after and names_a[k] != names_b[k])
    comparison = Comparison(str(a["audit_id"]), str(b["audit_id"]), tuple(deltas), only_before,
                            only_after, changed, "", differences(a, b), matched)
    return replace(comparison, summary=_summary(a, b, comparison))


def _columns(record: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(str(c) for i in record.get("inputs", [])
                              for c in i.get("columns", [])))


def _quoted(values: Iterable[object]) -> str:
    return quoted(values, limit=LIST_LIMIT) or NONE


def _model(record: Mapping[str, Any]) -> str | None:
    model = (record.get("context") or {}).get("model")
    if isinstance(model, Mapping):
        model = " ".join(str(v) for v in model.values() if v)
    text = str(model or "").strip()
    return text or None


def differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[InputDifference, ...]:
    """How the inputs of record ``a`` (before) and ``b`` (after) differ; () when alike."""
    found = []
    columns_a, columns_b = _columns(a), _columns(b)
    if set(columns_a) != set(columns_b):
        gone = [c for c in columns_a if c not in columns_b]
        new = [c for c in columns_b if c not in columns_a]
        found.append(InputDifference("columns", ", ".join(columns_a), ", ".join(columns_b),
                                     DIFFERENT_COLUMNS.format(before=_quoted(gone),
                                                              after=_quoted(new))))
    spec_a, spec_b = a.get("spec", {}), b.get("spec", {})
    sensitive_a, sensitive_b = list(spec_a.get("sensitive", [])), list(spec_b.get("sensitive", []))
    if {normalized(s) for s in sensitive_a} != {normalized(s) for s in sensitive_b}:
        found.append(InputDifference("attributes", ", ".join(sensitive_a), ", ".join(sensitive_b),
                                     DIFFERENT_ATTRIBUTES.format(before=_quoted(sensitive_a),
                                                                 after=_quoted(sensitive_b))))
    favorable_a = a.get("summary", {}).get("favorable", spec_a.get("favorable"))
    favorable_b = b.get("summary", {}).get("favorable", spec_b.get("favorable"))
    if normalized(str(favorable_a)) != normalized(str(favorable_b)):
        found.append(InputDifference("favorable", str(favorable_a), str(favorable_b),
                                     DIFFERENT_FAVORABLE.format(before=repr(favorable_a),
                                                                after=repr(favorable_b))))
    for role in ("label", "prediction", "score"):
        role_a, role_b = spec_a.get(role), spec_b.get(role)
        if role_a != role_b:
            found.append(InputDifference("roles", str(role_a), str(role_b), DIFFERENT_ROLE.format(
                role=role, before=repr(role_a) if role_a else NONE,
                after=repr(role_b) if role_b else NONE)))
    model_a, model_b = _model(a), _model(b)
    if (model_a or model_b) and model_a != model_b:
        found.append(InputDifference("model", str(model_a), str(model_b), DIFFERENT_MODEL.format(
            before=repr(model_a) if model_a else "not named",
            after=repr(model_b) if model_b else "not named")))
    return tuple(found)


def _groups(keys: tuple[tuple[str, str], ...]) -> str:
    return listed(f"{group} ({attribute})" for attribute, group in keys)


def _summary(a: Mapping[str, Any], b: Mapping[str, Any], c: Comparison) -> str:
    was, now = verdict_label(verdict_of(a["summary"])), verdict_label(verdict_of(b["summary"]))
    lines = [f"Audit {c.after_id} ({b['created_at']}) compared with audit {c.before_id} "
             f"({a['created_at']})."]
    if was == now:
        lines.append(f"The overall verdict is unchanged: {now}.")
    else:
        lines.append(f"The overall verdict went from {was} to {now}.")
    if c.changed:
        moves = "; ".join(f"{s.id}: {s.before} → {s.after}" for s in c.changed)
        lines.append(f"{len(c.changed)} criteria changed verdict: {moves}.")
    else:
        lines.append("No criterion changed verdict.")
    rates = [d for d in c.deltas if d.delta is not None and d.metric != "count"]
    top = max(rates, key=lambda d: abs(d.delta or 0.0)) if rates else None
    if top is not None and not top.delta:
        lines.append("No group metric changed.")
    elif top is not None:
        direction = "rose" if (top.delta or 0.0) > 0 else "fell"
        lines.append(
            f"Largest change in a group metric: {top.metric.replace('_', ' ')} of {top.group} "
            f"({top.attribute}) {direction} from {top.before:.3f} to {top.after:.3f} "
            f"({top.delta:+.3f}).")
    if c.matched:
        lines.append(MATCHED.format(pairs=listed(f"{x!r} = {y!r} ({attribute})"
                                                 for attribute, x, y in c.matched)))
    if c.only_before:
        lines.append(f"Only in the earlier audit: {_groups(c.only_before)}.")
    if c.only_after:
        lines.append(f"Only in the later audit: {_groups(c.only_after)}.")
    return " ".join(lines)
