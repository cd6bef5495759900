"""Privacy: identifier columns (by name and by content) and small-cell suppression.

Decision on the samples: none of the columns of the lending and hiring samples is flagged,
their opaque id columns (``applicant_id``, ``candidate_id``) included; ``zip_region`` is
a coarse region (a quasi-identifier at most), not a direct identifier.
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pypdf
import pytest

from audit._errors import AuditInputError
from audit._pdf import format_estimate, render_pdf
from audit._privacy import (
    MSG_ALL_SUPPRESSED,
    MSG_ALREADY_SUPPRESSED,
    MSG_BAD_K,
    SUPPRESSED_FINDING,
    IdentifierColumn,
    drop_columns,
    dropped_columns,
    find_identifiers,
    hidden_groups,
    note_dropped_columns,
    suppress_small_cells,
)
from audit._record import AuditRecord, metrics_csv, record_to_dict
from audit._types import INTERSECTION_SEP
from pages._ui.review import adverse_impact_csv
from tests.conftest import HIRING, ROOT, SAMPLE_DATASET, SAMPLE_PREDICTIONS

SCHEMA = json.loads((ROOT / "audit" / "audit.schema.json").read_text())
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


def extended_schema() -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    schema["properties"].setdefault("suppression", SUPPRESSION_PROPERTY)
    schema["properties"]["inputs"]["items"]["properties"].setdefault(
        "dropped_columns", DROPPED_COLUMNS_PROPERTY)
    return schema


def validate(record: dict[str, Any]) -> None:
    """Valid against the schema in the repo, and against it with this feature's properties."""
    for schema in (SCHEMA, extended_schema()):
        jsonschema.Draft202012Validator(schema).validate(record)


# --- identifiers by name -----------------------------------------------------------------


def varied(n: int = 5) -> list[str]:
    return [f"value {i}" for i in range(n)]


@pytest.mark.parametrize(("column", "kind"), [
    ("name", "person_name"), ("Full Name", "person_name"), ("first_name", "person_name"),
    ("LastName", "person_name"), ("surname", "person_name"), ("applicant_name", "person_name"),
    ("prénom", "person_name"), ("email", "email"), ("E-Mail", "email"),
    ("emailAddress", "email"), ("contact_email", "email"), ("phone", "phone"),
    ("PhoneNumber", "phone"), ("mobile", "phone"), ("tel", "phone"), ("ssn", "national_id"),
    ("social_security_number", "national_id"), ("NationalID", "national_id"),
    ("tax_id", "national_id"), ("TIN", "national_id"), ("passport_no", "passport"),
    ("drivers_license", "driver_license"), ("street_address", "address"),
    ("Address", "address"), ("Straße", "address"), ("ip_address", "ip_address"),
    ("IPAddress", "ip_address"), ("client_ip", "ip_address"), ("dob", "birth_date"),
    ("DateOfBirth", "birth_date"), ("birth_date", "birth_date"), ("latitude", "location"),
    ("username", "username"), ("credit_card_number", "payment_card"),
    ("iban", "bank_account"), ("account_number", "bank_account"), ("mrn", "medical_record"),
])
def test_flagged_by_name(column: str, kind: str) -> None:
    found = find_identifiers(pd.DataFrame({column: varied()}), file="people.csv")
    assert len(found) == 1
    item = found[0]
    assert (item.file, item.column, item.kind) == ("people.csv", column, kind)
    assert item.by_name and not item.by_content
    assert item.reason.startswith(f"its name {column!r} suggests ")


@pytest.mark.parametrize("column", [
    "file_name", "company_name", "rating", "interview_rating", "birth_year",
    "country_of_birth", "zip", "zip_code", "zip_region", "applicant_id", "user_id", "id",
    "is_mobile", "login_count", "residence_type", "debt_to_income", "score", "sex", "race",
])
def test_ordinary_names_are_not_flagged(column: str) -> None:
    assert find_identifiers(pd.DataFrame({column: varied()}), file="d.csv") == ()


@pytest.mark.parametrize("values", [[True, False, True, True], ["yes", "no", "no", "yes"]])
def test_a_yes_no_column_is_not_an_identifier_whatever_its_name(values: list[Any]) -> None:
    frame = pd.DataFrame({"email_verified": values, "has_phone": values})
    assert find_identifiers(frame, file="d.csv") == ()


# --- identifiers by content --------------------------------------------------------------

CONTENT = {
    "email": ["ann@example.org", "bob.smith@mail.example.co.uk", "c+d@x.io", "e_f@y.de"],
    "national_id": ["123-45-6789", "078-05-1120", "219-09-9999", "457-55-5462"],
    "phone": ["+1 415 555 0132", "(415) 555-0199", "415-555-0100", "+44 20 7946 0958"],
    "payment_card": ["4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009",
                     "6011000000000004"],
    "bank_account": ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000",
                     "FR1420041010050500013M02606", "NL91ABNA0417164300"],
    "ip_address": ["192.168.0.1", "10.0.0.7", "2001:db8::1", "8.8.8.8"],
}


@pytest.mark.parametrize("kind", sorted(CONTENT))
def test_flagged_by_content_under_an_innocent_name(kind: str) -> None:
    found = find_identifiers(pd.DataFrame({"field_7": CONTENT[kind]}), file="d.csv")
    assert [(f.column, f.kind, f.by_name, f.by_content) for f in found] == [
        ("field_7", kind, False, True)]
    assert found[0].reason.startswith("4 of the 4 values checked look like ")


