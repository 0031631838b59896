"""Beta mixtures: density, conjugate posterior and beta-binomial predictive against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from bayesmeta.errors import InputError
from bayesmeta.trial import BetaMixture

MIX = BetaMixture(weight=[0.3, 0.7], a=[2.0, 12.0], b=[5.0, 3.0])


def test_density_cdf_and_moments_match_scipy():
    p = np.linspace(0.01, 0.99, 99)
    pdf = 0.3 * stats.beta.pdf(p, 2, 5) + 0.7 * stats.beta.pdf(p, 12, 3)
    cdf = 0.3 * stats.beta.cdf(p, 2, 5) + 0.7 * stats.beta.cdf(p, 12, 3)
    np.testing.assert_allclose(MIX.pdf(p), pdf, rtol=1e-12)
    np.testing.assert_allclose(MIX.cdf(p), cdf, rtol=1e-12)
    np.testing.assert_allclose(MIX.sf(p), 1 - cdf, rtol=1e-9, atol=1e-15)
    mean = integrate.quad(lambda x: x * MIX.pdf(x), 0, 1)[0]
    second = integrate.quad(lambda x: x * x * MIX.pdf(x), 0, 1)[0]
    assert MIX.mean() == pytest.approx(mean, rel=1e-10)
    assert MIX.var() == pytest.approx(second - mean**2, rel=1e-8)
    q = MIX.ppf([0.025, 0.5, 0.975])
    np.testing.assert_allclose(MIX.cdf(q), [0.025, 0.5, 0.975], atol=1e-12)


def test_posterior_is_prior_times_likelihood():
    post = MIX.posterior(7, 10)
    p = np.linspace(0.02, 0.98, 49)
    unnorm = lambda x: MIX.pdf(x) * stats.binom.pmf(7, 10, x)  # noqa: E731
    z = integrate.quad(unnorm, 0, 1)[0]
    np.testing.assert_allclose(post.pdf(p), unnorm(p) / z, rtol=1e-9)


def test_predictive_is_a_beta_binomial_mixture():
    pmf = MIX.predictive_pmf(12)
    x = np.arange(13)
    expected = 0.3 * stats.betabinom.pmf(x, 12, 2, 5) + 0.7 * stats.betabinom.pmf(x, 12, 12, 3)
    np.testing.assert_allclose(pmf, expected, rtol=1e-12)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-13)


def test_records_round_trip_and_bad_records():
    again = BetaMixture.from_records(MIX.to_records())
    np.testing.assert_allclose(again.a, MIX.a)
    with pytest.raises(InputError, match="prior.json: mixture"):
        BetaMixture.from_records([{"weight": 1, "a": 2}], source="prior.json: mixture")
    with pytest.raises(InputError, match="positive"):
        BetaMixture.from_records([{"weight": 1, "a": -2, "b": 1}])
    with pytest.raises(InputError, match="no components"):
        BetaMixture.from_records([])
