"""``verify``: a record against its PDF, a PDF against its embedded record, a record alone;
and ``python -m audit verify``'s exit codes (0 verified, 1 differs, 2 unreadable)."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from audit import AuditInputError
from audit.cli._verify import (
    NOT_VERIFIED,
    SAME_KIND,
    TOO_MANY_FILES,
    UNRECOGNISED,
    VERIFIED,
    add_verify_parser,
    run_verify,
)
from audit.record._embed import sha256_hex
from audit.record._verify import (
    CANNOT_READ,
    CANONICAL,
    EMBEDDED_DIFFERS,
    EMBEDDED_NOT_FINGERPRINT,
    FINGERPRINT_DIFFERS,
    NO_EMBEDDED_RECORD,
    NO_FINGERPRINT,
    NOT_A_PDF,
    NOT_CANONICAL,
    NOTHING_TO_VERIFY,
    SIGNATURE_BROKEN,
    SIGNATURE_NOT_WHOLE_FILE,
    SIGNATURE_OTHER_SIGNER,
    TRUST_EXPECTED_SIGNER,
    TRUST_NOT_ESTABLISHED,
    UNSIGNED,
    VerifyReport,
    verify_bytes,
    verify_files,
)
from tests.audit.record.conftest import (
    SIGNER_CN,
    make_certificate,
    make_key,
    write_certificates,
)

SIGNATURE = {"field": "AuditRecordSignature", "signer": SIGNER_CN}
WORDS = ("fingerprint", "signature", "embedded record")


def one_digit_changed(record_bytes: bytes) -> bytes:
    """The record with the first digit of its first number changed (still valid JSON)."""
    at = record_bytes.index(b'"n": ') + len(b'"n": ')
    digit = record_bytes[at:at + 1]
    assert digit.isdigit()
    return record_bytes[:at] + (b"1" if digit != b"1" else b"2") + record_bytes[at + 1:]


def one_byte_changed(pdf: bytes, at: int) -> bytes:
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


def assert_names_what_differs(report: VerifyReport, word: str) -> None:
    assert not report.ok
    assert all(any(w in problem.lower() for w in WORDS) for problem in report.problems)
    assert any(word in problem.lower() for problem in report.problems), report.problems


# --- the pair ------------------------------------------------------------------------------


def test_the_pair_verifies(pair, record_bytes):
    report = verify_files(*map(str, pair))
    assert report.ok, report.problems
    assert report.fingerprint == sha256_hex(record_bytes)
    assert report.signers == (SIGNER_CN,)
    assert [check.split(":")[0] for check in report.checks] == [
        "fingerprint", "embedded record", "signature", "trust"]
    assert f"by {SIGNER_CN} (certificate sha256 " in report.checks[2]
    assert "covers the whole file" in report.checks[2]
    assert report.checks[3] == TRUST_NOT_ESTABLISHED


def test_an_unsigned_pair_verifies_and_says_it_is_unsigned(record_bytes, unsigned_pdf):
    report = verify_bytes(record=record_bytes, pdf=unsigned_pdf)
    assert report.ok, report.problems
    assert report.signers == ()
    assert report.checks[-1] == UNSIGNED


def test_one_digit_of_audit_json_changed_fails_naming_the_fingerprint(pair, record_bytes):
    json_path, pdf_path = pair
    changed = one_digit_changed(record_bytes)
    json_path.write_bytes(changed)
    report = verify_files(str(json_path), str(pdf_path))
    assert_names_what_differs(report, "fingerprint")
    names = {"json": "audit.json", "pdf": "audit.pdf"}
    assert report.problems == (
        FINGERPRINT_DIFFERS.format(actual=sha256_hex(changed),
                                   sealed=sha256_hex(record_bytes), **names),
        EMBEDDED_DIFFERS.format(embedded=sha256_hex(record_bytes), **names),
    )


def test_one_byte_of_the_signed_pdf_changed_fails_naming_the_signature(record_bytes,
                                                                       signed_pdf):
    at = signed_pdf.index(b"Fairness audit record")  # the title, in the signed range
    report = verify_bytes(record=record_bytes, pdf=one_byte_changed(signed_pdf, at))
    assert_names_what_differs(report, "signature")
    assert report.problems == (SIGNATURE_BROKEN.format(**SIGNATURE),)


@pytest.mark.parametrize("where", [0.1, 0.5, 0.8])
def test_any_byte_changed_inside_the_signed_range_is_caught(where, record_bytes, plain_pdf,
                                                            signed_pdf):
    at = int(len(plain_pdf) * where)  # the rendered document, before the signature
    report = verify_bytes(record=record_bytes, pdf=one_byte_changed(signed_pdf, at))
    assert_names_what_differs(report, "signature")


@pytest.mark.parametrize("appended", [b"\n", b"%% a comment\n", b"garbage"])
def test_bytes_appended_after_signing_are_caught(appended, record_bytes, signed_pdf):
    report = verify_bytes(record=record_bytes, pdf=signed_pdf + appended)
    assert_names_what_differs(report, "signature")
    assert report.problems == (SIGNATURE_NOT_WHOLE_FILE.format(added=len(appended),
                                                               **SIGNATURE),)


def test_an_update_appended_to_pass_off_another_record_is_caught(record_bytes, signed_pdf):
    """A valid incremental update that repoints the fingerprint (pyHanko alone would
    accept a metadata update after signing) is caught: the signature must cover it all."""
    forged = one_digit_changed(record_bytes)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    info = writer.trailer.raw_get("/Info")
    info.get_object()["/AuditFingerprint"] = generic.TextStringObject(sha256_hex(forged))
    writer.mark_update(info)
    out = io.BytesIO()
    writer.write(out)
    report = verify_bytes(record=forged, pdf=out.getvalue())
    assert_names_what_differs(report, "signature")
    assert any(p.startswith("The signature AuditRecordSignature by Test Board Signer does "
                            "not cover the whole file") for p in report.problems)
    assert any(p.startswith("The embedded record differs") for p in report.problems)


def test_a_truncated_pdf_is_reported_as_damaged(record_bytes, signed_pdf):
    report = verify_bytes(record=record_bytes, pdf=signed_pdf[:-200])
    assert_names_what_differs(report, "signature")
    assert report.problems[0].startswith("The PDF cannot be parsed")


def test_a_pdf_never_sealed_has_no_fingerprint_and_no_embedded_record(record_bytes,
                                                                      plain_pdf):
    report = verify_bytes(record=record_bytes, pdf=plain_pdf)
    assert report.problems == (NO_FINGERPRINT, NO_EMBEDDED_RECORD)


# --- the PDF alone -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["signed", "unsigned"])
def test_the_pdf_alone_verifies_against_its_embedded_record(kind, request, tmp_path,
                                                            record_bytes):
    path = tmp_path / "audit.pdf"
    path.write_bytes(request.getfixturevalue(f"{kind}_pdf"))
    report = verify_files(None, str(path))
    assert report.ok, report.problems
    assert report.fingerprint == sha256_hex(record_bytes)
    assert report.checks[0].startswith("embedded record: the audit.json attached to audit.pdf "
                                       f"has sha256 {sha256_hex(record_bytes)}")


def test_an_unsigned_pdf_with_another_fingerprint_fails_alone(record_bytes, unsigned_pdf):
    sealed = sha256_hex(record_bytes)
    forged = sha256_hex(b"another record")
    pdf = unsigned_pdf.replace(sealed.encode(), forged.encode())  # same length: still parses
    alone = verify_bytes(record=None, pdf=pdf)
    assert alone.problems == (EMBEDDED_NOT_FINGERPRINT.format(embedded=sealed, sealed=forged),)
    with_json = verify_bytes(record=record_bytes, pdf=pdf)
    assert_names_what_differs(with_json, "fingerprint")


# --- the expected signer -------------------------------------------------------------------


def test_the_expected_certificate_establishes_trust(pair, key_files):
    report = verify_files(*map(str, pair), signer_cert_path=key_files[1])
    assert report.ok, report.problems
    assert report.checks[-1] == TRUST_EXPECTED_SIGNER.format(name=key_files[1])


def test_a_pdf_signed_by_someone_else_fails_naming_the_signature(pair, tmp_path, signing):
    other = make_certificate(make_key(), "Someone Else")
    path = write_certificates(tmp_path / "board.pem", other)
    report = verify_files(*map(str, pair), signer_cert_path=path)
    assert_names_what_differs(report, "signature")
    assert report.problems == (SIGNATURE_OTHER_SIGNER.format(
        field="AuditRecordSignature", signer=SIGNER_CN,
        actual=signing.certificate.fingerprint(hashes.SHA256()).hex(), expected_name=path,
        expected=other.fingerprint(hashes.SHA256()).hex()),)


# --- the record alone ----------------------------------------------------------------------


def test_a_canonical_record_alone_verifies_and_gives_its_fingerprint(pair, record_bytes):
    report = verify_files(str(pair[0]), None)
    assert report.ok
    assert report.checks == (CANONICAL.format(json="audit.json",
                                              fingerprint=sha256_hex(record_bytes)),)


def test_a_record_rewritten_by_another_tool_is_not_canonical(record_bytes):
    compact = json.dumps(json.loads(record_bytes)).encode()
    report = verify_bytes(record=compact, pdf=None, record_name="audit.json")
    assert report.problems == (NOT_CANONICAL.format(json="audit.json"),)
    assert_names_what_differs(report, "fingerprint")


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]\n", b"\xff\xfe{}"])
def test_a_file_that_is_no_json_record_is_reported(data):
    report = verify_bytes(record=data, pdf=None)
    assert len(report.problems) == 1
    assert report.problems[0].startswith("audit.json is not a JSON record (")


# --- bad input -----------------------------------------------------------------------------


def test_bad_input_is_an_audit_input_error_naming_the_file(tmp_path, record_bytes):
    with pytest.raises(AuditInputError) as nothing:
        verify_files(None, None)
    assert str(nothing.value) == NOTHING_TO_VERIFY
    missing = str(tmp_path / "audit.pdf")
    with pytest.raises(AuditInputError) as unreadable:
        verify_files(None, missing)
    assert str(unreadable.value) == CANNOT_READ.format(path=missing,
                                                       reason="No such file or directory")
    with pytest.raises(AuditInputError) as not_pdf:
        verify_bytes(record=None, pdf=record_bytes, pdf_name="audit.pdf")
    assert str(not_pdf.value) == NOT_A_PDF.format(name="audit.pdf")


# --- python -m audit verify ----------------------------------------------------------------


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit")
    add_verify_parser(parser.add_subparsers(dest="command", required=True))
    return run_verify(parser.parse_args(["verify", *argv]))


def test_cli_exits_0_when_the_pair_verifies(pair, capsys):
    json_path, pdf_path = map(str, pair)
    assert cli(json_path, pdf_path) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == VERIFIED.format(files=f"{json_path} and {pdf_path}")
    assert out.count("[CHECKED] ") == 4 and "[DIFFERS]" not in out
    assert err == ""


def test_cli_exits_1_and_prints_each_problem(pair, record_bytes, capsys):
    json_path, pdf_path = pair
    json_path.write_bytes(one_digit_changed(record_bytes))
    assert cli(str(pdf_path), str(json_path)) == 1  # either order
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("[DIFFERS] The fingerprint differs: ")
    assert lines[1].startswith("[DIFFERS] The embedded record differs from audit.json")
    assert lines[-1] == NOT_VERIFIED.format(files=f"{json_path} and {pdf_path}", count=2,
                                            problems="problems")


def test_cli_exits_1_for_a_changed_signed_pdf(pair, capsys):
    json_path, pdf_path = pair
    pdf = pdf_path.read_bytes()
    pdf_path.write_bytes(one_byte_changed(pdf, pdf.index(b"Fairness audit record")))
    assert cli(str(json_path), str(pdf_path)) == 1
    assert "[DIFFERS] The signature AuditRecordSignature" in capsys.readouterr().out


@pytest.mark.parametrize("which", ["json", "pdf"])
def test_cli_checks_either_file_alone(which, pair, capsys):
    json_path, pdf_path = pair
    assert cli(str(json_path if which == "json" else pdf_path)) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("VERIFIED: ")


def test_cli_recognises_files_by_content(pair, tmp_path):
    record, document = tmp_path / "record", tmp_path / "document"
    record.write_bytes(pair[0].read_bytes())
    document.write_bytes(pair[1].read_bytes())
    assert cli(str(document), str(record)) == 0


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    return err.removeprefix("error: ").rstrip("\n")


def test_cli_exits_2_when_a_file_cannot_be_read(pair, tmp_path, capsys):
    missing = str(tmp_path / "gone.pdf")
    assert cli(str(pair[0]), missing) == 2
    assert error_line(capsys) == CANNOT_READ.format(path=missing,
                                                    reason="No such file or directory")


def test_cli_exits_2_for_files_it_cannot_tell_apart(pair, tmp_path, capsys):
    json_path, pdf_path = map(str, pair)
    assert cli(json_path, pdf_path, json_path) == 2
    assert error_line(capsys) == TOO_MANY_FILES.format(
        count=3, files=f"{json_path}, {pdf_path}, {json_path}")
    assert cli(pdf_path, pdf_path) == 2
    assert error_line(capsys) == SAME_KIND.format(first=pdf_path, second=pdf_path, kind="PDF")
    notes = tmp_path / "notes.txt"
    notes.write_text("minutes of the meeting\n")
    assert cli(str(notes)) == 2
    assert error_line(capsys) == UNRECOGNISED.format(path=str(notes))


def test_cli_exits_2_for_a_pdf_that_is_not_one(tmp_path, capsys):
    fake = tmp_path / "audit.pdf"
    fake.write_text("<html>not a pdf</html>")
    assert cli(str(fake)) == 2
    assert error_line(capsys) == NOT_A_PDF.format(name="audit.pdf")


def test_cli_exits_2_for_an_unreadable_signer_certificate(pair, tmp_path, capsys):
    path = tmp_path / "board.pem"
    path.write_text("not a certificate")
    assert cli(*map(str, pair), "--signer-cert", str(path)) == 2
    assert error_line(capsys).startswith(f"{str(path)!r} does not hold an X.509 certificate")


def test_cli_help_names_both_files(capsys):
    with pytest.raises(SystemExit):
        cli("--help")
    assert "audit.json and/or audit.pdf" in capsys.readouterr().out


def test_report_words_never_drift(pair: tuple[Path, Path]):
    report = verify_files(*map(str, pair))
    assert all(check.split(":")[0] in (*WORDS, "trust") for check in report.checks)
