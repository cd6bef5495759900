"""Group sizes before an audit: how many people each value of a sensitive column holds.

Shown on the Upload page as soon as sensitive attributes are chosen, so that a board sees
small groups (and a numeric column with many values that wants bands) before it runs the
audit rather than after. Counts over the loaded rows; a missing value is its own bar.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from audit.views._charts import PALETTE, TEMPLATE, _text

MAX_BARS = 20
MISSING = "(missing)"


def group_sizes(values: pd.Series) -> pd.Series:
    """People per value, largest first; missing values counted under `MISSING`."""
    counts = values.astype("string").fillna(MISSING).value_counts(sort=True)
    return counts.rename_axis(None).rename(None)


def group_sizes_figure(values: pd.Series, attribute: str, *, minimum: int) -> go.Figure:
    """Horizontal bars of `group_sizes`, the `MAX_BARS` largest, groups under ``minimum``
    people hatched; the title says how many values there are and how many are shown."""
    counts = group_sizes(values)
    shown = counts.iloc[:MAX_BARS][::-1]
    small = int((counts < minimum).sum())
    title = f"{_text(attribute)}: {len(counts):,} values"
    if len(counts) > MAX_BARS:
        title += f", the {MAX_BARS} largest shown"
    if small:
        title += f"<br><sup>{small:,} under {minimum:,} people (hatched)</sup>"
    figure = go.Figure(go.Bar(
        x=[int(n) for n in shown], y=[_text(str(v)) for v in shown.index], orientation="h",
        marker={"color": PALETTE[0],
                "pattern": {"shape": ["/" if n < minimum else "" for n in shown]}},
        hovertemplate="%{y}: %{x:,} people<extra></extra>",
    ), layout={"template": TEMPLATE})
    figure.update_layout(title=title, height=150 + 20 * len(shown),
                         margin={"t": 60 if small else 40, "b": 10, "r": 10},
                         xaxis={"title": "people", "automargin": True},
                         yaxis={"automargin": True})
    return figure
