"""Uploaded files (the dashboard's door): CSV or Parquet, in memory or out of core.

- `read_upload` reads an upload's bytes into an `AuditInput`: CSV with
  ``audit.inputs.read_csv``, Parquet (by its ``.parquet`` name or its ``PAR1`` marker) with
  `read_parquet`, so a Parquet file gives the table its CSV twin gives;
- `upload_engine` says where a pair of uploads is counted: in memory (pandas) or, when a
  file is larger than `duckdb_above_bytes` (``AUDIT_DUCKDB_ABOVE_MB``, the setting the
  CLI's ``--engine auto`` reads), out of core by DuckDB;
- `spill_upload` writes such a file to a private temporary folder and reads only its
  first rows for the preview and the column mapping; the audit then counts the whole file
  inside DuckDB (``audit.engine.audit_uploads``), and `out_of_core_note` says so in words;
- `upload_values` lists a column's values for the choices (favorable value, reference
  group) from the whole file, by a DuckDB query for a file held on disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Literal

import pandas as pd
import pyarrow as pa

from audit._errors import AuditInputError
from audit._words import clip
from audit.inputs import AuditInput, Provenance, SpilledFile, read_csv

DEFAULT_DUCKDB_ABOVE_MB = 100
PREVIEW_ROWS = 10_000
PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
MSG_UPLOAD_NOT_PARQUET = (
    "The file {file!r} is not a whole Parquet file: it does not start and end with the "
    "Parquet marker PAR1{detail}. Fix: upload the Parquet file itself, as written by pandas, "
    "pyarrow, Spark or DuckDB (a CSV file keeps its .csv name)."
)
MSG_UPLOAD_UNREADABLE = (
    "The Parquet file {file!r} could not be read: the reader stopped with the remark "
    "{detail!r}. Fix: write the file again with pandas, pyarrow, Spark or DuckDB (a copy cut "
    "short or edited by hand cannot be read), then upload it again."
)
MSG_UPLOAD_CUT_SHORT = (
    " (it starts like Parquet but does not end like it: the file is {size:,} bytes long and "
    "looks cut short)"
)
MSG_UPLOAD_LOOKS_CSV = " (it looks like a CSV file)"
OUT_OF_CORE = (
    "{file} is {size}, more than the {limit} this server reads into memory: it is counted "
    "by DuckDB out of memory, and every number of the audit is the whole file's. The "
    "preview uses its first {preview:,} rows, and the choices below list the whole file's "
    "values. Explanations are computed on a stratified sample drawn from the file; what-if "
    "needs every row in memory, so it is not offered for this audit."
)
OUT_OF_CORE_WITH = (
    "{file} is {size}, but the other file is more than the {limit} this server reads into "
    "memory, so both are counted by DuckDB out of memory, together; every number of the "
    "audit is the whole files'. The preview uses its first {preview:,} rows, and the "
    "choices below list the whole file's values."
)
NEEDS_ROWS_IN_MEMORY = (
    "{files} {verb} counted by DuckDB out of memory, so {what} cannot run here: {it_needs} "
    "every row in memory. The audit itself is complete, and every number on the Fairness "
    "and Review pages is the whole file's. Fix: for {what}, upload an extract smaller than "
    "{limit} (a random sample of the rows), or ask the operator to raise "
    "AUDIT_DUCKDB_ABOVE_MB."
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


def duckdb_above_bytes(environ: Mapping[str, str] | None = None) -> int:
    """Files larger than this are counted by DuckDB out of core (``AUDIT_DUCKDB_ABOVE_MB``
    in megabytes, default 100; a decimal such as ``0.5`` is accepted), by the CLI's
    ``--engine auto`` and by the dashboard alike."""
    value = (os.environ if environ is None else environ).get("AUDIT_DUCKDB_ABOVE_MB", "")
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = DEFAULT_DUCKDB_ABOVE_MB
    if not 0 <= megabytes < float("inf"):
        megabytes = DEFAULT_DUCKDB_ABOVE_MB
    return int(megabytes * 2**20)


def is_parquet(path: str) -> bool:
    """A file starting with the Parquet marker, or a name ending like a Parquet file's."""
    if os.path.isfile(path):
        with open(path, "rb") as handle:
            return handle.read(4) == b"PAR1"
    return path.lower().endswith(PARQUET_SUFFIXES)


