"""Posterior marginals of a meta-regression from its quadrature nodes.

Functionals of (beta, tau) (coefficients, rates at covariate patterns, contrasts, pooled rates)
become skew-normal mixtures over the log-tau nodes (:mod:`bayesmeta.quad.regression.skewmix`);
shrunken study rates add each study's effect through its exact conditional moments; the new
study's logit ``x_J' beta + tau z`` is the convolution of each pattern's mixture with N(0, tau^2)
(closed form for a skew-normal); tau itself comes from the marginal density on the log-tau grid.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from bayesmeta.quad.regression.integrate import RegressionPosterior
from bayesmeta.quad.regression.skewmix import SkewMixture, moments_from_raw, skew_normal_params

#: s nodes with less posterior mass than this are left out of the mixtures.
MIN_MASS = 1e-10


def _kept(post: RegressionPosterior) -> np.ndarray:
    return post.s_mass > MIN_MASS * post.s_mass.max()


def node_moments(post: RegressionPosterior, raw: np.ndarray) -> tuple[np.ndarray, ...]:
    """Conditional mean, variance and skewness at each kept tau node.

    Parameters
    ----------
    post : RegressionPosterior
    raw : numpy.ndarray
        Node values of F functionals (F, T, Q), or raw moments given each node (3, F, T, Q).

    Returns
    -------
    tuple of numpy.ndarray
        Mean, variance and skewness, each (F, T_kept), and the masses (T_kept,).
    """
    keep = _kept(post)
    w = post.weight[keep] / post.s_mass[keep, None]
    if raw.ndim == 3:
        raw = raw[:, keep]
        square = raw * raw
        raw = np.stack([raw, square, square * raw])
    else:
        raw = raw[:, :, keep]
    m1, m2, m3 = (np.einsum("ftq,tq->ft", r, w) for r in raw)
    mean, var, skew = moments_from_raw(m1, m2, m3)
    mass = post.s_mass[keep]
    return mean, var, skew, mass / mass.sum()


def components(post: RegressionPosterior, raw: np.ndarray) -> tuple[np.ndarray, ...]:
    """The mixture components of functionals: one per kept tau node, or, on a refined rule,
    one per (tau node, grid point) of the skewed directions.

    A refined component is a skew-normal with the functional's conditional moments over the
    other directions, its variance widened by the grid cell's own spread
    (``(slope * step)^2 / 12`` along each grid axis), so that a functional that follows the
    grid is a smooth mixture, not a comb; the component means move towards their tau node's
    average so that the node's variance stays what the rule integrated.

    Parameters
    ----------
    post : RegressionPosterior
    raw : numpy.ndarray
        Node values of F functionals (F, T, Q), or raw moments given each node (3, F, T, Q).

    Returns
    -------
    tuple of numpy.ndarray
        Mean, variance, skewness (each (F, C)), weights (C,) summing to one, and the tau
        node of each component (C,).
    """
    if not post.grid_shape:
        mean, var, skew, mass = node_moments(post, raw)
        return mean, var, skew, mass, np.flatnonzero(_kept(post))
    keep = np.flatnonzero(_kept(post))
    if raw.ndim == 3:
        square = raw * raw
        raw = np.stack([raw, square, square * raw])
    G = int(np.prod(post.grid_shape))
    T, W = keep.size, post.weight.shape[1] // G
    weight = post.weight[keep].reshape(T, G, W)
    cell = np.maximum(weight.sum(axis=2), 1e-300)
    raw = raw[:, :, keep].reshape(3, raw.shape[1], T, G, W)
    m1, m2, m3 = (np.einsum("ftgw,tgw->ftg", r, weight) / cell for r in raw)
    mean, var, skew = moments_from_raw(m1, m2, m3)
    third = skew * var**1.5
    grid_mean = mean.reshape(mean.shape[0], T, *post.grid_shape)
    spread = np.zeros_like(var)
    for axis in range(len(post.grid_shape)):
        if post.grid_shape[axis] > 1:
            slope = np.gradient(grid_mean, axis=2 + axis).reshape(mean.shape)
            spread += slope * slope / 12.0
    # keep each tau node's variance: the means move towards their average by the factor that
    # gives back the variance the cells' spread adds (exact for a normal, O(step^4) otherwise)
    share = cell / cell.sum(axis=1, keepdims=True)
    centre = np.einsum("ftg,tg->ft", mean, share)[..., None]
    between = np.einsum("ftg,tg->ft", (mean - centre) ** 2, share)[..., None]
    added = np.einsum("ftg,tg->ft", spread, share)[..., None]
    shrink = np.sqrt(np.clip(1.0 - added / np.maximum(between, 1e-300), 0.0, 1.0))
    mean = centre + shrink * (mean - centre)
    var = var + spread
    skew = third / var**1.5
    flat_w = cell.ravel() / cell.sum()
    big = flat_w > 1e-14 * flat_w.max()
    F = mean.shape[0]
    t_index = np.repeat(keep, G)[big]
    return (
        mean.reshape(F, -1)[:, big],
        var.reshape(F, -1)[:, big],
        skew.reshape(F, -1)[:, big],
        flat_w[big] / flat_w[big].sum(),
        t_index,
    )


def mixture_of(post: RegressionPosterior, values: np.ndarray) -> SkewMixture:
    """Skew-normal mixtures of functionals over the log-tau nodes (and grid points).

    Parameters
    ----------
    post : RegressionPosterior
    values : numpy.ndarray
        Node values (F, T, Q), or raw moments given each node (3, F, T, Q).

    Returns
    -------
    SkewMixture
        One mixture per functional.
    """
    mean, var, skew, mass, _ = components(post, values)
    return SkewMixture(*skew_normal_params(mean, var, skew), mass)


def new_study_mixture(
    post: RegressionPosterior, patterns: np.ndarray, counts: np.ndarray
) -> SkewMixture:
    """The logit of a new study: pattern J (probability ``counts / sum``) plus tau z.

    Parameters
    ----------
    post : RegressionPosterior
    patterns : numpy.ndarray
        Distinct design rows, shape (U, p).
    counts : numpy.ndarray
        Studies with each pattern, shape (U,).

    Returns
    -------
    SkewMixture
        One mixture with U x (components) components.
    """
    values = np.einsum("tqp,up->utq", post.beta, patterns)
    mean, var, skew, mass, t_index = components(post, values)
    xi, omega, alpha = skew_normal_params(mean, var, skew)
    tau = post.tau[t_index][None, :]
    delta = alpha / np.sqrt(1 + alpha**2)
    wide = np.sqrt(omega**2 + tau**2)
    delta_new = delta * omega / wide
    alpha_new = delta_new / np.sqrt(1 - delta_new**2)
    weight = (counts / counts.sum())[:, None] * mass[None, :]
    return SkewMixture(
        xi.reshape(1, -1), wide.reshape(1, -1), alpha_new.reshape(1, -1), weight.reshape(1, -1)
    )


def study_effect_raw(
    post: RegressionPosterior,
    X: np.ndarray,
    z_moments: np.ndarray,
    *,
    eta: np.ndarray | None = None,
) -> np.ndarray:
    """Raw moments of each study's logit eta_i + tau z_i given each node.

    Parameters
    ----------
    post : RegressionPosterior
    X : numpy.ndarray
        Design matrix (k, p).
    z_moments : numpy.ndarray
        E[z^r | y_i, node], r = 1, 2, 3, shape (3, k, T, Q), from
        :func:`~bayesmeta.quad.regression.likelihood.study_loglik_rows`.
    eta : numpy.ndarray, optional
        The studies' linear predictors ``einsum("tqp,kp->ktq", post.beta, X)`` when already
        computed, shape (k, T, Q).

    Returns
    -------
    numpy.ndarray
        Shape (3, k, T, Q).
    """
    if eta is None:
        eta = np.einsum("tqp,kp->ktq", post.beta, X)
    t = post.tau[None, :, None]
    z1, z2, z3 = z_moments
    # products, not powers (np.power is several times slower on these arrays)
    out = np.empty((3, *eta.shape))
    tz1, t2z2 = t * z1, (t * t) * z2
    eta2 = eta * eta
    np.add(eta, tz1, out=out[0])
    np.add(eta2 + 2.0 * eta * tz1, t2z2, out=out[1])
    out[2] = eta2 * eta + 3.0 * eta2 * tz1 + 3.0 * eta * t2z2 + (t * t * t) * z3
    return out


def tau_quantiles(
    post: RegressionPosterior, probs: tuple[float, ...], *, n_fine: int = 2000
) -> np.ndarray:
    """Quantiles of tau from the marginal density of log tau on its grid.

    The log density is interpolated by a cubic spline through the nodes, its CDF integrated on
    ``n_fine`` points.

    Parameters
    ----------
    post : RegressionPosterior
    probs : tuple of float
        Probabilities.
    n_fine : int
        Points of the fine grid.

    Returns
    -------
    numpy.ndarray
        tau quantiles, shape (len(probs),).
    """
    s, cdf = _s_cdf(post, n_fine)
    return np.exp(np.interp(np.asarray(probs), cdf, s))


def _s_cdf(post: RegressionPosterior, n_fine: int) -> tuple[np.ndarray, np.ndarray]:
    log_density = np.log(np.maximum(post.s_mass, 1e-300))
    spline = CubicSpline(post.s, log_density)
    fine = np.linspace(post.s[0], post.s[-1], n_fine)
    dens = np.exp(spline(fine))
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(fine))])
    return fine, cdf / cdf[-1]


def tau_hdi(
    post: RegressionPosterior, prob: float = 0.95, *, n_fine: int = 2000
) -> tuple[float, float]:
    """Narrowest ``prob`` interval of tau (on the tau scale).

    Parameters
    ----------
    post : RegressionPosterior
    prob : float
        Interval probability.
    n_fine : int
        Points of the fine grid.

    Returns
    -------
    tuple of float
        Lower and upper bounds.
    """
    s, cdf = _s_cdf(post, n_fine)
    starts = np.linspace(0.0, 1.0 - prob, 201)
    lo = np.exp(np.interp(starts, cdf, s))
    hi = np.exp(np.interp(starts + prob, cdf, s))
    best = int(np.argmin(hi - lo))
    return float(lo[best]), float(hi[best])
