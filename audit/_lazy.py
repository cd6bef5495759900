"""Names a package's face loads on first use (PEP 562), so that importing the face stays fast.

``__getattr__, __dir__ = lazy_names(__name__, {"render_pdf": "audit.record._pdf", ...})`` in
a package's ``__init__``: the first ``package.render_pdf`` imports ``audit.record._pdf`` and
keeps the name in the package, so later lookups cost nothing.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, names: Mapping[str, str]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` importing each of ``names`` from its module on first use,
    and a ``__dir__`` listing them with the package's own names."""
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
