"""The PDF audit record a review board files.

`render_pdf` reads nothing but the record dictionary (the JSON contract made by
``record_to_dict``): the PDF shows exactly the JSON's numbers, and a record reopened from
the history store renders byte for byte the same PDF. Every page carries the record's
fingerprint (`fingerprint`, the sha256 of its canonical JSON) in the footer.

Every piece of text that came from an upload (file, column and group names, reviewer
notes) is escaped before it reaches reportlab's paragraph markup, so it is printed as
written and never interpreted.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from matplotlib.figure import Figure
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from audit._record import fingerprint, to_json
from audit._types import STATUS_LABELS

__all__ = ["format_estimate", "format_number", "render_pdf"]

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
    "insufficient_data": (STATUS_LABELS["insufficient_data"], colors.HexColor("#616e7c"),
                          colors.HexColor("#eef0f3")),
}
DECISIONS = {"approve": "Approved", "approve_with_conditions": "Approved with conditions",
             "reject": "Rejected"}
CRITERIA = {
    "impact_ratio": "Impact ratio (four-fifths rule)",
    "equal_opportunity_difference": "Equal opportunity difference",
    "equalized_odds_difference": "Equalized odds difference",
    "demographic_parity_difference": "Demographic parity difference",
}
DEFINITIONS = (
    ("Selection rate", "Share of people in the group given the favorable outcome."),
    ("True positive rate (TPR)", "Among people whose true outcome is favorable, the share "
     "the model also gave the favorable outcome. Low TPR: qualified people are turned down."),
    ("False positive rate (FPR)", "Among people whose true outcome is not favorable, the "
     "share the model gave the favorable outcome anyway."),
    ("Impact ratio", "A category's selection rate divided by the highest category's selection "
     "rate (EEOC four-fifths rule, NYC Local Law 144). Under 0.80 is evidence of adverse "
     "impact."),
    ("Equal opportunity difference", "The largest gap in true positive rate between two "
     "groups of an attribute."),
    ("Equalized odds difference", "The larger of the largest gap in true positive rate and "
     "the largest gap in false positive rate."),
    ("Demographic parity difference / ratio", "Largest minus smallest selection rate; "
     "smallest divided by largest (fairlearn)."),
    ("Disparate impact, statistical parity difference", "aif360's ratio and difference of "
     "selection rates, unprivileged group against privileged (reference) group."),
    ("{confidence} confidence interval", "The range the value would fall in across repeated "
     "samples of the same population, from bootstrap resampling of the rows."),
    ("Adjusted p", "Probability of a gap at least this large if there were no real "
     "difference (two-proportion or exact test), corrected for the number of comparisons "
     "(Holm). Under {alpha}: statistically significant."),
    ("Too small / under 2% / unknown", "Groups with fewer rows than the minimum, categories "
     "under 2% of the data and unknown categories are reported but not judged."),
)
SPEC_ORDER = {"label": "Label column", "prediction": "Prediction column",
              "score": "Score column", "favorable": "Favorable outcome",
              "sensitive": "Sensitive attributes", "reference": "Reference groups given",
              "id_column": "Join column", "criteria": "Criteria",
              "min_group_size": "Smallest group judged", "bootstrap": "Bootstrap samples",
              "confidence": "Confidence level", "seed": "Random seed",
              "alpha": "Significance level"}
CHART_GROUPS = 30  # groups per chart before it is split in two
CELL_LIMIT = 400  # characters of uploaded text in one table cell


# --- formatting ------------------------------------------------------------------------


def format_number(value: float | int | None, digits: int = 3) -> str:
    """How the PDF prints a number: fixed decimals, a true minus sign, an em dash for null."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace("-", "−")


def format_estimate(estimate: Mapping[str, Any] | None, digits: int = 3) -> str:
    """How the PDF prints an estimate: ``0.703 (0.669–0.738)``, ``−0.19 (−0.22 to −0.16)``."""
    if not estimate or estimate.get("value") is None:
        return "—"
    text = format_number(estimate["value"], digits)
    if estimate.get("ci_low") is not None and estimate.get("ci_high") is not None:
        low = format_number(estimate["ci_low"], digits)
        high = format_number(estimate["ci_high"], digits)
        dash = " to " if "−" in low + high else "–"
        text += f" ({low}{dash}{high})"
    return text


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _t(text: Any, limit: int | None = None) -> str:
    """Uploaded text made safe for reportlab markup (escaped, line breaks kept)."""
    text = "" if text is None else str(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text).replace("\n", "<br/>")


