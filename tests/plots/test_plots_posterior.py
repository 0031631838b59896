"""Posterior-density plots (pooled rate, tau) and the posterior predictive check."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special, stats
from scipy.integrate import trapezoid

from bayesmeta.errors import InputError
from bayesmeta.plots import pooled_posterior_plot, ppc_plot, tau_prior_posterior_plot
from bayesmeta.plots.posterior import rate_density
from bayesmeta.plots.style import format_interval
from bayesmeta.plots.tau import tau_density


def test_rate_density_integrates_to_one_and_matches_logit_normal():
    rng = np.random.default_rng(1)
    draws = special.expit(rng.normal(-1.0, 0.3, size=20000))
    grid = np.linspace(0.001, 0.999, 4000)
    density = rate_density(draws, grid)
    assert trapezoid(density, grid) == pytest.approx(1.0, abs=0.01)
    exact = stats.norm(-1.0, 0.3).pdf(special.logit(grid)) / (grid * (1 - grid))
    assert np.max(np.abs(density - exact)) < 0.05 * exact.max()


def test_tau_density_integrates_to_one():
    draws = np.abs(np.random.default_rng(2).normal(1.0, 0.3, size=5000))
    grid = np.linspace(1e-3, 4.0, 4000)
    assert trapezoid(tau_density(draws, grid), grid) == pytest.approx(1.0, abs=0.02)


def _draw_quietly(results, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = pooled_posterior_plot(results, **options)
        figure.canvas.draw()
    return figure


def test_pooled_posterior_plot_curves_and_intervals(death, make_result):
    """Mixed results: densities on a non-negative density axis, intervals in their own band
    below it (shared rate axis), one labelled row per interval."""
    with_draws = make_result(death, mu=-1.4)
    without = make_result(death, mu=-1.2, draws=False)
    figure = _draw_quietly({"NUTS": with_draws, "quadrature": without}, quantity="both")
    density, band = figure.axes
    legend = [t.get_text() for t in figure.legends[0].get_texts()]  # under the figure
    assert len(legend) == 2
    assert legend[0].startswith("NUTS, median: ")
    assert legend[1].startswith("NUTS, mean: ")
    assert density.get_ylabel() == "Posterior density"
    assert density.get_ylim()[0] == 0.0
    assert all(np.min(line.get_ydata()) >= 0.0 for line in density.get_lines())
    # the band: two rows (median, mean), top down, each labelled with its interval
    labels = [t.get_text() for t in band.get_yticklabels()]
    ticks = dict(zip(band.get_yticks(), labels, strict=True))
    assert sorted(ticks) == [0, 1]
    median, mean = without.pooled_median, without.pooled_mean
    assert ticks == {
        1: f"quadrature, median\n{format_interval(median.median, median.lo, median.hi)}",
        0: f"quadrature, mean\n{format_interval(mean.median, mean.lo, mean.hi)}",
    }
    segments = [line for line in band.get_lines() if len(line.get_xdata()) == 2]
    expected = without.pooled_median
    assert segments[0].get_xdata() == pytest.approx([expected.lo, expected.hi])
    assert list(segments[0].get_ydata()) == [1, 1]  # the first interval on the top row
    assert band.get_shared_x_axes().joined(band, density)
    assert band.get_xlabel().startswith("Pooled rate: median rate")
    assert density.get_xlabel() == ""


def test_pooled_posterior_plot_only_intervals_has_no_density_axis(death, make_result):
    without = make_result(death, mu=-1.2, draws=False)
    figure = _draw_quietly({"quadrature": without}, quantity="median")
    (band,) = figure.axes
    assert band.get_ylabel() != "Posterior density"
    interval = without.pooled_median
    expected = f"quadrature\n{format_interval(interval.median, interval.lo, interval.hi)}"
    assert [t.get_text() for t in band.get_yticklabels()] == [expected]
    assert band.get_title(loc="left") == "Posterior of the pooled rate"


def test_pooled_posterior_plot_only_curves_has_no_band(death, make_result):
    figure = _draw_quietly({"NUTS": make_result(death, mu=-1.4)}, quantity="median")
    (density,) = figure.axes
    assert density.get_ylim()[0] == 0.0
    assert len(figure.legends[0].get_texts()) == 1 and density.get_legend() is None


def test_pooled_posterior_plot_rejects_bad_quantity(death, make_result):
    with pytest.raises(ValueError, match="quantity"):
        pooled_posterior_plot({"a": make_result(death)}, quantity="mode")


def test_tau_prior_posterior_plot(death, make_result):
    result = make_result(death)
    figure = tau_prior_posterior_plot(result)
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend[0] == "prior: halfnormal(1.5)"
    assert legend[1].startswith("posterior: ")
    figure = tau_prior_posterior_plot(make_result(death, draws=False), prior="halfcauchy(1)")
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend[0] == "prior: halfcauchy(1)" and legend[1].endswith("(interval)")


def test_ppc_plot_panels_and_rows(death, make_result):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = ppc_plot(make_result(death))
    left, right = figure.axes
    assert [t.get_text() for t in left.get_yticklabels()] == list(death.studies)
    assert left.get_title(loc="left").startswith("Studies (") and right.get_title(
        loc="left"
    ).startswith("Spread (p = ")


def test_ppc_plot_needs_draws(death, make_result):
    with pytest.raises(InputError, match="no posterior draws"):
        ppc_plot(make_result(death, draws=False))


def test_ppc_simulates_replicates_from_theta_when_no_predictive_group(death, make_result):
    result = make_result(death)
    import arviz as az

    rng = np.random.default_rng(3)
    theta = rng.uniform(0.05, 0.6, size=(2, 200, death.k))
    result.idata = az.from_dict(
        posterior={"theta": theta},
        observed_data={"y": np.asarray(death.events)},
        coords={"study": list(death.studies)},
        dims={"y": ["study"], "theta": ["study"]},
    )
    figure = ppc_plot(result, seed=1)
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == list(death.studies)
    # replicated proportions follow theta: the interval of a large study brackets its theta mean
    from bayesmeta.plots.ppc import replicated_counts

    replicated, observed, _ = replicated_counts(result, seed=1)
    assert replicated.shape == (400, death.k)
    big = int(np.argmax(death.total))
    share = replicated[:, big] / death.total[big]
    assert abs(share.mean() - theta[..., big].mean()) < 0.03


def test_tau_plot_separate_tau_has_one_posterior_per_level(death, make_result):
    import arviz as az

    from bayesmeta.model.result import Interval

    result = make_result(death, draws=False)
    levels = ["leukemia", "myeloma"]
    rng = np.random.default_rng(4)
    tau = np.abs(rng.normal([1.0, 2.0], 0.2, size=(2, 300, 2)))
    result.tau = None
    result.taus = {level: Interval(1.0 + i, 0.6 + i, 1.4 + i) for i, level in enumerate(levels)}
    result.idata = az.from_dict(
        posterior={"tau": tau}, coords={"group": levels}, dims={"tau": ["group"]}
    )
    figure = tau_prior_posterior_plot(result)
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend[0] == "prior: halfnormal(1.5)"
    assert [entry.split(":")[0] for entry in legend[1:]] == [
        "posterior, leukemia",
        "posterior, myeloma",
    ]
    assert not any(entry.endswith("(interval)") for entry in legend)  # drawn from the draws
    result.taus = {}
    with pytest.raises(InputError, match="no tau"):
        tau_prior_posterior_plot(result)
