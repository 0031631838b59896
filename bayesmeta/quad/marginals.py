"""One-dimensional posterior marginals from grid values: fine CDFs and their quantiles.

Log densities known at quadrature nodes are interpolated by cubic splines (log densities are
smooth and nearly quadratic, so the splines are accurate far beyond the node spacing), then
integrated on a fine grid; quantiles come from that CDF, never from weighted nodes.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from bayesmeta.model.result import Interval

#: Log densities more than this below the maximum are treated as zero.
FLOOR = 60.0
LEVEL = 0.95


def _cumtrapz(y: np.ndarray, x: np.ndarray, axis: int = 0) -> np.ndarray:
    y = np.moveaxis(y, axis, 0)
    dx = np.diff(x).reshape(-1, *([1] * (y.ndim - 1)))
    parts = 0.5 * (y[1:] + y[:-1]) * dx
    out = np.concatenate([np.zeros_like(y[:1]), np.cumsum(parts, axis=0)], axis=0)
    return np.moveaxis(out, 0, axis)


def fine_density(
    nodes: np.ndarray,
    log_density: np.ndarray,
    *,
    n_fine: int,
    lo: float | None = None,
    hi: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Spline-interpolate a log density (nodes on axis 0) onto ``n_fine`` points; normalised pdf.

    Parameters
    ----------
    nodes : numpy.ndarray
        Grid nodes (axis 0).
    log_density : numpy.ndarray
        Log density at the nodes (unnormalised).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.
    lo : float, optional
        Lower end of the fine grid (None: the first node).
    hi : float, optional
        Upper end of the fine grid (None: the last node).

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    top = log_density.max(axis=0)
    # a column of zero density (a prior vanishing at tau = 0) has no mass: keep it finite
    top = np.where(np.isfinite(top), top, 0.0)
    log_density = np.maximum(log_density, top - FLOOR)
    x = np.linspace(nodes[0] if lo is None else lo, nodes[-1] if hi is None else hi, n_fine)
    spline = CubicSpline(nodes, log_density, axis=0)
    log_f = spline(x)
    pdf = np.exp(log_f - log_f.max(axis=0))
    pdf /= np.trapezoid(pdf, x, axis=0)
    return x, pdf


def cdf_of(x: np.ndarray, pdf: np.ndarray) -> np.ndarray:
    """Normalised cumulative integral of a pdf on the fine grid ``x`` (axis 0).

    Parameters
    ----------
    x : numpy.ndarray
        Points of the fine grid, increasing.
    pdf : numpy.ndarray
        Density at ``x``.

    Returns
    -------
    numpy.ndarray
    """
    cdf = _cumtrapz(pdf, x, axis=0)
    return cdf / cdf[-1]


def quantile(x: np.ndarray, cdf: np.ndarray, probs) -> np.ndarray:
    """Quantiles by linear interpolation of a fine, non-decreasing CDF.

    Parameters
    ----------
    x : numpy.ndarray
        Points of the fine grid, increasing.
    cdf : numpy.ndarray
        CDF at ``x`` (non-decreasing, from 0 to 1).
    probs
        Probability levels in [0, 1].

    Returns
    -------
    numpy.ndarray
    """
    keep = np.concatenate([[True], np.diff(cdf) > 0])
    return np.interp(np.asarray(probs, dtype=float), cdf[keep], x[keep])


def interval(x: np.ndarray, cdf: np.ndarray, *, hdi: bool = False, transform=None) -> Interval:
    """Median and 95% interval (equal-tailed, or the highest-density interval when ``hdi``).

    ``transform`` (monotone increasing) maps the axis to the reported scale; the HDI is the
    shortest interval on the reported scale.

    Parameters
    ----------
    x : numpy.ndarray
        Points of the fine grid, increasing.
    cdf : numpy.ndarray
        CDF at ``x`` (non-decreasing, from 0 to 1).
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.
    transform
        Function applied to the interval's points (e.g. ``expit`` for rates); None keeps the scale.

    Returns
    -------
    Interval
    """
    f = transform or (lambda values: values)
    median = float(f(quantile(x, cdf, 0.5)))
    tail = 1.0 - LEVEL
    if not hdi:
        lo, hi = f(quantile(x, cdf, [tail / 2, 1 - tail / 2]))
        return Interval(median, float(lo), float(hi))
    starts = np.linspace(0.0, tail, 401)
    lows = f(quantile(x, cdf, starts))
    highs = f(quantile(x, cdf, starts + LEVEL))
    best = int(np.argmin(highs - lows))
    return Interval(median, float(lows[best]), float(highs[best]), kind="hdi")


def interval_from_log_density(
    nodes: np.ndarray, log_density: np.ndarray, *, n_fine: int, hdi: bool = False, transform=None
) -> Interval:
    """Shortcut: spline, fine CDF and interval of one log density known at nodes.

    Parameters
    ----------
    nodes : numpy.ndarray
        Grid nodes (axis 0).
    log_density : numpy.ndarray
        Log density at the nodes (unnormalised).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.
    transform
        Function applied to the interval's points (e.g. ``expit`` for rates); None keeps the scale.

    Returns
    -------
    Interval
    """
    x, pdf = fine_density(nodes, log_density, n_fine=n_fine)
    return interval(x, cdf_of(x, pdf), hdi=hdi, transform=transform)