def _confidence(record: Mapping[str, Any]) -> str:
    """The record's confidence level as a label: ``95%``, ``90%``, ``97.5%``."""
    return f"{round(record['spec'].get('confidence', 0.95) * 100, 2):g}%"


def _alpha(record: Mapping[str, Any]) -> str:
    """The record's significance level as a label: ``0.05``."""
    alpha = record["spec"].get("alpha")
    return f"{0.05 if alpha is None else alpha:g}"


def _below(value: float | None, threshold: float | None) -> bool:
    """Whether an impact ratio fails its minimum, with the engine's tolerance."""
    return value is not None and threshold is not None and value < threshold - 1e-12


def _verdict(summary: Mapping[str, Any],
             findings: Sequence[Mapping[str, Any]]) -> tuple[str, str, str]:
    """The banner's verdict: (text, ``STATUS`` key for its colours, one-line detail)."""
    failed = sum(f["status"] == "fail" for f in findings)
    unjudged = sum(f["status"] == "insufficient_data" for f in findings)
    verdict = summary.get("verdict")
    if verdict not in ("pass", "fail", "no_verdict"):  # older records: only "passed"
        verdict = "pass" if summary.get("passed") else "fail"
    if verdict == "no_verdict":
        return ("NO VERDICT", "insufficient_data",
                f"No criterion failed, but {unjudged} of {len(findings)} could not be judged "
                "(too little data), so the audit neither passes nor fails.")
    if verdict == "pass":
        text, key = "PASSED", "pass"
        detail = f"All {len(findings) - unjudged} judged criteria passed."
    else:
        text, key = "FAILED", "fail"
        detail = f"{failed} of {len(findings)} criteria failed."
    if unjudged:
        detail += f" {unjudged} could not be judged (too little data)."
    return text, key, detail


def _hex(colour: colors.Color) -> str:
    return "#" + colour.hexval()[2:]


def _criterion(name: str) -> str:
    return CRITERIA.get(name, name.replace("_", " ").capitalize())


# --- styles and building blocks ---------------------------------------------------------


def _register_fonts() -> None:
    with _FONT_LOCK:
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
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


class _Doc:
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
        data = [[self.para(h, "headnum" if i in numeric else "head")
                 for i, h in enumerate(header)]]
        for row in rows:
            data.append([
                cell if isinstance(cell, Flowable)
                else self.para(str(cell), "num" if i in numeric else "cell")
                for i, cell in enumerate(row)
            ])
        table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
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
        data = [[self.para(k, "label"), self.para(v, "cell")] for k, v in rows]
        table = Table(data, colWidths=[self.width * key_width, self.width * (1 - key_width)],
                      hAlign="LEFT")
        table.setStyle(TableStyle([
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ]))
        return table


# --- the sections -----------------------------------------------------------------------


