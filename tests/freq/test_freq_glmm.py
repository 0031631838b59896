"""GLMM (random-intercept logistic, adaptive quadrature) against metafor::rma.glmm."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from bayesmeta.data import cart_outcome
from bayesmeta.freq import glmm, rma
from bayesmeta.freq.agq import loglik_terms
from bayesmeta.freq.glmm import glmm_arrays, heterogeneity_tests


@pytest.mark.r_reference
def test_glmm_equals_rma_glmm(glmm_case, checks):
    _name, entry, _key, ref = glmm_case
    checks.glmm(entry, ref)


def test_rma_dispatches_glmm():
    data = cart_outcome("orr")
    assert rma(data, method="GLMM").to_dict() == glmm(data).to_dict()


@pytest.mark.parametrize(
    ("x", "n", "atol"), [(3, 12, 5e-5), (0, 2500, 5e-5), (700, 5000, 1e-7), (6900, 7178, 1e-7)]
)
def test_adaptive_quadrature_is_exact_for_large_studies(x, n, atol):
    """Against adaptive scipy quad. The 7-node rule (lme4's nAGQ=7) has its own error of a
    few 1e-5 for small or all-zero studies, where the integrand is skewed; for thousands of
    patients the integrand is near-Gaussian and the adapted nodes are exact to 1e-7."""
    mu, tau = -0.4, 1.3
    centre = (special.logit((x + 0.5) / (n + 1)) - mu) / tau

    def integrand(u):
        return stats.binom.pmf(x, n, special.expit(mu + tau * u)) * stats.norm.pdf(u)

    exact = np.log(integrate.quad(integrand, -12, 12, points=[centre], limit=400, epsabs=0)[0])
    ours = loglik_terms(np.array([mu]), tau, np.array([float(x)]), np.array([float(n)]))[0]
    assert ours == pytest.approx(exact, abs=atol)


def test_non_adaptive_quadrature_would_fail_where_ours_does_not():
    """The reason for adaptive nodes: plain 7-node Gauss-Hermite is badly wrong at n = 5000
    (the likelihood off by more than a third, against 1e-7 for the adapted rule)."""
    x, n, mu, tau = 700.0, 5000.0, -0.4, 1.3
    nodes, weights = np.polynomial.hermite.hermgauss(7)
    p = special.expit(mu + tau * np.sqrt(2) * nodes)
    plain = np.log(np.sum(weights * stats.binom.pmf(x, n, p)) / np.sqrt(np.pi))
    ours = loglik_terms(np.array([mu]), tau, np.array([x]), np.array([n]))[0]
    assert abs(plain - ours) > 0.3


def test_wald_q_is_inverse_variance_q_without_continuity_correction():
    events = np.array([5.0, 12.0, 30.0, 8.0])
    total = np.array([20.0, 40.0, 60.0, 50.0])
    y = np.log(events / (total - events))
    w = events * (total - events) / total
    expected = np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2)
    q_wald, _, df = heterogeneity_tests(np.ones((4, 1)), events, total)
    assert q_wald == pytest.approx(expected, rel=1e-12)
    assert df == 3


def test_zero_heterogeneity_gives_tau2_zero():
    result = glmm_arrays(np.array([10, 10, 10, 10]), np.array([50, 50, 50, 50]))
    assert result.tau2 == 0.0
    assert result.mu == pytest.approx(np.log(0.25), rel=1e-8)
    assert result.se == pytest.approx(np.sqrt(1 / (200 * 0.2 * 0.8)), rel=1e-6)


@pytest.mark.parametrize("events", [[0, 0, 0], [20, 30, 10]])
def test_glmm_without_events_or_non_events_is_an_input_error(events):
    from bayesmeta.errors import InputError

    with pytest.raises(InputError, match="GLMM"):
        glmm_arrays(np.array(events), np.array([20, 30, 10]))


def test_single_study_glmm_is_its_own_logistic_estimate():
    result = glmm_arrays(np.array([6]), np.array([20]))
    assert result.mu == pytest.approx(np.log(6 / 14), rel=1e-9)
    assert result.se == pytest.approx(np.sqrt(1 / 6 + 1 / 14), rel=1e-6)
    assert result.tau2 == 0.0 and result.q == 0.0 and result.q_df == 0


def test_glmm_scaled_covariates_give_the_same_fit():
    """Rescaling a covariate by 100 rescales its coefficient and se exactly (the search
    works on scaled columns, so its steps do not depend on units)."""
    from bayesmeta.freq.glmm_fit import fit_glmm

    data = cart_outcome("crr")
    age = data.covariates["year"].to_numpy(dtype=float) - 2015
    X = np.column_stack([np.ones(data.k), age])
    events, total = data.events.astype(float), data.total.astype(float)
    base = fit_glmm(X, events, total)
    scaled = fit_glmm(X * [1, 100], events, total)
    assert scaled.beta[1] * 100 == pytest.approx(base.beta[1], rel=1e-5)
    assert np.sqrt(scaled.vb[1, 1]) * 100 == pytest.approx(np.sqrt(base.vb[1, 1]), rel=1e-5)
    assert scaled.tau2 == pytest.approx(base.tau2, rel=1e-5)


@pytest.mark.parametrize("start", [None, "far"])
def test_conditional_modes_converge_for_extreme_studies(start):
    """Large tau and 0 events make plain Newton overshoot; the bracketed search must land on
    the mode (zero gradient) from any starting point."""
    from bayesmeta.freq.agq import conditional_modes

    events = np.array([0.0, 18.0, 7178.0, 1.0, 3000.0])
    total = np.array([81.0, 62.0, 7178.0, 5000.0, 7000.0])
    offset = np.full(5, -4.0)
    tau = 3.4
    first = None if start is None else np.array([50.0, -50.0, 300.0, -300.0, 0.0])
    mode, curvature = conditional_modes(offset, tau, events, total, start=first)
    p = special.expit(offset + tau * mode)
    gradient = tau * (events - total * p) - mode
    assert np.max(np.abs(gradient)) < 1e-8
    assert np.all(curvature >= 1.0)
