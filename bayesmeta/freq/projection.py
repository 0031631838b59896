"""The weighted projection of the frequentist fits in O(k p^2): ``P = W - W X (X'WX)^-1 X'W``.

Its quadratic form ``y' P y`` and traces ``trace(P)``, ``trace(P P)`` are sums over the studies
(no k x k matrix is ever built), and cross products of tall, thin matrices avoid BLAS threads.
The tau^2 estimators (:mod:`bayesmeta.freq.tau2`), ``rma.uni`` and the GLMM's tests use them.

Arguments come in the order of the rest of ``freq`` (``fit_uni(yi, vi, X, ...)``,
``residual_q(yi, vi, X, tau2)``): the outcomes ``y``, the weights ``w``, the design ``X``, then
what is computed from them (``fitted(X, beta)``); :func:`crossprod` is ``A' B``.
"""

from __future__ import annotations

import numpy as np

_TALL = 4096  # from this many studies on, cross products avoid BLAS (see crossprod)


def crossprod(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A' B`` for tall, thin ``A`` and ``B``: BLAS below 4096 rows, else column sums.

    A multithreaded BLAS spends more time waking threads than adding 10^5 products when the
    result is p x p (slower still on a busy machine); numpy's pairwise sums are as fast
    single-threaded and more accurate.

    Parameters
    ----------
    A, B : numpy.ndarray
        Two-dimensional, with the same number of rows.

    Returns
    -------
    numpy.ndarray
    """
    if A.shape[0] < _TALL:
        return A.T @ B
    return np.array([[np.sum(a * b) for b in B.T] for a in A.T])


def fitted(X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``X beta`` (for tall X, its columns scaled and added, as in :func:`crossprod`).

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix, one row per study.
    beta : numpy.ndarray
        Coefficients.

    Returns
    -------
    numpy.ndarray
    """
    if X.shape[0] < _TALL:
        return X @ beta
    return sum(X[:, j] * beta[j] for j in range(X.shape[1]))


def weighted_gram(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``X' diag(w) X`` (by :func:`crossprod`, no k x k matrix).

    Parameters
    ----------
    w : numpy.ndarray
        Weights, one per study.
    X : numpy.ndarray
        Design matrix, one row per study.

    Returns
    -------
    numpy.ndarray
        p x p.
    """
    return crossprod(X, X * w[:, None])


def wls_coefficients(y: np.ndarray, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Coefficients of the weighted least-squares fit of ``y`` on ``X`` (weights ``w``).

    Parameters
    ----------
    y : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    w : numpy.ndarray
        Weights, one per study.
    X : numpy.ndarray
        Design matrix, one row per study.

    Returns
    -------
    numpy.ndarray
        ``(X'WX)^-1 X'W y``.
    """
    WX = X * w[:, None]
    return np.linalg.solve(crossprod(X, WX), crossprod(WX, y[:, None])[:, 0])


def weighted_residuals(y: np.ndarray, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Residuals ``y - X beta`` of the weighted least-squares fit (weights ``w``), in O(k p^2).

    ``P y = W r`` for the projection ``P = W - W X (X'WX)^-1 X'W``, so every quadratic form
    the estimators need is a sum over the studies; no k x k matrix is ever built.

    Parameters
    ----------
    y : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    w : numpy.ndarray
        Weights, one per study.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    numpy.ndarray
    """
    return y - fitted(X, wls_coefficients(y, w, X))


def quadratic_form(y: np.ndarray, w: np.ndarray, X: np.ndarray) -> float:
    """``y' P y`` (the weighted residual sum of squares) for ``P = W - W X (X'WX)^-1 X'W``.

    Parameters
    ----------
    y : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    w : numpy.ndarray
        Weights, one per study.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    float
    """
    r = weighted_residuals(y, w, X)
    return float(np.sum(w * r * r))


def projection_traces(w: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    """``trace(P)`` and ``trace(P P)`` of ``P = W - W X (X'WX)^-1 X'W``, in O(k p^2).

    With ``A = (X'WX)^-1``, ``B = X'W^2X`` and ``C = X'W^3X``: ``trace(P) = sum(w) -
    trace(A B)`` and ``trace(PP) = sum(w^2) - 2 trace(A C) + trace(A B A B)``.

    Parameters
    ----------
    w : numpy.ndarray
        Weights, one per study.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).

    Returns
    -------
    (float, float)
    """
    xtwx = weighted_gram(w, X)
    AB = np.linalg.solve(xtwx, weighted_gram(w * w, X))
    AC = np.linalg.solve(xtwx, weighted_gram(w * w * w, X))
    trace = float(np.sum(w) - np.trace(AB))
    trace_squared = float(np.sum(w * w) - 2 * np.trace(AC) + np.trace(AB @ AB))
    return trace, trace_squared
