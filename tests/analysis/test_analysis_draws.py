"""Draws resampled from the exact engine's grids reproduce the engine's own summaries.

Tolerance: 0.02 on rates and 0.06 on tau medians, the Monte Carlo error of a median from 4000
draws (plus the within-cell jitter) being below a third of that on these posteriors.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from bayesmeta.analysis.draws import from_quadrature
from bayesmeta.bayes import build_model, fit
from bayesmeta.data import cart_outcome


@pytest.mark.parametrize(
    ("outcome", "options"),
    [
        ("crr", {"kind": "random"}),
        ("death", {"kind": "subgroup", "by": "cancer_type", "separate_tau": True}),
        ("orr", {"kind": "subgroup", "by": "antigen", "separate_tau": False}),
    ],
)
def test_grid_draws_match_the_exact_summaries(outcome, options):
    model = build_model(cart_outcome(outcome), **options)
    exact = fit(model, engine="quadrature")
    draws, params = from_quadrature(model, chains=2, draws=2000, seed=5)
    mu = params["mu"].reshape(-1, *params["mu"].shape[2:])
    tau = params["tau"].reshape(-1, *params["tau"].shape[2:])
    if model.kind == "subgroup":
        for g, level in enumerate(model.groups):
            assert np.median(expit(mu[:, g])) == pytest.approx(
                exact.rates[level].median, abs=0.02
            ), level
            expected_tau = exact.taus[level] if model.separate_tau else exact.tau
            level_tau = tau[:, g] if model.separate_tau else tau
            assert np.median(level_tau) == pytest.approx(expected_tau.median, abs=0.06), level
    else:
        assert np.median(expit(mu)) == pytest.approx(exact.pooled_median.median, abs=0.02)
        assert np.median(tau) == pytest.approx(exact.tau.median, abs=0.06)
    # eta and tau_study are the study's level values
    index = (
        np.asarray(model.group_index()) if model.kind == "subgroup" else np.zeros(model.data.k, int)
    )
    flat_mu = mu if mu.ndim == 2 else mu[:, None]
    np.testing.assert_array_equal(draws.eta.reshape(-1, model.data.k), flat_mu[:, index])
    again, _ = from_quadrature(model, chains=2, draws=2000, seed=5)
    np.testing.assert_array_equal(again.eta, draws.eta)
