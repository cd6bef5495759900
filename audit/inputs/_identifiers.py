"""Columns that identify people directly, found and left out before the audit.

A *direct identifier* is a value that points at one person on its own: a name, an e-mail
address, a phone, national identity, passport or licence number, a postal address, a date
of birth, an IP address, a payment card or bank account number. The audit needs none of
them. `find_identifiers` flags such columns by their **name** and by what their **values**
look like (e-mail, phone, US social security, payment card and IBAN numbers with their
checksums, IP addresses), each with the reason in plain words, so that the dashboard can
leave them out. Free text such as people's names is recognised by the column name only.
An opaque key (``A000123``, a row number) is not an identifier: a join column holding one is
never flagged, while one holding e-mail addresses is.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit.inputs._types import AuditInput

__all__ = ["IdentifierColumn", "drop_columns", "find_identifiers", "leave_out_identifiers"]

IdentifierKind = Literal[
    "email", "phone", "national_id", "passport", "driver_license", "payment_card",
    "bank_account", "ip_address", "birth_date", "address", "location", "medical_record",
    "username", "person_name",
]

#: What each kind of identifier holds, in the words a message uses.
KIND_WORDS: dict[str, str] = {
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "national_id": "national identity, social security or tax numbers",
    "passport": "passport numbers",
    "driver_license": "driving licence numbers",
    "payment_card": "payment card numbers",
    "bank_account": "bank account numbers",
    "ip_address": "IP addresses",
    "birth_date": "dates of birth",
    "address": "postal addresses",
    "location": "precise locations (latitude and longitude)",
    "medical_record": "medical record or health insurance numbers",
    "username": "user names or logins",
    "person_name": "people's names",
}

# Column-name terms: a term matches a run of whole words of the name, joined ("e_mail"
# and "EMail" give "email"), so "tin" matches "tax TIN" but never "rating"; a term
# starting with "=" must be the whole name ("mobile", but not "is_mobile"). Checked in
# this order: "email_address" is an e-mail, not a postal address.
_NAME_TERMS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (kind, frozenset(terms.split())) for kind, terms in (
        ("email", "email emailaddress mail mailaddress correo courriel"),
        ("ip_address", "ip ipaddress ipaddr ipv4 ipv6"),
        ("username", "username loginname screenname =login"),
        ("national_id", "ssn socialsecurity socialsecuritynumber socsec nationalid "
                        "nationalidentifier nationalidentitynumber nationalidnumber nin nino "
                        "nationalinsurance nationalinsurancenumber taxid tin taxpayerid "
                        "taxnumber taxidnumber personalnumber personnummer sin aadhaar aadhar "
                        "nric cpf bsn idcard idcardnumber identitycard identitynumber "
                        "personalid personalidnumber citizenid"),
        ("passport", "passport passportnumber passportno"),
        ("driver_license", "driverslicense driverlicense driverslicence driverlicence "
                           "drivinglicense drivinglicence dlnumber licensenumber "
                           "licencenumber"),
        ("payment_card", "creditcard creditcardnumber cardnumber ccnumber ccnum cardno pan "
                         "debitcard"),
        ("bank_account", "iban accountnumber bankaccount bankaccountnumber accountno "
                         "routingnumber sortcode"),
        ("medical_record", "mrn medicalrecord medicalrecordnumber nhsnumber "
                           "healthinsurancenumber"),
        ("phone", "phone phonenumber phoneno telephone telephonenumber tel =mobile "
                  "mobilenumber mobilephone cellphone =cell fax msisdn telefon telefono"),
        ("birth_date", "dob dateofbirth birthdate birthday bday =born geburtsdatum "
                       "fechadenacimiento datedenaissance"),
        ("address", "address streetaddress street addressline addr homeaddress "
                    "postaladdress mailingaddress =residence adresse direccion strasse"),
        ("location", "latitude longitude lat lon lng gps geolocation coordinates"),
        ("person_name", "fullname firstname lastname surname forename forenames givenname "
                        "familyname middlename maidenname nickname vorname nachname prenom "
                        "nombre apellido apellidos voornaam achternaam"),
    )
)
# Words before "name" that make it a person's name ("applicant_name", but not "file_name").
_PERSON_WORDS = frozenset((
    "applicant", "candidate", "customer", "client", "person", "patient", "employee",
    "contact", "borrower", "member", "student", "staff", "worker", "spouse", "mother",
    "father", "parent", "guardian", "emergency", "holder", "cardholder", "beneficiary",
    "insured", "legal", "display", "real", "birth", "full"))
# "birth_year", "country_of_birth": about birth, but not a date of birth.
_NOT_A_BIRTH_DATE = frozenset(("year", "country", "place", "city", "order", "weight", "month"))
# The words of a name: "DateOfBirth", "date_of_birth" and "date-of-birth" all give
# date, of, birth.
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

SAMPLE_SIZE = 1000
MIN_SHARE = 0.5  # at least this share of the checked values must look like the identifier

_EMAIL = re.compile(r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_SSN = re.compile(r"(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}")
_PHONE_CHARS = re.compile(r"(?:\+|\()?\d[\d ().\-]{5,22}\d")
_DATE = re.compile(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_THOUSANDS = re.compile(r"\d{1,3}(?:[ ,.]\d{3})+(?:[.,]\d+)?")
_CARD = re.compile(r"\d(?:[ \-]?\d){12,18}")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


@dataclass(frozen=True)
class IdentifierColumn:
    """A column that looks like a direct identifier, and why.

    ``reason`` is a plain-words clause such as "its name 'email' suggests e-mail
    addresses, and 98 of the 100 values checked look like e-mail addresses".
    """

    file: str
    column: str
    kind: IdentifierKind
    reason: str
    by_name: bool
    by_content: bool


def find_identifiers(frame: pd.DataFrame, *, file: str,
                     sample: int = SAMPLE_SIZE) -> tuple[IdentifierColumn, ...]:
    """The columns of ``frame`` that look like direct identifiers, in column order.

    Parameters
    ----------
    frame : pandas.DataFrame
        One loaded file (``AuditInput.frame``).
    file : str
        The file's name, recorded in each result.
    sample : int
        How many values of each column to check, spread evenly over the rows.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["A1", "A2"], "contact": ["a@x.org", "b@y.org"]})
    >>> [(c.column, c.kind) for c in find_identifiers(frame, file="d.csv")]
    [('contact', 'email')]
    """
    found = []
    for column in frame.columns:
        name = str(column)
        by_name = _kind_by_name(name) if _varied(frame[column], sample) else None
        by_content = _kind_by_content(frame[column], sample)
        if by_name is None and by_content is None:
            continue
        parts = []
        if by_name is not None:
            parts.append(f"its name {name!r} suggests {KIND_WORDS[by_name]}")
        if by_content is not None:
            parts.append(by_content[1])
        kind = by_content[0] if by_content is not None else by_name
        found.append(IdentifierColumn(file=file, column=name, kind=kind,  # type: ignore[arg-type]
                                      reason=", and ".join(parts), by_name=by_name is not None,
                                      by_content=by_content is not None))
    return tuple(found)


def _words(name: str) -> list[str]:
    ascii_name = unicodedata.normalize("NFKD", name.replace("ß", "ss")).encode(
        "ascii", "ignore").decode()
    return [w.lower() for w in _WORD.findall(ascii_name)]


def _kind_by_name(name: str) -> str | None:
    words = _words(name)
    runs = {"".join(words[i:j]) for i in range(len(words))
            for j in range(i + 1, min(len(words), i + 4) + 1)}
    runs.add("=" + "".join(words))
    for kind, terms in _NAME_TERMS:
        if runs & terms:
            if kind == "birth_date" and _NOT_A_BIRTH_DATE & set(words):
                continue
            return kind
    if words and words[-1] in ("name", "names", "nom") and (
            len(words) == 1 or words[-2] in _PERSON_WORDS):
        return "person_name"
    return None


def _sampled(series: pd.Series, size: int) -> list[Any]:
    """Up to ``size`` non-missing values spread evenly over the column."""
    if len(series) == 0:
        return []
    positions = np.unique(np.linspace(0, len(series) - 1, num=min(len(series), size)).astype(int))
    return [v for v in series.iloc[positions].tolist() if not _missing(v)]


def _varied(series: pd.Series, size: int) -> bool:
    """False for a yes/no column ("has_email", "email_verified"): it cannot single anyone out."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return False
    values = _sampled(series, size)
    return len(values) <= 2 or len(set(map(str, values))) > 2


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


