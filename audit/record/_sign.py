"""The board's signing key: configuration from the environment, and the PAdES signature.

A PDF is signed when both ``AUDIT_SIGNING_KEY`` and ``AUDIT_SIGNING_CERT`` name PEM files
(a private key, and its certificate optionally followed by the CA chain);
``AUDIT_SIGNING_KEY_PASSWORD`` decrypts an encrypted key. Neither set: PDFs are unsigned
and say so. Anything else is a configuration mistake, raised as `AuditInputError` with a
message that names the variable, the path and the fix.

The signature is PAdES baseline B-B (``/SubFilter /ETSI.CAdES.detached``, made by
pyHanko), in an invisible field `SIGNATURE_FIELD`, so a PDF reader shows who signed and
whether anything changed since.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID

from audit import AuditInputError

if TYPE_CHECKING:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

__all__ = ["CERT_VARIABLE", "KEY_VARIABLE", "PASSWORD_VARIABLE", "SIGNATURE_FIELD",
           "SIGNATURE_REASON", "Signing", "sign_writer", "signature_status_text",
           "signer_name", "signing_from_env"]

KEY_VARIABLE = "AUDIT_SIGNING_KEY"
CERT_VARIABLE = "AUDIT_SIGNING_CERT"
PASSWORD_VARIABLE = "AUDIT_SIGNING_KEY_PASSWORD"
SIGNATURE_FIELD = "AuditRecordSignature"
SIGNATURE_REASON = "Fairness audit record"

KEY_WITHOUT_CERT = (
    "AUDIT_SIGNING_KEY is set to {path!r} but AUDIT_SIGNING_CERT is not, and a PDF is signed "
    "only with both. Fix: set AUDIT_SIGNING_CERT to the PEM file of the certificate issued "
    "for this key, or unset AUDIT_SIGNING_KEY to write unsigned PDFs."
)
CERT_WITHOUT_KEY = (
    "AUDIT_SIGNING_CERT is set to {path!r} but AUDIT_SIGNING_KEY is not, and a PDF is signed "
    "only with both. Fix: set AUDIT_SIGNING_KEY to the PEM file of this certificate's "
    "private key, or unset AUDIT_SIGNING_CERT to write unsigned PDFs."
)
UNREADABLE = (
    "Cannot read {variable}={path!r}: {reason}. Fix: set {variable} to the path of a PEM "
    "file this process can read."
)
NOT_A_KEY = (
    "{variable}={path!r} does not hold a private key. Fix: set {variable} to the PEM file of "
    "the board's private key (-----BEGIN PRIVATE KEY-----)."
)
KEY_NEEDS_PASSWORD = (
    "{variable}={path!r} is an encrypted private key and {password} is not set. Fix: set "
    "{password} to the key's password."
)
KEY_WRONG_PASSWORD = (
    "{password} does not decrypt the private key in {variable}={path!r}. Fix: set "
    "{password} to the password of this key."
)
KEY_NOT_ENCRYPTED = (
    "{password} is set but the private key in {variable}={path!r} is not encrypted. Fix: "
    "unset {password}."
)
NOT_A_CERT = (
    "{variable}={path!r} does not hold an X.509 certificate. Fix: set {variable} to the PEM "
    "file of the certificate issued for the signing key (-----BEGIN CERTIFICATE-----)."
)
KEY_MISMATCH = (
    "The private key in {key_variable}={key_path!r} does not belong to any certificate in "
    "{cert_variable}={cert_path!r} (first subject: {subject}). Fix: set {cert_variable} to "
    "the certificate issued for this key, or {key_variable} to the key of this certificate."
)
SIGNED_TEXT = (
    "This PDF is digitally signed by {name} (PAdES): a PDF reader shows the signature and "
    "whether anything changed since it was signed."
)
UNSIGNED_TEXT = (
    "This PDF is not digitally signed: no signing key is configured. To sign audit records, "
    "set AUDIT_SIGNING_KEY and AUDIT_SIGNING_CERT to the PEM files of the board's private "
    "key and certificate (and AUDIT_SIGNING_KEY_PASSWORD if the key is encrypted). The "
    "fingerprint and the embedded record can still be checked with python -m audit verify."
)


@dataclass(frozen=True)
class Signing:
    """A loaded signing key and its certificate, checked to belong together.

    Made by `signing_from_env`. The key is held decrypted and is not printed, compared or
    picklable; build a `Signing` where it is used rather than storing it.
    """

    key_path: str
    cert_path: str
    certificate: x509.Certificate
    private_key: PrivateKeyTypes = field(repr=False, compare=False)
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def signer(self) -> str:
        """The certificate subject's common name (the whole subject when it has none)."""
        return signer_name(self.certificate)


