"""Contour-enhanced funnel plot with the studies trim-and-fill imputes (``metafor::funnel``
of a ``trimfill`` fit with ``level = c(90, 95, 99)`` and shading).

Logit proportion across, standard error down. The shaded contours are the regions where a
study's z-test against the reference line (the pooled estimate by default; give
``refline=0`` for the classic contours of significance against 50%) has p > 0.10, 0.05 and
0.01. Observed studies are filled dots; the studies trim-and-fill adds are open circles, and
the adjusted estimate is a dashed line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special, stats

from bayesmeta.data.metadata import MetaData
from bayesmeta.plots.style import COLORS, footnote, new_figure, styled_plot
from bayesmeta.plural import plural

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from bayesmeta.freq.trimfill import TrimFillResult

#: Contour levels (two-sided p) and their shades, outermost first.
CONTOURS = ((0.01, "#f2f2f2"), (0.05, "#d9d9d9"), (0.10, "#bdbdbd"))


@styled_plot
def contour_funnel_plot(
    data: MetaData,
    *,
    trimfill: TrimFillResult | None = None,
    refline: float | None = None,
    add: float = 0.5,
    to: str = "only0",
    title: str | None = None,
) -> Figure:
    """Contour-enhanced funnel plot, with trim-and-fill's filled studies marked.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    trimfill : TrimFillResult, optional
        A logit-scale trim-and-fill fit: its filled studies and adjusted estimate are drawn.
    refline : float, optional
        Centre of the contours on the logit scale (default: the inverse-variance
        common-effect estimate).
    add, to : float, str
        Continuity correction.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from bayesmeta.freq.effects import effect_sizes

    yi, vi = effect_sizes(data.events, data.total, measure="PLO", add=add, to=to)
    sei = np.sqrt(vi)
    centre = float(np.sum(yi / vi) / np.sum(1 / vi)) if refline is None else float(refline)
    filled_y = np.empty(0) if trimfill is None else np.asarray(trimfill.filled_yi)
    filled_se = np.empty(0) if trimfill is None else np.sqrt(trimfill.filled_vi)
    se_max = float(max(sei.max(), filled_se.max() if filled_se.size else 0)) * 1.08
    grid = np.linspace(0.0, se_max, 60)
    figure, axes = new_figure(figsize=(7.5, 4.5))
    axis = axes[0, 0]
    for p, shade in CONTOURS:
        z = stats.norm.ppf(1 - p / 2)
        axis.fill_betweenx(
            grid, centre - z * grid, centre + z * grid, color=shade, label=f"p > {p:g}"
        )
    axis.axvline(centre, color=COLORS["reference"], linestyle=":", label="reference line")
    axis.scatter(yi, sei, color=COLORS["observed"], s=18, zorder=3, label="studies")
    lines = []
    if trimfill is not None:
        if filled_y.size:
            axis.scatter(
                filled_y,
                filled_se,
                facecolors="white",
                edgecolors=COLORS["freq"],
                s=22,
                zorder=3,
                label=f"filled studies ({trimfill.k0})",
            )
        axis.axvline(
            trimfill.mu,
            color=COLORS["freq"],
            linestyle="--",
            label="trim-and-fill estimate",
        )
        lines.append(
            f"Trim-and-fill ({trimfill.estimator}, {trimfill.method}): {plural(trimfill.k0, 'study')} "
            f"filled on the {trimfill.side}; adjusted rate {100 * trimfill.estimate:.1f}% "
            f"({100 * trimfill.ci[0]:.1f}% to {100 * trimfill.ci[1]:.1f}%)"
        )
    axis.set_ylim(se_max, 0.0)
    axis.set_xlabel("Logit proportion")
    axis.set_ylabel("Standard error")
    top = axis.secondary_xaxis("top", functions=(special.expit, _logit))
    top.set_xlabel("Proportion")
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    axis.set_title(
        title if title is not None else f"{data.outcome}: contour-enhanced funnel plot", loc="left"
    )
    footnote(figure, lines)
    return figure


def _logit(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return special.logit(np.clip(p, 1e-12, 1 - 1e-12))
