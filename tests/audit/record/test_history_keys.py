"""The keyed history: rows signed with an Ed25519 key; a rewrite that re-hashes every row
without the key is caught, on SQLite and on PostgreSQL."""

from __future__ import annotations

import copy
import hashlib
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.record import AuditRecord, HistoryKey, HistoryStore, Review, record_to_dict
from audit.record._history_chain import (
    HEAD_MISSING,
    KEYED,
    KEYED_OLDER,
    UNCHECKED,
    UNSIGNED_AFTER,
    UNSIGNED_HEAD,
)
from audit.record._history_keys import (
    BAD_KEY,
    BAD_SIGNATURE,
    PUBLIC_HINT,
    SIGNING,
    UNKEYED_STORE,
    UNKNOWN_KEY,
    HistoryError,
    history_key_from_env,
)
from tests.audit.record.history_db import BACKENDS, database_url, raw, rewrite_and_rehash


@pytest.fixture(scope="module")
def record(lending, lending_inputs) -> dict:
    review = Review(reviewers=("Ada Lovelace",), decision="reject",
                    reviewed_at="2026-01-15T10:00:00Z")
    return record_to_dict(AuditRecord(result=lending[1], inputs=lending_inputs, review=review))


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    yield from database_url(request.param, tmp_path)


def _write_key(path: Path, key) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def _write_public(path: Path, key) -> Path:
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


@pytest.fixture
def private(tmp_path) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def key(tmp_path, private) -> HistoryKey:
    return HistoryKey.load(str(_write_key(tmp_path / "history-key.pem", private)))


def _save(url: str, record: dict, key: HistoryKey | None, n: int = 3,
          board: str = "credit") -> list[dict]:
    saved = []
    with HistoryStore(url, key=key) as store:
        for _ in range(n):
            copied = copy.deepcopy(record)
            copied["audit_id"] = str(uuid.uuid4())
            store.append(copied, board=board)
            saved.append(copied)
    return saved


def _verify(url: str, key: HistoryKey | None, **kwargs):
    with HistoryStore(url, key=key) as store:
        return store.verify(**kwargs)


def test_each_row_is_signed_and_the_public_half_alone_checks_it(record, url, key, private,
                                                                tmp_path):
    _save(url, record, key)
    rows = raw(url, "SELECT row_hash, key_id, signature FROM audit_records ORDER BY seq")
    public = private.public_key()
    raw_public = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    for row in rows:  # checked with cryptography alone, as a compliance officer would
        public.verify(bytes.fromhex(row.signature),
                      b"fairness-audit history row\n" + row.row_hash.encode())
        assert row.key_id == hashlib.sha256(raw_public).hexdigest()[:16] == key.signing_id
    checker = HistoryKey.load(public=str(_write_public(tmp_path / "public.pem", private)))
    assert checker.private is None and checker.sign("00") is None
    result = _verify(url, checker)
    assert result.ok and result.keyed and result.signed == 3 and result.unsigned == 0
    assert result.key_words() == KEYED.format(signed=3, older="")
    unchecked = _verify(url, None)
    assert unchecked.ok and not unchecked.keyed
    assert unchecked.key_words() == UNCHECKED.format(signed=3)


def test_a_rewritten_and_re_hashed_history_fails_verify_when_a_key_is_set(record, url, key):
    saved = _save(url, record, key)
    edited = copy.deepcopy(saved[1])
    edited["review"]["decision"] = "approve"
    edited["summary"]["verdict"] = "pass"
    rewrite_and_rehash(url, "credit", {saved[1]["audit_id"]: edited})
    raw(url, "UPDATE audit_records SET decision = 'approve', verdict = 'pass', passed = TRUE "
             "WHERE audit_id = :a", a=saved[1]["audit_id"])
    assert _verify(url, None).ok  # every link and fingerprint holds again: only the key tells
    result = _verify(url, key)
    assert not result.ok and result.first_bad == saved[1]["audit_id"]
    assert result.reason.endswith(BAD_SIGNATURE)


def test_stripping_the_signatures_is_caught(record, url, key):
    saved = _save(url, record, key)
    rewrite_and_rehash(url, "credit", strip_signatures=True)
    result = _verify(url, key)
    assert not result.ok and result.first_bad == saved[-1]["audit_id"]
    assert result.reason.endswith(UNSIGNED_HEAD.format(board="credit"))


