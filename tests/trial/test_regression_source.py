"""MAP priors at a covariate pattern from the exact meta-regression engine."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import log_ndtr, logsumexp

from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.quad.regression import RegressionProblem, integrate, regression_posterior
from bayesmeta.quad.regression.marginals import new_study_mixture
from bayesmeta.quad.regression.priors import log_density
from bayesmeta.trial import derive_map, linear_predictor_mixture, map_source
from bayesmeta.trial.ess import ess_elir_logit
from bayesmeta.trial.pattern import pattern_row, resolve
from bayesmeta.trial.regression_source import pattern_mixture

X = np.linspace(-6.0, 10.0, 801)
CASES = {
    "one_factor": ("cancer_type", {"cancer_type": "myeloma"}),
    "numeric": ("age_median", {"age_median": "60"}),
    "two_factors": ("cancer_type + country", {"cancer_type": "myeloma", "country": "China"}),
}


@pytest.fixture(scope="module")
def orr():
    return cart_outcome("orr")


@pytest.fixture(scope="module")
def fitted(orr):
    out = {}
    for name, (formula, values) in CASES.items():
        spec = build_model(orr, formula=formula)
        post, _ = regression_posterior(spec)
        out[name] = (spec, post, pattern_row(spec.design, values), values)
    return out


def _engine_cdf(post, row):
    mix = new_study_mixture(post, row[None], np.array([1.0]))
    return mix, mix.cdf(X[None, :])[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_pattern_predictive_is_the_regression_engines_own(fitted, case):
    """The regression model's own exact new-study predictive at that pattern (the engine's
    closed-form skew-normal convolution, ``quad.regression.marginals``; for the one-factor case
    the subgroup-free regression, not the subgroup model). Both represent the same per-tau-node
    law; ours by a 64-node Gauss-Legendre rule in the half-normal variable, so they agree to its
    quadrature error (observed ~1e-11): tolerance 1e-8."""
    spec, post, row, values = fitted[case]
    source = map_source(spec, level=values)
    _, cdf = _engine_cdf(post, row)
    assert np.max(np.abs(source.mixture.logit_cdf(X) - cdf)) < 1e-8
    assert source.model["kind"] == "regression" and source.k == spec.data.k


@pytest.mark.parametrize(
    ("case", "factor", "name"),
    [
        ("one_factor", "cancer_type", "myeloma"),
        ("two_factors", "cancer_type", "cancer_type[myeloma]"),
    ],
)
def test_pattern_rate_is_the_fits_reported_rate(fitted, case, factor, name):
    """Without the new study's own effect (``predictive=False``) the mixture is the posterior of
    the rate at a design row: at the row of a reported level rate (the other factor's columns at
    their study mean, ``level_profile``) it is the fit's own ``rates[name]``
    (fit_regression_quadrature: Newton-solved skew-normal quantiles; ours: a 4001-point table
    plus two Newton steps, and a 64-node rule in the half-normal variable): tolerance 1e-6. The
    rate's interval lies inside the predictive's at the pattern itself."""
    from bayesmeta.model.derived import level_profile
    from bayesmeta.quad.regression import fit_regression_quadrature

    spec, post, row, _ = fitted[case]
    design = spec.design
    profile = level_profile(
        design.matrix, design.columns, factor, design.factors[factor], "myeloma"
    )
    rate = pattern_mixture(*post.nodes(), profile, predictive=False)
    reported = fit_regression_quadrature(spec).rates[name]
    np.testing.assert_allclose(
        rate.ppf([0.5, 0.025, 0.975]), [reported.median, reported.lo, reported.hi], atol=1e-6
    )
    lo, hi = pattern_mixture(*post.nodes(), row, predictive=False).ppf([0.025, 0.975])
    plo, phi = pattern_mixture(*post.nodes(), row).ppf([0.025, 0.975])
    assert plo < lo < hi < phi


@pytest.mark.parametrize("case", sorted(CASES))
def test_smoothing_keeps_the_node_cdf(fitted, case):
    """The raw node sum sum_j w_j N(x'beta_j, tau_j) (no moment matching) is the quadrature
    rule's own CDF: the per-tau-node skew-normal differs from it by the third-moment matching
    only; observed 1e-5 to 7e-4 (Smolyak, 4 coefficients): tolerance 2e-3, a fifth of the
    Beta-mixture fit tolerance."""
    _, post, row, _ = fitted[case]
    comb = linear_predictor_mixture(*post.nodes(), row)
    smooth = pattern_mixture(*post.nodes(), row)
    assert np.max(np.abs(comb.logit_cdf(X) - smooth.logit_cdf(X))) < 2e-3


@pytest.mark.parametrize("case", sorted(CASES))
def test_elir_logit_of_the_smooth_predictive_matches_brute_force(fitted, case):
    """ELIR on the logit scale by brute force: the engine's own skew-normal mixture log density
    (log-space, so the far tails stay finite) on a 140001-point grid over [-50, 55] (the weight
    2 + e^|x| makes the wide tau nodes' tails count far out; [-15, 20] loses 2e-5 relative),
    -(log f)'' by second differences (step 7.5e-4: O(h^2) ~ 1e-7 relative), trapezoid integral;
    observed agreement 2e-8 relative. The unsmoothed node comb gave 6862 for two factors (the
    smooth predictive: 34.5). Tolerance 1e-6 relative."""
    _, post, row, _ = fitted[case]
    eng, _ = _engine_cdf(post, row)
    x = np.linspace(-50.0, 55.0, 140001)
    t = (x[:, None] - eng.xi[0]) / eng.omega[0]
    log_comp = (
        np.log(2 * eng.weight[0] / eng.omega[0])
        - 0.5 * t * t
        - 0.5 * np.log(2 * np.pi)
        + log_ndtr(eng.alpha[0] * t)
    )
    log_f = logsumexp(log_comp, axis=1)
    h = x[1] - x[0]
    second = (log_f[2:] - 2 * log_f[1:-1] + log_f[:-2]) / h**2
    mid = x[1:-1]
    log_inv_fisher = np.abs(mid) + 2 * np.log1p(np.exp(-np.abs(mid)))
    brute = np.trapezoid(-second * np.exp(log_f[1:-1] + log_inv_fisher), mid)
    ours = ess_elir_logit(pattern_mixture(*post.nodes(), row))
    assert ours == pytest.approx(brute, rel=1e-6)
    assert ours < 100


def test_intercept_only_row_is_the_random_intercept_map(orr):
    """A regression whose design is the intercept alone, with the random model's priors, is the
    random-intercept model: its MAP predictive matches the grid engine's (a different engine and
    integration rule) to 1e-4 in the CDF (observed 1.2e-5) and its logit ELIR to 1e-3 relative."""
    spec = build_model(orr)
    problem = RegressionProblem(
        events=np.asarray(orr.events, float),
        total=np.asarray(orr.total, float),
        X=np.ones((orr.k, 1)),
        coef_logpdf=[log_density(spec.priors.mu)],
        tau_logpdf=log_density(spec.priors.tau),
    )
    post, _ = integrate(problem)
    mix = pattern_mixture(*post.nodes(), np.ones(1))
    random = map_source(spec).mixture
    assert np.max(np.abs(mix.logit_cdf(X) - random.logit_cdf(X))) < 1e-4
    assert ess_elir_logit(mix) == pytest.approx(ess_elir_logit(random), rel=1e-3)


def test_regression_map_fits_within_the_issue_tolerance(fitted):
    """Issue 13, done when: the mixture's CDF difference below 0.01, for a two-factor pattern."""
    spec, _, _, values = fitted["two_factors"]
    prior = derive_map(map_source(spec, level=values))
    assert prior.quality.max_cdf_diff < 0.01
    assert prior.source.label == "cancer_type=myeloma, country=China"


@pytest.mark.parametrize(
    ("formula", "pattern", "message"),
    [
        ("cancer_type", "cancer_type=brain", "no studies at that level"),
        ("cancer_type", "cancer_typo=myeloma", "unknown covariate 'cancer_typo'"),
        ("cancer_type", "cancer_type=myeloma,country=China", "'country' is not in the formula"),
        ("cancer_type + country", "cancer_type=myeloma", "missing: country"),
        ("age_median", "age_median=old", "a number is needed"),
    ],
)
def test_bad_patterns_one_line(orr, formula, pattern, message):
    with pytest.raises(InputError, match=message):
        resolve(build_model(orr, formula=formula), pattern=pattern)
