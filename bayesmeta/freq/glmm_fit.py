"""Maximum-likelihood fit of the random-intercept logistic model on arrays.

Newton's method on (beta, tau) with central finite-difference derivatives of the adaptive
quadrature log-likelihood (:mod:`bayesmeta.freq.agq`), damped (Levenberg-Marquardt) where the
Hessian is not negative definite. The likelihood is even in tau, so tau is unconstrained and
its absolute value is reported; a maximum at tau = 0 is reached exactly. Standard errors come
from the inverse of the observed information in (beta, tau), as ``lme4``'s Hessian-based
``vcov`` for ``glmer`` fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, gammaln, xlogy

from bayesmeta.errors import InputError
from bayesmeta.freq.agq import (
    grouped_loglik_terms_and_modes,
    log_binomial_coefficients,
    loglik_terms_and_modes,
)
from bayesmeta.freq.separation import check_identified, check_standard_errors
from bayesmeta.freq.tau2 import dersimonian_laird
from bayesmeta.plural import plural

# Finite-difference steps (relative to max(1, |parameter|)): small for the Newton search,
# larger for the final Hessian behind the standard errors, where the quadrature's rounding
# noise (~1e-12 in the log-likelihood) would otherwise dominate (error ~ noise / step^2);
# the truncation error of the larger step is O(step^2) ~ 1e-6 relative.
_STEP = 1e-4
_HESSIAN_STEP = 1e-3


@dataclass(frozen=True)
class GlmmFit:
    """The maximum-likelihood fit of the random-intercept logistic model.

    Attributes
    ----------
    beta : numpy.ndarray
        Fixed-effect coefficients (logit scale).
    vb : numpy.ndarray
        Their covariance matrix (inverse observed information).
    tau2 : float
        Between-study variance of the random intercepts.
    loglik : float
        Maximised marginal log-likelihood (binomial coefficients included).
    iterations : int
        Newton iterations used.
    """

    beta: np.ndarray
    vb: np.ndarray
    tau2: float
    loglik: float
    iterations: int


def common_effect_logistic(
    X: np.ndarray, events: np.ndarray, total: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Binomial logistic regression by IRLS: (beta, vcov, log-likelihood).

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray, float]
    """
    k, p = X.shape
    beta = np.zeros(p)
    beta[0] = np.log((events.sum() + 0.5) / (total.sum() - events.sum() + 0.5)) if p else 0
    for _ in range(100):
        prob = expit(X @ beta)
        w = total * prob * (1 - prob)
        info = X.T @ (X * w[:, None])
        step = np.linalg.solve(info, X.T @ (events - total * prob))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    prob = expit(X @ beta)
    w = total * prob * (1 - prob)
    vcov = np.linalg.inv(X.T @ (X * w[:, None]))
    return beta, vcov, binomial_loglik(events, total, prob)


def binomial_loglik(events: np.ndarray, total: np.ndarray, prob: np.ndarray) -> float:
    """Binomial log-likelihood of the counts, binomial coefficients included.

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    prob : numpy.ndarray
        Event probability of each study.

    Returns
    -------
    float
        The summed log-likelihood.
    """
    const = gammaln(total + 1) - gammaln(events + 1) - gammaln(total - events + 1)
    return float(np.sum(const + xlogy(events, prob) + xlogy(total - events, 1 - prob)))


def _derivatives(f, theta: np.ndarray, step: float = _STEP) -> tuple[float, np.ndarray, np.ndarray]:
    m = len(theta)
    h = step * np.maximum(1.0, np.abs(theta))
    f0 = f(theta)
    grad = np.empty(m)
    hess = np.empty((m, m))
    plus = np.empty(m)
    minus = np.empty(m)
    for i in range(m):
        e = np.zeros(m)
        e[i] = h[i]
        plus[i] = f(theta + e)
        minus[i] = f(theta - e)
        grad[i] = (plus[i] - minus[i]) / (2 * h[i])
        hess[i, i] = (plus[i] - 2 * f0 + minus[i]) / h[i] ** 2
    for i in range(m):
        for j in range(i + 1, m):
            ei = np.zeros(m)
            ej = np.zeros(m)
            ei[i] = h[i]
            ej[j] = h[j]
            fpp = f(theta + ei + ej)
            fmm = f(theta - ei - ej)
            # f(+i+j) + f(-i-j) - f(+i) - f(-i) - f(+j) - f(-j) + 2 f0 = 2 h_i h_j f_ij
            hess[i, j] = hess[j, i] = (
                fpp + fmm - plus[i] - minus[i] - plus[j] - minus[j] + 2 * f0
            ) / (2 * h[i] * h[j])
    return f0, grad, hess


