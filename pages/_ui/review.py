"""The Review and History pages' layer: the record the board signs, its exports, the store.

A record's identity (audit id and creation time) is made once per audit run and kept in
session state under ``record_identity``, so the PDF, the JSON and the history entry of one
review are the same record on every rerun. Once a record is in the history it is never
replaced: saving a changed review afterwards files a new record with a new audit id.

The record names the columns left out of the audit as identifiers (``inputs[].
dropped_columns``). Downloads may hide small groups (`export_record`); the history always
keeps the full record. The PDF is rendered only when its download button is clicked; it
holds the board's notes, so it is kept in this session's state (``record_pdf``), never in a
cache that other sessions share. The PDF is sealed (`audit.record.sealed_pdf`): the JSON
download's exact bytes are embedded in it, their sha256 is the fingerprint on its pages, and
it is signed when the server has a key (``AUDIT_SIGNING_KEY``/``AUDIT_SIGNING_CERT``,
`board_signing`); the JSON download is those canonical bytes (`json_bytes`).

Records are filed on this session's board (`pages._ui.auth.access`); once filed, the
downloads are made from the record as the history holds it (`HistoryStore.filed`: with its
sign-offs and the history's head hash), so a reviewer's PDF lists every sign-off so far.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from audit import (
    DECISION_LABELS,
    PDF_FAILED,
    SIGNING_KEY_UNUSABLE,
    AuditInputError,
    HistoryError,
    format_estimate,
    format_number,
    status_label,
    verdict_label,
)
from audit.engine import AuditRun
from audit.record import (
    Access,
    Review,
    build_record,
    canonical_bytes,
    now_utc,
    record_for_role,
    suppress_small_cells,
)
from pages._ui import widgets
from pages._ui.auth import access
from pages._ui.whatif import record_whatif

if TYPE_CHECKING:  # the PDF and the history load their libraries on first use
    from audit.record import HistoryEntry, HistoryKey, HistoryStore, Signing

IDENTITY_KEY = "record_identity"
PDF_KEY = "record_pdf"
RECORDS_KEY = "record_built"
BYTES_KEY = "record_json"
_LOG = logging.getLogger(__name__)
NO_REVIEWER = "Enter at least one reviewer's name (separate several names with commas)."
NO_DECISION = "Choose a decision: approve, approve with conditions, or reject."
NO_CONDITIONS = ("Conditions are required when the decision is 'approve with conditions'. "
                 "Write the conditions the model must meet.")


@dataclass(frozen=True)
class RecordIdentity:
    """The audit id and creation time of the record made from ``run``."""

    run: AuditRun
    audit_id: str
    created_at: str
    saved_seq: int | None = None


@st.cache_resource(show_spinner=False)
def _log_once(reason: str) -> None:
    """The signing-key fault in the server log once per server process, not per rerun."""
    _LOG.error("The server's signing key could not be loaded: %s", reason)


def identity(run: AuditRun) -> RecordIdentity:
    """This run's record identity, made on first use (a new run gets a new one)."""
    current = st.session_state.get(IDENTITY_KEY)
    if current is None or current.run is not run:
        # a re-run of the same files keeps the review (`actions.store_run` drops it with
        # other files): its notes stay on their findings' ids
        current = RecordIdentity(run, str(uuid.uuid4()), now_utc())
        st.session_state[IDENTITY_KEY] = current
    return current


def renew_identity(run: AuditRun) -> None:
    """A new audit id for the next record of ``run`` (the last one is in the history)."""
    st.session_state[IDENTITY_KEY] = RecordIdentity(run, str(uuid.uuid4()), now_utc())


def mark_saved(seq: int) -> None:
    st.session_state[IDENTITY_KEY] = replace(st.session_state[IDENTITY_KEY], saved_seq=seq)


@dataclass(frozen=True)
class _Built:
    """A record as built, with what it was built from (`record_of`)."""

    parts: tuple[Any, ...]
    record: Mapping[str, Any]


def _remember(key: str, item: Any) -> None:
    """Keep ``item`` with the one before it: the Review page uses two records per run (the
    draft without the review, and the record with it)."""
    st.session_state[key] = [*st.session_state.get(key, [])[-1:], item]


