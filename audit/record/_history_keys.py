"""The history key: each history row signed with a server-side Ed25519 key.

Why Ed25519 and not an HMAC: an HMAC key both makes and checks the tag, so everyone who
can verify the history can also forge it. With Ed25519 the server holds the private key
(``AUDIT_HISTORY_KEY``) and signs each row as it is saved; anyone given only the public
key (``AUDIT_HISTORY_PUBLIC_KEY``: a compliance officer, a second machine) can check
every row and forge none. Each row names its key by id (the first 16 hex digits of the
sha256 of the raw public key), so an old key's public half keeps older rows checkable
after the key is changed.

Both variables hold a PEM file's path or the PEM text itself. Make a key with::

    openssl genpkey -algorithm ed25519 -out history-key.pem
    openssl pkey -in history-key.pem -pubout -out history-key.pub.pem

Several public keys are separated by ``os.pathsep`` (``:``) when given as paths.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit._errors import HistoryError

__all__ = ["ENV_KEY", "ENV_PUBLIC_KEY", "HistoryKey", "history_key_from_env", "key_id",
           "key_status"]

ENV_KEY = "AUDIT_HISTORY_KEY"
ENV_PUBLIC_KEY = "AUDIT_HISTORY_PUBLIC_KEY"
DOMAIN = b"fairness-audit history row\n"  # signed messages are this, then the row hash

BAD_KEY = (
    "{env} does not hold a usable Ed25519 {kind} key ({where}): {reason}. Fix: point {env} "
    "at a PEM file made with `openssl genpkey -algorithm ed25519 -out history-key.pem`"
    "{public}, or unset it to keep the history unkeyed."
)
PUBLIC_HINT = " and `openssl pkey -in history-key.pem -pubout`"
UNKNOWN_KEY = ("it is signed with history key {key_id}, which is not among the keys given "
               "({known}); set {env} to that key's public half to check it")
SIGNING = ("Keyed history: each row is signed with the history key (Ed25519, key id "
           "{key_id}), so a rewrite without the key fails verification.")
CHECK_ONLY = ("Rows are checked against the history key's public half (key id(s) {key_ids}); "
              "this server cannot sign new rows, so the rows it saves are unsigned.")
UNKEYED_STORE = ("Unkeyed history: rows are hash-chained but not signed, so someone who can "
                 "write to the database could rewrite them undetected. Set AUDIT_HISTORY_KEY "
                 "to sign them.")
BAD_SIGNATURE = ("its signature does not match: the row was written or rewritten without the "
                 "history key")


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the sha256 of the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _pem(value: str, env: str, kind: str) -> tuple[bytes, str]:
    """The PEM bytes ``value`` holds or names, and how to name where they came from."""
    if value.lstrip().startswith("-----BEGIN"):
        return value.encode("utf-8"), "PEM text"
    try:
        return Path(value).expanduser().read_bytes(), f"file {value!r}"
    except OSError as err:
        raise HistoryError(BAD_KEY.format(
            env=env, kind=kind, where=f"file {value!r}", reason=err.strerror or str(err),
            public=PUBLIC_HINT if kind == "public" else "")) from err


def _private(value: str) -> Ed25519PrivateKey:
    data, where = _pem(value, ENV_KEY, "private")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        if isinstance(err, TypeError):
            reason = "it is encrypted with a password; the server needs it unencrypted"
        raise HistoryError(BAD_KEY.format(env=ENV_KEY, kind="private", where=where,
                                          reason=reason, public="")) from err
    if not isinstance(key, Ed25519PrivateKey):
        raise HistoryError(BAD_KEY.format(env=ENV_KEY, kind="private", where=where,
                                          reason=f"it is a {type(key).__name__}", public=""))
    return key


def _public(value: str) -> Ed25519PublicKey:
    data, where = _pem(value, ENV_PUBLIC_KEY, "public")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as err:
        raise HistoryError(BAD_KEY.format(
            env=ENV_PUBLIC_KEY, kind="public", where=where,
            reason=str(err).splitlines()[0] or type(err).__name__, public=PUBLIC_HINT)) from err
    if not isinstance(key, Ed25519PublicKey):
        raise HistoryError(BAD_KEY.format(env=ENV_PUBLIC_KEY, kind="public", where=where,
                                          reason=f"it is a {type(key).__name__}",
                                          public=PUBLIC_HINT))
    return key


@dataclass(frozen=True)
class HistoryKey:
    """The signing key (optional) and the public keys that check rows, by key id."""

    private: Ed25519PrivateKey | None = None
    public: Mapping[str, Ed25519PublicKey] = field(default_factory=dict)

    @classmethod
    def load(cls, private: str | None = None, public: str | None = None) -> HistoryKey:
        """From a PEM path or text for the private key and for one or more public keys
        (paths separated by ``os.pathsep``). Raises `HistoryError` naming the fix."""
        signer = _private(private) if private else None
        keys: dict[str, Ed25519PublicKey] = {}
        if signer is not None:
            keys[key_id(signer.public_key())] = signer.public_key()
        if public:
            parts = [public] if public.lstrip().startswith("-----BEGIN") else [
                p for p in public.split(os.pathsep) if p.strip()]
            for part in parts:
                key = _public(part)
                keys[key_id(key)] = key
        return cls(private=signer, public=keys)

    @property
    def signing_id(self) -> str | None:
        """The id of the key new rows are signed with (None: rows are saved unsigned)."""
        return key_id(self.private.public_key()) if self.private is not None else None

    def sign(self, row_hash: str) -> tuple[str, str] | None:
        """(key id, hex signature) of a row hash; None without a private key."""
        if self.private is None:
            return None
        signature = self.private.sign(DOMAIN + row_hash.encode("ascii"))
        return key_id(self.private.public_key()), signature.hex()

    def check(self, row_hash: str, signing_key: str, signature: str) -> str:
        """Why a row's signature fails ("" when it holds)."""
        public = self.public.get(signing_key)
        if public is None:
            return UNKNOWN_KEY.format(key_id=signing_key, known=", ".join(self.public) or "none",
                                      env=ENV_PUBLIC_KEY)
        try:
            public.verify(bytes.fromhex(signature), DOMAIN + row_hash.encode("ascii"))
        except (InvalidSignature, ValueError):
            return BAD_SIGNATURE
        return ""


def key_status(key: HistoryKey | None) -> str:
    """Whether a store with ``key`` signs its rows, in one sentence."""
    if key is not None and key.private is not None:
        return SIGNING.format(key_id=key.signing_id)
    if key is not None and key.public:
        return CHECK_ONLY.format(key_ids=", ".join(key.public))
    return UNKEYED_STORE


def history_key_from_env(environ: Mapping[str, str] | None = None) -> HistoryKey | None:
    """The key named by ``AUDIT_HISTORY_KEY`` / ``AUDIT_HISTORY_PUBLIC_KEY``; None when
    neither is set (the history is then unkeyed)."""
    env = os.environ if environ is None else environ
    private, public = env.get(ENV_KEY, "").strip(), env.get(ENV_PUBLIC_KEY, "").strip()
    if not private and not public:
        return None
    return HistoryKey.load(private or None, public or None)
