"""The quadrature engine against brute-force integration on dense grids (``bruteforce.py``).

The reference shares no code with the engine: each study's likelihood is a dense FFT
convolution on the eta axis (not adaptive Gauss-Hermite), tau is integrated on its natural
scale with a dense trapezoid rule (not the asinh axis), and CDFs are node sums.

Tolerances
----------
The engine's quantiles are plugged into the reference CDF: P_ref(X <= q_engine) must equal
the engine's probability level within ``PROB_TOL = 5e-4`` (absolute). The reference's own
error is O(h^2) in its spacing h = 0.02 (0.002 for large n): halving h moved its CDFs by
< 1e-4 in our runs. The engine's default controls converge to ~1e-4 (doubling its grids moves
quantile probabilities by less than that), so 5e-4 fails any bound off by more than about
0.01 posterior SDs. ``LOGZ_TOL = 2e-3``: the default 10-node adaptive Gauss-Hermite rule
underestimates log p(y) by up to ~5e-4 when tau is large and a study has zero events
(30 nodes agree with the reference to 2e-6).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from bayesmeta.data import from_frame
from bayesmeta.model.spec import build_model
from bayesmeta.quad import fit_quadrature, posterior_grid

sys.path.insert(0, str(Path(__file__).parent))
from bruteforce import BruteForce  # noqa: E402

PROB_TOL = 5e-4
LOGZ_TOL = 2e-3


def make_data(events, total):
    frame = pd.DataFrame(
        {"study": [f"s{i}" for i in range(len(events))], "events": events, "total": total}
    )
    return from_frame(frame, events="events", total="total", study="study")


CASES = {
    # small k with a zero-event study; default priors
    "k3_zero": dict(
        events=[0, 3, 9], total=[10, 12, 11], tau_prior=None, mu_box=(-18, 16), h=0.02,
        tau=np.linspace(0, 16, 801),
    ),
    # k = 2 with a heavy-tailed half-Cauchy prior (posterior tail ~ tau^-4)
    "k2_halfcauchy": dict(
        events=[2, 9], total=[15, 14], tau_prior="halfcauchy(1)", mu_box=(-16, 16), h=0.02,
        tau=np.concatenate([np.linspace(0, 4, 201), np.geomspace(4, 400, 400)[1:]]),
    ),
    # thousands per study
    "k4_large_n": dict(
        events=[1480, 2710, 905, 1999], total=[3000, 4000, 2000, 5000], tau_prior=None,
        mu_box=(-3, 3), h=0.002, tau=np.linspace(0, 4, 801),
    ),
}  # fmt: skip


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    c = CASES[request.param]
    spec = build_model(make_data(c["events"], c["total"]), tau_prior=c["tau_prior"])
    ref = BruteForce(
        c["events"], c["total"], spec.priors, mu_box=c["mu_box"], h=c["h"], tau_nodes=c["tau"]
    )
    return spec, ref, fit_quadrature(spec)


def test_log_marginal_likelihood(case):
    spec, ref, _ = case
    assert posterior_grid(spec).log_marginal_likelihood == pytest.approx(
        ref.log_evidence, abs=LOGZ_TOL
    )


def test_pooled_median_quantiles(case):
    _, ref, result = case
    pm = result.pooled_median
    for prob, value in ((0.025, pm.lo), (0.5, pm.median), (0.975, pm.hi)):
        assert ref.mu_cdf(logit(value)) == pytest.approx(prob, abs=PROB_TOL)


def test_tau_quantiles(case):
    _, ref, result = case
    for prob, value in ((0.025, result.tau.lo), (0.5, result.tau.median), (0.975, result.tau.hi)):
        assert ref.tau_cdf(value) == pytest.approx(prob, abs=PROB_TOL)


def test_new_study_quantiles(case):
    _, ref, result = case
    ns = result.new_study
    for prob, value in ((0.025, ns.lo), (0.5, ns.median), (0.975, ns.hi)):
        assert ref.new_cdf(logit(value)) == pytest.approx(prob, abs=PROB_TOL)


def test_shrunken_study_rate(case):
    _, ref, result = case
    row = result.study_rates.iloc[0]
    for prob, value in ((0.025, row["lo"]), (0.975, row["hi"])):
        assert ref.study_cdf(0, logit(value)) == pytest.approx(prob, abs=PROB_TOL)


def test_pooled_mean_median(case):
    _, ref, result = case
    assert ref.mean_cdf(result.pooled_mean.median) == pytest.approx(0.5, abs=PROB_TOL)
