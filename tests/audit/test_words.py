"""The product's words: one owner for labels, formats, the tolerance and short lists."""

from __future__ import annotations

import math

import pytest

from audit import (
    IN_HISTORY,
    NOT_SIGNED,
    PASS_TOLERANCE,
    PDF_FAILED,
    SAVED_TO_HISTORY,
    SEALED,
    SIGNED_BY,
    SIGNING_KEY_UNUSABLE,
    Criterion,
    format_estimate,
    format_interval,
    format_number,
    format_p,
    format_percent,
    status_label,
    verdict_detail,
    verdict_label,
    verdict_of,
)
from audit._words import clip, listed, quoted

NAN = float("nan")


def test_undefined_numbers_print_as_one_dash_everywhere():
    for text in (format_number(NAN), format_number(None), format_percent(NAN), format_p(NAN),
                 format_p(None), format_interval(0.4, NAN), format_estimate(None),
                 format_estimate({"value": None, "ci_low": 0.1, "ci_high": 0.2})):
        assert text == "—"


def test_number_formats():
    assert format_number(-0.2011) == "−0.201"
    assert format_number(0.7, 2) == "0.70"
    assert format_percent(0.4162) == "41.6%"
    assert format_p(1e-40) == "< 0.001"
    assert format_p(0.0201) == "0.020"
    assert format_interval(0.4, 0.6) == "0.400–0.600"
    assert format_interval(-0.22, -0.16, 2) == "−0.22 to −0.16"
    assert format_estimate({"value": 0.703, "ci_low": 0.669, "ci_high": 0.738}) == \
        "0.703 (0.669–0.738)"
    assert format_estimate({"value": 0.703, "ci_low": None, "ci_high": None}) == "0.703"


@pytest.mark.parametrize(("summary", "verdict", "label"), [
    ({"verdict": "pass", "passed": True}, "pass", "PASSED"),
    ({"verdict": "fail", "passed": False}, "fail", "FAILED"),
    ({"verdict": "no_verdict", "passed": False}, "no_verdict", "NO VERDICT"),
    ({"verdict": "inconclusive", "passed": False}, "inconclusive", "INCONCLUSIVE"),
    ({"passed": True}, "pass", "PASSED"),  # a record from before the verdict field
    ({"passed": False}, "fail", "FAILED"),
])
def test_a_records_verdict_and_its_label(summary, verdict, label):
    assert verdict_of(summary) == verdict
    assert verdict_label(verdict) == label


def test_status_labels_read_old_and_new_words():
    assert [status_label(s) for s in ("pass", "fail", "inconclusive", "not_judged")] == [
        "PASS", "FAIL", "INCONCLUSIVE", "NOT JUDGED"]
    assert status_label("insufficient_data") == "NOT JUDGED"


def test_verdict_detail_counts_each_outcome():
    assert verdict_detail("fail", ["fail", "pass", "not_judged"]) == (
        "1 of 3 criteria failed. 1 could not be judged (too little data).")
    assert verdict_detail("no_verdict", ["not_judged", "insufficient_data"]) == (
        "No criterion failed, but 2 of 2 could not be judged (too little data), so the audit "
        "neither passes nor fails.")
    assert verdict_detail("pass", ["pass", "pass"]) == "All 2 judged criteria passed."


def test_the_tolerance_puts_a_value_at_the_threshold_on_the_passing_side():
    rule = Criterion("impact_ratio", 0.8, "min")
    assert rule.passes(0.8 - PASS_TOLERANCE / 2) and not rule.passes(0.8 - 1e-9)
    gap = Criterion("equal_opportunity_difference", 0.1, "max")
    assert gap.passes(0.1 + PASS_TOLERANCE / 2) and not gap.passes(0.1046)


def test_long_values_are_clipped_and_lists_cut_short():
    assert clip("x" * 100_000) == "x" * 79 + "…"
    assert listed([f"g{i}" for i in range(9)]) == "g0, g1, g2, g3, g4, g5 and 3 more"
    assert quoted(["a", "b" * 200], limit=1) == "'a' and 1 more"
    assert quoted(["b" * 200]) == repr("b" * 79 + "…")
    assert not math.isnan(PASS_TOLERANCE)


def test_the_records_lines_word_for_word():
    """What the Review and History pages and the CLI say when a record is filed, sealed or
    cannot be made; none of the dashboard's names a server path."""
    assert SAVED_TO_HISTORY.format(seq=3, sha="ab12") == (
        "Saved to the audit history as #3. Record sha256: ab12")
    assert IN_HISTORY.format(seq=3) == "This record is in the audit history as #3."
    assert SEALED.format(pdf="out/audit.pdf", json="out/audit.json", sha="ab12",
                         signed=SIGNED_BY.format(name="Credit board")) == (
        "Sealed out/audit.pdf: the record is embedded; its fingerprint (sha256 of "
        "out/audit.json) is ab12; digitally signed by Credit board.")
    assert NOT_SIGNED == ("not digitally signed (set AUDIT_SIGNING_KEY and AUDIT_SIGNING_CERT "
                          "to sign; the PDF says so)")
    assert PDF_FAILED == (
        "The PDF record could not be made: this is a fault in the tool, not in your data or "
        "your review, and it has been logged for whoever runs this server. The review is "
        "unaffected: download the JSON record, save it to the history, and please report the "
        "problem.")
    assert SIGNING_KEY_UNUSABLE == (
        "The server's signing key could not be loaded, so the PDF record is not offered; the "
        "JSON record and saving to the history are unaffected. The operator has the details "
        "in the server log.")
    for line in (PDF_FAILED, SIGNING_KEY_UNUSABLE):
        assert "/" not in line and "{" not in line
