from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from audit.engine import run_audit
from audit.inputs import AuditSpec, Provenance, prepare

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="session")
def lending_frame() -> pd.DataFrame:
    applicants = pd.read_csv(SAMPLES / "lending_applicants.csv")
    decisions = pd.read_csv(SAMPLES / "lending_predictions.csv")
    return applicants.merge(decisions, on="applicant_id", validate="one_to_one")


@pytest.fixture(scope="session")
def lending_spec() -> AuditSpec:
    return AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race"),
                     favorable="approved", bootstrap=200)


@pytest.fixture(scope="session")
def lending(lending_frame, lending_spec):
    data = prepare(lending_frame, lending_spec, id_column="applicant_id")
    return data, run_audit(data, lending_spec)


@pytest.fixture(scope="session")
def hiring_frame() -> pd.DataFrame:
    return pd.read_csv(SAMPLES / "hiring.csv")


@pytest.fixture(scope="session")
def lending_inputs(lending_frame) -> tuple[tuple[str, Provenance], ...]:
    """Record inputs for the lending audit, with a placeholder sha256."""
    provenance = Provenance("lending_applicants.csv", "a" * 64, len(lending_frame),
                            tuple(lending_frame.columns), "utf-8", ",")
    return (("dataset", provenance),)


@pytest.fixture(scope="session")
def spark():
    """A local[2] SparkSession shared by every test (it takes 20-50 s to start)."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (make spark adds it)")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for Spark (Debian: openjdk-17-jre-headless)")
    from audit.sources import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
