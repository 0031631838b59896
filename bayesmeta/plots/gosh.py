"""GOSH plot: I^2 against the pooled proportion over subsets of the studies (Olkin et al. 2012).

Every DerSimonian-Laird subset fit is a small grey point; the subsets also fitted by the exact
Bayesian engine are drawn at the posterior median of their pooled rate (blue) at the same
I^2; the fit on all studies is a red cross. Marginal histograms of the DL estimates and I^2 sit
on the top and right edges.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bayesmeta.plots.style import COLORS, new_figure, styled_plot
from bayesmeta.plural import plural

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from bayesmeta.freq.gosh import GoshResult


@styled_plot
def gosh_plot(result: GoshResult, *, title: str | None = None) -> Figure:
    """Scatter of I^2 against the pooled proportion of every subset fit.

    Parameters
    ----------
    result : GoshResult
        From :func:`bayesmeta.freq.gosh.gosh`.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    figure, axes = new_figure(
        nrows=2,
        ncols=2,
        figsize=(6.5, 5.5),
        gridspec_kw={"width_ratios": (4, 1), "height_ratios": (1, 4)},
    )
    main, top, right = axes[1, 0], axes[0, 0], axes[1, 1]
    axes[0, 1].axis("off")
    est = result.estimate
    main.scatter(est, result.i2, s=3, color=COLORS["reference"], alpha=0.4, label="DL subsets")
    if len(result.bayes_rows):
        main.scatter(
            result.bayes_median,
            result.i2[result.bayes_rows],
            s=8,
            color=COLORS["bayes"],
            label="exact Bayes (posterior median)",
        )
    full = np.flatnonzero(result.subsets.all(axis=1))
    if full.size:
        main.scatter(
            est[full], result.i2[full], marker="x", s=60, color=COLORS["freq"], label="all studies"
        )
    main.set_xlabel("Pooled proportion")
    main.set_ylabel("I^2 (%)")
    main.legend(loc="upper left", fontsize=7)
    top.hist(est, bins=40, color=COLORS["reference"])
    top.set_xlim(main.get_xlim())
    top.set_yticks([])
    right.hist(result.i2, bins=40, orientation="horizontal", color=COLORS["reference"])
    right.set_ylim(main.get_ylim())
    right.set_xticks([])
    kind = "all" if result.exhaustive else f"a sample (seed {result.seed}) of"
    figure.suptitle(
        title
        if title is not None
        else f"GOSH: {kind} {len(est)} subsets of {plural(len(result.studies), 'study')}",
        x=0.02,
        ha="left",
        fontweight="bold",
    )
    return figure
