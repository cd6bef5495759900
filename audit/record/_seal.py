"""Sealing the board's PDF: the record embedded, its fingerprint stored, the file signed.

The order, for every caller (CLI ``run``, dashboard download)::

    signing = signing_from_env()                  # early: a bad key is a clear error
    data = canonical_bytes(record)                # exactly what audit.json holds
    pdf = render_pdf(record)                      # prints signature_status_text(signing)
    sealed = seal_pdf(pdf, data, signer=signing)  # the file to hand out
    # write audit.json as `data` and audit.pdf as `sealed`

``python -m audit verify`` (`verify_files`) checks the result.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from audit.record._embed import attach_record
from audit.record._sign import Signing, sign_writer

__all__ = ["seal_pdf"]


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
