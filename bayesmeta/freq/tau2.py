"""Estimators of the between-study variance tau^2 on arrays, as ``metafor::rma.uni``.

Every estimator takes the effect sizes ``yi``, sampling variances ``vi`` and a design matrix
``X`` (a column of ones for the intercept-only model) and returns tau^2 >= 0. The iterative
ones (ML, REML, EB/PM) are solved to a tight tolerance, so they give the exact solution
metafor's Fisher scoring / root finding approaches.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from bayesmeta.errors import InputError

ESTIMATORS = ("DL", "REML", "PM", "ML", "EB", "SJ", "HS", "EE")
_MAXITER = 10_000
_THRESHOLD = 1e-12


def projection(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``P = W - W X (X'WX)^-1 X'W`` for weights ``w``.

    Parameters
    ----------
    w : numpy.ndarray
        Weights, one per study.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    numpy.ndarray
    """
    WX = X * w[:, None]
    return np.diag(w) - WX @ np.linalg.solve(X.T @ WX, WX.T)


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
    w = 1.0 / (vi + tau2)
    WX = X * w[:, None]
    beta = np.linalg.solve(X.T @ WX, WX.T @ yi)
    r = yi - X @ beta
    return float(np.sum(w * r * r))


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
    P = projection(1.0 / vi, X)
    return max(0.0, float((yi @ P @ yi - (k - p)) / np.trace(P)))


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
    P = projection(w, X)
    return max(0.0, float((yi @ P @ yi - len(yi)) / w.sum()))


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
    """Hedges' (HE) estimator, metafor's starting value for ML, REML and EB.

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
    P = np.eye(k) - X @ np.linalg.solve(X.T @ X, X.T)
    return float((yi @ P @ yi - np.trace(P @ np.diag(vi))) / (k - p))


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
    return float(optimize.brentq(f, 0.0, upper, xtol=1e-14, rtol=4 * np.finfo(float).eps))


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
    tau2 = max(0.0, hedges(yi, vi, X))
    for _ in range(_MAXITER):
        w = 1.0 / (vi + tau2)
        P = projection(w, X)
        Py = P @ yi
        if reml:
            PP = P @ P
            adj = (Py @ Py - np.trace(P)) / np.trace(PP)
        else:
            adj = (Py @ Py - w.sum()) / np.sum(w * w)
        while tau2 + adj < 0:
            adj /= 2
        tau2_new = tau2 + adj
        if abs(tau2_new - tau2) < _THRESHOLD * max(1.0, tau2):
            return _boundary_check(yi, vi, X, float(tau2_new), reml=reml)
        tau2 = tau2_new
    raise InputError("ML/REML estimation of tau^2 did not converge")


def _loglik(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2: float, *, reml: bool) -> float:
    w = 1.0 / (vi + tau2)
    xtwx = X.T @ (X * w[:, None])
    beta = np.linalg.solve(xtwx, X.T @ (w * yi))
    value = -0.5 * np.sum(np.log(vi + tau2)) - 0.5 * np.sum(w * (yi - X @ beta) ** 2)
    if reml:
        value -= 0.5 * np.linalg.slogdet(xtwx)[1]
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
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS`` or ``EE``;
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
    if method in ("PM", "EB"):
        return paule_mandel(yi, vi, X)
    if method in ("ML", "REML"):
        return _fisher_scoring(yi, vi, X, reml=method == "REML")
    raise InputError(f"unknown tau^2 method '{method}' (choose from {', '.join(ESTIMATORS)})")
