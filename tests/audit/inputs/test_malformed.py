"""A corpus of malformed files: each one loads correctly, or is refused with a message that
names the file, and through the CLI exits 2 with that message on stderr and no traceback.

``tests/audit/test_load.py`` holds the exact message of each refusal on small inputs and
the fuzz tests; this corpus adds the hostile files an upload form meets (huge fields, old
Mac line ends, late zero bytes, files of delimiters only, mixed delimiters, other formats
renamed to .csv) and the command-line path for all of them.

Decisions: a file with CR-only line ends (old Mac Excel) is read like any other; a file
whose rows use another separator than its first line is refused as a ragged row on the
first such line.
"""

from __future__ import annotations

import codecs
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from audit._errors import AuditInputError, ColumnError, CSVFormatError
from audit.cli import main
from audit.inputs import AuditInput, read_csv
from audit.inputs._read import (
    MAX_VALUE_CHARS,
    MSG_BINARY,
    MSG_BLANK_COLUMNS,
    MSG_EMPTY_FILE,
    MSG_HEADER_ONLY,
    MSG_RAGGED_ROW,
    MSG_UNCLOSED_QUOTE,
    MSG_UTF16,
    MSG_VALUE_TOO_LONG,
)

ZIP = "a ZIP archive (an Excel .xlsx workbook is one)"
NUL = "a binary file (it contains zero bytes, which a text file never has)"
FIELD = 5 * 1024 * 1024  # a 5 MB value: past pyarrow's 1 MB parsing block, small for a test
ROLES = ["--label", "label", "--prediction", "pred", "--sensitive", "group"]


def _random_binary() -> bytes:
    rng = random.Random(7)
    return bytes(rng.randrange(256) for _ in range(4096))


def ragged(file: str, line: int, found: int, expected: int, delimiter: str) -> str:
    return MSG_RAGGED_ROW.format(file=file, line=line, found=found, expected=expected,
                                 delimiter=delimiter)


Check = Callable[[AuditInput], None]


def frame_is(expected: dict[str, list[object]]) -> Check:
    def check(loaded: AuditInput) -> None:
        assert loaded.frame.to_dict("list") == expected
    return check


@dataclass(frozen=True)
class Case:
    """One file. ``expect`` is the exact message, ``AuditInputError`` (any message naming
    the file), or a check of the loaded table."""

    id: str
    file: str
    data: bytes
    expect: str | type[AuditInputError] | Check


