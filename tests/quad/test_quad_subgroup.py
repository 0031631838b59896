"""Subgroup models by quadrature: brute-force checks of the common tau and of exact contrasts.

Tolerance ``PROB_TOL = 5e-4`` as in ``test_quad_bruteforce.py`` (the reference's O(h^2) error
with h = 0.01 is ~1e-4; the engine converges to ~1e-4).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit, logsumexp

from bayesmeta.data import cart_outcome, from_frame
from bayesmeta.errors import InputError
from bayesmeta.model.spec import build_model
from bayesmeta.quad import fit_quadrature, loo_log_predictive

sys.path.insert(0, str(Path(__file__).parent))
from bruteforce import BruteForce, _partial, _trapezoid_weights  # noqa: E402

PROB_TOL = 5e-4
TAU = np.linspace(0.0, 8.0, 801)


@pytest.fixture(scope="module")
def small():
    frame = pd.DataFrame(
        {
            "study": [f"s{i}" for i in range(6)],
            "events": [2, 5, 0, 14, 9, 12],
            "total": [20, 18, 15, 20, 16, 19],
            "arm": ["a", "a", "a", "b", "b", "b"],
        }
    )
    return from_frame(frame, events="events", total="total", study="study", covariates=["arm"])


def level_references(spec):
    index = np.asarray(spec.group_index())
    events, total = np.asarray(spec.data.events), np.asarray(spec.data.total)
    return [
        BruteForce(
            events[index == g],
            total[index == g],
            spec.priors,
            mu_box=(-14, 12),
            h=0.01,
            tau_nodes=TAU,
        )
        for g in range(len(spec.groups))
    ]


def test_common_tau_marginal_matches_brute_force(small):
    """p(tau | y) ~ p(tau) prod_g m_g(tau), each m_g from an independent dense grid."""
    spec = build_model(small, by="arm")
    result = fit_quadrature(spec)
    log_tau_part = spec.priors.tau.logpdf(TAU) + np.log(_trapezoid_weights(TAU))
    total = log_tau_part.copy()
    for ref in level_references(spec):
        total += logsumexp(ref.log_post, axis=1) - log_tau_part
    w = np.exp(total - logsumexp(total))
    for prob, value in ((0.025, result.tau.lo), (0.5, result.tau.median), (0.975, result.tau.hi)):
        assert _partial(TAU, w, value) == pytest.approx(prob, abs=PROB_TOL)
    assert result.taus == {}


def test_separate_tau_contrast_matches_brute_force(small):
    """P(rate_a > rate_b) and the difference's median for independent levels (a 2-D integral)."""
    spec = build_model(small, by="arm", separate_tau=True)
    result = fit_quadrature(spec)
    ref_a, ref_b = level_references(spec)
    mu = ref_a.mu
    pa, pb = ref_a.w.sum(axis=0), ref_b.w.sum(axis=0)  # masses on the same mu nodes
    contrast = result.contrasts[0]
    assert (contrast.a, contrast.b) == ("a", "b")
    cdf_b = np.cumsum(pb)
    # P(mu_a > mu_b) = sum_a pa * P(mu_b < mu_a), half the tie cell
    assert np.sum(pa * (cdf_b - 0.5 * pb)) == pytest.approx(contrast.prob_a_greater, abs=PROB_TOL)
    # P(expit(mu_a) - expit(mu_b) <= median) = 1/2
    target = expit(mu) - contrast.median
    inside = (target > 0) & (target < 1)
    below = np.where(target >= 1, 1.0, 0.0)
    below[inside] = np.interp(logit(target[inside]), mu, cdf_b - 0.5 * pb)
    assert np.sum(pa * (1.0 - below)) == pytest.approx(0.5, abs=PROB_TOL)
    assert set(result.taus) == {"a", "b"} and result.tau is None


def test_subgroup_result_fields():
    spec = build_model(cart_outcome("death"), by="cancer_type")
    result = fit_quadrature(spec)
    assert result.engine == "quadrature"
    assert set(result.rates) == set(spec.groups) == set(result.rates_mean)
    assert len(result.contrasts) == len(spec.groups) * (len(spec.groups) - 1) // 2
    assert list(result.study_rates["study"]) == list(spec.data.studies)
    assert result.excluded == spec.data.excluded and len(result.excluded) > 0
    assert set(result.coefficients) == {f"mu[{lv}]" for lv in spec.groups}
    for iv in [result.pooled_median, result.pooled_mean, result.new_study, *result.rates.values()]:
        assert 0 < iv.lo < iv.median < iv.hi < 1
    d = result.diagnostics
    assert (d.rhat_max, d.ess_bulk_min, d.divergences, d.ok) == (None, None, 0, True)
    assert "quadrature" in d.engine_note


def test_subgroup_loo_matches_refits():
    spec = build_model(cart_outcome("crr"), by="cancer_type")
    fast = loo_log_predictive(spec, refit=False)
    slow = loo_log_predictive(spec, refit=True)
    np.testing.assert_allclose(fast, slow, atol=1e-4)


def test_regression_model_is_refused():
    spec = build_model(cart_outcome("orr"), formula="cancer_type")
    with pytest.raises(InputError, match="nuts"):
        fit_quadrature(spec)
