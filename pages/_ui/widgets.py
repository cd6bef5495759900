"""Rendering helpers shared by the pages. They format and show; they never compute."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from audit import (
    JUDGEMENT_WORDS,
    outcome_label,
    verdict_detail,
    verdict_label,
)
from audit.engine import AdverseImpactTable, AuditResult, AuditRun, SourceRun
from audit.inputs import INTERSECTION_SEP, AuditInput, Provenance
from audit.sources import needs_rows_note
from audit.views import (
    BASIS_LABELS,
    GLOSSARY,
    adverse_impact_frame,
    blank_figure,
    chart_metrics,
    impact_band,
    intersection_heatmap,
    intersection_parts,
    metric_label,
    reference_words,
    tests_frame,
    verdict_frame,
    verdict_lines,
)

if TYPE_CHECKING:
    from plotly.graph_objects import Figure
    from streamlit.delta_generator import DeltaGenerator

_MARKDOWN = re.compile(r"([\\`*_\[\]$~])")
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*):(?=/)")  # http://, file:/...: no autolink
_WWW = re.compile(r"(?i)\b(www)\.")
_SHORTCODE = re.compile(r":(?=[\w+\-/]+:)")  # :rocket:, :material/home:
_JOIN = "\u2060"  # WORD JOINER: invisible, and no link or emoji code runs across it
SHA_SHOWN = 12
T = TypeVar("T")


NO_RUN = ("No audit has been run yet. Upload a dataset and the model's predictions on the "
          "Upload page, or try the sample data from the Home page.")


def require_rows(run: AuditRun | SourceRun, what: str, *, plural: bool = False) -> AuditRun:
    """``run`` when its rows are in memory; for an audit counted out of core, say why the
    page cannot run and stop it here."""
    if isinstance(run, SourceRun):
        st.info(plain(needs_rows_note([p.name for _, p in run.inputs], what, plural=plural)),
                icon=":material/storage:")
        nav_link("pages/screens/fairness.py", "Read the disparities", ":material/bar_chart:")
        st.stop()
    return run


def require_run() -> AuditRun:
    """The session's audit; without one, say how to get one and stop the page here."""
    run = st.session_state["run"]
    if run is None:
        st.info(NO_RUN)
        nav_link("pages/screens/upload.py", "Upload your files", ":material/upload_file:")
        nav_link("pages/screens/home.py", "Home: try it with sample data", ":material/home:")
        st.stop()
    return run


def plain(text: str) -> str:
    """Text from a file (names, values, messages) made safe for Streamlit markdown: shown
    as written, never as formatting, a link (``http://``, ``www.``, an e-mail address) or an
    emoji or icon code (``:rocket:``)."""
    text = _MARKDOWN.sub(r"\\\1", text)
    # Streamlit links and decorates the rendered text, whatever the escapes: an invisible
    # word joiner (U+2060) breaks the patterns it looks for, and the text reads the same
    text = _SCHEME.sub(rf"\1{_JOIN}:", text)
    text = _WWW.sub(rf"\1{_JOIN}.", text)
    text = _SHORTCODE.sub(f":{_JOIN}", text)
    return text.replace("@", f"{_JOIN}@")


def error(err: Exception | str) -> None:
    """An error message, shown as plain text: it may quote names and values from a file."""
    st.error(plain(str(err)))


def nav_link(page: str, label: str, icon: str) -> None:
    """A link to another page of the app (``page`` relative to app.py).

    When a page is opened on its own (``AppTest.from_file("pages/...")``) the other pages
    are unknown to Streamlit; the link then becomes a hint to use the sidebar.
    """
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        st.caption(f"{label}: see the sidebar.")


def describe(provenance: Provenance) -> str:
    """``6,000 rows × 12 columns · sha256 1a2b3c4d5e6f · utf-8, ','``."""
    return (f"{provenance.rows:,} rows × {len(provenance.columns)} columns · sha256 "
            f"{provenance.sha256[:SHA_SHOWN]} · {provenance.encoding}, "
            f"separator {provenance.delimiter!r}")


def preview(source: AuditInput, *, role: str, rows: int = 10) -> None:
    st.markdown(f"**{role}: {plain(source.provenance.name)}**")
    st.caption(describe(source.provenance))
    st.dataframe(source.frame.head(rows), hide_index=True)


