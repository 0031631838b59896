"""A beta-binomial fit's heterogeneity plot: the prior of phi against its posterior, on a phi axis.

The beta-binomial likelihood has no tau; ``tau_prior_posterior_plot`` draws its precision phi
instead: the prior curve is phi's recorded prior (checked against scipy's gamma density), the
posterior the exact engine's density of phi or a kernel estimate of NUTS draws. A common-effect
model still has nothing to draw and says so.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pytest
from scipy import stats

from bayesmeta import engines
from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.plots.tau import tau_density, tau_prior_posterior_plot


@pytest.fixture(scope="module")
def betabinomial():
    spec = build_model(cart_outcome("crr"), likelihood="betabinomial")
    return spec, engines.fit(spec)


def _lines(figure):
    axis = figure.axes[0]
    return axis, {line.get_label(): line for line in axis.get_lines()}


def _xy(line):
    return tuple(np.asarray(a, dtype=float) for a in line.get_data())


def test_an_exact_betabinomial_fit_draws_phis_prior_and_exact_posterior(betabinomial):
    spec, result = betabinomial
    figure = tau_prior_posterior_plot(result)
    axis, lines = _lines(figure)
    assert axis.get_xlabel().startswith("phi ") and axis.get_title(loc="left").startswith("phi:")
    # the prior: brms's gamma(0.01, 0.01) (shape, rate) in scipy's terms
    x, y = _xy(lines["prior: gamma(0.01, 0.01)"])
    np.testing.assert_allclose(y, stats.gamma(a=0.01, scale=100.0).pdf(x), rtol=1e-10)
    # the posterior: the engine's density of phi, labelled with phi's interval
    (label,) = [name for name in lines if name.startswith("posterior: ")]
    assert label.endswith("(exact)")
    phi = result.parameters["phi"]
    assert f"{phi.median:.2f}" in label
    x, y = _xy(lines[label])
    density = engines.tau_densities(spec, result=result)["phi"]
    np.testing.assert_allclose(y, density.on(x), rtol=0, atol=1e-12)
    assert x[-1] >= phi.hi  # the axis reaches past phi's upper limit


def test_a_sampled_betabinomial_fit_draws_a_kernel_estimate_of_phis_draws(betabinomial):
    spec, exact = betabinomial
    draws = np.random.default_rng(5).gamma(shape=8.0, scale=0.3, size=(2, 400))
    idata = az.from_dict(posterior={"phi": draws})
    sampled = exact.updated(engine="nuts", idata=idata, posterior=idata)
    figure = tau_prior_posterior_plot(sampled, prior="exponential(0.5)")
    axis, lines = _lines(figure)
    assert axis.get_xlabel().startswith("phi ")
    x, y = _xy(lines["prior: exponential(0.5)"])
    np.testing.assert_allclose(y, stats.expon(scale=2.0).pdf(x), rtol=1e-10)
    (label,) = [name for name in lines if name.startswith("posterior: ")]
    assert not label.endswith("(exact)")
    x, y = _xy(lines[label])
    np.testing.assert_allclose(y, tau_density(draws.ravel(), x), rtol=1e-12)


def test_a_common_effect_model_still_has_no_tau_to_draw():
    result = engines.fit(build_model(cart_outcome("crr"), kind="common"))
    with pytest.raises(InputError, match=r"^the model has no tau \(common-effect model\)$"):
        tau_prior_posterior_plot(result)
