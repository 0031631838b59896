"""The regression's Bayes factors after the speed-up equal the pinned ones (issue 22, item 3).

Every covariate's log Bayes factor and its reported error on five data sets (CAR-T orr with six
coefficients, crr with four, three sparse sets with a skewed level), against the values of the
engine before the change (``validation/regression_fast/bayes_factors.json``, made by
``bayes_factors.py`` there): within ``TOL_PINNED`` (observed: at most 2e-8). And the reported
error still bounds the distance to a fine reference (both evidences at a finer accuracy, pinned
in the same file).
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "validation" / "regression_fast"
PINNED = json.loads((HERE / "bayes_factors.json").read_text())
#: Largest change of a log Bayes factor or of its error from the pinned values: far below the
#: errors themselves (1e-3 to 2e-2), so the factors are the same numbers.
TOL_PINNED = 1e-6


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"regression_fast_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFERENCE = _module("reference")
FACTORS = _module("bayes_factors")


@pytest.fixture(scope="module")
def reported() -> dict[str, dict[str, list[float]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: FACTORS.reported(REFERENCE.case_spec(name)) for name in PINNED["reported"]}


@pytest.mark.parametrize("name", sorted(PINNED["reported"]))
def test_bayes_factors_equal_the_pinned_values(name, reported):
    found, expected = reported[name], PINNED["reported"][name]
    assert found.keys() == expected.keys()
    for factor, (log_bf, error) in expected.items():
        assert found[factor][0] == pytest.approx(log_bf, abs=TOL_PINNED), factor
        assert found[factor][1] == pytest.approx(error, abs=TOL_PINNED), factor


@pytest.mark.parametrize("name", sorted(PINNED["reported"]))
def test_bayes_factor_error_bounds_the_distance_to_a_fine_reference(name, reported):
    for factor, fine in PINNED["fine"][name].items():
        log_bf, error = reported[name][factor]
        assert abs(log_bf - fine) <= error, f"{factor}: {abs(log_bf - fine):.2e} > {error:.2e}"
