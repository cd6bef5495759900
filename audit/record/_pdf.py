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
from collections.abc import Mapping
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from audit._words import (
    DECISION_LABELS,
    JUDGEMENT_WORDS,
    format_estimate,
    format_number,
    outcome_label,
)
from audit.record._export import canonical_bytes, sha256_hex
from audit.record._pdf_approvals import approvals_section
from audit.record._pdf_charts import rates_chart

__all__ = ["render_pdf"]

from audit.record._pdf_context import checklist_sections, context_section
from audit.record._pdf_doc import (
    CELL_LIMIT,
    CHART_GROUPS,
    CHARTED_GROUPS,
    HEAD,
    MONO,
    PROSE_LIMIT,
    STATUS,
    ZEBRA,
    Doc,
    canvas_class,
    confidence_words,
    criterion_title,
    detail_note,
    detailed,
    esc,
    hex_colour,
    impact_table,
    min_denominator,
    register_fonts,
    verdict_banner,
)
from audit.record._pdf_tables import (
    adverse_impact_section,
    aggregates_section,
    definitions_section,
    explanations_section,
    group_tables_section,
    provenance_section,
)
from audit.record._pdf_verdicts import (
    disparities_section,
    score_metrics_section,
    tests_section,
)
from audit.record._pdf_whatif import whatif_section

# --- the sections -----------------------------------------------------------------------


def _summary(doc: Doc, integrity: str | None = None) -> None:
    """Page 1: the verdict and decision, how to check the file (``integrity``: the
    signature sentence, when the PDF is sealed), what was audited, and every finding."""
    record, review = doc.record, doc.record.get("review")
    summary, findings = record["summary"], record["findings"]
    doc.add(doc.para("Fairness audit record", "title"),
            doc.para(f"Audit {esc(record['audit_id'])} · created {esc(record['created_at'])} · "
                     f"record schema {esc(record['schema_version'])}", "subtitle"))

    verdict, key, detail = verdict_banner(summary, findings)
    colour, pale = STATUS[key][1:]
    if review:
        decision = DECISION_LABELS.get(review["decision"], esc(review["decision"]))
        signed = (f"by {esc(', '.join(review['reviewers']))} on "
                  f"{esc(review.get('reviewed_at', ''))}")
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
        doc.add(Spacer(1, 4),
                doc.para(f"<b>Conditions:</b> {esc(review['conditions'], PROSE_LIMIT)}"))
    if integrity is not None:
        doc.add(Spacer(1, 4), doc.para(integrity, "small"))

    doc.h1("What was audited")
    doc.add(doc.pairs(_audited(record)))

    doc.h1("Verdict per criterion")
    if not findings:
        doc.add(doc.para("No criteria were set for this audit."))
    else:
        doc.add(_verdict_matrix(doc))
        judgement = doc.record["spec"].get("judgement")
        if judgement in JUDGEMENT_WORDS:
            doc.add(doc.para(f"Judgement rule ({judgement}): {JUDGEMENT_WORDS[judgement]}.",
                             "small"))
        doc.h2("The findings in plain words")
        rows, extra = [], []
        for i, f in enumerate(findings, start=1):
            text, colour, _ = STATUS.get(f["status"], STATUS["not_judged"])
            title = f"<b>{criterion_title(f['criterion'])} — {esc(f['attribute'])}</b>"
            rows.append([doc.para(text, "badge"), f"{title}<br/>{esc(f['message'])}"])
            extra.append(("BACKGROUND", (0, i), (0, i), colour))
        doc.add(doc.table(["Verdict", "Criterion and finding"], rows, [1.15, 5.85],
                          extra=[("VALIGN", (0, 1), (0, -1), "MIDDLE"), *extra]))
    for warning in record.get("warnings", []):
        doc.add(doc.para(f"Note: {esc(warning)}", "small"))


def _verdict_matrix(doc: Doc) -> Table:
    """Attributes down, criteria across: the one-minute view of the findings."""
    findings = doc.record["findings"]
    criteria = list(dict.fromkeys((f["criterion"], f["threshold"], f.get("bound"))
                                  for f in findings))
    attributes = list(dict.fromkeys(f["attribute"] for f in findings))
    by_key = {(f["attribute"], f["criterion"]): f for f in findings}
    header = ["Attribute"] + [
        f"{criterion_title(name)} {'≥' if bound == 'min' else '≤'} {format_number(threshold, 2)}"
        for name, threshold, bound in criteria]
    rows, extra = [], []
    for r, attribute in enumerate(attributes, start=1):
        row: list[Any] = [f"<b>{esc(attribute)}</b>"]
        for c, (name, _, _) in enumerate(criteria, start=1):
            f = by_key.get((attribute, name))
            if f is None:
                row.append("—")
                continue
            text, colour, pale = STATUS.get(f["status"], STATUS["not_judged"])
            row.append(f"<font color='{hex_colour(colour)}'><b>{text}</b></font>"
                       f"<br/>{format_estimate(f)}")
            extra.append(("BACKGROUND", (c, r), (c, r), pale))
        rows.append(row)
    widths = [1.6] + [5.4 / len(criteria)] * len(criteria)
    return doc.table(header, rows, widths, extra=extra)


