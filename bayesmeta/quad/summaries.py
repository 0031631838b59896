"""Posterior summaries of one random-intercept (or common-effect) grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline
from scipy.special import expit, logit

from bayesmeta.model.likelihood import logistic_normal_mean
from bayesmeta.model.result import Interval
from bayesmeta.quad.grid import PosteriorGrid, _trapezoid
from bayesmeta.quad.lse import logsumexp
from bayesmeta.quad.marginals import (
    FLOOR,
    cdf_of,
    fine_density,
    interval,
    interval_from_log_density,
)
from bayesmeta.quad.mixture import log_mixture_density, mu_spacing

#: Points of the coarse eta grid per mu spacing.
ETA_PER_SPACING = 1
STUDY_FINE = 400
#: Largest coarse eta axis.
MAX_ETA = 1500


def log_quad_axes(grid: PosteriorGrid) -> tuple[np.ndarray, np.ndarray]:
    """Log trapezoid-rule weights of the grid's mu and v axes.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).

    Returns
    -------
    tuple of numpy.ndarray
        ``(log weights along mu, log weights along v)``.
    """
    return np.log(_trapezoid(grid.mu)), np.log(_trapezoid(grid.v))


def mu_log_density(grid: PosteriorGrid) -> np.ndarray:
    """Log marginal posterior density of mu at the mu nodes.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).

    Returns
    -------
    numpy.ndarray
    """
    lq_mu, _ = log_quad_axes(grid)
    return logsumexp(grid.log_weight, axis=1) - lq_mu


def mu_interval(grid: PosteriorGrid, *, n_fine: int, hdi: bool = False) -> Interval:
    """expit(mu): the pooled (median-study) rate.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.

    Returns
    -------
    Interval
    """
    return interval_from_log_density(
        grid.mu, mu_log_density(grid), n_fine=n_fine, hdi=hdi, transform=expit
    )


def tau_interval(grid: PosteriorGrid, *, n_fine: int, hdi: bool = False) -> Interval:
    """tau, from the marginal density on the v = asinh(tau / c) axis.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.

    Returns
    -------
    Interval
    """
    _, lq_v = log_quad_axes(grid)
    log_v = logsumexp(grid.log_weight, axis=0) - lq_v
    return interval_from_log_density(
        grid.v, log_v, n_fine=n_fine, hdi=hdi, transform=lambda v: grid.scale * np.sinh(v)
    )


def pooled_mean_columns(grid: PosteriorGrid, *, n_fine: int):
    """Per tau column: logit of E[expit(mu + u)] on a fine mu grid, the column CDF of mu there,
    and the column masses (shapes (F, T), (F, T), (T,)).

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.

    Returns
    -------
    tuple of numpy.ndarray
    """
    lq_mu, _ = log_quad_axes(grid)
    column_mass = np.exp(logsumexp(grid.log_weight, axis=0))  # (T,)
    log_f = grid.log_weight - lq_mu[:, None]
    mu_fine, pdf = fine_density(grid.mu, log_f, n_fine=n_fine)  # (F, T) column-normalised
    col_cdf = cdf_of(mu_fine, pdf)
    mean_nodes = logistic_normal_mean(grid.mu[:, None], grid.tau[None, :])
    clipped = logit(np.clip(mean_nodes, 1e-300, 1 - 1e-16))
    logit_mean = CubicSpline(grid.mu, clipped, axis=0)(mu_fine)
    logit_mean = np.maximum.accumulate(logit_mean, axis=0)  # monotone in mu, as it is exactly
    return logit_mean, col_cdf, column_mass


def pooled_mean_cdf(grid: PosteriorGrid, *, n_fine: int) -> tuple[np.ndarray, np.ndarray]:
    """Points (logit scale) and CDF of E[expit(mu + u)]: sum_t P(t) F_t(mu_t*(x)), where mu_t*
    inverts the (monotone) mean in mu within tau column t.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    logit_mean, col_cdf, column_mass = pooled_mean_columns(grid, n_fine=n_fine)
    keep = column_mass > 1e-12 * column_mass.max()
    lo, hi = logit_mean[0, keep].min(), logit_mean[-1, keep].max()
    x = np.linspace(lo, hi, n_fine)
    cdf = np.zeros_like(x)
    for t in np.flatnonzero(keep):
        cdf += column_mass[t] * np.interp(x, logit_mean[:, t], col_cdf[:, t], left=0.0, right=1.0)
    return x, cdf / cdf[-1]