def test_card_numbers_stored_as_integers() -> None:
    frame = pd.DataFrame({"k": [4111111111111111, 5500000000000004, 4012888888881881]})
    assert [f.kind for f in find_identifiers(frame, file="d.csv")] == ["payment_card"]


def test_name_and_content_together_give_one_reason() -> None:
    frame = pd.DataFrame({"email": CONTENT["email"] + [None]})
    (item,) = find_identifiers(frame, file="d.csv")
    assert item == IdentifierColumn(
        file="d.csv", column="email", kind="email", by_name=True, by_content=True,
        reason="its name 'email' suggests e-mail addresses, and 4 of the 4 values checked "
               "look like e-mail addresses")


def test_content_decides_the_kind_when_the_name_says_otherwise() -> None:
    (item,) = find_identifiers(pd.DataFrame({"phone": CONTENT["email"]}), file="d.csv")
    assert item.kind == "email" and item.by_name and item.by_content


def test_at_least_half_of_the_values_must_match() -> None:
    half = pd.DataFrame({"c": ["a@b.org", "c@d.org", "x", "y"]})
    assert [f.kind for f in find_identifiers(half, file="d.csv")] == ["email"]
    fewer = pd.DataFrame({"c": ["a@b.org", "x", "y", "z"]})
    assert find_identifiers(fewer, file="d.csv") == ()


@pytest.mark.parametrize("values", [
    ["2024-01-15", "2023-12-01", "15.01.2024", "2022-02-02"],  # dates are not phones
    ["1.234.567", "48320.50", "12,345,678", "5"],  # amounts
    ["12345-6789", "98765-4321", "12345", "54321"],  # ZIP+4
    ["1.2.3", "2.0.1", "3.1.4", "0.9.9"],  # versions
    ["A000001", "A000002", "A000003", "A000004"],  # opaque keys
    ["4111 1111 1111 1112", "1234 5678 9012 3456", "5500 0000 0000 0005", "1111"],  # no Luhn
    ["GB00 WEST 1234 5698 7654 32", "DE00370400440532013000", "x", "y"],  # bad IBAN checksum
])
def test_look_alikes_are_not_flagged(values: list[str]) -> None:
    assert find_identifiers(pd.DataFrame({"c": values}), file="d.csv") == ()


def test_random_long_integers_are_not_card_numbers() -> None:
    frame = pd.DataFrame({"key": [1234567890123450 + i for i in range(1, 400, 7)]})
    assert find_identifiers(frame, file="d.csv") == ()


def test_join_keys_opaque_or_not() -> None:
    opaque = pd.DataFrame({"applicant_id": [f"A{i:06d}" for i in range(50)]})
    assert find_identifiers(opaque, file="d.csv") == ()
    by_email = pd.DataFrame({"applicant_id": [f"user{i}@example.org" for i in range(50)]})
    assert [(f.column, f.kind) for f in find_identifiers(by_email, file="d.csv")] == [
        ("applicant_id", "email")]


@pytest.mark.parametrize("path", [SAMPLE_DATASET, SAMPLE_PREDICTIONS, HIRING],
                         ids=lambda p: p.name)
def test_nothing_is_flagged_in_the_samples(path: Path) -> None:
    assert find_identifiers(pd.read_csv(path), file=path.name) == ()


def test_only_a_sample_of_a_large_column_is_read() -> None:
    frame = pd.DataFrame({"c": [f"p{i}@example.org" for i in range(200_000)]})
    (item,) = find_identifiers(frame, file="d.csv", sample=300)
    assert item.reason == "300 of the 300 values checked look like e-mail addresses"


# --- leaving columns out -----------------------------------------------------------------


def test_drop_columns_keeps_the_provenance(sample_inputs) -> None:
    dataset, _ = sample_inputs
    reduced = drop_columns(dataset, ["income", "zip_region", "not there"])
    assert reduced.provenance is dataset.provenance
    assert "income" not in reduced.frame.columns and "zip_region" not in reduced.frame.columns
    assert len(reduced.frame.columns) == len(dataset.frame.columns) - 2
    assert drop_columns(dataset, []) is dataset
    assert "income" in dataset.frame.columns  # the original is not changed


def test_dropped_columns_are_noted_in_the_record(sample_inputs, sample_run) -> None:
    from audit._pipeline import audit_inputs

    dataset, predictions = sample_inputs
    run = audit_inputs(dataset=drop_columns(dataset, ["income"]), predictions=predictions,
                       spec=sample_run.result.spec, id_column=sample_run.id_column)
    assert dropped_columns(run) == {"dataset": ("income",)}
    assert dropped_columns(sample_run) == {}
    record = record_to_dict(AuditRecord(result=run.result, inputs=run.inputs,
                                        id_column=run.id_column))
    noted = note_dropped_columns(record, dropped_columns(run))
    assert noted["inputs"][0]["dropped_columns"] == ["income"]
    assert "dropped_columns" not in noted["inputs"][1]
    assert noted["inputs"][0]["columns"] == list(dataset.provenance.columns)
    assert "dropped_columns" not in record["inputs"][0]
    validate(noted)


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
    assert "Native American (n not shown), Unknown (n not shown)" in race["message"]
    assert "(n=90)" not in race["message"] and race["value"] is not None  # Black vs White
    original = next(f for f in record["findings"] if f["id"] == "impact_ratio:race")
    assert "Native American (n=90), Unknown (n=60)" in original["message"]


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