def _summary(doc: _Doc) -> None:
    record, review = doc.record, doc.record.get("review")
    summary, findings = record["summary"], record["findings"]
    doc.add(doc.para("Fairness audit record", "title"),
            doc.para(f"Audit {_t(record['audit_id'])} · created {_t(record['created_at'])} · "
                     f"record schema {_t(record['schema_version'])}", "subtitle"))

    verdict, key, detail = _verdict(summary, findings)
    colour, pale = STATUS[key][1:]
    if review:
        decision = DECISIONS.get(review["decision"], _t(review["decision"]))
        signed = (f"by {_t(', '.join(review['reviewers']))} on "
                  f"{_t(review.get('reviewed_at', ''))}")
    else:
        decision, signed = "Not yet reviewed", "No reviewer has signed this record."
    banner = Table([[
        [doc.para("AUDIT VERDICT", "label"),
         Paragraph(verdict, ParagraphStyle("v", doc.s["big"], textColor=colour)),
         doc.para(detail, "cell")],
        [doc.para("BOARD DECISION", "label"), doc.para(decision, "big"),
         doc.para(signed, "cell")],
    ]], colWidths=[doc.width * 0.45, doc.width * 0.55])
    banner.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (0, 0), pale), ("BACKGROUND", (1, 0), (1, 0), ZEBRA),
        ("LINEBEFORE", (0, 0), (0, 0), 4, colour), ("LINEBEFORE", (1, 0), (1, 0), 4, HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    doc.add(banner)
    if review and review.get("conditions"):
        doc.add(Spacer(1, 4), doc.para(f"<b>Conditions:</b> {_t(review['conditions'])}"))

    doc.h1("What was audited")
    doc.add(doc.pairs(_audited(record)))

    doc.h1("Verdict per criterion")
    if not findings:
        doc.add(doc.para("No criteria were set for this audit."))
    else:
        doc.add(_verdict_matrix(doc))
        doc.h2("The findings in plain words")
        rows, extra = [], []
        for i, f in enumerate(findings, start=1):
            text, colour, _ = STATUS.get(f["status"], STATUS["insufficient_data"])
            title = f"<b>{_criterion(f['criterion'])} — {_t(f['attribute'])}</b>"
            rows.append([doc.para(text, "badge"), f"{title}<br/>{_t(f['message'])}"])
            extra.append(("BACKGROUND", (0, i), (0, i), colour))
        doc.add(doc.table(["Verdict", "Criterion and finding"], rows, [0.9, 6.1],
                          extra=[("VALIGN", (0, 1), (0, -1), "MIDDLE"), *extra]))
    for warning in record.get("warnings", []):
        doc.add(doc.para(f"Note: {_t(warning)}", "small"))


def _verdict_matrix(doc: _Doc) -> Table:
    """Attributes down, criteria across: the one-minute view of the findings."""
    findings = doc.record["findings"]
    criteria = list(dict.fromkeys((f["criterion"], f["threshold"], f.get("bound"))
                                  for f in findings))
    attributes = list(dict.fromkeys(f["attribute"] for f in findings))
    by_key = {(f["attribute"], f["criterion"]): f for f in findings}
    header = ["Attribute"] + [
        f"{_criterion(name)} {'≥' if bound == 'min' else '≤'} {format_number(threshold, 2)}"
        for name, threshold, bound in criteria]
    rows, extra = [], []
    for r, attribute in enumerate(attributes, start=1):
        row: list[Any] = [f"<b>{_t(attribute)}</b>"]
        for c, (name, _, _) in enumerate(criteria, start=1):
            f = by_key.get((attribute, name))
            if f is None:
                row.append("—")
                continue
            text, colour, pale = STATUS.get(f["status"], STATUS["insufficient_data"])
            row.append(f"<font color='{_hex(colour)}'><b>{text}</b></font>"
                       f"<br/>{format_estimate(f)}")
            extra.append(("BACKGROUND", (c, r), (c, r), pale))
        rows.append(row)
    widths = [1.6] + [5.4 / len(criteria)] * len(criteria)
    return doc.table(header, rows, widths, extra=extra)


def _audited(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    spec, summary = record["spec"], record["summary"]
    files = "; ".join(f"{_t(i['name'])} ({_t(i['role'])}, {i['rows']:,} rows)"
                      for i in record["inputs"])
    attributes = list(dict.fromkeys(g["attribute"] for g in record["groups"]))
    singles = [a for a in attributes if a in spec["sensitive"]]
    crossed = [a for a in attributes if a not in spec["sensitive"]]
    sensitive = ", ".join(_t(a) for a in singles or spec["sensitive"])
    if crossed:
        sensitive += "; intersection " + ", ".join(_t(a) for a in crossed)
    order = {a: i for i, a in enumerate(attributes)}
    references = "; ".join(f"{_t(a)}: {_t(g)}" for a, g in sorted(
        summary["references"].items(), key=lambda item: order.get(item[0], len(order))))
    criteria = "; ".join(
        f"{_criterion(c['metric'])} {'≥' if c['bound'] == 'min' else '≤'} "
        f"{format_number(c['threshold'], 2)}" for c in spec["criteria"])
    model = f"label <b>{_t(spec['label'])}</b>, prediction <b>{_t(spec['prediction'])}</b>"
    if spec.get("score"):
        model += f", score <b>{_t(spec['score'])}</b>"
    method = (f"{_confidence(record)} bootstrap intervals, "
              f"{summary.get('bootstrap_samples', spec['bootstrap']):,} samples, seed "
              f"{spec['seed']}; groups under {spec['min_group_size']} rows are not judged")
    return [
        ("Input files", files),
        ("Rows audited", f"{summary['rows']:,}"),
        ("Model columns", model),
        ("Favorable outcome", _t(summary["favorable"])),
        ("Sensitive attributes", sensitive),
        ("Reference groups", references or "—"),
        ("Criteria", criteria or "none"),
        ("Method", method),
    ]


def _chart_png(groups: Sequence[Mapping[str, Any]], threshold_rate: float | None) -> bytes:
    """Selection rate and TPR per group, with CI whiskers, as a PNG."""
    labels = [f"{_clip(g['group'], 34)} (n={g['n']:,})" for g in groups]
    height = 0.75 + 0.24 * len(groups)
    figure = Figure(figsize=(7.0, height), dpi=150, layout="constrained")
    axes = figure.subplots(1, 2, sharey=True)
    ys = list(range(len(groups)))[::-1]
    for ax, metric, title in zip(axes, ("selection_rate", "true_positive_rate"),
                                 ("Selection rate", "True positive rate"), strict=True):
        for y, g in zip(ys, groups, strict=True):
            e = g["metrics"].get(metric) or {}
            value = e.get("value")
            muted = g.get("small") or g.get("unknown") or g.get("under_2_percent")
            if value is None:
                ax.text(0.01, y, "undefined", va="center", fontsize=7, color="#616e7c")
                continue
            low, high = e.get("ci_low"), e.get("ci_high")
            err = None
            if low is not None and high is not None:
                err = [[max(value - low, 0.0)], [max(high - value, 0.0)]]
            ax.barh(y, value, height=0.62, xerr=err, capsize=2.5,
                    color="#c3cad3" if muted else "#3a6ea5",
                    hatch="///" if muted else None, edgecolor="#8a96a3" if muted else "none",
                    error_kw={"elinewidth": 0.9, "ecolor": "#1f2933"})
        if metric == "selection_rate" and threshold_rate is not None:
            ax.axvline(threshold_rate, color="#b3261e", linestyle="--", linewidth=0.9)
        ax.set_xlim(0, 1)
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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _charts(doc: _Doc) -> None:
    record = doc.record
    doc.add(PageBreak())
    doc.h1("Selection rate and true positive rate by group")
    threshold = next((c["threshold"] for c in record["spec"]["criteria"]
                      if c["metric"] == "impact_ratio"), None)
    doc.add(doc.para(
        f"Bars show the point estimate, whiskers the {_confidence(record)} confidence "
        "interval. Grey hatched "
        "bars are groups not judged: too small, under 2% of the data, or of unknown "
        "category. The dashed red line is the four-fifths line: the highest judged selection "
        "rate times the impact-ratio threshold.", "small"))
    for attribute in _attributes(record):
        table = _impact_table(record, attribute)
        under = {r["category"] for r in (table or {}).get("rows", []) if r.get("under_2_percent")}
        groups = [{**g, "under_2_percent": g["group"] in under}
                  for g in record["groups"] if g["attribute"] == attribute]
        line = None
        if threshold is not None and table is not None:
            best = [r["selection_rate"] for r in table["rows"]
                    if r["category"] == table["highest_category"]]
            line = best[0] * threshold if best and best[0] is not None else None
        for start in range(0, len(groups), CHART_GROUPS):
            chunk = groups[start:start + CHART_GROUPS]
            png = _chart_png(chunk, line)
            height = (0.75 + 0.24 * len(chunk)) * inch
            part = (f" (groups {start + 1}–{start + len(chunk)} of {len(groups)})"
                    if len(groups) > CHART_GROUPS else "")
            doc.add(KeepTogether([doc.para(f"{_t(attribute)}{part}", "h2"),
                                  Image(io.BytesIO(png), width=7.0 * inch, height=height)]))


def _attributes(record: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(g["attribute"] for g in record["groups"]))


def _impact_table(record: Mapping[str, Any], attribute: str) -> Mapping[str, Any] | None:
    return next((t for t in record["adverse_impact"] if t["attribute"] == attribute), None)


def _flags(item: Mapping[str, Any], reference: bool = False) -> str:
    flags = [name for name, on in (("reference", reference), ("too small", item.get("small")),
                                   ("under 2%", item.get("under_2_percent")),
                                   ("unknown", item.get("unknown"))) if on]
    return ", ".join(flags)


def _group_tables(doc: _Doc) -> None:
    record = doc.record
    doc.h1(f"Group metrics with {_confidence(record)} confidence intervals")
    references = record["summary"]["references"]
    for attribute in _attributes(record):
        rows = []
        for g in (g for g in record["groups"] if g["attribute"] == attribute):
            m = g["metrics"]
            rows.append([_t(g["group"], CELL_LIMIT), f"{g['n']:,}",
                         format_estimate(m.get("selection_rate")),
                         format_estimate(m.get("true_positive_rate")),
                         format_estimate(m.get("false_positive_rate")),
                         _flags(g, references.get(attribute) == g["group"])])
        doc.h2(_t(attribute))
        doc.add(doc.table(["Group", "n", "Selection rate", "True positive rate",
                           "False positive rate", "Notes"], rows,
                          [1.6, 0.6, 1.35, 1.35, 1.35, 0.85], numeric=(1, 2, 3, 4)))


def _adverse_impact(doc: _Doc) -> None:
    record = doc.record
    doc.h1("Adverse impact (EEOC four-fifths rule, NYC Local Law 144 layout)")
    threshold = next((c["threshold"] for c in record["spec"]["criteria"]
                      if c["metric"] == "impact_ratio"), None)
    doc.add(doc.para(
        "Impact ratio = the category's selection rate ÷ the highest category's selection "
        "rate. Categories under 2% of the data and unknown categories are listed and "
        "flagged; they are not judged. Adjusted p: Holm-corrected test of the category "
        "against the highest one.", "small"))
    for table in record["adverse_impact"]:
        rows = []
        for r in table["rows"]:
            ratio = r["impact_ratio"]
            judged = not (r.get("small") or r.get("under_2_percent") or r.get("unknown"))
            below = judged and _below(ratio.get("value"), threshold)
            cell = format_estimate(ratio)
            if below:
                cell = f"<font color='{_hex(STATUS['fail'][1])}'><b>{cell}</b></font>"
            rows.append([_t(r["category"], CELL_LIMIT), f"{r['n']:,}", f"{r['selected']:,}",
                         format_number(r["selection_rate"]),
                         cell,
                         "—" if r.get("share") is None else f"{r['share'] * 100:.1f}%",
                         _p(r.get("p_adjusted")),
                         _flags(r, r["category"] == table["highest_category"])])
        doc.h2(_t(table["attribute"]))
        doc.add(doc.table(["Category", "Applicants", "Selected", "Selection rate",
                           f"Impact ratio ({_confidence(record)} CI)", "Share", "Adj. p",
                           "Flags"], rows,
                          [1.35, 0.82, 0.68, 0.72, 1.55, 0.55, 0.55, 0.78],
                          numeric=(1, 2, 3, 4, 5, 6)))
        unknown = table.get("unknown_count", 0)
        if unknown:
            names = ", ".join(_t(c) for c in table.get("unknown_categories", []))
            note = (f"Unknown category: {unknown:,} rows ({names}) are counted here but left "
                    "out of the impact ratios.")
        else:
            note = "Unknown category: 0 rows."
        doc.add(doc.para(f"Highest selection rate: {_t(table['highest_category'])}. {note}",
                         "small"))


def _aggregates(doc: _Doc) -> None:
    """Per attribute: the single-number summaries, then aif360's group-vs-reference values."""
    record = doc.record
    if not record.get("aggregates"):
        return
    doc.h1("Aggregate fairness metrics")
    doc.add(doc.para(
        "These metrics are computed over all groups of the attribute, including unknown and "
        "small ones, as fairlearn/aif360 define them. The findings above judge only known "
        "groups with enough rows, so the two can differ without contradicting each other.",
        "small"))
    conventions = dict.fromkeys((a["source"], a["convention"]) for a in record["aggregates"])
    doc.add(doc.para("Sign conventions: " + " ".join(
        f"<b>{_t(source)}</b> — {_t(text)}." for source, text in conventions), "small"))
    for attribute in dict.fromkeys(a["attribute"] for a in record["aggregates"]):
        items = [a for a in record["aggregates"] if a["attribute"] == attribute]
        overall = [a for a in items if not (a.get("group") and a.get("reference"))]
        paired = [a for a in items if a.get("group") and a.get("reference")]
        doc.h2(_t(attribute))
        if overall:
            doc.add(doc.table(["Metric (over all groups)",
                               f"Value ({_confidence(record)} CI)", "Source"], [
                [_words(a["metric"]), format_estimate(a), _t(a["source"])] for a in overall],
                [3.4, 2.2, 1.4], numeric=(1,)))
        if paired:
            metrics = list(dict.fromkeys(a["metric"] for a in paired))
            pairs = list(dict.fromkeys((a["group"], a["reference"]) for a in paired))
            cells = {(a["group"], a["reference"], a["metric"]): a for a in paired}
            rows = [[f"{_t(g, CELL_LIMIT)} vs {_t(ref, CELL_LIMIT)}"] + [
                _stacked(cells.get((g, ref, m))) for m in metrics] for g, ref in pairs]
            sources = ", ".join(dict.fromkeys(_t(a["source"]) for a in paired))
            doc.add(Spacer(1, 4), doc.table(
                [f"Group vs reference ({sources})"] + [_words(m) for m in metrics], rows,
                [1.8] + [5.2 / len(metrics)] * len(metrics), numeric=range(1, len(metrics) + 1)))


def _words(name: str) -> str:
    return _t(name.replace("_", " ").capitalize())


def _stacked(estimate: Mapping[str, Any] | None) -> str:
    """Value on one line, its interval below in small grey type."""
    if not estimate or estimate.get("value") is None:
        return "—"
    text = format_number(estimate["value"])
    interval = format_estimate(estimate)[len(text):].strip()
    return text + (f"<br/><font size='6.5' color='{_hex(MUTED)}'>{interval}</font>"
                   if interval else "")


def _explanations(doc: _Doc) -> None:
    ex = doc.record.get("explanations")
    doc.h1("Explanations")
    if not ex:
        doc.add(doc.para("No explanations were computed for this audit."))
        return
    method = ("a surrogate model (gradient-boosted trees) trained to reproduce the uploaded "
              "predictions" if ex.get("method") == "surrogate" else "the uploaded model")
    sizes = [f"{ex[k]:,} {label}" for k, label in (("sample_size", "rows explained"),
             ("population_rows", "rows audited"), ("surrogate_rows", "rows to fit the surrogate"))
             if isinstance(ex.get(k), int)]
    doc.add(doc.para(f"SHAP values of {method}, in {_t(ex.get('output', 'model output'))} units"
                     + (f" ({'; '.join(sizes)})." if sizes else ".")))
    fidelity = ex.get("fidelity") or {}
    if fidelity.get("warning"):
        doc.add(doc.para(f"<b>Caution:</b> {_t(fidelity['warning'])}"))
    if fidelity:
        doc.h2("Fidelity to the uploaded predictions")
        doc.add(doc.pairs([(_t(k.replace("_", " ").capitalize()), _value(v))
                           for k, v in fidelity.items() if k != "warning"]))
    if ex.get("global_importance"):
        doc.h2("Global importance (mean |SHAP| over the explained rows)")
        doc.add(doc.table(["Feature", "Mean |SHAP|"], [
            [_t(i["feature"], CELL_LIMIT), format_number(i["mean_abs_shap"], 4)]
            for i in ex["global_importance"][:20]], [5, 2], numeric=(1,)))
    if ex.get("by_group"):
        doc.h2("Most important features per group")
        doc.add(doc.table(["Attribute", "Group", "n", "Top features (mean |SHAP|)"], [
            [_t(g.get("attribute")), _t(g.get("group"), CELL_LIMIT), _value(g.get("n")),
             "; ".join(f"{_t(i['feature'])} {format_number(i.get('mean_abs_shap'), 3)}"
                       for i in g.get("importance", [])[:4])]
            for g in ex["by_group"]], [1.0, 1.6, 0.5, 3.9], numeric=(2,)))
    if ex.get("gap_attribution"):
        doc.h2("Gap attribution: the difference in mean model output, split by feature")
        doc.add(doc.para("Gap = group minus reference; the contributions add up to the gap. "
                         "Direct: through the sensitive columns themselves; indirect: through "
                         "the other features.", "small"))
        doc.add(doc.table(["Group vs reference", "Gap", "Direct", "Indirect",
                           "Largest contributions"], [
            [f"{_t(g['group'], CELL_LIMIT)} vs {_t(g['reference'], CELL_LIMIT)} "
             f"({_t(g['attribute'])})", format_number(g.get("gap")),
             format_number(g.get("direct")), format_number(g.get("indirect")),
             "; ".join(f"{_t(c['feature'])} {format_number(c['contribution'])}"
                       for c in sorted(g["contributions"],
                                       key=lambda c: -abs(c["contribution"] or 0))[:3])]
            for g in ex["gap_attribution"]], [2.0, 0.65, 0.65, 0.7, 3.0], numeric=(1, 2, 3)))
    if ex.get("proxies"):
        doc.h2("Possible proxies: how well each feature predicts a sensitive attribute")
        rows = []
        for attribute in dict.fromkeys(p["attribute"] for p in ex["proxies"]):
            scores = [p for p in ex["proxies"] if p["attribute"] == attribute]
            rows += [[_t(attribute), _t(p["feature"], CELL_LIMIT), _value(p.get("score")),
                      _t(p.get("strength", ""))] for p in scores[:8]]
        doc.add(doc.table(["Attribute", "Feature", "Score (AUC)", "Strength"], rows,
                          [1.7, 2.9, 1.2, 1.2], numeric=(2,)))
        together = [f"{_t(p['attribute'])}: AUC {format_number(p.get('auc'))}"
                    for p in ex.get("proxy_all_features", []) if p.get("auc") is not None]
        if together:
            doc.add(doc.para("All features together predict " + "; ".join(together) + ".",
                             "small"))


def _value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "—"}[value]
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, int):
        return f"{value:,}"
    return _t(value, CELL_LIMIT)


