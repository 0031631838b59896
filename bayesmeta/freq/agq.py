"""Marginal log-likelihood of the random-intercept logistic model by adaptive Gauss-Hermite
quadrature, as ``lme4::glmer(nAGQ=7)`` (which ``metafor::rma.glmm`` calls).

For study i with ``x`` events of ``n`` and linear predictor ``eta = X beta + tau u``,
``u ~ N(0, 1)``, the integrand is centred at its mode and scaled by its curvature there, so a
handful of nodes stays exact for studies with thousands of patients, where the integrand is
a narrow spike that fixed nodes miss.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, gammaln

N_NODES = 7
_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(N_NODES)
_LOG_WEIGHTS = np.log(_WEIGHTS) + _NODES**2
_LOG_NORMAL = -0.5 * np.log(2 * np.pi)


def log_binomial_coefficients(events: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``log choose(n, x)`` per study.

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.

    Returns
    -------
    numpy.ndarray
    """
    return gammaln(total + 1) - gammaln(events + 1) - gammaln(total - events + 1)


def conditional_modes(
    offset: np.ndarray,
    tau: float,
    events: np.ndarray,
    total: np.ndarray,
    *,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mode ``u*`` of each study's integrand and the curvature ``-h''(u*)`` there.

    Newton's method on the strictly concave log-integrand from ``start`` (default 0),
    safeguarded by bisection: the mode solves ``u = tau (x - n p(u))``, so it lies in
    ``[tau (x - n), tau x]``, and a Newton step that leaves the current bracket is replaced by
    its midpoint (large tau with a study of 0 events would otherwise overshoot).

    Parameters
    ----------
    offset : numpy.ndarray
        Linear predictor of each study without its random effect.
    tau : float
        Between-study standard deviation on the logit scale.
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    start : numpy.ndarray, optional
        Starting values of the modes (None: zero).

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    if tau == 0:
        return np.zeros_like(offset), np.ones_like(offset)
    tau2 = tau * tau
    lo = tau * (events - total) - 1.0
    hi = tau * events + 1.0
    u = np.zeros_like(offset) if start is None else np.clip(start, lo, hi)
    for _ in range(200):
        p = expit(offset + tau * u)
        grad = tau * (events - total * p) - u
        lo = np.where(grad > 0, u, lo)
        hi = np.where(grad > 0, hi, u)
        curv = tau2 * total * p * (1 - p) + 1.0
        newton = grad / curv
        converged = np.abs(newton) <= 1e-8 * (1 + np.abs(u))
        if converged.all():
            u = u + newton  # quadratic convergence: the error is now ~1e-16
            break
        proposal = u + newton
        # a step onto or past a bracket end (which is known not to be the mode) is replaced
        # by the midpoint; converged studies stay where they are
        outside = ((proposal <= lo) | (proposal >= hi)) & ~converged
        u = np.where(outside, 0.5 * (lo + hi), proposal)
    p = expit(offset + tau * u)
    return u, tau2 * total * p * (1 - p) + 1.0


def loglik_terms_and_modes(
    offset: np.ndarray,
    tau: float,
    events: np.ndarray,
    total: np.ndarray,
    *,
    const: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-study marginal log-likelihood (binomial coefficients included) and the
    conditional modes the nodes were centred on.

    Parameters
    ----------
    offset : numpy.ndarray
        ``X beta`` per study.
    tau : float
        Between-study standard deviation (the likelihood is even in ``tau``).
    events, total : numpy.ndarray
        Counts per study (float arrays).
    const : numpy.ndarray, optional
        Precomputed :func:`log_binomial_coefficients`.
    start : numpy.ndarray, optional
        Starting values of the conditional modes (those of a nearby evaluation).

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    tau = abs(float(tau))
    if const is None:
        const = log_binomial_coefficients(events, total)
    if tau == 0:
        terms = const + events * offset - total * np.logaddexp(0.0, offset)
        return terms, np.zeros_like(offset)
    mode, curv = conditional_modes(offset, tau, events, total, start=start)
    scale = np.sqrt(2.0 / curv)  # sqrt(2) times the conditional sd
    u = mode[:, None] + scale[:, None] * _NODES[None, :]
    eta = offset[:, None] + tau * u
    h = events[:, None] * eta - total[:, None] * np.logaddexp(0.0, eta) - 0.5 * u * u
    h += _LOG_WEIGHTS[None, :]
    top = h.max(axis=1)
    log_int = top + np.log(np.exp(h - top[:, None]).sum(axis=1)) + np.log(scale)
    # N(0, 1) density of u contributes -log(sqrt(2 pi)); the Gauss-Hermite weights the rest
    return const + log_int + _LOG_NORMAL, mode


def loglik_terms(
    offset: np.ndarray, tau: float, events: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """Per-study marginal log-likelihood (see :func:`loglik_terms_and_modes`).

    Parameters
    ----------
    offset : numpy.ndarray
        Linear predictor of each study without its random effect.
    tau : float
        Between-study standard deviation on the logit scale.
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.

    Returns
    -------
    numpy.ndarray
    """
    return loglik_terms_and_modes(offset, tau, events, total)[0]


def loglik(
    beta: np.ndarray, tau: float, X: np.ndarray, events: np.ndarray, total: np.ndarray
) -> float:
    """Total marginal log-likelihood of the random-intercept logistic model.

    Parameters
    ----------
    beta : numpy.ndarray
        Regression coefficients.
    tau : float
        Between-study standard deviation on the logit scale.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.

    Returns
    -------
    float
    """
    return float(np.sum(loglik_terms(X @ beta, tau, events, total)))


def _group_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts, axis=0)


def grouped_conditional_modes(
    offset: np.ndarray,
    tau: float,
    events: np.ndarray,
    total: np.ndarray,
    starts: np.ndarray,
    *,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`conditional_modes` for trials of several rows sharing one random effect.

    The rows must be sorted by trial; trial g owns rows ``starts[g]:starts[g + 1]``. The mode of
    trial g's integrand solves ``u = tau (sum x - sum n p_r(u))`` and lies in
    ``[tau (sum x - sum n), tau sum x]``; Newton's method is safeguarded by bisection as there.

    Parameters
    ----------
    offset : numpy.ndarray
        Linear predictor of each row without the random effect.
    tau : float
        Between-trial standard deviation (positive).
    events, total : numpy.ndarray
        Counts per row.
    starts : numpy.ndarray
        First row of each trial.
    start : numpy.ndarray, optional
        Starting modes, one per trial.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        Modes and curvatures ``-h''(u*)``, one per trial.
    """
    sum_x = _group_sum(events, starts)
    sum_n = _group_sum(total, starts)
    sizes = np.diff(np.append(starts, len(offset)))
    tau2 = tau * tau
    lo = tau * (sum_x - sum_n) - 1.0
    hi = tau * sum_x + 1.0
    u = np.zeros(len(starts)) if start is None else np.clip(start, lo, hi)
    for _ in range(200):
        p = expit(offset + tau * np.repeat(u, sizes))
        grad = tau * (sum_x - _group_sum(total * p, starts)) - u
        lo = np.where(grad > 0, u, lo)
        hi = np.where(grad > 0, hi, u)
        curv = tau2 * _group_sum(total * p * (1 - p), starts) + 1.0
        newton = grad / curv
        converged = np.abs(newton) <= 1e-8 * (1 + np.abs(u))
        if converged.all():
            u = u + newton
            break
        proposal = u + newton
        outside = ((proposal <= lo) | (proposal >= hi)) & ~converged
        u = np.where(outside, 0.5 * (lo + hi), proposal)
    p = expit(offset + tau * np.repeat(u, sizes))
    return u, tau2 * _group_sum(total * p * (1 - p), starts) + 1.0


def grouped_loglik_terms_and_modes(
    offset: np.ndarray,
    tau: float,
    events: np.ndarray,
    total: np.ndarray,
    starts: np.ndarray,
    *,
    const: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-trial marginal log-likelihood of trials with several rows (patients or covariate
    patterns) sharing one random intercept, by the adaptive rule of :func:`loglik_terms_and_modes`.

    With one row per trial it equals :func:`loglik_terms_and_modes`; this is the likelihood of
    ``glmer(cbind(x, n - x) ~ X + (1 | trial), nAGQ = 7)`` on row-level data.

    Parameters
    ----------
    offset : numpy.ndarray
        ``X beta`` per row (rows sorted by trial).
    tau : float
        Between-trial standard deviation (the likelihood is even in ``tau``).
    events, total : numpy.ndarray
        Counts per row (float arrays).
    starts : numpy.ndarray
        First row of each trial.
    const : numpy.ndarray, optional
        Precomputed :func:`log_binomial_coefficients` per row.
    start : numpy.ndarray, optional
        Starting values of the conditional modes.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        Log-likelihood per trial and the conditional modes.
    """
    tau = abs(float(tau))
    if const is None:
        const = log_binomial_coefficients(events, total)
    const_g = _group_sum(const, starts)
    if tau == 0:
        terms = events * offset - total * np.logaddexp(0.0, offset)
        return const_g + _group_sum(terms, starts), np.zeros(len(starts))
    mode, curv = grouped_conditional_modes(offset, tau, events, total, starts, start=start)
    sizes = np.diff(np.append(starts, len(offset)))
    scale = np.sqrt(2.0 / curv)
    u = mode[:, None] + scale[:, None] * _NODES[None, :]  # (trials, nodes)
    eta = offset[:, None] + tau * np.repeat(u, sizes, axis=0)
    rows = events[:, None] * eta - total[:, None] * np.logaddexp(0.0, eta)
    h = _group_sum(rows, starts) - 0.5 * u * u + _LOG_WEIGHTS[None, :]
    top = h.max(axis=1)
    log_int = top + np.log(np.exp(h - top[:, None]).sum(axis=1)) + np.log(scale)
    return const_g + log_int + _LOG_NORMAL, mode
