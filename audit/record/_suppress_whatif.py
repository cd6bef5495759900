"""Small-cell suppression of the record's ``whatif``: no number about a hidden group.

`suppress_small_cells` hides groups of fewer than ``k`` people; the what-if analysis holds
numbers per group too (counts at the uploaded operating point, rates, cut-offs, which are
people's scores, and randomised rules), keyed attribute → group. A hidden group leaves
every such map and the ``groups`` lists; a criterion on an attribute with a hidden group
keeps its status but loses its numbers (as the record's findings do); the gaps of an
option lose their numbers when a hidden group was held to the tolerance; and a note's
"(n=12)" after a hidden group's name becomes "(n not shown)".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PER_GROUP = ("operating_points", "group_rates", "thresholds", "probabilities", "score_ignored")
_NULL = {"value": None, "ci_low": None, "ci_high": None}
Hidden = Mapping[str, set[str]]


def _without(value: Any, hidden: Hidden) -> Any:
    """Every attribute → group map inside ``value`` without the hidden groups."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in PER_GROUP and isinstance(item, dict):
                item = {attribute: {g: v for g, v in groups.items()
                                    if g not in hidden.get(attribute, ())}
                        if isinstance(groups, dict) else groups
                        for attribute, groups in item.items()}
            out[key] = _without(item, hidden)
        return out
    if isinstance(value, list):
        return [_without(item, hidden) for item in value]
    return value


def _redacted(text: str, names: set[str]) -> str:
    for name in names:
        text = re.sub(rf"(?<![\w]){re.escape(name)} \(n=[\d,]+\)", f"{name} (n not shown)",
                      text)
    return text


def _outcome(outcome: dict[str, Any], hidden: Hidden, gaps_hidden: bool) -> None:
    for criterion in outcome.get("criteria", []):
        if hidden.get(criterion["attribute"]):
            criterion.update(_NULL, suppressed=True)
    if gaps_hidden:
        outcome["disparities"] = {name: dict(_NULL) for name in outcome.get("disparities", {})}
        if "disparity" in outcome:
            outcome["disparity"] = dict(_NULL)


def whatif_without_groups(whatif: Mapping[str, Any], hidden: Hidden) -> dict[str, Any]:
    """A copy of the record's ``whatif`` with no number about the ``hidden`` groups
    (attribute → names of its hidden groups)."""
    out: dict[str, Any] = _without(dict(whatif), hidden)
    attribute = out["attribute"]
    names = set(hidden.get(attribute, ()))
    gaps_hidden = bool(names & set(out.get("constrained_groups", [])))
    for key in ("groups", "constrained_groups"):
        out[key] = [g for g in out.get(key, []) if g not in names]
    _outcome(out["before"], hidden, gaps_hidden)
    for option in out["options"]:
        _outcome(option, hidden, gaps_hidden)
        option["notes"] = [_redacted(note, names) for note in option.get("notes", [])]
        if option.get("randomization") and names:
            kept = [s for s in re.split(r"(?<=\.) (?=\S)", option["randomization"])
                    if not any(s.startswith(f"{name}: ") for name in names)]
            option["randomization"] = " ".join(kept)
    for curve in out.get("tradeoffs", []):
        for point in curve.get("points", []):
            _outcome(point, hidden, gaps_hidden)
    out["warnings"] = [_redacted(w, names) for w in out.get("warnings", [])]
    return out
