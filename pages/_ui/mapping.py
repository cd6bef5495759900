"""The Upload page's mapping steps: one mapping per pair of files, the favorable outcome and
its meaning, bands for a numeric sensitive column.

- `clear_old_predictions`: a new dataset uploaded on its own drops the predictions file
  kept from before (the sample's, or an earlier upload's), and says so.
- `fresh_mapping`: when the files change, the roles, references, bands and options chosen
  for the old ones are forgotten, so the guess over *both* files fills them again; the last
  run's mapping (`prior`) is offered only while its files are the ones on the page.
- `outcome_step`: the favorable value and what it means. Codes (0/1, 1/2, true/false) are
  never pre-filled: nothing runs until the user has chosen one.
- `bands_step`: a numeric sensitive column with many values is offered quantile bands or
  typed cut points (`audit.inputs.Bins`).

Session keys: ``mapping_for`` (the files the widgets' mapping belongs to),
``cleared_predictions`` (the name of a predictions file cleared by a single upload) and,
forgotten with the mapping, ``outcome_meaning_for`` (the favorable value the meaning box
was filled for).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from audit import AuditInputError
from audit.inputs import (
    AuditInput,
    AuditSpec,
    Bins,
    band_preview,
    band_values,
    coded,
    default_meaning,
    harm_warning,
    needs_bins,
)
from audit.views import group_sizes_figure, group_sizes_words
from pages._ui import cache, widgets

MAPPING_KEYS = ("role_", "opt_", "bands_", "outcome_")
BAND_CHOICES = {"q4": "quartiles (4 bands of about equal size)",
                "q5": "quintiles (5 bands)",
                "cuts": "cut points I type",
                "none": "every value as its own group"}
CLEARED = ("**The earlier predictions file {name} was cleared.** {dataset} is audited on its "
           "own: the prediction is one of its columns. To join a predictions file, upload "
           "it next to the dataset.")


def clear_old_predictions(fresh: Mapping[str, AuditInput]) -> None:
    """A new dataset without a predictions upload clears the predictions file kept from
    before, visibly (the note stays until a predictions file is uploaded again)."""
    state = st.session_state
    new = fresh.get("dataset")
    old = state["dataset"]
    if (new is not None and "predictions" not in fresh and state["predictions"] is not None
            and (old is None or old.provenance.sha256 != new.provenance.sha256)):
        state["cleared_predictions"] = state["predictions"].provenance.name
        state["predictions"] = None
    if "predictions" in fresh:
        state["cleared_predictions"] = None
    if state["cleared_predictions"] and state["predictions"] is None and new is not None:
        st.warning(CLEARED.format(name=widgets.plain(state["cleared_predictions"]),
                                  dataset=widgets.plain(new.provenance.name)),
                   icon=":material/link_off:")


def fresh_mapping(dataset: AuditInput, predictions: AuditInput | None) -> AuditSpec | None:
    """Forget the widgets' mapping when the files changed; the last run's spec while the
    files on the page are the ones it audited, else ``None``."""
    state = st.session_state
    files = (cache.input_key(dataset), cache.input_key(predictions))
    if state["mapping_for"] != files:
        for key in [k for k in state if str(k).startswith(MAPPING_KEYS)]:
            del state[key]
        state["mapping_for"] = files
    run = state["run"]
    inputs = [("dataset", dataset.provenance)]
    if predictions is not None:
        inputs.append(("predictions", predictions.provenance))
    if run is None or state["spec"] is None or run.inputs != tuple(inputs):
        return None
    return state["spec"]


def outcome_step(values: Sequence[str], *, label: str | None, prediction: str | None,
                 default: str | None, meaning: str) -> tuple[str | None, str, bool]:
    """The favorable value, its meaning and whether the audit may run.

    Codes are never pre-filled (``default`` is dropped for them): the user must choose.
    """
    codes = bool(values) and coded(values)
    favorable = widgets.pick(
        "Favorable outcome (the good one for the person)", list(values),
        None if codes and default is None else default, key="role_favorable",
        none="choose which value is good for the person" if codes else
        "let the audit recognise it")
    state = st.session_state
    # a new favorable value gets its own meaning; so does a box Streamlit forgot on a page
    # switch (the last run's meaning, then)
    if "outcome_meaning" not in state or state.get("outcome_meaning_for", ...) != favorable:
        state["outcome_meaning"] = meaning or default_meaning(favorable)
        state["outcome_meaning_for"] = favorable
    shown = st.text_input(
        "What it means for the person (completes \"people are …\")", key="outcome_meaning",
        placeholder="approved, hired, not labelled high risk",
        help="Every verdict sentence, chart and the PDF use it: \"female are approved at "
        "0.70 times the rate of male\".")
    warning = harm_warning(label=label, prediction=prediction, favorable=favorable)
    if warning:
        st.warning(widgets.plain(warning), icon=":material/warning:")
    ready = not (codes and favorable is None)
    if not ready:
        st.info(f"The label {widgets.plain(repr(label))} holds the codes "
                f"{widgets.plain(', '.join(repr(v) for v in values))}: choose which one is "
                "favorable, and say what it means, before running the audit.")
    return favorable, shown.strip(), ready


def bands_step(sensitive: Sequence[str], source_of, prior: AuditSpec | None  # noqa: ANN001
               ) -> tuple[tuple[Bins, ...], dict[str, tuple[str, ...]], bool]:
    """Bands for each numeric sensitive column with many values: the `Bins` chosen, the
    band labels per column (the reference groups to offer), and whether they are valid."""
    chosen, labels, valid = [], {}, True
    for column in sensitive:
        values = source_of(column).frame[column]
        if not needs_bins(values):
            continue
        before = prior.bins_of(column) if prior else None
        start = ("none" if prior and column in prior.sensitive and before is None
                 else "cuts" if before and before.cuts
                 else f"q{before.quantiles}" if before and f"q{before.quantiles}" in
                 BAND_CHOICES else "q4")
        left, right = st.columns(2)
        choices: list[str] = list(BAND_CHOICES)
        kind = left.selectbox(
            f"{column} has {values.nunique():,} values: group them into", choices,
            index=choices.index(start), format_func=lambda k: BAND_CHOICES[k],
            key=f"bands_kind::{column}")
        if kind == "none":
            continue
        text = str(kind)
        if kind == "cuts":
            text = right.text_input(
                f"Cut points for {column} (each band starts at one)",
                before.describe() if before and before.cuts else "",
                placeholder="25, 40, 60", key=f"bands_cuts::{column}")
            if not text.strip():
                valid = False
                right.caption("Type the cut points, such as 25, 40, 60.")
                continue
        try:
            bins = Bins.parse(column, text)
            labels[column] = band_preview(bins, values)
        except AuditInputError as err:
            widgets.error(err)
            valid = False
            continue
        chosen.append(bins)
        right.caption("Bands: " + widgets.plain(", ".join(labels[column])))
    return tuple(chosen), labels, valid


def sizes_step(sensitive: Sequence[str], source_of: Callable[[str], AuditInput], *,
               minimum: int, bins: Sequence[Bins] = ()) -> None:
    """People per group of each chosen sensitive column (per band, for a banded one), before
    the run (files in memory; a file counted by DuckDB shows its groups after the run)."""
    held = [a for a in sensitive if source_of(a).on_disk is None]
    if not held:
        return
    st.subheader("Group sizes")
    bands = {b.column: b for b in bins}
    columns = {a: band_values(bands[a], source_of(a).frame[a]) if a in bands
               else source_of(a).frame[a] for a in held}
    # words, and the chart only when asked for: drawing it was 0.4 s of every visit to the
    # page in Chromium (benchmarks/bench_session.py)
    st.markdown("\n".join(f"- **{widgets.plain(a)}**: "
                          f"{widgets.plain(group_sizes_words(v, minimum=minimum))}"
                          for a, v in columns.items()))
    if (box := widgets.details("Group sizes as a chart", key="details_sizes",
                               icon=":material/bar_chart:")) is not None:
        with box:
            widgets.chart(group_sizes_figure(columns, minimum=minimum), key="group_sizes")
