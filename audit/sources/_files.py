"""Finding the files a source reads, and checking them before an engine scans them.

A source reads a *table*: one CSV or Parquet file, a folder of them, or a glob
(``data/part-*.parquet``). `resolve` turns the path into a sorted list of files of one
format. `csv_layout` reads only the first bytes of a CSV file and checks them with the
same rules (and messages) as ``audit.inputs.read_csv``: encoding, separator, header.
`parquet_columns` reads only the Parquet footers. Nothing here reads the rows.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from audit._errors import AuditInputError, ColumnError, CSVFormatError
from audit._words import clip, quoted
from audit.inputs._read import (
    MSG_BLANK_COLUMNS,
    MSG_DUPLICATE_COLUMNS,
    MSG_EMPTY_FILE,
    MSG_HEADER_ONLY,
    _refuse_non_text,
    _sniff,
    _to_utf8,
)

Format = Literal["csv", "parquet"]

MSG_PATH_NOT_FOUND = (
    "There is no file, folder or matching file at {path!r}. Expected the path of a CSV or "
    "Parquet file, a folder of them, or a pattern such as data/part-*.parquet. Check the "
    "spelling of the path and the folder you run the command from, then run it again."
)
MSG_EMPTY_FOLDER = (
    "The folder {path!r} holds no CSV or Parquet file (files whose names start with '.' "
    "or '_' are skipped). Expected at least one .csv or .parquet file in it. Check that "
    "the data was written to this folder, then run the command again."
)
MSG_MIXED_FORMATS = (
    "The table {path!r} mixes CSV and Parquet files ({csv} is CSV, {parquet} is Parquet). "
    "Expected files of one format only. Move the files of the other format to another "
    "folder, then run the command again."
)
MSG_NOT_PARQUET = (
    "The file {file!r} is not a Parquet file: it does not start and end with the Parquet "
    "marker PAR1{detail}. Expected a complete Parquet file, as written by pandas, pyarrow, "
    "Spark or DuckDB. Write the file again (an interrupted copy is often cut short), then "
    "run the command again."
)
MSG_PARQUET_UNREADABLE = (
    "The Parquet file {file!r} could not be read: the reader stopped with the remark "
    "{detail!r}. Expected a Parquet file written by pandas, pyarrow, Spark or DuckDB. Write "
    "the file again, then run the command again."
)
MSG_SCHEMAS_DIFFER = (
    "The Parquet files of {path!r} do not have the same columns: {first!r} has {first_columns} "
    "but {other!r} has {other_columns}. Expected every file of a table to have the same "
    "columns with the same types. Write the files again from one table, or move the odd "
    "file out of the folder, then run the command again."
)
MSG_HEADERS_DIFFER = (
    "The CSV files of {path!r} do not have the same columns: {first!r} has {first_columns} "
    "but {other!r} has {other_columns}. Expected the same header line in every file of a "
    "table. Write the files again from one table, then run the command again."
)
MSG_NESTED_COLUMNS = (
    "The Parquet file {file!r} has column(s) {columns} holding lists, maps or records, "
    "which the audit cannot read as values. Expected plain columns (numbers, text, "
    "true/false, dates). Leave those columns out when writing the file, then run the "
    "command again."
)

_HEAD_BYTES = 256 * 1024 + 64 * 1024
_SKIPPED_PREFIXES = (".", "_")
_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet",
             ".parq": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class Table:
    """A resolved table: its name (for messages), format and sorted files."""

    name: str
    path: str
    format: Format
    files: tuple[str, ...]

    def sha256(self) -> str:
        """sha256 of the file's bytes; for several files, of their sorted hashes."""
        digests = [_file_sha256(f) for f in self.files]
        if len(digests) == 1:
            return digests[0]
        return hashlib.sha256("\n".join(digests).encode("ascii")).hexdigest()


def is_remote(path: str) -> bool:
    """A URI an engine resolves itself (``s3a://``, ``hdfs://``, ``abfss://`` ...)."""
    scheme, sep, _ = path.partition("://")
    return bool(sep) and scheme.isalnum() and scheme.lower() != "file"


