"""The PDF's charts, drawn with matplotlib (no browser needed) as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from audit._words import clip

__all__ = ["rates_chart_png"]


def rates_chart_png(groups: Sequence[Mapping[str, Any]], threshold_rate: float | None,
                    minimum: int = 0, outcome: str = "") -> bytes:
    """Selection rate and TPR per group, with CI whiskers, as a PNG.

    A bar is muted (grey, hatched) when its rate is not judged: of an unknown category,
    resting on fewer than ``minimum`` people, or (selection rate) of a category under 2%.
    ``outcome`` is the favorable outcome in words (``approved``), put in the titles."""
    from matplotlib.figure import Figure  # imported here: a plain CLI run draws no chart

    labels = [f"{clip(g['group'], 34)} (n={g['n']:,})" for g in groups]
    height = 0.75 + 0.24 * len(groups)
    # fixed margins, not a constrained layout (which costs about as much as the drawing)
    figure = Figure(figsize=(7.0, height), dpi=150)
    left = min(0.45, 0.05 + 0.0072 * max(map(len, labels), default=0))
    figure.subplots_adjust(left=left, right=0.98, top=1 - 0.3 / height, bottom=0.3 / height,
                           wspace=0.1)
    axes = figure.subplots(1, 2, sharey=True)
    ys = list(range(len(groups)))[::-1]
    for ax, metric, title in zip(axes, ("selection_rate", "true_positive_rate"),
                                 (f"Selection rate{f' (share {outcome})' if outcome else ''}",
                                  "True positive rate"
                                  + (f" ({outcome} among the truly {outcome})" if outcome
                                     else "")), strict=True):
        bars: dict[bool, list[tuple[int, float, float, float]]] = {False: [], True: []}
        for y, g in zip(ys, groups, strict=True):
            e = g["metrics"].get(metric) or {}
            value = e.get("value")
            # older records have no denominators: they judged whole groups by rows
            few = e["denominator"] < minimum if "denominator" in e else g.get("small")
            muted = bool(g.get("unknown") or few
                         or (metric == "selection_rate" and g.get("under_2_percent")))
            if value is None:
                ax.text(0.01, y, "undefined", va="center", fontsize=7, color="#616e7c")
                continue
            low, high = e.get("ci_low"), e.get("ci_high")
            whisker = low is not None and high is not None
            bars[muted].append((y, value, max(value - low, 0.0) if whisker else 0.0,
                                max(high - value, 0.0) if whisker else 0.0))
        for muted, drawn in bars.items():  # one call per look, not one per bar
            if drawn:
                y_, v_, below, above = zip(*drawn, strict=True)
                ax.barh(y_, v_, height=0.62, xerr=[below, above], capsize=2.5,
                        color="#c3cad3" if muted else "#3a6ea5",
                        hatch="///" if muted else None,
                        edgecolor="#8a96a3" if muted else "none",
                        error_kw={"elinewidth": 0.9, "ecolor": "#1f2933"})
        if metric == "selection_rate" and threshold_rate is not None:
            ax.axvline(threshold_rate, color="#b3261e", linestyle="--", linewidth=0.9)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, len(groups) - 0.4)
        ax.set_title(title, fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(axis="x", color="#e4e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].set_yticks(ys, labels, parse_math=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return buffer.getvalue()
