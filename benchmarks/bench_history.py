"""What the history key costs: saving and verifying records signed with Ed25519, against
the same history unkeyed, in one run.

    python benchmarks/bench_history.py [--records 300] [--db sqlite|postgresql]

Saves ``--records`` audit records of the lending sample (one sign-off each) on two boards
to a fresh SQLite file (or to a schema of its own on the PostgreSQL test server), with a
history key and without, then verifies each history in full; ``--rounds`` times each,
alternating, keeping the fastest (the machine is shared). Prints the time per saved row
and per verified row, the keyed/unkeyed ratios, and what one Ed25519 signature and one
check cost on their own.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from audit.engine import audit_inputs  # noqa: E402
from audit.inputs import AuditSpec, read_path  # noqa: E402
from audit.record import (  # noqa: E402
    Approval,
    AuditRecord,
    HistoryKey,
    HistoryStore,
    Identity,
    Review,
    record_to_dict,
    to_json,
)

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("AUDIT_TEST_PG_URL") or "postgresql+psycopg://audit:audit@127.0.0.1:5432/audit_test"


def sample_record() -> dict:
    data = ROOT / "sample_data"
    run = audit_inputs(dataset=read_path(str(data / "lending_applicants.csv")),
                       predictions=read_path(str(data / "lending_predictions.csv")),
                       spec=AuditSpec(label="outcome", prediction="decision",
                                      sensitive=("sex", "race"), favorable="approved",
                                      bootstrap=100), id_column="applicant_id")
    review = Review(reviewers=("Ada Lovelace",), decision="reject")
    return record_to_dict(AuditRecord(result=run.result, inputs=run.inputs, review=review))


def timed(url: str, record: dict, key: HistoryKey | None, n: int) -> tuple[float, float, int]:
    """(seconds per saved row, seconds per verified row, rows) for one history."""
    who = Identity("Grace Hopper", "grace@example.org", "sub-grace", "https://login.example")
    with HistoryStore(url, key=key) as store:
        start = time.perf_counter()
        for i in range(n):
            copied = copy.deepcopy(record)
            copied["audit_id"] = str(uuid.uuid4())
            board = ("credit", "hiring")[i % 2]
            store.append(copied, board=board)
            store.approve(copied["audit_id"], Approval(who, True, "reject"), board=board)
        saved = time.perf_counter() - start
        start = time.perf_counter()
        result = store.verify()
        verified = time.perf_counter() - start
    assert result.ok and result.checked == 2 * n and result.keyed == (key is not None)
    return saved / (2 * n), verified / (2 * n), 2 * n


def database(kind: str, folder: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'{name}.sqlite3'}"
    schema = f"bench_history_{name}_{uuid.uuid4().hex[:8]}"
    with create_engine(PG).begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    return f"{PG}?options=-csearch_path%3D{schema}"


def drop(kind: str, urls: list[str]) -> None:
    if kind != "postgresql":
        return
    with create_engine(PG).begin() as conn:
        for url in urls:
            conn.exec_driver_sql(f"DROP SCHEMA {url.rsplit('%3D', 1)[1]} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    record = sample_record()
    key = HistoryKey.load(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode())
    best: dict[str, list[float]] = {"unkeyed": [], "keyed": []}
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(args.rounds):
            for name, use in (("unkeyed", None), ("keyed", key)):
                urls = [database(args.db, Path(folder), f"{name}{attempt}")]
                try:
                    save, check, rows = timed(urls[0], record, use, args.records)
                finally:
                    drop(args.db, urls)
                best[name] = [min(a, b) for a, b in zip(best[name] or [save, check],
                                                        [save, check], strict=True)]
    plain, keyed = (best["unkeyed"], best["keyed"])
    digest = "ab" * 32
    start = time.perf_counter()
    signatures = [key.sign(digest) for _ in range(1000)]
    sign_us = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    assert all(key.check(digest, *s) == "" for s in signatures if s)
    check_us = (time.perf_counter() - start) * 1000
    size = len(to_json(record))
    print(f"history on {args.db}: {rows} rows ({args.records} records of ~{size:,} "
          f"characters, one sign-off each) on two boards; fastest of {args.rounds} rounds")
    print(f"  save    unkeyed {plain[0] * 1000:7.2f} ms/row   keyed {keyed[0] * 1000:7.2f} ms/row"
          f"   ratio {keyed[0] / plain[0]:.2f}")
    print(f"  verify  unkeyed {plain[1] * 1000:7.2f} ms/row   keyed {keyed[1] * 1000:7.2f} ms/row"
          f"   ratio {keyed[1] / plain[1]:.2f}")
    print(f"  Ed25519 alone: sign {sign_us:.0f} µs, check {check_us:.0f} µs per row")


if __name__ == "__main__":
    main()
