"""The package's floor plan: public faces, no import cycle, no private import from outside.

``audit`` is grouped by stage (inputs, engine, explain, record, views, cli), each a
subpackage with a small public ``__init__``; `_errors` and `_words` serve them all. Code
outside ``audit/`` (the dashboard, the benchmarks) reaches the engine only through
``audit`` or a stage's face, and ``audit/`` never imports streamlit.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import audit

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("inputs", "sources", "engine", "explain", "whatif", "record", "views", "cli")

PUBLIC = [
    # errors
    "AuditInputError", "CSVFormatError", "ColumnError", "HistoryError", "JoinError",
    # words
    "CRITERION_NAMES", "CRITERION_TITLES", "DECISION_CHOICES", "DECISION_LABELS",
    "DEFAULT_UNKNOWN_VALUES", "JUDGEMENT_WORDS", "NOTES_LEFT_OVER", "PASS_TOLERANCE",
    "STATUS_LABELS",
    # words: the record filed, sealed or not made (the Review and History pages, the CLI)
    "IN_HISTORY", "NOT_SIGNED", "PDF_FAILED", "SAVED_TO_HISTORY", "SEALED", "SIGNED_BY",
    "SIGNING_KEY_UNUSABLE",
    "STATUS_WORDS", "TOO_FEW", "UNDER_2_PERCENT_JUSTIFICATION", "VERDICT_LABELS",
    "format_against", "format_estimate",
    "format_interval", "format_number", "format_p", "format_percent", "outcome_label",
    "outcome_verb", "reference_note", "rule_name", "second_look", "second_looks",
    "status_label", "verdict_detail", "verdict_label", "verdict_of",
    # inputs
    "AuditInput", "AuditSpec", "Criterion", "DEFAULT_CRITERIA", "IdentifierColumn", "Limits",
    "PreparedData", "Provenance", "find_identifiers", "join_inputs", "prepare", "read_csv",
    "read_path",
    # engine
    "AuditResult", "AuditRun", "Estimate", "Finding", "GroupMetrics", "audit_inputs",
    "crosscheck", "run_audit",
    # explanations
    "Explanations", "LoadedModel", "TRUSTED_TYPES", "detect_proxies", "explain", "load_model",
    # records
    "AuditRecord", "HistoryStore", "Review", "build_record", "compare", "fingerprint",
    "metrics_csv", "record_to_dict", "render_pdf", "suppress_small_cells", "to_json",
]


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    out = {}
    for path in sorted((ROOT / "audit").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, name: str) -> list[str]:
    """The modules ``path`` imports, resolved to dotted names (relative imports too)."""
    found = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.append(base)
            found += [f"{base}.{alias.name}" for alias in node.names]
    return found


def test_public_surface_changes_only_on_purpose():
    assert audit.__all__ == sorted(PUBLIC)


def test_every_public_name_resolves():
    for name in audit.__all__:
        assert getattr(audit, name) is not None, name


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_has_a_sorted_public_face_that_resolves(stage: str):
    face = importlib.import_module(f"audit.{stage}")
    assert face.__doc__, f"audit.{stage} says what the stage does"
    assert list(face.__all__) == sorted(face.__all__)
    for name in face.__all__:
        assert getattr(face, name) is not None, f"audit.{stage}.{name}"


def test_audit_never_imports_streamlit():
    modules = _modules()
    for name, path in modules.items():
        imported = _imports(path, name)
        assert not any(i.split(".")[0] == "streamlit" for i in imported), name


def test_no_import_cycle_inside_audit():
    """Walk every module-level import inside the package; the graph has no cycle."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path, name):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "audit":
                targets.add(imported)
        graph[name] = targets
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            cycle = trail[trail.index(node):] + [node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        for target in sorted(graph[node]):
            visit(target, [*trail, node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])


def test_code_outside_audit_imports_only_its_public_faces():
    """app.py, pages/, benchmarks/ and sample_data/ import ``audit`` or ``audit.<stage>``,
    never a private module (any part starting with ``_``)."""
    sources = [ROOT / "app.py", *(ROOT / "pages").rglob("*.py"),
               *(ROOT / "benchmarks").rglob("*.py"), *(ROOT / "sample_data").rglob("*.py")]
    offending = []
    for path in sources:
        for imported in _imports(path, "outside"):
            parts = imported.split(".")
            if parts[0] == "audit" and any(p.startswith("_") for p in parts[1:2] + parts[2:3]
                                           if not (p.isupper() or p == "__version__")):
                offending.append(f"{path.relative_to(ROOT)}: {imported}")
    assert offending == []


def test_importing_the_engine_loads_no_streamlit():
    code = ("import sys, audit; audit.audit_inputs; audit.render_pdf; audit.explain; "
            "print('streamlit' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.stdout.strip() == "False", done.stderr
