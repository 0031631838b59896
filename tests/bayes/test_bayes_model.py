"""The PyMC model's log density equals the model written out with scipy (no sampling).

Checks the reparameterization of :func:`bayesmeta.nuts.model.build_pymc_model` (mu from
``mu_shift``, non-centered z, log-transformed tau) against the textbook joint density
p(mu) p(tau) prod N(z_i) prod Binom(y_i | n_i, expit(mu_g(i) + tau_g(i) z_i)).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.nuts.draws import linear_predictor
from bayesmeta.nuts.model import build_pymc_model


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"by": "cancer_type"},
        {"by": "cancer_type", "separate_tau": True, "tau_prior": "halfcauchy(1)"},
        {"formula": "cancer_type + age_median", "beta_prior": "student_t(3, 0, 1)"},
        {"kind": "common", "mu_prior": "student_t(4, -1, 2)"},
    ],
    ids=["random", "subgroup", "separate", "regression", "common"],
)
def test_pymc_logp_equals_scipy_joint_density(options):
    data = cart_outcome("death")
    spec = build_model(data, **options)
    model = build_pymc_model(spec)
    rng = np.random.default_rng(11)
    point = {
        name: rng.normal(scale=0.7, size=np.shape(v)) for name, v in model.initial_point().items()
    }
    logp = model.compile_logp(jacobian=True)(point)
    free = {}
    for name, value in point.items():
        if name.endswith("_log__"):
            free[name[: -len("_log__")]] = np.exp(value)[None, None]
        else:
            free[name] = np.asarray(value)[None, None]
    params, eta = linear_predictor(spec, free)
    priors = spec.priors
    expected = 0.0
    if spec.kind == "regression":
        from bayesmeta.nuts.model import layout

        lay = layout(spec)
        beta = params["beta"][0, 0]
        expected += priors.mu.logpdf(beta[list(lay.mean_columns)]).sum()
        expected += priors.beta.logpdf(beta[list(lay.slope_columns)]).sum()
    else:
        expected += priors.mu.logpdf(params["mu"][0, 0]).sum()
    rate = expit(eta[0, 0])
    if spec.kind != "common":
        tau = free["tau"][0, 0]
        z = free["z"][0, 0]
        expected += (priors.tau.logpdf(tau) + np.log(tau)).sum()  # log-transform Jacobian
        expected += stats.norm.logpdf(z).sum()
        tau_study = tau[spec.group_index()] if np.ndim(tau) else tau
        rate = expit(eta[0, 0] + tau_study * z)
    expected += stats.binom.logpmf(spec.data.events, spec.data.total, rate).sum()
    assert logp == pytest.approx(expected, rel=1e-9)