def signer_name(certificate: x509.Certificate) -> str:
    """A certificate's subject common name, or its whole subject when it has no CN."""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if names:
        return str(names[0].value)
    return certificate.subject.rfc4514_string() or "an unnamed certificate"


def _read(variable: str, path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as err:
        raise AuditInputError(UNREADABLE.format(variable=variable, path=path,
                                                reason=err.strerror or err)) from err


def _load_key(path: str, password: str | None) -> PrivateKeyTypes:
    data = _read(KEY_VARIABLE, path)
    secret = password.encode("utf-8") if password is not None else None
    names = {"variable": KEY_VARIABLE, "path": path, "password": PASSWORD_VARIABLE}
    pem = b"-----BEGIN" in data
    try:
        if pem:
            return serialization.load_pem_private_key(data, password=secret)
        return serialization.load_der_private_key(data, password=secret)
    except TypeError as err:  # cryptography: encrypted without password, or the reverse
        message = KEY_NEEDS_PASSWORD if secret is None else KEY_NOT_ENCRYPTED
        raise AuditInputError(message.format(**names)) from err
    except ValueError as err:
        encrypted = pem and b"ENCRYPTED" in data
        if encrypted and secret is not None:
            raise AuditInputError(KEY_WRONG_PASSWORD.format(**names)) from err
        raise AuditInputError(NOT_A_KEY.format(**names)) from err


def _load_certificates(path: str) -> list[x509.Certificate]:
    data = _read(CERT_VARIABLE, path)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as err:
        raise AuditInputError(NOT_A_CERT.format(variable=CERT_VARIABLE, path=path)) from err


def _public_der(owner: PrivateKeyTypes | x509.Certificate) -> bytes:
    """The DER public key of a private key or certificate, to match one with the other."""
    return owner.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)


def signing_from_env(env: Mapping[str, str] | None = None) -> Signing | None:
    """The signing key configured in the environment, or None when PDFs are unsigned.

    Parameters
    ----------
    env : mapping, optional
        The environment (default ``os.environ``). ``AUDIT_SIGNING_KEY`` and
        ``AUDIT_SIGNING_CERT`` are PEM (or DER) file paths; ``AUDIT_SIGNING_KEY_PASSWORD``
        decrypts an encrypted key. Empty values count as unset.

    Returns
    -------
    Signing or None
        None when neither path is set.

    Raises
    ------
    AuditInputError
        One path set without the other, a file that cannot be read or parsed, a wrong or
        missing password, or a key that belongs to none of the certificates.
    """
    env = os.environ if env is None else env
    key_path = env.get(KEY_VARIABLE) or None
    cert_path = env.get(CERT_VARIABLE) or None
    if key_path is None and cert_path is None:
        return None
    if cert_path is None:
        raise AuditInputError(KEY_WITHOUT_CERT.format(path=key_path))
    if key_path is None:
        raise AuditInputError(CERT_WITHOUT_KEY.format(path=cert_path))
    key = _load_key(key_path, env.get(PASSWORD_VARIABLE) or None)
    certificates = _load_certificates(cert_path)
    public = _public_der(key)
    leaf = next((c for c in certificates if _public_der(c) == public), None)
    if leaf is None:
        raise AuditInputError(KEY_MISMATCH.format(
            key_variable=KEY_VARIABLE, key_path=key_path, cert_variable=CERT_VARIABLE,
            cert_path=cert_path, subject=certificates[0].subject.rfc4514_string()))
    chain = tuple(c for c in certificates if c is not leaf)
    return Signing(key_path=key_path, cert_path=cert_path, certificate=leaf, chain=chain,
                   private_key=key)


def signature_status_text(signing: Signing | None) -> str:
    """The sentence the PDF prints about its signature (signed by whom, or how to sign)."""
    if signing is None:
        return UNSIGNED_TEXT
    return SIGNED_TEXT.format(name=signing.signer)


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def sign_writer(writer: IncrementalPdfFileWriter, signing: Signing) -> bytes:
    """Sign the PDF in ``writer`` with its pending changes; returns the signed file.

    PAdES B-B: a CAdES detached signature with the signing-certificate-v2 attribute and
    a sha256 digest, over the whole file except the signature itself.
    """
    # imported on use: pyHanko's signers take about a second to import, and an unsigned
    # record (no key configured) never needs them
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = asn1_keys.PrivateKeyInfo.load(signing.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    signer = SimpleSigner(
        signing_cert=_asn1_certificate(signing.certificate), signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(
            [_asn1_certificate(c) for c in signing.chain]),
    )
    metadata = PdfSignatureMetadata(field_name=SIGNATURE_FIELD, reason=SIGNATURE_REASON,
                                    subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256")
    return bytes(PdfSigner(metadata, signer=signer).sign_pdf(writer).getvalue())
