"""Marginal log-likelihood of the random-intercept logistic model by adaptive Gauss-Hermite
quadrature, as ``lme4::glmer(nAGQ=7)`` (which ``metafor::rma.glmm`` calls).

For study i with ``x`` events of ``n`` and linear predictor ``eta = X beta + tau u``,
``u ~ N(0, 1)``, the integrand is centred at its mode and scaled by its curvature there, so a
handful of nodes stays exact for studies with thousands of patients, where the integrand is
a narrow spike that fixed nodes miss.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, gammaln, log1p, logsumexp

N_NODES = 7
_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(N_NODES)
_LOG_WEIGHTS = np.log(_WEIGHTS) + _NODES**2


def log_binomial_coefficients(events: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``log choose(n, x)`` per study."""
    return gammaln(total + 1) - gammaln(events + 1) - gammaln(total - events + 1)


def _log1pexp(eta: np.ndarray) -> np.ndarray:
    return np.where(eta > 0, eta + log1p(np.exp(-np.abs(eta))), log1p(np.exp(-np.abs(eta))))


def conditional_modes(
    offset: np.ndarray, tau: float, events: np.ndarray, total: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mode ``u*`` of each study's integrand and the curvature ``-h''(u*)`` there."""
    u = np.zeros_like(offset)
    if tau == 0:
        return u, np.ones_like(offset)
    for _ in range(100):
        p = expit(offset + tau * u)
        grad = tau * (events - total * p) - u
        curv = tau * tau * total * p * (1 - p) + 1.0
        step = grad / curv
        u = u + step
        if np.max(np.abs(step)) < 1e-12 * (1 + np.max(np.abs(u))):
            break
    p = expit(offset + tau * u)
    return u, tau * tau * total * p * (1 - p) + 1.0


def loglik_terms(
    offset: np.ndarray, tau: float, events: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """Per-study marginal log-likelihood (binomial coefficients included).

    Parameters
    ----------
    offset : numpy.ndarray
        ``X beta`` per study.
    tau : float
        Between-study standard deviation (the likelihood is even in ``tau``).
    events, total : numpy.ndarray
        Counts per study (float arrays).
    """
    tau = abs(float(tau))
    const = log_binomial_coefficients(events, total)
    if tau == 0:
        return const + events * offset - total * _log1pexp(offset)
    mode, curv = conditional_modes(offset, tau, events, total)
    scale = np.sqrt(2.0 / curv)  # sqrt(2) * conditional sd
    u = mode[:, None] + scale[:, None] * _NODES[None, :]
    eta = offset[:, None] + tau * u
    h = events[:, None] * eta - total[:, None] * _log1pexp(eta) - 0.5 * u * u
    log_int = logsumexp(h + _LOG_WEIGHTS[None, :], axis=1) + np.log(scale)
    # N(0, 1) density of u: -log(sqrt(2 pi)); the Gauss-Hermite weights carry the rest
    return const + log_int - 0.5 * np.log(2 * np.pi)


def loglik(
    beta: np.ndarray, tau: float, X: np.ndarray, events: np.ndarray, total: np.ndarray
) -> float:
    """Total marginal log-likelihood of the random-intercept logistic model."""
    return float(np.sum(loglik_terms(X @ beta, tau, events, total)))
