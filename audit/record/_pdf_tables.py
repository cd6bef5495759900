"""The PDF's tables: per-group rates, adverse impact, aggregates, explanations,
definitions and provenance, each read from the record alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import (
    Spacer,
)

from audit._words import (
    format_estimate,
    format_number,
    format_p,
    reference_note,
)
from audit.record._pdf_doc import (
    CELL_LIMIT,
    DEFINITIONS,
    MUTED,
    SPEC_ORDER,
    STATUS,
    Doc,
    alpha_words,
    below,
    confidence_words,
    detail_note,
    detailed,
    esc,
    flags,
    hex_colour,
    methods_of,
    min_denominator,
    too_few,
)

GROUP_RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")
BASIS_WORDS = {"selection_rate": ("Selection rate", "Selected"),
               "scoring_rate": ("Scoring rate", "Above median")}


def rate_cell(estimate: Mapping[str, Any] | None, minimum: int) -> str:
    """A group's rate and interval; a rate resting on too few people says so, with the count."""
    text = format_estimate(estimate)
    if too_few(estimate, minimum):
        text += (f"<br/><font size='6.5' color='{hex_colour(MUTED)}'>too few: "
                 f"{(estimate or {})['denominator']:,}</font>")
    return text


def group_tables_section(doc: Doc) -> None:
    record = doc.record
    doc.h1(f"Group metrics with {confidence_words(record)} confidence intervals")
    references = record["summary"]["references"]
    minimum = min_denominator(record)
    methods = methods_of(g["metrics"].get(m) for g in record["groups"] for m in GROUP_RATES)
    doc.add(doc.para(
        (f"Intervals: {esc(methods)}. " if methods else "")
        + f"A rate resting on fewer than {minimum:,} people (its denominator: everyone for "
        "the selection rate, people with a favorable label for the true positive rate, "
        "people without one for the false positive rate) is marked too few and not judged.",
        "small"))
    note = detail_note(doc)
    if note is not None:
        doc.add(note)
    for attribute in detailed(record)[0]:
        rows = []
        for g in (g for g in record["groups"] if g["attribute"] == attribute):
            m = g["metrics"]
            rows.append([esc(g["group"], CELL_LIMIT), f"{g['n']:,}",
                         *(rate_cell(m.get(name), minimum) for name in GROUP_RATES),
                         flags(g, references.get(attribute) == g["group"])])
        doc.h2(esc(attribute))
        doc.add(doc.table(["Group", "n", "Selection rate", "True positive rate",
                           "False positive rate", "Notes"], rows,
                          [1.6, 0.6, 1.35, 1.35, 1.35, 0.85], numeric=(1, 2, 3, 4)))