def resolve(path: str | os.PathLike[str]) -> Table:
    """The files of the table at ``path``: a file, a folder of files, or a glob.

    Raises
    ------
    AuditInputError
        Nothing at ``path``, an empty folder, or CSV and Parquet files mixed.
    """
    where = os.fspath(path)
    name = clip(os.path.basename(where.rstrip("/\\")) or where)
    if glob.has_magic(where):
        files = sorted(f for f in glob.glob(where, recursive=True) if os.path.isfile(f))
    elif os.path.isdir(where):
        files = sorted(
            os.path.join(root, f)
            for root, dirs, names in os.walk(where)
            for f in names
            if not f.startswith(_SKIPPED_PREFIXES)
            and not any(part.startswith(_SKIPPED_PREFIXES)
                        for part in os.path.relpath(root, where).split(os.sep) if part != ".")
        )
        files = [f for f in files if os.path.splitext(f)[1].lower() in _SUFFIXES]
        if not files:
            raise AuditInputError(MSG_EMPTY_FOLDER.format(path=where))
    elif os.path.isfile(where):
        files = [where]
    else:
        files = []
    if not files:
        raise AuditInputError(MSG_PATH_NOT_FOUND.format(path=where))
    formats = {f: _format_of(f) for f in files}
    kinds = set(formats.values())
    if len(kinds) > 1:
        csv_file = next(f for f, k in formats.items() if k == "csv")
        parquet_file = next(f for f, k in formats.items() if k == "parquet")
        raise AuditInputError(MSG_MIXED_FORMATS.format(
            path=where, csv=os.path.basename(csv_file), parquet=os.path.basename(parquet_file)))
    return Table(name=name, path=where, format=kinds.pop(), files=tuple(files))


def _format_of(file: str) -> Format:
    try:
        with open(file, "rb") as handle:
            magic = handle.read(4)
    except OSError as err:
        raise AuditInputError(MSG_PATH_NOT_FOUND.format(path=file)) from err
    if magic == b"PAR1":
        return "parquet"
    suffix = _SUFFIXES.get(os.path.splitext(file)[1].lower())
    return "parquet" if suffix == "parquet" else "csv"


def _file_sha256(file: str) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class CsvLayout:
    """What the first bytes of a CSV table say: encoding, separator, column names."""

    encoding: str
    delimiter: str
    columns: tuple[str, ...]
    header_only: bool


def csv_layout(table: Table) -> CsvLayout:
    """Check the head of every CSV file of ``table`` as ``read_csv`` checks a whole file.

    Raises
    ------
    AuditInputError
        `CSVFormatError` for an empty, binary or UTF-16 file or an unsupported separator;
        `ColumnError` for a blank or repeated column name; `AuditInputError` when the
        files of a folder have different headers.
    """
    first: tuple[str, CsvLayout] | None = None
    for file in table.files:
        layout = _head_layout(file)
        if first is None:
            first = (file, layout)
        elif layout.columns != first[1].columns:
            raise AuditInputError(MSG_HEADERS_DIFFER.format(
                path=table.path, first=os.path.basename(first[0]),
                first_columns=quoted(first[1].columns, limit=10),
                other=os.path.basename(file), other_columns=quoted(layout.columns, limit=10)))
    assert first is not None
    header_only = all(_head_layout(f).header_only for f in table.files)
    return CsvLayout(encoding=first[1].encoding, delimiter=first[1].delimiter,
                     columns=first[1].columns, header_only=header_only)


