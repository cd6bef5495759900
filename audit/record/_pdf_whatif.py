"""The PDF's "Options considered": the what-if options the board looked at, read from the
record's ``whatif`` alone (the ``whatif.json`` contract).

For each option: how it decides (its cut-offs per group, or its randomised rule in plain
words), how well (accuracy or cost, the disparities, each with its interval), the verdict
of the engine's audit of its decisions, and, next to every option that uses the sensitive
attribute, the lawfulness note. The option the board chose gets its criteria before and
after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Table, TableStyle

from audit._words import format_estimate, format_number, status_label, verdict_label
from audit.record._pdf_doc import CELL_LIMIT, Doc, confidence_words, criterion_title, esc
from audit.record._pdf_tables import _stacked as stacked

LAW = colors.HexColor("#fdf3dc")
LAW_LINE = colors.HexColor("#8a5a00")
DISPARITY_HEADS = {
    "demographic_parity_difference": "Selection rate gap",
    "equal_opportunity_difference": "TPR gap",
    "equalized_odds_difference": "Equalized odds gap",
}
NONE_CONSIDERED = ("No what-if options were considered for this audit. They are computed "
                   "from a score column, on the dashboard's What-if page or with "
                   "<i>python -m audit whatif</i>.")


def _cut_off(value: float | None) -> str:
    # imported here: the what-if stage (and scikit-learn) loads only for a record that has one
    from audit.whatif import format_cut_off

    return format_cut_off(value)


def cut_offs_line(option: Mapping[str, Any], attribute: str) -> str:
    """``female ≥ 0.4812; male ≥ 0.5377`` (escaped markup) for a fixed cut-off option."""
    cut_offs = option["thresholds"].get(attribute, {})
    values = set(cut_offs.values())
    if len(values) == 1:
        return f"everyone ≥ {_cut_off(next(iter(values)))}"
    return "; ".join(f"{esc(group, CELL_LIMIT)} ≥ {_cut_off(value)}"
                     for group, value in cut_offs.items())


def _how(option: Mapping[str, Any]) -> str:
    if option.get("randomized"):
        return "randomised (fairlearn)"
    return "fixed cut-offs" + (" (fairlearn)" if option.get("method") == "fairlearn" else "")


def _lawfulness(doc: Doc, text: str) -> Table:
    box = Table([[doc.para(f"<b>Lawfulness.</b> {esc(text)}", "cell")]],
                colWidths=[doc.width])
    box.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), LAW), ("LINEBEFORE", (0, 0), (0, -1), 3, LAW_LINE),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return box


def _summary(doc: Doc, whatif: Mapping[str, Any], goal: str) -> Table:
    level = confidence_words(doc.record)
    heads = ["Option", "Decides by", "Uses the attribute", f"{goal.capitalize()} ({level} CI)",
             *DISPARITY_HEADS.values(), "Verdict after"]
    rows = [["<b>Uploaded decisions</b>", "the decision column", "—",
             stacked(whatif["before"]["intervals"][goal]),
             *(stacked(whatif["before"]["disparities"].get(d)) for d in DISPARITY_HEADS),
             verdict_label(whatif["before"]["verdict"])]]
    for option in whatif["options"]:
        name = esc(option["name"])
        if option["id"] == whatif.get("chosen"):
            name = f"<b>{name} (chosen)</b>"
        rows.append([name, _how(option), "yes" if option["uses_attribute"] else "no",
                     stacked(option["intervals"][goal]),
                     *(stacked(option["disparities"].get(d)) for d in DISPARITY_HEADS),
                     verdict_label(option["verdict"])])
    return doc.table(heads, rows, [1.6, 0.85, 0.75, 0.95, 0.95, 0.95, 0.95, 0.65],
                     numeric=(3, 4, 5, 6))


def _option(doc: Doc, option: Mapping[str, Any], attribute: str, chosen: bool) -> None:
    title = esc(option["name"]) + (" — chosen by the board" if chosen else "")
    parts = [doc.para(title, "h2")]
    if option.get("randomized"):
        parts.append(doc.para(esc(option.get("randomization") or "")))
    else:
        parts.append(doc.para(f"<b>Cut-offs</b> (favorable when the score is at or above): "
                              f"{cut_offs_line(option, attribute)}"))
    if option.get("lawfulness"):
        parts.append(_lawfulness(doc, option["lawfulness"]))
    parts += [doc.para(esc(note), "small") for note in option.get("notes", [])]
    doc.add(KeepTogether(parts))


def _before_after(doc: Doc, before: Mapping[str, Any], option: Mapping[str, Any]) -> None:
    after = {c["id"]: c for c in option["criteria"]}
    rows = []
    for criterion in before["criteria"]:
        new = after.get(criterion["id"])
        rows.append([criterion_title(criterion["criterion"]), esc(criterion["attribute"]),
                     f"{status_label(criterion['status'])} {format_estimate(criterion)}",
                     "—" if new is None else f"{status_label(new['status'])} "
                                             f"{format_estimate(new)}"])
    doc.h2(f"Before and after: {esc(option['name'])}")
    doc.add(doc.para(f"Overall verdict: {verdict_label(before['verdict'])} with the uploaded "
                     f"decisions; {verdict_label(option['verdict'])} with this option.", "cell"))
    doc.add(doc.table(["Criterion", "Attribute", "Before (uploaded decisions)",
                       "After (this option)"], rows, [2.0, 1.6, 1.7, 1.7]))


def whatif_section(doc: Doc) -> None:
    """"Options considered": every what-if option, the lawfulness notes, the board's choice."""
    whatif = doc.record.get("whatif")
    doc.h1("Options considered")
    if not whatif:
        doc.add(doc.para(NONE_CONSIDERED))
        return
    attribute = whatif["attribute"]
    goal = "accuracy" if whatif.get("objective", "accuracy") == "accuracy" else "cost"
    cost = ("" if goal == "accuracy" else
            f" The options minimise the cost, a false positive costing "
            f"{format_number(whatif['cost_ratio'], 2)} false negatives.")
    constrained = ", ".join(esc(g, CELL_LIMIT) for g in whatif.get("constrained_groups", []))
    doc.add(doc.para(
        f"Other ways to decide from the score column <b>{esc(whatif.get('score') or '')}</b>, "
        f"with cut-offs for the groups of <b>{esc(attribute)}</b>: a person gets "
        f"<b>{esc(whatif['favorable'])}</b> when their score is at or above their group's "
        f"cut-off. Each option's decisions were audited again by the same engine.{cost} The "
        f"parity options keep the rates of {constrained or 'the judged groups'} within "
        f"{format_number(whatif['tolerance'], 3)}. Gaps are max − min over those groups."))
    chosen = next((o for o in whatif["options"] if o["id"] == whatif.get("chosen")), None)
    doc.add(doc.para(
        f"<b>Chosen by the board:</b> {esc(chosen['name'])}; the board's decision cites it."
        if chosen is not None else "<b>The board chose none of these options.</b>"))
    doc.add(_summary(doc, whatif, goal))
    for option in whatif["options"]:
        _option(doc, option, attribute, option is chosen)
    if chosen is not None:
        _before_after(doc, whatif["before"], chosen)
    for text in (*(s["reason"] for s in whatif.get("skipped", [])),
                 *whatif.get("warnings", []), *whatif.get("notes", [])):
        doc.add(doc.para(esc(text), "small"))
