"""The PDF's building blocks: fonts, colours, styles, the story being built (`Doc`), the
page furniture (fingerprint footer, page numbers) and helpers that read the record.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepInFrame,
    Paragraph,
    Table,
    TableStyle,
)

from audit._words import (
    CRITERION_TITLES,
    PASS_TOLERANCE,
    STATUS_LABELS,
    clip,
    listed,
    verdict_detail,
    verdict_label,
    verdict_of,
)

FONT, BOLD, ITALIC, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSansMono"
_FONT_FILES = {FONT: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf",
               ITALIC: "DejaVuSans-Oblique.ttf", MONO: "DejaVuSansMono.ttf"}
_FONT_LOCK = threading.Lock()

INK, MUTED, RULE, ZEBRA = (colors.HexColor(c) for c in ("#1f2933", "#616e7c", "#cbd2d9",
                                                        "#f5f7fa"))
HEAD = colors.HexColor("#243b53")
STATUS = {  # record status -> (badge text, colour, pale background)
    "pass": (STATUS_LABELS["pass"], colors.HexColor("#1b7f3b"), colors.HexColor("#e3f4e8")),
    "fail": (STATUS_LABELS["fail"], colors.HexColor("#b3261e"), colors.HexColor("#fbe7e5")),
    "inconclusive": (STATUS_LABELS["inconclusive"], colors.HexColor("#8a5a00"),
                     colors.HexColor("#fdf3dc")),
    "not_judged": (STATUS_LABELS["not_judged"], colors.HexColor("#616e7c"),
                   colors.HexColor("#eef0f3")),
}
STATUS["insufficient_data"] = STATUS["not_judged"]  # records made before "not_judged"
STATUS["no_verdict"] = STATUS["not_judged"]
DEFINITIONS = (
    ("Selection rate", "Share of people in the group given the favorable outcome."),
    ("True positive rate (TPR)", "Among people whose true outcome is favorable, the share "
     "the model also gave the favorable outcome. Low TPR: qualified people are turned down."),
    ("False positive rate (FPR)", "Among people whose true outcome is not favorable, the "
     "share the model gave the favorable outcome anyway."),
    ("Impact ratio", "A category's selection rate divided by the comparator's: the highest "
     "selection rate among categories with at least 2% of the data (EEOC four-fifths rule, "
     "NYC Local Law 144). Under 0.80 is evidence of adverse impact."),
    ("Scoring rate", "With a score: the share of a category scoring strictly above the median "
     "score of the whole sample (NYC Local Law 144); its impact ratio is against the highest "
     "scoring rate."),
    ("Equal opportunity difference", "The largest gap in true positive rate between two "
     "groups of an attribute."),
    ("Equalized odds difference", "The larger of the largest gap in true positive rate and "
     "the largest gap in false positive rate; a group is judged on it only when both of its "
     "rates rest on enough people."),
    ("Demographic parity difference / ratio", "Largest minus smallest selection rate; "
     "smallest divided by largest (fairlearn)."),
    ("Disparate impact, statistical parity difference", "aif360's ratio and difference of "
     "selection rates, unprivileged group against privileged (reference) group."),
    ("Between-all-groups Theil index", "aif360's between_all_groups_theil_index: the Theil "
     "index of the benefit (prediction − label + 1) with every person's benefit replaced by "
     "their group's mean."),
    ("Calibration-in-the-large", "A group's mean score minus its share with a favorable "
     "label: positive when the scores run high for the group."),
    ("{confidence} confidence interval", "A range made from the data by a method that, over "
     "many repetitions of the same audit on fresh samples, would contain the true value at "
     "least {confidence} of the time. It is not a {confidence} chance that this one range "
     "holds the true value, and it says nothing of errors in the data themselves. Methods: "
     "Clopper-Pearson for a rate, Newcombe for a difference, Koopman for a ratio, "
     "Bonferroni-simultaneous Newcombe intervals for a largest gap (max − min), the "
     "multinomial bootstrap for other aggregates, normal approximations for score metrics; "
     "each is named in the record."),
    ("Pass, fail, inconclusive", "Under the interval rule a criterion passes when its whole "
     "interval is within the threshold, fails when it lies wholly beyond, and is inconclusive "
     "when it straddles the threshold: the data cannot tell, and the finding says about how "
     "many more people per group would. Under the point rule the point value alone decides."),
    ("Adjusted p", "Probability of a gap at least this large if there were no real "
     "difference (two-proportion, exact or omnibus test), corrected within the attribute's "
     "test family (Holm for a sensitive attribute, Benjamini-Hochberg for an intersection). "
     "Under {alpha}: statistically significant. One comparison has one p-value everywhere."),
    ("Smallest detectable gap", "The smallest difference from the comparison group's rate "
     "that the test would detect with 80% power at these group sizes."),
    ("Too few / under 2% / unknown", "A rate resting on fewer people than the minimum (its "
     "denominator: everyone for a selection rate, people with a favorable label for a true "
     "positive rate), categories under 2% of the data (impact ratios) and unknown categories "
     "are reported but not judged."),
)
SPEC_ORDER = {"label": "Label column", "prediction": "Prediction column",
              "score": "Score column", "favorable": "Favorable outcome",
              "outcome_meaning": "What the favorable outcome means",
              "sensitive": "Sensitive attributes", "bins": "Bands of numeric attributes",
              "reference": "Reference groups given",
              "id_column": "Join column", "criteria": "Criteria",
              "judgement": "Judgement rule",
              "min_denominator": "Fewest people behind a judged rate",
              "min_group_size": "Fewest people (former name)", "bootstrap": "Bootstrap samples",
              "confidence": "Confidence level", "seed": "Random seed",
              "alpha": "Significance level", "unknown_values": "Values meaning unknown",
              "sex_column": "Sex column (LL144)", "race_column": "Race/ethnicity column (LL144)",
              "under_2_percent_justification": "Why under-2% categories have no ratio",
              "max_intersection_cells": "Largest intersection (groups)"}
CHART_GROUPS = 30  # groups per chart before it is split in two
CHARTED_GROUPS = 60  # groups charted per attribute (the tables list every one)
DETAIL_GROUPS = 250  # intersection groups listed one by one; beyond, only their findings
DETAIL_NOTE = (
    "To keep this record readable, the {groups:,} groups of {count} intersection(s) ({names}) "
    "are not listed one by one in the tables and charts below; their findings are above, and "
    "every number is in the JSON record embedded in this PDF (audit.json) and in metrics.csv."
)
CELL_LIMIT = 400  # characters of uploaded text in one table cell
TEXT_LIMIT = 1_000  # characters of one uploaded value anywhere in the PDF (the JSON has it all)
PROSE_LIMIT = 20_000  # characters of the board's own notes, which flow across pages
_MARKUP = re.compile(r"[<>&]")  # paragraph markup or an escaped character
LONG_CELL = 300  # characters of markup above which a table cell is checked against the page
MAX_CELL_HEIGHT = 4 * inch  # a taller cell is shrunk to fit: a table row cannot span pages


# --- formatting ------------------------------------------------------------------------


def esc(text: Any, limit: int = TEXT_LIMIT) -> str:
    """Uploaded text made safe for reportlab markup (escaped, line breaks kept), shortened
    with an ellipsis to ``limit`` characters: a page cannot hold a 50 MB group name, and
    the full text stays in the JSON record. Names and values take the default
    (`TEXT_LIMIT`) or `CELL_LIMIT`; the board's notes `PROSE_LIMIT`."""
    text = "" if text is None else str(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text).replace("\n", "<br/>")


