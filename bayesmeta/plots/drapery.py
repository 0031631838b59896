"""Drapery plot: p-value functions of each study and of the pooled estimate (Rücker and
Schwarzer 2021; ``meta::drapery``).

For a hypothesised proportion p0, the two-sided p-value of the z-test of a study's logit
against logit(p0) is ``2 (1 - Phi(|y_i - logit(p0)| / se_i))``; the pooled curve uses the
random-effects estimate and its standard error. Each curve peaks at 1 at its estimate and the
horizontal line at p = 0.05 cuts it at its 95% confidence limits. Proportions run along the x
axis (the curves are computed on the logit scale).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special, stats

from bayesmeta.data.metadata import MetaData
from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def p_value_function(estimate: float, se: float, p0: np.ndarray) -> np.ndarray:
    """Two-sided p-value of ``estimate`` (logit) against each ``logit(p0)``.

    Parameters
    ----------
    estimate, se : float
        Logit estimate and its standard error.
    p0 : numpy.ndarray
        Hypothesised proportions.

    Returns
    -------
    numpy.ndarray
    """
    return 2 * stats.norm.sf(np.abs(estimate - special.logit(p0)) / se)


@styled_plot
def drapery_plot(
    data: MetaData,
    *,
    freq: Any = None,
    add: float = 0.5,
    to: str = "only0",
    title: str | None = None,
) -> Figure:
    """Drapery plot of the studies' logit proportions and the pooled estimate.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    freq : FreqResult, optional
        Logit-scale pooled fit (DL when omitted).
    add, to : float, str
        Continuity correction.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from bayesmeta.freq import rma
    from bayesmeta.freq.effects import effect_sizes

    yi, vi = effect_sizes(data.events, data.total, measure="PLO", add=add, to=to)
    fit = freq if freq is not None else rma(data, method="DL")
    p0 = np.linspace(0.001, 0.999, 999)
    figure, axes = new_figure(figsize=(7.5, 4.0))
    axis = axes[0, 0]
    for i, (y, v) in enumerate(zip(yi, vi, strict=True)):
        axis.plot(
            p0,
            p_value_function(y, np.sqrt(v), p0),
            color=COLORS["reference"],
            lw=0.7,
            alpha=0.7,
            label="studies" if i == 0 else None,
        )
    axis.plot(
        p0,
        p_value_function(fit.mu, fit.se, p0),
        color=COLORS["freq"],
        lw=2,
        label=f"pooled ({getattr(fit, 'method', 'pooled')})",
    )
    axis.axhline(0.05, color="black", lw=0.7, linestyle="--", label="p = 0.05")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("Hypothesised proportion")
    axis.set_ylabel("Two-sided p-value")
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    axis.set_title(title if title is not None else f"{data.outcome}: drapery plot", loc="left")
    return figure