CORPUS = [
    # rows that do not fit, quotes that never close
    Case("ragged row", "ragged.csv", b"id,label,group\n1,0,a\n2,1\n3,0,b\n",
         ragged("ragged.csv", 3, 2, 3, "comma")),
    Case("unclosed quote", "quote.csv", b'id,note\n1,"open\n2,x\n',
         MSG_UNCLOSED_QUOTE.format(file="quote.csv", line=2)),
    # binary data and other formats renamed to .csv
    Case("random binary", "noise.csv", _random_binary(), MSG_BINARY.format(file="noise.csv",
                                                                        kind=NUL)),
    Case("high bytes without zeros", "latin.csv", bytes(range(128, 256)) * 8, AuditInputError),
    Case("png image", "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
         MSG_BINARY.format(file="photo.csv", kind=NUL)),
    Case("xlsx workbook", "book.csv", b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml",
         MSG_BINARY.format(file="book.csv", kind=ZIP)),
    Case("empty zip", "empty_zip.csv", b"PK\x05\x06" + b"\x00" * 18,
         MSG_BINARY.format(file="empty_zip.csv", kind=ZIP)),
    Case("gzip", "data.csv.gz.csv", b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
         MSG_BINARY.format(file="data.csv.gz.csv", kind="a gzip-compressed file")),
    Case("pdf", "report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
         MSG_BINARY.format(file="report.csv", kind="a PDF document")),
    Case("html page", "page.csv", b"<html><body><p>Not found</p></body></html>\n",
         AuditInputError),
    Case("json", "records.csv", b'[{"id": 1, "label": 0}]\n', AuditInputError),
    Case("zero byte after 20 kB", "late_nul.csv", b"id,label\n" + b"1,0\n" * 5000 + b"2,\x001\n",
         MSG_BINARY.format(file="late_nul.csv", kind=NUL)),
    Case("zero byte in the header", "nul_header.csv", b"id,la\x00bel\n1,0\n",
         MSG_BINARY.format(file="nul_header.csv", kind=NUL)),
    # UTF-16, with and without a byte order mark
    Case("utf-16 with BOM", "unicode.csv", "id,label\n1,0\n".encode("utf-16"),
         MSG_UTF16.format(file="unicode.csv")),
    Case("utf-16-le without BOM", "le.csv", "id,label\n1,0\n2,1\n".encode("utf-16-le"),
         MSG_UTF16.format(file="le.csv")),
    Case("utf-16-be without BOM", "be.csv", "id,label\n1,0\n2,1\n".encode("utf-16-be"),
         MSG_UTF16.format(file="be.csv")),
    # a huge field: refused with its length, column and row (never quoted)
    Case("5 MB quoted field", "long_note.csv",
         b'id,note,label\n1,"' + b"y" * FIELD + b'",1\n2,short,0\n',
         MSG_VALUE_TOO_LONG.format(file="long_note.csv", length=FIELD, column="note", row=1,
                                   limit=MAX_VALUE_CHARS)),
    Case("5 MB unquoted field", "long_line.csv", b"note\n" + b"x" * FIELD + b"\n",
         MSG_VALUE_TOO_LONG.format(file="long_line.csv", length=FIELD, column="note", row=1,
                                   limit=MAX_VALUE_CHARS)),
    # line ends and byte order marks
    Case("CR-only line ends", "mac.csv", b"id,label,group\r1,0,a\r2,1,b\r",
         frame_is({"id": [1, 2], "label": [0, 1], "group": ["a", "b"]})),
    Case("CR-only with a quoted line break", "mac_note.csv", b'id,note\r1,"x\ry"\r2,z\r',
         frame_is({"id": [1, 2], "note": ["x\ry", "z"]})),
    Case("CR-only with a ragged row", "mac_ragged.csv", b"a,b\r1,2\r3,4,5\r6,7\r",
         ragged("mac_ragged.csv", 3, 3, 2, "comma")),
    Case("CR-only with an unclosed quote", "mac_quote.csv", b'a,b\r1,2\r"3,4\r5,6\r',
         MSG_UNCLOSED_QUOTE.format(file="mac_quote.csv", line=3)),
    Case("CRLF and CR mixed", "mixed_ends.csv", b"a,b\r\n1,2\r3,4\n",
         frame_is({"a": [1, 3], "b": [2, 4]})),
    Case("BOM and data", "bom.csv", codecs.BOM_UTF8 + b"id,label\n1,0\n",
         frame_is({"id": [1], "label": [0]})),
    Case("BOM and header only", "bom_header.csv", codecs.BOM_UTF8 + b"id,label\r\n",
         MSG_HEADER_ONLY.format(file="bom_header.csv")),
    Case("BOM only", "bom_only.csv", codecs.BOM_UTF8, MSG_EMPTY_FILE.format(file="bom_only.csv")),
    # nothing, or nothing but separators
    Case("empty", "empty.csv", b"", MSG_EMPTY_FILE.format(file="empty.csv")),
    Case("whitespace only", "blank.csv", b" \t\r\n  \n\n",
         MSG_EMPTY_FILE.format(file="blank.csv")),
    Case("only commas", "commas.csv", b",,,\n,,,\n,,,\n",
         MSG_BLANK_COLUMNS.format(file="commas.csv", positions="1, 2, 3, 4")),
    Case("only semicolons", "semis.csv", b";;\n;;\n",
         MSG_BLANK_COLUMNS.format(file="semis.csv", positions="1, 2, 3")),
    Case("only tabs", "tabs.csv", b"\t\t\n\t\t\n", MSG_EMPTY_FILE.format(file="tabs.csv")),
    # header only, over three lines
    Case("header and two blank lines", "three.csv", b"id,label,group\n\n\n",
         MSG_HEADER_ONLY.format(file="three.csv")),
    Case("header and two blank CRLF lines", "three_crlf.csv", b"id,label,group\r\n\r\n\r\n",
         MSG_HEADER_ONLY.format(file="three_crlf.csv")),
    Case("header and two lines of spaces", "three_spaces.csv", b"id,label\n \n\t\n",
         AuditInputError),
    # mixed delimiters
    Case("semicolon header, comma rows", "mixed1.csv", b"id;label;group\n1,0,a\n2,1,b\n",
         ragged("mixed1.csv", 2, 1, 3, "semicolon")),
    Case("comma header, one semicolon row", "mixed2.csv", b"id,label,group\n1,0,a\n2;1;b\n",
         ragged("mixed2.csv", 3, 1, 3, "comma")),
    Case("tab header, comma rows", "mixed3.csv", b"id\tlabel\tgroup\n1,0,a\n2,1,b\n",
         ragged("mixed3.csv", 2, 1, 3, "tab")),
]
REFUSED = [case for case in CORPUS
           if isinstance(case.expect, str) or case.expect is AuditInputError]