def inputs_caption(run: AuditRun) -> None:
    files = " and ".join(f"{role} {plain(p.name)} ({describe(p)})" for role, p in run.inputs)
    result = run.result
    st.caption(f"Audited {result.rows:,} rows from {files}. Favorable outcome: "
               f"{plain(outcome_label(result.favorable, result.outcome_meaning))}. "
               f"{result.spec.confidence:.0%} intervals; a rate "
               f"is judged when it rests on at least {result.spec.min_denominator:,} people. "
               f"Judgement: {JUDGEMENT_WORDS[result.spec.judgement]}.")


STATUS_ICONS = {"fail": ":red[:material/cancel:]", "pass": ":green[:material/check_circle:]",
                "inconclusive": ":orange[:material/help:]",
                "not_judged": ":gray[:material/remove:]"}


def findings_summary(result: AuditResult) -> None:
    """The verdict, then one short line per attribute and criterion (outcome, number,
    interval); the terms in a popover; each finding in full and the tests behind them in
    expanders."""
    verdict = result.verdict
    text = (f"**Overall: {verdict_label(verdict)}.** "
            f"{verdict_detail(verdict, [f.status for f in result.findings])}")
    show = {"fail": (st.error, ":material/cancel:"), "pass": (st.success, ":material/check:"),
            "inconclusive": (st.warning, ":material/help:"),
            "not_judged": (st.info, ":material/remove:")}
    element, icon = show.get(verdict, (st.warning, ":material/help:"))
    element(text, icon=icon)
    with st.popover("What the words mean", icon=":material/menu_book:"):
        st.markdown("\n\n".join(f"**{term}**: {meaning}" for term, meaning in GLOSSARY.items()))
    st.markdown("  \n".join(f"{STATUS_ICONS.get(line.status, '')} {plain(line.text)}"
                            for line in verdict_lines(result)))
    if (box := details("Each finding in full", key="details_findings")) is not None:
        with box:
            st.dataframe(verdict_frame(result), hide_index=True)
            for finding in result.findings:
                element, icon = show[finding.status]
                element(plain(finding.message), icon=icon)
    if (box := details("Statistical detail: the tests and their adjusted p-values",
                       key="details_tests")) is not None:
        with box:
            st.dataframe(tests_frame(result), hide_index=True)
            st.caption(GLOSSARY["Adjusted p"])


def details(label: str, *, key: str, icon: str | None = None) -> DeltaGenerator | None:
    """A closed expander whose contents are made only once it is opened: the container
    to fill when it is open, else None (``if (box := details(...)) is not None: with box``).

    Opening it reruns the page. Closed, its contents are neither computed nor sent: the
    browser drew every element of a closed expander too (data grids, a dozen findings),
    most of a switch to the Fairness page (benchmarks/bench_session.py).
    """
    box = st.expander(label, key=key, icon=icon, on_change="rerun")
    return box if box.open else None


def warnings_box(run: AuditRun) -> None:
    if run.warnings and (box := details(f"Warnings ({len(run.warnings)})",
                                        key="details_warnings")) is not None:
        with box:
            for warning in run.warnings:
                st.warning(plain(warning))


def chart(figure: Figure, *, key: str, **kwargs: Any) -> None:
    """A plotly chart as drawn (`audit.views` gives it a plain white template), not in
    Streamlit's theme, and without plotly's toolbar (zoom, pan, save as PNG; the hover
    values stay). Measured in Chromium (benchmarks/bench_session.py): the browser merged
    that theme into every figure on each draw (about 1 s of a switch to or from the Fairness
    page), and the first switch away from the page's three toolbars took 2–4 s."""
    st.plotly_chart(figure, key=key, theme=None, config={"displayModeBar": False}, **kwargs)


def load_charts() -> None:
    """Draw `blank_figure` at the foot of the sidebar, once per browser session, so that the
    browser loads its plotly code (4.7 MB) while the board maps the columns. Measured in
    Chromium (benchmarks/bench_session.py): compiling it took 1.5-2 s on a 2-core machine,
    which fell between Run audit and the Fairness page's charts when no chart came before."""
    if st.session_state["charts_loaded"]:
        return
    st.session_state["charts_loaded"] = True
    with st.sidebar:
        chart(blank_figure(), key="charts_loader")


