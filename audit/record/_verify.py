"""Checking an audit record and its PDF: the fingerprint, the embedded record, the signature.

With both files, ``audit.json``'s sha256 must be the fingerprint the PDF was sealed with,
the record embedded in the PDF must be ``audit.json`` byte for byte, and a signature, if
there is one, must be intact, valid for the certificate embedded in it, and cover the whole
file (so bytes appended after signing are caught). With the PDF alone, the PDF is checked
against its own embedded record. With ``audit.json`` alone, it must be canonical (written
as ``python -m audit`` writes it), and its fingerprint is reported for comparison with the
one printed on the PDF's pages.

Trust is not required: a self-signed certificate verifies, and the report says that who
holds the key was not established, unless the expected signer's certificate is given.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from audit import AuditInputError
from audit.record._embed import RECORD_NAME, canonical_bytes, read_sealed_record, sha256_hex

__all__ = ["VerifyReport", "load_signer_certificate", "verify_bytes", "verify_files"]

# --- bad input (the CLI's exit 2) ---------------------------------------------------------
NOTHING_TO_VERIFY = (
    "Nothing to verify: give audit.json, audit.pdf, or both. Fix: run python -m audit verify "
    "audit.json audit.pdf."
)
CANNOT_READ = "Cannot read {path!r}: {reason}. Fix: give the path of a file you can read."
NOT_A_PDF = (
    "{name!r} is not a PDF (it does not start with %PDF-). Fix: give the audit.pdf written "
    "by python -m audit run or downloaded from the dashboard."
)
BAD_SIGNER_CERT = (
    "{path!r} does not hold an X.509 certificate ({reason}). Fix: give the PEM file of the "
    "certificate the board signs with (-----BEGIN CERTIFICATE-----)."
)

# --- what differs (the CLI's exit 1) -------------------------------------------------------
FINGERPRINT_DIFFERS = (
    "The fingerprint differs: {json} has sha256 {actual}, but {pdf} was sealed with "
    "fingerprint {sealed}. The PDF was not made from this audit.json, or one of them was "
    "changed."
)
NO_FINGERPRINT = (
    "The PDF carries no fingerprint (no /AuditFingerprint in its document information): "
    "it was not sealed by python -m audit, or the entry was removed."
)
NO_EMBEDDED_RECORD = (
    "The PDF has no embedded record (no attached audit.json): it was not sealed by "
    "python -m audit, or the attachment was removed."
)
EMBEDDED_DIFFERS = (
    "The embedded record differs from {json}: the audit.json attached to {pdf} (sha256 "
    "{embedded}) is not the same bytes."
)
EMBEDDED_NOT_FINGERPRINT = (
    "The embedded record does not match the PDF's fingerprint: its sha256 is {embedded}, "
    "the PDF was sealed with {sealed}. The attachment or the fingerprint was changed."
)
PDF_DAMAGED = (
    "The PDF cannot be parsed ({reason}): it was changed or cut short after it was sealed, "
    "so its fingerprint, embedded record and signature cannot be checked."
)
SIGNATURE_UNREADABLE = "The signature {field} cannot be validated: {reason}."
SIGNATURE_BROKEN = (
    "The signature {field} by {signer} does not match the file: bytes it covers were "
    "changed after signing."
)
SIGNATURE_INVALID = (
    "The signature {field} by {signer} is not a valid signature of its certificate's key."
)
SIGNATURE_NOT_WHOLE_FILE = (
    "The signature {field} by {signer} does not cover the whole file: {added} bytes were "
    "added after signing, so the PDF was changed after it was signed."
)
SIGNATURE_LATER_CHANGES = (
    "The signature {field} by {signer} was followed by changes that are not signatures or "
    "form filling ({level})."
)
SIGNATURE_OTHER_SIGNER = (
    "The signature {field} was made by {signer} (certificate sha256 {actual}), not with the "
    "expected certificate {expected_name} (sha256 {expected})."
)
NOT_JSON = (
    "{json} is not a JSON record ({reason}), so it has no fingerprint python -m audit "
    "would print. It was changed, or is not an audit.json."
)
NOT_CANONICAL = (
    "{json} is not canonical: re-serialising it gives different bytes (sorted keys, two-space "
    "indent, UTF-8, one trailing newline), so its sha256 is not the fingerprint python -m "
    "audit printed. It was edited or rewritten by another tool."
)

# --- what passed --------------------------------------------------------------------------
FINGERPRINT_MATCHES = (
    "fingerprint: {json} has sha256 {fingerprint}, the fingerprint {pdf} was sealed with."
)
EMBEDDED_SAME = "embedded record: the audit.json attached to {pdf} is {json} byte for byte."
EMBEDDED_MATCHES = (
    "embedded record: the audit.json attached to {pdf} has sha256 {fingerprint}, the PDF's "
    "fingerprint."
)
CANONICAL = (
    "fingerprint: {json} is canonical; its fingerprint is {fingerprint} (compare it with the "
    "fingerprint printed on every page of the PDF)."
)
SIGNATURE_VALID = (
    "signature: {field} by {signer} (certificate sha256 {certificate}) is valid and covers "
    "the whole file; signed at {when}."
)
SIGNATURE_EARLIER_VALID = (
    "signature: {field} by {signer} is valid; later changes are signatures or form filling."
)
UNSIGNED = (
    "signature: the PDF is not digitally signed, so nothing proves its pages were not "
    "edited; its fingerprint and embedded record were checked."
)
TRUST_NOT_ESTABLISHED = (
    "trust: not established. The signature was checked against the certificate embedded in "
    "it, not against a trusted authority (self-signed certificates are accepted); compare "
    "the signer and certificate sha256 with the board's certificate, or pass it with "
    "--signer-cert."
)
TRUST_EXPECTED_SIGNER = "trust: the signer's certificate is the expected certificate {name}."


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a verification: what differs, and what was checked and passed.

    Attributes
    ----------
    problems : tuple of str
        One sentence per difference, naming the fingerprint, the embedded record or the
        signature. Empty when everything checks.
    checks : tuple of str
        One line per check that passed (``"fingerprint: ..."``, ``"signature: ..."``),
        including what was not established (``"trust: ..."``).
    fingerprint : str or None
        The record's fingerprint: sha256 of ``audit.json``, else the PDF's stored one.
    signers : tuple of str
        The subject (common name) of each signature's certificate, in signing order.
    """

    problems: tuple[str, ...]
    checks: tuple[str, ...]
    fingerprint: str | None = None
    signers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing differs."""
        return not self.problems


def _reason(err: BaseException) -> str:
    text = str(err).strip().rstrip(".")
    return text.splitlines()[0] if text else type(err).__name__


def load_signer_certificate(path: str) -> x509.Certificate:
    """The expected signer's certificate from a PEM (or DER) file, for ``--signer-cert``.

    Raises `AuditInputError` naming the file when it cannot be read or holds no certificate.
    """
    data = _read(path)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)[0]
        return x509.load_der_x509_certificate(data)
    except ValueError as err:
        raise AuditInputError(BAD_SIGNER_CERT.format(path=path, reason=_reason(err))) from err


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise AuditInputError(CANNOT_READ.format(path=path,
                                                 reason=err.strerror or err)) from err


def verify_files(json_path: str | None, pdf_path: str | None, *,
                 signer_cert_path: str | None = None) -> VerifyReport:
    """Verify ``audit.json`` and/or ``audit.pdf`` on disk (``python -m audit verify``).

    Parameters
    ----------
    json_path, pdf_path : str or None
        The record and the PDF; either may be None, not both.
    signer_cert_path : str, optional
        The certificate the PDF must be signed with (PEM). Without it, any certificate
        that verifies the signature is accepted and trust is reported as not established.

    Returns
    -------
    VerifyReport

    Raises
    ------
    AuditInputError
        Neither file given, a file that cannot be read, or a "PDF" that is not one.
    """
    if json_path is None and pdf_path is None:
        raise AuditInputError(NOTHING_TO_VERIFY)
    expected = (load_signer_certificate(signer_cert_path)
                if signer_cert_path is not None else None)
    return verify_bytes(
        record=_read(json_path) if json_path is not None else None,
        pdf=_read(pdf_path) if pdf_path is not None else None,
        record_name=Path(json_path).name if json_path is not None else RECORD_NAME,
        pdf_name=Path(pdf_path).name if pdf_path is not None else "audit.pdf",
        signer_cert=expected, signer_cert_name=signer_cert_path or "",
    )


def verify_bytes(*, record: bytes | None, pdf: bytes | None, record_name: str = RECORD_NAME,
                 pdf_name: str = "audit.pdf", signer_cert: x509.Certificate | None = None,
                 signer_cert_name: str = "") -> VerifyReport:
    """Verify a record and/or a PDF given as bytes (an upload in the dashboard).

    Same checks as `verify_files`; ``record_name`` and ``pdf_name`` are the names used in
    the report's sentences.
    """
    if record is None and pdf is None:
        raise AuditInputError(NOTHING_TO_VERIFY)
    if pdf is not None and b"%PDF-" not in pdf[:1024]:
        raise AuditInputError(NOT_A_PDF.format(name=pdf_name))
    problems: list[str] = []
    checks: list[str] = []
    fingerprint = sha256_hex(record) if record is not None else None
    if pdf is None:
        assert record is not None
        _check_canonical(record, record_name, problems, checks)
        return VerifyReport(tuple(problems), tuple(checks), fingerprint)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sealed = read_sealed_record(reader)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, zlib.error) as err:
        return VerifyReport((PDF_DAMAGED.format(reason=_reason(err)),), (), fingerprint)
    names = {"json": record_name, "pdf": pdf_name}
    if sealed.fingerprint is None:
        problems.append(NO_FINGERPRINT)
    elif fingerprint is not None and fingerprint != sealed.fingerprint:
        problems.append(FINGERPRINT_DIFFERS.format(actual=fingerprint, sealed=sealed.fingerprint,
                                                   **names))
    elif fingerprint is not None:
        checks.append(FINGERPRINT_MATCHES.format(fingerprint=fingerprint, **names))
    if sealed.record is None:
        problems.append(NO_EMBEDDED_RECORD)
    else:
        embedded = sha256_hex(sealed.record)
        if record is not None and sealed.record != record:
            problems.append(EMBEDDED_DIFFERS.format(embedded=embedded, **names))
        elif record is not None:
            checks.append(EMBEDDED_SAME.format(**names))
        if sealed.fingerprint is not None and embedded != sealed.fingerprint:
            problems.append(EMBEDDED_NOT_FINGERPRINT.format(embedded=embedded,
                                                            sealed=sealed.fingerprint))
        elif sealed.fingerprint is not None and record is None:
            checks.append(EMBEDDED_MATCHES.format(fingerprint=embedded, **names))
    signers = _check_signatures(signatures, len(pdf), signer_cert, signer_cert_name,
                                problems, checks)
    return VerifyReport(tuple(problems), tuple(checks), fingerprint or sealed.fingerprint,
                        signers)


def _check_canonical(record: bytes, name: str, problems: list[str], checks: list[str]) -> None:
    try:
        parsed = json.loads(record.decode("utf-8"))
        if not isinstance(parsed, dict):
            raise ValueError(f"the top level is a {type(parsed).__name__}, not an object")
        again = canonical_bytes(parsed)
    except (UnicodeDecodeError, ValueError) as err:
        problems.append(NOT_JSON.format(json=name, reason=_reason(err)))
        return
    if again != record:
        problems.append(NOT_CANONICAL.format(json=name))
    else:
        checks.append(CANONICAL.format(json=name, fingerprint=sha256_hex(record)))


def _subject(certificate: asn1_x509.Certificate) -> str:
    common_name = certificate.subject.native.get("common_name")
    if isinstance(common_name, list):  # several CNs
        common_name = common_name[0]
    return str(common_name) if common_name else certificate.subject.human_friendly


def _check_signatures(signatures: list[EmbeddedPdfSignature], size: int,
                      expected: x509.Certificate | None, expected_name: str,
                      problems: list[str], checks: list[str]) -> tuple[str, ...]:
    """Validate every signature; the last must cover the whole file. Returns the signers."""
    if not signatures:
        checks.append(UNSIGNED)
        return ()
    expected_der = (expected.public_bytes(serialization.Encoding.DER)
                    if expected is not None else None)
    signers = []
    other_signer = False
    for position, signature in enumerate(signatures, start=1):
        field = signature.field_name
        try:
            certificate = signature.signer_cert
            # The embedded certificate is the only anchor: pyHanko then checks the CMS
            # signature, its signing-certificate attribute and key usage against exactly
            # that certificate, without a trust list (and without logging path errors).
            status = validate_pdf_signature(
                signature, ValidationContext(trust_roots=[certificate]))
        except (PdfError, ValueError, KeyError, TypeError) as err:
            problems.append(SIGNATURE_UNREADABLE.format(field=field, reason=_reason(err)))
            continue
        signer = _subject(certificate)
        signers.append(signer)
        names = {"field": field, "signer": signer}
        if not status.intact:
            problems.append(SIGNATURE_BROKEN.format(**names))
        elif not status.valid:
            problems.append(SIGNATURE_INVALID.format(**names))
        elif position == len(signatures) and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            _, _, start, length = (int(n) for n in signature.byte_range)
            problems.append(SIGNATURE_NOT_WHOLE_FILE.format(added=size - start - length, **names))
        elif position < len(signatures) and (
                status.modification_level is None
                or status.modification_level > ModificationLevel.FORM_FILLING):
            level = getattr(status.modification_level, "name", "unknown")
            problems.append(SIGNATURE_LATER_CHANGES.format(level=level, **names))
        elif position == len(signatures):
            when = status.signer_reported_dt
            checks.append(SIGNATURE_VALID.format(
                certificate=certificate.sha256.hex(),
                when=when.isoformat() if when is not None else "an unstated time", **names))
        else:
            checks.append(SIGNATURE_EARLIER_VALID.format(**names))
        if expected_der is not None and certificate.dump() != expected_der:
            other_signer = True
            problems.append(SIGNATURE_OTHER_SIGNER.format(
                field=field, signer=signer, actual=certificate.sha256.hex(),
                expected_name=expected_name, expected=sha256_hex(expected_der)))
    if expected_der is None:
        checks.append(TRUST_NOT_ESTABLISHED)
    elif not other_signer:
        checks.append(TRUST_EXPECTED_SIGNER.format(name=expected_name))
    return tuple(signers)
