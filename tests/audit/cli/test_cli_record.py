"""``python -m audit run`` end to end: the record that stands up later (issue 14).

A CLI audit with ``--context`` and ``--preset`` writes ``audit.json`` as the bytes that are
fingerprinted and a sealed ``audit.pdf`` (the record embedded; signed when
``AUDIT_SIGNING_KEY``/``AUDIT_SIGNING_CERT`` are set, and saying so either way). Each file is
read back with independent tools: ``sha256sum``, poppler's ``pdftotext`` and ``pdfsig``,
pypdf, and ``python -m audit verify``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest

from audit import NOT_SIGNED, SEALED, SIGNED_BY
from audit.cli import main
from audit.record import checklist, load_presets
from audit.record._checklist import ENV_PRESETS, MISSING, UNKNOWN_PRESET
from audit.record._context import UNKNOWN_KEY
from audit.record._sign import SIGNED_TEXT, UNREADABLE, UNSIGNED_TEXT
from audit.record._verify import EMBEDDED_DIFFERS, FINGERPRINT_DIFFERS, SIGNATURE_BROKEN
from tests.audit.record.conftest import (
    SIGNER_CN,
    applicants_csv,
    make_certificate,
    make_key,
    pdfsig,
    write_certificates,
    write_key,
)
from tests.conftest import validate_schema

CONTEXT = '''
prepared_by = "Grace Hopper, Audit Ltd"
limitations = "Labels are past decisions, not repayments."
[model]
name = "Credit scorer"
version = "4.2.7"
owner = "Retail risk team"
[use]
intended_use = "Ranking consumer loan applications for review"
decision = "Approve or refer a loan application"
outcome_meaning = "the loan is approved"
[data]
source = "Core banking export of 2025 applications"
period = "2025-01 to 2025-06"
population = "Applicants in the retail channel"
labels = "The branch's final decision"
'''
EXPECTED_CONTEXT = {
    "prepared_by": "Grace Hopper, Audit Ltd",
    "limitations": "Labels are past decisions, not repayments.",
    "model": {"name": "Credit scorer", "version": "4.2.7", "owner": "Retail risk team",
              "distribution_date": ""},
    "use": {"intended_use": "Ranking consumer loan applications for review",
            "decision": "Approve or refer a loan application",
            "outcome_meaning": "the loan is approved"},
    "data": {"source": "Core banking export of 2025 applications",
             "period": "2025-01 to 2025-06", "population": "Applicants in the retail channel",
             "labels": "The branch's final decision", "test_data_reason": ""},
}
PRESETS = ("nyc_ll144", "eu_ai_act", "nist_ai_rmf")
TITLES = {"nyc_ll144": "NYC Local Law 144 bias audit summary",
          "eu_ai_act": "EU AI Act test report (Annex IV §2(g))",
          "nist_ai_rmf": "NIST AI RMF MEASURE 2.11"}
SIGNING_VARIABLES = ("AUDIT_SIGNING_KEY", "AUDIT_SIGNING_CERT", "AUDIT_SIGNING_KEY_PASSWORD")


def pdftotext(pdf: Path) -> str:
    """poppler's text of the PDF, pages separated by form feeds."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed (apt-get install poppler-utils)")
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          timeout=60, check=True)
    return done.stdout.decode("utf-8")


def words(text: str) -> str:
    """Text with every run of white space as one space (lines wrap where the PDF wraps)."""
    return " ".join(text.split())


def audit_args(folder: Path, *extra: str) -> list[str]:
    data = folder / "applicants.csv"
    if not data.exists():
        data.write_bytes(applicants_csv())
    return ["run", "--data", str(data), "--label", "outcome", "--prediction", "decision",
            "--sensitive", "sex", "--favorable", "1", "--bootstrap", "50",
            "--out", str(folder / "out"), *extra]


class Audit:
    """One CLI run's exit status, printed lines and files."""

    def __init__(self, folder: Path, code: int, out: str, err: str) -> None:
        self.folder, self.code, self.out, self.err = folder / "out", code, out, err
        self.json_path, self.pdf_path = self.folder / "audit.json", self.folder / "audit.pdf"

    @property
    def data(self) -> bytes:
        return self.json_path.read_bytes()

    @property
    def record(self) -> dict[str, Any]:
        return json.loads(self.data)

    @property
    def text(self) -> str:
        return pdftotext(self.pdf_path)


