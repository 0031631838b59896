"""The heterogeneity prior families lognormal, halflogistic, invgamma (on tau^2) and halft.

Checks: each density integrates to one and matches an independent formula; the PyMC variable
has the same log density as the scipy one; and the exact engine's log evidence under each prior
matches a brute-force integration on four studies (``TOL = 0.01`` as for the default prior:
independent Gauss-Hermite study rule with 80 nodes, adaptive ``quad`` over mu and tau).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import gammaln, log_expit

from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.engines import fit
from bayesmeta.errors import InputError
from bayesmeta.model.priors import parse_prior

NEW = ["lognormal(-0.5, 1)", "halflogistic(1)", "invgamma(1, 0.5)", "halft(3, 1)"]
TOL = 0.01


def _formula(text: str):
    """Independent log densities of tau, written out."""
    prior = parse_prior(text, role="scale")
    p = prior.params
    match prior.family:
        case "lognormal":
            return lambda t: stats.norm.logpdf(math.log(t), p[0], p[1]) - math.log(t)
        case "halflogistic":
            return lambda t: math.log(2 / p[0]) - t / p[0] - 2 * math.log1p(math.exp(-t / p[0]))
        case (
            "invgamma"
        ):  # tau^2 ~ InvGamma(a, b): density 2 t b^a / Gamma(a) (t^2)^(-a-1) e^(-b/t^2)
            return lambda t: (math.log(2 * t) + p[0] * math.log(p[1]) - math.lgamma(p[0])
                              - (p[0] + 1) * math.log(t * t) - p[1] / (t * t))  # fmt: skip
        case "halft":
            return lambda t: math.log(2) + stats.t.logpdf(t, p[0], scale=p[1])
    raise AssertionError(text)


@pytest.mark.parametrize("text", NEW)
def test_density_is_normalised_and_matches_the_formula(text):
    prior = parse_prior(text, role="scale")
    formula = _formula(text)
    for t in (0.05, 0.4, 1.0, 2.5):
        assert prior.logpdf(t) == pytest.approx(formula(t), rel=1e-10)
    total, _ = integrate.quad(lambda t: math.exp(prior.logpdf(t)), 0, np.inf, limit=200)
    assert total == pytest.approx(1.0, abs=1e-7)
    for q in (0.1, 0.5, 0.9):
        x = float(prior.ppf(q))
        assert float(prior.distribution().cdf(x)) == pytest.approx(q, abs=1e-9)


def test_invgamma_is_on_tau_squared():
    prior = parse_prior("invgamma(2, 0.3)", role="scale")
    for t in (0.2, 0.7, 1.5):
        expected = stats.invgamma(2, scale=0.3).cdf(t * t)
        assert float(prior.distribution().cdf(t)) == pytest.approx(expected, rel=1e-12)


def test_bad_parameters_are_one_line_errors():
    with pytest.raises(InputError, match="positive"):
        parse_prior("invgamma(0, 1)", role="scale", name="tau prior")
    with pytest.raises(InputError, match="positive"):
        parse_prior("lognormal(0, -1)", role="scale", name="tau prior")
    with pytest.raises(InputError, match="not a location prior"):
        parse_prior("halflogistic(1)", role="location", name="mu prior")


@pytest.mark.parametrize("text", NEW)
def test_pymc_log_density_equals_scipy(text):
    pm = pytest.importorskip("pymc")
    prior = parse_prior(text, role="scale")
    with pm.Model() as model:
        prior.to_pymc("tau")
    logp = model.compile_logp(jacobian=False)
    name = model.value_vars[0].name
    for t in (0.3, 1.2):
        value = math.log(t) if name.endswith("_log__") else t
        assert float(logp({name: value})) == pytest.approx(float(prior.logpdf(t)), abs=1e-6)


def _brute_log_evidence(events, total, tau_prior) -> float:
    """log p(y) with mu ~ normal(0, 2.5): 80-node Gauss-Hermite per study, quad over mu and tau."""
    z, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    coef = gammaln(total + 1) - gammaln(events + 1) - gammaln(total - events + 1)

    def log_lik(mu, tau):
        eta = mu + tau * z[None, :]
        ll = (
            coef[:, None]
            + events[:, None] * log_expit(eta)
            + (total - events)[:, None] * log_expit(-eta)
        )
        top = ll.max(axis=1)
        return float(np.sum(top + np.log(np.exp(ll - top[:, None]) @ w)))

    def inner(tau):
        f = lambda mu: math.exp(stats.norm.logpdf(mu, 0, 2.5) + log_lik(mu, tau) + 40)  # noqa: E731
        return integrate.quad(f, -6, 8, epsrel=1e-8, limit=200)[0]

    prior = parse_prior(tau_prior, role="scale")
    g = lambda t: math.exp(prior.logpdf(t)) * inner(t) if t > 0 else 0.0  # noqa: E731
    value = integrate.quad(g, 0, 6, epsrel=1e-7, limit=200, points=[0.5, 1.5])[0]
    value += integrate.quad(g, 6, 60, epsrel=1e-6, limit=200)[0]
    return math.log(value) - 40


@pytest.mark.parametrize("text", NEW)
def test_exact_engine_log_evidence_under_each_prior(text):
    data = cart_outcome("orr")
    keep = np.zeros(data.k, dtype=bool)
    keep[:4] = True
    small = data.where(keep)
    result = fit(build_model(small, tau_prior=text), engine="quadrature")
    expected = _brute_log_evidence(
        np.asarray(small.events, float), np.asarray(small.total, float), text
    )
    assert result.log_evidence == pytest.approx(expected, abs=TOL)
    assert "heterogeneity" in result.bayes_factors
