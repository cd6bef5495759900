"""Reading a Parquet table (a file, a folder of files or a glob) into an `AuditInput`.

The in-memory path for Parquet, as ``audit.inputs.read_path`` is for CSV: the columns
are read as stored (no index restored from pandas' metadata, so every engine sees the
same columns), and the provenance names the table, the sha256 of the file's bytes (for
several files, of their sorted hashes), the rows and the columns.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

from audit._errors import AuditInputError
from audit._words import clip
from audit.inputs import AuditInput, Provenance
from audit.inputs._read import MSG_TOO_LARGE, MSG_TOO_MANY_ROWS, _refuse_long_values
from audit.sources._files import (
    MSG_NOT_PARQUET,
    MSG_PARQUET_UNREADABLE,
    parquet_schema,
    resolve,
)

MSG_NO_ROWS = (
    "The Parquet table {file!r} has columns but no rows. Expected at least one row of data. "
    "Check that you picked the right file or folder, or write the data again, then run the "
    "command again."
)
PARQUET_ENCODING = "parquet"
_MB = 1024 * 1024


def read_parquet(path: str | os.PathLike[str], *, max_bytes: int | None = None,
                 max_rows: int | None = None) -> AuditInput:
    """Read a Parquet file, folder or glob into a table with its provenance.

    Parameters
    ----------
    path : str or path-like
        A ``.parquet`` file, a folder of them (files starting with ``.`` or ``_`` are
        skipped, as Spark writes them) or a glob such as ``data/part-*.parquet``.
    max_bytes, max_rows : int, optional
        Refuse tables larger than this many bytes (all files together), or with more rows.

    Returns
    -------
    AuditInput
        The table and its `Provenance` (``encoding`` is ``"parquet"``, ``delimiter`` empty).

    Raises
    ------
    AuditInputError
        Nothing at ``path``, a file that is not Parquet or cannot be read, files with
        different columns, nested columns, blank or repeated column names, no rows, or a
        limit exceeded.
    """
    table = resolve(path)
    if table.format != "parquet":
        raise AuditInputError(MSG_NOT_PARQUET.format(
            file=os.path.basename(table.files[0]), detail=" (it may be a CSV file)"))
    schema = parquet_schema(table)
    size = sum(os.path.getsize(f) for f in table.files)
    if max_bytes is not None and size > max_bytes:
        raise AuditInputError(MSG_TOO_LARGE.format(
            file=table.name, size_mb=size / _MB, size=size, limit_mb=max_bytes / _MB,
            limit=max_bytes))
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in table.files)
    if max_rows is not None and rows > max_rows:
        raise AuditInputError(MSG_TOO_MANY_ROWS.format(file=table.name, rows=rows,
                                                       limit=max_rows))
    if rows == 0:
        raise AuditInputError(MSG_NO_ROWS.format(file=table.name))
    try:
        arrow = pa.concat_tables([pq.read_table(f, schema=schema) for f in table.files])
    except (pa.ArrowException, OSError) as err:
        raise AuditInputError(MSG_PARQUET_UNREADABLE.format(
            file=table.name, detail=clip(str(err).strip() or type(err).__name__))) from err
    frame = arrow.to_pandas(ignore_metadata=True)
    _refuse_long_values(frame, table.name)
    provenance = Provenance(name=table.name, sha256=table.sha256(), rows=len(frame),
                            columns=tuple(schema.names), encoding=PARQUET_ENCODING,
                            delimiter="")
    return AuditInput(frame=frame, provenance=provenance)
