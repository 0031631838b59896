"""The faster regression rate CDFs and the cached design give the same numbers (issue 22, item 3).

- ``SkewMixture.cdf`` skips Owen's T where a component's standardized distance exceeds
  ``TAIL_T`` = 9: there the skew-normal's CDF differs from its normal part by less than
  2 Phi(-9) ~ 2e-19, so the result equals the full evaluation to double precision (tolerance
  ``TOL_CDF`` = 1e-15, a few units in the last place of numbers near 1).
- ``_regression_cdfs`` computes the pooled mean rate as the fit does (one Chebyshev interpolant
  in eta per log-tau node, exact to 1e-9, and ``population_mean_nodes`` with an error below
  2e-7) instead of 41 Gauss-Hermite points everywhere: its CDF stays within ``TOL_MEAN`` = 1e-6
  of the 41-point computation (the pinned tolerance of ``test_quad_regression_fast.py``).
- ``ModelSpec.design`` is built once per spec and shared read-only.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, ndtr, owens_t

from bayesmeta.data import cart_outcome
from bayesmeta.model.derived import population_mean
from bayesmeta.model.spec import build_model
from bayesmeta.quad.decisions import _regression_cdfs
from bayesmeta.quad.regression.marginals import mixture_of
from bayesmeta.quad.regression.nested_fit import regression_posterior
from bayesmeta.quad.regression.skewmix import TAIL_T, SkewMixture

TOL_CDF = 1e-15
TOL_MEAN = 1e-6


def test_skew_mixture_cdf_equals_the_full_owens_t_evaluation_in_the_tails():
    rng = np.random.default_rng(3)
    xi = rng.normal(size=(2, 40))
    omega = rng.uniform(0.02, 0.5, size=(2, 40))
    alpha = rng.uniform(-8, 8, size=(2, 40))
    weight = rng.dirichlet(np.ones(40))
    mix = SkewMixture(xi, omega, alpha, weight)
    x = np.tile(np.linspace(-12, 12, 801), (2, 1))
    t = (x[:, :, None] - xi[:, None, :]) / omega[:, None, :]
    assert (np.abs(t) >= TAIL_T).mean() > 0.5  # the skipped tails are most of the grid
    full = ndtr(t) - 2.0 * owens_t(t, np.broadcast_to(alpha[:, None, :], t.shape))
    expected = np.einsum("fmc,fc->fm", full, mix.weight)
    assert np.abs(mix.cdf(x) - expected).max() <= TOL_CDF


def test_regression_pooled_mean_cdf_equals_the_41_point_rule():
    spec = build_model(cart_outcome("orr"), formula="cancer_type + age_median")
    cdfs = _regression_cdfs(spec)
    post, _ = regression_posterior(spec)
    x = np.asarray(spec.design.matrix, float)
    patterns, counts = np.unique(x, axis=0, return_counts=True)
    eta_u = np.einsum("tqp,up->utq", post.beta, patterns)
    mean_u = population_mean(eta_u, post.tau[None, :, None], m=41)
    mean_rate = np.einsum("utq,u->tq", mean_u, counts / counts.sum())
    points = cdfs["pooled_mean"].x
    expected = mixture_of(post, mean_rate[None]).cdf(points[None, :])[0]
    expected = np.maximum.accumulate(np.clip(expected, 0.0, 1.0))
    assert np.allclose(points, expit(np.linspace(-12.0, 12.0, points.size)))
    assert np.abs(cdfs["pooled_mean"].cdf - expected).max() <= TOL_MEAN


def test_design_is_built_once_and_read_only():
    spec = build_model(cart_outcome("orr"), formula="cancer_type + age_median")
    assert spec.design is spec.design
    with pytest.raises(ValueError):
        spec.design.matrix[0, 0] = 2.0