def pooled_mean_interval(grid: PosteriorGrid, *, n_fine: int, hdi: bool = False) -> Interval:
    """E[expit(mu + u)], u ~ N(0, tau): the population-averaged rate.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.

    Returns
    -------
    Interval
    """
    if grid.common:
        return mu_interval(grid, n_fine=n_fine, hdi=hdi)
    x, cdf = pooled_mean_cdf(grid, n_fine=n_fine)
    return interval(x, cdf, hdi=hdi, transform=expit)


class EtaAxis:
    """A coarse axis for eta = center + s0 sinh(u), u uniform: dense where the predictive has its
    bulk, logarithmic in the tails (so heavy-tailed predictives cost a few nodes).

    Attributes
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    extra_lo : float, optional
        The axis reaches at least this far down (default: no constraint).
    extra_hi : float, optional
        The axis reaches at least this far up (default: no constraint).
    """

    def __init__(self, grid: PosteriorGrid, *, extra_lo: float = np.inf, extra_hi: float = -np.inf):
        h = mu_spacing(grid.mu)
        w_mu = np.exp(logsumexp(grid.log_weight, axis=1))
        center = float(np.sum(w_mu * grid.mu))
        var_mu = float(np.sum(w_mu * (grid.mu - center) ** 2))
        column = np.cumsum(np.exp(logsumexp(grid.log_weight, axis=0)))
        tau_med = grid.tau[min(np.searchsorted(column, 0.5), grid.tau.size - 1)]
        tau_hi = grid.tau[min(np.searchsorted(column, 1.0 - 1e-9), grid.tau.size - 1)]
        self.center = center
        self.s0 = max(np.sqrt(var_mu + tau_med**2), h)
        lo = min(grid.mu[0] - 8 * tau_hi, extra_lo)
        hi = max(grid.mu[-1] + 8 * tau_hi, extra_hi)
        u_lo, u_hi = np.arcsinh((lo - center) / self.s0), np.arcsinh((hi - center) / self.s0)
        du = h / (ETA_PER_SPACING * self.s0)
        n = min(int(np.ceil((u_hi - u_lo) / du)) + 1, MAX_ETA)
        self.u = np.linspace(u_lo, u_hi, n)
        self.eta = self.to_eta(self.u)

    def to_eta(self, u):
        return self.center + self.s0 * np.sinh(u)

    def to_u(self, eta):
        return np.arcsinh((np.asarray(eta) - self.center) / self.s0)

    def log_jacobian(self, u):
        return np.log(self.s0 * np.cosh(u))

    def rate(self, u):
        return expit(self.to_eta(u))


def _mass_range(x: np.ndarray, log_density: np.ndarray) -> tuple[float, float]:
    """Where the coarse CDF lies in (1e-10, 1 - 1e-10), widened by two steps."""
    pdf = np.exp(log_density - log_density.max())
    cdf = cdf_of(x, pdf)
    first = max(int(np.searchsorted(cdf, 1e-10)) - 2, 0)
    last = min(int(np.searchsorted(cdf, 1.0 - 1e-10)) + 2, x.size - 1)
    return float(x[first]), float(x[last])


