"""The Upload page's advanced options: a reference group per attribute, bootstrap samples,
the fewest people a rate must rest on, the confidence level, and NYC Local Law 144's
settings.

They sit in a closed expander whose widgets are drawn only once it is opened
(`widgets.details`): drawn closed, they were 0.2 s of every visit to the page in Chromium
(benchmarks/bench_session.py). Each widget keeps its value while the box is closed or the
page left (``persist_state="session"``); closed, `kept` reads that value, or the widget's
default. A run made elsewhere (a reference group or the fewest people changed on the
Fairness page) is the one these options describe from then on: `forget_changed` drops the
kept values it supersedes, so the page offers the run's own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import streamlit as st

from audit import DEFAULT_UNKNOWN_VALUES, UNDER_2_PERCENT_JUSTIFICATION, AuditInputError
from audit.inputs import AuditInput, AuditSpec, ll144_roles
from pages._ui import cache, widgets

T = TypeVar("T")
CONFIDENCE_LEVELS = [0.90, 0.95, 0.99]
REFERENCE_KEY = "role_reference::"
# the options another page can change: a run made there supersedes what was kept here
CHANGED_ELSEWHERE = (REFERENCE_KEY, "opt_min_denominator")


def kept(drawn: bool, key: str, default: T, draw: Callable[[], T]) -> T:
    """``draw()`` (the widget keyed ``key``) when its box is open, else the value it was
    left at, or ``default`` when it was never changed."""
    if drawn:
        return draw()
    return st.session_state.get(key, default)  # type: ignore[no-any-return]


def forget_changed() -> None:
    """Drop the kept values of the options a new run may have changed elsewhere."""
    state = st.session_state
    for key in [k for k in state if str(k).startswith(CHANGED_ELSEWHERE)]:
        del state[key]


def advanced_step(sensitive: Sequence[str], bands: Mapping[str, Sequence[str]],
                  source_of: Callable[[str], AuditInput],
                  prior: AuditSpec | None) -> dict[str, object]:
    """The advanced options as `AuditSpec` keywords (``reference``, ``bootstrap``, ...)."""
    box = widgets.details("Advanced options", key="details_advanced", icon=":material/tune:")
    drawn = box is not None
    with box if box is not None else contextlib.nullcontext():
        references = {}
        for attribute in sensitive:
            chosen = widgets.pick(
                f"Reference group for {attribute}",
                list(bands.get(attribute) or cache.values(source_of(attribute), attribute)),
                prior.reference.get(attribute) if prior else None,
                key=f"{REFERENCE_KEY}{attribute}", drawn=drawn, none="the largest group",
                help="The ratio chart and the differences compare with it; the "
                "adverse-impact table always compares with the highest-rate group, as the "
                "four-fifths rule asks.")
            if chosen is not None:
                references[attribute] = chosen
        a, b, c = st.columns(3) if drawn else (None, None, None)
        default = prior.bootstrap if prior else 1000
        bootstrap = kept(drawn, "opt_bootstrap", default, lambda: a.number_input(
            "Bootstrap samples (aggregates)", min_value=0, max_value=10_000, step=100,
            value=default, key="opt_bootstrap", persist_state="session"))
        fewest = prior.min_denominator if prior else 10
        min_denominator = kept(drawn, "opt_min_denominator", fewest, lambda: b.number_input(
            "Fewest people a rate must rest on", min_value=1, step=1, value=fewest,
            key="opt_min_denominator", persist_state="session",
            help="Below it a group is too few to judge that rate (selection rate: everyone; "
            "true positive rate: people with a favorable label)."))
        level = (prior.confidence if prior and prior.confidence in CONFIDENCE_LEVELS
                 else 0.95)
        confidence = kept(drawn, "opt_confidence", level, lambda: c.selectbox(
            "Confidence level", CONFIDENCE_LEVELS, key="opt_confidence",
            format_func="{:.0%}".format, index=CONFIDENCE_LEVELS.index(level),
            persist_state="session"))
        return {"reference": references, "bootstrap": int(bootstrap),
                "min_denominator": int(min_denominator), "confidence": float(confidence),
                **ll144_options(sensitive, prior, drawn=drawn)}


def ll144_options(sensitive: Sequence[str], prior: AuditSpec | None, *,
                  drawn: bool) -> dict[str, object]:
    """NYC Local Law 144's options: the "unknown" wordings, the sex and race/ethnicity
    columns (guessed by name, to confirm) and the justification for leaving categories
    under 2% out of impact ratios."""
    default = "\n".join(prior.unknown_values if prior else DEFAULT_UNKNOWN_VALUES)
    wordings = kept(drawn, "opt_unknown_values", default, lambda: st.text_area(
        "Values that mean \"unknown\" (one per line)", default, key="opt_unknown_values",
        persist_state="session", help="Such categories are counted and reported, and left "
        "out of impact ratios and criteria. Upper and lower case are the same."))
    try:
        guess = ll144_roles(sensitive=sensitive)
    except AuditInputError:  # cannot happen without given columns; kept for safety
        guess = (None, None)
    given = (prior.sex_column, prior.race_column) if prior else (None, None)
    roles = []
    places = st.columns(2) if drawn else (contextlib.nullcontext(),) * 2
    for place, role, key, chosen, guessed in zip(
            places, ("sex", "race/ethnicity"), ("opt_sex_column", "opt_race_column"),
            given, guess, strict=True):
        with place:
            roles.append(widgets.pick(
                f"Column holding {role} (NYC LL144 tables)", list(sensitive),
                chosen if chosen in sensitive else guessed, key=key, none="none",
                drawn=drawn))
    reason = prior.under_2_percent_justification if prior else UNDER_2_PERCENT_JUSTIFICATION
    justification = kept(drawn, "opt_justification", reason, lambda: st.text_area(
        "Why categories under 2% of the data are left out of impact ratios", reason,
        key="opt_justification", persist_state="session",
        help="Carried by the record, as NYC Local Law 144 asks."))
    return {"unknown_values": tuple(v.strip() for v in wordings.splitlines() if v.strip()),
            "sex_column": roles[0] or "", "race_column": roles[1] or "",
            "under_2_percent_justification": justification.strip()}