def run_cli(folder: Path, *extra: str, env: dict[str, str] | None = None) -> Audit:
    """``python -m audit run`` in this process, with the signing variables as given."""
    folder.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        for name in SIGNING_VARIABLES:
            patch.delenv(name, raising=False)
        patch.delenv(ENV_PRESETS, raising=False)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
        patch.setattr("sys.stdout", out)
        patch.setattr("sys.stderr", err)
        code = main(audit_args(folder, *extra))
    return Audit(folder, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    folder = tmp_path_factory.mktemp("unsigned")
    (folder / "context.toml").write_text(CONTEXT, encoding="utf-8")
    presets = [a for p in PRESETS for a in ("--preset", p)]
    done = run_cli(folder, "--context", str(folder / "context.toml"), *presets)
    assert done.code in (0, 1, 3), done.err
    return done


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("keys")
    key = make_key()
    return (write_key(folder / "key.pem", key),
            write_certificates(folder / "cert.pem", make_certificate(key, SIGNER_CN)))


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, key_files: tuple[str, str]) -> Audit:
    folder = tmp_path_factory.mktemp("signed")
    (folder / "context.toml").write_text(CONTEXT, encoding="utf-8")
    key, cert = key_files
    done = run_cli(folder, "--context", str(folder / "context.toml"),
                   env={"AUDIT_SIGNING_KEY": key, "AUDIT_SIGNING_CERT": cert})
    assert done.code in (0, 1, 3), done.err
    return done


def verify(*paths: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", *map(str, paths)])
    return code, capsys.readouterr().out


# --- what was audited and why ------------------------------------------------------------


def test_the_context_file_is_in_the_json_and_valid_against_the_schema(unsigned):
    record = unsigned.record
    validate_schema(record)
    assert record["context"] == EXPECTED_CONTEXT
    assert record["presets"] == list(PRESETS)


@pytest.mark.parametrize("value", [
    "Credit scorer", "4.2.7", "Ranking consumer loan applications for review",
    "the loan is approved", "Core banking export of 2025 applications",
    "Labels are past decisions, not repayments.", "Grace Hopper, Audit Ltd",
])
def test_the_pdf_text_says_what_was_audited(unsigned, value):
    assert value in words(unsigned.text)


def test_each_presets_checklist_is_in_the_pdf_with_missing_items_flagged(unsigned):
    text = words(unsigned.text)
    presets = load_presets(folder="")
    starts = [text.index(f"Checklist: {TITLES[p]}") for p in PRESETS]
    assert starts == sorted(starts)  # in the order chosen
    flagged = {}
    for preset_id, start, end in zip(PRESETS, starts, [*starts[1:], len(text)], strict=True):
        section = text[start:end]
        items = checklist(unsigned.record, presets[preset_id])
        missing = [i for i in items if i.status == MISSING]
        flagged[preset_id] = len(missing)
        # the footer of each page ("Record sha256: ...", "Page 3 of 9") never says missing
        assert len(re.findall(r"\bmissing\b", section)) == len(missing), preset_id
        for item in items:
            assert words(item.requirement)[:40] in section, item.requirement
    # no distribution date and no approval: LL144 and the EU AI Act each miss something
    assert flagged["nyc_ll144"] > 0 and flagged["eu_ai_act"] > 0, flagged


# --- the fingerprint, the embedded record, the seal --------------------------------------


def test_sha256sum_of_audit_json_is_the_fingerprint_on_every_page(unsigned):
    if shutil.which("sha256sum") is None:
        pytest.skip("coreutils' sha256sum is not installed")
    done = subprocess.run(["sha256sum", str(unsigned.json_path)], capture_output=True,
                          text=True, check=True, timeout=60)
    printed = done.stdout.split()[0]
    assert printed == hashlib.sha256(unsigned.data).hexdigest()
    pages = [p for p in unsigned.text.split("\f") if p.strip()]
    assert len(pages) > 3
    assert all(f"Record sha256: {printed}" in page for page in pages)
    assert f"Record fingerprint {printed}: the sha256 of audit.json" in words(pages[0])
    assert SEALED.format(pdf=unsigned.pdf_path, json=unsigned.json_path, sha=printed,
                         signed=NOT_SIGNED) in unsigned.out.splitlines()


def test_the_embedded_record_is_audit_json_byte_for_byte(unsigned, signed):
    for done in (unsigned, signed):
        attachments = pypdf.PdfReader(done.pdf_path).attachments
        assert list(attachments) == ["audit.json"]
        assert attachments["audit.json"] == [done.data]


def test_an_unsigned_pdf_says_on_page_1_that_it_is_unsigned(unsigned):
    first = words(unsigned.text.split("\f")[0])
    assert UNSIGNED_TEXT in first
    assert "This PDF is not digitally signed: no signing key is configured." in first


def test_verify_passes_on_the_pair(unsigned, signed, capsys):
    for done in (unsigned, signed):
        code, out = verify(done.json_path, done.pdf_path, capsys=capsys)
        assert code == 0, out
        assert out.splitlines()[-1] == (f"VERIFIED: {done.json_path} and {done.pdf_path}: "
                                        "every check passed.")


def test_verify_fails_naming_the_fingerprint_after_one_digit_of_audit_json_changes(
        unsigned, tmp_path, capsys):
    data = unsigned.data
    at = data.index(b'"rows": ') + len(b'"rows": ')  # 400
    changed = data[:at] + (b"5" if data[at:at + 1] != b"5" else b"6") + data[at + 1:]
    json_path, pdf_path = tmp_path / "audit.json", tmp_path / "audit.pdf"
    json_path.write_bytes(changed)
    shutil.copy(unsigned.pdf_path, pdf_path)
    code, out = verify(json_path, pdf_path, capsys=capsys)
    assert code == 1
    names = {"json": "audit.json", "pdf": "audit.pdf"}
    sealed = hashlib.sha256(data).hexdigest()
    assert out.splitlines()[:2] == [
        "[DIFFERS] " + FINGERPRINT_DIFFERS.format(
            actual=hashlib.sha256(changed).hexdigest(), sealed=sealed, **names),
        "[DIFFERS] " + EMBEDDED_DIFFERS.format(embedded=sealed, **names),
    ]
    assert out.splitlines()[-1] == (f"NOT VERIFIED: {json_path} and {pdf_path}: 2 problems "
                                    "found.")


# --- the digital signature ---------------------------------------------------------------


def test_a_signed_pdf_says_who_signed_it_on_page_1(signed, key_files):
    first = words(signed.text.split("\f")[0])
    assert SIGNED_TEXT.format(name=SIGNER_CN) in first
    assert "not digitally signed" not in first
    assert SEALED.format(pdf=signed.pdf_path, json=signed.json_path,
                         sha=hashlib.sha256(signed.data).hexdigest(),
                         signed=SIGNED_BY.format(name=SIGNER_CN)) in signed.out.splitlines()


def test_pdfsig_lists_one_valid_signature_by_the_tests_certificate(signed):
    report = pdfsig(signed.pdf_path)
    assert report.count("Signature #") == 1, report
    assert "Signature Validation: Signature is Valid." in report
    assert f"Signer Certificate Common Name: {SIGNER_CN}\n" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Total document signed" in report


def test_verify_fails_naming_the_signature_after_one_byte_of_the_signed_pdf_changes(
        signed, tmp_path, capsys):
    pdf = signed.pdf_path.read_bytes()
    at = pdf.index(b"Fairness audit record")  # the document title, inside the signed range
    json_path, pdf_path = tmp_path / "audit.json", tmp_path / "audit.pdf"
    json_path.write_bytes(signed.data)
    pdf_path.write_bytes(pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:])
    code, out = verify(json_path, pdf_path, capsys=capsys)
    assert code == 1
    assert out.splitlines()[0] == "[DIFFERS] " + SIGNATURE_BROKEN.format(
        field="AuditRecordSignature", signer=SIGNER_CN)
    assert out.splitlines()[-1] == (f"NOT VERIFIED: {json_path} and {pdf_path}: 1 problem "
                                    "found.")