def _parquet_upload(data: bytes, name: str) -> bool:
    return data[:4] == b"PAR1" or name.lower().endswith(PARQUET_SUFFIXES)


def upload_engine(sizes: Iterable[int], environ: Mapping[str, str] | None = None
                  ) -> Literal["pandas", "duckdb"]:
    """``duckdb`` when any of the uploads (sizes in bytes) is above `duckdb_above_bytes`:
    the pair is then counted out of core; ``pandas`` otherwise."""
    limit = duckdb_above_bytes(environ)
    return "duckdb" if any(size > limit for size in sizes) else "pandas"


def _check_parquet(data: bytes, name: str) -> None:
    if data[:4] == b"PAR1" and data[-4:] == b"PAR1" and len(data) >= 12:
        _check_footer(data, name)
        return
    detail = (MSG_UPLOAD_CUT_SHORT.format(size=len(data)) if data[:4] == b"PAR1"
              else MSG_UPLOAD_LOOKS_CSV if _looks_like_text(data) else "")
    raise AuditInputError(MSG_UPLOAD_NOT_PARQUET.format(file=clip(name), detail=detail))


def _check_footer(data: bytes, name: str) -> None:
    import pyarrow.parquet as pq

    try:
        pq.ParquetFile(pa.BufferReader(data)).schema_arrow  # noqa: B018 - reads the footer
    except (pa.ArrowException, OSError) as err:
        raise AuditInputError(MSG_UPLOAD_UNREADABLE.format(
            file=clip(name), detail=clip(str(err).strip() or type(err).__name__))) from err


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    return bool(head) and b"\x00" not in head and (b"," in head or b";" in head or b"\t" in head)


