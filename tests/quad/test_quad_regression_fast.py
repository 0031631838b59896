"""The fast exact meta-regression equals the accurate one (issue 22, item 3).

The summaries and the integration evaluate every per-study function of the linear predictor
(log likelihood, moments of the study effect, population mean) on Chebyshev points per log-tau
node and interpolate (``quad/regression/eta_interp.py``), falling back to direct evaluation where
the interpolant is not exact to 1e-9. Two checks:

- against the values pinned from the engine before the change (commit in
  ``validation/regression_fast/reference.json``, made by ``reference.py`` there): every reported
  number within ``TOL_PINNED`` (observed: at most 4e-9 on these sets);
- in process, the interpolating path against direct evaluation at every node, within
  ``TOL_DIRECT`` (observed: at most 6e-12).

Both tolerances are far below the engine's own accuracy (log evidence error 1e-3, quantiles
within 0.02 posterior SD of brute force), so "no loss of accuracy" means the same numbers.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from bayesmeta.quad.regression import eta_interp, fit_regression_quadrature
from bayesmeta.quad.regression.likelihood import study_loglik_rows

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "validation" / "regression_fast"
PINNED = json.loads((HERE / "reference.json").read_text())
#: Largest change of any reported number (logit, rate, tau, probability or log evidence) from
#: the pinned values; the interpolants are exact to 1e-9, the rest is Newton tolerances.
TOL_PINNED = 1e-6
#: Interpolating path against direct evaluation, same process.
TOL_DIRECT = 1e-7


def _reference_module():
    spec = importlib.util.spec_from_file_location(
        "regression_fast_reference", HERE / "reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFERENCE = _reference_module()


def _fit(name: str) -> dict[str, list[float]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return REFERENCE.reported(fit_regression_quadrature(REFERENCE.case_spec(name)))


def _worst(found: dict, expected: dict) -> tuple[float, str]:
    assert found.keys() == expected.keys()
    return max((float(np.max(np.abs(np.subtract(found[k], expected[k])))), k) for k in expected)


@pytest.mark.parametrize("name", sorted(PINNED["values"]))
def test_fast_regression_equals_the_pinned_accurate_values(name):
    gap, where = _worst(_fit(name), PINNED["values"][name])
    assert gap <= TOL_PINNED, f"{name}: {where} moved by {gap:.2e}"


@pytest.mark.parametrize("name", ["cart_orr_p6", "one_event_in_489"])
def test_interpolation_in_eta_equals_direct_evaluation(name, monkeypatch):
    fast = _fit(name)
    monkeypatch.setattr(eta_interp, "MIN_NODES", 10**9)  # every node evaluated directly
    direct = _fit(name)
    gap, where = _worst(fast, direct)
    assert gap <= TOL_DIRECT, f"{name}: {where} differs by {gap:.2e}"


def _loglik(events, total):
    def rows(eta, tau):
        return study_loglik_rows(events, total, eta, tau, n_gh=10)

    return rows


def test_along_eta_interpolates_a_smooth_likelihood_to_its_tolerance():
    rng = np.random.default_rng(1)
    events, total = np.array([0.0, 3.0, 40.0]), np.array([20.0, 50.0, 80.0])
    eta = rng.normal(-1.0, 0.4, size=(3, 4, 60))
    tau = np.array([0.1, 0.4, 0.8, 1.6])
    fast = eta_interp.along_eta(_loglik(events, total), eta, tau)
    direct = study_loglik_rows(events, total, eta.reshape(3, -1), np.repeat(tau, 60)).reshape(
        eta.shape
    )
    assert np.max(np.abs(fast - direct)) < 1e-8


def test_along_eta_evaluates_directly_where_the_interpolant_is_not_exact():
    eta = np.linspace(-2.0, 2.0, 3 * 2 * 50).reshape(3, 2, 50)

    def kink(e, tau):  # |eta - 0.1|: no polynomial of degree 31 within 1e-9
        return np.abs(e - 0.1) + 0.0 * tau

    fast = eta_interp.along_eta(kink, eta, np.array([0.5, 1.0]))
    # the (row, node) whose range holds the kink would be 1e-3 off if interpolated; the
    # linear ones are interpolated exactly
    assert np.max(np.abs(fast - np.abs(eta - 0.1))) < 1e-12


def test_along_eta_mask_leaves_unneeded_nodes_out_of_the_range():
    eta = np.linspace(-1.0, 1.0, 2 * 3 * 40).reshape(2, 3, 40)
    mask = np.ones((3, 40), bool)
    mask[:, 0] = False
    eta[:, :, 0] = 60.0  # far outside: in the range it would force direct evaluation
    seen = []

    def smooth(e, tau):
        seen.append(np.abs(e).max())
        return np.sin(e) * tau

    fast = eta_interp.along_eta(smooth, eta, np.array([1.0, 2.0, 3.0]), mask=mask)
    expected = np.where(mask, np.sin(eta) * np.array([1.0, 2.0, 3.0])[:, None], 0.0)
    assert np.max(np.abs(fast - expected)) < 1e-12
    assert max(seen) <= 1.0 + 1e-12  # evaluated on Chebyshev points in [-1, 1] only
