"""Cumulative meta-analysis plot: frequentist and Bayesian sequential estimates side by side.

One row per added study (top: the first study): the frequentist cumulative estimate with its
confidence interval, and just below it the exact-engine posterior median of the pooled rate
with its credible interval after the same studies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bayesmeta.data.outcome_words import outcome_words
from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


@styled_plot
def cumulative_plot(
    freq: Any = None, bayes: Any = None, *, title: str | None = None, outcome: str | None = None
) -> Figure:
    """Cumulative estimates as studies accrue.

    Parameters
    ----------
    freq : CumulativeResult, optional
        Frequentist cumulative meta-analysis (:func:`bayesmeta.freq.cumulative.cumulative`).
    bayes : BayesCumulative, optional
        Bayesian sequential posteriors (:func:`bayesmeta.analysis.sequential.bayes_cumulative`).
    title : str, optional
        Axes title.
    outcome : str, optional
        The outcome (its rate names the axis: "Pooled response rate (orr_events)").

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows_f = list(freq.rows) if freq is not None else []
    rows_b = list(bayes.rows) if bayes is not None else []
    studies = [r.study for r in rows_f] or [r.study for r in rows_b]
    n = len(studies)
    figure, axes = new_figure(figsize=(7.0, 1.2 + 0.26 * n))
    axis = axes[0, 0]
    y = np.arange(n)[::-1].astype(float)
    if rows_f:
        yf = y[: len(rows_f)] + 0.15
        est = np.array([r.estimate for r in rows_f])
        lo = np.array([r.ci[0] for r in rows_f])
        hi = np.array([r.ci[1] for r in rows_f])
        axis.errorbar(
            est,
            yf,
            xerr=[est - lo, hi - est],
            fmt="s",
            ms=4,
            color=COLORS["freq"],
            label=f"frequentist {freq.method} (95% CI)",
        )
    if rows_b:
        yb = y[: len(rows_b)] - 0.15
        med = np.array([r.median for r in rows_b])
        lo = np.array([r.lo for r in rows_b])
        hi = np.array([r.hi for r in rows_b])
        axis.errorbar(
            med,
            yb,
            xerr=[med - lo, hi - med],
            fmt="o",
            ms=4,
            color=COLORS["bayes"],
            label="Bayesian, exact engine (95% CrI)",
        )
    axis.set_yticks(y, [f"+ {s}" for s in studies])
    axis.set_xlabel(f"Pooled {outcome_words(outcome).rate}" + (f" ({outcome})" if outcome else ""))
    values = [v for r in rows_f for v in r.ci] + [v for r in rows_b for v in (r.lo, r.hi)]
    values = [v for v in values if np.isfinite(v)]
    if values:  # the axis fits the intervals (a rate axis: never beyond 0 and 1)
        pad = 0.04 * max(max(values) - min(values), 0.02)
        axis.set_xlim(max(0.0, min(values) - pad), min(1.0, max(values) + pad))
    axis.legend(loc="upper left", bbox_to_anchor=(0.0, -0.5 / max(n, 1) - 0.08), ncols=2)
    order = freq.order_by if freq is not None else bayes.order_by
    axis.set_title(
        title if title is not None else f"Cumulative meta-analysis (ordered by {order})",
        loc="left",
    )
    return figure
