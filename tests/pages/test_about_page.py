"""About this audit: the context form, its checklists, and a re-audit that starts filled in."""

from __future__ import annotations

import copy

from audit.record import AuditContext, HistoryStore, build_record
from pages._ui import context as ui
from tests.conftest import open_page

TIMEOUT = 120


def _sampled():
    at = open_page("pages/screens/home.py", timeout=TIMEOUT).run()
    at.button(key="try_sample").click().run()
    return at.switch_page("pages/screens/about.py").run()


def test_the_form_builds_the_sessions_context_and_checklists():
    at = _sampled()
    assert not at.exception
    at.text_input(key=ui.key("model", "name")).set_value("Credit scorer")
    at.text_area(key=ui.key("use", "intended_use")).set_value("Consumer loans")
    at.multiselect(key="context_presets").set_value(["nyc_ll144"]).run()
    assert not at.exception
    context = at.session_state["context"]
    assert isinstance(context, AuditContext)
    assert context.model.name == "Credit scorer" and context.use.intended_use == "Consumer loans"
    assert at.session_state["presets"] == ("nyc_ll144",)
    title = at.expander[0].label
    assert title.startswith("NYC Local Law 144 bias audit summary: ")
    assert any("The population the data describes" in m.value and ":red[missing]" in m.value
               for m in at.markdown)


def test_a_re_audit_of_the_same_model_starts_from_the_last_context(sample_run, db):
    earlier = AuditContext.from_mapping({"model": {"name": "Credit Scorer", "owner": "Risk"},
                                         "data": {"source": "Core banking"}})
    with HistoryStore(db) as store:
        store.append(build_record(sample_run, context=earlier))
        other = copy.deepcopy(build_record(sample_run))
        store.append(other)  # a newer record of another model does not interfere
    at = _sampled()
    at.text_input(key=ui.key("model", "name")).set_value("  credit scorer ").run()
    button = at.button(key="context_fill")
    assert button.label.startswith("Fill in from the last audit of")
    button.click().run()
    assert at.text_input(key=ui.key("model", "owner")).value == "Risk"
    assert at.text_area(key=ui.key("data", "source")).value == "Core banking"
    assert at.session_state["context"].model.owner == "Risk"