def fit_glmm(
    X: np.ndarray,
    events: np.ndarray,
    total: np.ndarray,
    *,
    max_iter: int = 200,
    columns: Sequence[str] | None = None,
    studies: Sequence[str] | None = None,
    starts: np.ndarray | None = None,
) -> GlmmFit:
    """ML estimates of ``beta`` and ``tau^2`` (see the module docstring).

    With ``starts``, the rows are patients (or covariate patterns) sorted by trial, trial g
    owning rows ``starts[g]:starts[g + 1]`` and one random intercept
    (:func:`~bayesmeta.freq.agq.grouped_loglik_terms_and_modes`): the one-stage IPD model.

    Before any fitting, the data are checked for an infinite ML estimate (separation of the
    fixed effects, or no study with both events and non-events: see
    :mod:`bayesmeta.freq.separation`); after it, the information must be positive definite and
    no fitted logit may have an absurd standard error (second line of defence).

    The columns of ``X`` are scaled to a maximum absolute value of 1 for the search, so that
    the finite-difference steps are commensurate across coefficients (a covariate such as a
    median age of 60 would otherwise get steps 60 times larger on the linear predictor).

    Parameters
    ----------
    X : numpy.ndarray
        Fixed-effects design, one row per study.
    events, total : numpy.ndarray
        Counts per study.
    max_iter : int
        Newton iterations at most.
    columns, studies : sequence of str, optional
        Coefficient names and study (trial) labels, for error messages.
    starts : numpy.ndarray, optional
        First row of each trial when trials have several rows (None: one row per study).

    Returns
    -------
    GlmmFit
    """
    events = np.asarray(events, dtype=float)
    total = np.asarray(total, dtype=float)
    k, p = X.shape
    if k <= p:
        raise InputError(f"{plural(k, 'study')} are too few for a GLMM with {p} coefficient(s)")
    check_identified(X, events, total, columns=columns, studies=studies, starts=starts)
    scale = np.max(np.abs(X), axis=0)
    scale[scale == 0] = 1.0
    fit = _fit_scaled(X / scale, events, total, max_iter=max_iter, starts=starts)
    vb = fit.vb / np.outer(scale, scale)
    check_standard_errors(X, vb, studies=studies)
    return GlmmFit(
        beta=fit.beta / scale,
        vb=vb,
        tau2=fit.tau2,
        loglik=fit.loglik,
        iterations=fit.iterations,
    )


def _fit_scaled(
    X: np.ndarray,
    events: np.ndarray,
    total: np.ndarray,
    *,
    max_iter: int,
    starts: np.ndarray | None = None,
) -> GlmmFit:
    k, p = X.shape
    beta0, _, _ = common_effect_logistic(X, events, total)
    if starts is None:
        x_s, n_s, X_s = events, total, X
    else:  # trial totals: the starting tau of the random intercept
        x_s, n_s = np.add.reduceat(events, starts), np.add.reduceat(total, starts)
        X_s = np.ones((len(starts), 1))
    xc = x_s + 0.5 * ((x_s == 0) | (x_s == n_s))
    nc = n_s + 1.0 * ((x_s == 0) | (x_s == n_s))
    yi = np.log(xc / (nc - xc))
    vi = 1 / xc + 1 / (nc - xc)
    tau0 = np.sqrt(max(dersimonian_laird(yi, vi, X_s), 0.01))
    theta = np.append(beta0, tau0)

    const = log_binomial_coefficients(events, total)
    modes = {"u": None}

    def terms_and_modes(offset, tau, start):
        if starts is None:
            return loglik_terms_and_modes(offset, tau, events, total, const=const, start=start)
        return grouped_loglik_terms_and_modes(
            offset, tau, events, total, starts, const=const, start=start
        )

    def f(t: np.ndarray) -> float:
        # warm start: the conditional modes of the previous evaluation (at |tau|) are close
        terms, u = terms_and_modes(X @ t[:p], t[p], modes["u"])
        modes["u"] = u if np.all(np.isfinite(u)) else None
        return float(terms.sum())

    value, grad, hess = _derivatives(f, theta)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007
        lam = 0.0
        moved = False
        for _ in range(60):
            H = hess - lam * np.eye(p + 1)
            if np.all(np.linalg.eigvalsh(H) < 0):
                step = -np.linalg.solve(H, grad)
                candidate = theta + step
                new_value = f(candidate)
                if new_value >= value - 1e-12 * abs(value):
                    theta = candidate
                    moved = True
                    break
            lam = max(2 * lam, 1e-3 * max(1.0, np.max(np.abs(np.diag(hess)))))
        value, grad, hess = _derivatives(f, theta)
        if not moved or np.max(np.abs(step)) < 1e-9:
            break
    if np.max(np.abs(grad)) > 1e-3 * max(1.0, abs(value)):
        raise InputError("GLMM: maximum-likelihood fit did not converge")
    tau = abs(theta[p])
    theta[p] = tau
    _, _, hess = _derivatives(f, theta, _HESSIAN_STEP)
    info = -hess
    if tau < 1e-8:
        info = info[:p, :p]
        tau = 0.0
    # a maximum has a positive definite information; if it is not, some coefficient is not
    # identified (e.g. a covariate level whose studies all have 0 events: its estimate runs
    # off to -infinity, the likelihood goes flat and the "variances" come out negative)
    if not np.all(np.isfinite(info)) or np.any(np.linalg.eigvalsh(info) <= 0):
        raise InputError(
            "GLMM: the information matrix at the fit is not positive definite, so the model is"
            " not identified (a coefficient with an infinite estimate, e.g. a level with no"
            " events or only events)"
        )
    vb = np.linalg.inv(info)[:p, :p]
    return GlmmFit(
        beta=theta[:p].copy(), vb=vb, tau2=tau * tau, loglik=value, iterations=iterations
    )
