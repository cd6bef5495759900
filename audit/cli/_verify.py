"""``python -m audit verify [audit.json] [audit.pdf]``: check a record, its PDF, or both.

Either file may be left out; they are told apart by their extension, else by their first
bytes. Exit status: 0 when everything checks, 1 when something differs (each difference is
printed, naming the fingerprint, the embedded record or the signature), 2 when a file
cannot be read (one line ``error: ...`` on stderr naming the file and the fix).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit import AuditInputError

if TYPE_CHECKING:
    from audit.record._verify import VerifyReport

__all__ = ["add_verify_parser", "run_verify"]

EXIT_VERIFIED, EXIT_DIFFERS, EXIT_INPUT = 0, 1, 2
TOO_MANY_FILES = (
    "verify takes one audit.json and one audit.pdf; got {count} files ({files}). Fix: run "
    "python -m audit verify audit.json audit.pdf."
)
UNRECOGNISED = (
    "Cannot tell whether {path!r} is the audit.json or the audit.pdf: its name ends in "
    "neither .json nor .pdf, and it starts with neither '{{' nor %PDF-. Fix: give the "
    "audit.json and audit.pdf written by python -m audit run."
)
SAME_KIND = (
    "{first!r} and {second!r} are both {kind} files. Fix: give one audit.json and one "
    "audit.pdf."
)
VERIFIED = "VERIFIED: {files}: every check passed."
NOT_VERIFIED = "NOT VERIFIED: {files}: {count} {problems} found."
PROBLEM, CHECK = "[DIFFERS]", "[CHECKED]"
_SNIFF_BYTES = 1024


def add_verify_parser(
    subparsers: argparse._SubParsersAction[Any],
) -> argparse.ArgumentParser:
    """Add the ``verify`` command to ``python -m audit``'s subcommands; returns its parser."""
    parser = subparsers.add_parser(
        "verify", help="check audit.json and audit.pdf against each other",
        description="Check that audit.pdf was sealed from audit.json and is unaltered: the "
        "fingerprint, the embedded record and the signature. Either file may be left out: "
        "a PDF alone is checked against its embedded record, an audit.json alone for "
        "canonical form. Exit 0 when everything checks, 1 when something differs, 2 when a "
        "file cannot be read.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="audit.json and/or audit.pdf, in either order")
    parser.add_argument("--signer-cert", metavar="CERT.pem",
                        help="the board's certificate: the PDF must be signed with it "
                        "(without it, any certificate that verifies the signature is accepted "
                        "and trust is reported as not established)")
    return parser


def _kind(path: str) -> str:
    from audit.record._verify import CANNOT_READ  # on use: pyHanko takes ~1 s to import

    suffix = Path(path).suffix.lower()
    if suffix in (".json", ".pdf"):
        return suffix[1:]
    try:
        with open(path, "rb") as file:
            head = file.read(_SNIFF_BYTES)
    except OSError as err:
        raise AuditInputError(CANNOT_READ.format(path=path,
                                                 reason=err.strerror or err)) from err
    if b"%PDF-" in head:
        return "pdf"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "json"
    raise AuditInputError(UNRECOGNISED.format(path=path))


def classify(files: Sequence[str]) -> tuple[str | None, str | None]:
    """``(json_path, pdf_path)`` from one or two paths in any order."""
    if not 1 <= len(files) <= 2:
        raise AuditInputError(TOO_MANY_FILES.format(count=len(files), files=", ".join(files)))
    found: dict[str, str] = {}
    for path in files:
        kind = _kind(path)
        if kind in found:
            raise AuditInputError(SAME_KIND.format(first=found[kind], second=path,
                                                   kind=kind.upper()))
        found[kind] = path
    return found.get("json"), found.get("pdf")


def _print(report: VerifyReport, files: str) -> None:
    for problem in report.problems:
        print(f"{PROBLEM} {problem}")
    for check in report.checks:
        print(f"{CHECK} {check}")
    if report.ok:
        print(VERIFIED.format(files=files))
    else:
        count = len(report.problems)
        print(NOT_VERIFIED.format(files=files, count=count,
                                  problems="problem" if count == 1 else "problems"))


def run_verify(args: argparse.Namespace) -> int:
    """Run ``verify`` on parsed arguments; returns the exit status (0, 1 or 2)."""
    # imported on use, so that registering the command costs other commands nothing
    from audit.record._verify import verify_files

    try:
        json_path, pdf_path = classify(args.files)
        report = verify_files(json_path, pdf_path, signer_cert_path=args.signer_cert)
    except AuditInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    _print(report, " and ".join(p for p in (json_path, pdf_path) if p is not None))
    return EXIT_VERIFIED if report.ok else EXIT_DIFFERS
