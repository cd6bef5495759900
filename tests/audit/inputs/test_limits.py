"""Upload limits from the environment: defaults, valid values, and the message for a bad one."""

from __future__ import annotations

import pytest

from audit._errors import AuditInputError
from audit.inputs import Limits, read_csv
from audit.inputs._limits import (
    DEFAULT_MAX_ROWS,
    DEFAULT_MAX_UPLOAD_MB,
    ENV_MAX_ROWS,
    ENV_MAX_UPLOAD_MB,
    MSG_BAD_LIMIT,
    WHAT,
)
from audit.inputs._read import MSG_TOO_LARGE, MSG_TOO_MANY_ROWS


def test_defaults() -> None:
    limits = Limits.from_env({})
    assert limits == Limits(max_upload_mb=500, max_rows=5_000_000)
    assert (DEFAULT_MAX_UPLOAD_MB, DEFAULT_MAX_ROWS) == (500, 5_000_000)
    assert limits.max_bytes == 500 * 1024 * 1024


def test_blank_values_mean_the_default() -> None:
    assert Limits.from_env({ENV_MAX_UPLOAD_MB: "", ENV_MAX_ROWS: "  "}) == Limits()


@pytest.mark.parametrize(("upload", "rows", "expected"), [
    ("20", "1000", Limits(20, 1000)),
    (" 1 ", "5_000_000", Limits(1, 5_000_000)),
    ("2048", "1", Limits(2048, 1)),
])
def test_values_from_the_environment(upload: str, rows: str, expected: Limits) -> None:
    assert Limits.from_env({ENV_MAX_UPLOAD_MB: upload, ENV_MAX_ROWS: rows}) == expected


def test_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MAX_UPLOAD_MB, "7")
    monkeypatch.delenv(ENV_MAX_ROWS, raising=False)
    assert Limits.from_env() == Limits(7, DEFAULT_MAX_ROWS)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "500MB", "5,000", "1e6", "٣"])
@pytest.mark.parametrize(("name", "default"), [(ENV_MAX_UPLOAD_MB, 500),
                                               (ENV_MAX_ROWS, 5_000_000)])
def test_a_bad_value_gets_a_message_naming_the_variable(name: str, default: int,
                                                        value: str) -> None:
    with pytest.raises(AuditInputError) as info:
        Limits.from_env({name: value})
    assert str(info.value) == MSG_BAD_LIMIT.format(name=name, value=value, what=WHAT[name],
                                                   default=default)
    assert f"{name} is set to {value!r}" in str(info.value)


def test_the_dataclass_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_rows"):
        Limits(max_upload_mb=1, max_rows=0)
    with pytest.raises(ValueError, match="max_upload_mb"):
        Limits(max_upload_mb=True, max_rows=1)  # type: ignore[arg-type]


def test_the_loader_states_the_limits() -> None:
    limits = Limits(max_upload_mb=1, max_rows=3)
    big = b"id,label\n" + b"1,0\n" * 300_000
    with pytest.raises(AuditInputError) as info:
        read_csv(big, name="big.csv", max_bytes=limits.max_bytes, max_rows=limits.max_rows)
    assert str(info.value) == MSG_TOO_LARGE.format(
        file="big.csv", size_mb=len(big) / 2**20, size=len(big), limit_mb=1.0, limit=2**20)
    rows = b"id,label\n" + b"1,0\n" * 4
    with pytest.raises(AuditInputError) as info:
        read_csv(rows, name="rows.csv", max_bytes=limits.max_bytes, max_rows=limits.max_rows)
    assert str(info.value) == MSG_TOO_MANY_ROWS.format(file="rows.csv", rows=4, limit=3)