def heatmap_section(result: AuditResult) -> None:
    """The intersection as a grid; with three or more attributes, the others are fixed."""
    attribute = next((a for a in result.attributes if INTERSECTION_SEP in a), None)
    if attribute is None:
        st.info("Choose two or more sensitive attributes to see their intersection.")
        return
    parts = intersection_parts(attribute)
    left, middle, right = st.columns(3)
    with left:
        rows = pick("Rows", parts, parts[min(1, len(parts) - 1)], key="heatmap_rows") or parts[0]
    with middle:
        others = [p for p in parts if p != rows]
        columns = pick("Columns", others, others[0], key="heatmap_columns") or others[0]
    metric = right.selectbox("Colour by", chart_metrics(result), format_func=metric_label,
                             key="heatmap_metric")
    fixed: dict[str, str] = {}
    for other in (p for p in parts if p not in (rows, columns)):
        values = sorted({g.group.split(INTERSECTION_SEP)[parts.index(other)]
                         for g in result.groups_of(attribute)})
        fixed[other] = pick(f"Show only {other} =", values, values[0],
                            key=f"heatmap_fixed::{other}") or values[0]
    chart(intersection_heatmap(result, attribute, metric, rows=rows, columns=columns,
                               fixed=fixed), key="chart_heatmap")


def _impact_table(result: AuditResult, table: AdverseImpactTable) -> None:
    minimum, _ = impact_band(result)
    frame = adverse_impact_frame(table, confidence=result.spec.confidence, impact_ratio=minimum)
    detail = ["category", "adjusted p", "smallest detectable gap"]
    st.dataframe(frame.drop(columns=detail[1:], errors="ignore"), hide_index=True)
    if (box := details("Statistical detail: adjusted p-values per category",
                       key=f"details_impact::{table.attribute}::{table.basis}")) is not None:
        box.dataframe(frame[[c for c in detail if c in frame.columns]], hide_index=True)
    rate = BASIS_LABELS[table.basis].lower()
    cut = (f" Scoring rate = the share scoring above {table.median_score:.4g}, the median "
           "score of the whole sample." if table.median_score is not None else "")
    unknown = (f" Rows with an unknown category ({plain(', '.join(table.unknown_categories))}): "
               f"{table.unknown_count:,}, left out of the ratios."
               if table.unknown_categories else " No rows with an unknown category.")
    under = next((r.justification for r in table.rows if r.under_2_percent), "")
    st.caption(f"Impact ratio = {rate} / the highest {rate} ({plain(table.highest_category)}) "
               f"among categories with at least 2% of the data.{cut}{unknown}"
               + (f" Under 2%: {plain(under)}" if under else ""))


def adverse_impact_section(result: AuditResult, attribute: str) -> None:
    """The attribute's selection-rate table and, with a score, its scoring-rate table, with
    the group each compares with next to them (`audit.views.reference_words`)."""
    note = reference_words(result, attribute)
    if note:
        st.info(plain(note), icon=":material/compare_arrows:")
    for basis in ("selection_rate", "scoring_rate"):
        table = result.impact_table(attribute, basis)
        if table is not None:
            st.markdown(f"**{BASIS_LABELS[basis]}s**")
            _impact_table(result, table)


def ll144_section(result: AuditResult) -> None:
    """NYC Local Law 144's sex × race/ethnicity tables when that intersection is not one of
    the audited attributes (it is shown with the others when it is)."""
    tables = [t for t in result.adverse_impact if t.ll144_only]
    if not tables:
        return
    st.subheader(f"NYC Local Law 144: {plain(tables[0].attribute)}")
    for table in tables:
        st.markdown(f"**{BASIS_LABELS[table.basis]}s**")
        _impact_table(result, table)


def pick(label: str, options: Sequence[T], default: T | None, *, key: str,
         none: str | None = None, help: str | None = None,  # noqa: A002
         drawn: bool | None = None) -> T | None:
    """A selectbox that starts at ``default`` and resets when its value is no longer offered.

    The value is driven through session state (not ``index``), so that a reset reaches the
    browser too. With ``none``, the box may be left empty (``None``), shown as that text.
    With ``drawn`` (a box of `details`, open or not), the value is kept while the box is
    closed or the page left, and ``drawn=False`` returns it without drawing the widget.
    """
    valid = [*options, None] if none is not None else options
    if st.session_state.get(key, ...) not in valid:
        st.session_state[key] = default if default in options else None
    if drawn is False:
        return st.session_state[key]  # type: ignore[no-any-return]
    # index=None makes an optional box clearable; the value itself comes from session state
    return st.selectbox(label, options, key=key, help=help, placeholder=none or "Choose one",
                        index=None if none is not None else 0,
                        persist_state=None if drawn is None else "session")


def pick_many(label: str, options: Sequence[T], default: Sequence[T], *, key: str,
              help: str | None = None) -> list[T]:  # noqa: A002 - Streamlit's name
    """A multiselect that starts at ``default`` and resets when a value is no longer offered."""
    current = st.session_state.get(key)
    if current is None or any(v not in options for v in current):
        st.session_state[key] = [v for v in default if v in options]
    return st.multiselect(label, options, key=key, help=help)
