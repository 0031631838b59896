"""Funnel plot of the logit proportions with Egger's regression line.

Egger's test (Egger et al. 1997) regresses the standardized effect ``y_i / se_i`` on the
precision ``1 / se_i`` by ordinary least squares; equivalently ``y_i = b0 + b1 se_i`` by
weighted least squares with weights ``1 / se_i^2`` (metafor's ``regtest(model = "lm")``).
The asymmetry test is the t test of ``b1`` (Egger's intercept) with k - 2 df. On the funnel
(effect across, standard error down) the fitted line is ``x = b0 + b1 se``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special, stats

import bayesmeta.plots.inputs as inputs
from bayesmeta.data.metadata import MetaData
from bayesmeta.errors import InputError
from bayesmeta.plots.style import COLORS, footnote, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class EggerLine:
    """Egger's regression: ``y = limit + asymmetry * se``, the t test of ``asymmetry``.

    Attributes
    ----------
    limit : float
        Limit of the effect as the standard error goes to 0 (the line's intercept).
    asymmetry : float
        Slope on the standard error (the asymmetry coefficient).
    se_asymmetry : float
        Its standard error.
    t : float
        Test statistic of the asymmetry.
    df : int
        Its degrees of freedom.
    p : float
        Its p-value.
    """

    limit: float
    asymmetry: float
    se_asymmetry: float
    t: float
    df: int
    p: float


def egger_line(yi: np.ndarray, vi: np.ndarray) -> EggerLine:
    """Egger's regression of effect sizes ``yi`` with sampling variances ``vi``.

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.

    Returns
    -------
    EggerLine
    """
    yi = np.asarray(yi, dtype=float)
    sei = np.sqrt(np.asarray(vi, dtype=float))
    k = len(yi)
    if k < 3:
        raise InputError(f"Egger's test needs at least 3 studies, got {k}")
    # OLS of y/se on [1/se, 1]: the coefficient of 1/se is the limit, the constant the asymmetry
    design = np.column_stack([1.0 / sei, np.ones(k)])
    target = yi / sei
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    residual = target - design @ coef
    sigma2 = residual @ residual / (k - 2)
    cov = sigma2 * np.linalg.inv(design.T @ design)
    se_b1 = float(np.sqrt(cov[1, 1]))
    t = float(coef[1] / se_b1)
    p = float(2 * stats.t.sf(abs(t), df=k - 2))
    return EggerLine(float(coef[0]), float(coef[1]), se_b1, t, k - 2, p)


@styled_plot
def funnel_plot(
    data: MetaData,
    *,
    freq: Any = None,
    egger: bool = True,
    add: float = 0.5,
    to: str = "only0",
    title: str | None = None,
) -> Figure:
    """Funnel plot (logit proportion against its standard error) with Egger's line.

    Parameters
    ----------
    data : MetaData
    freq : FreqResult, optional
        A logit-scale fit whose ``mu`` centres the funnel; by default the common-effect
        (inverse-variance) estimate.
    egger : bool, default True
        Draw Egger's regression line and print its test.
    add, to : float, str
        Continuity correction of the logit (metafor's ``escalc`` conventions).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from bayesmeta.freq.effects import effect_sizes

    yi, vi = effect_sizes(data.events, data.total, measure="PLO", add=add, to=to)
    if not np.all(np.isfinite(yi)):
        raise InputError("a study has 0 or all events and no continuity correction (use add > 0)")
    sei = np.sqrt(vi)
    if freq is not None:
        centre, label = float(freq.mu), f"{getattr(freq, 'method', 'pooled')} estimate"
    else:
        centre, label = float(np.sum(yi / vi) / np.sum(1.0 / vi)), "common-effect estimate"
    figure, axes = new_figure(figsize=(6.0, 4.5))
    axis = axes[0, 0]
    se_max = float(sei.max()) * 1.08
    grid = np.linspace(0.0, se_max, 50)
    axis.fill_betweenx(
        grid,
        centre - 1.96 * grid,
        centre + 1.96 * grid,
        color=COLORS["band"],
        label="pseudo 95% region",
    )
    axis.axvline(centre, color=COLORS["reference"], linestyle=":", label=label)
    axis.scatter(yi, sei, color=COLORS["observed"], s=18, zorder=3, label="studies")
    lines = []
    if egger:
        fit = egger_line(yi, vi)
        axis.plot(
            fit.limit + fit.asymmetry * grid,
            grid,
            color=COLORS["freq"],
            label="Egger's regression line",
        )
        lines.append(
            f"Egger's test, classical (weighted least squares, t with k - 2 df; the report's "
            f"is the mixed-effects z test): intercept {fit.asymmetry:.3f} "
            f"(SE {fit.se_asymmetry:.3f}), t = {fit.t:.2f}, df = {fit.df}, p = {fit.p:.3g}"
        )
    axis.set_ylim(se_max, 0.0)
    axis.set_xlabel("Logit proportion")
    axis.set_ylabel("Standard error")
    top = axis.secondary_xaxis("top", functions=(special.expit, _logit))
    top.set_xlabel("Proportion")
    axis.legend(loc="lower left")
    axis.set_title(title if title is not None else f"{data.outcome}: funnel plot", loc="left")
    footnote(figure, lines + inputs.exclusion_note(inputs.exclusions(data, freq)))
    return figure


def _logit(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return special.logit(np.clip(p, 1e-12, 1 - 1e-12))
