"""One reference per attribute on a page: the ratio chart's reference group and the
adverse-impact table's highest-rate category are named next to them, word for word."""

from __future__ import annotations

from audit import reference_note
from audit.views import disparity_figure, group_rates_figure, outcome_words, reference_words


def test_two_comparisons_are_named_word_for_word():
    assert reference_note("race", reference="White", highest="Asian", chosen=True) == (
        "race: two comparisons, on purpose. The ratio chart compares each group with the "
        "reference group, White (chosen); the adverse-impact table compares with the "
        "highest-rate category, Asian, as the four-fifths rule (EEOC) and NYC Local Law 144 "
        "ask.")
    assert reference_note("sex", reference="male", highest="male", chosen=False) == (
        "sex: the ratio chart and the adverse-impact table both compare with male, the "
        "reference group (the largest group) and also the highest-rate category.")


def test_the_sample_says_which_group_each_comparison_uses(sample_run):
    result = sample_run.result
    for attribute in ("sex", "race"):
        table = result.impact_table(attribute)
        expected = reference_note(attribute, reference=result.references[attribute],
                                  highest=table.highest_category, chosen=True)
        assert reference_words(result, attribute) == expected
    assert result.references["race"] == result.impact_table("race").highest_category == "White"
    assert reference_words(result, "race").startswith(
        "race: the ratio chart and the adverse-impact table both compare with White")


def test_charts_carry_the_outcomes_meaning(sample_run):
    result = sample_run.result
    assert outcome_words(result) == "favorable: approved ('approved')"
    rates = group_rates_figure(result, "sex", ["selection_rate"]).layout.title.text
    ratios = disparity_figure(result, "race", ["selection_rate"]).layout.title.text
    assert "favorable: approved" in rates
    assert ratios.endswith("<sup>favorable: approved ('approved'); the adverse-impact table "
                           "compares with the highest-rate category</sup>")
