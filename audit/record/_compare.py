"""Compare two audit records: what moved between an earlier audit and a later one.

Works on the JSON records (`record_to_dict` or `HistoryStore.get`), so any two audits
in the history can be compared, whichever version of the engine made them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from audit._words import listed, verdict_label, verdict_of

__all__ = ["Comparison", "MetricDelta", "StatusChange", "compare"]

NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class MetricDelta:
    """One group metric in both audits; ``delta`` is after − before (None if undefined)."""

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
class Comparison:
    """The differences between audit ``before_id`` and audit ``after_id``."""

    before_id: str
    after_id: str
    deltas: tuple[MetricDelta, ...]
    only_before: tuple[tuple[str, str], ...]
    only_after: tuple[tuple[str, str], ...]
    changed: tuple[StatusChange, ...]
    summary: str

    def delta_rows(self) -> list[dict[str, Any]]:
        """The deltas as rows (attribute, group, metric, before, after, delta) for a table."""
        return [{"attribute": d.attribute, "group": d.group, "metric": d.metric,
                 "before": d.before, "after": d.after, "delta": d.delta} for d in self.deltas]


def _metrics(record: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(g["attribute"], g["group"]): g["metrics"] for g in record["groups"]}


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> Comparison:
    """Compare record ``a`` (before) with record ``b`` (after).

    Returns metric deltas for every (attribute, group, metric) present in both, the groups
    found in only one of them, the criteria whose status changed, and a plain-words summary.
    """
    before, after = _metrics(a), _metrics(b)
    deltas = []
    for key, metrics in before.items():
        if key not in after:
            continue
        for name, estimate in metrics.items():
            if name not in after[key]:
                continue
            old, new = estimate.get("value"), after[key][name].get("value")
            delta = new - old if old is not None and new is not None else None
            deltas.append(MetricDelta(key[0], key[1], name, old, new, delta))
    status_a = {f["id"]: f["status"] for f in a["findings"]}
    status_b = {f["id"]: f["status"] for f in b["findings"]}
    changed = tuple(
        StatusChange(key, status_a.get(key, NOT_CHECKED), status_b.get(key, NOT_CHECKED))
        for key in dict.fromkeys([*status_a, *status_b])
        if status_a.get(key, NOT_CHECKED) != status_b.get(key, NOT_CHECKED))
    only_before = tuple(k for k in before if k not in after)
    only_after = tuple(k for k in after if k not in before)
    comparison = Comparison(str(a["audit_id"]), str(b["audit_id"]), tuple(deltas), only_before,
                            only_after, changed, "")
    return replace(comparison, summary=_summary(a, b, comparison))


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
    if rates:
        top = max(rates, key=lambda d: abs(d.delta or 0.0))
        direction = "rose" if (top.delta or 0.0) > 0 else "fell" if top.delta else "stayed"
        lines.append(
            f"Largest change in a group metric: {top.metric.replace('_', ' ')} of {top.group} "
            f"({top.attribute}) {direction} from {top.before:.3f} to {top.after:.3f} "
            f"({top.delta:+.3f}).")
    if c.only_before:
        lines.append(f"Only in the earlier audit: {_groups(c.only_before)}.")
    if c.only_after:
        lines.append(f"Only in the later audit: {_groups(c.only_after)}.")
    return " ".join(lines)
