"""Small-cell suppression: no number about a group of fewer than ``k`` people in an export.

`suppress_small_cells` hides the numbers of such groups in an exported record, so that a
PDF, JSON or CSV shared outside the board does not reveal the outcomes of a handful of
identifiable people. A hidden group leaves every per-group list (groups, disparities,
adverse-impact rows, explanations); the findings and aggregates that would reveal its
numbers keep their verdict but lose their numbers. So that a hidden count cannot be
worked out by subtraction from a total (the rows of the attribute, a row or column of an
intersection), a total that would hide just one group hides the next smallest too
(*complementary* suppression). This stops exact recovery from any one total; it is not a
full statistical disclosure control.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

from audit._errors import AuditInputError
from audit._words import clip
from audit.inputs import INTERSECTION_SEP
from audit.record._suppress_whatif import whatif_without_groups

MSG_BAD_K = (
    "The smallest group size to show must be a whole number of at least 1; got {k!r}. Give "
    "a number such as 10 (groups of fewer than 10 people are then hidden), or leave "
    "suppression off."
)
MSG_ALREADY_SUPPRESSED = (
    "This record already hides groups of fewer than {k} people. Suppress the full record "
    "instead (the one in the audit history), with the size you want."
)
MSG_ALL_SUPPRESSED = (
    "Every group in this audit would be hidden with groups of fewer than {k} people, so the "
    "export would show no group at all. The largest group has {largest:,} people. Choose a "
    "smaller size, or leave suppression off."
)
SUPPRESSION_NOTE = (
    "For privacy, this export hides the numbers of {small} group(s) with fewer than {k} "
    "people{extra}: {groups}. Their rows still count in the totals."
)
SUPPRESSED_FINDING = (
    "{attribute}: {verdict} The numbers are not shown in this export, because they concern "
    "a group hidden for privacy (fewer than {k} people, or hidden with such a group)."
)
VERDICTS = {"pass": "this check passes.", "fail": "this check fails.",
            "inconclusive": "the data cannot tell whether this check is met.",
            "not_judged": "this check could not be judged.",
            "insufficient_data": "this check could not be judged."}
LISTED = 20
_NULL_ESTIMATE = {"value": None, "ci_low": None, "ci_high": None}

Key = tuple[str, str]


def suppress_small_cells(record: Mapping[str, Any], *, k: int) -> dict[str, Any]:
    """A copy of ``record`` in which no number describes a group of fewer than ``k`` people.

    Hidden groups (and, where a total would give one away, the next smallest group of
    that total) leave ``groups``, ``disparities``, the adverse-impact ``rows`` and the
    explanations' per-group lists. Findings and aggregates that depend on them keep
    their verdict and get null numbers and ``"suppressed": true``; an adverse-impact
    table whose highest category is hidden gets null impact ratios and
    ``"impact_ratios_suppressed": true``. ``"suppression"`` lists what was hidden:
    ``{"k": k, "groups_suppressed": N, "groups": [{attribute, group, reason}]}`` with
    reason ``"small"`` or ``"complementary"``; a note is added to ``warnings``.

    Raises
    ------
    AuditInputError
        When ``k`` is not a whole number of at least 1, when the record is already
        suppressed, or when every group would be hidden.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise AuditInputError(MSG_BAD_K.format(k=k))
    if record.get("suppression"):
        raise AuditInputError(MSG_ALREADY_SUPPRESSED.format(k=record["suppression"]["k"]))
    out = copy.deepcopy(dict(record))
    hidden = hidden_groups(out, k)
    if len(hidden) == len(out["groups"]):
        largest = max((g["n"] for g in out["groups"]), default=0)
        raise AuditInputError(MSG_ALL_SUPPRESSED.format(k=k, largest=largest))
    by_attribute: dict[str, set[str]] = {}
    for attribute, group in hidden:
        by_attribute.setdefault(attribute, set()).add(group)

    def gone(attribute: str, *names: Any) -> bool:
        return any(name in by_attribute.get(attribute, ()) for name in names)

    out["groups"] = [g for g in out["groups"] if not gone(g["attribute"], g["group"])]
    out["disparities"] = [d for d in out["disparities"]
                          if not gone(d["attribute"], d["group"], d["reference"])]
    for table in out["adverse_impact"]:
        attribute = table["attribute"]
        table["rows"] = [r for r in table["rows"] if not gone(attribute, r["category"])]
        if gone(attribute, table["highest_category"]):  # every ratio would reveal its rate
            for row in table["rows"]:
                row.update(impact_ratio=dict(_NULL_ESTIMATE), p_value=None, p_adjusted=None)
            table["impact_ratios_suppressed"] = True
    for item in out["aggregates"]:
        if item["attribute"] in by_attribute and (
                not item.get("group") or gone(item["attribute"], item.get("group"),
                                              item.get("reference"))):
            item.update(_NULL_ESTIMATE, suppressed=True)
            if "undefined_replicates" in item:
                item["undefined_replicates"] = None
    for finding in out["findings"]:
        _redact_finding(finding, by_attribute.get(finding["attribute"], set()), k)
    if out.get("explanations"):
        out["explanations"] = _without_groups(out["explanations"], gone)
    if out.get("whatif"):
        out["whatif"] = whatif_without_groups(out["whatif"], by_attribute)
    small = sum(reason == "small" for reason in hidden.values())
    extra = (f", and of {len(hidden) - small} more hidden with them so that their numbers "
             "cannot be worked out from the totals" if len(hidden) > small else "")
    if hidden:
        out["warnings"] = [*out.get("warnings", []), SUPPRESSION_NOTE.format(
            small=small, k=k, extra=extra, groups=_listing(hidden))]
    out["suppression"] = {
        "k": k, "groups_suppressed": len(hidden),
        "groups": [{"attribute": a, "group": g, "reason": r} for (a, g), r in hidden.items()],
    }
    return out