def record_of(run: AuditRun, explanations: Any, review: Review | None,
              ident: RecordIdentity) -> dict[str, Any]:
    """The JSON record of ``run`` with the board's review (the one every export uses).

    The same object comes back on every rerun until one of its parts changes (the run,
    the explanations, the review, the record's identity, the what-if option, the context,
    the presets): with explanations and a few attributes a record is megabytes of JSON,
    and every keystroke in a note reruns the page. Never change the dict returned.
    """
    whatif = record_whatif(run)
    context = st.session_state.get("context")
    presets = st.session_state.get("presets") or ()
    parts = (ident.audit_id, ident.created_at, review, whatif, context, presets)
    for built in st.session_state.get(RECORDS_KEY, []):
        if built.parts[0] is run and built.parts[1] is explanations \
                and built.parts[2:] == parts:
            return built.record  # type: ignore[return-value]
    record = build_record(run, explanations=explanations if hasattr(explanations, "to_dict")
                          else None, review=review, audit_id=ident.audit_id,
                          created_at=ident.created_at, whatif=whatif, context=context,
                          presets=presets)
    _remember(RECORDS_KEY, _Built((run, explanations, *parts), record))
    return record


def export_record(record: Mapping[str, Any], k: int) -> Mapping[str, Any]:
    """The record the downloads use: groups of fewer than ``k`` people hidden (0: all shown).

    Raises `AuditInputError` when ``k`` would hide every group.
    """
    return suppress_small_cells(record, k=k) if k > 0 else record


