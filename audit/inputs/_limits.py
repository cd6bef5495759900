"""How large an upload may be: the limits the operator sets for one server.

A *limit* protects the server's memory from one oversized file; it is not a statement
about the data. Both are read from the environment when the dashboard starts a page:

- ``AUDIT_MAX_UPLOAD_MB``: the largest file, in megabytes of 1,048,576 bytes (default 500).
  Streamlit refuses larger uploads itself only when its own ``server.maxUploadSize``
  (also in megabytes) is set to the same number; run
  ``streamlit run app.py --server.maxUploadSize "${AUDIT_MAX_UPLOAD_MB:-500}"``.
- ``AUDIT_MAX_ROWS``: the most data rows in one file (default 5,000,000).
- ``AUDIT_MODEL_MEMORY_MB``: the memory an uploaded model may use while it is read and run,
  in a child process of its own, on top of what that process needs to start (default 2,048).
- ``AUDIT_MODEL_SECONDS``: the time it may take, in seconds (default 300).

The loader (`audit.read_csv`) enforces the first two and its messages state the limit; the
model's child process (``audit.explain``) the last two: a model over them is refused with
a message, and the server goes on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from audit._errors import AuditInputError

__all__ = ["ENV_MAX_ROWS", "ENV_MAX_UPLOAD_MB", "ENV_MODEL_MEMORY_MB", "ENV_MODEL_SECONDS",
           "Limits"]

ENV_MAX_UPLOAD_MB = "AUDIT_MAX_UPLOAD_MB"
ENV_MAX_ROWS = "AUDIT_MAX_ROWS"
ENV_MODEL_MEMORY_MB = "AUDIT_MODEL_MEMORY_MB"
ENV_MODEL_SECONDS = "AUDIT_MODEL_SECONDS"
DEFAULT_MAX_UPLOAD_MB = 500
DEFAULT_MAX_ROWS = 5_000_000
DEFAULT_MODEL_MEMORY_MB = 2_048
DEFAULT_MODEL_SECONDS = 300
MB = 1024 * 1024

MSG_BAD_LIMIT = (
    "The environment variable {name} is set to {value!r}, which is not a whole number of at "
    "least 1. Expected {what}, for example {name}={default}. Set it to a whole number (digits "
    "only, no unit), or remove it to use the default of {default:,}, and start the dashboard "
    "again."
)
WHAT = {ENV_MAX_UPLOAD_MB: "the largest upload in megabytes",
        ENV_MAX_ROWS: "the most data rows in one file",
        ENV_MODEL_MEMORY_MB: "the memory an uploaded model may use, in megabytes",
        ENV_MODEL_SECONDS: "the seconds an uploaded model may run"}


@dataclass(frozen=True)
class Limits:
    """The largest upload (megabytes) and the most data rows one file may have, and the
    memory (megabytes) and time (seconds) an uploaded model may take.

    Examples
    --------
    >>> Limits.from_env({"AUDIT_MAX_UPLOAD_MB": "20"}).max_bytes
    20971520
    """

    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB
    max_rows: int = DEFAULT_MAX_ROWS
    model_memory_mb: int = DEFAULT_MODEL_MEMORY_MB
    model_seconds: int = DEFAULT_MODEL_SECONDS

    def __post_init__(self) -> None:
        for name, value in (("max_upload_mb", self.max_upload_mb), ("max_rows", self.max_rows),
                            ("model_memory_mb", self.model_memory_mb),
                            ("model_seconds", self.model_seconds)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a whole number of at least 1; "
                                 f"got {value!r}")

    @property
    def max_bytes(self) -> int:
        """The upload limit in bytes, as `read_csv`'s ``max_bytes`` takes it."""
        return self.max_upload_mb * MB

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits set by the ``AUDIT_MAX_*`` and ``AUDIT_MODEL_*`` variables (or the
        defaults).

        Raises
        ------
        AuditInputError
            When a variable is set to anything but a whole number of at least 1; the
            message names the variable, its value and the fix.
        """
        env = os.environ if environ is None else environ
        return cls(max_upload_mb=_whole(env, ENV_MAX_UPLOAD_MB, DEFAULT_MAX_UPLOAD_MB),
                   max_rows=_whole(env, ENV_MAX_ROWS, DEFAULT_MAX_ROWS),
                   model_memory_mb=_whole(env, ENV_MODEL_MEMORY_MB, DEFAULT_MODEL_MEMORY_MB),
                   model_seconds=_whole(env, ENV_MODEL_SECONDS, DEFAULT_MODEL_SECONDS))


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip().replace("_", "")
    if not text.isdigit() or not text.isascii() or int(text) < 1:
        raise AuditInputError(MSG_BAD_LIMIT.format(name=name, value=raw, what=WHAT[name],
                                                   default=default))
    return int(text)
