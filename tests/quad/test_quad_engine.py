"""Units of the quadrature engine: adaptive Gauss-Hermite, controls, coverage errors, LOO."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import expit

from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.model.likelihood import logistic_normal_mean, study_loglik
from bayesmeta.model.spec import build_model
from bayesmeta.quad import Accuracy, fit_quadrature, loo_log_predictive, posterior_grid

# (events, total, mu, tau): zero-event, all-event, thousands, tau = 0, wide tau
AGHQ_CASES = [
    (0, 10, -2.0, 3.0),
    (20, 20, 1.0, 5.0),
    (3000, 5000, 0.3, 1.0),
    (0, 5000, -2.0, 2.0),
    (5, 10, -1.5, 0.0),
    (1, 33, -1.5, 2.0),
]


def reference_loglik(y, n, mu, tau):
    if tau == 0:
        return stats.binom.logpmf(y, n, expit(mu))
    f = lambda z: stats.binom.pmf(y, n, expit(mu + tau * z)) * stats.norm.pdf(z)  # noqa: E731
    value, _ = integrate.quad(
        f,
        -40,
        40,
        points=[0.0, (np.log((y + 0.5) / (n - y + 0.5)) - mu) / tau],
        limit=500,
        epsabs=0,
        epsrel=1e-12,
    )
    return np.log(value)


@pytest.mark.parametrize("case", AGHQ_CASES)
def test_adaptive_gauss_hermite_matches_scipy_quad(case):
    """Error of log L_i with 10 nodes (the default) and 30 nodes.

    Zero- and all-event studies at large tau have a one-sided integrand (a Gaussian tail on one
    side, a sharp cut on the other) that Gauss-Hermite centred at the mode resolves slowly: up
    to 2.5e-3 with 10 nodes (tau = 3-5 here, far in the posterior tail of tau for real data),
    5e-5 with 30. Two-sided integrands are exact to 1e-4 with 10 nodes and 1e-7 with 30.
    """
    y, n, mu, tau = case
    expected = reference_loglik(y, n, mu, tau)
    one_sided = y in (0, n) and tau >= 3
    for nodes, tol in ((10, 2.5e-3 if one_sided else 1.2e-4), (30, 5e-5 if one_sided else 1e-7)):
        got = study_loglik(
            np.array([y]), np.array([n]), np.array(mu), np.array(tau), n_nodes=nodes
        )[0]
        assert got == pytest.approx(expected, abs=tol)


def test_logistic_normal_mean():
    f = lambda z: expit(0.7 + 1.3 * z) * stats.norm.pdf(z)  # noqa: E731
    assert logistic_normal_mean(np.array(0.7), np.array(1.3)) == pytest.approx(
        integrate.quad(f, -30, 30)[0], abs=1e-10
    )


def test_same_input_same_numbers():
    spec = build_model(cart_outcome("orr"))
    assert fit_quadrature(spec).to_dict() == fit_quadrature(spec).to_dict()


def test_hdi_is_no_wider_than_equal_tailed():
    spec = build_model(cart_outcome("death"))
    eti, hdi = fit_quadrature(spec), fit_quadrature(spec, hdi=True)
    for name in ("pooled_median", "pooled_mean", "new_study", "tau"):
        a, b = getattr(eti, name), getattr(hdi, name)
        assert b.kind == "hdi" and b.median == pytest.approx(a.median)
        assert b.hi - b.lo <= a.hi - a.lo + 1e-9


def test_common_effect_model():
    result = fit_quadrature(build_model(cart_outcome("crr"), kind="common"))
    assert result.tau is None
    assert result.pooled_median == result.pooled_mean == result.new_study
    rates = result.study_rates
    assert np.allclose(rates["median"], result.pooled_median.median, atol=1e-6)


def test_accuracy_controls_are_validated():
    with pytest.raises(InputError, match="n_gh"):
        Accuracy(n_gh=1)
    with pytest.raises(InputError, match="edge_tol"):
        fit_quadrature(build_model(cart_outcome("orr")), edge_tol=0.5)


def test_grid_that_cannot_hold_the_mass_raises():
    spec = build_model(cart_outcome("orr"))
    with pytest.raises(InputError, match="cannot hold the posterior mass"):
        fit_quadrature(spec, accuracy=Accuracy(edge_tol=1e-15, max_expansions=0))


def test_finer_controls_do_not_move_the_answer():
    """Self-convergence: doubling every control moves quantiles by < 1e-3 on the rate scale."""
    spec = build_model(cart_outcome("death"))
    base = fit_quadrature(spec)
    fine = fit_quadrature(spec, n_mu=64, n_tau=48, n_gh=20, edge_tol=1e-9)
    for name in ("pooled_median", "pooled_mean", "new_study"):
        for key in ("median", "lo", "hi"):
            assert getattr(getattr(base, name), key) == pytest.approx(
                getattr(getattr(fine, name), key), abs=1e-3
            )
    np.testing.assert_allclose(
        base.study_rates[["median", "lo", "hi"]],
        fine.study_rates[["median", "lo", "hi"]],
        atol=1e-3,
    )


def test_posterior_grid_is_normalised():
    grid = posterior_grid(build_model(cart_outcome("orr")))
    assert grid.weight.sum() == pytest.approx(1.0)
    assert grid.study_loglik.shape == (24, grid.mu.size, grid.tau.size)
    assert grid.tau[0] >= 0.0 and np.all(np.diff(grid.tau) > 0)


def test_loo_is_log_evidence_ratio():
    """log p(y_i | y_-i) = log p(y) - log p(y_-i), with p(y_-i) from a separate fit."""
    spec = build_model(cart_outcome("death"))
    loo = loo_log_predictive(spec)
    full = posterior_grid(spec).log_marginal_likelihood
    for i in (0, 8, 21):  # includes zero-event studies
        reduced = replace(spec, data=spec.data.without(spec.data.studies[i], reason="loo"))
        expected = full - posterior_grid(reduced).log_marginal_likelihood
        assert loo[i] == pytest.approx(expected, abs=1e-4)


def test_quad_does_not_import_pymc():
    code = "import sys, bayesmeta.quad; print(any(m in sys.modules for m in ('pymc', 'pytensor', 'arviz')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_loo_when_a_level_has_one_study():
    """Separate tau: the lone study's LOO is its prior predictive (its evidence alone); a shared
    tau is refused; k = 1 is the prior predictive too."""
    import pandas as pd

    from bayesmeta.data import from_frame

    frame = pd.DataFrame(
        {"study": list("abc"), "events": [3, 0, 7], "total": [10, 8, 9], "g": ["x", "x", "y"]}
    )
    data = from_frame(frame, events="events", total="total", study="study", covariates=["g"])
    with pytest.raises(InputError, match="'c' is the only study of g = 'y' and tau is shared"):
        loo_log_predictive(build_model(data, by="g"))
    one = from_frame(frame.iloc[2:], events="events", total="total", study="study")
    alone = posterior_grid(build_model(one)).log_marginal_likelihood
    assert loo_log_predictive(build_model(one))[0] == pytest.approx(alone)
    separate = loo_log_predictive(build_model(data, by="g", separate_tau=True))
    assert separate[2] == pytest.approx(alone)
    pair = from_frame(frame.iloc[:2], events="events", total="total", study="study")
    np.testing.assert_allclose(separate[:2], loo_log_predictive(build_model(pair)))
