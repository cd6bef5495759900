"""Sealing the PDF: the embedded record, the stored fingerprint, the PAdES signature, and the
signing key's configuration from the environment."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pypdf
import pytest

from audit import AuditInputError, to_json
from audit.record._embed import ALREADY_SEALED, canonical_bytes, sha256_hex
from audit.record._seal import seal_pdf
from audit.record._sign import (
    CERT_WITHOUT_KEY,
    KEY_MISMATCH,
    KEY_NEEDS_PASSWORD,
    KEY_NOT_ENCRYPTED,
    KEY_WITHOUT_CERT,
    KEY_WRONG_PASSWORD,
    NOT_A_CERT,
    NOT_A_KEY,
    SIGNATURE_FIELD,
    SIGNATURE_REASON,
    UNREADABLE,
    UNSIGNED_TEXT,
    signature_status_text,
    signing_from_env,
)
from audit.record._verify import verify_bytes
from tests.audit.record.conftest import (
    SIGNER_CN,
    make_certificate,
    make_key,
    pdfsig,
    write_certificates,
    write_key,
)


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


# --- canonical bytes and the embedded record ------------------------------------------------


def test_canonical_bytes_are_the_canonical_text_and_one_newline(record, record_bytes):
    assert record_bytes == (to_json(record) + "\n").encode("utf-8")
    assert record_bytes.endswith(b"}\n") and not record_bytes.endswith(b"\n\n")


@pytest.mark.parametrize("kind", ["signed", "unsigned"])
def test_the_embedded_record_is_the_record_bytes_byte_for_byte(kind, request, record_bytes):
    pdf = request.getfixturevalue(f"{kind}_pdf")
    assert reader(pdf).attachments == {"audit.json": [record_bytes]}


def test_the_record_is_attached_as_in_pdf_a3(signed_pdf, record_bytes):
    root = reader(signed_pdf).trailer["/Root"]
    (spec,) = [ref.get_object() for ref in root["/AF"]]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert [names[0], names[1].get_object()] == ["audit.json", spec]
    assert spec["/F"] == spec["/UF"] == "audit.json"
    assert spec["/AFRelationship"] == "/Data"
    stream = spec["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/application/json"
    assert stream["/Params"]["/Size"] == len(record_bytes)
    assert stream["/Params"]["/ModDate"].startswith("D:20260115100000")  # created_at


@pytest.mark.parametrize("kind", ["signed", "unsigned"])
def test_the_fingerprint_is_in_the_document_information(kind, request, record_bytes):
    pdf = request.getfixturevalue(f"{kind}_pdf")
    fingerprint = hashlib.sha256(record_bytes).hexdigest()
    assert sha256_hex(record_bytes) == fingerprint
    metadata = reader(pdf).metadata
    assert metadata is not None
    assert metadata["/AuditFingerprint"] == fingerprint
    assert metadata["/Title"].startswith("Fairness audit record")  # the renderer's entries stay


def test_sealing_leaves_the_pages_as_rendered(plain_pdf, signed_pdf):
    assert signed_pdf.startswith(plain_pdf)  # one incremental update, appended
    before, after = reader(plain_pdf), reader(signed_pdf)
    assert len(after.pages) == len(before.pages)
    assert after.pages[0].extract_text() == before.pages[0].extract_text()


def test_a_pdf_with_named_destinations_keeps_them(record_bytes):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_named_destination("summary", 0)
    buffer = io.BytesIO()
    writer.write(buffer)
    sealed = reader(seal_pdf(buffer.getvalue(), record_bytes, signer=None))
    assert sorted(sealed.trailer["/Root"]["/Names"]) == ["/Dests", "/EmbeddedFiles"]
    assert sealed.attachments == {"audit.json": [record_bytes]}
    assert list(sealed.named_destinations) == ["summary"]


def test_a_sealed_pdf_is_not_sealed_again(unsigned_pdf, record_bytes):
    with pytest.raises(ValueError) as caught:
        seal_pdf(unsigned_pdf, record_bytes, signer=None)
    assert str(caught.value) == ALREADY_SEALED


# --- the signature ---------------------------------------------------------------------------


def test_the_signature_is_pades_in_its_own_field(signed_pdf):
    fields = reader(signed_pdf).get_fields()
    assert fields is not None and list(fields) == [SIGNATURE_FIELD]
    value = fields[SIGNATURE_FIELD]["/V"]
    assert value["/SubFilter"] == "/ETSI.CAdES.detached"
    assert value["/Reason"] == SIGNATURE_REASON == "Fairness audit record"


def test_pdfsig_shows_one_valid_signature_by_the_certificate(signed_pdf, tmp_path):
    path = tmp_path / "audit.pdf"
    path.write_bytes(signed_pdf)
    report = pdfsig(path)
    assert report.count("Signature #") == 1, report
    assert "Signature Validation: Signature is Valid." in report
    assert f"Signer Certificate Common Name: {SIGNER_CN}\n" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Total document signed" in report


def test_pdfsig_sees_the_change_after_one_byte_is_altered(signed_pdf, tmp_path):
    at = signed_pdf.index(b"Fairness audit record")
    path = tmp_path / "audit.pdf"
    path.write_bytes(signed_pdf[:at] + b"G" + signed_pdf[at + 1:])
    report = pdfsig(path)
    assert "Signature is Valid." not in report
    assert "Digest Mismatch" in report


def test_a_certificate_issued_by_a_ca_signs_with_its_chain(tmp_path, plain_pdf, record_bytes):
    ca_key, leaf_key = make_key(), make_key()
    ca = make_certificate(ca_key, "Test Board CA", ca=True)
    leaf = make_certificate(leaf_key, "Board Secretary", issuer=(ca_key, ca))
    env = {"AUDIT_SIGNING_KEY": write_key(tmp_path / "key.pem", leaf_key),
           # the chain file may list the CA first: the key picks its own certificate
           "AUDIT_SIGNING_CERT": write_certificates(tmp_path / "chain.pem", ca, leaf)}
    signing = signing_from_env(env)
    assert signing is not None
    assert (signing.signer, signing.chain) == ("Board Secretary", (ca,))
    pdf = seal_pdf(plain_pdf, record_bytes, signer=signing)
    report = verify_bytes(record=record_bytes, pdf=pdf)
    assert report.ok, report.problems
    assert report.signers == ("Board Secretary",)
    path = tmp_path / "audit.pdf"
    path.write_bytes(pdf)
    assert "Signature is Valid." in pdfsig(path)


# --- configuration from the environment -----------------------------------------------------


@pytest.mark.parametrize("env", [{}, {"AUDIT_SIGNING_KEY": "", "AUDIT_SIGNING_CERT": ""},
                                 {"AUDIT_SIGNING_KEY_PASSWORD": "unused"}])
def test_without_a_key_pdfs_are_unsigned(env):
    assert signing_from_env(env) is None


def test_the_unsigned_pdf_says_how_to_sign():
    assert signature_status_text(None) == UNSIGNED_TEXT == (
        "This PDF is not digitally signed: no signing key is configured. To sign audit "
        "records, set AUDIT_SIGNING_KEY and AUDIT_SIGNING_CERT to the PEM files of the "
        "board's private key and certificate (and AUDIT_SIGNING_KEY_PASSWORD if the key is "
        "encrypted). The fingerprint and the embedded record can still be checked with "
        "python -m audit verify."
    )


def test_the_signed_pdf_names_the_signer(signing):
    assert signing.signer == SIGNER_CN
    assert signature_status_text(signing) == (
        "This PDF is digitally signed by Test Board Signer (PAdES): a PDF reader shows the "
        "signature and whether anything changed since it was signed."
    )


def test_the_key_is_never_printed(signing):
    assert "PRIVATE" not in repr(signing) and "private_key" not in repr(signing)


def message(env: dict[str, str]) -> str:
    with pytest.raises(AuditInputError) as caught:
        signing_from_env(env)
    return str(caught.value)


def test_a_key_without_a_certificate_is_refused_with_the_fix():
    assert message({"AUDIT_SIGNING_KEY": "/keys/board.pem"}) == (
        "AUDIT_SIGNING_KEY is set to '/keys/board.pem' but AUDIT_SIGNING_CERT is not, and a "
        "PDF is signed only with both. Fix: set AUDIT_SIGNING_CERT to the PEM file of the "
        "certificate issued for this key, or unset AUDIT_SIGNING_KEY to write unsigned PDFs."
    )
    assert KEY_WITHOUT_CERT.format(path="/keys/board.pem") == message(
        {"AUDIT_SIGNING_KEY": "/keys/board.pem", "AUDIT_SIGNING_CERT": ""})


def test_a_certificate_without_a_key_is_refused_with_the_fix():
    assert message({"AUDIT_SIGNING_CERT": "/keys/board.crt"}) == CERT_WITHOUT_KEY.format(
        path="/keys/board.crt")


def test_an_unreadable_file_is_named(tmp_path, key_files):
    key, cert = key_files
    missing = str(tmp_path / "nowhere.pem")
    assert message({"AUDIT_SIGNING_KEY": missing, "AUDIT_SIGNING_CERT": cert}) == (
        f"Cannot read AUDIT_SIGNING_KEY={missing!r}: No such file or directory. Fix: set "
        "AUDIT_SIGNING_KEY to the path of a PEM file this process can read."
    )
    assert message({"AUDIT_SIGNING_KEY": key, "AUDIT_SIGNING_CERT": missing}) == (
        UNREADABLE.format(variable="AUDIT_SIGNING_CERT", path=missing,
                          reason="No such file or directory"))


def test_files_swapped_are_named(key_files):
    key, cert = key_files
    assert message({"AUDIT_SIGNING_KEY": cert, "AUDIT_SIGNING_CERT": cert}) == (
        NOT_A_KEY.format(variable="AUDIT_SIGNING_KEY", path=cert))
    assert message({"AUDIT_SIGNING_KEY": key, "AUDIT_SIGNING_CERT": key}) == (
        NOT_A_CERT.format(variable="AUDIT_SIGNING_CERT", path=key))


def test_a_key_of_another_certificate_is_refused(tmp_path, key_files):
    _, cert = key_files
    other = write_key(tmp_path / "other.pem", make_key())
    assert message({"AUDIT_SIGNING_KEY": other, "AUDIT_SIGNING_CERT": cert}) == (
        KEY_MISMATCH.format(key_variable="AUDIT_SIGNING_KEY", key_path=other,
                            cert_variable="AUDIT_SIGNING_CERT", cert_path=cert,
                            subject=f"CN={SIGNER_CN}"))


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder: Path = tmp_path_factory.mktemp("encrypted")
    key = make_key()
    return {"AUDIT_SIGNING_KEY": write_key(folder / "key.pem", key, password=b"s3cret"),
            "AUDIT_SIGNING_CERT": write_certificates(folder / "cert.pem",
                                                     make_certificate(key, SIGNER_CN))}


def test_an_encrypted_key_needs_its_password(encrypted):
    names = {"variable": "AUDIT_SIGNING_KEY", "path": encrypted["AUDIT_SIGNING_KEY"],
             "password": "AUDIT_SIGNING_KEY_PASSWORD"}
    assert message(encrypted) == KEY_NEEDS_PASSWORD.format(**names)
    assert message({**encrypted, "AUDIT_SIGNING_KEY_PASSWORD": "wrong"}) == (
        KEY_WRONG_PASSWORD.format(**names))
    signing = signing_from_env({**encrypted, "AUDIT_SIGNING_KEY_PASSWORD": "s3cret"})
    assert signing is not None and signing.signer == SIGNER_CN


def test_a_password_for_a_plain_key_is_refused(key_files):
    key, cert = key_files
    assert message({"AUDIT_SIGNING_KEY": key, "AUDIT_SIGNING_CERT": cert,
                    "AUDIT_SIGNING_KEY_PASSWORD": "s3cret"}) == KEY_NOT_ENCRYPTED.format(
        variable="AUDIT_SIGNING_KEY", path=key, password="AUDIT_SIGNING_KEY_PASSWORD")


def test_canonical_bytes_of_a_reopened_record_are_the_same(record_bytes):
    import json

    assert canonical_bytes(json.loads(record_bytes)) == record_bytes
