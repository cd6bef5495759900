"""Records: what was audited, found and decided, exported and kept.

`build_record` turns a finished run (with the board's `Review`) into the JSON record
(contract: ``audit/audit.schema.json``); every export is made from that dictionary:
canonical JSON (`to_json`, whose sha256 is the `fingerprint`), CSV tables, the PDF
(`render_pdf`; `sealed_pdf` for the file handed out: the record embedded, signed with
``AUDIT_SIGNING_KEY``/``AUDIT_SIGNING_CERT`` when set). `suppress_small_cells` hides small
groups in an export, `compare` sets two records side by side, and `HistoryStore` keeps
records append-only in a hash chain per board, with each reviewer's `Approval` as its own
row and, with ``AUDIT_HISTORY_KEY``, every row signed (`HistoryKey`). `Access` says what a
role may do on a board; `record_for_role` makes the copy of a filed record that role may
read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit._lazy import lazy_names
from audit.record._approvals import UNVERIFIED, Approval, Identity, approval_errors
from audit.record._boards import (
    DEFAULT_BOARD,
    ROLES,
    Access,
    Board,
    Boards,
    boards_from_env,
    load_boards,
    local_board,
    personal_board,
    private_board,
    record_for_role,
)
from audit.record._build import (
    DECISIONS,
    SCHEMA_VERSION,
    AuditRecord,
    Review,
    build_record,
    finding_id,
    now_utc,
    record_to_dict,
)
from audit.record._checklist import ChecklistItem, Preset, checklist, load_presets, preset
from audit.record._compare import (
    Comparison,
    InputDifference,
    MetricDelta,
    StatusChange,
    compare,
)
from audit.record._context import AuditContext, read_context
from audit.record._export import (
    adverse_impact_csv,
    canonical_bytes,
    fingerprint,
    load_record,
    metrics_csv,
    safe_cell,
    sha256_hex,
    to_json,
    write_csv,
)
from audit.record._suppress import suppress_small_cells

# Loaded on first use: the history needs SQLAlchemy, the PDF reportlab, the
# seal, signature and verification pyHanko (together seconds of imports), and a command or
# page that uses none of them should not wait for them.
_LAZY: dict[str, str] = {
    "HistoryEntry": "audit.record._history",
    "HistoryStore": "audit.record._history",
    "VerifyResult": "audit.record._history",
    "HistoryKey": "audit.record._history_keys",
    "history_key_from_env": "audit.record._history_keys",
    "default_url": "audit.record._history",
    "read_sealed_record": "audit.record._embed",
    "render_pdf": "audit.record._pdf",
    "seal_pdf": "audit.record._seal",
    "sealed_pdf": "audit.record._seal",
    "Signing": "audit.record._sign",
    "signature_status_text": "audit.record._sign",
    "signing_from_env": "audit.record._sign",
    "VerifyReport": "audit.record._verify",
    "verify_bytes": "audit.record._verify",
    "verify_files": "audit.record._verify",
}

if TYPE_CHECKING:
    from audit.record._embed import read_sealed_record
    from audit.record._history import HistoryEntry, HistoryStore, VerifyResult, default_url
    from audit.record._history_keys import HistoryKey, history_key_from_env
    from audit.record._pdf import render_pdf
    from audit.record._seal import seal_pdf, sealed_pdf
    from audit.record._sign import Signing, signature_status_text, signing_from_env
    from audit.record._verify import VerifyReport, verify_bytes, verify_files

__all__ = [
    "Access",
    "Approval",
    "AuditContext",
    "AuditRecord",
    "Board",
    "Boards",
    "ChecklistItem",
    "Comparison",
    "DECISIONS",
    "DEFAULT_BOARD",
    "HistoryEntry",
    "HistoryKey",
    "HistoryStore",
    "Identity",
    "InputDifference",
    "MetricDelta",
    "Preset",
    "ROLES",
    "Review",
    "SCHEMA_VERSION",
    "Signing",
    "StatusChange",
    "UNVERIFIED",
    "VerifyReport",
    "VerifyResult",
    "adverse_impact_csv",
    "approval_errors",
    "boards_from_env",
    "build_record",
    "canonical_bytes",
    "checklist",
    "compare",
    "default_url",
    "finding_id",
    "fingerprint",
    "history_key_from_env",
    "load_boards",
    "load_presets",
    "load_record",
    "local_board",
    "metrics_csv",
    "now_utc",
    "personal_board",
    "preset",
    "private_board",
    "read_context",
    "read_sealed_record",
    "record_for_role",
    "record_to_dict",
    "render_pdf",
    "safe_cell",
    "seal_pdf",
    "sealed_pdf",
    "sha256_hex",
    "signature_status_text",
    "signing_from_env",
    "suppress_small_cells",
    "to_json",
    "verify_bytes",
    "verify_files",
    "write_csv",
]


__getattr__, __dir__ = lazy_names(__name__, _LAZY)
