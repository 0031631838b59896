"""Posterior densities of the pooled rate across models.

Densities are kernel estimates on the logit scale, mapped to the rate scale (no boundary bias
at 0 or 1). A result without posterior draws (the quadrature engine) is drawn as its median
and 95% interval under the curves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from scipy import special, stats

from bayesmeta.plots import inputs
from bayesmeta.plots.style import color_for, format_interval, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from bayesmeta.bayes.result import BayesResult

QUANTITIES = ("median", "mean", "both")
_LABELS = {"median": "median rate expit(mu)", "mean": "mean rate E[expit(mu + u)]"}


def rate_density(draws: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Density of rate draws on ``grid`` (a KDE of the logits, change of variables)."""
    clipped = np.clip(draws, 1e-9, 1 - 1e-9)
    kde = stats.gaussian_kde(special.logit(clipped))
    return kde(special.logit(grid)) / (grid * (1.0 - grid))


@styled_plot
def pooled_posterior_plot(
    results: Mapping[str, BayesResult],
    *,
    quantity: str = "median",
    title: str | None = None,
) -> Figure:
    """Posterior of the pooled rate under each model, overlaid.

    Parameters
    ----------
    results : mapping of str to BayesResult
        Model label -> result. NUTS results are drawn as densities; results without draws as
        their 95% interval.
    quantity : {"median", "mean", "both"}
        The median study's rate expit(mu), the population-averaged mean rate, or both (mean
        dashed).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}, not {quantity!r}")
    if not results:
        raise ValueError("no results to plot")
    shown = ("median", "mean") if quantity == "both" else (quantity,)
    figure, axes = new_figure(figsize=(6.5, 3.8))
    axis = axes[0, 0]
    grid = np.linspace(0.0005, 0.9995, 1999)
    intervals: list[tuple[str, str, float, float, float, str]] = []
    for position, (name, result) in enumerate(results.items()):
        color = color_for(name, position)
        for which in shown:
            interval = result.pooled_median if which == "median" else result.pooled_mean
            label = name if len(shown) == 1 else f"{name}, {which}"
            label = f"{label}: {format_interval(interval.median, interval.lo, interval.hi)}"
            draws = inputs.pooled_draws(result, quantity=which)
            style = "-" if which == "median" else "--"
            if draws is not None and np.ptp(draws) > 0:
                axis.plot(
                    grid, rate_density(draws, grid), color=color, linestyle=style, label=label
                )
            else:
                intervals.append((label, color, interval.median, interval.lo, interval.hi, style))
    top = axis.get_ylim()[1] if axis.lines else 1.0
    for step, (label, color, median, lo, hi, style) in enumerate(intervals):
        y = -0.06 * top * (step + 1)
        axis.plot(
            [lo, hi],
            [y, y],
            color=color,
            linestyle=style,
            linewidth=2.0,
            label=f"{label} (interval)",
        )
        axis.plot([median], [y], marker="o", color=color)
    if intervals:
        axis.set_ylim(bottom=-0.06 * top * (len(intervals) + 1))
    else:
        axis.set_ylim(bottom=0.0)
    lows = [r.pooled_median.lo for r in results.values()] + [
        r.pooled_mean.lo for r in results.values()
    ]
    highs = [r.pooled_median.hi for r in results.values()] + [
        r.pooled_mean.hi for r in results.values()
    ]
    span = max(highs) - min(lows)
    axis.set_xlim(max(0.0, min(lows) - 0.5 * span), min(1.0, max(highs) + 0.5 * span))
    axis.set_xlabel("Pooled " + " / ".join(_LABELS[w] for w in shown))
    axis.set_ylabel("Posterior density")
    axis.legend(loc="upper right")
    axis.set_title(title if title is not None else "Posterior of the pooled rate", loc="left")
    return figure
