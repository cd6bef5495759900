"""``python -m audit``: the headless audit (see ``audit._cli``)."""

from __future__ import annotations

import sys

from audit.cli import main

if __name__ == "__main__":
    sys.exit(main())