def adverse_impact_section(doc: Doc) -> None:
    record = doc.record
    doc.h1("Adverse impact (EEOC four-fifths rule, NYC Local Law 144)")
    threshold = next((c["threshold"] for c in record["spec"]["criteria"]
                      if c["metric"] == "impact_ratio"), None)
    doc.add(doc.para(
        "Impact ratio = the category's rate ÷ the comparator's rate: the highest rate among "
        "categories with at least 2% of the data. Selection rate: the share given the "
        "favorable decision; scoring rate (with a score): the share scoring strictly above "
        "the median score of the whole sample. Categories under 2% of the data and unknown "
        "categories are reported with their numbers and rates, without a ratio. Ratios are "
        "the law's point values, with Koopman intervals; adjusted p: the category against "
        "the comparator, corrected within the attribute's test family.", "small"))
    hidden = set(detailed(record)[1])  # intersections left to the JSON
    for table in (t for t in record["adverse_impact"] if t["attribute"] not in hidden):
        basis = table.get("basis", "selection_rate")
        rate_name, counted = BASIS_WORDS[basis]
        rate_key = "scoring_rate" if basis == "scoring_rate" else "selection_rate"
        count_key = "scored_above" if basis == "scoring_rate" else "selected"
        rows = []
        for r in table["rows"]:
            ratio = r["impact_ratio"]
            judged = not (r.get("small") or r.get("under_2_percent") or r.get("unknown"))
            failing = judged and below(ratio.get("value"), threshold)
            cell = format_estimate(ratio)
            if failing:
                cell = f"<font color='{hex_colour(STATUS['fail'][1])}'><b>{cell}</b></font>"
            rows.append([esc(r["category"], CELL_LIMIT), f"{r['n']:,}",
                         f"{r.get(count_key, 0):,}", format_number(r.get(rate_key)),
                         cell,
                         "—" if r.get("share") is None else f"{r['share'] * 100:.1f}%",
                         format_p(r.get("p_adjusted")),
                         flags(r, r["category"] == table["highest_category"], "comparator")])
        title = f"{esc(table['attribute'])} — {rate_name.lower()}s"
        if table.get("ll144_only"):
            title += " (NYC LL144 sex × race/ethnicity table)"
        doc.h2(title)
        doc.add(doc.table(["Category", "People", counted, rate_name,
                           f"Impact ratio ({confidence_words(record)} CI)", "Share", "Adj. p",
                           "Flags"], rows,
                          [1.3, 0.62, 0.72, 0.7, 1.55, 0.52, 0.66, 0.9],
                          numeric=(1, 2, 3, 4, 5, 6)))
        notes = [f"Comparator: {esc(table['highest_category'])} (highest {rate_name.lower()})."]
        reference = record["summary"]["references"].get(table["attribute"])
        if basis == "selection_rate" and reference is not None:
            notes.append(esc(reference_note(
                table["attribute"], reference=reference, highest=table["highest_category"],
                chosen=table["attribute"] in (record["spec"].get("reference") or {}))))
        if table.get("median_score") is not None:
            notes.append(f"Median score of the whole sample: {table['median_score']:.4g}.")
        unknown = table.get("unknown_count", 0)
        if unknown:
            names = ", ".join(esc(c) for c in table.get("unknown_categories", []))
            notes.append(f"Unknown category: {unknown:,} people ({names}), counted here and "
                         "left out of the impact ratios.")
        else:
            notes.append("Unknown category: 0 people.")
        why = next((r.get("justification") for r in table["rows"]
                    if r.get("under_2_percent") and r.get("justification")), None)
        if why:
            notes.append(f"Under 2% of the data: {esc(why)}")
        doc.add(doc.para(" ".join(notes), "small"))


def aggregates_section(doc: Doc) -> None:
    """Per attribute: the single-number summaries, then aif360's group-vs-reference values."""
    record = doc.record
    if not record.get("aggregates"):
        return
    doc.h1("Aggregate fairness metrics")
    doc.add(doc.para(
        "These metrics are computed over all groups of the attribute, including unknown and "
        "small ones, as fairlearn/aif360 define them. The findings above judge only known "
        "groups whose rates rest on enough people, so the two can differ without "
        "contradicting each other.",
        "small"))
    conventions = dict.fromkeys((a["source"], a["convention"]) for a in record["aggregates"])
    doc.add(doc.para("Sign conventions: " + " ".join(
        f"<b>{esc(source)}</b> — {esc(text)}." for source, text in conventions), "small"))
    left_out = set(detailed(record)[1])
    for attribute in dict.fromkeys(a["attribute"] for a in record["aggregates"]
                                   if a["attribute"] not in left_out):
        items = [a for a in record["aggregates"] if a["attribute"] == attribute]
        overall = [a for a in items if not (a.get("group") and a.get("reference"))]
        paired = [a for a in items if a.get("group") and a.get("reference")]
        doc.h2(esc(attribute))
        if overall:
            doc.add(doc.table(["Metric (over all groups)",
                               f"Value ({confidence_words(record)} CI)", "Source", "Interval"], [
                [_words(a["metric"]), format_estimate(a), esc(a["source"]), _method(a)]
                for a in overall], [2.4, 1.9, 0.8, 1.9], numeric=(1,)))
        if paired:
            metrics = list(dict.fromkeys(a["metric"] for a in paired))
            pairs = list(dict.fromkeys((a["group"], a["reference"]) for a in paired))
            cells = {(a["group"], a["reference"], a["metric"]): a for a in paired}
            rows = [[f"{esc(g, CELL_LIMIT)} vs {esc(ref, CELL_LIMIT)}"] + [
                _stacked(cells.get((g, ref, m))) for m in metrics] for g, ref in pairs]
            sources = ", ".join(dict.fromkeys(esc(a["source"]) for a in paired))
            doc.add(Spacer(1, 4), doc.table(
                [f"Group vs reference ({sources})"] + [_words(m) for m in metrics], rows,
                [1.8] + [5.2 / len(metrics)] * len(metrics), numeric=range(1, len(metrics) + 1)))
            methods = "; ".join(dict.fromkeys(
                f"{_words(a['metric'])}: {esc(a['method'])}" for a in paired if a.get("method")))
            if methods:
                doc.add(doc.para(f"Intervals: {methods}.", "small"))


