"""The dashboard's frame, run before every page: page config, session state, navigation,
the sign-in gate, the session kept across a refresh (`pages._ui.sessions`), the Review
page's draft (`pages._ui.drafts`), the once-per-session sample.

`app.py` calls `run`. So do the one-line scripts directly in ``pages/``: Streamlit serves a
script found there on its own (its first multipage mode) on the first request a server
process gets, before any ``st.navigation`` call; through them that request gets the same
frame, and the page the URL names, behind the same gate. The pages themselves are in
``pages/screens/``.
"""

from __future__ import annotations

import sys

import streamlit as st

from pages._ui import drafts, sessions
from pages._ui.actions import load_sample
from pages._ui.auth import require_login
from pages._ui.state import init_state

SCREENS = "pages/screens"


def _pages() -> dict[str, list[st.Page]]:
    def page(name: str, title: str, icon: str, **kwargs: bool) -> st.Page:
        return st.Page(f"{SCREENS}/{name}.py", title=title, icon=f":material/{icon}:",
                       url_path=name, **kwargs)

    return {
        "": [page("home", "Home", "home", default=True)],
        "Audit": [page("upload", "Upload", "upload_file"),
                  page("fairness", "Fairness", "bar_chart"),
                  page("explanations", "Explanations", "troubleshoot"),
                  page("whatif", "What if", "tune"),
                  page("about", "About this audit", "description"),
                  page("review", "Review", "rate_review")],
        "Records": [page("history", "History", "history")],
    }


def run() -> None:
    """Set up the page, stop unless the visitor may see it, then run the page the URL names."""
    st.set_page_config(page_title="Fairness audit", page_icon=":material/balance:",
                       layout="wide")
    init_state()
    page = st.navigation(_pages())
    require_login()  # stops here, before any page runs, unless the visitor may see it
    state = st.session_state
    sessions.resume(state)
    drafts.sync(state)  # the Review page's boxes, before a page switch forgets them
    if state["run"] is None and "--sample" in sys.argv[1:] and not state["sample_offered"]:
        state["sample_offered"] = True
        with st.spinner("Auditing the sample lending data…"):
            load_sample()
    try:
        page.run()
    finally:  # also when the page stops early (st.stop) or switches page
        sessions.keep(state)
