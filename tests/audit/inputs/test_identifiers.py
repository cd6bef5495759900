"""Identifier columns, found by name and by content, and left out of the audit.

Decision on the samples: none of the columns of the lending and hiring samples is flagged,
their opaque id columns (``applicant_id``, ``candidate_id``) included; ``zip_region`` is
a coarse region (a quasi-identifier at most), not a direct identifier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from audit.inputs import IdentifierColumn, drop_columns, find_identifiers
from audit.record import (
    build_record,
)
from audit.record._build import dropped_columns
from tests.conftest import HIRING, SAMPLE_DATASET, SAMPLE_PREDICTIONS
from tests.conftest import validate_schema as validate

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
    from audit.engine import audit_inputs

    dataset, predictions = sample_inputs
    run = audit_inputs(dataset=drop_columns(dataset, ["income"]), predictions=predictions,
                       spec=sample_run.result.spec, id_column=sample_run.id_column)
    assert dropped_columns(run) == {"dataset": ("income",)}
    assert dropped_columns(sample_run) == {}
    noted = build_record(run)
    assert noted["inputs"][0]["dropped_columns"] == ["income"]
    assert "dropped_columns" not in noted["inputs"][1]
    assert noted["inputs"][0]["columns"] == list(dataset.provenance.columns)
    assert "dropped_columns" not in build_record(sample_run)["inputs"][0]
    validate(noted)