def _method(aggregate: Mapping[str, Any]) -> str:
    """The interval's method, and how many bootstrap replicates were undefined."""
    text = esc(aggregate.get("method") or "—")
    undefined = aggregate.get("undefined_replicates")
    if undefined:
        text += f"; {undefined:,} replicates undefined, left out"
    return text


def _words(name: str) -> str:
    return esc(name.replace("_", " ").capitalize())


def _stacked(estimate: Mapping[str, Any] | None) -> str:
    """Value on one line, its interval below in small grey type."""
    if not estimate or estimate.get("value") is None:
        return "—"
    text = format_number(estimate["value"])
    interval = format_estimate(estimate)[len(text):].strip()
    return text + (f"<br/><font size='6.5' color='{hex_colour(MUTED)}'>{interval}</font>"
                   if interval else "")


def _pair(gap: Mapping[str, Any]) -> str:
    return (f"{esc(gap['group'], CELL_LIMIT)} vs {esc(gap['reference'], CELL_LIMIT)} "
            f"({esc(gap['attribute'])})")


def _largest(gap: Mapping[str, Any], key: str, scale: float = 1.0, digits: int = 3) -> str:
    """The three largest contributions to a gap, in ``key`` times ``scale``."""
    ranked = sorted(gap["contributions"], key=lambda c: -abs(c.get(key) or 0))[:3]
    return "; ".join(f"{esc(c['feature'])} "
                     f"{format_number(None if c.get(key) is None else scale * c[key], digits)}"
                     for c in ranked)


