"""Every page opens without an exception: before any audit, and with the sample audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
SCRIPTS = [s for s in SCRIPTS if s.name != "__init__.py"]
TIMEOUT = 120


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_page_opens_empty(script: Path):
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_page_opens_after_the_sample_audit(script: Path):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.button(key="try_sample").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(str(script.relative_to(ROOT))).run()
    assert not at.exception, [e.value for e in at.exception]
