"""Small-cell suppression: no number about a group of fewer than k people in an export.

Decision on the samples: none of the columns of the lending and hiring samples is flagged,
their opaque id columns (``applicant_id``, ``candidate_id``) included; ``zip_region`` is
a coarse region (a quasi-identifier at most), not a direct identifier.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest

from audit import format_estimate
from audit._errors import AuditInputError
from audit.inputs import INTERSECTION_SEP
from audit.record import (
    AuditRecord,
    adverse_impact_csv,
    metrics_csv,
    record_to_dict,
    render_pdf,
    suppress_small_cells,
)
from audit.record._suppress import (
    MSG_ALL_SUPPRESSED,
    MSG_ALREADY_SUPPRESSED,
    MSG_BAD_K,
    SUPPRESSED_FINDING,
    hidden_groups,
)
from tests.conftest import validate_schema as validate

#: The optional properties this feature adds to audit/audit.schema.json (sent to the lead).
SUPPRESSION_PROPERTY = {
    "description": "Present when the export hides groups of fewer than k people "
                   "(small-cell suppression); the hidden groups are absent from groups, "
                   "disparities, adverse_impact rows and explanations.",
    "type": "object",
    "required": ["k", "groups_suppressed", "groups"],
    "properties": {
        "k": {"type": "integer", "minimum": 1},
        "groups_suppressed": {"type": "integer", "minimum": 0},
        "groups": {"type": "array", "items": {
            "type": "object", "required": ["attribute", "group", "reason"],
            "properties": {"attribute": {"type": "string"}, "group": {"type": "string"},
                           "reason": {"enum": ["small", "complementary"]}},
            "additionalProperties": False}},
    },
    "additionalProperties": False,
}
DROPPED_COLUMNS_PROPERTY = {
    "description": "Columns of the file left out of the audit because they looked like "
                   "direct identifiers (the sha256 and columns still describe the whole file).",
    "type": "array", "items": {"type": "string"},
}




# --- small-cell suppression --------------------------------------------------------------


@pytest.fixture(scope="module")
def record(sample_run) -> dict[str, Any]:
    return record_to_dict(AuditRecord(result=sample_run.result, inputs=sample_run.inputs,
                                      id_column=sample_run.id_column))


def sizes(record: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(g["attribute"], g["group"]): g["n"] for g in record["groups"]}


def numbers(value: Any) -> list[float]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers(item)]
    return []


def naming(value: Any, attribute: str, group: str, context: str | None = None
           ) -> Iterator[dict[str, Any]]:
    """Every dict in ``value`` that describes ``group`` of ``attribute``."""
    if isinstance(value, dict):
        context = value.get("attribute", context)
        if context == attribute and group in (value.get("group"), value.get("category"),
                                              value.get("reference")):
            yield value
        for item in value.values():
            yield from naming(item, attribute, group, context)
    elif isinstance(value, list):
        for item in value:
            yield from naming(item, attribute, group, context)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("k", [30, 45, 50, 61, 100, 400])
def test_suppressed_record_is_valid_and_names_no_number_of_a_hidden_group(record, k) -> None:
    out = suppress_small_cells(record, k=k)
    validate(out)
    hidden = {(g["attribute"], g["group"]): g["reason"] for g in out["suppression"]["groups"]}
    assert out["suppression"]["k"] == k
    assert out["suppression"]["groups_suppressed"] == len(hidden)
    n = sizes(record)
    assert {key for key, size in n.items() if size < k} == {
        key for key, reason in hidden.items() if reason == "small"}
    assert all(n[key] >= k for key, reason in hidden.items() if reason == "complementary")
    for attribute, group in hidden:
        for node in naming(out, attribute, group):
            assert numbers(node) == [], (attribute, group, node)
        for text in strings(out):
            assert not re.search(rf"(?<!\w){re.escape(group)} \(n=", text), text
    for finding in out["findings"]:
        hidden_here = {g for a, g in hidden if a == finding["attribute"]}
        if set(finding["groups"]) & hidden_here:
            assert finding["suppressed"] is True
            assert (finding["value"], finding["ci_low"], finding["ci_high"]) == (None,) * 3
    for item in out["aggregates"]:
        if any(a == item["attribute"] for a, _ in hidden) and not item.get("group"):
            assert item["value"] is None and item["suppressed"] is True
    shown = {(g["attribute"], g["group"]) for g in out["groups"]}
    assert shown == set(n) - set(hidden)
    csv_text = metrics_csv(out) + adverse_impact_csv(out)
    for attribute, group in hidden:
        assert f"{attribute},{group}," not in csv_text


def test_suppression_does_not_change_the_original(record) -> None:
    before = copy.deepcopy(record)
    suppress_small_cells(record, k=100)
    assert record == before


def test_which_groups_are_hidden_in_the_sample(record) -> None:
    small = {("race", "Native American"), ("race", "Unknown"),
             *(("sex × race", f"{s} × {r}") for s in ("female", "male")
               for r in ("Native American", "Unknown"))}
    assert hidden_groups(record, 100) == dict.fromkeys(
        [k for k in sizes(record) if k in small], "small")
    # Unknown (60) alone would be 6,000 minus the other races: Native American (90) goes too
    assert hidden_groups(record, 61)[("race", "Native American")] == "complementary"
    # male × Native American (42) alone would be Native American (90) minus female × ...
    at_45 = hidden_groups(record, 45)
    assert at_45[("sex × race", "female × Native American")] == "complementary"
    assert ("race", "Native American") not in at_45
    assert hidden_groups(record, 1) == {}


@pytest.mark.parametrize("k", [30, 45, 61, 100, 700, 1300])
def test_no_total_gives_away_a_single_hidden_group(record, k) -> None:
    hidden = hidden_groups(record, k)
    groups = sizes(record)
    totals: list[list[tuple[str, str]]] = []
    for attribute in {a for a, _ in groups}:
        members = [key for key in groups if key[0] == attribute]
        totals.append(members)
        parts = attribute.split(INTERSECTION_SEP)
        for position in range(len(parts)) if len(parts) > 1 else ():
            for value in {key[1].split(INTERSECTION_SEP)[position] for key in members}:
                totals.append([key for key in members
                               if key[1].split(INTERSECTION_SEP)[position] == value])
    for members in totals:
        inside = sum(key in hidden for key in members)
        assert inside != 1 or len(members) == 1, members


def test_finding_messages_lose_the_sizes_of_hidden_groups(record) -> None:
    out = suppress_small_cells(record, k=100)
    race = next(f for f in out["findings"] if f["id"] == "impact_ratio:race")
    assert "Native American (n not shown); Unknown (n not shown)" in race["message"]
    assert "90 people" not in race["message"] and race["value"] is not None  # Black vs White
    assert race["not_judged"] == []
    original = next(f for f in record["findings"] if f["id"] == "impact_ratio:race")
    assert ("Native American (under 2% of the data, 90 people); Unknown (unknown category, "
            "60 people)") in original["message"]


def test_a_finding_about_a_hidden_group_keeps_only_its_verdict(record) -> None:
    out = suppress_small_cells(record, k=1300)  # hides Black (1,200) and with it Hispanic
    race = next(f for f in out["findings"] if f["id"] == "impact_ratio:race")
    assert race["status"] == "fail" and race["suppressed"] is True
    assert race["message"] == SUPPRESSED_FINDING.format(
        attribute="race", verdict="this check fails.", k=1300)
    assert race["value"] is None


def test_a_hidden_highest_category_hides_every_impact_ratio(record) -> None:
    trimmed = copy.deepcopy(record)
    table = next(t for t in trimmed["adverse_impact"] if t["attribute"] == "race")
    table["highest_category"] = "Native American"  # as if the small group were selected most
    out = suppress_small_cells(trimmed, k=100)
    table = next(t for t in out["adverse_impact"] if t["attribute"] == "race")
    assert table["impact_ratios_suppressed"] is True
    assert all(r["impact_ratio"]["value"] is None for r in table["rows"])
    assert all(r["selection_rate"] is not None for r in table["rows"])


def test_explanations_lose_the_hidden_groups(record) -> None:
    with_explanations = copy.deepcopy(record)
    with_explanations["explanations"] = {
        "method": "surrogate", "fidelity": {"accuracy": 0.9}, "global_importance": [],
        "by_group": [{"attribute": "race", "group": g, "n": 10, "importance": [
            {"feature": "income", "mean_abs_shap": 0.1, "mean_shap": 0.05}]}
            for g in ("White", "Unknown")],
        "gap_attribution": [{"attribute": "race", "group": g, "reference": "White",
                             "gap": -0.1, "contributions": [
                                 {"feature": "income", "contribution": -0.1}]}
                            for g in ("Black", "Native American")],
        "proxies": [{"attribute": "race", "feature": "zip_region", "score": 0.8}],
    }
    out = suppress_small_cells(with_explanations, k=100)
    validate(out)
    explained = out["explanations"]
    assert [g["group"] for g in explained["by_group"]] == ["White"]
    assert [g["group"] for g in explained["gap_attribution"]] == ["Black"]
    assert explained["proxies"] == with_explanations["explanations"]["proxies"]


def test_the_note_lists_what_is_hidden(record) -> None:
    out = suppress_small_cells(record, k=61)
    assert out["warnings"][:-1] == record["warnings"]
    assert out["warnings"][-1] == (
        "For privacy, this export hides the numbers of 5 group(s) with fewer than 61 people, "
        "and of 1 more hidden with them so that their numbers cannot be worked out from the "
        "totals: race: 'Native American', 'Unknown'; sex × race: 'female × Native American', "
        "'female × Unknown', 'male × Native American', 'male × Unknown'. Their rows still "
        "count in the totals.")
    nothing = suppress_small_cells(record, k=1)
    assert nothing["suppression"] == {"k": 1, "groups_suppressed": 0, "groups": []}
    assert nothing["warnings"] == record["warnings"]


@pytest.mark.parametrize("k", [0, -3, 2.5, True, "10"])
def test_a_bad_k(record, k) -> None:
    with pytest.raises(AuditInputError) as info:
        suppress_small_cells(record, k=k)
    assert str(info.value) == MSG_BAD_K.format(k=k)


def test_twice_or_everything(record) -> None:
    once = suppress_small_cells(record, k=50)
    with pytest.raises(AuditInputError) as info:
        suppress_small_cells(once, k=100)
    assert str(info.value) == MSG_ALREADY_SUPPRESSED.format(k=50)
    with pytest.raises(AuditInputError) as info:
        suppress_small_cells(record, k=10_000)
    assert str(info.value) == MSG_ALL_SUPPRESSED.format(k=10_000, largest=3_480)


def pdf_text(record: dict[str, Any]) -> str:
    return "\n".join(page.extract_text()
                     for page in pypdf.PdfReader(io.BytesIO(render_pdf(record))).pages)


def test_the_pdf_shows_no_rate_of_a_hidden_group(record) -> None:
    group = next(g for g in record["groups"]
                 if (g["attribute"], g["group"]) == ("race", "Native American"))
    rate = format_estimate(group["metrics"]["selection_rate"])
    rate_text = rate.split(" (")[0]
    assert rate in pdf_text(record)  # the check below would be empty otherwise
    text = pdf_text(suppress_small_cells(record, k=100))
    assert rate not in text
    assert "Native American (n not shown)" in text.replace("\n", " ")
    # the hidden group appears only in the notes that say it is hidden, never with a number
    for line in text.splitlines():
        if "Native American" in line and "×" not in line:
            assert rate_text not in line, line