def confidence_words(record: Mapping[str, Any]) -> str:
    """The record's confidence level as a label: ``95%``, ``90%``, ``97.5%``."""
    return f"{round(record['spec'].get('confidence', 0.95) * 100, 2):g}%"


def alpha_words(record: Mapping[str, Any]) -> str:
    """The record's significance level as a label: ``0.05``."""
    alpha = record["spec"].get("alpha")
    return f"{0.05 if alpha is None else alpha:g}"


def below(value: float | None, threshold: float | None) -> bool:
    """Whether an impact ratio fails its minimum, with the engine's tolerance."""
    return value is not None and threshold is not None and value < threshold - PASS_TOLERANCE


def verdict_banner(summary: Mapping[str, Any],
             findings: Sequence[Mapping[str, Any]]) -> tuple[str, str, str]:
    """The banner's verdict: (label, ``STATUS`` key for its colours, one-line detail)."""
    verdict = verdict_of(summary)
    return (verdict_label(verdict), verdict,
            verdict_detail(verdict, [f["status"] for f in findings]))


def hex_colour(colour: colors.Color) -> str:
    return "#" + colour.hexval()[2:]


def criterion_title(name: str) -> str:
    return CRITERION_TITLES.get(name, name.replace("_", " ").capitalize())


# --- styles and building blocks ---------------------------------------------------------


