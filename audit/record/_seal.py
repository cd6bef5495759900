"""Sealing the board's PDF: the record embedded, its fingerprint stored, the file signed.

Both front doors (CLI ``run``, the dashboard's downloads) take the same steps::

    signing = signing_from_env()                  # early: a bad key is a clear error
    data = canonical_bytes(record)                # exactly what audit.json holds
    sealed = sealed_pdf(record, signer=signing)   # the file to hand out
    # write audit.json as `data` and audit.pdf as `sealed`

`sealed_pdf` renders the PDF with page 1 saying whether it is signed
(`signature_status_text`), then `seal_pdf` embeds ``data`` and signs.
``python -m audit verify`` (`verify_files`) checks the result.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from audit.record._embed import attach_record
from audit.record._export import canonical_bytes
from audit.record._pdf import render_pdf
from audit.record._sign import Signing, sign_writer, signature_status_text

__all__ = ["seal_pdf", "sealed_pdf"]


def sealed_pdf(record: Mapping[str, Any], *, signer: Signing | None,
               record_bytes: bytes | None = None) -> bytes:
    """The board's PDF of ``record``, sealed: what the CLI writes and the dashboard offers.

    Parameters
    ----------
    record : mapping
        The record exactly as exported beside the PDF (after any suppression): its
        `canonical_bytes` are embedded, and their sha256 is the fingerprint on every page.
    signer : Signing or None
        The board's key (`signing_from_env`); None gives an unsigned PDF whose page 1 says
        so and how to sign.
    record_bytes : bytes, optional
        ``canonical_bytes(record)`` when the caller has them already (a large record takes
        seconds to serialise).

    Returns
    -------
    bytes
        ``seal_pdf(render_pdf(record, signature=signature_status_text(signer)),
        canonical_bytes(record), signer=signer)``.
    """
    data = record_bytes if record_bytes is not None else canonical_bytes(record)
    page = render_pdf(record, signature=signature_status_text(signer), record_bytes=data)
    return seal_pdf(page, data, signer=signer)


def seal_pdf(pdf: bytes, record_bytes: bytes, *, signer: Signing | None) -> bytes:
    """Embed the record in the PDF, store its fingerprint, and sign when a key is given.

    Parameters
    ----------
    pdf : bytes
        The PDF made by ``render_pdf`` (not sealed before).
    record_bytes : bytes
        The record's canonical bytes (`canonical_bytes`), byte for byte ``audit.json``.
    signer : Signing or None
        The board's key (`signing_from_env`); None leaves the PDF unsigned.

    Returns
    -------
    bytes
        The PDF with one incremental update appended: ``audit.json`` attached
        (``application/json``, ``/AFRelationship /Data``, in ``/AF`` and
        ``/EmbeddedFiles``), ``/AuditFingerprint`` = sha256 of ``record_bytes`` in the
        document information, and with a signer, a PAdES B-B signature over the whole file.
        Pages are not touched, so the text and the fingerprint printed on them stay as
        rendered.

    Raises
    ------
    ValueError
        When ``pdf`` already has embedded files (sealed twice).
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    attach_record(writer, record_bytes)
    if signer is not None:
        return sign_writer(writer, signer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