CLI_CASES = REFUSED


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_loads_or_names_the_file(case: Case) -> None:
    try:
        loaded = read_csv(case.data, name=case.file)
    except AuditInputError as err:
        message = str(err)
        assert repr(case.file) in message
        assert isinstance(err, CSVFormatError | ColumnError) or type(err) is AuditInputError
        if isinstance(case.expect, str):
            assert message == case.expect
        else:
            assert case.expect is AuditInputError, f"expected a table, got: {message}"
        return
    assert not isinstance(case.expect, str), f"expected the refusal {case.expect!r}"
    assert loaded.provenance.rows == len(loaded.frame) > 0
    if case.expect is not AuditInputError:
        case.expect(loaded)  # type: ignore[operator]


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.id)
def test_cli_exits_2_with_the_message_and_no_traceback(case: Case, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    path = tmp_path / case.file
    path.write_bytes(case.data)
    with pytest.raises(AuditInputError) as info:
        read_csv(case.data, name=case.file)
    code = main(["run", "--data", str(path), *ROLES, "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == f"error: {info.value}\n"
    assert repr(case.file) in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not (tmp_path / "out").exists()


def test_crlf_only_and_lf_files_give_the_same_table() -> None:
    rows = ["id,label,group", "1,0,a", '2,1,"b, c"', "3,1,d"]
    tables = [read_csv((end.join(rows) + end).encode(), name="f.csv").frame
              for end in ("\n", "\r\n", "\r")]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0])


@pytest.mark.parametrize("quoted", [False, True])
def test_a_value_at_the_length_limit_loads_and_one_past_it_is_refused(quoted: bool) -> None:
    def csv_with(value: bytes) -> bytes:
        cell = b'"' + value + b'"' if quoted else value
        return b"id,note,label\n1,short,0\n2," + cell + b",1\n"

    loaded = read_csv(csv_with(b"y" * MAX_VALUE_CHARS), name="at.csv")
    assert loaded.frame["note"].str.len().tolist() == [5, MAX_VALUE_CHARS]
    assert loaded.frame["label"].tolist() == [0, 1]
    with pytest.raises(ColumnError) as err:
        read_csv(csv_with("é".encode() * (MAX_VALUE_CHARS + 1)), name="past.csv")
    assert str(err.value) == MSG_VALUE_TOO_LONG.format(
        file="past.csv", length=MAX_VALUE_CHARS + 1, column="note", row=2,
        limit=MAX_VALUE_CHARS)
