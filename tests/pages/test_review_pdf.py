"""Review page: the PDF is rendered when its button is clicked, never before, once per record;
it is sealed (the JSON download embedded, signed when the server has a key)."""

from __future__ import annotations

import hashlib
import io
import logging
import subprocess
import sys
import textwrap

import pytest
from pypdf import PdfReader

from audit.record._sign import SIGNED_TEXT, UNREADABLE, UNSIGNED_TEXT
from audit.record._verify import UNSIGNED, verify_bytes
from tests.audit.record.conftest import (
    SIGNER_CN,
    make_certificate,
    make_key,
    pdfsig,
    write_certificates,
    write_key,
)
from tests.conftest import ROOT, open_page

PAGE = "pages/screens/review.py"


def test_the_page_renders_no_pdf_until_it_is_asked_for(sample_run, db):
    at = open_page(PAGE, timeout=120)
    at.session_state["run"] = sample_run
    at.run()
    assert not at.exception
    _, box = at.session_state["record_pdf"]
    assert box == {}  # the buttons are on screen, no PDF made
    assert "download_pdf" in {b.key for b in at.get("download_button")}


def test_a_click_renders_the_records_own_pdf_once(sample_run, db, downloads):
    at = open_page(PAGE, timeout=120)
    at.session_state["run"] = sample_run
    at.run()
    pdf = downloads["download_pdf"]  # what the click gets
    sha, box = at.session_state["record_pdf"]
    assert box["pdf"] is pdf and pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.subject == f"Record sha256 {sha}"  # the record on screen
    assert len(reader.pages) > 1
    at.run()  # a rerun for the same record keeps the rendered file
    assert at.session_state["record_pdf"][1] is box


def test_opening_the_review_page_loads_neither_the_pdf_nor_the_history_libraries(db):
    code = textwrap.dedent("""
        import sys
        from audit.engine import audit_inputs
        from pages._ui.actions import SAMPLE_ID_COLUMN, sample_spec
        from tests.conftest import SAMPLE_DATASET, SAMPLE_PREDICTIONS, open_page, read_sample
        run = audit_inputs(dataset=read_sample(SAMPLE_DATASET), spec=sample_spec(),
                           predictions=read_sample(SAMPLE_PREDICTIONS),
                           id_column=SAMPLE_ID_COLUMN)
        at = open_page("pages/screens/review.py", timeout=120)
        at.session_state["run"] = run
        at.run()
        assert not at.exception, at.exception
        print(sorted(m for m in ("reportlab", "sqlalchemy", "pyhanko") if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.stdout.strip().splitlines()[-1:] == ["[]"], done.stderr


# --- the sealed PDF and its JSON (issue 14) ------------------------------------------------


def first_page_words(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def test_the_pdf_is_sealed_and_the_json_download_is_its_fingerprinted_bytes(sample_run, db,
                                                                            downloads):
    at = open_page(PAGE, timeout=120)
    at.session_state["run"] = sample_run
    at.run()
    assert not at.exception
    data, pdf = downloads["download_json"], downloads["download_pdf"]
    sha = hashlib.sha256(data).hexdigest()
    assert at.session_state["record_pdf"][0] == sha  # the fingerprint on the page
    assert PdfReader(io.BytesIO(pdf)).attachments["audit.json"] == [data]
    report = verify_bytes(record=data, pdf=pdf)
    assert report.ok, report.problems
    assert UNSIGNED in report.checks
    assert f"Record fingerprint {sha}" in first_page_words(pdf)
    assert UNSIGNED_TEXT in first_page_words(pdf)


@pytest.fixture
def server_key(tmp_path, monkeypatch) -> tuple[str, str]:
    key = make_key()
    paths = (write_key(tmp_path / "key.pem", key),
             write_certificates(tmp_path / "cert.pem", make_certificate(key, SIGNER_CN)))
    monkeypatch.setenv("AUDIT_SIGNING_KEY", paths[0])
    monkeypatch.setenv("AUDIT_SIGNING_CERT", paths[1])
    return paths


def test_with_a_server_key_the_pdf_is_signed(sample_run, db, server_key, downloads, tmp_path):
    at = open_page(PAGE, timeout=120)
    at.session_state["run"] = sample_run
    at.run()
    assert not at.exception
    data, pdf = downloads["download_json"], downloads["download_pdf"]
    report = verify_bytes(record=data, pdf=pdf)
    assert report.ok, report.problems
    assert any(c.startswith(f"signature: AuditRecordSignature by {SIGNER_CN} ")
               for c in report.checks), report.checks
    assert SIGNED_TEXT.format(name=SIGNER_CN) in first_page_words(pdf)
    path = tmp_path / "download.pdf"
    path.write_bytes(pdf)
    assert "Signature Validation: Signature is Valid." in pdfsig(path)


def test_an_unusable_server_key_is_shown_instead_of_the_pdf(sample_run, db, server_key,
                                                           monkeypatch, downloads, tmp_path,
                                                           caplog):
    missing = str(tmp_path / "gone.pem")
    monkeypatch.setenv("AUDIT_SIGNING_KEY", missing)
    at = open_page(PAGE, timeout=120)
    at.session_state["run"] = sample_run
    with caplog.at_level(logging.ERROR, logger="pages._ui.review"):
        at.run()
    assert not at.exception
    # the board reads a short message without the server's paths; the log has the reason
    assert [e.value for e in at.error] == [
        "The server's signing key could not be loaded, so the PDF record is not offered; the "
        "JSON record and saving to the history are unaffected. The operator has the details "
        "in the server log."]
    shown = " ".join(str(element.value) for kind in (at.markdown, at.caption, at.error,
                                                     at.warning, at.info, at.success)
                     for element in kind)
    assert missing not in shown and str(tmp_path) not in shown
    reason = UNREADABLE.format(variable="AUDIT_SIGNING_KEY", path=missing,
                               reason="No such file or directory")
    assert [r.getMessage() for r in caplog.records if r.name == "pages._ui.review"] == [
        f"The server's signing key could not be loaded: {reason}"]
    assert "download_pdf" not in downloads and "download_json" in downloads