def _definitions(doc: _Doc) -> None:
    doc.h1("What the metrics mean")
    labels = {"confidence": _confidence(doc.record), "alpha": _alpha(doc.record)}
    doc.add(doc.pairs([(name.format(**labels), text.format(**labels))
                       for name, text in DEFINITIONS], key_width=0.3))


def _provenance(doc: _Doc) -> None:
    record = doc.record
    spec = record["spec"]
    doc.h1("Provenance")
    doc.add(doc.table(["Role", "File", "Rows", "Columns", "sha256 of the file's bytes"], [
        [_t(i["role"]), _t(i["name"], CELL_LIMIT), f"{i['rows']:,}", f"{len(i['columns'])}",
         doc.para(_t(i["sha256"]), "mono")] for i in record["inputs"]],
        [0.75, 1.45, 0.55, 0.6, 3.65], numeric=(2, 3)))
    doc.h2("Audit specification")
    keys = [k for k in SPEC_ORDER if k in spec] + sorted(k for k in spec if k not in SPEC_ORDER)
    rows = []
    for key in keys:
        value = spec[key]
        text = _spec_value(value) if isinstance(value, list | dict) else _value(value)
        if key == "favorable" and value is None:
            text = f"not given; inferred: {_t(record['summary']['favorable'])}"
        rows.append((_t(SPEC_ORDER.get(key, key)), text))
    doc.add(doc.pairs(rows))
    doc.h2("Software")
    doc.add(doc.para(", ".join(f"{_t(k)} {_t(v)}" for k, v in record["environment"].items())))
    doc.add(doc.para(f"Record created {_t(record['created_at'])}; audit id "
                     f"{_t(record['audit_id'])}; record schema {_t(record['schema_version'])}.",
                     "small"))