def _private_copy(data: bytes, name: str) -> SpilledFile:
    """``data`` written as ``name`` in a new folder only this user may read."""
    folder = tempfile.mkdtemp(prefix="audit-upload-")  # mode 0700
    safe = _UNSAFE.sub("_", os.path.basename(name)).lstrip(".") or "upload"
    path = os.path.join(folder, safe)
    spilled = SpilledFile(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return spilled


def read_upload(data: bytes, *, name: str, max_bytes: int | None = None,
                max_rows: int | None = None) -> AuditInput:
    """Read an uploaded CSV or Parquet file into memory.

    Parameters
    ----------
    data : bytes
        The file's exact bytes.
    name : str
        The file name: in the provenance and every message. A name ending in ``.parquet``
        (``.parq``, ``.pq``) or bytes starting with ``PAR1`` are read as Parquet.
    max_bytes, max_rows : int, optional
        Refuse files larger than this many bytes, or with more data rows.

    Raises
    ------
    AuditInputError
        ``read_csv``'s messages for a CSV; for Parquet, a file that is not Parquet (a CSV
        renamed, a copy cut short) or cannot be read, and ``read_parquet``'s messages.
    """
    if not _parquet_upload(data, name):
        return read_csv(data, name=name, max_bytes=max_bytes, max_rows=max_rows)
    from audit.sources._parquet import read_parquet

    _check_parquet(data, name)
    copy = _private_copy(data, name)  # read_parquet reads a path; the copy goes at once
    try:
        loaded = read_parquet(copy.path, max_bytes=max_bytes, max_rows=max_rows)
    finally:
        copy.remove()
    return AuditInput(frame=loaded.frame,
                      provenance=_named(loaded.provenance, name, data))


def _named(provenance: Provenance, name: str, data: bytes) -> Provenance:
    """The provenance under the upload's own name (the copy's may have been made safe)."""
    return replace(provenance, name=clip(name), sha256=hashlib.sha256(data).hexdigest())


def spill_upload(data: bytes, *, name: str, preview_rows: int = PREVIEW_ROWS) -> AuditInput:
    """Write an upload to a private temporary file, to be counted out of core.

    Returns an `AuditInput` whose ``frame`` holds the first ``preview_rows`` rows (read as
    `read_upload` reads them), whose ``provenance`` describes the whole file (as the
    in-memory path gives it: name, sha256, rows, columns, encoding, separator), and whose
    ``on_disk`` is the file. The file is removed once no input holds it any more.

    Raises
    ------
    AuditInputError
        The messages of `read_upload` for the first rows, and the DuckDB source's for the
        whole file (a bad header, a Parquet file that cannot be read).
    """
    from audit.sources._duckdb import DuckDBSource

    parquet = _parquet_upload(data, name)
    if parquet:
        _check_parquet(data, name)
    spilled = _private_copy(data, name)
    if parquet:
        head = _parquet_head(spilled.path, name, preview_rows)
    else:
        head = read_csv(_first_lines(data, preview_rows), name=name).frame
    with DuckDBSource(spilled.path) as source:
        (_, provenance), = source.provenance()
    return AuditInput(frame=head, provenance=_named(provenance, name, data), on_disk=spilled)


def _first_lines(data: bytes, rows: int) -> bytes:
    """The header and up to ``rows`` lines after it (cut at a line end)."""
    end = -1
    for _ in range(rows + 1):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data
    return data[:end + 1]


def _parquet_head(path: str, name: str, rows: int) -> pd.DataFrame:
    import pyarrow.parquet as pq

    from audit.sources._files import MSG_PARQUET_UNREADABLE

    try:
        file = pq.ParquetFile(path)
        batch = next(file.iter_batches(batch_size=rows), None)
        table = file.schema_arrow.empty_table() if batch is None else batch
        return table.to_pandas(ignore_metadata=True)
    except (pa.ArrowException, OSError) as err:
        raise AuditInputError(MSG_PARQUET_UNREADABLE.format(
            file=clip(name), detail=clip(str(err).strip() or type(err).__name__))) from err


def upload_values(source: AuditInput, column: str, *, limit: int) -> tuple[str, ...]:
    """The sorted distinct values of ``column`` as text (``audit.inputs.distinct_values``),
    at most ``limit``: of the whole file, also for a file held on disk (counted by DuckDB
    over the file, not from the first rows kept for the preview)."""
    from audit.inputs import distinct_values

    if source.on_disk is None:
        return distinct_values(source.frame, column, limit=limit)
    from audit.sources._duckdb import DuckDBSource

    with DuckDBSource(source.on_disk.path) as duck:
        return duck.distinct_texts(column, limit=limit)


def out_of_core_note(source: AuditInput, *, limit_bytes: int | None = None) -> str:
    """What the page says about a file counted out of core, in plain words: a file above
    the threshold (``limit_bytes``, default `duckdb_above_bytes`), or one counted with it."""
    assert source.on_disk is not None
    size = os.path.getsize(source.on_disk.path)
    limit = duckdb_above_bytes() if limit_bytes is None else limit_bytes
    words = OUT_OF_CORE if size > limit else OUT_OF_CORE_WITH  # with a larger file
    return words.format(file=source.provenance.name, size=_megabytes(size),
                              limit=_megabytes(limit), preview=len(source.frame))


def _megabytes(size: int) -> str:
    megabytes = size / 2**20
    if megabytes >= 10:
        return f"{megabytes:,.0f} MB"
    return f"{megabytes:.1f} MB" if megabytes >= 1 else f"{size / 1024:,.0f} KB"


def needs_rows_note(names: Iterable[str], what: str, *, plural: bool = False) -> str:
    """Why a page that needs every row in memory (``what``: "explanations", "what-if")
    does not run for an audit counted out of core, and the fix."""
    listed = list(names)
    return NEEDS_ROWS_IN_MEMORY.format(
        files=" and ".join(listed), verb="are" if len(listed) > 1 else "is", what=what,
        it_needs="they need" if plural else "it needs",
        limit=_megabytes(duckdb_above_bytes()))
