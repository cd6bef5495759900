"""The audit context (--context context.toml) and the regulatory checklists."""

from __future__ import annotations

import copy

import pytest

from audit import AuditInputError
from audit.record._checklist import (
    BAD_PRESET,
    UNKNOWN_PRESET,
    checklist,
    load_presets,
    preset,
)
from audit.record._context import (
    NOT_A_TABLE,
    NOT_TEXT,
    NOT_TOML,
    TOO_LONG,
    UNKNOWN_KEY,
    AuditContext,
    read_context,
)

FULL = '''
prepared_by = "Grace Hopper, Audit Ltd"
limitations = "Labels are past decisions, not outcomes."
[model]
name = "Credit scorer"
version = "4.2"
owner = "Risk team"
distribution_date = "2026-03-01"
[use]
intended_use = "Consumer loan applications"
decision = "Approve or refer a loan application"
outcome_meaning = "approved"
[data]
source = "Applications 2025, core banking export"
period = "2025-01 to 2025-12"
population = "All applicants in the state"
labels = "Repayment after 12 months"
test_data_reason = ""
'''


def _write(tmp_path, text: str):
    path = tmp_path / "context.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_context_file_reads_back_as_written(tmp_path):
    context = read_context(_write(tmp_path, FULL))
    assert context.model.name == "Credit scorer" and context.model.version == "4.2"
    assert context.use.outcome_meaning == "approved"
    assert context.data.test_data_reason == ""
    assert context.to_dict() == {
        "prepared_by": "Grace Hopper, Audit Ltd",
        "limitations": "Labels are past decisions, not outcomes.",
        "model": {"name": "Credit scorer", "version": "4.2", "owner": "Risk team",
                  "distribution_date": "2026-03-01"},
        "use": {"intended_use": "Consumer loan applications",
                "decision": "Approve or refer a loan application",
                "outcome_meaning": "approved"},
        "data": {"source": "Applications 2025, core banking export",
                 "period": "2025-01 to 2025-12", "population": "All applicants in the state",
                 "labels": "Repayment after 12 months", "test_data_reason": ""},
    }
    assert AuditContext.from_mapping(context.to_dict()) == context


def test_every_key_is_optional():
    assert AuditContext.from_mapping({}).empty
    partial = AuditContext.from_mapping({"model": {"name": "m"}})
    assert partial.model.name == "m" and partial.model.version == ""


@pytest.mark.parametrize(("text", "message"), [
    ('modle = "x"\n', UNKNOWN_KEY.format(
        file="context.toml", key="modle", where="",
        allowed="data, limitations, model, prepared_by, use")),
    ('[model]\nnmae = "x"\n', UNKNOWN_KEY.format(
        file="context.toml", key="nmae", where=" in [model]",
        allowed="distribution_date, name, owner, version")),
    ('[model]\nversion = 4\n', NOT_TEXT.format(file="context.toml", key="model.version",
                                              kind="a int")),
    ('model = "x"\n', NOT_A_TABLE.format(file="context.toml", key="model",
                                        allowed="name, version, owner, distribution_date")),
    ('limitations = "' + "x" * 10_001 + '"\n', TOO_LONG.format(
        file="context.toml", key="limitations", length=10_001, limit=10_000)),
])
def test_mistakes_in_the_file_are_named_with_the_fix(tmp_path, text, message):
    with pytest.raises(AuditInputError) as info:
        read_context(_write(tmp_path, text))
    assert str(info.value) == message


def test_a_file_that_is_not_toml(tmp_path):
    with pytest.raises(AuditInputError) as info:
        read_context(_write(tmp_path, "[model\nname = 1\n"))
    assert str(info.value).startswith(NOT_TOML.split("{reason}")[0].format(file=str(
        tmp_path / "context.toml")))


def test_the_outcome_meaning_from_the_upload_step_fills_only_a_gap():
    assert AuditContext().with_outcome_meaning("hired").use.outcome_meaning == "hired"
    stated = AuditContext.from_mapping({"use": {"outcome_meaning": "approved"}})
    assert stated.with_outcome_meaning("hired") is stated


# --- checklists ---------------------------------------------------------------------------