def parse_reviewers(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def review_errors(reviewers: Sequence[str], decision: str | None, conditions: str) -> list[str]:
    """What is missing before the review can be saved (empty when it is complete)."""
    errors = [] if reviewers else [NO_REVIEWER]
    if decision is None:
        errors.append(NO_DECISION)
    elif decision == "approve_with_conditions" and not conditions.strip():
        errors.append(NO_CONDITIONS)
    return errors


def criteria_frame(record: Mapping[str, Any]) -> pd.DataFrame:
    """The criteria the decision rests on: one row per finding."""
    return pd.DataFrame([{
        "attribute": f["attribute"], "criterion": f["criterion"].replace("_", " "),
        "threshold": f"{'≥' if f.get('bound') == 'min' else '≤'} "
                     f"{format_number(f['threshold'], 2)}",
        "value (95% CI)": format_estimate(f), "status": status_label(f["status"]),
    } for f in record["findings"]], columns=["attribute", "criterion", "threshold",
                                             "value (95% CI)", "status"])


def history_frame(entries: Sequence[HistoryEntry]) -> pd.DataFrame:
    return pd.DataFrame([{
        "seq": e.seq, "audit_id": e.audit_id, "created_at": e.created_at,
        "dataset": e.dataset_name, "verdict": verdict_label(e.verdict),
        "decision": DECISION_LABELS.get(e.decision or "", "Not reviewed"),
        "sign-offs": e.approvals, "saved_at": e.saved_at,
    } for e in entries])


@st.cache_resource(show_spinner=False)
def _encoder() -> ThreadPoolExecutor:
    """The server process's one background thread that writes records' JSON."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="record-json")


def _encoding(record: Mapping[str, Any]) -> Future[bytes]:
    """The canonical bytes of ``record`` (this very object), written once, on `_encoder`."""
    for written, future in st.session_state.get(BYTES_KEY, []):
        if written is record:
            return future  # type: ignore[no-any-return]
    future = _encoder().submit(canonical_bytes, record)
    _remember(BYTES_KEY, (record, future))
    return future


def json_bytes(record: Mapping[str, Any]) -> bytes:
    """The JSON download: the record's canonical bytes, the very bytes embedded in its PDF,
    so that their sha256 is the fingerprint printed on the PDF's pages. Made once per record
    object (`record_of` gives the same one back while nothing changed), maybe already in
    the background (`prepare`): the canonical text is indented, which Python's JSON
    encoder writes in pure Python, 0.4-0.8 s for a record with explanations."""
    return _encoding(record).result()


def prepare(run: AuditRun, explanations: Any) -> None:
    """Start writing the JSON of the record the Review page will show, in the background:
    called once the Explanations page has drawn new explanations (they make the record
    megabytes long), so that the bytes are ready while the board reads them (a record not
    yet filed; nothing when it is). Not after the Fairness page: its record is smaller,
    and a second thread writing JSON slowed the delivery of that page's own elements
    (run to verdict 2.6 s -> 2.9 s)."""
    ident = identity(run)
    if ident.saved_seq is None:
        _encoding(record_of(run, explanations, st.session_state["review"], ident))


SIGNING_PREFIX = "AUDIT_SIGNING_"  # AUDIT_SIGNING_KEY, _CERT, _KEY_PASSWORD


def _stamp(name: str, value: str) -> tuple[str, str, float | None]:
    """What identifies one signing setting: its name, a hash of its value (the password is
    never kept), and the file's modification time when the value is a path."""
    try:
        modified: float | None = os.stat(value).st_mtime if value else None
    except OSError:
        modified = None
    return name, hashlib.sha256(value.encode("utf-8")).hexdigest(), modified


@st.cache_resource(max_entries=2, show_spinner=False)
def _signing(stamp: tuple[tuple[str, str, float | None], ...],
             _env: Mapping[str, str]) -> Signing | None:
    from audit.record import signing_from_env

    return signing_from_env(_env)


def board_signing() -> Signing | None:
    """The server's signing key from the environment (`audit.record.signing_from_env`),
    loaded once per setting (a changed file or variable loads it again); None when PDFs are
    unsigned. Raises `AuditInputError` naming the variable and file when it is unusable."""
    env = {k: v for k, v in os.environ.items() if k.startswith(SIGNING_PREFIX)}
    if not any(env.values()):
        return None  # the usual case: nothing to read, no library to load
    return _signing(tuple(sorted(_stamp(k, v) for k, v in env.items())), env)


def pdf_for(record_sha256: str, record: Mapping[str, Any]) -> Callable[[], bytes] | None:
    """The record's sealed PDF, made when the download button is clicked (not before: it
    takes seconds) and once per record (keyed by its fingerprint) and signing key. None,
    with a message on the page, when the server's signing key is unusable or once making
    the PDF has failed, so that the rest of the page (the other downloads, saving to the
    history) still works.

    The PDF embeds ``json_bytes(record)`` and is signed with `board_signing` when the
    server has a key; page 1 says whether it is signed. The bytes are kept in this session's
    state (a box the click fills), not in ``st.cache_data``: they hold the board's notes.
    """
    try:
        signing = board_signing()
    except AuditInputError as err:  # its message names the server's files: for the log only
        _log_once(str(err))
        st.error(SIGNING_KEY_UNUSABLE)
        return None
    signer = None if signing is None else (signing.cert_path, signing.certificate.serial_number)
    kept = st.session_state.get(PDF_KEY)
    if kept is None or kept[0] != record_sha256 or kept[1].get("signer") != signer:
        kept = (record_sha256, {"signer": signer} if signer is not None else {})
        st.session_state[PDF_KEY] = kept
    box: dict[str, Any] = kept[1]
    if box.get("failed"):
        st.error(PDF_FAILED)
        return None

    def render() -> bytes:  # runs on the click, on a thread of its own: no st.* calls here
        from audit.record import sealed_pdf

        if "pdf" not in box:
            try:
                box["pdf"] = sealed_pdf(record, signer=signing)
            except Exception:  # a fault in the PDF must not cost the board its review
                _LOG.exception("The PDF of record %s could not be made", record_sha256)
                box["failed"] = True  # the next run of the page says so, without the button
                raise
        return box["pdf"]

    return render


@st.cache_resource(max_entries=4, show_spinner=False)
def _store(url: str, key_ids: tuple[str, ...], _key: HistoryKey | None) -> HistoryStore:
    from audit.record import HistoryStore

    return HistoryStore(url, key=_key)


def history_store() -> HistoryStore:
    """The store at ``$AUDIT_DB_URL`` (or the default file), signing its rows with
    ``$AUDIT_HISTORY_KEY`` when set. Raises `HistoryError`."""
    from audit.record import default_url, history_key_from_env

    key = history_key_from_env()
    ids = (key.signing_id or "", *key.public) if key is not None else ()
    return _store(default_url(), ids, key)


def shown_store() -> HistoryStore | None:
    """`history_store`, or None after showing why it cannot be used."""
    try:
        return history_store()
    except HistoryError as err:
        widgets.error(err)
        return None


def board_access() -> Access | None:
    """This session's board and role; an unusable boards setting stops the page with its
    message."""
    try:
        return access()
    except AuditInputError as err:
        widgets.error(err)
        st.stop()
        raise


def filed_view(store: HistoryStore, where: Access, audit_id: str) -> dict[str, Any]:
    """A filed record of ``where``'s board as its role may read it (`record_for_role`);
    a problem stops the page with its message."""
    try:
        return record_for_role(store.filed(audit_id, board=where.board), where)
    except (HistoryError, AuditInputError) as err:
        widgets.error(err)
        st.stop()
        raise
