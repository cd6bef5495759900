"""Quiet access to aif360 (the cross-check only: a plain audit never imports it).

aif360 logs a warning through the root logger for every optional extra that is not
installed (tensorflow, inFairness, POT) when its modules are imported, and the root
logger's ``basicConfig`` would then print those warnings on every CLI run. We import it
with a temporary null handler and logging disabled, so nothing is printed and the
root logger is left as we found it.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType


def quiet_import(module: str) -> ModuleType:
    """Import an aif360 module without its optional-dependency warnings."""
    root = logging.getLogger()
    guard = logging.NullHandler()
    root.addHandler(guard)
    previous = root.manager.disable
    logging.disable(logging.WARNING)
    try:
        return importlib.import_module(module)
    finally:
        logging.disable(previous)
        root.removeHandler(guard)

