"""The PDF's account of what was audited and why (the record's ``context``), and the
checklists of the regulatory presets the board chose (``presets``), each missing item in
red. Read from the record alone, like every other section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit.record._checklist import MISSING, NOT_STATED, Preset, checklist, load_presets
from audit.record._pdf_doc import STATUS, Doc, esc, hex_colour

__all__ = ["checklist_sections", "context_section"]

NOT_GIVEN = "not stated"
FIELDS = (
    ("Model", ("model", "name")), ("Model version", ("model", "version")),
    ("Model owner", ("model", "owner")), ("Distributed since", ("model", "distribution_date")),
    ("Intended use", ("use", "intended_use")), ("Decision it informs", ("use", "decision")),
    ("What the favorable outcome means", ("use", "outcome_meaning")),
    ("Data source", ("data", "source")), ("Data period", ("data", "period")),
    ("Population", ("data", "population")), ("How the labels were obtained", ("data", "labels")),
    ("Why test data was used", ("data", "test_data_reason")),
)


def _missing(text: str = NOT_GIVEN) -> str:
    return f"<font color='{hex_colour(STATUS['fail'][1])}'><i>{esc(text)}</i></font>"


def context_section(doc: Doc) -> None:
    """"What was audited and why": the model, its use, the data, limitations, preparer."""
    context: Mapping[str, Any] = doc.record.get("context") or {}
    doc.h1("What was audited and why")
    rows = []
    for label, (section, key) in FIELDS:
        value = (context.get(section) or {}).get(key) or ""
        if key == "test_data_reason" and not value:
            value_markup = "<i>not stated (needed only when test data was used)</i>"
        else:
            value_markup = esc(value) if value else _missing()
        rows.append((label, value_markup))
    rows.append(("Known limitations", esc(context.get("limitations")) or _missing()))
    rows.append(("Prepared by", esc(context.get("prepared_by")) or _missing()))
    doc.add(doc.pairs(rows))


def checklist_sections(doc: Doc) -> None:
    """One checklist per preset the record names: every requirement, where the record
    answers it, and a red "missing" where it does not."""
    chosen = doc.record.get("presets") or []
    if not chosen:
        return
    presets = load_presets()
    for name in chosen:
        found: Preset | None = presets.get(name)
        doc.h1(f"Checklist: {esc(found.title if found else name)}")
        if found is None:
            doc.add(doc.para(_missing(f"The preset {name!r} is not known to this version of "
                                      "the tool, so its checklist cannot be shown.")))
            continue
        doc.add(doc.para(f"Requirements of {esc(found.reference)}, and where this record "
                         "answers each.", "small"))
        rows = []
        for item in checklist(doc.record, found):
            if item.status == MISSING:
                answer = _missing("missing")
            elif item.status == NOT_STATED:
                answer = "<i>not stated (only needed in the case it names)</i>"
            else:
                answer = f"{esc(item.value)} <font size='6.5'>({esc(item.where)})</font>"
            rows.append([esc(item.requirement), esc(item.cite), answer])
        doc.add(doc.table(["Requirement", "Citation", "Answered by the record"], rows,
                          [3.2, 1.5, 2.3]))
