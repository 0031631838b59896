"""Baujat plot: each study's contribution to heterogeneity against its influence on the
pooled estimate (Baujat et al. 2002; ``metafor::baujat``).

x_i = (y_i - mu)^2 / (tau^2 + v_i), the study's squared standardised residual;
y_i = (mu_(-i) - mu)^2 / var(mu_(-i)), the squared shift of the pooled estimate when the
study is left out, in units of its leave-one-out variance (the same tau^2 estimator refitted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bayesmeta.data.metadata import MetaData
from bayesmeta.plots.style import COLORS, new_figure, styled_plot, wrap_title

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


#: Characters of a title line over the Baujat plot's axes (58 fit, 59 did not)
BAUJAT_TITLE_WIDTH = 58


def baujat_coordinates(
    yi: np.ndarray, vi: np.ndarray, *, method: str = "DL"
) -> tuple[np.ndarray, np.ndarray]:
    """The Baujat plot's (x, y) per study, equal to ``metafor::baujat``'s returned values.

    Parameters
    ----------
    yi, vi : numpy.ndarray
        Effects and sampling variances.
    method : str
        tau^2 estimator.

    Returns
    -------
    tuple of numpy.ndarray
        ``(x, y)``.
    """
    from bayesmeta.freq.uni import fit_uni

    k = len(yi)
    ones = np.ones((k, 1))
    full = fit_uni(yi, vi, ones, method=method)
    mu = float(full.beta[0])
    x = (yi - mu) ** 2 / (full.tau2 + vi)
    y = np.empty(k)
    for i in range(k):
        keep = np.arange(k) != i
        fit = fit_uni(yi[keep], vi[keep], ones[keep], method=method)
        y[i] = (float(fit.beta[0]) - mu) ** 2 / float(fit.vb[0, 0])
    return x, y


@styled_plot
def baujat_plot(
    data: MetaData,
    *,
    method: str = "DL",
    add: float = 0.5,
    to: str = "only0",
    label: int = 5,
    title: str | None = None,
) -> Figure:
    """Baujat plot of the logit proportions.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    method : str
        tau^2 estimator.
    add, to : float, str
        Continuity correction.
    label : int
        Label the studies with the ``label`` largest x + y.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from bayesmeta.freq.effects import effect_sizes

    yi, vi = effect_sizes(data.events, data.total, measure="PLO", add=add, to=to)
    x, y = baujat_coordinates(yi, vi, method=method)
    figure, axes = new_figure(figsize=(6.0, 4.5))
    axis = axes[0, 0]
    axis.scatter(x, y, color=COLORS["observed"], s=18, label="studies")
    for i in np.argsort(-(x / max(x.max(), 1e-12) + y / max(y.max(), 1e-12)))[:label]:
        axis.annotate(
            data.studies[i], (x[i], y[i]), fontsize=7, xytext=(3, 3), textcoords="offset points"
        )
    axis.set_xlabel("Contribution to heterogeneity (squared standardised residual)")
    axis.set_ylabel(f"Influence on the pooled {method} estimate")
    # wrapped to the axes (about 5 inches at 10 pt bold): drawn once
    title = title if title is not None else f"{data.outcome}: Baujat plot"
    axis.set_title(wrap_title(title, width=BAUJAT_TITLE_WIDTH), loc="left")
    return figure