RECORD = {
    "created_at": "2026-12-01T10:00:00Z",
    "summary": {"rows": 1200},
    "spec": {"sensitive": ["sex", "race"], "criteria": [{"metric": "impact_ratio"}]},
    "context": AuditContext.from_mapping({"model": {"name": "m"},
                                          "data": {"source": "HR system"}}).to_dict(),
    "groups": [{"metrics": {"accuracy": {"value": 0.8}, "selection_rate": {"ci_low": 0.1}}}],
    "findings": [{"status": "fail"}],
    "adverse_impact": [
        {"attribute": "sex", "unknown_count": 0, "rows": [
            {"selection_rate": 0.4, "impact_ratio": {"value": 0.7}}]},
        {"attribute": "sex × race", "unknown_count": 3, "rows": [
            {"selection_rate": 0.3, "impact_ratio": {"value": None}},
            {"selection_rate": 0.5, "impact_ratio": {"value": 1.0}}]},
    ],
    "review": {"approvals": [{"identity": "a", "verified": False}]},
}


def test_the_built_in_presets_load():
    presets = load_presets(folder="")
    assert sorted(presets) == ["eu_ai_act", "nist_ai_rmf", "nyc_ll144"]
    assert presets["nyc_ll144"].layout == "ll144"


def test_ll144_checklist_on_a_record_built_by_hand():
    items = {i.requirement: i for i in checklist(RECORD, preset("nyc_ll144"))}
    assert items["The date of the bias audit"].status == "answered"
    assert items["The number of individuals in an unknown category"].value == "0"  # 0 counts
    assert items["The source of the data used, with an explanation of it"].where == \
        "context.data.source"
    assert items["The population the data describes"].status == "missing"
    assert items["Why test data was used instead of historical data, when it was"].status \
        == "not stated"  # optional: needed only when test data was used
    ratio = items["Impact ratios for the intersection of sex and race/ethnicity"]
    assert (ratio.status, ratio.value) == ("answered", "1.0")  # the first defined one
    assert items["The distribution date of the automated employment decision tool"].status \
        == "missing"
    assert items["Who conducted the audit (an independent auditor)"].status == "missing"


def test_eu_checklist_needs_verified_signatures():
    items = {i.requirement: i for i in checklist(RECORD, preset("eu_ai_act"))}
    signed = "The test report is signed by the responsible persons (verified identities)"
    assert items[signed].status == "missing"
    verified = copy.deepcopy(RECORD)
    verified["review"]["approvals"].append({"identity": "b", "verified": True})
    items = {i.requirement: i for i in checklist(verified, preset("eu_ai_act"))}
    assert items[signed].status == "answered"


def test_a_board_adds_its_own_preset(tmp_path):
    (tmp_path / "board.toml").write_text(
        'id = "board"\ntitle = "Our board"\nreference = "Charter §3"\n'
        '[[items]]\nrequirement = "Model owner named"\ncite = "§3.1"\n'
        'answered_by = ["context.model.owner"]\n', encoding="utf-8")
    presets = load_presets(folder=str(tmp_path))
    assert [i.status for i in checklist(RECORD, presets["board"])] == ["missing"]


def test_bad_presets_are_refused_with_the_file_named(tmp_path):
    (tmp_path / "bad.toml").write_text('id = "x"\ntitle = "t"\nreference = "r"\n'
                                       '[[items]]\nrequirement = "a"\ncite = "b"\n'
                                       'answered_by = ["a[b"]\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as info:
        load_presets(folder=str(tmp_path))
    assert str(info.value).startswith(BAD_PRESET.split("{problem}")[0].format(file="bad.toml"))
    with pytest.raises(AuditInputError) as info:
        preset("nyc", load_presets(folder=""))
    assert str(info.value) == UNKNOWN_PRESET.format(
        name="nyc", known="'eu_ai_act', 'nist_ai_rmf', 'nyc_ll144'", env="AUDIT_PRESETS_DIR")


def test_the_record_and_its_pdf_say_what_was_audited(tmp_path, sample_run):
    import io

    import pypdf

    from audit.record import build_record, render_pdf
    from tests.conftest import validate_schema

    context = read_context(_write(tmp_path, FULL))
    record = build_record(sample_run, context=context, presets=["nyc_ll144", "eu_ai_act"])
    validate_schema(record)
    assert record["context"] == context.to_dict()
    assert record["presets"] == ["nyc_ll144", "eu_ai_act"]
    text = "\n".join(page.extract_text() for page in
                     pypdf.PdfReader(io.BytesIO(render_pdf(record))).pages)
    for phrase in ("What was audited and why", "Credit scorer", "4.2",
                   "Consumer loan applications", "Applications 2025, core banking export",
                   "Labels are past decisions, not outcomes.",
                   "Checklist: NYC Local Law 144 bias audit summary",
                   "Checklist: EU AI Act test report (Annex IV §2(g))"):
        assert phrase in text, phrase
    assert "missing" in text  # nobody has approved yet: the EU item is flagged
