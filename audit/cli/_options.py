"""The command line's contract with a pipeline: every option checked, unexpected errors
as exit 4, an earlier audit never overwritten by accident.

- `check_audit_options` refuses a number a run cannot use (a confidence of 1.5 or ``nan``,
  a negative bootstrap, more bootstrap samples than the dashboard allows...) with a
  message that names the option, what it must be, what was given and the fix.
- `refuse_overwrite` stops ``--out`` from replacing an earlier audit unless ``--force``.
- `guarded` runs a command: anything that is not the user's mistake (`AuditInputError`,
  exit 2) is a bug, reported as one line and exit 4 — the traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import math
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from audit._words import clip

__all__ = [
    "DEBUG_FLAG",
    "EXIT_UNEXPECTED",
    "MAX_BOOTSTRAP",
    "add_contract_arguments",
    "check_audit_options",
    "guarded",
    "refuse_overwrite",
    "split_debug",
]

EXIT_UNEXPECTED = 4
DEBUG_FLAG = "--debug"
MAX_BOOTSTRAP = 10_000  # the dashboard's own cap on bootstrap samples
MAX_EXPLAIN_SAMPLE = 100_000

BAD_NUMBER = (
    "{option} {value} is not allowed: it must be {expected}. Fix: give {option} {example}, or "
    "leave it out to use the default ({default})."
)
OVERWRITE = (
    "The folder {out!r} already holds an earlier audit ({files}). It was not overwritten. "
    "Fix: give a new folder with --out, or add --force to replace that audit."
)
UNEXPECTED = (
    "unexpected error ({kind}: {detail}). This is a fault in the audit tool, not in your "
    "data, and no verdict was reached (exit 4). Please report it with the command you ran; "
    "run it again with --debug to see the full traceback."
)
OUT_OF_MEMORY = (
    "the audit ran out of memory (exit 4). Fix: audit fewer rows or sensitive columns, "
    "lower --bootstrap, or run it on a machine with more memory."
)


def add_contract_arguments(parser: argparse.ArgumentParser) -> None:
    """``--force`` (replace an earlier audit in ``--out``) for a command that writes files."""
    parser.add_argument("--force", action="store_true",
                        help="replace the audit already in --out (by default it is kept "
                        "and the command stops with exit 2)")


def split_debug(argv: Sequence[str]) -> tuple[list[str], bool]:
    """The arguments without ``--debug`` (accepted anywhere), and whether it was there."""
    rest = [a for a in argv if a != DEBUG_FLAG]
    return rest, len(rest) != len(argv)


def _check(option: str, value: float, ok: bool, expected: str, example: str,
           default: object) -> str | None:
    if ok and math.isfinite(float(value)):
        return None
    return BAD_NUMBER.format(option=option, value=clip(value), expected=expected,
                             example=example, default=default)


def check_audit_options(args: argparse.Namespace) -> list[str]:
    """The messages for every number option of ``run``/``whatif`` that a run cannot use.

    Checks what the command has: ``--bootstrap`` (0 to `MAX_BOOTSTRAP`), ``--confidence``
    (between 0 and 1), ``--min-denominator`` and ``--min-group-size``
    (at least 1), ``--seed`` (0 or more),
    ``--impact-ratio`` (above 0, at most 1), ``--max-difference`` (0 to 1),
    ``--explain-sample`` (10 to 100,000) and ``--max-intersection-cells`` (at least 1);
    NaN and infinities are refused everywhere.
    """
    checks: list[tuple[str, str, Callable[[float], bool], str, str, object]] = [
        ("bootstrap", "--bootstrap", lambda v: 0 <= v <= MAX_BOOTSTRAP,
         f"a whole number from 0 to {MAX_BOOTSTRAP:,} (0: no intervals)", "1000", 1000),
        ("confidence", "--confidence", lambda v: 0 < v < 1,
         "a number between 0 and 1 (exclusive)", "0.95", 0.95),
        ("min_denominator", "--min-denominator", lambda v: v >= 1,
         "a whole number of at least 1", "10", 10),
        ("min_group_size", "--min-group-size", lambda v: v >= 1,
         "a whole number of at least 1", "30", 30),
        ("seed", "--seed", lambda v: v >= 0, "a whole number of 0 or more", "0", 0),
        ("impact_ratio", "--impact-ratio", lambda v: 0 < v <= 1,
         "a number above 0 and at most 1", "0.8", 0.8),
        ("max_difference", "--max-difference", lambda v: 0 <= v <= 1,
         "a number from 0 to 1", "0.1", 0.1),
        ("explain_sample", "--explain-sample", lambda v: 10 <= v <= MAX_EXPLAIN_SAMPLE,
         f"a whole number from 10 to {MAX_EXPLAIN_SAMPLE:,}", "2000", 2000),
        ("max_intersection_cells", "--max-intersection-cells", lambda v: v >= 1,
         "a whole number of at least 1", "1000", 1000),
    ]
    problems = []
    for name, option, ok, expected, example, default in checks:
        if not hasattr(args, name):
            continue
        value = getattr(args, name)
        problem = _check(option, value, ok(value), expected, example, default)
        if problem:
            problems.append(problem)
    return problems


OUTPUTS = ("audit.json", "audit.pdf", "metrics.csv", "adverse_impact.csv", "whatif.json")


def refuse_overwrite(out: str | Path, *, force: bool, names: Sequence[str] = OUTPUTS
                     ) -> str | None:
    """The message when ``out`` already holds one of the files ``names`` and not ``force``."""
    folder = Path(out)
    if force or not folder.is_dir():
        return None
    present = [name for name in names if (folder / name).exists()]
    if not present:
        return None
    return OVERWRITE.format(out=clip(str(folder)), files=", ".join(present))


def guarded(command: Callable[[], int], *, debug: bool) -> int:
    """Run ``command``; a failure it did not expect becomes one line on stderr and exit 4.

    With ``debug`` the traceback is printed too. `SystemExit` and `KeyboardInterrupt` pass
    through: argparse's usage errors keep their exit 2, and Ctrl-C stops the run.
    """
    try:
        return command()
    except (SystemExit, KeyboardInterrupt):
        raise
    except MemoryError:
        if debug:
            traceback.print_exc()
        print(f"error: {OUT_OF_MEMORY}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except Exception as err:  # a bug: it must surface, as a contract a pipeline can read
        if debug:
            traceback.print_exc()
        detail = " ".join(str(err).split()) or "no message"
        print("error: " + UNEXPECTED.format(kind=type(err).__name__, detail=clip(detail, 300)),
              file=sys.stderr)
        return EXIT_UNEXPECTED