def hidden_groups(record: Mapping[str, Any], k: int) -> dict[Key, str]:
    """The (attribute, group) pairs to hide, in record order, with ``small``/``complementary``."""
    sizes: dict[Key, int] = {}
    parts: dict[Key, tuple[str, ...]] = {}
    for g in record["groups"]:
        sizes[(g["attribute"], g["group"])] = int(g["n"])
        if g.get("parts"):
            parts[(g["attribute"], g["group"])] = tuple(g["parts"])
    for table in record["adverse_impact"]:
        for row in table["rows"]:
            key = (table["attribute"], row["category"])
            sizes[key] = min(sizes.get(key, row["n"]), int(row["n"]))
    hidden = {key: "small" for key, n in sizes.items() if n < k}
    totals = list(_known_totals(sizes, parts))
    changed = bool(hidden)
    while changed:
        changed = False
        for members in totals:
            inside = [m for m in members if m in hidden]
            rest = [m for m in members if m not in hidden]
            if len(inside) == 1 and rest:
                hidden[min(rest, key=lambda m: (sizes[m], m))] = "complementary"
                changed = True
    return {key: hidden[key] for key in sizes if key in hidden}


def _known_totals(sizes: Mapping[Key, int], identities: Mapping[Key, tuple[str, ...]]
                  ) -> Iterator[list[Key]]:
    """Sets of groups whose total is known: an attribute's groups (they add up to every
    row), and each row and column of an intersection (they add up to a group of one of
    its attributes). An intersection group is placed by its identity, the value of each
    of its columns (``parts`` in the record), not by splitting its label; records made
    before groups carried it are read from the label."""
    attributes: dict[str, list[Key]] = {}
    for key in sizes:
        attributes.setdefault(key[0], []).append(key)
    for attribute, members in attributes.items():
        yield members
        columns = attribute.split(INTERSECTION_SEP)
        if len(columns) < 2:
            continue
        slices: dict[tuple[int, str], list[Key]] = {}
        for key in members:
            values = list(identities.get(key) or key[1].split(INTERSECTION_SEP))
            if len(values) == len(columns):
                for position, value in enumerate(values):
                    slices.setdefault((position, value), []).append(key)
        yield from slices.values()


def _mention(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")


def _redact_finding(finding: dict[str, Any], hidden: set[str], k: int) -> None:
    """Drop the sizes of hidden groups from the message; redact it if it still names one."""
    if not hidden:
        return
    message = finding["message"]
    for name in hidden:
        # "name (n=90)" and "name (under 2% of the data, 90 people)": any count right after it
        message = re.sub(rf"(?<![\w]){re.escape(name)} \([^()]*\d[^()]*\)",
                         f"{name} (n not shown)", message)
    if "not_judged" in finding:
        finding["not_judged"] = [text for text in finding["not_judged"]
                                 if not any(_mention(name).search(text) for name in hidden)]
    named = (set(finding.get("groups", [])) | set(finding.get("judged_groups", []))) & hidden
    still = [name for name in hidden
             if _mention(name).search(message.replace(f"{name} (n not shown)", ""))]
    if named or still:
        finding.update(_NULL_ESTIMATE, suppressed=True, message=SUPPRESSED_FINDING.format(
            attribute=clip(finding["attribute"]), verdict=VERDICTS.get(finding["status"], ""), k=k))
        for key in ("people_needed", "scale"):
            if key in finding:
                finding[key] = None
        if "tests" in finding:
            finding["tests"] = []
    else:
        finding["message"] = message


def _without_groups(value: Any, gone: Any) -> Any:
    """``value`` without the list items that describe a hidden group (explanations)."""
    if isinstance(value, dict):
        return {key: _without_groups(item, gone) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_groups(item, gone) for item in value
                if not (isinstance(item, dict) and "attribute" in item
                        and gone(item["attribute"], item.get("group"), item.get("category"),
                                 item.get("reference")))]
    return value


def _listing(hidden: Mapping[Key, str]) -> str:
    by_attribute: dict[str, list[str]] = {}
    for attribute, group in hidden:
        by_attribute.setdefault(attribute, []).append(group)
    parts = []
    for attribute, groups in by_attribute.items():
        shown = ", ".join(repr(clip(g)) for g in groups[:LISTED])
        more = f" and {len(groups) - LISTED} more" if len(groups) > LISTED else ""
        parts.append(f"{clip(attribute)}: {shown}{more}")
    return "; ".join(parts)
