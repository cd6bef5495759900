"""Reading the uploaded CSV files.

The *dataset* file holds one row per person (features, sensitive attributes, the true
label); the *predictions* file holds the model's output for the same people. Both arrive
as raw bytes (an upload) or a path (the CLI). `read_csv` detects the encoding and the
separator, refuses what is not a CSV table with a message a non-programmer can act on,
and parses with pandas' pyarrow engine (`audit.inputs._join` lines the two files up).

Every problem in the input raises an `AuditInputError` subclass whose message is one of
the ``MSG_*`` constants below, formatted with the file name (and the column, where there
is one). Names and values taken from the file are quoted with ``repr`` and never
interpreted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa

from audit._errors import AuditInputError, ColumnError, CSVFormatError
from audit._words import clip, quoted
from audit.inputs._types import AuditInput, Provenance, TextSource

__all__ = ["read_csv", "read_path"]

# --- messages: reading one file ---------------------------------------------------------

MSG_EMPTY_FILE = (
    "The file {file!r} is empty: it has no column names and no rows. Expected a CSV file "
    "with the column names on the first line and one row of values on each line below. "
    "Check that you picked the right file, or export the data again and upload the new file."
)
MSG_HEADER_ONLY = (
    "The file {file!r} has column names on its first line but no rows of data below them. "
    "Expected at least one row of values after the first line. Check that you picked the "
    "right file, or export the data again with its rows and upload the new file."
)
MSG_DUPLICATE_COLUMNS = (
    "The file {file!r} has more than one column named {columns}. Expected each column name "
    "once on the first line, because the audit finds columns by their names. Rename or "
    "delete the repeated column in the file and upload it again."
)
MSG_BLANK_COLUMNS = (
    "The file {file!r} has a column without a name (column number {positions}, counting "
    "from 1 at the left). Expected a name for every column on the first line. Give the "
    "column a name, or delete it if it is not needed (a nameless first column is often a "
    "row number added when the file was saved), and upload the file again."
)
MSG_RAGGED_ROW = (
    "The file {file!r} has a row that does not fit its columns: line {line} has {found} "
    "value(s), but the first line has {expected} column name(s). Expected one value per "
    "column on every line. This usually means that a value contains a {delimiter} without "
    "quotation marks around it. Put quotation marks around that value on line {line}, or "
    "export the file again, and upload it again."
)
MSG_UNCLOSED_QUOTE = (
    'The file {file!r} has a quotation mark (") on line {line} that opens a value but is '
    "never closed, so the rest of the file would be read as one value. Expected every "
    "value that starts with a quotation mark to end with one. Add the missing closing "
    "quotation mark on line {line}, or delete the stray one, and upload the file again."
)
MSG_TOO_LARGE = (
    "The file {file!r} is {size_mb:,.1f} MB ({size:,} bytes), more than the limit of "
    "{limit_mb:,.1f} MB ({limit:,} bytes). Expected a file within the limit. Upload a "
    "smaller file, for example with only the columns the audit needs, or ask the person "
    "who runs this tool to raise the limit."
)
MSG_TOO_LARGE_STREAM = (
    "The file {file!r} is larger than the limit of {limit_mb:,.1f} MB ({limit:,} bytes): "
    "reading stopped there. Expected a file within the limit. Upload a smaller file, for "
    "example with only the columns the audit needs, or ask the person who runs this tool to "
    "raise the limit."
)
MSG_VALUE_TOO_LONG = (
    "The file {file!r} has a value of {length:,} characters in column {column!r} (data row "
    "{row:,}, counting the rows below the column names from 1). Values longer than {limit:,} "
    "characters are not read: no group name, label or id needs that many, and each would be "
    "copied into every message, table and PDF. Shorten that value, or delete the column if "
    "the audit does not need it, and upload the file again."
)
MSG_NAME_TOO_LONG = (
    "The file {file!r} has a column name of {length:,} characters (column number {position}, "
    "counting from 1 at the left). Column names longer than {limit:,} characters are not "
    "read. Give the column a shorter name and upload the file again."
)
MSG_TOO_MANY_ROWS = (
    "The file {file!r} has {rows:,} rows, more than the limit of {limit:,} rows. Expected a "
    "file within the limit. Upload a smaller file (for example a random sample of the "
    "rows), or ask the person who runs this tool to raise the limit."
)
MSG_UNSUPPORTED_DELIMITER = (
    "The file {file!r} seems to separate its values with {separator!r}, which this tool "
    "does not read. Expected values separated by a comma (,), a semicolon (;) or a tab. "
    "Open the file in a spreadsheet program and save it as CSV UTF-8 from Excel: "
    "File > Save As > CSV UTF-8, then upload the new file."
)
MSG_UTF16 = (
    'The file {file!r} is saved in the UTF-16 text encoding (Excel calls it "Unicode '
    'Text"), which this tool does not read. Expected a CSV file in UTF-8 (Latin-1 also '
    "works). Open the file and save it as CSV UTF-8 from Excel: File > Save As > CSV UTF-8, "
    "then upload the new file."
)
MSG_BINARY = (
    "The file {file!r} looks like {kind}, not a CSV text file. Expected plain text with "
    "values separated by commas, semicolons or tabs. If it is a spreadsheet, open it and "
    "save it as CSV UTF-8 from Excel: File > Save As > CSV UTF-8, then upload the new file."
)
MSG_UNREADABLE = (
    "The file {file!r} could not be read as a table: the reader stopped with the remark "
    "{detail!r}. Expected a CSV file with the same number of values on every line. Open "
    "the file in a spreadsheet program, check the lines the remark mentions, save it as "
    "CSV UTF-8 from Excel: File > Save As > CSV UTF-8, and upload the new file."
)
MSG_FILE_NOT_FOUND = (
    "There is no file at {path!r}. Expected the path of a CSV file. Check the spelling of "
    "the path and the folder you run the command from, then run it again."
)
MSG_CANNOT_OPEN = (
    "The file {path!r} could not be opened ({reason}). Expected a readable CSV file. Check "
    "that the path names a file (not a folder) and that you may read it, then run the "
    "command again."
)

_BOM = b"\xef\xbb\xbf"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"PK\x05\x06", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"%PDF-", "a PDF document"),
)
_NUL_KIND = "a binary file (it contains zero bytes, which a text file never has)"
_SUPPORTED = {"\t": "tab", ";": "semicolon", ",": "comma"}  # ties go to the rarer one
_UNSUPPORTED = ("|", "^", "~")
_SNIFF_BYTES = 256 * 1024
_SNIFF_RECORDS = 200
_SCAN_CHUNK = 1 << 20
_NOT_SPACE = re.compile(rb"[^ \t\r\n\f\v]")
_C1_BYTES = re.compile(rb"[\x80-\x9f]")
_MB = 1024 * 1024
MAX_VALUE_CHARS = 10_000  # the longest value or column name a file may hold
_READ_CHUNK = 1 << 20  # bytes read from a path at a time
# --- reading --------------------------------------------------------------------------


def read_csv(
    data: bytes, *, name: str, max_bytes: int | None = None, max_rows: int | None = None
) -> AuditInput:
    """Read one uploaded CSV file into a table with its provenance.

    Parameters
    ----------
    data : bytes
        The file's exact bytes. UTF-8 (with or without a byte order mark) and
        Latin-1/cp1252 are read; the separator is a comma, a semicolon or a tab.
    name : str
        The file name, used in the provenance and in every message.
    max_bytes, max_rows : int, optional
        Refuse files larger than this many bytes, or with more data rows than this.

    Returns
    -------
    AuditInput
        The table (column names stripped of surrounding spaces, values as pandas reads
        them) and its `Provenance`: name, sha256 of ``data``, rows, columns, detected
        encoding and delimiter.

    Raises
    ------
    AuditInputError
        `CSVFormatError` when the bytes are not a CSV table (empty, binary, UTF-16,
        unsupported separator, unclosed quote, a row that does not fit the columns),
        `ColumnError` for blank or repeated column names, and `AuditInputError` itself
        when a limit is exceeded.

    Examples
    --------
    >>> read_csv(b"id,score\\n1,0.5\\n", name="p.csv").provenance.rows
    1
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"read_csv expects the file's bytes, got {type(data).__name__}")
    data = bytes(data)
    file = clip(name)
    if max_bytes is not None and len(data) > max_bytes:
        raise AuditInputError(_too_large(file, len(data), max_bytes))
    if _NOT_SPACE.search(data, len(_BOM) if data.startswith(_BOM) else 0) is None:
        raise CSVFormatError(MSG_EMPTY_FILE.format(file=file))
    _refuse_non_text(data, file)
    encoding, buf = _to_utf8(data)
    delimiter, header, header_only = _sniff(buf, file)

    unclosed, multiline = _scan_quotes(buf, delimiter)
    if unclosed is not None:
        raise CSVFormatError(MSG_UNCLOSED_QUOTE.format(file=file, line=_line_of(buf, unclosed)))
    names = [column.strip() for column in header]
    long_name = next((i for i, column in enumerate(names) if len(column) > MAX_VALUE_CHARS), None)
    if long_name is not None:
        raise ColumnError(MSG_NAME_TOO_LONG.format(file=file, length=len(names[long_name]),
                                                   position=long_name + 1,
                                                   limit=MAX_VALUE_CHARS))
    blank = [str(i + 1) for i, column in enumerate(names) if not column]
    if blank:
        raise ColumnError(MSG_BLANK_COLUMNS.format(file=file, positions=", ".join(blank)))
    repeated = [column for column, n in Counter(names).items() if n > 1]
    if repeated:
        raise ColumnError(MSG_DUPLICATE_COLUMNS.format(file=file, columns=quoted(repeated)))
    if header_only:
        raise CSVFormatError(MSG_HEADER_ONLY.format(file=file))
    lines, longest = _line_stats(buf)
    if max_rows is not None and not multiline and lines - 1 > max_rows:
        # one record per non-blank line: refused before a single value is parsed
        raise AuditInputError(MSG_TOO_MANY_ROWS.format(file=file, rows=lines - 1,
                                                       limit=max_rows))

    frame = _parse(buf, delimiter=delimiter, width=len(names), multiline=multiline, file=file)
    if frame.shape[1] != len(names):
        detail = f"the first line names {len(names)} columns but {frame.shape[1]} were read"
        raise CSVFormatError(MSG_UNREADABLE.format(file=file, detail=detail))
    if len(frame) == 0:
        raise CSVFormatError(MSG_HEADER_ONLY.format(file=file))
    if max_rows is not None and len(frame) > max_rows:
        raise AuditInputError(MSG_TOO_MANY_ROWS.format(file=file, rows=len(frame), limit=max_rows))
    frame.columns = pd.Index(names)
    if multiline or longest > MAX_VALUE_CHARS:  # else no value can be that long
        _refuse_long_values(frame, file)
    provenance = Provenance(
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(frame),
        columns=tuple(names),
        encoding=encoding,
        delimiter=delimiter,
    )
    text = TextSource(buffer=buf, delimiter=delimiter,
                      columns=dict(zip(names, header, strict=True)), multiline=multiline)
    return AuditInput(frame=frame, provenance=provenance, text=text)


