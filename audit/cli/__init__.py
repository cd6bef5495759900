"""The command line: ``python -m audit run | history | verify | whatif`` (contract).

`choose_engine` and `open_source` are how ``run`` picks and opens an engine for its files
(``--engine auto`` by format and size); the benchmarks time exactly that.
"""

from __future__ import annotations

from audit.cli._engines import choose_engine, open_source
from audit.cli._main import main

__all__ = [
    "choose_engine",
    "main",
    "open_source",
]
