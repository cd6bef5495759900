"""A real audit record and its PDF, sealed with and without a self-signed key.

The record comes from a small seeded dataset run through the public API, the same path
the CLI and the dashboard take; keys and certificates are made here with cryptography.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from audit import AuditRecord, AuditSpec, audit_inputs, read_csv, record_to_dict, render_pdf
from audit.record._embed import canonical_bytes
from audit.record._seal import seal_pdf
from audit.record._sign import Signing, signing_from_env

SIGNER_CN = "Test Board Signer"
CREATED_AT = "2026-01-15T10:00:00Z"


def applicants_csv(rows: int = 400, seed: int = 14) -> bytes:
    """Loan decisions with a gap planted between two groups (women approved less often)."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], size=rows)
    outcome = rng.integers(0, 2, size=rows)
    approved = rng.random(rows) < np.where(sex == "female", 0.35, 0.55)
    frame = pd.DataFrame({"applicant_id": np.arange(rows), "sex": sex, "outcome": outcome,
                          "decision": approved.astype(int)})
    return frame.to_csv(index=False).encode("utf-8")


def make_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_certificate(key: rsa.RSAPrivateKey, common_name: str, *,
                     issuer: tuple[rsa.RSAPrivateKey, x509.Certificate] | None = None,
                     ca: bool = False) -> x509.Certificate:
    """A certificate for ``key``: self-signed, or issued by ``issuer`` (key, certificate)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    signing_key, issuer_name = (key, subject) if issuer is None else (issuer[0],
                                                                     issuer[1].subject)
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=not ca,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                          decipher_only=False)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(signing_key, hashes.SHA256()))


def write_key(path: Path, key: rsa.RSAPrivateKey, password: bytes | None = None) -> str:
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8, encryption))
    return str(path)


def write_certificates(path: Path, *certificates: x509.Certificate) -> str:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    return str(path)


def pdfsig(path: Path) -> str:
    """poppler's report of a PDF's signatures (the test is skipped without poppler)."""
    if shutil.which("pdfsig") is None:
        pytest.skip("poppler's pdfsig is not installed (apt-get install poppler-utils)")
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60,
                          check=False)
    return done.stdout + done.stderr


@pytest.fixture(scope="session")
def record() -> dict[str, Any]:
    run = audit_inputs(dataset=read_csv(applicants_csv(), name="applicants.csv"),
                       predictions=None,
                       spec=AuditSpec(label="outcome", prediction="decision",
                                      sensitive=("sex",), favorable="1", bootstrap=50))
    return record_to_dict(AuditRecord(result=run.result, inputs=run.inputs,
                                      id_column=None, created_at=CREATED_AT))


@pytest.fixture(scope="session")
def record_bytes(record: dict[str, Any]) -> bytes:
    return canonical_bytes(record)


@pytest.fixture(scope="session")
def plain_pdf(record: dict[str, Any]) -> bytes:
    return render_pdf(record)


@pytest.fixture(scope="session")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed key and certificate (CN "Test Board Signer") as PEM files."""
    folder = tmp_path_factory.mktemp("keys")
    key = make_key()
    return (write_key(folder / "key.pem", key),
            write_certificates(folder / "cert.pem", make_certificate(key, SIGNER_CN)))


@pytest.fixture(scope="session")
def signing(key_files: tuple[str, str]) -> Signing:
    key, cert = key_files
    loaded = signing_from_env({"AUDIT_SIGNING_KEY": key, "AUDIT_SIGNING_CERT": cert})
    assert loaded is not None
    return loaded


@pytest.fixture(scope="session")
def signed_pdf(plain_pdf: bytes, record_bytes: bytes, signing: Signing) -> bytes:
    return seal_pdf(plain_pdf, record_bytes, signer=signing)


@pytest.fixture(scope="session")
def unsigned_pdf(plain_pdf: bytes, record_bytes: bytes) -> bytes:
    return seal_pdf(plain_pdf, record_bytes, signer=None)


@pytest.fixture
def pair(tmp_path: Path, record_bytes: bytes, signed_pdf: bytes) -> tuple[Path, Path]:
    """``audit.json`` and the signed ``audit.pdf`` written side by side."""
    json_path, pdf_path = tmp_path / "audit.json", tmp_path / "audit.pdf"
    json_path.write_bytes(record_bytes)
    pdf_path.write_bytes(signed_pdf)
    return json_path, pdf_path
