"""The exact predictive of a new study's logit at a covariate pattern, from a meta-regression.

Over the regression posterior's nodes (beta_j, tau_j) with masses w_j the new study's logit is
``x' beta + tau z``. Summing ``N(x' beta_j, tau_j)`` over the nodes directly gives a comb of
narrow normals at the small-tau nodes (fine for the CDF, wrong for curvature summaries such as
the logit-scale ELIR) and uses the Smolyak rule's signed weights as a density. Instead, at each
tau node the beta nodes give the exact conditional mean, variance and skewness of x' beta; as
the regression engine does for its own quantiles
(:mod:`bayesmeta.quad.regression.marginals`), that conditional law is a skew-normal
SN(xi, omega, alpha), so the predictive given tau is SN(xi, omega, alpha) * N(0, tau^2). A
skew-normal is the normal scale mixture ``xi + omega (delta |U| + sqrt(1 - delta^2) V)``, so its
convolution with N(0, tau^2) is ``int N(xi + omega delta u, omega^2 (1 - delta^2) + tau^2)
2 phi(u) du``; a Gauss-Legendre rule in u on [0, U_MAX] turns it into a smooth normal mixture
(components at least ``omega sqrt(1 - delta^2)`` wide, spaced much closer than that).
"""

from __future__ import annotations

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.trial.normal_mixture import NormalMixture

#: Largest |skewness| matched (a skew-normal reaches at most 0.9953), as the regression engine.
MAX_SKEW = 0.99
#: Upper end of the half-normal u axis (mass beyond: 2 (1 - Phi(9)) ~ 2e-19).
U_MAX = 9.0
#: Gauss-Legendre nodes in u (largest node spacing ~ 0.22 in u).
U_NODES = 64
#: tau nodes with less posterior mass than this (relative to the largest) are left out.
MIN_MASS = 1e-10


def _skew_normal(mean, var, skew):
    g = np.clip(skew, -MAX_SKEW, MAX_SKEW)
    c = np.cbrt(2.0 * np.abs(g) / (4.0 - np.pi)) ** 2
    delta = np.sign(g) * np.sqrt(np.pi / 2.0 * c / (1.0 + c))
    omega = np.sqrt(var / (1.0 - 2.0 * delta * delta / np.pi))
    xi = mean - omega * delta * np.sqrt(2.0 / np.pi)
    return xi, omega, delta


def conditional_moments(
    beta: np.ndarray, tau: np.ndarray, weight: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean, variance and skewness of x' beta given each tau node, with the node masses.

    Parameters
    ----------
    beta : numpy.ndarray
        Coefficient nodes, shape (N, p).
    tau : numpy.ndarray
        tau of each node, shape (N,); nodes sharing a tau value form one tau node.
    weight : numpy.ndarray
        Posterior masses (may be signed), shape (N,), summing to one.
    x : numpy.ndarray
        The new study's design row, shape (p,).

    Returns
    -------
    tuple of numpy.ndarray
        tau nodes (T,), conditional mean, variance and skewness (T,), and masses (T,).
    """
    beta = np.atleast_2d(np.asarray(beta, dtype=float))
    x = np.asarray(x, dtype=float)
    if beta.shape[1] != x.size:
        raise InputError(f"pattern: {x.size} design columns for {beta.shape[1]} coefficients")
    weight = np.asarray(weight, dtype=float)
    taus, group = np.unique(np.asarray(tau, dtype=float), return_inverse=True)
    eta = beta @ x
    mass = np.bincount(group, weights=weight, minlength=taus.size)
    keep = mass > MIN_MASS * mass.max()
    raw = [np.bincount(group, weights=weight * eta**r, minlength=taus.size) for r in (1, 2, 3)]
    m1, m2, m3 = (r[keep] / mass[keep] for r in raw)
    var = np.maximum(m2 - m1 * m1, 1e-24)
    skew = (m3 - 3 * m1 * m2 + 2 * m1**3) / var**1.5
    return taus[keep], m1, var, skew, mass[keep] / mass[keep].sum()


def pattern_mixture(
    beta: np.ndarray,
    tau: np.ndarray,
    weight: np.ndarray,
    x: np.ndarray,
    *,
    predictive: bool = True,
) -> NormalMixture:
    """The predictive logit ``x' beta + tau z`` of a new study, smoothed per tau node.

    Parameters
    ----------
    beta : numpy.ndarray
        Coefficient nodes, shape (N, p) (``RegressionPosterior.nodes()``).
    tau : numpy.ndarray
        tau of each node, shape (N,).
    weight : numpy.ndarray
        Posterior masses, shape (N,).
    x : numpy.ndarray
        The new study's design row, shape (p,).
    predictive : bool, default True
        False: the posterior of the linear predictor ``x' beta`` itself (the logit of the
        pattern's rate, without the new study's own effect).

    Returns
    -------
    NormalMixture
        T x :data:`U_NODES` normal components.
    """
    taus, mean, var, skew, mass = conditional_moments(beta, tau, weight, x)
    xi, omega, delta = _skew_normal(mean, var, skew)
    nodes, weights = np.polynomial.legendre.leggauss(U_NODES)
    u = 0.5 * U_MAX * (nodes + 1.0)
    wu = 0.5 * U_MAX * weights * 2.0 * np.exp(-0.5 * u * u) / np.sqrt(2.0 * np.pi)
    wu = wu / wu.sum()
    loc = xi[:, None] + (omega * delta)[:, None] * u[None, :]
    added = taus**2 if predictive else 0.0
    scale = np.sqrt(omega**2 * (1.0 - delta**2) + added)[:, None] * np.ones_like(u)[None, :]
    return NormalMixture(weight=(mass[:, None] * wu[None, :]), loc=loc, scale=scale)
