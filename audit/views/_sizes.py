"""Group sizes before an audit: how many people each value of a sensitive column holds.

Shown on the Upload page as soon as sensitive attributes are chosen, so that a board sees
small groups (and a numeric column with many values that wants bands) before it runs the
audit rather than after. Counts over the loaded rows; a missing value is its own bar.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from audit.views._charts import PALETTE, TEMPLATE, _text

MAX_BARS = 20
PER_ROW = 3
MAX_NAMED = 8
MISSING = "(missing)"


def group_sizes(values: pd.Series) -> pd.Series:
    """People per value, largest first; missing values counted under `MISSING`."""
    counts = values.astype("string").fillna(MISSING).value_counts(sort=True)
    return counts.rename_axis(None).rename(None)


def _named(counts: pd.Series) -> str:
    named = ", ".join(f"{value} ({int(n):,})" for value, n in counts.iloc[:MAX_NAMED].items())
    more = len(counts) - MAX_NAMED
    return named + (f" and {more:,} more" if more > 0 else "")


def group_sizes_words(values: pd.Series, *, minimum: int) -> str:
    """`group_sizes` in a sentence: how many groups, the `MAX_NAMED` largest with their
    people, and the groups under ``minimum`` people (too few to judge), named the same way.
    Plain text: names from the file are not escaped for any renderer."""
    counts = group_sizes(values)
    groups = f"{len(counts):,} group{'s' if len(counts) != 1 else ''}"
    largest = f", the {MAX_NAMED} largest" if len(counts) > MAX_NAMED else ""
    words = f"{groups}{largest}: {_named(counts)}."
    small = counts[counts < minimum]
    if len(small):
        have = "has" if len(small) == 1 else "have"
        words += (f" {len(small):,} {'group' if len(small) == 1 else 'groups'} {have} fewer "
                  f"than {minimum:,} people, too few to judge: {_named(small)}.")
    return words


def _title(counts: pd.Series, attribute: str, minimum: int) -> str:
    small = int((counts < minimum).sum())
    title = f"{_text(attribute)}: {len(counts):,} values"
    if len(counts) > MAX_BARS:
        title += f", the {MAX_BARS} largest shown"
    if small:
        title += f"<br><sup>{small:,} under {minimum:,} people (hatched)</sup>"
    return title


def group_sizes_figure(columns: Mapping[str, pd.Series], *, minimum: int) -> go.Figure:
    """One chart of `group_sizes` per column (name → values), side by side, at most
    `PER_ROW` to a row: horizontal bars, the `MAX_BARS` largest, groups under ``minimum``
    people hatched; each chart's title says how many values there are and how many are
    shown. One figure, not one per column: the browser draws each plotly figure in about
    0.15 s, and the Upload page is drawn again on every visit."""
    counts = {attribute: group_sizes(values) for attribute, values in columns.items()}
    rows = max(1, math.ceil(len(counts) / PER_ROW))
    per_row = min(len(counts), PER_ROW) or 1
    bars = [max((min(len(c), MAX_BARS) for c in list(counts.values())[r * PER_ROW:][:PER_ROW]),
                default=1) for r in range(rows)]
    figure = make_subplots(
        rows=rows, cols=per_row, horizontal_spacing=0.12, vertical_spacing=0.08,
        row_heights=[120 + 20 * n for n in bars],
        subplot_titles=[_title(c, a, minimum) for a, c in counts.items()],
        figure=go.Figure(layout={"template": TEMPLATE}))
    for i, shown in enumerate(c.iloc[:MAX_BARS][::-1] for c in counts.values()):
        figure.add_trace(go.Bar(
            x=[int(n) for n in shown], y=[_text(str(v)) for v in shown.index],
            orientation="h", marker={"color": PALETTE[0], "pattern": {
                "shape": ["/" if n < minimum else "" for n in shown]}},
            hovertemplate="%{y}: %{x:,} people<extra></extra>", showlegend=False,
        ), row=i // PER_ROW + 1, col=i % PER_ROW + 1)
    figure.update_xaxes(title="people", automargin=True)
    figure.update_yaxes(type="category", automargin=True)  # "25" is a group, not a number
    figure.update_annotations(font={"size": 14})
    figure.update_layout(height=sum(60 + 20 * n + 60 for n in bars),
                         margin={"t": 60, "b": 10, "r": 10})
    return figure
