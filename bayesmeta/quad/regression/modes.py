"""Posterior modes of a meta-regression: joint in (beta, log tau), and of beta given each tau.

Newton's method on the structured derivatives of :mod:`bayesmeta.quad.regression.posterior`,
with step halving and a regularised step where the Hessian is not negative definite.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.quad.regression.posterior import RegressionProblem

NEWTON_STEPS = 40
#: Joint mode: Newton steps below this (largest coordinate) end the iterations.
JOINT_CONVERGED = 1e-6
#: Conditional modes: Newton steps below this (largest coordinate) end the iterations.
CONVERGED = 1e-7


def _newton_step(grad: np.ndarray, hess: np.ndarray) -> np.ndarray:
    """Ascent direction: Newton where -hess is positive definite, else regularised."""
    neg = -hess
    shift = 0.0
    eye = np.eye(neg.shape[-1])
    for _ in range(30):
        try:
            np.linalg.cholesky(neg + shift * eye)
            return np.linalg.solve(neg + shift * eye, grad)
        except np.linalg.LinAlgError:
            shift = max(2 * shift, 1e-3 * (1 + np.abs(np.diag(neg)).max()))
    return grad


def _newton_steps(grad: np.ndarray, hess: np.ndarray) -> np.ndarray:
    """:func:`_newton_step` of every row (T, p), (T, p, p): one batched solve where every -hess
    is positive definite (the usual case), else row by row."""
    try:
        np.linalg.cholesky(-hess)
    except np.linalg.LinAlgError:
        return np.stack([_newton_step(g, h) for g, h in zip(grad, hess, strict=True)])
    return np.linalg.solve(-hess, grad[..., None])[..., 0]


def start_point(problem: RegressionProblem) -> np.ndarray:
    """(beta, s) to start the mode search: weighted least squares on empirical logits, and
    ``problem.start_s()`` (tau 0.5 for the binomial-normal model).

    Parameters
    ----------
    problem : RegressionProblem

    Returns
    -------
    numpy.ndarray
        Shape (p + 1,).
    """
    y, n, X = problem.events, problem.total, problem.X
    logit = np.log(y + 0.5) - np.log(n - y + 0.5)
    w = 1.0 / (1.0 / (y + 0.5) + 1.0 / (n - y + 0.5) + 0.25)
    gram = np.einsum("kp,k,kq->pq", X, w, X) + np.eye(problem.p) / 6.25
    beta = np.linalg.solve(gram, np.einsum("kp,k->p", X, w * logit))
    return np.concatenate([beta, [problem.start_s()]])


def joint_mode(problem: RegressionProblem) -> tuple[np.ndarray, np.ndarray, float]:
    """The posterior mode of (beta, s) and the negative Hessian there.

    Parameters
    ----------
    problem : RegressionProblem

    Returns
    -------
    tuple
        Mode (p + 1,), negative Hessian (p + 1, p + 1) (positive definite) and the log
        posterior at the mode.

    Raises
    ------
    InputError
        If the search does not converge (a posterior without a proper mode).
    """
    theta = start_point(problem)
    value, grad, hess = problem.joint_derivs(theta)
    for _ in range(NEWTON_STEPS):
        step = _newton_step(grad, hess)
        if np.abs(step).max() < JOINT_CONVERGED:
            # the last step, below the tolerance: taken without evaluating its end again (the
            # Hessian is the one at most 1e-6 away; the value rises by less than 1e-10)
            theta = theta + step
            break
        scale = min(1.0, 3.0 / max(np.abs(step).max(), 1e-300))
        for _ in range(30):
            cand = theta + scale * step
            new_value, new_grad, new_hess = problem.joint_derivs(cand)
            if np.isfinite(new_value) and new_value >= value - 1e-10:
                break
            scale /= 2
        theta, grad, hess = cand, new_grad, new_hess
        done = abs(new_value - value) < 1e-10 and np.abs(scale * step).max() < JOINT_CONVERGED
        value = new_value
        if done:
            break
    neg = -hess
    try:
        np.linalg.cholesky(neg)
    except np.linalg.LinAlgError:
        raise InputError(
            "quadrature: the regression posterior has no proper mode (check the design and priors)"
        ) from None
    return theta, neg, value


def conditional_modes(
    problem: RegressionProblem, s: np.ndarray, start: np.ndarray, *, steps: int = 12
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mode of beta given each s_t, and the negative Hessian there (vectorized over t).

    Parameters
    ----------
    problem : RegressionProblem
    s : numpy.ndarray
        Shape (T,).
    start : numpy.ndarray
        Starting beta, shape (T, p).
    steps : int
        Newton iterations (log-concave in beta for the log-concave priors: converges fast).

    Returns
    -------
    tuple of numpy.ndarray
        Modes (T, p), negative Hessians (T, p, p) and log posterior values (T,).
    """
    beta = np.array(start, dtype=float)
    value, grad, hess = problem.conditional_derivs(beta, s)
    for _ in range(steps):
        step = _newton_steps(grad, hess)
        big = np.abs(step).max(axis=1, keepdims=True)
        step *= np.minimum(1.0, 3.0 / np.maximum(big, 1e-300))
        if big.max() < CONVERGED:
            # converged: the last step is below the tolerance, its end is not evaluated again
            # (the Hessian is the one 1e-7 away, the value is not used by the integration)
            return beta + step, -hess, value
        cand = beta + step
        new_value, new_grad, new_hess = problem.conditional_derivs(cand, s)
        worse = ~(new_value >= value - 1e-10)
        if worse.any():  # halve the step where it overshot
            cand[worse] = beta[worse] + 0.5 * step[worse]
            new_value, new_grad, new_hess = problem.conditional_derivs(cand, s)
        converged = np.abs(cand - beta).max() < CONVERGED
        beta, value, grad, hess = cand, new_value, new_grad, new_hess
        if converged:
            break
    return beta, -hess, value