def read_path(
    path: str | os.PathLike[str], *, max_bytes: int | None = None, max_rows: int | None = None
) -> AuditInput:
    """Read a CSV file from disk, as `read_csv` does (the file name is the path's base name).

    Raises
    ------
    AuditInputError
        When the file does not exist or cannot be opened, and everything `read_csv` raises.
    """
    where = os.fspath(path)
    name = os.path.basename(where) or where
    try:
        with open(where, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if max_bytes is not None and size > max_bytes:
                raise AuditInputError(_too_large(clip(name), size, max_bytes))
            data = _read_bounded(handle, max_bytes, clip(name))
    except FileNotFoundError as err:
        raise AuditInputError(MSG_FILE_NOT_FOUND.format(path=where)) from err
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise AuditInputError(MSG_CANNOT_OPEN.format(path=where, reason=reason)) from err
    return read_csv(data, name=name, max_bytes=max_bytes, max_rows=max_rows)


def _read_bounded(handle: io.BufferedReader, max_bytes: int | None, file: str) -> bytes:
    """The file's bytes, read a chunk at a time: a binary stream (``/dev/zero``) is refused
    after its first chunk, and reading stops one chunk past ``max_bytes`` (a device or a
    pipe has no size to check beforehand)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = handle.read(_READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        if not chunks and b"\x00" in chunk:
            _refuse_non_text(chunk, file)
        chunks.append(chunk)
        total += len(chunk)
        if max_bytes is not None and total > max_bytes:
            raise AuditInputError(MSG_TOO_LARGE_STREAM.format(
                file=file, limit_mb=max_bytes / _MB, limit=max_bytes))


def _line_stats(buf: bytes, chunk: int = 4 * _MB) -> tuple[int, int]:
    """The number of non-blank lines and the length of the longest line, in one pass over
    the bytes a chunk at a time (a line ends with LF, CRLF, or a lone CR when the file has
    no LF)."""
    end_byte = 10 if b"\n" in buf else 13
    arr = np.frombuffer(buf, dtype=np.uint8)
    lines = longest = 0
    start = 0  # where the current line began
    for begin in range(0, len(buf), chunk):
        ends = np.flatnonzero(arr[begin:begin + chunk] == end_byte) + begin
        if not ends.size:
            continue
        starts = np.empty_like(ends)
        starts[0] = start
        starts[1:] = ends[:-1] + 1
        lengths = ends - starts
        if end_byte == 10:  # a CR before the LF is part of the line break
            lengths -= (arr[np.maximum(ends - 1, 0)] == 13) & (lengths > 0)
        lines += int(np.count_nonzero(lengths > 0))
        longest = max(longest, int(lengths.max()))
        start = int(ends[-1]) + 1
    tail = len(buf) - start
    if _NOT_SPACE.search(buf, start) is not None:
        lines += 1
    return lines, max(longest, tail)


def _refuse_long_values(frame: pd.DataFrame, file: str) -> None:
    """Refuse a text value longer than `MAX_VALUE_CHARS`, naming its column and row."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        lengths = values.astype(str).str.len().to_numpy()
        over = np.flatnonzero(lengths > MAX_VALUE_CHARS)
        if over.size:
            row = int(over[0])
            raise ColumnError(MSG_VALUE_TOO_LONG.format(
                file=file, length=int(lengths[row]), column=clip(column), row=row + 1,
                limit=MAX_VALUE_CHARS))


def _too_large(file: str, size: int, limit: int) -> str:
    return MSG_TOO_LARGE.format(
        file=file, size_mb=size / _MB, size=size, limit_mb=limit / _MB, limit=limit
    )


def _refuse_non_text(data: bytes, file: str) -> None:
    """Refuse UTF-16 text and binary files (spreadsheets, archives, Parquet)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CSVFormatError(MSG_UTF16.format(file=file))
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise CSVFormatError(MSG_BINARY.format(file=file, kind=kind))
    if b"\x00" not in data:
        return
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # UTF-16 without a byte order mark: every ASCII character has a zero byte on one side.
    many, few = max(even, odd), min(even, odd)
    if many >= 0.3 * (len(sample) // 2) and few * 9 <= many:
        raise CSVFormatError(MSG_UTF16.format(file=file))
    raise CSVFormatError(MSG_BINARY.format(file=file, kind=_NUL_KIND))


def _to_utf8(data: bytes) -> tuple[str, bytes]:
    """The detected encoding and the text as UTF-8 bytes, without a byte order mark."""
    encoding, body = ("utf-8-sig", data[len(_BOM) :]) if data.startswith(_BOM) else ("utf-8", data)
    if body.isascii():
        return encoding, body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return encoding, body
    # Not UTF-8: Windows cp1252 when it uses its printable 0x80-0x9F characters (curly
    # quotes, euro sign), Latin-1 otherwise. Both are transcoded for the pyarrow reader.
    if _C1_BYTES.search(body):
        try:
            return "cp1252", body.decode("cp1252").encode("utf-8")
        except UnicodeDecodeError:
            pass
    return "latin-1", body.decode("latin-1").encode("utf-8")


def _records(text: str, delimiter: str, limit: int | None) -> list[list[str]] | None:
    """The non-blank records of ``text`` as the csv module splits them; None if it cannot."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    out: list[list[str]] = []
    try:
        for record in reader:
            if record:
                out.append(record)
                if limit is not None and len(out) >= limit:
                    break
    except csv.Error:
        return None
    return out


def _sniff(buf: bytes, file: str) -> tuple[str, list[str], bool]:
    """Detect the separator from the first lines: the delimiter, raw header, header only.

    Each candidate splits the first records (respecting quotes); the one whose records
    all have as many fields as its header wins, then the one with more columns.
    """
    complete = len(buf) <= _SNIFF_BYTES
    if complete:
        head = buf
    else:
        cut = max(buf.rfind(b"\n", 0, _SNIFF_BYTES), buf.rfind(b"\r", 0, _SNIFF_BYTES))
        if cut < 0:  # the first line is longer than the prefix: read through its end
            ends = (buf.find(b"\n", _SNIFF_BYTES), buf.find(b"\r", _SNIFF_BYTES))
            cut = min((i for i in ends if i >= 0), default=len(buf) - 1)
        complete = _NOT_SPACE.search(buf, cut + 1) is None  # nothing but blank lines after
        head = buf[: cut + 1]
    text = head.decode("utf-8")

    best: tuple[tuple[float, int, int], str, list[list[str]]] | None = None
    candidates = (*_SUPPORTED, *_UNSUPPORTED)
    for rank, delimiter in enumerate(reversed(candidates)):
        records = _records(text, delimiter, _SNIFF_RECORDS)
        if not records:
            continue
        if not complete and len(records) > 2:
            records = records[:-1]  # may be cut in the middle of a quoted value
        width, rows = len(records[0]), records[1:]
        fit = sum(len(r) == width for r in rows) / len(rows) if rows else 1.0
        if width < 2 or (delimiter in _UNSUPPORTED and fit < 0.5):
            continue
        key = (fit, width, rank)
        if best is None or key > best[0]:
            best = (key, delimiter, records)
    if best is None:  # one column
        records = _records(text, ",", 2) or [[text.strip()]]
        return ",", records[0], complete and len(records) < 2
    _, delimiter, records = best
    if delimiter in _UNSUPPORTED:
        raise CSVFormatError(MSG_UNSUPPORTED_DELIMITER.format(file=file, separator=delimiter))
    return delimiter, records[0], complete and len(records) < 2


def _scan_quotes(buf: bytes, delimiter: str, chunk: int = _SCAN_CHUNK) -> tuple[int | None, bool]:
    """Where a quote is left open at the end of the file, and whether a quoted value spans
    lines (pandas' pyarrow reader splits the file at line breaks and cannot read those).

    Follows the reader's rules: a quote opens a value only at the start of a field; inside,
    ``""`` is a literal quote and a single quote closes the value. A run of an even number
    of quotes never changes the state, so only runs of odd length are followed. The bytes
    are scanned in chunks (never cut inside a run) so that the temporary arrays stay small.
    """
    if b'"' not in buf:
        return None, False
    arr = np.frombuffer(buf, dtype=np.uint8)
    sep = ord(delimiter)
    lone_cr = buf.count(b"\r") != buf.count(b"\r\n")
    opened = -1  # offset of the quote whose value is open at the chunk's start, or -1
    multiline = False
    begin = 0
    while begin < len(buf):
        end = min(begin + chunk, len(buf))
        while end < len(buf) and buf[end] == 0x22:
            end += 1
        part = arr[begin:end]
        if buf.find(b'"', begin, end) < 0:
            if opened >= 0 and not multiline:
                multiline = buf.find(b"\n", begin, end) >= 0 or buf.find(b"\r", begin, end) >= 0
            begin = end
            continue
        first, last = _odd_quote_runs(np.flatnonzero(part == 0x22) + begin)
        before = arr[np.maximum(first - 1, 0)]
        at_start = (first == 0) | (before == sep) | (before == 10) | (before == 13)
        inside = int(opened >= 0)
        if at_start[inside::2].all():  # the usual case: open, close, open, close, ...
            opens, closes = first[inside::2], last[1 - inside :: 2]
        else:
            opens_l: list[int] = []
            closes_l: list[int] = []
            for f, t, opens_here in zip(
                first.tolist(), last.tolist(), at_start.tolist(), strict=True
            ):
                if inside:
                    closes_l.append(t)
                    inside = 0
                elif opens_here:
                    opens_l.append(f)
                    inside = 1
            opens, closes = np.array(opens_l, dtype=np.int64), np.array(closes_l, np.int64)
        if opened >= 0:
            opens = np.append(np.int64(opened), opens)
        still_open = opens.size > closes.size
        if not multiline and opens.size:
            breaks = np.flatnonzero((part == 10) | (part == 13) if lone_cr else part == 10)
            breaks += begin
            # A line break is inside a value when the last quote opened before it closes
            # after it.
            last_open = np.searchsorted(opens, breaks) - 1
            ends = np.append(closes, len(buf)) if still_open else closes
            multiline = bool(((last_open >= 0) & (ends[last_open] > breaks)).any())
        opened = int(opens[-1]) if still_open else -1
        begin = end
    return (opened if opened >= 0 else None), multiline


def _odd_quote_runs(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last offsets of each run of adjacent quotes of odd length."""
    step = np.diff(pos)
    if (step != 1).all():  # no two quotes side by side: every run is one quote
        return pos, pos
    new_run = np.ones(pos.size, dtype=bool)
    new_run[1:] = step != 1
    starts = np.flatnonzero(new_run)
    stops = np.append(starts[1:], pos.size)
    odd = (stops - starts) % 2 == 1
    return pos[starts[odd]], pos[stops[odd] - 1]


def _line_of(buf: bytes, offset: int) -> int:
    """The 1-based line number of byte ``offset``."""
    newline = b"\n" if b"\n" in buf else b"\r"
    return buf.count(newline, 0, offset) + 1


def _find_bad_row(buf: bytes, delimiter: str, width: int) -> tuple[int, int] | None:
    """The first line (1-based) whose record has other than ``width`` fields, and its count."""
    reader = csv.reader(io.StringIO(buf.decode("utf-8"), newline=""), delimiter=delimiter)
    seen_header = False
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record:
                continue
            if seen_header and len(record) != width:
                return start, len(record)
            seen_header = True
    except csv.Error:
        return None
    return None


def _parse(buf: bytes, *, delimiter: str, width: int, multiline: bool, file: str) -> pd.DataFrame:
    """Parse with pandas' pyarrow engine; the C engine when quoted values span lines."""

    def ragged(bad: tuple[int, int]) -> CSVFormatError:
        line, found = bad
        return CSVFormatError(
            MSG_RAGGED_ROW.format(
                file=file, line=line, found=found, expected=width, delimiter=_SUPPORTED[delimiter]
            )
        )

    if multiline:  # the C engine fills short rows silently: check them first
        bad = _find_bad_row(buf, delimiter, width)
        if bad is not None:
            raise ragged(bad)
    try:
        if multiline:
            return pd.read_csv(io.BytesIO(buf), sep=delimiter, engine="c", low_memory=False)
        return pd.read_csv(io.BytesIO(buf), sep=delimiter, engine="pyarrow")
    except pd.errors.EmptyDataError as err:
        raise CSVFormatError(MSG_HEADER_ONLY.format(file=file)) from err
    except (pd.errors.ParserError, pa.ArrowInvalid) as err:
        if not multiline and "straddl" in str(err):  # a value longer than pyarrow's 1 MB block
            return _parse(buf, delimiter=delimiter, width=width, multiline=True, file=file)
        bad = None if multiline else _find_bad_row(buf, delimiter, width)
        if bad is not None:
            raise ragged(bad) from err
        detail = clip(str(err).strip() or type(err).__name__)
        raise CSVFormatError(MSG_UNREADABLE.format(file=file, detail=detail)) from err


# --- joining --------------------------------------------------------------------------