def explanations_section(doc: Doc) -> None:
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
    doc.add(doc.para(f"SHAP values of {method}, in {esc(ex.get('output', 'model output'))} units"
                     + (f" ({'; '.join(sizes)})." if sizes else ".")))
    drawn = ex.get("drawn_sample") or {}
    if drawn.get("statement"):
        doc.add(doc.para(esc(drawn["statement"])))
    fidelity = ex.get("fidelity") or {}
    if fidelity.get("warning"):
        doc.add(doc.para(f"<b>Caution:</b> {esc(fidelity['warning'])}"))
    if fidelity:
        doc.h2("Fidelity to the uploaded predictions")
        doc.add(doc.pairs([(esc(k.replace("_", " ").capitalize()), _value(v))
                           for k, v in fidelity.items() if k != "warning"]))
    if ex.get("left_out"):
        doc.h2("Columns left out of the explanations")
        doc.add(doc.table(["Column", "Why"], [[esc(c["column"], CELL_LIMIT), esc(c["message"])]
                                               for c in ex["left_out"]], [1.6, 5.4]))
    if ex.get("global_importance"):
        doc.h2("Global importance (mean |SHAP| over the explained rows)")
        doc.add(doc.table(["Feature", "Mean |SHAP|"], [
            [esc(i["feature"], CELL_LIMIT), format_number(i["mean_abs_shap"], 4)]
            for i in ex["global_importance"][:20]], [5, 2], numeric=(1,)))
    if ex.get("by_group"):
        doc.h2("Most important features per group")
        doc.add(doc.table(["Attribute", "Group", "n", "Top features (mean |SHAP|)"], [
            [esc(g.get("attribute")), esc(g.get("group"), CELL_LIMIT), _value(g.get("n")),
             "; ".join(f"{esc(i['feature'])} {format_number(i.get('mean_abs_shap'), 3)}"
                       for i in g.get("importance", [])[:4])]
            for g in ex["by_group"]], [1.0, 1.6, 0.5, 3.9], numeric=(2,)))
    points = [g for g in ex.get("gap_attribution", []) if g.get("unexplained") is not None]
    if points:
        doc.h2("Gap attribution in percentage points of the favorable outcome")
        doc.add(doc.para("Observed: the gap in selection rate on the Fairness page (group minus "
                         "reference). Explained: the model's gap on the explained rows, split "
                         "by feature; the rest is what the model does not reproduce.", "small"))
        doc.add(doc.table(["Group vs reference", "Observed", "Explained", "Not reproduced",
                           "Largest contributions"], [
            [_pair(g), format_number(100 * g["observed_gap"], 1),
             format_number(100 * g["gap_probability"], 1),
             format_number(100 * g["unexplained"], 1), _largest(g, "probability", 100, 1)]
            for g in points], [2.0, 0.75, 0.75, 0.8, 2.7], numeric=(1, 2, 3)))
    if ex.get("gap_attribution"):
        doc.h2("Gap attribution: the difference in mean model output, split by feature")
        doc.add(doc.para("Gap = group minus reference; the contributions add up to the gap. "
                         "Direct: through the sensitive columns themselves; indirect: through "
                         "the other features.", "small"))
        doc.add(doc.table(["Group vs reference", "Gap", "Direct", "Indirect",
                           "Largest contributions"], [
            [_pair(g), format_number(g.get("gap")), format_number(g.get("direct")),
             format_number(g.get("indirect")), _largest(g, "contribution")]
            for g in ex["gap_attribution"]], [2.0, 0.65, 0.65, 0.7, 3.0], numeric=(1, 2, 3)))
    if ex.get("proxies"):
        doc.h2("Possible proxies: how well each feature predicts a sensitive attribute")
        rows = []
        for attribute in dict.fromkeys(p["attribute"] for p in ex["proxies"]):
            scores = [p for p in ex["proxies"] if p["attribute"] == attribute]
            rows += [[esc(attribute), esc(p["feature"], CELL_LIMIT), _value(p.get("score")),
                      esc(p.get("strength", ""))] for p in scores[:8]]
        doc.add(doc.table(["Attribute", "Feature", "Score (AUC)", "Strength"], rows,
                          [1.7, 2.9, 1.2, 1.2], numeric=(2,)))
        together = [f"{esc(p['attribute'])}: AUC {format_number(p.get('auc'))}"
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
    return esc(value, CELL_LIMIT)


def definitions_section(doc: Doc) -> None:
    doc.h1("What the metrics mean")
    labels = {"confidence": confidence_words(doc.record), "alpha": alpha_words(doc.record)}
    doc.add(doc.pairs([(name.format(**labels), text.format(**labels))
                       for name, text in DEFINITIONS], key_width=0.3))


def provenance_section(doc: Doc) -> None:
    record = doc.record
    spec = record["spec"]
    doc.h1("Provenance")
    doc.add(doc.table(["Role", "File", "Rows", "Columns", "sha256 of the file's bytes"], [
        [esc(i["role"]), esc(i["name"], CELL_LIMIT), f"{i['rows']:,}", f"{len(i['columns'])}",
         doc.para(esc(i["sha256"]), "mono")] for i in record["inputs"]],
        [0.75, 1.45, 0.55, 0.6, 3.65], numeric=(2, 3)))
    doc.h2("Audit specification")
    keys = [k for k in SPEC_ORDER if k in spec] + sorted(k for k in spec if k not in SPEC_ORDER)
    rows = []
    for key in keys:
        value = spec[key]
        text = _spec_value(value) if isinstance(value, list | dict) else _value(value)
        if key == "favorable" and value is None:
            text = f"not given; inferred: {esc(record['summary']['favorable'])}"
        rows.append((esc(SPEC_ORDER.get(key, key)), text))
    doc.add(doc.pairs(rows))
    doc.h2("Software")
    doc.add(doc.para(", ".join(f"{esc(k)} {esc(v)}" for k, v in record["environment"].items())))
    doc.add(doc.para(f"Record created {esc(record['created_at'])}; audit id "
                     f"{esc(record['audit_id'])}; record schema {esc(record['schema_version'])}.",
                     "small"))


def _spec_value(value: list[Any] | dict[str, Any]) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{esc(k)} = {esc(v)}" for k, v in value.items()) or "—"
    parts = []
    for item in value:
        if isinstance(item, dict) and "metric" in item:
            parts.append(f"{esc(item['metric'])} {'≥' if item.get('bound') == 'min' else '≤'} "
                         f"{esc(item['threshold'])}")
        else:
            parts.append(esc(item))
    return "; ".join(parts) or "—"


