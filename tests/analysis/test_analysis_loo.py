"""Integrated study-level likelihood, PSIS-LOO and the ranking, checked against scipy and ArviZ.

Tolerances: the adaptive Gauss-Hermite rule (32 nodes) is compared with scipy's adaptive
``quad`` at 1e-5 absolute on the log scale for tau <= 3 (its error grows with tau; 1e-5 is far
below the Monte Carlo error of any elpd). Our ranking re-implements ``arviz.compare``'s stacking,
so weights are compared at 1e-4 (both are numerical optimisations from the same start) and
elpd / differences / SEs at 1e-9.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pytest
import xarray as xr
from scipy import integrate, stats
from scipy.special import expit

from bayesmeta.analysis.compare import compare_loo, stacking_weights
from bayesmeta.analysis.loo import (
    LooResult,
    integrated_loo,
    log_predictive,
    psis_loo,
)
from bayesmeta.errors import InputError
from bayesmeta.model.likelihood import integrated_loglik

EVENTS = np.array([0, 3, 50, 17, 1, 12])
TOTAL = np.array([10, 4, 58, 17, 300, 24])


def brute_force(y: int, n: int, eta: float, tau: float) -> float:
    def integrand(u: float) -> float:
        return stats.binom.pmf(y, n, expit(u)) * stats.norm.pdf(u, eta, tau)

    mode = np.log((y + 0.5) / (n - y + 0.5))
    value, _ = integrate.quad(
        integrand, -80, 80, points=[eta, mode], limit=500, epsabs=0, epsrel=1e-12
    )
    return float(np.log(value))


@pytest.mark.parametrize(
    ("eta", "tau"), [(0.0, 1.0), (2.0, 3.0), (-3.0, 0.2), (1.5, 0.05), (-1.0, 2.0)]
)
def test_integrated_loglik_matches_scipy_quad(eta, tau):
    got = integrated_loglik(EVENTS, TOTAL, np.full(6, eta), np.full(6, tau))
    expected = [brute_force(y, n, eta, tau) for y, n in zip(EVENTS, TOTAL, strict=True)]
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_tau_zero_is_the_binomial_and_shapes_broadcast():
    eta = np.random.default_rng(0).normal(size=(2, 5, 6))
    got = integrated_loglik(EVENTS, TOTAL, eta, np.zeros_like(eta))
    np.testing.assert_allclose(got, stats.binom.logpmf(EVENTS, TOTAL, expit(eta)), atol=1e-10)
    assert integrated_loglik(EVENTS, TOTAL, eta, np.ones_like(eta)).shape == (2, 5, 6)


def test_log_predictive_is_log_mean_of_densities():
    eta, tau = np.array([0.1, 0.5, -0.2]), np.array([1.0, 0.7, 1.3])
    expected = np.log(
        np.mean([np.exp(brute_force(5, 9, e, t)) for e, t in zip(eta, tau, strict=True)])
    )
    assert log_predictive(5, 9, eta, tau) == pytest.approx(expected, abs=1e-6)


def synthetic_loglik(seed: int, shift: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(-2.0 - shift, 0.3, size=(2, 200, 12))


def to_idata(loglik: np.ndarray) -> az.InferenceData:
    return az.InferenceData(
        posterior=xr.Dataset(
            {"mu": xr.DataArray(np.zeros(loglik.shape[:2]), dims=("chain", "draw"))}
        ),
        log_likelihood=xr.Dataset({"y": xr.DataArray(loglik, dims=("chain", "draw", "study"))}),
    )


# arviz.compare itself triggers a pandas deprecation (sort_values(inplace=True)); not ours
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.sort_values")
def test_psis_and_ranking_agree_with_arviz_compare():
    logliks = {
        "a": synthetic_loglik(1, 0.0),
        "b": synthetic_loglik(2, 0.1),
        "c": synthetic_loglik(3, 0.05),
    }
    studies = tuple(f"s{i}" for i in range(12))
    results = []
    for name, loglik in logliks.items():
        elpd_i, k = psis_loo(loglik)
        results.append(LooResult(name=name, studies=studies, elpd_i=elpd_i, pareto_k=k))
    rows = compare_loo(results)
    reference = az.compare({n: to_idata(v) for n, v in logliks.items()}, method="stacking")
    assert [r.name for r in rows] == list(reference.index)
    for row in rows:
        ref = reference.loc[row.name]
        assert row.elpd_loo == pytest.approx(ref["elpd_loo"], abs=1e-9)
        assert row.se == pytest.approx(ref["se"], abs=1e-9)
        assert row.elpd_diff == pytest.approx(ref["elpd_diff"], abs=1e-9)
        assert row.dse == pytest.approx(ref["dse"], abs=1e-9)
        assert row.weight == pytest.approx(ref["weight"], abs=1e-4)


def test_stacking_puts_weight_on_the_dominating_model():
    pointwise = np.column_stack([np.full(10, -1.0), np.full(10, -3.0)])
    np.testing.assert_allclose(stacking_weights(pointwise), [1.0, 0.0], atol=1e-6)
    mixed = np.array([[-1.0, -5.0]] * 5 + [[-5.0, -1.0]] * 5)
    np.testing.assert_allclose(stacking_weights(mixed), [0.5, 0.5], atol=1e-4)


def test_compare_refuses_different_study_sets():
    a = LooResult("a", ("s1", "s2"), np.array([-1.0, -1.0]), np.zeros(2))
    b = LooResult("b", ("s1", "s3"), np.array([-1.0, -1.0]), np.zeros(2))
    with pytest.raises(InputError, match="use different studies.*only in 'a': s2; only in 'b': s3"):
        compare_loo([a, b])


def test_exact_refit_replaces_only_bad_studies():
    rng = np.random.default_rng(5)
    eta = rng.normal(0.0, 0.05, size=(2, 300, 6))
    tau = np.full_like(eta, 0.01)  # nearly common-effect: study 4 (1/300) is badly predicted
    calls = []

    def exact(study: str) -> float:
        calls.append(study)
        return -123.0

    plain = integrated_loo("m", [f"s{i}" for i in range(6)], EVENTS, TOTAL, eta, tau)
    refit = integrated_loo(
        "m", [f"s{i}" for i in range(6)], EVENTS, TOTAL, eta, tau, exact=exact, threshold=-1.0
    )
    assert calls == [f"s{i}" for i in range(6)]
    assert np.all(refit.elpd_i == -123.0) and refit.k_max == 0.0
    assert plain.refitted == [] and plain.k_max == plain.k_max_before_refit
