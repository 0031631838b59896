"""The exact meta-regression (``bayesmeta.quad.regression``): rules, core, and cross-checks.

The strongest check here needs no pinned file: an intercept-only regression is the
random-intercept model, which the (independent, grid-based) exact engine already integrates and
which is itself tested against brute force and brms. References from outside (brms, a long NUTS
run, brute-force evidence) are in ``test_quad_regression_refs.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.model.likelihood import study_loglik
from bayesmeta.model.spec import build_model
from bayesmeta.quad import fit_quadrature, posterior_grid
from bayesmeta.quad.regression import (
    RegressionAccuracy,
    fit_regression_quadrature,
    regression_draws,
    regression_posterior,
)
from bayesmeta.quad.regression.grids import product_rule, smolyak_rule, standard_rule
from bayesmeta.quad.regression.likelihood import study_loglik_rows
from bayesmeta.quad.regression.problem import regression_problem
from bayesmeta.quad.regression.skewmix import SkewMixture, skew_normal_params


@pytest.mark.parametrize("p", [1, 2, 4, 8])
def test_smolyak_grid_is_exact_for_total_degree_five(p):
    nodes, weights = smolyak_rule(p, 3)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    # E[Z1^4] = 3, E[Z1^2 Z2^2] = 1, E[Z1^2] = 1, odd moments 0
    assert weights @ nodes[:, 0] ** 4 == pytest.approx(3.0, abs=1e-9)
    assert weights @ nodes[:, 0] ** 2 == pytest.approx(1.0, abs=1e-9)
    assert weights @ nodes[:, 0] ** 3 == pytest.approx(0.0, abs=1e-9)
    if p > 1:
        assert weights @ (nodes[:, 0] ** 2 * nodes[:, -1] ** 2) == pytest.approx(1.0, abs=1e-9)
    assert len(nodes) < 3**p or p < 4  # sparse: fewer nodes than the 3-point product


def test_standard_rule_switches_to_sparse_for_many_coefficients():
    assert standard_rule(3, 2, max_product=27)[2] == "product"
    assert standard_rule(4, 2, max_product=27)[2] == "smolyak"
    nodes, weights = product_rule(2, 3)
    assert nodes.shape == (9, 2) and weights @ nodes[:, 1] ** 4 == pytest.approx(3.0)


def test_study_rows_equal_the_one_eta_rule():
    events, total = np.array([0.0, 12.0, 33.0]), np.array([10.0, 17.0, 33.0])
    eta = np.array([[-1.0, 0.5], [-1.0, 0.5], [-1.0, 0.5]])
    tau = np.array([0.4, 2.0])
    rows = study_loglik_rows(events, total, eta, tau)
    assert np.allclose(rows, study_loglik(events, total, eta[0], tau), atol=1e-12)


def test_study_effect_moments_match_scipy_quad():
    """14 adaptive Gauss-Hermite nodes (as the fit uses) give the moments of a 1-event study."""
    y, n, eta, tau = 1.0, 33.0, -2.0, 1.5
    _, m = study_loglik_rows(
        np.array([y]), np.array([n]), np.array([[eta]]), np.array([tau]), n_gh=14, moments=True
    )

    def post(z):
        return stats.binom.pmf(y, n, 1 / (1 + np.exp(-(eta + tau * z)))) * stats.norm.pdf(z)

    norm = integrate.quad(post, -12, 12)[0]
    for r in (1, 2, 3):
        want = integrate.quad(lambda z, r=r: z**r * post(z), -12, 12)[0] / norm
        assert m[r - 1, 0, 0] == pytest.approx(want, rel=5e-5, abs=1e-8)


def test_skew_normal_matches_its_moments_and_scipy():
    dist = stats.skewnorm(4.0, loc=1.0, scale=2.0)
    mean, var, skew = dist.stats(moments="mvs")
    xi, omega, alpha = skew_normal_params(np.array([mean]), np.array([var]), np.array([skew]))
    assert (xi[0], omega[0], alpha[0]) == pytest.approx((1.0, 2.0, 4.0), rel=1e-6)
    mix = SkewMixture(xi[None], omega[None], alpha[None], np.ones(1))
    assert mix.quantiles([0.025, 0.5, 0.975])[0] == pytest.approx(
        dist.ppf([0.025, 0.5, 0.975]), abs=1e-7
    )


@pytest.mark.parametrize("outcome", ["orr", "death"])
def test_intercept_only_regression_is_the_random_intercept_model(outcome):
    """Two independent exact integrations of the same posterior agree.

    Tolerances: log evidence 1e-3 (both engines' own error is ~1e-4); tau and the new-study
    rate come from exact marginals: 1e-3; pooled rates use skew-normal matching within each tau
    node: 2e-3 on the rate scale (measured <= 4e-4); study rates also match the skewed study
    effect by its first three moments: 3e-3 (measured <= 2.1e-3, about 0.03 posterior SD).
    """
    data = cart_outcome(outcome)
    reg = fit_regression_quadrature(build_model(data, kind="regression", formula="1"))
    ref = fit_quadrature(build_model(data, kind="random"))
    grid = posterior_grid(build_model(data, kind="random"))
    assert reg.log_evidence == pytest.approx(grid.log_marginal_likelihood, abs=1e-3)
    assert reg.log_evidence_error < 0.01
    for name, tol in [
        ("tau", 1e-3),
        ("new_study", 1e-3),
        ("pooled_median", 2e-3),
        ("pooled_mean", 2e-3),
    ]:
        got, want = getattr(reg, name), getattr(ref, name)
        assert (got.median, got.lo, got.hi) == pytest.approx(
            (want.median, want.lo, want.hi), abs=tol
        ), name
    for col in ("median", "lo", "hi"):
        assert np.allclose(reg.study_rates[col], ref.study_rates[col], atol=3e-3)


def test_fit_is_deterministic_and_reports_every_output():
    spec = build_model(cart_outcome("crr"), formula="cancer_type + country")
    first, second = fit_regression_quadrature(spec), fit_regression_quadrature(spec)
    assert first.to_dict() == second.to_dict()
    out = first.to_dict()
    assert out["engine"] == "quadrature"
    assert set(out["coefficients"]) == {
        "intercept",
        "cancer_type[lymphoma]",
        "cancer_type[myeloma]",
        "country[USA]",
    }
    assert set(out["rates"]) == {
        "cancer_type[leukemia]",
        "cancer_type[lymphoma]",
        "cancer_type[myeloma]",
        "country[China]",
        "country[USA]",
    }
    assert len(out["contrasts"]) == 4 and all(
        0 <= c["prob_a_greater"] <= 1 for c in out["contrasts"]
    )
    assert len(out["study_rates"]) == spec.data.k
    assert first.diagnostics.ok and "log evidence error" in first.diagnostics.engine_note


def test_hdi_is_narrower_than_the_equal_tailed_interval():
    spec = build_model(cart_outcome("orr"), formula="age_median")
    eti, hdi = fit_regression_quadrature(spec), fit_regression_quadrature(spec, hdi=True)
    for name in ("tau", "new_study"):
        a, b = getattr(eti, name), getattr(hdi, name)
        assert b.kind == "hdi" and b.hi - b.lo <= a.hi - a.lo + 1e-9


def test_eight_coefficients_run_with_a_sparse_grid_and_a_small_error():
    spec = build_model(
        cart_outcome("orr"), formula="cancer_type + country + age_median + year + phase"
    )
    post, coarse = regression_posterior(spec)
    assert post.beta.shape[2] == 8 and post.rule == "smolyak"
    assert abs(post.log_evidence - coarse.log_evidence) < 0.05
    assert post.weight.sum() == pytest.approx(1.0)


def test_draws_are_deterministic_and_match_the_posterior():
    spec = build_model(cart_outcome("orr"), formula="age_median")
    post, _ = regression_posterior(spec)
    problem = regression_problem(spec)
    beta, tau, ess = regression_draws(problem, post, size=4000, seed=3)
    again, _, _ = regression_draws(problem, post, size=4000, seed=3)
    assert np.array_equal(beta, again) and ess > 8000  # of 16000 candidates
    b, t, w = post.nodes()
    # means within 5 Monte Carlo SEs (ESS >= 4000 resampled draws)
    assert np.mean(tau) == pytest.approx(w @ t, abs=5 * np.std(tau) / np.sqrt(4000))
    assert np.mean(beta[:, 1]) == pytest.approx(
        w @ b[:, 1], abs=5 * np.std(beta[:, 1]) / np.sqrt(4000)
    )


def test_bad_accuracy_and_wrong_kind_are_input_errors():
    with pytest.raises(InputError, match="level"):
        RegressionAccuracy(level=1)
    with pytest.raises(InputError, match="regression"):
        regression_posterior(build_model(cart_outcome("orr"), kind="random"))


def test_intercept_only_loo_equals_the_grid_engine():
    """Exact LOO of the intercept-only regression equals the random-intercept model's (1e-3)."""
    from bayesmeta.quad import loo_log_predictive
    from bayesmeta.quad.regression.loo import regression_loo

    data = cart_outcome("crr")
    ours = regression_loo(build_model(data, kind="regression", formula="1"))
    theirs = loo_log_predictive(build_model(data, kind="random"))
    assert np.allclose(ours, theirs, atol=1e-3)


def test_study_draws_have_the_nuts_layout():
    from bayesmeta.quad.regression.draws import study_draws

    spec = build_model(cart_outcome("crr"), formula="cancer_type + country")
    eta, tau_study, params = study_draws(spec, chains=2, draws=50, seed=1)
    assert eta.shape == tau_study.shape == (2, 50, spec.data.k)
    assert params["beta"].shape == (2, 50, 4) and np.all(params["tau"] > 0)
    assert np.allclose(eta, params["beta"] @ spec.design.matrix.T)