def _kind_by_content(series: pd.Series, size: int) -> tuple[str, str] | None:
    """The identifier most of the sampled values look like, with the count as a reason."""
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_float_dtype(series.dtype):
        return None
    numeric = pd.api.types.is_integer_dtype(series.dtype)
    if not numeric and not (pd.api.types.is_string_dtype(series.dtype)
                            or pd.api.types.is_object_dtype(series.dtype)):
        return None
    values = [str(v).strip() for v in _sampled(series, size)]
    values = [v for v in values if v]
    if not values:
        return None
    checks = _NUMERIC_CHECKS if numeric else _TEXT_CHECKS
    best: tuple[int, str, str] | None = None
    for kind, words, check in checks:
        hits = sum(1 for v in values if check(v))
        if hits and hits >= MIN_SHARE * len(values) and (best is None or hits > best[0]):
            best = (hits, kind, words)
    if best is None:
        return None
    hits, kind, words = best
    return kind, f"{hits:,} of the {len(values):,} values checked look like {words}"


def _is_email(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None


def _is_ssn(value: str) -> bool:
    return _SSN.fullmatch(value) is not None


def _is_phone(value: str) -> bool:
    if _PHONE_CHARS.fullmatch(value) is None or not 7 <= sum(c.isdigit() for c in value) <= 15:
        return False
    if _DATE.fullmatch(value) or _PLAIN_NUMBER.fullmatch(value) or _THOUSANDS.fullmatch(value):
        return False
    separators = len(re.findall(r"[ .\-]+", value.strip("+()")))
    return value.startswith(("+", "(")) or separators >= 2


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_card(value: str) -> bool:
    if _CARD.fullmatch(value) is None:
        return False
    digits = re.sub(r"\D", "", value)
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and _luhn(digits)


def _is_iban(value: str) -> bool:
    text = value.replace(" ", "").upper()
    if _IBAN.fullmatch(text) is None:
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _is_ip(value: str) -> bool:
    if "." not in value and ":" not in value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_TEXT_CHECKS = (  # in order of preference when two match equally often
    ("email", "e-mail addresses", _is_email),
    ("national_id", "US social security numbers (123-45-6789)", _is_ssn),
    ("payment_card", "payment card numbers (they pass the card-number checksum)", _is_card),
    ("bank_account", "IBAN bank account numbers (they pass the IBAN checksum)", _is_iban),
    ("ip_address", "IP addresses", _is_ip),
    ("phone", "phone numbers", _is_phone),
)
_NUMERIC_CHECKS = (
    ("payment_card", "payment card numbers (they pass the card-number checksum)", _is_card),
)


# --- leaving identifier columns out ---------------------------------------------------


def drop_columns(source: AuditInput, columns: Iterable[str]) -> AuditInput:
    """``source`` without ``columns``; the provenance still describes the uploaded file.

    The file's sha256 and full column list stay as they were, so the record proves which
    bytes were uploaded; `dropped_columns` tells which columns the audit did not use.
    """
    drop = [c for c in dict.fromkeys(columns) if c in source.frame.columns]
    if not drop:
        return source
    return replace(source, frame=source.frame.drop(columns=drop))


def leave_out_identifiers(dataset: AuditInput, predictions: AuditInput | None = None, *,
                          keep: Iterable[str] = ()
                          ) -> tuple[AuditInput, AuditInput | None, tuple[IdentifierColumn, ...]]:
    """Both files without the columns `find_identifiers` flags: what the Upload page does
    by default, and what the CLI does.

    A flagged column that both files share is the join key and stays (for matching the
    rows only); so do the columns in ``keep`` (the roles the audit was told to use).
    Returns the reduced files and every flagged column, left out or not.
    """
    shared = (set(dataset.frame.columns) & set(predictions.frame.columns)
              if predictions is not None else set())
    kept = set(keep) | shared
    found: list[IdentifierColumn] = []
    out: list[AuditInput | None] = []
    for source in (dataset, predictions):
        if source is None:
            out.append(None)
            continue
        flagged = find_identifiers(source.frame, file=source.provenance.name)
        found.extend(flagged)
        out.append(drop_columns(source, [c.column for c in flagged if c.column not in kept]))
    assert out[0] is not None
    return out[0], out[1], tuple(found)
