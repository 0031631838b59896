"""Study likelihoods of a meta-regression, each study with its own linear predictor.

``L_i(eta_i, tau) = C(n_i, y_i) * integral Binom(y_i | n_i, expit(eta_i + tau z)) phi(z) dz`` by
adaptive Gauss-Hermite quadrature centred at the mode of the integrand (the rule of
:mod:`bayesmeta.model.likelihood`, here with a different ``eta`` for every study and point). Optionally
also the first three moments of the study effect ``z`` given the data, for shrunken study rates.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.model.likelihood import hermite_rule, integrand_mode, log_binom_coef


def _kernel(events: np.ndarray, total: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """log Binom(y | n, expit(eta)) without the binomial coefficient."""
    return events * eta - total * (np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta))))


def _kernel_inplace(events: np.ndarray, total: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """:func:`_kernel` written into ``eta`` (the same operations in the same order: the same
    numbers, a third less time on the large node arrays)."""
    soft = np.abs(eta)
    np.negative(soft, out=soft)
    np.exp(soft, out=soft)
    np.log1p(soft, out=soft)
    soft += np.maximum(eta, 0.0)
    soft *= total
    eta *= events
    eta -= soft
    return eta


def study_loglik_rows(
    events: np.ndarray,
    total: np.ndarray,
    eta: np.ndarray,
    tau: np.ndarray,
    *,
    n_gh: int = 10,
    moments: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """log L_i(eta_i, tau) for every study i and every point.

    Parameters
    ----------
    events, total : numpy.ndarray
        Shape (k,).
    eta : numpy.ndarray
        Linear predictors, shape (k, N): study i's row holds its eta at the N points.
    tau : numpy.ndarray
        Between-study SD at the N points, shape (N,), positive.
    n_gh : int
        Gauss-Hermite nodes per study.
    moments : bool
        Also return E[z^r | y_i, eta_i, tau] for r = 1, 2, 3.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        Shape (k, N) log likelihoods (binomial coefficients included); with ``moments`` also
        the moments, shape (3, k, N).
    """
    y = np.asarray(events, dtype=float)[:, None]
    n = np.asarray(total, dtype=float)[:, None]
    eta = np.asarray(eta, dtype=float)
    tau = np.broadcast_to(np.asarray(tau, dtype=float), eta.shape)
    zstar, scale = integrand_mode(y, n, eta, tau)
    x, w = hermite_rule(n_gh)
    x_col = x.reshape(-1, *(1,) * eta.ndim)  # the nodes first: (n_gh, k, N) (see _node_sum)
    a = eta + tau * zstar
    terms = (tau * scale) * x_col
    terms += a
    _kernel_inplace(y, n, terms)
    g0 = _kernel(y, n, a)
    terms -= g0
    terms -= (zstar * scale) * x_col
    terms -= (0.5 * (scale * scale - 1.0)) * (x * x).reshape(x_col.shape)
    np.exp(terms, out=terms)
    terms *= w.reshape(x_col.shape)
    total_w = _node_sum(terms)
    loglik = np.log(total_w) + g0 - 0.5 * zstar * zstar + np.log(scale) + log_binom_coef(y, n)
    if not moments:
        return loglik
    z = scale * x_col
    z += zstar
    moment = np.empty((3, *total_w.shape))
    for r in range(3):  # terms z^(r + 1), one power at a time in place
        terms *= z
        moment[r] = _node_sum(terms)
    moment /= total_w
    return loglik, moment


def _node_sum(terms: np.ndarray) -> np.ndarray:
    """``terms.sum(axis=0)`` over the Gauss-Hermite nodes, in the order numpy's pairwise sum adds
    a short contiguous axis (eight partial sums, then the rest one by one): the numbers of
    ``sum(axis=-1)`` in the nodes-last layout, without its slow short inner loops (the nodes are
    the first axis so that every operation runs over long contiguous rows)."""
    m = terms.shape[0]
    if m > 128:  # numpy's blocks: halves at a multiple of 8
        half = m // 2
        half -= half % 8
        return _node_sum(terms[:half]) + _node_sum(terms[half:])
    if m < 8:
        out = terms[0].copy()
        for i in range(1, m):
            out += terms[i]
        return out
    parts = terms[:8].copy()
    full = m - m % 8
    for i in range(8, full, 8):
        parts += terms[i : i + 8]
    out = (parts[0] + parts[1]) + (parts[2] + parts[3])
    out += (parts[4] + parts[5]) + (parts[6] + parts[7])
    for i in range(full, m):
        out += terms[i]
    return out