def register_fonts() -> None:
    with _FONT_LOCK:
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        # matplotlib ships the DejaVu fonts; found without importing it (a second or so)
        spec = importlib.util.find_spec("matplotlib")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("matplotlib, which ships the PDF's DejaVu fonts, is not installed")
        folder = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
        for name, file in _FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC,
                                      boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK)
    return {
        "title": ParagraphStyle("title", body, fontName=BOLD, fontSize=20, leading=24),
        "subtitle": ParagraphStyle("subtitle", body, textColor=MUTED, spaceAfter=10),
        "h1": ParagraphStyle("h1", body, fontName=BOLD, fontSize=13, leading=16, textColor=HEAD,
                             spaceBefore=12, spaceAfter=6),
        "h2": ParagraphStyle("h2", body, fontName=BOLD, fontSize=10, leading=13, spaceBefore=8,
                             spaceAfter=4),
        "body": body,
        "small": ParagraphStyle("small", body, fontSize=7.5, leading=9.5, textColor=MUTED,
                                spaceBefore=2, spaceAfter=4),
        "cell": ParagraphStyle("cell", body, fontSize=8, leading=10),
        "num": ParagraphStyle("num", body, fontSize=8, leading=10, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", body, fontName=BOLD, fontSize=8, leading=10,
                               textColor=colors.white),
        "headnum": ParagraphStyle("headnum", body, fontName=BOLD, fontSize=8, leading=10,
                                  textColor=colors.white, alignment=TA_RIGHT),
        "label": ParagraphStyle("label", body, fontName=BOLD, fontSize=7.5, leading=9,
                                textColor=MUTED),
        "big": ParagraphStyle("big", body, fontName=BOLD, fontSize=17, leading=21),
        "badge": ParagraphStyle("badge", body, fontName=BOLD, fontSize=7.5, leading=9,
                                textColor=colors.white, alignment=1),
        "mono": ParagraphStyle("mono", body, fontName=MONO, fontSize=6.5, leading=9),
    }


class Doc:
    """The flowables of one PDF and the helpers that make them."""

    def __init__(self, record: Mapping[str, Any], width: float) -> None:
        self.record = record
        self.width = width
        self.s = _styles()
        self.story: list[Flowable] = []

    def add(self, *flowables: Flowable) -> None:
        self.story.extend(flowables)

    def para(self, markup: str, style: str = "body") -> Paragraph:
        return Paragraph(markup, self.s[style])

    def cell(self, markup: str, style: str = "cell") -> Flowable:
        """A table cell's paragraph; a long one is shrunk to `MAX_CELL_HEIGHT` if it would be
        taller, because reportlab cannot split a table row across pages."""
        paragraph = self.para(markup, style)
        if len(markup) <= LONG_CELL:
            return paragraph
        return KeepInFrame(0, MAX_CELL_HEIGHT, [paragraph], mode="shrink")

    def _text_cell(self, markup: str, room: float, style: str) -> Flowable | str:
        """A one-line cell of plain text as a string, which reportlab lays out far faster
        than a paragraph and prints the same; markup, entities, spacing that a paragraph
        would fold, or text wider than the cell stay a paragraph (which wraps)."""
        if (markup and not _MARKUP.search(markup) and markup == " ".join(markup.split())
                and pdfmetrics.stringWidth(markup, self.s[style].fontName,
                                           self.s[style].fontSize) <= room):
            return markup
        return self.cell(markup, style)

    def h1(self, text: str) -> None:
        self.add(CondPageBreak(1.6 * inch), self.para(text, "h1"))

    def h2(self, markup: str) -> None:
        self.add(CondPageBreak(1.1 * inch), self.para(markup, "h2"))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]],
              widths: Sequence[float], numeric: Sequence[int] = (),
              extra: Sequence[tuple[Any, ...]] = ()) -> Table:
        """A paginating table: header repeated on every page; cells are markup or flowables."""
        total = sum(widths)
        col_widths = [w * self.width / total for w in widths]
        room = [w - 8 for w in col_widths]  # inside the cell's padding
        data = [[self.cell(h, "headnum" if i in numeric else "head")
                 for i, h in enumerate(header)]]
        for row in rows:
            data.append([
                cell if isinstance(cell, Flowable)
                else self._text_cell(str(cell), room[i], "num" if i in numeric else "cell")
                for i, cell in enumerate(row)
            ])
        table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
        cell = self.s["cell"]
        table.setStyle(TableStyle([
            # plain-text cells (`_text_cell`) look like the "cell" and "num" paragraphs
            ("FONT", (0, 1), (-1, -1), cell.fontName, cell.fontSize, cell.leading),
            ("TEXTCOLOR", (0, 1), (-1, -1), cell.textColor),
            *(("ALIGN", (i, 1), (i, -1), "RIGHT") for i in numeric),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            *extra,
        ]))
        return table

    def pairs(self, rows: Sequence[tuple[str, str]], key_width: float = 0.27) -> Table:
        """A two-column key/value table (keys are our words, values are markup)."""
        data = [[self.cell(k, "label"), self.cell(v, "cell")] for k, v in rows]
        table = Table(data, colWidths=[self.width * key_width, self.width * (1 - key_width)],
                      hAlign="LEFT")
        table.setStyle(TableStyle([
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ]))
        return table