def test_a_row_saved_without_the_key_after_signed_rows_is_caught(record, url, key):
    _save(url, record, key, n=2)
    late = _save(url, record, None, n=1)
    result = _verify(url, key)
    assert not result.ok and result.first_bad == late[0]["audit_id"]
    assert result.reason.endswith(UNSIGNED_AFTER)


def test_a_row_signed_with_another_key_is_named(record, url, key, tmp_path):
    other = HistoryKey.load(str(_write_key(tmp_path / "other.pem",
                                           Ed25519PrivateKey.generate())))
    _save(url, record, key, n=1)
    stranger = _save(url, record, other, n=1)
    result = _verify(url, key)
    assert not result.ok and result.first_bad == stranger[0]["audit_id"]
    assert result.reason.endswith(UNKNOWN_KEY.format(
        key_id=other.signing_id, known=key.signing_id, env="AUDIT_HISTORY_PUBLIC_KEY"))


def test_deleting_the_newest_record_passes_verify_but_fails_with_the_noted_head(
        record, url, key):
    saved = _save(url, record, key)
    head = _verify(url, key).head
    raw(url, "DELETE FROM audit_records WHERE audit_id = :a", a=saved[-1]["audit_id"])
    assert _verify(url, key).ok  # a shorter chain of signed rows is still a valid chain
    result = _verify(url, key, head=head)
    assert not result.ok and result.reason == HEAD_MISSING.format(head=head)
    assert result.lines() == [f"History altered: {HEAD_MISSING.format(head=head)}."]


def test_a_key_set_on_an_unkeyed_history_vouches_for_the_rows_before_it(record, url, key):
    _save(url, record, None, n=2)
    _save(url, record, key, n=1)
    result = _verify(url, key)
    assert result.ok and result.signed == 1 and result.unsigned == 2
    assert result.key_words() == KEYED.format(signed=1,
                                              older=KEYED_OLDER.format(unsigned=2))
    # the board's next row was never saved with the key: the head is unsigned
    other = _save(url, record, None, n=1, board="hiring")
    unsigned = _verify(url, key)
    assert not unsigned.ok and unsigned.first_bad == other[0]["audit_id"]


def test_key_status_in_words(key, tmp_path, url):
    with HistoryStore(url, key=key) as store:
        assert store.keyed and store.key_words == SIGNING.format(key_id=key.signing_id)
    with HistoryStore(url, key=None) as store:
        assert not store.keyed and store.key_words == UNKEYED_STORE


def test_the_key_comes_from_the_environment_as_a_path_or_as_pem_text(tmp_path, private):
    path = _write_key(tmp_path / "k.pem", private)
    by_path = history_key_from_env({"AUDIT_HISTORY_KEY": str(path)})
    by_text = history_key_from_env({"AUDIT_HISTORY_KEY": path.read_text()})
    assert by_path is not None and by_text is not None
    assert by_path.signing_id == by_text.signing_id
    assert history_key_from_env({}) is None


def test_unusable_keys_get_a_message_with_the_fix(tmp_path):
    missing = str(tmp_path / "nope.pem")
    with pytest.raises(HistoryError) as err:
        HistoryKey.load(missing)
    assert str(err.value) == BAD_KEY.format(env="AUDIT_HISTORY_KEY", kind="private",
                                            where=f"file {missing!r}",
                                            reason="No such file or directory", public="")
    rsa_path = tmp_path / "rsa.pem"
    _write_key(rsa_path, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(HistoryError) as err:
        HistoryKey.load(str(rsa_path))
    assert str(err.value) == BAD_KEY.format(env="AUDIT_HISTORY_KEY", kind="private",
                                            where=f"file {str(rsa_path)!r}",
                                            reason="it is a RSAPrivateKey", public="")
    locked = tmp_path / "locked.pem"
    locked.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret")))
    with pytest.raises(HistoryError, match="encrypted with a password"):
        HistoryKey.load(str(locked))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(HistoryError) as err:
        HistoryKey.load(public=str(garbage))
    assert str(err.value).startswith("AUDIT_HISTORY_PUBLIC_KEY does not hold a usable Ed25519 "
                                     f"public key (file {str(garbage)!r}): ")
    assert str(err.value).endswith(PUBLIC_HINT + ", or unset it to keep the history unkeyed.")
