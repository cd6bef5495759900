"""The PDF's charts, drawn as vector shapes with reportlab's own graphics.

No matplotlib: importing it and rasterising three figures cost about half of a CLI run, and
vector bars stay sharp at any zoom (their labels can be searched and copied).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth

from audit._words import clip
from audit.record._pdf_doc import FONT

__all__ = ["rates_chart"]

_BAR, _MUTED, _MUTED_EDGE = (colors.HexColor(c) for c in ("#3a6ea5", "#c3cad3", "#8a96a3"))
_INK, _GREY, _GRID, _LINE = (colors.HexColor(c) for c in ("#1f2933", "#616e7c", "#e4e7eb",
                                                            "#b3261e"))
_TICKS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
_HATCH_STEP = 4.0  # points between the hatch lines of a muted bar


def _hatch(d: Drawing, x0: float, y0: float, x1: float, y1: float) -> None:
    """Diagonal lines (like ``///``) filling the rectangle, clipped to it."""
    b = y0 - x1  # lines y = x + b, from the lower right corner to the upper left one
    while b < y1 - x0:
        start, end = max(x0, y0 - b), min(x1, y1 - b)
        if start < end:
            d.add(Line(start, start + b, end, end + b, strokeColor=_MUTED_EDGE,
                       strokeWidth=0.5))
        b += _HATCH_STEP


def _panel(d: Drawing, groups: Sequence[Mapping[str, Any]], metric: str, title: str,
           box: tuple[float, float, float, float], room: float,
           threshold_rate: float | None, minimum: int) -> None:
    left, bottom, width, height = box
    n = len(groups)
    unit = height / n  # one group per unit of height (data range -0.6 .. n - 0.4)

    def x_at(value: float) -> float:
        return left + width * min(max(value, 0.0), 1.0)

    def y_at(row: int) -> float:  # the first group at the top
        return bottom + unit * (n - 1 - row + 0.6)

    for tick in _TICKS:
        x = x_at(tick)
        d.add(Line(x, bottom, x, bottom + height, strokeColor=_GRID, strokeWidth=0.6))
        d.add(Line(x, bottom, x, bottom - 3.5, strokeColor=_INK, strokeWidth=0.8))
        d.add(String(x, bottom - 11, f"{tick:.1f}", fontName=FONT, fontSize=7,
                     fillColor=_INK, textAnchor="middle"))
    half = 0.31 * unit
    for row, g in enumerate(groups):
        y = y_at(row)
        e = g["metrics"].get(metric) or {}
        value = e.get("value")
        if value is None:
            d.add(String(x_at(0.01), y - 2.5, "undefined", fontName=FONT, fontSize=7,
                         fillColor=_GREY))
            continue
        # older records have no denominators: they judged whole groups by rows
        few = e["denominator"] < minimum if "denominator" in e else g.get("small")
        muted = bool(g.get("unknown") or few
                     or (metric == "selection_rate" and g.get("under_2_percent")))
        end = x_at(value)
        if end > left:
            d.add(Rect(left, y - half, end - left, 2 * half, strokeWidth=0.6 if muted else 0,
                       strokeColor=_MUTED_EDGE if muted else None,
                       fillColor=_MUTED if muted else _BAR))
            if muted:
                _hatch(d, left, y - half, end, y + half)
        low, high = e.get("ci_low"), e.get("ci_high")
        if low is not None and high is not None:
            a, b = x_at(min(low, value)), x_at(max(high, value))
            for shape in (Line(a, y, b, y), Line(a, y - 2.5, a, y + 2.5),
                          Line(b, y - 2.5, b, y + 2.5)):
                shape.strokeColor, shape.strokeWidth = _INK, 0.9
                d.add(shape)
    if metric == "selection_rate" and threshold_rate is not None:
        x = x_at(threshold_rate)
        d.add(Line(x, bottom, x, bottom + height, strokeColor=_LINE, strokeWidth=0.9,
                   strokeDashArray=[3.3, 1.4]))
    d.add(Line(left, bottom, left + width, bottom, strokeColor=_INK, strokeWidth=0.8))
    d.add(Line(left, bottom, left, bottom + height, strokeColor=_INK, strokeWidth=0.8))
    size = min(9.0, 9.0 * room / max(stringWidth(title, FONT, 9.0), 1.0))  # fits its room
    d.add(String(left, bottom + height + 5, title, fontName=FONT, fontSize=size,
                 fillColor=_INK))


def rates_chart(groups: Sequence[Mapping[str, Any]], threshold_rate: float | None,
                minimum: int = 0, outcome: str = "") -> Drawing:
    """Selection rate and TPR per group, with CI whiskers, as a vector drawing 7 inches wide.

    A bar is muted (grey, hatched) when its rate is not judged: of an unknown category,
    resting on fewer than ``minimum`` people, or (selection rate) of a category under 2%.
    ``outcome`` is the favorable outcome in words (``approved``), put in the titles."""
    labels = [f"{clip(g['group'], 34)} (n={g['n']:,})" for g in groups]
    width, height = 7.0 * inch, (0.75 + 0.24 * len(groups)) * inch
    d = Drawing(width, height)
    left = width * min(0.45, 0.05 + 0.0072 * max(map(len, labels), default=0))
    right, margin = width * 0.98, 0.3 * inch
    panel = (right - left) / 2.1  # two panels 0.1 panel apart, sharing the groups
    box_height = height - 2 * margin
    titles = (f"Selection rate{f' (share {outcome})' if outcome else ''}",
              "True positive rate" + (f" ({outcome} among the truly {outcome})" if outcome
                                      else ""))
    for i, (metric, title) in enumerate(zip(("selection_rate", "true_positive_rate"), titles,
                                            strict=True)):
        room = 1.1 * panel - 6 if i == 0 else width - left - 1.1 * panel
        _panel(d, groups, metric, title, (left + i * 1.1 * panel, margin, panel, box_height),
               room, threshold_rate, minimum)
    unit = box_height / max(len(groups), 1)
    for row, label in enumerate(labels):
        y = margin + unit * (len(groups) - 1 - row + 0.6)
        d.add(Line(left - 3.5, y, left, y, strokeColor=_INK, strokeWidth=0.8))
        d.add(String(left - 6, y - 2.5, label, fontName=FONT, fontSize=7, fillColor=_INK,
                     textAnchor="end"))
    return d
