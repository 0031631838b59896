"""Densities of eta = mu + tau z over the grid posterior of (mu, tau), free of node lumps.

The density of eta for z ~ N(0, 1) is  d(eta) = sum_t integral f_t(mu) N(eta; mu, tau_t) dmu,
with f_t the posterior density of mu in tau column t. For ``tau_t`` at least the mu spacing h,
the trapezoid rule over the mu nodes is spectrally accurate (the integrand is smooth on the
scale of h). For narrower columns (tau near zero) the Gaussian is narrower than the node
spacing, so the column density is interpolated by a cubic spline of its log and convolved with
N(0, tau_t) by Gauss-Hermite quadrature (exact for tau = 0).
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from bayesmeta.model.likelihood import hermite_rule
from bayesmeta.quad.lse import logsumexp
from bayesmeta.quad.marginals import FLOOR

#: Gauss-Hermite nodes of the convolution of narrow (tau < h) columns.
NARROW_GH = 9


def mu_spacing(mu: np.ndarray) -> float:
    """Spacing of the uniform mu axis (1 for a single node).

    Parameters
    ----------
    mu : numpy.ndarray
        Nodes of the mu axis, uniformly spaced.

    Returns
    -------
    float
        ``mu[1] - mu[0]``.
    """
    return float(mu[1] - mu[0]) if mu.size > 1 else 1.0


def log_mixture_density(
    eta: np.ndarray, mu: np.ndarray, tau: np.ndarray, log_mass: np.ndarray, log_quad_mu: np.ndarray
) -> np.ndarray:
    """log d(eta) for S sets of node masses.

    Parameters
    ----------
    eta : numpy.ndarray
        Points, shape (E,).
    mu, tau : numpy.ndarray
        Grid axes, shapes (M,) and (T,).
    log_mass : numpy.ndarray
        Normalised log posterior masses of the nodes, shape (M, T, S).
    log_quad_mu : numpy.ndarray
        Log trapezoid weights of the mu nodes, shape (M,).

    Returns
    -------
    numpy.ndarray
        Shape (E, S).
    """
    h = mu_spacing(mu)
    wide = tau >= h
    n_sets = log_mass.shape[2]
    parts = []
    if wide.any():
        lm = log_mass[:, wide, :].reshape(-1, n_sets)  # (M*Tw, S)
        top = lm.max(axis=0)
        mass = np.exp(lm - top)
        mm = np.repeat(mu, wide.sum())
        tt = np.tile(tau[wide], mu.size)
        z = (eta[:, None] - mm[None, :]) / tt[None, :]
        kernel = np.exp(-0.5 * z * z) / (np.sqrt(2 * np.pi) * tt[None, :])
        with np.errstate(divide="ignore"):
            # einsum, not BLAS: threaded BLAS on small products is 100x slower on a busy machine
            parts.append(np.log(np.einsum("eg,gs->es", kernel, mass)) + top)
    if (~wide).any() and mu.size > 1:
        # column densities f_t(mu) = mass / quadrature weight, spline-interpolated in log and
        # convolved with N(0, tau_t) by Gauss-Hermite (f_t is smooth on the scale of h > tau_t)
        z, wz = hermite_rule(NARROW_GH)
        for t in np.flatnonzero(~wide):
            log_f = log_mass[:, t, :] - log_quad_mu[:, None]
            top = log_f.max(axis=0)
            top = np.where(np.isfinite(top), top, 0.0)  # a column without mass (prior 0 at tau 0)
            log_f = np.maximum(log_f, top - FLOOR)
            points = eta[:, None] - tau[t] * z[None, :]  # (E, nz)
            inside = (points >= mu[0]) & (points <= mu[-1])
            values = CubicSpline(mu, log_f, axis=0)(points)  # (E, nz, S)
            values[~inside] = -np.inf
            parts.append(logsumexp(values + np.log(wz)[None, :, None], axis=1))
    if mu.size == 1:  # a single mu node cannot carry a density
        raise ValueError("the grid needs more than one mu node")
    return logsumexp(np.stack(parts), axis=0)
