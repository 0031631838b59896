"""The tau plot of an exact fit draws the engine's density of tau, not a kernel estimate of draws.

The engine's density (read from its grid, change of variables from ``v = asinh(tau / c)`` to tau)
integrates to one and has the fit's tau quantiles to the fine grid's accuracy; a kernel estimate
of draws resampled from the same posterior misses them by far more (its bandwidth widens the
tails), so the checks below fail on the kernel path.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import cumulative_trapezoid, trapezoid

from bayesmeta import engines
from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.plots.tau import exact_tau_densities, tau_density, tau_prior_posterior_plot

#: Relative tolerance of the density's quantiles against the fit's: the engine reads both off the
#: same fine grid (600 points), in v for the fit and in tau here; the two trapezoid rules differ
#: by up to ~4e-5 (relative) where sinh stretches the grid.
QUANTILE_TOL = 3e-4
LEVELS = [0.025, 0.5, 0.975]


def _quantiles(x: np.ndarray, pdf: np.ndarray) -> np.ndarray:
    cdf = cumulative_trapezoid(pdf, x, initial=0.0)
    return np.interp(LEVELS, cdf / cdf[-1], x)


def _fit(**options):
    spec = build_model(cart_outcome("death"), **options)
    return spec, engines.fit(spec)


def test_exact_tau_density_integrates_to_one_and_has_the_fits_quantiles():
    spec, result = _fit()
    density = exact_tau_densities(result)["tau"]
    assert trapezoid(density.pdf, density.x) == pytest.approx(1.0, abs=1e-4)
    tau = result.tau
    expected = [tau.lo, tau.median, tau.hi]
    assert _quantiles(density.x, density.pdf) == pytest.approx(expected, rel=QUANTILE_TOL)
    # the plot draws that density, labelled exact
    figure = tau_prior_posterior_plot(result)
    axis = figure.axes[0]
    line = next(line for line in axis.get_lines() if line.get_label().endswith("(exact)"))
    x, y = (np.asarray(a, dtype=float) for a in line.get_data())
    np.testing.assert_allclose(y, density.on(x), rtol=0, atol=1e-12)
    # a kernel estimate of 4000 draws of the same posterior misses the tail quantiles
    _, _, params = engines.exact_draws(spec, chains=4, draws=1000, seed=1)
    grid = np.linspace(1e-4, density.x[-1] * 1.5, 4000)
    kernel = _quantiles(grid, tau_density(np.ravel(params["tau"]), grid))
    assert np.max(np.abs(kernel / expected - 1.0)) > 10 * QUANTILE_TOL


def test_separate_taus_each_drawn_from_the_engine():
    _, result = _fit(by="cancer_type", separate_tau=True)
    densities = exact_tau_densities(result)
    assert set(densities) == set(result.taus)
    for level, iv in result.taus.items():
        d = densities[level]
        assert trapezoid(d.pdf, d.x) == pytest.approx(1.0, abs=1e-4)
        assert _quantiles(d.x, d.pdf) == pytest.approx([iv.lo, iv.median, iv.hi], rel=QUANTILE_TOL)
    legend = [
        t.get_text() for t in tau_prior_posterior_plot(result).axes[0].get_legend().get_texts()
    ]
    assert sum(entry.endswith("(exact)") for entry in legend) == len(result.taus)


def test_a_regression_and_a_shared_tau_have_one_exact_density():
    _, regression = _fit(formula="~ age_median")
    d = exact_tau_densities(regression)["tau"]  # from its log-tau grid
    assert trapezoid(d.pdf, d.x) == pytest.approx(1.0, abs=1e-4)
    tau = regression.tau
    assert _quantiles(d.x, d.pdf) == pytest.approx([tau.lo, tau.median, tau.hi], rel=QUANTILE_TOL)
    _, common = _fit(by="cancer_type")
    assert set(exact_tau_densities(common)) == {"tau"}  # a shared tau: one density
