"""The Fairness page names the group each comparison uses, next to the adverse-impact table:
a user choosing a reference group sees both uses."""

from __future__ import annotations

from audit import reference_note
from pages._ui.widgets import plain
from tests.conftest import open_page


def test_choosing_a_reference_group_names_both_comparisons():
    at = open_page("pages/screens/home.py").run()
    at.button(key="try_sample").click().run()
    at.switch_page("pages/screens/fairness.py").run()
    at.selectbox(key="fairness_attribute").set_value("race").run()
    same = plain(reference_note("race", reference="White", highest="White", chosen=True))
    assert same in [i.value for i in at.info]
    at.selectbox(key="fairness_reference::race").set_value("Black").run()
    assert not at.exception
    result = at.session_state["run"].result
    assert result.references["race"] == "Black"
    both = plain(reference_note("race", reference="Black", highest="White", chosen=True))
    assert both in [i.value for i in at.info]
    assert "(Black)" in " ".join(s.value for s in at.subheader)  # the ratio chart's heading
