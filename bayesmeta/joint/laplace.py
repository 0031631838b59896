"""The Laplace approximation of the multivariate binomial-logit GLMM's likelihood (as lme4).

For study ``i`` with random effects ``b_i ~ MVN(0, Sigma)`` (one per outcome) the integrand
``prod_o Bin(x_io | n_io, expit(X_io beta + b_io)) * N(b_i; 0, Sigma)`` is maximised over
``b_i`` by Newton's method (strictly concave), and

    log L_i = l_i(b_hat) - b_hat' Sigma^-1 b_hat / 2 - log det(Sigma) / 2 - log det(H_i) / 2,

``H_i = W_i + Sigma^-1`` with ``W_i`` the binomial weights ``n p (1 - p)`` at the mode (zero for
an outcome the study does not report: those dimensions integrate exactly, so padding every
study to all outcomes changes nothing and lets every study be solved at once). This is
``glmer``'s ``nAGQ = 1`` deviance: binomial coefficients included.

Covariance parameters are the log-Cholesky vector: ``Sigma = L L'``, ``L`` lower triangular
with ``exp`` on its diagonal (unconstrained).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, gammaln, log1p

from bayesmeta.joint.problem import JointProblem

__all__ = ["cholesky_from_vector", "covariance_parts", "laplace_loglik", "n_covariance"]

_NEWTON_TOL = 1e-11
_NEWTON_MAX = 100


def n_covariance(m: int) -> int:
    """Number of log-Cholesky parameters of an ``m x m`` covariance.

    Parameters
    ----------
    m : int
        Dimension.

    Returns
    -------
    int
    """
    return m * (m + 1) // 2


def cholesky_from_vector(theta: np.ndarray, m: int) -> np.ndarray:
    """``L`` from the log-Cholesky vector (row-major lower triangle, log on the diagonal).

    Parameters
    ----------
    theta : numpy.ndarray
        ``m (m + 1) / 2`` values.
    m : int
        Dimension.

    Returns
    -------
    numpy.ndarray
    """
    L = np.zeros((m, m))
    L[np.tril_indices(m)] = theta
    L[np.diag_indices(m)] = np.exp(np.diag(L))
    return L


def covariance_parts(theta: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Sigma, taus, correlation matrix) of a log-Cholesky vector.

    Parameters
    ----------
    theta : numpy.ndarray
        Log-Cholesky vector.
    m : int
        Dimension.

    Returns
    -------
    tuple of numpy.ndarray
    """
    L = cholesky_from_vector(theta, m)
    sigma = L @ L.T
    taus = np.sqrt(np.diag(sigma))
    return sigma, taus, sigma / np.outer(taus, taus)


def _log_binomial(problem: JointProblem) -> float:
    n, x = problem.total, problem.events
    return float(np.sum(gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)))


def _cell_loglik(x: np.ndarray, n: np.ndarray, lin: np.ndarray) -> np.ndarray:
    # x * lin - n * log(1 + exp(lin)), stable for either sign of lin
    return x * lin - n * (np.maximum(lin, 0) + log1p(np.exp(-np.abs(lin))))


def _per_study(problem: JointProblem, values: np.ndarray) -> np.ndarray:
    out = np.zeros((problem.k, problem.m))
    np.add.at(out, (problem.study, problem.outcome), values)
    return out


def laplace_loglik(
    beta: np.ndarray,
    theta: np.ndarray,
    problem: JointProblem,
    *,
    start: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """The Laplace log-likelihood at (beta, theta) and the conditional modes.

    Parameters
    ----------
    beta : numpy.ndarray
        Fixed effects (columns of ``problem.X``).
    theta : numpy.ndarray
        Log-Cholesky vector of Sigma.
    problem : JointProblem
        The data.
    start : numpy.ndarray, optional
        Starting modes ``(k, m)`` (the previous evaluation's, to save Newton steps).

    Returns
    -------
    tuple[float, numpy.ndarray]
        The log-likelihood (``-inf`` if Newton fails) and the modes ``(k, m)``.
    """
    m, k = problem.m, problem.k
    L = cholesky_from_vector(theta, m)
    L_inv = np.linalg.inv(L)
    precision = L_inv.T @ L_inv
    logdet_sigma = 2.0 * float(np.sum(theta[_diagonal_positions(m)]))
    eta = problem.X @ beta
    x, n, s, o = problem.events, problem.total, problem.study, problem.outcome
    b = np.zeros((k, m)) if start is None else np.array(start, dtype=float)

    def objective(b: np.ndarray) -> np.ndarray:
        cells = _cell_loglik(x, n, eta + b[s, o])
        return _per_study(problem, cells).sum(axis=1) - 0.5 * np.einsum(
            "ij,jk,ik->i", b, precision, b
        )

    current = objective(b)
    for _ in range(_NEWTON_MAX):
        p = expit(eta + b[s, o])
        gradient = _per_study(problem, x - n * p) - b @ precision
        hessian = precision[None, :, :] + _diag(_per_study(problem, n * p * (1 - p)))
        step = np.linalg.solve(hessian, gradient[..., None])[..., 0]
        scale = np.ones(k)
        for _halving in range(30):
            trial = b + scale[:, None] * step
            value = objective(trial)
            worse = value < current - 1e-12 * np.abs(current)
            if not worse.any():
                break
            scale[worse] *= 0.5
        b, current = trial, value
        if np.max(np.abs(scale[:, None] * step)) < _NEWTON_TOL:
            break
    else:
        return -np.inf, b
    p = expit(eta + b[s, o])
    hessian = precision[None, :, :] + _diag(_per_study(problem, n * p * (1 - p)))
    sign, logdet_h = np.linalg.slogdet(hessian)
    if np.any(sign <= 0) or not np.all(np.isfinite(current)):
        return -np.inf, b
    loglik = (
        float(np.sum(current))
        - 0.5 * k * logdet_sigma
        - 0.5 * float(np.sum(logdet_h))
        + _log_binomial(problem)
    )
    return loglik, b


def _diag(values: np.ndarray) -> np.ndarray:
    out = np.zeros(values.shape + (values.shape[-1],))
    idx = np.arange(values.shape[-1])
    out[..., idx, idx] = values
    return out


def _diagonal_positions(m: int) -> np.ndarray:
    rows, cols = np.tril_indices(m)
    return np.flatnonzero(rows == cols)
