"""Derived quantities as pure numpy functions, checked against scipy integration and closed forms.

No sampling: the inputs are synthetic draw arrays.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import expit

from bayesmeta.model import derived


# Error bounds of the 121-node rule, measured against adaptive quadrature (see derived.GH_NODES).
@pytest.mark.parametrize(
    ("eta", "tau", "tol"),
    [(-1.4, 1.6, 1e-9), (1.8, 1.0, 1e-9), (0.3, 0.05, 1e-9), (-3.0, 3.0, 1e-9), (-3.0, 5.0, 2e-6)],
)
def test_population_mean_equals_numerical_integral(eta, tau, tol):
    exact, _ = integrate.quad(
        lambda u: expit(eta + u) * stats.norm.pdf(u, scale=tau),
        -12 * tau,
        12 * tau,
        limit=400,
        epsabs=1e-13,
    )
    got = derived.population_mean(np.array([eta]), np.array([tau]))[0]
    assert got == pytest.approx(exact, abs=tol)


def test_population_mean_without_heterogeneity_is_expit():
    eta = np.linspace(-4, 4, 9)
    np.testing.assert_allclose(derived.population_mean(eta, np.zeros(9)), expit(eta), atol=1e-12)


def test_population_mean_is_pulled_toward_one_half():
    # E[expit(eta + u)] lies between expit(eta) and 1/2 (Jensen on each side of 0)
    low = derived.population_mean(np.array([-1.4]), np.array([1.6]))[0]
    high = derived.population_mean(np.array([1.4]), np.array([1.6]))[0]
    assert expit(-1.4) < low < 0.5 < high < expit(1.4)
    assert low + high == pytest.approx(1.0, abs=1e-12)  # symmetry expit(-x) = 1 - expit(x)


def test_gauss_hermite_weights_integrate_normal_moments():
    nodes, weights = derived.gauss_hermite()
    assert weights.sum() == pytest.approx(1.0)
    assert nodes @ weights == pytest.approx(0.0, abs=1e-12)
    assert nodes**2 @ weights == pytest.approx(1.0)
    assert nodes**4 @ weights == pytest.approx(3.0)


def test_interval_is_median_and_equal_tailed_quantiles():
    x = np.random.default_rng(1).normal(size=20001)
    iv = derived.interval(x)
    assert iv.median == np.median(x)
    assert iv.lo == pytest.approx(np.quantile(x, 0.025), abs=1e-12)
    assert iv.hi == pytest.approx(np.quantile(x, 0.975), abs=1e-12)
    assert iv.kind == "eti"


def test_hdi_of_skewed_draws_is_narrower_and_shifted():
    x = np.random.default_rng(2).exponential(size=40000)
    eti = derived.interval(x)
    hdi = derived.interval(x, hdi=True)
    assert hdi.kind == "hdi"
    assert hdi.hi - hdi.lo < eti.hi - eti.lo
    assert hdi.lo == pytest.approx(0.0, abs=0.01)  # exponential HDI is [0, -log(0.05)]
    assert hdi.hi == pytest.approx(-np.log(0.05), abs=0.05)


def test_pooled_draws_of_random_intercept_model():
    rng = np.random.default_rng(3)
    mu = rng.normal(-1.4, 0.3, size=4000)
    tau = np.abs(rng.normal(1.6, 0.2, size=4000))
    k = 5
    eta = np.repeat(mu[:, None], k, axis=1)
    tau_study = np.repeat(tau[:, None], k, axis=1)
    out = derived.pooled_draws(eta, tau_study, rng=np.random.default_rng(0))
    np.testing.assert_allclose(out["pooled_median"], expit(mu))
    np.testing.assert_allclose(out["pooled_mean"], derived.population_mean(mu, tau))
    # a new study's rate has the marginal mean of the population-averaged rate
    assert out["new_study"].mean() == pytest.approx(out["pooled_mean"].mean(), abs=0.01)
    again = derived.pooled_draws(eta, tau_study, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(again["new_study"], out["new_study"])


def test_pooled_draws_of_common_effect_model_collapse_to_expit():
    eta = np.full((100, 3), 0.7)
    out = derived.pooled_draws(eta, np.zeros((100, 3)), rng=np.random.default_rng(0))
    for draws in out.values():
        np.testing.assert_allclose(draws, expit(0.7))


def test_pooled_median_of_subgroup_mix_averages_linear_predictors():
    eta = np.array([[0.0, 0.0, 2.0]])  # two studies at 0, one at 2
    out = derived.pooled_draws(eta, np.zeros((1, 3)), rng=np.random.default_rng(0))
    assert out["pooled_median"][0] == pytest.approx(expit(2.0 / 3.0))
    assert out["pooled_mean"][0] == pytest.approx((2 * 0.5 + expit(2.0)) / 3)


def test_study_rates_non_centered():
    eta = np.array([[0.0, 1.0]])
    got = derived.study_rates(eta, np.array([[2.0, 2.0]]), np.array([[0.5, -1.0]]))
    np.testing.assert_allclose(got, expit(np.array([[1.0, -1.0]])))
    np.testing.assert_allclose(derived.study_rates(eta, np.zeros((1, 2)), None), expit(eta))


def test_contrasts_of_every_pair_with_probability():
    rng = np.random.default_rng(4)
    rates = {
        "a": rng.beta(30, 10, 8000),  # ~0.75
        "b": rng.beta(10, 30, 8000),  # ~0.25
        "c": rng.beta(20, 20, 8000),
    }
    found = derived.contrasts(rates)
    assert [(c.a, c.b) for c in found] == [("a", "b"), ("a", "c"), ("b", "c")]
    ab = found[0]
    assert ab.median == pytest.approx(0.5, abs=0.02)
    assert ab.prob_a_greater == 1.0
    assert found[2].prob_a_greater < 0.05
    assert ab.lo < ab.median < ab.hi


def test_level_profile_sets_factor_and_averages_the_rest():
    matrix = np.array([[1, 0, 1, 50.0], [1, 1, 0, 60.0], [1, 0, 0, 70.0], [1, 0, 1, 40.0]])
    columns = ("intercept", "f[b]", "f[c]", "age")
    row = derived.level_profile(matrix, columns, "f", ("a", "b", "c"), "b")
    np.testing.assert_allclose(row, [1, 1, 0, 55.0])
    ref = derived.level_profile(matrix, columns, "f", ("a", "b", "c"), "a")
    np.testing.assert_allclose(ref, [1, 0, 0, 55.0])
