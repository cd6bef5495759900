"""The public face of audit.whatif, and what it may import."""

from __future__ import annotations

import ast
from pathlib import Path

import audit
import audit.whatif

ROOT = Path(__file__).resolve().parents[3]
PUBLIC = [
    "DISPARITIES", "Evaluation", "GroupSweep", "LAWFULNESS_NOTE", "OperatingPoint",
    "RANDOMIZATION_NOTE", "RandomizedRule", "RocCurve", "STRATEGIES", "SkippedOption",
    "Strategy", "Sweep", "TARGETS", "TOLERANCE_LADDER", "ThresholdChoice", "TradeoffCurve",
    "TradeoffPoint", "UploadedCutOff", "WhatIfBefore", "WhatIfOption", "WhatIfPlan",
    "WhatIfReport", "apply_thresholds", "format_cut_off", "option_name", "plan",
    "randomization_words", "roc_curves", "sweep", "uploaded_cut_off", "whatif", "words",
]


def test_public_surface_changes_only_on_purpose():
    assert audit.whatif.__all__ == sorted(PUBLIC)
    for name in audit.whatif.__all__:
        assert getattr(audit.whatif, name) is not None, name


def test_strategies_are_the_literal():
    assert audit.whatif.STRATEGIES == ("single", "max_accuracy", "demographic_parity",
                                       "equal_opportunity", "equalized_odds")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [alias.name for alias in node.names]))
    return out


def test_the_rest_of_audit_is_used_only_through_its_public_names():
    paths = [*sorted((ROOT / "audit" / "whatif").glob("*.py")), ROOT / "audit" / "cli" /
             "_whatif.py"]
    for path in paths:
        for module, names in _imports(path):
            assert module.split(".")[0] != "streamlit", path.name
            if module == "audit":
                assert set(names) <= set(audit.__all__), (path.name, names)
            elif module.startswith("audit."):
                assert module == "audit.whatif", (path.name, module)