# --- mistakes: exit 2, one message, nothing written --------------------------------------


def test_an_unreadable_signing_key_is_exit_2_naming_the_variable_and_file(tmp_path, key_files):
    missing = str(tmp_path / "no-such-key.pem")
    done = run_cli(tmp_path, env={"AUDIT_SIGNING_KEY": missing,
                                  "AUDIT_SIGNING_CERT": key_files[1]})
    assert done.code == 2
    assert done.err == "error: " + UNREADABLE.format(
        variable="AUDIT_SIGNING_KEY", path=missing, reason="No such file or directory") + "\n"
    assert done.out == "" and not done.folder.exists()


def test_an_unknown_preset_is_exit_2_listing_the_known_ones(tmp_path):
    done = run_cli(tmp_path, "--preset", "nyc_ll144", "--preset", "ll144")
    assert done.code == 2
    assert done.err == "error: " + UNKNOWN_PRESET.format(
        name="ll144", known="'eu_ai_act', 'nist_ai_rmf', 'nyc_ll144'", env=ENV_PRESETS) + "\n"
    assert done.err == (
        "error: There is no checklist preset 'll144'. The presets are: 'eu_ai_act', "
        "'nist_ai_rmf', 'nyc_ll144'. Give one of these names, or add a preset file to the "
        "folder in AUDIT_PRESETS_DIR.\n")
    assert not done.folder.exists()


def test_a_context_file_with_an_unknown_key_is_exit_2_naming_it(tmp_path):
    path = tmp_path / "context.toml"
    path.write_text('prepared_by = "Ada"\n[model]\nname = "x"\nrelease = "1"\n',
                    encoding="utf-8")
    done = run_cli(tmp_path, "--context", str(path))
    assert done.code == 2
    assert done.err == "error: " + UNKNOWN_KEY.format(
        file="context.toml", key="release", where=" in [model]",
        allowed="distribution_date, name, owner, version") + "\n"
    assert not done.folder.exists()


def test_a_preset_given_twice_is_listed_once(tmp_path):
    done = run_cli(tmp_path, "--preset", "eu_ai_act", "--preset", "eu_ai_act")
    assert done.code in (0, 1, 3), done.err
    assert done.record["presets"] == ["eu_ai_act"]
    assert done.record["context"]["model"]["name"] == ""  # no --context: nothing stated