def _spec_value(value: list[Any] | dict[str, Any]) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{_t(k)} = {_t(v)}" for k, v in value.items()) or "—"
    parts = []
    for item in value:
        if isinstance(item, dict) and "metric" in item:
            parts.append(f"{_t(item['metric'])} {'≥' if item.get('bound') == 'min' else '≤'} "
                         f"{_t(item['threshold'])}")
        else:
            parts.append(_t(item))
    return "; ".join(parts) or "—"


def _review(doc: _Doc) -> None:
    record, review = doc.record, doc.record.get("review")
    doc.h1("Review and decision")
    if not review:
        doc.add(doc.para("<b>Not yet reviewed.</b> No decision has been recorded. A board that "
                         "signs this page on paper should also file the reviewed record."))
        doc.add(Spacer(1, 18), doc.para("Decision: ______________________________  "
                                        "Reviewer: ______________________  Date: __________"))
        return
    doc.add(doc.pairs([
        ("Decision", f"<b>{DECISIONS.get(review['decision'], _t(review['decision']))}</b>"),
        ("Reviewers", _t(", ".join(review["reviewers"]))),
        ("Reviewed at", _t(review.get("reviewed_at", ""))),
    ]))
    if review.get("conditions"):
        doc.h2("Conditions")
        doc.add(doc.para(_t(review["conditions"])))
    doc.h2("Overall notes")
    doc.add(doc.para(_t(review.get("notes")) or "None."))
    notes = review.get("finding_notes") or {}
    if any(n.strip() for n in notes.values()):
        doc.h2("Notes per finding")
        by_id = {f["id"]: f for f in record["findings"]}
        for key in dict.fromkeys([*(k for k in by_id if k in notes), *notes]):
            note = notes[key]
            if not note.strip():
                continue
            f = by_id.get(key)
            label = (f"{STATUS.get(f['status'], STATUS['insufficient_data'])[0]} · "
                     f"{_criterion(f['criterion'])} — {_t(f['attribute'])}" if f else _t(key))
            doc.add(doc.para(f"<b>{label}</b>", "cell"), doc.para(_t(note)), Spacer(1, 4))
    lines: list[Flowable] = [doc.para("Signatures", "h2")]
    for reviewer in review["reviewers"]:
        lines += [Spacer(1, 16), doc.para(
            f"{_t(reviewer, CELL_LIMIT)}: ______________________________   Date: ____________")]
    doc.add(KeepTogether(lines))


