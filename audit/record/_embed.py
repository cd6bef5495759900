"""The record inside the PDF: canonical bytes, the attached ``audit.json`` and its fingerprint.

Words used here:

- *canonical bytes*: ``(to_json(record) + "\\n").encode("utf-8")``, exactly the bytes of the
  ``audit.json`` file written beside the PDF.
- *fingerprint*: the sha256 (hex) of the canonical bytes, so ``sha256sum audit.json`` prints
  it. It is printed on every page of the PDF and stored in the PDF's document information
  under `FINGERPRINT_KEY`, where a program finds it.
- *embedded record*: the canonical bytes attached to the PDF as the file ``audit.json``
  (MIME ``application/json``, ``/AFRelationship /Data``, listed in the catalog's ``/AF``
  array and ``/EmbeddedFiles`` name tree, as PDF/A-3 attaches the data a document shows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.xref import TrailerDictionary

from audit.record._export import canonical_bytes, sha256_hex

__all__ = ["FINGERPRINT_KEY", "RECORD_NAME", "SealedRecord", "attach_record",
           "canonical_bytes", "read_sealed_record", "sha256_hex"]

RECORD_NAME = "audit.json"
RECORD_MIME = "application/json"
FINGERPRINT_KEY = "/AuditFingerprint"
# PDF 2.0 / PDF/A-3: "Data" is information used to derive a visual presentation (tables,
# charts), which is what the record is to every page of the PDF.
AF_RELATIONSHIP = "/Data"
RECORD_DESCRIPTION = "The fairness audit record (canonical JSON); sha256 {fingerprint}"
ALREADY_SEALED = (
    "This PDF already has embedded files; seal_pdf takes the PDF made by render_pdf, "
    "not one that was sealed before."
)


def _created_at(record_bytes: bytes) -> datetime | None:
    """The record's ``created_at``, for the attachment's dates (None when unreadable)."""
    try:
        created = json.loads(record_bytes).get("created_at")
        return datetime.fromisoformat(created) if isinstance(created, str) else None
    except (ValueError, AttributeError):
        return None


def _get(dictionary: generic.DictionaryObject | TrailerDictionary,
         key: str) -> generic.PdfObject | None:
    """``dictionary[key]`` with indirect references followed, or None when absent."""
    return dictionary[key] if key in dictionary else None  # noqa: SIM401 (get: no deref)


def attach_record(writer: IncrementalPdfFileWriter, record_bytes: bytes) -> str:
    """Attach the record as ``audit.json`` and store its fingerprint; returns the fingerprint.

    The changes are pending on ``writer`` (an incremental update): write it, or sign it,
    which writes it in the same revision as the signature.
    """
    root = writer.root
    names = _get(root, "/Names")
    if isinstance(names, generic.DictionaryObject) and "/EmbeddedFiles" in names:
        raise ValueError(ALREADY_SEALED)
    fingerprint = sha256_hex(record_bytes)
    created = _created_at(record_bytes)
    stream = EmbeddedFileObject.from_file_data(
        writer, data=record_bytes, mime_type=RECORD_MIME,
        params=EmbeddedFileParams(creation_date=created, modification_date=created),
    )
    # pyHanko's embed_file would also mark the document PDF 2.0 for /AF; the file stays 1.7
    spec = FileSpec(file_spec_string=RECORD_NAME, file_name=RECORD_NAME, embedded_data=stream,
                    description=RECORD_DESCRIPTION.format(fingerprint=fingerprint),
                    af_relationship=pdf_name(AF_RELATIONSHIP))
    spec_ref = writer.add_object(spec.as_pdf_object())
    tree = generic.DictionaryObject({pdf_name("/Names"): generic.ArrayObject(
        [generic.pdf_string(RECORD_NAME), spec_ref])})
    if not isinstance(names, generic.DictionaryObject):
        root["/Names"] = writer.add_object(
            generic.DictionaryObject({pdf_name("/EmbeddedFiles"): tree}))
    else:
        names["/EmbeddedFiles"] = writer.add_object(tree)
        writer.update_container(names)
    associated = _get(root, "/AF")
    if not isinstance(associated, generic.ArrayObject):
        root["/AF"] = generic.ArrayObject([spec_ref])
    else:
        associated.append(spec_ref)
        writer.update_container(associated)
    writer.update_root()
    writer.ensure_output_version((1, 7))
    _store_fingerprint(writer, fingerprint)
    return fingerprint


def _store_fingerprint(writer: IncrementalPdfFileWriter, fingerprint: str) -> None:
    value = generic.TextStringObject(fingerprint)
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()
        info[pdf_name(FINGERPRINT_KEY)] = value
        writer.mark_update(info_ref)
    else:
        writer.set_info(generic.DictionaryObject({pdf_name(FINGERPRINT_KEY): value}))


@dataclass(frozen=True)
class SealedRecord:
    """What a sealed PDF says about its record: the stored fingerprint and the attachment.

    Either is None when the PDF does not carry it.
    """

    fingerprint: str | None
    record: bytes | None


def _name_tree_lookup(node: generic.DictionaryObject, key: str) -> generic.PdfObject | None:
    """The value under ``key`` in a PDF name tree (flat, or with ``/Kids``)."""
    names = _get(node, "/Names")
    if isinstance(names, generic.ArrayObject):
        for index in range(0, len(names) - 1, 2):
            if str(names[index]) == key:
                value: generic.PdfObject = names[index + 1]
                return value
    kids = _get(node, "/Kids")
    for kid in kids if isinstance(kids, generic.ArrayObject) else ():
        found = _name_tree_lookup(kid.get_object(), key)
        if found is not None:
            return found
    return None


def read_sealed_record(reader: PdfFileReader) -> SealedRecord:
    """The fingerprint and embedded record of the PDF's latest revision.

    Raises pyHanko's ``PdfReadError`` (or ``ValueError``/``KeyError``) when the PDF's
    structure around them is damaged.
    """
    fingerprint = None
    info = _get(reader.trailer, "/Info")
    if isinstance(info, generic.DictionaryObject):
        value = _get(info, FINGERPRINT_KEY)
        fingerprint = str(value) if value is not None else None
    record = None
    names = _get(reader.root, "/Names")
    tree = _get(names, "/EmbeddedFiles") if isinstance(names, generic.DictionaryObject) else None
    spec = _name_tree_lookup(tree, RECORD_NAME) if isinstance(tree, generic.DictionaryObject) \
        else None
    files = _get(spec, "/EF") if isinstance(spec, generic.DictionaryObject) else None
    if isinstance(files, generic.DictionaryObject):
        stream = _get(files, "/UF") or _get(files, "/F")
        if isinstance(stream, generic.StreamObject):
            record = stream.data
    return SealedRecord(fingerprint=fingerprint, record=record)
