"""The validation data of the one-stage IPD model (validation/ipd/)."""

from pathlib import Path

import pandas as pd
import pytest

from bayesmeta.data.patients import aggregate_from_frame, patients_from_frame

VALIDATION = Path(__file__).resolve().parents[2] / "validation" / "ipd"


@pytest.fixture(scope="session")
def validation_patients():
    frame = pd.read_csv(VALIDATION / "patients.csv")
    return patients_from_frame(frame, trial="trial", outcome="y")


@pytest.fixture(scope="session")
def validation_aggregate():
    frame = pd.read_csv(VALIDATION / "aggregate.csv")
    return aggregate_from_frame(frame, trial="trial", events="events", total="total")