# --- page furniture and entry point ------------------------------------------------------


def _pdf_date(created_at: str) -> str | None:
    """The record's creation time as a PDF date (the file's own date, for reproducibility)."""
    digits = "".join(c for c in created_at if c.isdigit())[:14]
    return f"D:{digits}+00'00'" if len(digits) == 14 else None


def _canvas_class(record_sha256: str, audit_id: str, created_at: str) -> type[Canvas]:
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
                                f"Fairness audit record · {_clip(audit_id, 80)}")
            self.restoreState()

    return _Numbered


def render_pdf(record: Mapping[str, Any]) -> bytes:
    """Render the board's PDF from a JSON record (``record_to_dict`` or a stored record).

    Parameters
    ----------
    record : mapping
        The audit record as in ``audit/audit.schema.json``.

    Returns
    -------
    bytes
        The PDF. The same record always gives the same bytes; the footer of every page
        shows ``fingerprint(record)``.
    """
    _register_fonts()
    record = json.loads(to_json(record))  # canonical key order: reopened records match
    sha = fingerprint(record)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer, pagesize=LETTER, invariant=1, leftMargin=0.75 * inch, rightMargin=0.75 * inch,
        topMargin=0.75 * inch, bottomMargin=0.85 * inch,
        title=f"Fairness audit record {record['audit_id']}", author="fairness-audit",
        subject=f"Record sha256 {sha}", creator="fairness-audit",
    )
    doc = _Doc(record, pdf.width)
    for section in (_summary, _charts, _group_tables, _adverse_impact, _aggregates,
                    _explanations, _definitions, _provenance, _review):
        section(doc)
    pdf.build(doc.story, canvasmaker=_canvas_class(sha, str(record["audit_id"]),
                                                   str(record.get("created_at", ""))))
    return buffer.getvalue()
