"""Estimators of the between-study variance tau^2 on arrays, as ``metafor::rma.uni`` (on the
sums of :mod:`bayesmeta.freq.projection`).

Every estimator takes the effect sizes ``yi``, sampling variances ``vi`` and a design matrix
``X`` (a column of ones for the intercept-only model) and returns tau^2 >= 0 (``hedges`` is
Hedges' formula before the truncation ``HE`` applies). The iterative
ones (ML, REML, EB/PM) are solved to a tight tolerance, so they give the exact solution
metafor's Fisher scoring / root finding approaches.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.freq.projection import (
    crossprod,
    projection_traces,
    quadratic_form,
    weighted_gram,
    weighted_residuals,
)
from bayesmeta.freq.roots import brentq

ESTIMATORS = ("DL", "REML", "PM", "ML", "EB", "SJ", "HS", "HE", "EE")
_MAXITER = 10_000
#: Plain Fisher scoring steps before step halving takes over (an oscillation never converges).
_PLAIN_STEPS = 1_000
_THRESHOLD = 1e-12


def residual_q(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2: float) -> float:
    """Generalised Q: weighted residual sum of squares with weights ``1/(vi + tau2)``.

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).
    tau2 : float
        The tau^2 at which Q is evaluated.

    Returns
    -------
    float
    """
    return quadratic_form(yi, 1.0 / (vi + tau2), X)


def dersimonian_laird(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """DerSimonian-Laird (method of moments on Q with weights ``1 / vi``), as metafor's ``DL``.

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    float
        tau^2, truncated at 0.
    """
    k, p = X.shape
    w = 1.0 / vi
    return max(0.0, (quadratic_form(yi, w, X) - (k - p)) / projection_traces(w, X)[0])


def hunter_schmidt(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Hunter-Schmidt, as metafor's ``HS``: ``(Q - k) / sum(w)`` with weights ``1 / vi``.

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    float
        tau^2, truncated at 0.
    """
    w = 1.0 / vi
    return max(0.0, float((quadratic_form(yi, w, X) - len(yi)) / w.sum()))


def sidik_jonkman(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Sidik-Jonkman, as metafor's ``SJ`` (one step from metafor's starting value).

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    float
        tau^2 (positive: the starting value times Q / (k - p)).
    """
    k, p = X.shape
    # metafor's starting value: the variance of the outcomes times (k - 1) / k, whatever X is
    tau2_0 = float(np.var(yi, ddof=0))
    return tau2_0 * residual_q(yi, vi, X, tau2_0) / (k - p)


def hedges(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Hedges' estimator before truncation (metafor's ``HE`` is ``max(0, hedges)``; also the
    starting value of ML and REML): ``(RSS - trace(P V)) / (k - p)`` with the OLS residual sum of
    squares ``RSS`` and ``P = I - X (X'X)^-1 X'``, in O(k p^2).

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    float
        tau^2, possibly negative (the OLS residual variance below the sampling variances).
    """
    k, p = X.shape
    # P = I - X (X'X)^-1 X': y'Py is the OLS residual sum of squares and
    # trace(P diag(vi)) = sum(vi) - trace((X'X)^-1 X' diag(vi) X)
    r = weighted_residuals(yi, np.ones(k), X)
    trace_pv = np.sum(vi) - np.trace(np.linalg.solve(crossprod(X, X), weighted_gram(vi, X)))
    return float((np.sum(r * r) - trace_pv) / (k - p))


def q_root(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, target: float) -> float:
    """The tau^2 at which the generalised Q falls to ``target`` (Q decreases in tau^2).

    Returns 0 when Q(0) is already at or below ``target`` and ``inf`` when no tau^2 up to 1e12
    brings it down (Paule-Mandel raises on that; the Q-profile bound is then unbounded).

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).
    target : float
        The value Q must fall to.

    Returns
    -------
    float
    """

    def f(t: float) -> float:
        return residual_q(yi, vi, X, t) - target

    if f(0.0) <= 0:
        return 0.0
    upper = max(1.0, 10 * float(np.var(yi)))
    while f(upper) > 0:
        upper *= 10
        if upper > 1e12:
            return float("inf")
    return brentq(f, 0.0, upper, xtol=1e-14, rtol=4 * np.finfo(float).eps)