def _audited(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    spec, summary = record["spec"], record["summary"]
    files = "; ".join(f"{esc(i['name'])} ({esc(i['role'])}, {i['rows']:,} rows)"
                      for i in record["inputs"])
    attributes = list(dict.fromkeys(g["attribute"] for g in record["groups"]))
    singles = [a for a in attributes if a in spec["sensitive"]]
    crossed = [a for a in attributes if a not in spec["sensitive"]]
    sensitive = ", ".join(esc(a) for a in singles or spec["sensitive"])
    if crossed:
        sensitive += "; intersection " + ", ".join(esc(a) for a in crossed)
    order = {a: i for i, a in enumerate(attributes)}
    references = "; ".join(f"{esc(a)}: {esc(g)}" for a, g in sorted(
        summary["references"].items(), key=lambda item: order.get(item[0], len(order))))
    criteria = "; ".join(
        f"{criterion_title(c['metric'])} {'≥' if c['bound'] == 'min' else '≤'} "
        f"{format_number(c['threshold'], 2)}" for c in spec["criteria"])
    model = f"label <b>{esc(spec['label'])}</b>, prediction <b>{esc(spec['prediction'])}</b>"
    if spec.get("score"):
        model += f", score <b>{esc(spec['score'])}</b>"
    if "min_denominator" in spec:
        method = (f"{confidence_words(record)} intervals from the counts (Clopper-Pearson for "
                  "rates, Newcombe for differences, Koopman for ratios, simultaneous "
                  "Bonferroni-Newcombe for largest gaps); multinomial bootstrap for other "
                  f"aggregates ({summary.get('bootstrap_samples', spec['bootstrap']):,} "
                  f"samples, seed {spec['seed']}). A rate is judged when it rests on at least "
                  f"{min_denominator(record):,} people.")
    else:  # records made before the intervals from the counts
        method = (f"{confidence_words(record)} bootstrap intervals, "
                  f"{summary.get('bootstrap_samples', spec['bootstrap']):,} samples, seed "
                  f"{spec['seed']}; groups under {spec['min_group_size']} rows are not judged")
    family = summary.get("test_family")
    return [
        ("Input files", files),
        ("Rows audited", f"{summary['rows']:,}"),
        ("Model columns", model),
        ("Favorable outcome", esc(outcome_label(summary["favorable"],
                                                summary.get("outcome_meaning") or ""))),
        *([("Bands", esc("; ".join(f"{column}: {', '.join(band['labels'])}"
                                   for column, band in summary["bands"].items())))]
          if summary.get("bands") else []),
        ("Sensitive attributes", sensitive),
        ("Reference groups", references or "—"),
        ("Criteria", criteria or "none"),
        ("Method", method),
        *([("Tests", esc(family))] if family else []),
    ]


def _charts(doc: Doc) -> None:
    record = doc.record
    doc.add(PageBreak())
    doc.h1("Selection rate and true positive rate by group")
    threshold = next((c["threshold"] for c in record["spec"]["criteria"]
                      if c["metric"] == "impact_ratio"), None)
    doc.add(doc.para(
        f"Bars show the point estimate, whiskers the {confidence_words(record)} confidence "
        "interval. Grey hatched bars are rates not judged: resting on too few people, of a "
        "category under 2% of the data (selection rate), or of unknown category. The dashed "
        "red line is the four-fifths line: the comparator's selection rate times the "
        "impact-ratio threshold.", "small"))
    note = detail_note(doc)
    if note is not None:
        doc.add(note)
    for attribute in detailed(record)[0]:
        table = impact_table(record, attribute)
        under = {r["category"] for r in (table or {}).get("rows", []) if r.get("under_2_percent")}
        groups = [{**g, "under_2_percent": g["group"] in under}
                  for g in record["groups"] if g["attribute"] == attribute]
        line = None
        if threshold is not None and table is not None:
            best = [r["selection_rate"] for r in table["rows"]
                    if r["category"] == table["highest_category"]]
            line = best[0] * threshold if best and best[0] is not None else None
        charted = groups[:CHARTED_GROUPS]
        for start in range(0, len(charted), CHART_GROUPS):
            chunk = charted[start:start + CHART_GROUPS]
            chart = rates_chart(chunk, line, min_denominator(record),
                                record["summary"].get("outcome_meaning") or "")
            part = (f" (groups {start + 1}–{start + len(chunk)} of {len(groups):,}"
                    f"{'; the table lists every group' if len(groups) > len(charted) else ''})"
                    if len(groups) > CHART_GROUPS else "")
            doc.add(KeepTogether([doc.para(f"{esc(attribute)}{part}", "h2"), chart]))


def _review(doc: Doc) -> None:
    record, review = doc.record, doc.record.get("review")
    doc.h1("Review and decision")
    if not review:
        doc.add(doc.para("<b>Not yet reviewed.</b> No decision has been recorded. A board that "
                         "signs this page on paper should also file the reviewed record."))
        doc.add(Spacer(1, 18), doc.para("Decision: ______________________________  "
                                        "Reviewer: ______________________  Date: __________"))
        return
    doc.add(doc.pairs([
        ("Decision", f"<b>{DECISION_LABELS.get(review['decision'], esc(review['decision']))}</b>"),
        ("Reviewers", esc(", ".join(review["reviewers"]))),
        ("Reviewed at", esc(review.get("reviewed_at", ""))),
    ]))
    if review.get("conditions"):
        doc.h2("Conditions")
        doc.add(doc.para(esc(review["conditions"], PROSE_LIMIT)))
    doc.h2("Overall notes")
    doc.add(doc.para(esc(review.get("notes"), PROSE_LIMIT) or "None."))
    notes = review.get("finding_notes") or {}
    if any(n.strip() for n in notes.values()):
        doc.h2("Notes per finding")
        by_id = {f["id"]: f for f in record["findings"]}
        for key in dict.fromkeys([*(k for k in by_id if k in notes), *notes]):
            note = notes[key]
            if not note.strip():
                continue
            f = by_id.get(key)
            label = (f"{STATUS.get(f['status'], STATUS['not_judged'])[0]} · "
                     f"{criterion_title(f['criterion'])} — {esc(f['attribute'])}"
                     if f else esc(key))
            doc.add(doc.para(f"<b>{label}</b>", "cell"), doc.para(esc(note, PROSE_LIMIT)),
                    Spacer(1, 4))
    lines: list[Flowable] = [doc.para("Signatures", "h2")]
    for reviewer in review["reviewers"]:
        lines += [Spacer(1, 16), doc.para(
            f"{esc(reviewer, CELL_LIMIT)}: ______________________________   Date: ____________")]
    doc.add(KeepTogether(lines))


def _integrity(sha: str, signature: str) -> str:
    """How to check the file: the fingerprint, and the signature sentence."""
    return (f"<b>Integrity.</b> Record fingerprint <font name='{MONO}'>{sha}</font>: the "
            "sha256 of audit.json (sha256sum audit.json prints it), which is embedded in this "
            f"PDF. {esc(signature)}")


def render_pdf(record: Mapping[str, Any], *, signature: str | None = None,
               record_bytes: bytes | None = None) -> bytes:
    """Render the board's PDF from a JSON record (``record_to_dict`` or a stored record).

    Parameters
    ----------
    record : mapping
        The audit record as in ``audit/audit.schema.json``.
    signature : str, optional
        The sentence page 1 prints, under the verdict, about the file's digital signature
        (`signature_status_text`), next to the fingerprint; given by `sealed_pdf`, which
        seals the result. None (a PDF that will not be sealed) prints no such note.
    record_bytes : bytes, optional
        ``canonical_bytes(record)`` when the caller has them already (a large record takes
        seconds to serialise).

    Returns
    -------
    bytes
        The PDF. The same record (and signature sentence) always gives the same bytes; the
        footer of every page shows ``fingerprint(record)``.
    """
    register_fonts()
    data = record_bytes if record_bytes is not None else canonical_bytes(record)
    record = json.loads(data)  # canonical key order: reopened records match
    sha = sha256_hex(data)  # fingerprint(record)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer, pagesize=LETTER, invariant=1, leftMargin=0.75 * inch, rightMargin=0.75 * inch,
        topMargin=0.75 * inch, bottomMargin=0.85 * inch,
        title=f"Fairness audit record {record['audit_id']}", author="fairness-audit",
        subject=f"Record sha256 {sha}", creator="fairness-audit",
    )
    doc = Doc(record, pdf.width)
    _summary(doc, None if signature is None else _integrity(sha, signature))
    for section in (context_section, _charts, group_tables_section,
                    score_metrics_section, disparities_section, adverse_impact_section,
                    tests_section, aggregates_section, explanations_section, whatif_section,
                    definitions_section, provenance_section, _review, approvals_section,
                    checklist_sections):
        section(doc)
    pdf.build(doc.story, canvasmaker=canvas_class(sha, str(record["audit_id"]),
                                                   str(record.get("created_at", ""))))
    return buffer.getvalue()