def new_study_cdf(grid: PosteriorGrid, *, n_fine: int) -> tuple[np.ndarray, np.ndarray]:
    """Points (eta = logit rate) and CDF of the new-study predictive mu + u_new.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    if grid.common:
        x, pdf = fine_density(grid.mu, mu_log_density(grid), n_fine=n_fine)
        return x, cdf_of(x, pdf)
    axis = EtaAxis(grid)
    lq_mu, _ = log_quad_axes(grid)
    log_d = log_mixture_density(axis.eta, grid.mu, grid.tau, grid.log_weight[:, :, None], lq_mu)[
        :, 0
    ]
    log_u = log_d + axis.log_jacobian(axis.u)
    ok = np.isfinite(log_u)
    lo, hi = _mass_range(axis.u[ok], log_u[ok])
    x, pdf = fine_density(axis.u[ok], log_u[ok], n_fine=n_fine, lo=lo, hi=hi)
    return axis.to_eta(x), cdf_of(x, pdf)


def new_study_interval(grid: PosteriorGrid, *, n_fine: int, hdi: bool = False) -> Interval:
    """expit(mu + u_new): the predictive rate of a new study.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    n_fine : int
        Points of the fine one-dimensional grid the CDF is integrated on.
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.

    Returns
    -------
    Interval
    """
    x, cdf = new_study_cdf(grid, n_fine=n_fine)
    return interval(x, cdf, hdi=hdi, transform=expit)


def study_rates_frame(
    grid: PosteriorGrid,
    studies: tuple[str, ...],
    events: np.ndarray,
    total: np.ndarray,
    *,
    n_fine: int = STUDY_FINE,
    hdi: bool = False,
) -> pd.DataFrame:
    """Shrunken study rates: p(eta_i | y) proportional to Binom(y_i | eta_i) d_{-i}(eta_i).

    d_{-i} is the density of a new study's eta under the posterior without study i (node masses
    divided by L_i), evaluated lump-free by :func:`log_mixture_density` on an :class:`EtaAxis`,
    then spline-interpolated onto a fine grid around each study's posterior.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau).
    studies : tuple[str, ...]
        Study labels, in the order of the data.
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    n_fine : int, optional
        Points of the fine one-dimensional grid the CDF is integrated on.
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.

    Returns
    -------
    pandas.DataFrame
    """
    events = np.asarray(events, dtype=float)
    total = np.asarray(total, dtype=float)
    if grid.common:  # eta_i = mu exactly: every study's rate is the pooled rate
        iv = mu_interval(grid, n_fine=n_fine, hdi=hdi)
        return pd.DataFrame(
            {
                "study": list(studies),
                "events": events.astype(int),
                "total": total.astype(int),
                "observed": events / total,
                "median": iv.median,
                "lo": iv.lo,
                "hi": iv.hi,
            }
        )
    p_hat = (events + 0.5) / (total + 1.0)
    logits = logit(p_hat)
    sd_lik = 1.0 / np.sqrt(total * p_hat * (1.0 - p_hat))
    lq_mu, _ = log_quad_axes(grid)
    log_loo = grid.log_weight[:, :, None] - np.moveaxis(grid.study_loglik, 0, -1)  # (M, T, k)
    log_loo = log_loo - logsumexp(log_loo, axis=(0, 1), keepdims=True)
    axis = EtaAxis(grid, extra_lo=float(logits.min()) - 3.0, extra_hi=float(logits.max()) + 3.0)
    log_d = log_mixture_density(axis.eta, grid.mu, grid.tau, log_loo, lq_mu)  # (E, k)
    u = axis.u

    def log_post(points, log_dens):
        eta = axis.to_eta(points)
        kernel = events * eta - total * np.logaddexp(0.0, eta)
        return log_dens + kernel + axis.log_jacobian(points)

    # where d underflows (outside the support of a common-effect mu), a finite floor at which
    # the posterior is negligible anyway, so the splines stay finite
    rest = log_post(u[:, None], 0.0)
    coarse = log_d + rest  # (E, k)
    floor = coarse.max(axis=0) - FLOOR - rest
    log_d = np.where(np.isfinite(log_d), log_d, np.minimum(floor, log_d.max(axis=0) - FLOOR))
    coarse = log_d + rest
    cdf = cdf_of(u, np.exp(coarse - coarse.max(axis=0)))
    first = np.maximum(np.argmax(cdf >= 1e-10, axis=0) - 2, 0)
    last = np.minimum(np.argmax(cdf >= 1.0 - 1e-10, axis=0) + 2, u.size - 1)
    mode = axis.to_eta(u[np.argmax(coarse, axis=0)])
    lo = np.maximum(np.minimum(u[first], axis.to_u(mode - 12 * sd_lik)), u[0])
    hi = np.minimum(np.maximum(u[last], axis.to_u(mode + 12 * sd_lik)), u[-1])
    x = lo + (hi - lo) * np.linspace(0.0, 1.0, n_fine)[:, None]  # (F, k)
    log_fine = log_post(x, _spline_columns(u, log_d, x))
    pdf = np.exp(log_fine - log_fine.max(axis=0))
    rows = []
    for i, study in enumerate(studies):
        iv = interval(x[:, i], cdf_of(x[:, i], pdf[:, i]), hdi=hdi, transform=axis.rate)
        rows.append(
            {
                "study": study,
                "events": int(events[i]),
                "total": int(total[i]),
                "observed": events[i] / total[i],
                "median": iv.median,
                "lo": iv.lo,
                "hi": iv.hi,
            }
        )
    return pd.DataFrame(
        rows, columns=["study", "events", "total", "observed", "median", "lo", "hi"]
    )


def _spline_columns(nodes: np.ndarray, values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Column j of a cubic spline through ``values[:, j]`` evaluated at ``points[:, j]``."""
    coef = CubicSpline(nodes, values, axis=0).c  # (4, E - 1, k)
    index = np.clip(np.searchsorted(nodes, points) - 1, 0, nodes.size - 2)
    cols = np.arange(values.shape[1])[None, :]
    dx = points - nodes[index]
    c = coef[:, index, cols]  # (4, F, k)
    return ((c[0] * dx + c[1]) * dx + c[2]) * dx + c[3]
