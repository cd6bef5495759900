"""A record's exports: canonical JSON (the fingerprinted bytes) and CSV tables.

Every export is built from the record dictionary (`record_to_dict`), so every copy of a
number is the same number. CSV cells are neutralised against formula injection.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def to_json(record: Mapping[str, Any]) -> str:
    """Canonical JSON text of a record: sorted keys, UTF-8, no NaN, two-space indent."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, allow_nan=False, indent=2)


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """The exact bytes of ``audit.json``: the canonical text and a final newline, in UTF-8.

    The fingerprint is their sha256, so ``sha256sum audit.json`` prints it.
    """
    return (to_json(record) + "\n").encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """The fingerprint of record bytes: their sha256, as ``sha256sum`` prints it."""
    return hashlib.sha256(data).hexdigest()


def fingerprint(record: Mapping[str, Any]) -> str:
    """sha256 of `canonical_bytes`: printed on every PDF page, kept by the history."""
    return sha256_hex(canonical_bytes(record))


def legacy_fingerprint(record: Mapping[str, Any]) -> str:
    """The fingerprint of records saved before it was the hash of ``audit.json``'s bytes:
    sha256 of the compact canonical JSON. The history still verifies rows saved with it."""
    compact = json.dumps(record, sort_keys=True, ensure_ascii=False, allow_nan=False,
                         separators=(",", ":"))
    return hashlib.sha256(compact.encode("utf-8")).hexdigest()


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text of ``rows`` with every text cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else safe_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


METRICS_CSV_COLUMNS = ("attribute", "group", "n", "small", "unknown", "metric", "value",
                       "ci_low", "ci_high")


def metrics_csv(record: Mapping[str, Any]) -> str:
    """Long table of every group metric: one row per attribute, group and metric."""
    rows = [
        {"attribute": g["attribute"], "group": g["group"], "n": g["n"], "small": g["small"],
         "unknown": g["unknown"], "metric": name, **values}
        for g in record["groups"] for name, values in g["metrics"].items()
    ]
    return write_csv(rows, METRICS_CSV_COLUMNS)


ADVERSE_IMPACT_COLUMNS = ("attribute", "category", "n", "selected", "selection_rate",
                          "impact_ratio", "ci_low", "ci_high", "share", "under_2_percent",
                          "small", "unknown", "p_value", "p_adjusted", "highest_category",
                          "unknown_count")


def adverse_impact_csv(record: Mapping[str, Any]) -> str:
    """The adverse-impact tables as one CSV: one row per attribute and category."""
    rows = [{"attribute": t["attribute"], "highest_category": t["highest_category"],
             "unknown_count": t["unknown_count"], **r, "impact_ratio": r["impact_ratio"]["value"],
             "ci_low": r["impact_ratio"]["ci_low"], "ci_high": r["impact_ratio"]["ci_high"]}
            for t in record["adverse_impact"] for r in t["rows"]]
    return write_csv(rows, ADVERSE_IMPACT_COLUMNS)


def load_record(text: str) -> dict[str, Any]:
    """Parse a JSON record (from a file or the history store)."""
    return json.loads(text)
