"""Known results of the literature, with tolerances from the Monte Carlo SEs.

* tau = 0: the common-effect model's 95% interval covers the median rate at 95%, within
  3 Monte Carlo SEs of the nominal coverage (MCSE = sqrt(0.95 * 0.05 / n)).
* k = 5, tau = 1 (large): DerSimonian-Laird's z interval undercovers (IntHout, Ioannidis &
  Borm 2014: around 0.85), and Hartung-Knapp comes close to nominal.

Study sizes 50-200 and a median rate of 0.3: few zero-event studies, so the logit's normal
approximation holds and the binomial data behave as the normal-outcome literature predicts.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bayesmeta.simulate import read_study, run_simulation

from .conftest import simulation_file

REPLICATES = 600
NOMINAL_SE = math.sqrt(0.95 * 0.05 / REPLICATES)  # 0.0089


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sanity")
    path = simulation_file(
        folder, replicates=REPLICATES, methods=["EE", "DL", "DL-HK"], taus=[0.0, 1.0]
    )
    run_simulation(read_study(path), out=folder / "out", workers=2, show_progress=False)
    table = pd.read_csv(folder / "out" / "metrics.csv")
    return table[table["target"] == "median"].set_index(["tau", "method"])


def test_common_effect_covers_at_95_percent_when_tau_is_zero(metrics):
    row = metrics.loc[(0.0, "EE")]
    assert row["failure_rate"] == 0
    assert abs(row["coverage"] - 0.95) < 3 * NOMINAL_SE


def test_dl_undercovers_and_hartung_knapp_is_close_to_nominal_for_k5_large_tau(metrics):
    dl, hk = metrics.loc[(1.0, "DL")], metrics.loc[(1.0, "DL-HK")]
    # DL clearly below nominal: more than 3 of its MCSEs and at least 5 points
    assert dl["coverage"] < 0.95 - max(3 * dl["coverage_mcse"], 0.05)
    # HK within 3 MCSEs of nominal, plus 1.5 points for the logit approximation of binomial data
    assert abs(hk["coverage"] - 0.95) < 3 * NOMINAL_SE + 0.015
    assert hk["coverage"] - dl["coverage"] > 3 * math.hypot(
        dl["coverage_mcse"], hk["coverage_mcse"]
    )
    # the same point estimate (HK changes only the interval), so the same bias
    assert hk["bias"] == pytest.approx(dl["bias"], abs=1e-12)
