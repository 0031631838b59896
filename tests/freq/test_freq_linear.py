"""The tau^2 estimators and rma.uni scale linearly in k: no k x k matrix is ever built
(checked by the peak memory of a fit, not by timing)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from bayesmeta.freq.projection import projection_traces, quadratic_form
from bayesmeta.freq.tau2 import ESTIMATORS
from bayesmeta.freq.uni import fit_uni

K = 6000  # a k x k float matrix: 288 MB; the linear fits stay under 10 MB


@pytest.mark.parametrize("method", [m for m in ESTIMATORS if m != "EE"])
@pytest.mark.parametrize("ci", ["z", "hk"])
def test_fit_allocates_linear_memory(method, ci):
    rng = np.random.default_rng(4)
    vi = rng.uniform(0.02, 0.5, K)
    yi = rng.normal(-1.0, np.sqrt(vi + 0.2))
    X = np.column_stack([np.ones(K), rng.normal(size=K)])
    tracemalloc.start()
    try:
        fit = fit_uni(yi, vi, X, method=method, ci=ci)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.05 < fit.tau2 < 0.5
    assert peak < 10 * 2**20, f"{method}: peak {peak / 2**20:.0f} MiB"


def test_sums_equal_the_projection_matrix():
    # the O(k) sums against the k x k matrix they replace, on a small problem
    rng = np.random.default_rng(5)
    k = 9
    w, y = rng.uniform(0.5, 3, k), rng.normal(size=k)
    X = np.column_stack([np.ones(k), rng.normal(size=k), rng.integers(0, 2, k)])
    WX = X * w[:, None]
    P = np.diag(w) - WX @ np.linalg.solve(X.T @ WX, WX.T)
    assert quadratic_form(y, w, X) == pytest.approx(y @ P @ y, rel=1e-12)
    trace, trace_squared = projection_traces(w, X)
    assert trace == pytest.approx(np.trace(P), rel=1e-12)
    assert trace_squared == pytest.approx(np.trace(P @ P), rel=1e-12)


def test_glmm_separation_check_allocates_linear_memory():
    # the linear program of the GLMM's separation check: a dense identity over the studies at 0
    # or n events and a zero block (other studies x those) took 115 MB here (k = 6000)
    from bayesmeta.freq.separation import find_separation

    rng = np.random.default_rng(6)
    total = rng.integers(5, 40, K)
    events = rng.binomial(total, 1 / (1 + np.exp(-rng.normal(-3, 0.7, K))))
    X = np.column_stack([np.ones(K), rng.normal(size=K)])
    assert (events == 0).sum() > K / 4  # many studies in the inequality block
    tracemalloc.start()
    try:
        found = find_separation(X, events, total)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found is None  # studies with events and non-events pin the direction to 0
    assert peak < 10 * 2**20, f"peak {peak / 2**20:.0f} MiB"
