"""The What-if page's layer: the analysis computed once, the sliders, and what the record holds.

The analysis (`audit.whatif.whatif`: options, trade-off curves, every option audited again)
takes seconds, and fairlearn's randomised options take minutes on a million rows. It is
computed once per (inputs' sha256 and columns, spec, id column, attribute, tolerance, cost
ratio, randomised or not) and kept in ``st.cache_resource``, so a rerun, or another session
analysing the same bytes the same way, gets the same frozen report. A progress bar must not
be drawn inside a cached function (Streamlit would replay it on every hit), so the cache
holds a `_Slot` per key, which the first session fills under the slot's lock while it
draws the progress; any other session waits and reads the same report. Cut-offs set with
the sliders are audited once per set of cut-offs (`apply_thresholds`).

Session state (created in `pages._ui.state`): ``whatif`` holds the `Considered` analysis of
the session's run (the report the board looked at and the option it chose, if any), which
the record built on the Review page includes; ``whatif_loaded`` remembers which option or
trade-off point was loaded into the sliders, so that the cut-offs keep its name.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import streamlit as st

from audit import verdict_label
from audit.engine import AuditRun
from audit.inputs import AuditSpec
from audit.views import (
    BY_HAND,
    criteria_before_after_frame,
    cut_offs_text,
    evaluation_text,
    objective,
    point_target,
    rates_before_after_frame,
    slider_range,
)
from audit.whatif import (
    LAWFULNESS_NOTE,
    UploadedCutOff,
    WhatIfOption,
    WhatIfReport,
    apply_thresholds,
    option_name,
    randomization_words,
    uploaded_cut_off,
    whatif,
    words,
)
from pages._ui import cache, widgets
from pages._ui.actions import SAMPLE_DIR, ask_to_replace, confirm_replace, store_run
from pages._ui.explain import run_key
from pages._ui.widgets import plain

CONSIDERED, LOADED = "whatif", "whatif_loaded"
VIEW, CHART, MANUAL = "whatif_view", "whatif_tradeoff", "manual"
MAX_ENTRIES = 8
RANDOMIZED_ROWS = 20_000  # fairlearn's options are on by default up to this many rows (a few s)
HIRING = SAMPLE_DIR / "hiring.csv"
HIRING_ID = "candidate_id"
NEEDS_SCORE = ("The what-if analysis moves a cut-off along the model's **score** (its "
               "probability or rating for each person), so it needs a score column.")


def hiring_spec() -> AuditSpec:
    """The mapping of the hiring sample, which has a score (see sample_data/README.md)."""
    return AuditSpec(label="qualified", prediction="shortlisted", score="score",
                     sensitive=("gender", "age_band", "ethnicity"), favorable="1",
                     reference={"age_band": "under 40"})


def load_hiring_sample() -> None:
    dataset = cache.read_bundled(str(HIRING))
    spec = hiring_spec()
    run = cache.run_audit(dataset=dataset, predictions=None, spec=spec, id_column=HIRING_ID)
    store_run(run, dataset=dataset, predictions=None, spec=spec, id_column=HIRING_ID)


def needs_score(run: AuditRun | None) -> None:
    """Say what the page needs and how to get it; then stop the page."""
    st.info(NEEDS_SCORE + " " + (widgets.NO_RUN if run is None else plain(
        words.NO_SCORE.format(favorable=run.result.favorable))))
    widgets.nav_link("pages/screens/upload.py", "Upload: choose the model score column",
                     ":material/upload_file:")
    if (st.button("Audit the hiring sample (it has a score column)", key="whatif_sample")
            and not ask_to_replace("hiring")) or confirm_replace("The hiring sample",
                                                                 key="hiring"):
        with st.spinner("Auditing the hiring sample…"):
            load_hiring_sample()
        st.rerun()
    st.stop()


@dataclass(frozen=True)
class Settings:
    """What the analysis is asked for on the page."""

    attribute: str
    tolerance: float
    cost_ratio: float
    randomized: bool


def settings(run: AuditRun) -> Settings:
    """The attribute (first with a failing criterion), tolerance, cost ratio, randomised."""
    result = run.result
    failing = [f.attribute for f in result.findings if f.status == "fail"]
    attributes = result.spec.attributes
    left, middle, right, last = st.columns([2, 1, 1, 2])
    with left:
        attribute = widgets.pick("Cut-offs per group of", attributes,
                                 failing[0] if failing else attributes[0],
                                 key="whatif_attribute") or attributes[0]
    tolerance = middle.number_input(
        "Tolerance", min_value=0.0, max_value=1.0, value=0.02, step=0.01, format="%.3f",
        key="whatif_tolerance", persist_state="session",
        help="The largest gap between the groups' rates a parity option may leave.")
    cost_ratio = right.number_input(
        "Cost ratio", min_value=0.01, max_value=1000.0, value=1.0, step=0.5,
        key="whatif_cost_ratio", persist_state="session",
        help="A false positive costs this many false negatives. 1: maximise accuracy.")
    randomized = last.toggle(
        "Also fairlearn's randomised options", value=result.rows <= RANDOMIZED_ROWS,
        key="whatif_randomized", persist_state="session",
        help="fairlearn's ThresholdOptimizer: some people are decided by chance. It takes "
             "minutes on a million rows.")
    return Settings(attribute, float(tolerance), float(cost_ratio), bool(randomized))


class _Slot:
    """One analysis, filled once under its lock (see the module's docstring)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.report: WhatIfReport | None = None


@st.cache_resource(max_entries=MAX_ENTRIES, ttl=cache.TTL, show_spinner=False)
def _slot(inputs_key: str, spec_json: str, id_column: str | None, attribute: str,
          tolerance: float, cost_ratio: float, randomized: bool) -> _Slot:
    return _Slot()


def _keys(run: AuditRun) -> tuple[str, str, str | None]:
    return run_key(run), cache.spec_key(run.result.spec), run.id_column


def report_for(run: AuditRun, chosen: Settings) -> WhatIfReport:
    """`audit.whatif.whatif` for ``run``, computed once per key, with a progress bar.

    Raises `AuditInputError` (nothing is kept) when the scores cannot be used.
    """
    slot = _slot(*_keys(run), chosen.attribute, chosen.tolerance, chosen.cost_ratio,
                 chosen.randomized)
    with slot.lock:
        if slot.report is None:
            bar = st.progress(0.0, text=words.PROGRESS_SEARCH.format(attribute=chosen.attribute))
            try:
                slot.report = whatif(
                    run.data, run.result.spec, attribute=chosen.attribute,
                    tolerance=chosen.tolerance, cost_ratio=chosen.cost_ratio,
                    randomized=chosen.randomized, before=run.result,
                    progress=lambda done, step: bar.progress(done, text=step))
            finally:
                bar.empty()
    return slot.report


@st.cache_resource(max_entries=MAX_ENTRIES, ttl=cache.TTL, show_spinner=False)
def _uploaded(inputs_key: str, spec_json: str, id_column: str | None, *,
              _run: AuditRun) -> UploadedCutOff:
    return uploaded_cut_off(_run.data)


def uploaded(run: AuditRun) -> UploadedCutOff:
    """The single cut-off that best reproduces the uploaded decisions (once per run)."""
    return _uploaded(*_keys(run), _run=run)


@st.cache_resource(max_entries=64, ttl=cache.TTL, show_spinner="Auditing these cut-offs…")
def _manual(inputs_key: str, spec_json: str, id_column: str | None, attribute: str,
            thresholds_json: str, cost_ratio: float, name: str | None, *,
            _run: AuditRun) -> WhatIfOption:
    return apply_thresholds(_run.data, _run.result.spec, thresholds=json.loads(thresholds_json),
                            attribute=attribute, cost_ratio=cost_ratio, name=name)


def _slider_key(attribute: str, group: str | None = None) -> str:
    return f"whatif_cut::{attribute}" + ("" if group is None else f"::{group}")


def _per_group_key(attribute: str) -> str:
    return f"whatif_per_group::{attribute}"


def _start(key: str, value: float, low: float, high: float) -> None:
    """Give a slider its first value, or a fresh one when the old is off this data's scale."""
    current = st.session_state.get(key)
    if not isinstance(current, float) or not low <= current <= high:
        st.session_state[key] = value


def _to_sliders() -> None:
    st.session_state[VIEW] = MANUAL


def cut_off_sliders(report: WhatIfReport, start: float) -> float | dict[str, float]:
    """One slider for everyone or, when asked for, one per group (with the lawfulness note)."""
    attribute, span = report.attribute, slider_range(report)
    key = _slider_key(attribute)
    _start(key, start, span.low, span.high)
    common = dict(min_value=span.low, max_value=span.high, step=span.step, format=span.format,
                  persist_state="session", on_change=_to_sliders)
    everyone = st.slider(plain(words.everyone_slider(report.favorable, _meaning(report))),
                         key=key, **common)
    st.session_state.setdefault(_per_group_key(attribute), False)
    if not st.toggle("Set a cut-off for each group", key=_per_group_key(attribute),
                     persist_state="session", on_change=_to_sliders):
        return float(everyone)
    st.warning(plain(LAWFULNESS_NOTE.format(attribute=attribute)), icon=":material/gavel:")
    cut_offs = {}
    columns = st.columns(min(3, len(report.plan.sweep.labels)))
    for i, group in enumerate(report.plan.sweep.labels):
        group_key = _slider_key(attribute, group)
        _start(group_key, float(everyone), span.low, span.high)
        cut_offs[group] = float(columns[i % len(columns)].slider(
            plain(group), key=group_key, **common))
    return cut_offs


def manual_option(run: AuditRun, report: WhatIfReport,
                  thresholds: float | Mapping[str, float], cost_ratio: float) -> WhatIfOption:
    """The engine's audit of the slider cut-offs; named after what was loaded into them."""
    groups = report.plan.sweep.labels
    cut_offs = (dict(thresholds) if isinstance(thresholds, Mapping)
                else dict.fromkeys(groups, float(thresholds)))
    loaded = st.session_state.get(LOADED)
    name = (loaded[2] if loaded and loaded[0] == report.attribute and loaded[1] == cut_offs
            else None)
    return _manual(*_keys(run), report.attribute, json.dumps(cut_offs, sort_keys=True),
                   cost_ratio, name, _run=run)


def _load(attribute: str, cut_offs: Mapping[str, float], name: str | None) -> None:
    """Put an option's or a trade-off point's cut-offs into the sliders (a callback)."""
    state = st.session_state
    values = set(cut_offs.values())
    state[_per_group_key(attribute)] = len(values) > 1
    if len(values) == 1:
        state[_slider_key(attribute)] = next(iter(values))
    for group, value in cut_offs.items():
        state[_slider_key(attribute, group)] = value
    state[LOADED] = (attribute, dict(cut_offs), name)
    state[VIEW] = MANUAL


def _show(option_id: str) -> None:
    st.session_state[VIEW] = option_id


def in_view(report: WhatIfReport, manual: WhatIfOption) -> WhatIfOption:
    """The option shown before and after: the sliders' cut-offs or one of the options."""
    options = {MANUAL: manual, **{o.id: o for o in report.options}}
    if st.session_state.get(VIEW) not in options:
        st.session_state[VIEW] = MANUAL
    picked = st.selectbox("Shown before and after", list(options), key=VIEW,
                          format_func=lambda i: f"{BY_HAND}: {manual.name}" if i == MANUAL
                          else options[i].name)
    return options[picked]


def _meaning(report: WhatIfReport) -> str:
    """What the favorable outcome means (``approved``), or ``""``."""
    return report.before.audit.outcome_meaning


def how_it_decides(option: WhatIfOption, report: WhatIfReport) -> str:
    choice = option.choice
    if choice.randomized:
        return randomization_words(choice, report.favorable, _meaning(report))
    return words.cut_offs_rule(cut_offs_text(choice.cut_offs), _meaning(report))


def before_after(report: WhatIfReport, option: WhatIfOption) -> None:
    """The uploaded decisions' audit next to the option's: verdict, objective, criteria, rates."""
    before, goal = report.before, objective(report)
    st.markdown(f"**{plain(option.name)}.** {plain(how_it_decides(option, report))}")
    if option.choice.lawfulness:
        st.warning(plain(option.choice.lawfulness), icon=":material/gavel:")
    st.markdown(f"**Overall verdict:** {verdict_label(before.audit.verdict)} before → "
                f"**{verdict_label(option.audit.verdict)}** after  \n**{goal.capitalize()}:** "
                f"{evaluation_text(before.evaluation, goal)} before → "
                f"{evaluation_text(option.choice.evaluation, goal)} after")
    st.table(criteria_before_after_frame(before.audit, option.audit).set_index("criterion"))
    if option.criteria_note:
        st.caption(plain(option.criteria_note))
    with st.expander(f"Rates per group of {plain(report.attribute)}, before and after"):
        st.dataframe(rates_before_after_frame(before.audit, option.audit, report.attribute),
                     hide_index=True)


def option_cards(report: WhatIfReport) -> None:
    """Every named option: how it decides, how well, the notes, and what can be done with it."""
    goal, attribute = objective(report), report.attribute
    columns = st.columns(2)
    for i, option in enumerate(report.options):
        choice = option.choice
        with columns[i % 2].container(border=True, key=f"whatif_card_{i}"):
            st.markdown(f"**{plain(option.name)}**")
            st.caption(f"{evaluation_text(choice.evaluation, goal)} · verdict after: "
                       f"{verdict_label(option.audit.verdict)}")
            text = how_it_decides(option, report)
            (st.info if choice.randomized else st.markdown)(plain(text))
            if choice.lawfulness:
                st.warning(plain(choice.lawfulness), icon=":material/gavel:")
            for note in choice.notes:
                st.caption(plain(note))
            left, right = st.columns(2)
            left.button("Before and after", key=f"whatif_show::{option.id}", on_click=_show,
                        args=(option.id,))
            if not choice.randomized:
                right.button("Load into the sliders", key=f"whatif_load::{option.id}",
                             on_click=_load, args=(attribute, dict(choice.cut_offs), option.name))
    for skipped in report.skipped:
        st.caption(plain(skipped.reason))


def _picked(report: WhatIfReport) -> None:
    """A click on the trade-off chart: show that option, or load that point's cut-offs."""
    points = st.session_state[CHART].selection.points
    target = point_target(points[0]) if points else None
    if target is None:
        return
    if target.kind == "option":
        _show(target.option_id or MANUAL)
    elif target.kind == "manual":
        _show(MANUAL)
    elif target.kind == "point":
        curve = next(c for c in report.tradeoffs if c.strategy == target.strategy)
        point = next(p for p in curve.points if p.tolerance == target.tolerance)
        _load(report.attribute, point.cut_offs, option_name(
            curve.strategy, tolerance=point.tolerance, cost_ratio=report.plan.cost_ratio))


def on_point(report: WhatIfReport) -> Any:
    """The trade-off chart's ``on_select`` callback for ``report``."""
    return partial(_picked, report)


# --- what the record holds ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Considered:
    """The what-if analysis of ``run`` the board looked at, and the option it chose."""

    run: AuditRun
    report: WhatIfReport
    chosen: WhatIfOption | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record's ``whatif``: every option (the chosen one included) and its id."""
        if self.chosen is None:
            return self.report.to_dict()
        report = self.report if self.chosen.id != MANUAL else self.report.with_option(
            self.chosen)
        return report.to_dict(chosen=self.chosen.id)


def considered(run: AuditRun) -> Considered | None:
    kept = st.session_state.get(CONSIDERED)
    return kept if kept is not None and kept.run is run else None


def remember(run: AuditRun, report: WhatIfReport) -> None:
    """Keep ``report`` as the analysis considered, unless an option of another was chosen."""
    kept = considered(run)
    if kept is None or kept.chosen is None:
        st.session_state[CONSIDERED] = Considered(run, report)


def _choose(run: AuditRun, report: WhatIfReport, option: WhatIfOption | None) -> None:
    st.session_state[CONSIDERED] = Considered(run, report, option)


def record_section(run: AuditRun, report: WhatIfReport, option: WhatIfOption) -> None:
    """Choose the option in view for the record, or clear the choice; say what is chosen."""
    left, right = st.columns(2)
    left.button("Choose this option for the record", key="whatif_choose", type="primary",
                on_click=_choose, args=(run, report, option))
    kept = considered(run)
    if kept is not None and kept.chosen is not None:
        right.button("Clear the choice", key="whatif_clear", on_click=_choose,
                     args=(run, kept.report, None))
        st.success(f"Chosen for the record: **{plain(kept.chosen.name)}**. "
                   f"{plain(how_it_decides(kept.chosen, report))} The record and "
                   "its PDF (\"Options considered\") on the Review page include it.")
    else:
        st.caption("No option is chosen yet. The record still lists the options considered.")


def record_whatif(run: AuditRun) -> dict[str, Any] | None:
    """The ``whatif`` of the record of ``run`` (``None`` if the page was not used)."""
    kept = considered(run)
    return kept.to_dict() if kept is not None else None


def citation(run: AuditRun) -> None:
    """On the Review page: the what-if option the decision cites (or none); changeable."""
    kept = considered(run)
    if kept is None:
        return
    options = {o.id: o for o in kept.report.options}
    if kept.chosen is not None:
        options[kept.chosen.id] = kept.chosen
    ids = [None, *options]
    current = kept.chosen.id if kept.chosen is not None else None
    picked = st.selectbox(
        "What-if option the decision cites", ids, index=ids.index(current),
        format_func=lambda i: "none" if i is None else options[i].name, key="review_whatif")
    if picked != current:
        st.session_state[CONSIDERED] = replace(
            kept, chosen=None if picked is None else options[picked])