def _head_layout(file: str) -> CsvLayout:
    name = clip(os.path.basename(file))
    with open(file, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
        whole = len(head) < _HEAD_BYTES or not handle.read(1)
    if not whole:  # cut at the last line break, never inside a character
        cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
        head = head[: cut + 1] if cut > 0 else head
    bom = head.startswith(b"\xef\xbb\xbf")
    if not head[3 if bom else 0:].strip():
        raise CSVFormatError(MSG_EMPTY_FILE.format(file=name))
    _refuse_non_text(head, name)
    encoding, text = _to_utf8(head)
    delimiter, header, header_only = _sniff(text, name)
    names = [column.strip() for column in header]
    blank = [str(i + 1) for i, column in enumerate(names) if not column]
    if blank:
        raise ColumnError(MSG_BLANK_COLUMNS.format(file=name, positions=", ".join(blank)))
    repeated = [column for column, n in Counter(names).items() if n > 1]
    if repeated:
        raise ColumnError(MSG_DUPLICATE_COLUMNS.format(file=name, columns=quoted(repeated)))
    return CsvLayout(encoding=encoding, delimiter=delimiter, columns=tuple(names),
                     header_only=whole and header_only)


def longest_unquoted_line(file: str, chunk: int = 8 << 20) -> int | None:
    """The length in bytes of the longest line of ``file`` (lines end with LF), or None
    when the file has a quotation mark (a quoted value may span lines) or cannot be read.

    A value of a file without quotation marks lies within one line, and has no more
    characters than bytes in UTF-8 and Latin-1: when this is at most the value limit, no
    value is too long, and the file need not be parsed to know it. One pass a chunk at a
    time, so memory stays at one chunk."""
    longest, start, offset = 0, 0, 0  # start: where the current line began
    try:
        with open(file, "rb") as handle:
            while block := handle.read(chunk):
                if b'"' in block:
                    return None
                ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + offset
                if ends.size:
                    longest = max(longest, int(ends[0]) - start)
                    if ends.size > 1:
                        longest = max(longest, int(np.diff(ends).max()) - 1)
                    start = int(ends[-1]) + 1
                offset += len(block)
    except OSError:
        return None
    return max(longest, offset - start)


def header_only_error(table: Table) -> CSVFormatError:
    return CSVFormatError(MSG_HEADER_ONLY.format(file=clip(os.path.basename(table.files[0]))))


def parquet_schema(table: Table) -> pa.Schema:
    """The common schema of the Parquet files of ``table``, from their footers.

    Raises
    ------
    AuditInputError
        A file that is not Parquet or cannot be read, files with different columns, or
        nested columns.
    """
    first: tuple[str, pa.Schema] | None = None
    for file in table.files:
        schema = _footer(file)
        if first is None:
            first = (file, schema)
        elif not schema.equals(first[1]):
            raise AuditInputError(MSG_SCHEMAS_DIFFER.format(
                path=table.path, first=os.path.basename(first[0]),
                first_columns=_described(first[1]), other=os.path.basename(file),
                other_columns=_described(schema)))
    assert first is not None
    name = clip(os.path.basename(first[0]))
    blank = [str(i + 1) for i, f in enumerate(first[1]) if not f.name.strip()]
    if blank:
        raise ColumnError(MSG_BLANK_COLUMNS.format(file=name, positions=", ".join(blank)))
    repeated = [c for c, n in Counter(first[1].names).items() if n > 1]
    if repeated:
        raise ColumnError(MSG_DUPLICATE_COLUMNS.format(file=name, columns=quoted(repeated)))
    nested = [f.name for f in first[1] if pa.types.is_nested(f.type)]
    if nested:
        raise AuditInputError(MSG_NESTED_COLUMNS.format(
            file=os.path.basename(first[0]), columns=quoted(nested)))
    return first[1]


def _described(schema: pa.Schema) -> str:
    return ", ".join(f"{f.name!r} ({_plain(f.type)})" for f in list(schema)[:12]) + (
        f" and {len(schema) - 12} more" if len(schema) > 12 else "")


def _plain(kind: pa.DataType) -> str:
    """An Arrow type in a board member's words."""
    for test, words in ((pa.types.is_integer, "whole numbers"), (pa.types.is_floating, "numbers"),
                        (pa.types.is_decimal, "decimal numbers"), (pa.types.is_boolean,
                                                                   "true/false"),
                        (pa.types.is_date, "dates"), (pa.types.is_timestamp, "date-times")):
        if test(kind):
            return words
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or str(kind) == "string_view":
        return "text"
    return str(kind)


def _footer(file: str) -> pa.Schema:
    name = clip(os.path.basename(file))
    with open(file, "rb") as handle:
        start = handle.read(4)
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(size - 4, 0))
        end = handle.read(4)
    if start != b"PAR1" or end != b"PAR1" or size < 12:
        detail = "" if start == b"PAR1" else " (it may be a CSV or another kind of file)"
        if start == b"PAR1":
            detail = f" at its end (it is {size:,} bytes long and looks cut short)"
        raise AuditInputError(MSG_NOT_PARQUET.format(file=name, detail=detail))
    try:
        return pq.read_schema(file)
    except (pa.ArrowException, OSError) as err:
        raise AuditInputError(MSG_PARQUET_UNREADABLE.format(
            file=name, detail=clip(str(err).strip() or type(err).__name__))) from err
