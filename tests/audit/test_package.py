"""The package's public surface and its boundary with the dashboard."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import audit

ROOT = Path(__file__).resolve().parents[2]

PUBLIC = [
    "AuditInput", "AuditInputError", "AuditRecord", "AuditResult", "AuditRun", "AuditSpec",
    "CSVFormatError", "ColumnError", "Criterion", "DEFAULT_CRITERIA", "Estimate",
    "Explanations", "Finding", "GroupMetrics", "HistoryStore", "IdentifierColumn", "JoinError",
    "Limits", "LoadedModel", "find_identifiers", "suppress_small_cells",
    "PreparedData", "Provenance", "Review", "TRUSTED_TYPES", "audit_inputs", "compare",
    "crosscheck", "detect_proxies", "explain", "fingerprint", "join_inputs", "load_model",
    "metrics_csv", "prepare", "read_csv", "read_path", "record_to_dict", "render_pdf",
    "run_audit", "to_json",
]


def test_public_surface_changes_only_on_purpose():
    assert audit.__all__ == sorted(PUBLIC)


def test_every_public_name_resolves():
    for name in audit.__all__:
        assert getattr(audit, name) is not None, name


def test_audit_never_imports_streamlit():
    for path in sorted((ROOT / "audit").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] == "streamlit" for n in names), path.name


def test_importing_the_engine_loads_no_streamlit():
    code = ("import sys, audit; audit.audit_inputs; audit.render_pdf; audit.explain; "
            "print('streamlit' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.stdout.strip() == "False", done.stderr
