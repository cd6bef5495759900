"""Records: what was audited, found and decided, exported and kept.

`build_record` turns a finished run (with the board's `Review`) into the JSON record
(contract: ``audit/audit.schema.json``); every export is made from that dictionary:
canonical JSON (`to_json`, whose sha256 is the `fingerprint`), CSV tables, the PDF
(`render_pdf`). `suppress_small_cells` hides small groups in an export, `compare` sets
two records side by side, and `HistoryStore` keeps records append-only in a hash chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit._lazy import lazy_names
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
from audit.record._checklist import ChecklistItem, Preset, checklist, load_presets
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
    to_json,
    write_csv,
)
from audit.record._suppress import suppress_small_cells

# Loaded on first use: the history needs SQLAlchemy, the PDF reportlab and matplotlib, the
# seal, signature and verification pyHanko (together seconds of imports), and a command or
# page that uses none of them should not wait for them.
_LAZY: dict[str, str] = {
    "HistoryEntry": "audit.record._history",
    "HistoryStore": "audit.record._history",
    "VerifyResult": "audit.record._history",
    "default_url": "audit.record._history",
    "read_sealed_record": "audit.record._embed",
    "sha256_hex": "audit.record._embed",
    "render_pdf": "audit.record._pdf",
    "seal_pdf": "audit.record._seal",
    "Signing": "audit.record._sign",
    "signature_status_text": "audit.record._sign",
    "signing_from_env": "audit.record._sign",
    "VerifyReport": "audit.record._verify",
    "verify_bytes": "audit.record._verify",
    "verify_files": "audit.record._verify",
}

if TYPE_CHECKING:
    from audit.record._embed import read_sealed_record, sha256_hex
    from audit.record._history import HistoryEntry, HistoryStore, VerifyResult, default_url
    from audit.record._pdf import render_pdf
    from audit.record._seal import seal_pdf
    from audit.record._sign import Signing, signature_status_text, signing_from_env
    from audit.record._verify import VerifyReport, verify_bytes, verify_files

__all__ = [
    "AuditContext",
    "AuditRecord",
    "ChecklistItem",
    "Comparison",
    "DECISIONS",
    "HistoryEntry",
    "HistoryStore",
    "InputDifference",
    "MetricDelta",
    "Preset",
    "Review",
    "SCHEMA_VERSION",
    "Signing",
    "StatusChange",
    "VerifyReport",
    "VerifyResult",
    "adverse_impact_csv",
    "build_record",
    "canonical_bytes",
    "checklist",
    "compare",
    "default_url",
    "finding_id",
    "fingerprint",
    "load_presets",
    "load_record",
    "metrics_csv",
    "now_utc",
    "read_context",
    "read_sealed_record",
    "record_to_dict",
    "render_pdf",
    "safe_cell",
    "seal_pdf",
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
