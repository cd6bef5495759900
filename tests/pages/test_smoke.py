"""Every page opens without an exception, before any audit and with the sample audited, and
every page script is a page of the app's navigation (so the sign-in gate covers it).

The pages live in ``pages/screens/``. A script directly in ``pages/`` is served on its own
by Streamlit on a server's first request (its first multipage mode, before any
``st.navigation``), so each of those is only a launcher into the same frame.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, open_page

PAGES = sorted(f"pages/screens/{p.name}" for p in (ROOT / "pages" / "screens").glob("*.py"))
TIMEOUT = 120


def test_every_page_script_is_in_the_navigation():
    names = re.findall(r'page\("(\w+)", "', (ROOT / "pages" / "_ui" / "frame.py").read_text())
    assert sorted(f"pages/screens/{name}.py" for name in names) == PAGES


def test_every_script_directly_in_pages_only_enters_the_frame():
    launchers = {p.stem: p.read_text() for p in (ROOT / "pages").glob("*.py")
                 if p.name != "__init__.py"}
    assert sorted(f"pages/screens/{name}.py" for name in launchers) == PAGES
    for text in [*launchers.values(), (ROOT / "app.py").read_text()]:
        code = [line for line in text.splitlines() if line and not line.startswith('"""')
                and not line.startswith(("The ", "``", "every "))]
        assert code[-2:] == ["from pages._ui import frame", "frame.run()"]


def test_the_first_page_is_home():
    at = open_page("pages/screens/home.py", timeout=TIMEOUT).run()
    assert at.title[0].value == "Fairness audit"
    assert 'page("home", "Home", "home", default=True)' in (
        ROOT / "pages" / "_ui" / "frame.py").read_text()


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_empty(page: str):
    at = open_page(page, timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_after_the_sample_audit(page: str):
    at = open_page("pages/screens/home.py", timeout=TIMEOUT).run()
    at.button(key="try_sample").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
