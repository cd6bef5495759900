"""The command line: ``python -m audit run | history | verify | whatif`` (contract)."""

from __future__ import annotations

from audit.cli._main import main

__all__ = [
    "main",
]
