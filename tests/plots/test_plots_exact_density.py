"""Exact fits draw the engine's own posterior density, not a kernel estimate of resampled draws."""

from __future__ import annotations

import numpy as np
from scipy import stats

from bayesmeta import engines
from bayesmeta.bayes import build_model, fit
from bayesmeta.data import cart_outcome
from bayesmeta.plots.posterior import density_from_cdf, pooled_posterior_plot


def test_density_from_cdf_is_the_derivative():
    x = np.linspace(0.0, 1.0, 20001)
    grid = np.linspace(0.05, 0.95, 181)
    density = density_from_cdf(x, stats.beta.cdf(x, 8, 3), grid)
    np.testing.assert_allclose(density, stats.beta.pdf(grid, 8, 3), atol=2e-4)


def test_orr_pooled_posterior_is_the_engines_smooth_density():
    """ORR, random-intercept model: one peak, no Monte Carlo shoulders (the KDE had two at 0.83
    and 0.88), and the curve is the derivative of the engine's CDF."""
    spec = build_model(cart_outcome("orr"))
    result = fit(spec)
    cdfs = engines.rate_cdfs(spec)
    exact = {"orr": {"median": cdfs["pooled_median"], "mean": cdfs["pooled_mean"]}}
    figure = pooled_posterior_plot({"orr": result}, quantity="both", exact=exact)
    median = next(line for line in figure.axes[0].get_lines() if "median" in line.get_label())
    assert median.get_label().endswith("(exact)")
    x, y = median.get_data()
    expected = density_from_cdf(cdfs["pooled_median"].x, cdfs["pooled_median"].cdf, x)
    np.testing.assert_allclose(y, expected)
    assert abs(np.trapezoid(y, x) - 1.0) < 1e-3
    slope = np.sign(np.diff(y[y > 1e-3 * y.max()]))
    assert np.count_nonzero(np.diff(slope[slope != 0])) == 1, "more than one turn: not smooth"