# --- page furniture and entry point ------------------------------------------------------


def _pdf_date(created_at: str) -> str | None:
    """The record's creation time as a PDF date (the file's own date, for reproducibility)."""
    digits = "".join(c for c in created_at if c.isdigit())[:14]
    return f"D:{digits}+00'00'" if len(digits) == 14 else None


def canvas_class(record_sha256: str, audit_id: str, created_at: str) -> type[Canvas]:
    """A canvas that knows the page count, for "page X of Y" and the fingerprint footer."""
    date = _pdf_date(created_at)

    class _Numbered(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            if date:
                self.setDateFormatter(lambda *_: date)

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._furniture(number, len(self._pages))
                super().showPage()
            super().save()

        def _furniture(self, number: int, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(0.75 * inch, 0.62 * inch, width - 0.75 * inch, 0.62 * inch)
            self.setFillColor(MUTED)
            self.setFont(MONO, 6.8)
            self.drawString(0.75 * inch, 0.45 * inch, f"Record sha256: {record_sha256}")
            self.setFont(FONT, 7.5)
            self.drawRightString(width - 0.75 * inch, 0.45 * inch, f"Page {number} of {total}")
            if number > 1:
                self.drawString(0.75 * inch, height - 0.5 * inch,
                                f"Fairness audit record · {clip(audit_id)}")
            self.restoreState()

    return _Numbered


# --- reading the record ----------------------------------------------------------------


def attributes_of(record: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(g["attribute"] for g in record["groups"]))


def detailed(record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The attributes whose groups the PDF lists one by one, and the intersections it
    leaves to the JSON: every sensitive attribute is listed; the intersections are listed
    when all of their groups together number at most `DETAIL_GROUPS`."""
    sizes: dict[str, int] = {}
    for g in record["groups"]:
        sizes[g["attribute"]] = sizes.get(g["attribute"], 0) + 1
    singles = set(record["spec"]["sensitive"])
    crossed = [a for a in sizes if a not in singles]
    if sum(sizes[a] for a in crossed) <= DETAIL_GROUPS:
        return list(sizes), []
    return [a for a in sizes if a in singles], crossed


def detail_note(doc: Doc) -> Flowable | None:
    """The note that says which intersections are not listed one by one (`detailed`)."""
    _, left_out = detailed(doc.record)
    if not left_out:
        return None
    groups = sum(g["attribute"] in set(left_out) for g in doc.record["groups"])
    return doc.para(DETAIL_NOTE.format(groups=groups, count=len(left_out),
                                       names=esc(listed(left_out, 3))), "small")


def impact_table(record: Mapping[str, Any], attribute: str,
                 basis: str = "selection_rate") -> Mapping[str, Any] | None:
    """The attribute's adverse-impact table on ``basis`` (records before ``basis`` existed
    hold selection-rate tables only)."""
    return next((t for t in record["adverse_impact"] if t["attribute"] == attribute
                 and t.get("basis", "selection_rate") == basis), None)


def min_denominator(record: Mapping[str, Any]) -> int:
    """The fewest people a judged rate rests on (older records: their row minimum)."""
    spec = record["spec"]
    return int(spec.get("min_denominator", spec.get("min_group_size", 0)))


def methods_of(estimates: Iterable[Mapping[str, Any] | None]) -> str:
    """The distinct interval methods of some estimates of the record, in one line."""
    return ", ".join(dict.fromkeys(e["method"] for e in estimates if e and e.get("method")))


def too_few(estimate: Mapping[str, Any] | None, minimum: int) -> bool:
    """A group metric of the record resting on fewer than ``minimum`` people."""
    count = (estimate or {}).get("denominator")
    return count is not None and count < minimum


def flags(item: Mapping[str, Any], reference: bool = False, role: str = "reference") -> str:
    """The notes of a group or category: ``role`` (reference, comparator), too few, ..."""
    flags = [name for name, on in ((role, reference),
                                   ("too few", item.get("small") and not item.get("unknown")),
                                   ("under 2%", item.get("under_2_percent")),
                                   ("unknown", item.get("unknown"))) if on]
    return ", ".join(flags)


