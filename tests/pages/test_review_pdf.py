"""Review page: the PDF is rendered when its button is clicked, never before, once per record."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

from pypdf import PdfReader

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
