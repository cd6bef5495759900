"""Group sizes before the run: counts worked by hand, the largest shown, small ones hatched."""

from __future__ import annotations

import pandas as pd

from audit.views import group_sizes, group_sizes_figure, group_sizes_words


def test_counts_largest_first_with_missing_as_its_own_group():
    values = pd.Series(["f", "m", "f", None, "f", "x", "m"])
    assert group_sizes(values).to_dict() == {"f": 3, "m": 2, "(missing)": 1, "x": 1}


def test_the_figure_shows_the_largest_twenty_and_hatches_groups_under_the_minimum():
    # 25 ages: age 20 + k held by k + 1 people (1 .. 25 people)
    values = pd.Series([20 + k for k in range(25) for _ in range(k + 1)])
    figure = group_sizes_figure({"age": values}, minimum=10)
    (bar,) = figure.data
    assert list(bar.x) == list(range(6, 26))  # the 20 largest, smallest at the bottom
    assert list(bar.y) == [str(20 + k) for k in range(5, 25)]
    assert list(bar.marker.pattern.shape) == ["/"] * 4 + [""] * 16  # 6..9 people < 10
    assert figure.layout.yaxis.type == "category"  # ages are groups: no numeric axis
    assert [a.text for a in figure.layout.annotations] == [
        "age: 25 values, the 20 largest shown<br><sup>9 under 10 people (hatched)</sup>"]


def test_one_figure_holds_every_column_three_to_a_row():
    columns = {name: pd.Series(list("aab"[:i + 1])) for i, name in enumerate("pqrs")}
    figure = group_sizes_figure(columns, minimum=2)
    assert [a.text.split(":")[0] for a in figure.layout.annotations] == list("pqrs")
    # p, q, r on the first row, s below p; each chart its own pair of axes
    assert [(bar.xaxis, bar.yaxis) for bar in figure.data] == [
        ("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4")]
    assert figure.layout.xaxis4.domain == figure.layout.xaxis.domain
    assert figure.layout.yaxis4.domain[1] < figure.layout.yaxis.domain[0]
    assert [list(bar.x) for bar in figure.data] == [[1], [2], [1, 2], [1, 2]]


def test_the_words_name_the_largest_eight_and_the_groups_too_few_to_judge():
    # 25 ages: age 20 + k held by k + 1 people (1 .. 25 people)
    values = pd.Series([20 + k for k in range(25) for _ in range(k + 1)])
    assert group_sizes_words(values, minimum=10) == (
        "25 groups, the 8 largest: 44 (25), 43 (24), 42 (23), 41 (22), 40 (21), 39 (20), "
        "38 (19), 37 (18) and 17 more. 9 groups have fewer than 10 people, too few to judge: "
        "28 (9), 27 (8), 26 (7), 25 (6), 24 (5), 23 (4), 22 (3), 21 (2) and 1 more.")


def test_the_words_of_a_few_groups_name_them_all_and_count_missing_values():
    values = pd.Series(["f"] * 30 + ["m"] * 12 + [None])
    assert group_sizes_words(values, minimum=10) == (
        "3 groups: f (30), m (12), (missing) (1). 1 group has fewer than 10 people, too few "
        "to judge: (missing) (1).")
    assert group_sizes_words(pd.Series(["f", "f"]), minimum=1) == "1 group: f (2)."
