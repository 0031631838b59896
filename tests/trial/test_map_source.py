"""The MAP source (exact predictive as a normal mixture) and its beta-mixture fit."""

from __future__ import annotations

import numpy as np
import pytest

from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.quad import posterior_grid
from bayesmeta.quad.summaries import new_study_cdf
from bayesmeta.trial import NormalMixture, derive_map, fit_beta_mixture, map_source
from bayesmeta.trial.fitting import em_beta


@pytest.fixture(scope="module")
def orr():
    return cart_outcome("orr")


@pytest.mark.parametrize("kind", ["random", "common"])
def test_grid_mixture_reproduces_the_engine_predictive(orr, kind):
    """The engine's own new-study CDF (spline-convolved, independent code path): the random
    model agrees to 1e-5; the common model (tau = 0, smoothed by h/8) to 1e-3."""
    spec = build_model(orr, kind=kind)
    source = map_source(spec)
    x, cdf = new_study_cdf(posterior_grid(spec), n_fine=4000)
    tol = 1e-5 if kind == "random" else 1e-3
    assert np.max(np.abs(source.mixture.logit_cdf(x) - cdf)) < tol


def test_level_of_separate_tau_model_is_that_level_alone(orr):
    """With separate tau a level is an independent random-intercept model of its studies; and
    the default grid's mixture is within 1e-4 of the engine's predictive on a much finer grid
    (a skewed level, where the engine's own default new_study_cdf is 2e-4 off)."""
    from bayesmeta.quad import Accuracy

    spec = build_model(orr, by="cancer_type", separate_tau=True)
    level = map_source(spec, level="myeloma")
    alone = orr.where(np.asarray(orr.covariates["cancer_type"] == "myeloma"))
    x = np.linspace(-4, 9, 500)
    by_itself = map_source(build_model(alone)).mixture.logit_cdf(x)
    assert level.k == alone.k
    np.testing.assert_allclose(level.mixture.logit_cdf(x), by_itself, atol=1e-12)
    fine = Accuracy(n_mu=120, n_tau=90, resolution=6, max_nodes=800)
    x, cdf = new_study_cdf(posterior_grid(build_model(alone), accuracy=fine), n_fine=8000)
    assert np.max(np.abs(level.mixture.logit_cdf(x) - cdf)) < 1e-4


@pytest.mark.parametrize("level", [None, "myeloma", "leukemia"])
def test_done_when_mixture_reproduces_the_exact_predictive(orr, level):
    """Issue 13, done when: the mixture's largest CDF difference is below 0.01."""
    spec = build_model(orr) if level is None else build_model(orr, by="cancer_type")
    prior = derive_map(map_source(spec, level=level))
    assert prior.quality.max_cdf_diff < 0.01
    for diff in prior.quality.quantile_diffs.values():
        assert abs(diff) < 0.01
    assert 1 <= prior.fitted.size <= 4


def test_em_recovers_a_known_beta_mixture():
    from bayesmeta.trial import BetaMixture

    truth = BetaMixture(weight=[0.4, 0.6], a=[3.0, 30.0], b=[12.0, 10.0])
    points = truth.ppf((np.arange(3000) + 0.5) / 3000)
    fit = em_beta(points, 2)
    order = np.argsort(fit.a)
    np.testing.assert_allclose(fit.weight[order], truth.weight, atol=0.01)
    np.testing.assert_allclose(fit.a[order], truth.a, rtol=0.03)
    np.testing.assert_allclose(fit.b[order], truth.b, rtol=0.03)


def test_fixed_components_and_limits():
    target = NormalMixture(weight=[0.5, 0.5], loc=[-1.0, 1.5], scale=[0.4, 0.3])
    mix, quality = fit_beta_mixture(target, components=2)
    assert mix.size == 2 and quality.max_cdf_diff < 0.01
    with pytest.raises(InputError, match="--components 9"):
        fit_beta_mixture(target, components=9)


def test_level_errors(orr):
    spec = build_model(orr, by="cancer_type")
    with pytest.raises(InputError, match="--level lymphomaX: no studies"):
        map_source(spec, level="lymphomaX")
    with pytest.raises(InputError, match="--level"):
        map_source(spec)


def test_linear_predictor_mixture_is_x_beta():
    from bayesmeta.trial import linear_predictor_mixture

    beta = np.array([[0.5, 1.0], [0.7, -0.2]])
    mix = linear_predictor_mixture(
        beta, np.array([0.3, 0.0]), np.array([0.25, 0.75]), np.array([1.0, 1.0])
    )
    np.testing.assert_allclose(mix.loc, [1.5, 0.5])
    np.testing.assert_allclose(mix.scale, [0.3, 1e-6])
    with pytest.raises(InputError, match="design columns"):
        linear_predictor_mixture(beta, np.ones(2), np.ones(2), np.ones(3))


def test_signed_weights_as_smolyak_nodes_give_the_same_mixture():
    """Smolyak rules give some nodes negative mass: N(0, 1) written as 1.5 N(0, 1) - 0.5 N(0, 1)
    plus a tiny negative far component behaves as N(0, 1)."""
    from scipy import stats

    from bayesmeta.trial.ess import ess_elir_logit

    signed = NormalMixture(weight=[1.5, -0.5, -1e-3, 1e-3], loc=[0, 0, 3, 3], scale=[1, 1, 1, 1])
    plain = NormalMixture(weight=[1.0], loc=[0.0], scale=[1.0])
    x = np.linspace(-4, 4, 41)
    np.testing.assert_allclose(signed.logit_cdf(x), stats.norm.cdf(x), atol=1e-12)
    np.testing.assert_allclose(signed.logit_logpdf(x), stats.norm.logpdf(x), atol=1e-9)
    np.testing.assert_allclose(
        signed.logit_ppf([0.1, 0.5, 0.9]), stats.norm.ppf([0.1, 0.5, 0.9]), atol=1e-9
    )
    assert ess_elir_logit(signed) == pytest.approx(ess_elir_logit(plain), rel=1e-9)


def test_pattern_row_follows_the_design_columns(orr):
    from bayesmeta.formula import design_matrix
    from bayesmeta.trial.pattern import pattern_row

    data = orr.complete_for(["cancer_type", "country", "age_median"])
    design = design_matrix(data.covariates, "cancer_type + country + age_median")
    row = pattern_row(design, {"cancer_type": "myeloma", "country": "USA", "age_median": "60"})
    expected = {c: 0.0 for c in design.columns}
    expected["intercept"] = 1.0
    expected["age_median"] = 60.0
    for name, level in (("cancer_type", "myeloma"), ("country", "USA")):
        if f"{name}[{level}]" in expected:
            expected[f"{name}[{level}]"] = 1.0
    np.testing.assert_allclose(row, [expected[c] for c in design.columns])
    with pytest.raises(InputError, match="missing: age_median"):
        pattern_row(design, {"cancer_type": "myeloma", "country": "USA"})
    with pytest.raises(InputError, match="no studies at that level"):
        pattern_row(design, {"cancer_type": "brain", "country": "USA", "age_median": "60"})