def paule_mandel(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Root of ``Q(tau2) = k - p`` (0 when Q(0) is already below k - p); EB is the same root.

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    float
    """
    k, p = X.shape
    root = q_root(yi, vi, X, k - p)
    if np.isinf(root):
        raise InputError("Paule-Mandel: cannot bracket tau^2 (outcomes too dispersed)")
    return root


def _fisher_scoring(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, *, reml: bool) -> float:
    """ML/REML tau^2: metafor's Fisher scoring; where it oscillates without converging (metafor
    stops with "did not converge"), Fisher scoring again with step halving, each step halved
    until the (restricted) likelihood increases (metafor's ``control = list(stepadj = ...)``,
    adaptive), which converges to the maximum wherever one exists."""
    start = max(0.0, hedges(yi, vi, X))
    tau2 = start
    for _ in range(_PLAIN_STEPS):
        adj = _scoring_step(yi, vi, X, tau2, reml=reml)
        tau2_new = tau2 + adj
        if abs(tau2_new - tau2) < _THRESHOLD * max(1.0, tau2):
            return _boundary_check(yi, vi, X, float(tau2_new), reml=reml)
        tau2 = tau2_new
    tau2 = start
    value = _loglik(yi, vi, X, tau2, reml=reml)
    for _ in range(_MAXITER):
        adj = _scoring_step(yi, vi, X, tau2, reml=reml)
        for _ in range(60):
            new_value = _loglik(yi, vi, X, tau2 + adj, reml=reml)
            if new_value >= value:
                break
            adj /= 2
        if abs(adj) < _THRESHOLD * max(1.0, tau2):
            return _boundary_check(yi, vi, X, float(tau2 + adj), reml=reml)
        tau2, value = tau2 + adj, max(new_value, value)
    raise InputError("ML/REML estimation of tau^2 did not converge")


def _scoring_step(yi, vi, X, tau2: float, *, reml: bool) -> float:
    """One Fisher scoring step from ``tau2``, halved until tau^2 stays non-negative."""
    w = 1.0 / (vi + tau2)
    Py = w * weighted_residuals(yi, w, X)  # P y = W r
    if reml:
        trace, trace_squared = projection_traces(w, X)
        adj = (np.sum(Py * Py) - trace) / trace_squared
    else:
        adj = (np.sum(Py * Py) - w.sum()) / np.sum(w * w)
    while tau2 + adj < 0:
        adj /= 2
    return float(adj)


def _loglik(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2: float, *, reml: bool) -> float:
    w = 1.0 / (vi + tau2)
    r = weighted_residuals(yi, w, X)
    value = -0.5 * np.sum(np.log(vi + tau2)) - 0.5 * np.sum(w * r * r)
    if reml:
        value -= 0.5 * np.linalg.slogdet(weighted_gram(w, X))[1]
    return float(value)


def _boundary_check(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2: float, *, reml: bool
) -> float:
    """metafor's rule: a positive root of the score below the likelihood at tau^2 = 0 is a
    local maximum (Fisher scoring got stuck), and the estimate is 0."""
    if (
        tau2 > _THRESHOLD
        and _loglik(yi, vi, X, 0.0, reml=reml) - _loglik(yi, vi, X, tau2, reml=reml) > 1e-12
    ):
        return 0.0
    return tau2


def estimate_tau2(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, *, method: str) -> float:
    """tau^2 by ``method`` (one of :data:`ESTIMATORS`; ``EE`` gives 0).

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).
    method : str
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).

    Returns
    -------
    float
    """
    if method == "EE":
        return 0.0
    if method == "DL":
        return dersimonian_laird(yi, vi, X)
    if method == "HS":
        return hunter_schmidt(yi, vi, X)
    if method == "SJ":
        return sidik_jonkman(yi, vi, X)
    if method == "HE":
        return max(0.0, hedges(yi, vi, X))
    if method in ("PM", "EB"):
        return paule_mandel(yi, vi, X)
    if method in ("ML", "REML"):
        return _fisher_scoring(yi, vi, X, reml=method == "REML")
    raise InputError(f"unknown tau^2 method '{method}' (choose from {', '.join(ESTIMATORS)})")
