"""Posterior densities of the pooled rate across models.

An exact fit's density is the engine's own: the derivative of its posterior CDF on the engine's
fine grid (:func:`bayesmeta.engines.rate_cdfs`, passed as ``exact``), with no Monte Carlo
error. Densities of sampled fits are kernel estimates on the logit scale, mapped to the rate
scale (no boundary bias at 0 or 1). A result without draws of the pooled rate is drawn as its median and 95% interval in a
separate band under the density axis (sharing its rate axis, one labelled row per result),
never on the density's y scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special, stats

import bayesmeta.plots.inputs as inputs
from bayesmeta.plots.style import color_for, format_interval, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from bayesmeta.model.result import BayesResult

QUANTITIES = ("median", "mean", "both")
_LABELS = {"median": "median rate expit(mu)", "mean": "mean rate E[expit(mu + u)]"}


def density_from_cdf(x: np.ndarray, cdf: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The density of an exact posterior CDF on ``grid`` (its derivative, linear in between).

    Parameters
    ----------
    x : numpy.ndarray
        Increasing rates where the CDF is known (repeated points are dropped).
    cdf : numpy.ndarray
        P(rate <= x).
    grid : numpy.ndarray
        Rates to evaluate the density at.

    Returns
    -------
    numpy.ndarray
        dF/dx at ``grid`` (0 outside the CDF's support).
    """
    x = np.asarray(x, float)
    cdf = np.asarray(cdf, float)
    keep = np.concatenate([[True], np.diff(x) > 0])
    x, cdf = x[keep], cdf[keep]
    slope = np.gradient(cdf, x)
    return np.clip(np.interp(grid, x, slope, left=0.0, right=0.0), 0.0, None)


def rate_density(draws: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Density of rate draws on ``grid`` (a KDE of the logits, change of variables).

    Parameters
    ----------
    draws : numpy.ndarray
        Posterior draws of a rate, in (0, 1).
    grid : numpy.ndarray
        The posterior grid of (mu, tau).

    Returns
    -------
    numpy.ndarray
    """
    clipped = np.clip(draws, 1e-9, 1 - 1e-9)
    kde = stats.gaussian_kde(special.logit(clipped))
    return kde(special.logit(grid)) / (grid * (1.0 - grid))


@styled_plot
def pooled_posterior_plot(
    results: Mapping[str, BayesResult],
    *,
    quantity: str = "median",
    title: str | None = None,
    exact: Mapping[str, Mapping[str, Any]] | None = None,
    rate_label: str = "rate",
) -> Figure:
    """Posterior of the pooled rate under each model, overlaid.

    Parameters
    ----------
    results : mapping of str to BayesResult
        Model label -> result. Exact results with a CDF in ``exact`` are drawn from it, results
        with draws as kernel densities, the others as their 95% interval.
    quantity : {"median", "mean", "both"}
        The median study's rate expit(mu), the population-averaged mean rate, or both (mean
        dashed).
    title : str, optional
    exact : mapping, optional
        Model label -> {"median" | "mean": object with ``x`` and ``cdf``} (the exact engine's
        :class:`~bayesmeta.quad.decisions.RateCdf`): drawn as the exact density.
    rate_label : str, optional
        What the rate is (``"response rate"``, ``"death rate"``) for the axis label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}, not {quantity!r}")
    if not results:
        raise ValueError("no results to plot")
    shown = ("median", "mean") if quantity == "both" else (quantity,)
    grid = np.linspace(0.0005, 0.9995, 1999)
    curves: list[tuple[np.ndarray, str, str, str]] = []
    intervals: list[tuple[str, str, float, float, float, str]] = []
    for position, (name, result) in enumerate(results.items()):
        color = color_for(name, position)
        for which in shown:
            interval = result.pooled_median if which == "median" else result.pooled_mean
            head = name if len(shown) == 1 else f"{name}, {which}"
            label = f"{head}: {format_interval(interval.median, interval.lo, interval.hi)}"
            style = "-" if which == "median" else "--"
            known = (exact or {}).get(name, {}).get(which)
            if known is not None:
                density = density_from_cdf(known.x, known.cdf, grid)
                curves.append((density, color, style, f"{label} (exact)"))
                continue
            draws = inputs.pooled_draws(result, quantity=which)
            if draws is not None and np.ptp(draws) > 0:
                curves.append((rate_density(draws, grid), color, style, label))
            else:
                intervals.append((head, color, interval.median, interval.lo, interval.hi, style))
    density_axis, band_axis, figure = _axes(bool(curves), len(intervals))
    if density_axis is not None:
        for density, color, style, label in curves:
            density_axis.plot(grid, density, color=color, linestyle=style, label=label)
        density_axis.set_ylim(bottom=0.0)
        density_axis.set_ylabel("Posterior density")
        # under the figure, never on a curve
        handles, names = density_axis.get_legend_handles_labels()
        figure.legend(handles, names, loc="outside lower left")
    if band_axis is not None:
        _interval_band(band_axis, intervals)
    lows = [r.pooled_median.lo for r in results.values()] + [
        r.pooled_mean.lo for r in results.values()
    ]
    highs = [r.pooled_median.hi for r in results.values()] + [
        r.pooled_mean.hi for r in results.values()
    ]
    span = max(highs) - min(lows)
    bottom = band_axis if band_axis is not None else density_axis
    bottom.set_xlim(max(0.0, min(lows) - 0.5 * span), min(1.0, max(highs) + 0.5 * span))
    bottom.set_xlabel(f"Pooled {rate_label}: " + " / ".join(_LABELS[w] for w in shown))
    top = density_axis if density_axis is not None else band_axis
    top.set_title(title if title is not None else "Posterior of the pooled rate", loc="left")
    return figure


def _axes(curves: bool, n_intervals: int) -> tuple[Any, Any, Figure]:
    """The density axis (if any curve) and, below it on a shared rate axis, a band with one
    row per interval (if any): intervals never share the density's y scale."""
    band_height = 0.35 + 0.4 * n_intervals
    if curves and n_intervals:
        figure, axes = new_figure(
            nrows=2,
            figsize=(6.5, 3.8 + band_height),
            sharex=True,
            gridspec_kw={"height_ratios": [3.8, band_height]},
        )
        return axes[0, 0], axes[1, 0], figure
    if curves:
        figure, axes = new_figure(figsize=(6.5, 3.8))
        return axes[0, 0], None, figure
    figure, axes = new_figure(figsize=(6.5, 1.2 + band_height))
    return None, axes[0, 0], figure


def _interval_band(axis: Any, intervals: list[tuple[str, str, float, float, float, str]]) -> None:
    """Median (dot) and 95% interval (line) of each result without draws, one row each, top
    down, labelled with the result's name and, under it, its numbers."""
    rows = np.arange(len(intervals))[::-1]
    for row, (_head, color, median, lo, hi, style) in zip(rows, intervals, strict=True):
        axis.plot([lo, hi], [row, row], color=color, linestyle=style, linewidth=2.0)
        axis.plot([median], [row], marker="o", color=color)
    labels = [f"{head}\n{format_interval(m, lo, hi)}" for head, _c, m, lo, hi, _s in intervals]
    axis.set_yticks(rows, labels, fontsize=7.5)
    axis.set_ylim(-0.6, len(intervals) - 0.4)
    axis.grid(False, axis="y")
