"""Per-study functions of the linear predictor at every quadrature node, by interpolation in eta.

At log-tau node t the rule for beta | tau has Q nodes (97 for six coefficients), but a study's
log likelihood, the moments of its effect and a pattern's population mean depend on beta only
through that row's linear predictor ``eta = x' beta``, one smooth (analytic) function of eta per
(row, t). So each is evaluated at ``NODES`` Chebyshev points spanning the row's eta values at t
and interpolated to the Q nodes (the Chebyshev series), instead of being evaluated at all Q of them.

Accuracy: the interpolant's error is bounded by the Chebyshev coefficients it leaves out, which
decay geometrically for these functions; a (row, t) whose last three coefficients are not all
below ``tol`` (a range of eta too wide for the degree, e.g. a level with no data at a large tau,
or the long grid of a refined rule) is evaluated directly at its Q nodes instead. Tested against
the direct evaluation (``tests/quad/test_quad_regression_fast.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Chebyshev points per (row, log-tau node), tried in turn: degree 15 (the log likelihood's
#: trailing coefficients on the CAR-T regressions fall below 1e-9 for 99% of rows), then 31 for
#: the rows where it did not suffice; the rest are evaluated directly.
NODES = (16, 32)
#: Largest trailing Chebyshev coefficient accepted (absolute, in the function's own units).
TOL = 1e-9
#: Interpolate only where the rule has more than this many nodes per log-tau node (else direct).
MIN_NODES = 24


def _chebyshev(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev points of the second kind on [-1, 1] and the matrix from values to coefficients."""
    j = np.arange(n)
    x = np.cos(np.pi * j / (n - 1))
    to_coef = np.cos(np.pi * np.outer(j, j) / (n - 1)) * (2.0 / (n - 1))
    to_coef[:, [0, -1]] *= 0.5
    to_coef[[0, -1], :] *= 0.5
    return x, to_coef


_RULES = {n: _chebyshev(n) for n in (*NODES, 64)}


def _evaluate(coef: np.ndarray, u: np.ndarray) -> np.ndarray:
    """sum_j coef[..., j] T_j(u): coef (..., R, T, n), u (R, T, Q) -> (..., R, T, Q).

    Many rows: the Chebyshev polynomials at the Q points by their recurrence, then one
    contraction per (row, node) (the basis is shared by every function of the row, e.g. three
    moments). One row over many points (the population mean): Clenshaw's recurrence, which
    needs no basis array (measured the faster of the two in each case).
    """
    n = coef.shape[-1]
    if u.shape[0] == 1:
        b1 = np.zeros(coef.shape[:-1] + u.shape[-1:])
        b2, spare = np.zeros_like(b1), np.empty_like(b1)
        two_u = 2.0 * u
        for j in range(n - 1, 0, -1):  # b1, b2 = coef_j + 2 u b1 - b2, b1 (in three buffers)
            np.multiply(two_u, b1, out=spare)
            spare += coef[..., j, None]
            spare -= b2
            b2, b1, spare = b1, spare, b2
        return coef[..., 0, None] + u * b1 - b2
    basis = np.empty((n, *u.shape))  # j first: each polynomial contiguous
    basis[0] = 1.0
    basis[1] = u
    two_u = 2.0 * u
    for j in range(2, n):
        np.multiply(two_u, basis[j - 1], out=basis[j])
        basis[j] -= basis[j - 2]
    return np.einsum("jrtq,...rtj->...rtq", basis, coef, optimize=True)


def along_eta(
    func: Callable[[np.ndarray, np.ndarray], np.ndarray],
    eta: np.ndarray,
    tau: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    tol: float = TOL,
    nodes: tuple[int, ...] = NODES,
    rows_func: Callable[[np.ndarray], Callable] | None = None,
) -> np.ndarray:
    """``func`` at every node, interpolated in eta per (row, log-tau node) where that is exact to
    ``tol``, evaluated directly elsewhere.

    Parameters
    ----------
    func : callable
        ``(eta (R, N), tau (N,)) -> (..., R, N)``: row r's value at its own linear predictors
        (e.g. :func:`~bayesmeta.quad.regression.likelihood.study_loglik_rows` of R studies).
    eta : numpy.ndarray
        Linear predictors, shape (R, T, Q).
    tau : numpy.ndarray
        Between-study SD of each log-tau node, shape (T,).
    mask : numpy.ndarray, optional
        Nodes whose values are needed, shape (T, Q) (the others are returned as 0 and do not
        widen the interpolation range); all by default.
    tol : float
        Largest trailing Chebyshev coefficient accepted.
    nodes : tuple of int
        Chebyshev points tried in turn (each at most once per node; rows still above ``tol``
        after the last are evaluated directly).
    rows_func : callable, optional
        ``index -> func`` of the rows ``index`` only: then only the (row, node) pairs that miss
        ``tol`` are tried again with more points or evaluated directly (usually 1-3 of 22 rows
        at a far log-tau node); without it a node is tried again with all its rows.

    Returns
    -------
    numpy.ndarray
        Shape (..., R, T, Q).
    """
    R, T, Q = eta.shape
    full = mask is None or bool(mask.all())
    mask = None if full else mask
    if full:
        lo, hi = eta.min(axis=2), eta.max(axis=2)
    else:
        lo = np.where(mask[None], eta, np.inf).min(axis=2)
        hi = np.where(mask[None], eta, -np.inf).max(axis=2)
        empty = ~np.isfinite(lo)  # a log-tau node without needed nodes
        lo, hi = np.where(empty, 0.0, lo), np.where(empty, 0.0, hi)
    centre = 0.5 * (lo + hi)
    half = np.maximum(0.5 * (hi - lo), 1e-12)
    u = (eta - centre[..., None]) / half[..., None]
    np.maximum(u, -1.0, out=u)  # np.clip(u, -1, 1) without its overhead
    np.minimum(u, 1.0, out=u)
    out = None
    pending = np.ones((R, T), bool)  # (row, node) pairs not yet done
    for n in nodes:
        if Q <= max(MIN_NODES, 1.5 * n) or not pending.any():
            break
        x, to_coef = _RULES[n] if n in _RULES else _chebyshev(n)
        rows, row_f, todo = _pending(pending, func, rows_func)
        points = centre[np.ix_(rows, todo)][..., None] + half[np.ix_(rows, todo)][..., None] * x
        values = row_f(points.reshape(rows.size, todo.size * n), np.repeat(tau[todo], n))
        values = values.reshape(*values.shape[:-2], rows.size, todo.size, n)
        coef = np.einsum("jm,...rtm->...rtj", to_coef, values)
        tail = np.abs(coef[..., -3:]).max(axis=-1)
        ok = ~(tail > tol).reshape(-1, rows.size, todo.size).any(axis=0)  # (rows, todo)
        if rows_func is None:
            ok[:] = ok.all(axis=0)  # every row of node t, or node t again
        if out is None and todo.size == T and rows.size == R:
            # the first try: every (row, node) from these coefficients in one block (most pass;
            # the pairs that miss ``tol`` are overwritten by the later tries below)
            out = _evaluate(coef, u)
            pending &= ~ok
            continue
        if out is None:
            out = np.zeros((*values.shape[:-3], R, T, Q))
        ok &= pending[np.ix_(rows, todo)]
        whole = ok.all(axis=0) if rows.size == R else np.zeros(todo.size, bool)
        if whole.any():  # nodes done for every row: one block
            out[..., todo[whole], :] = _evaluate(coef[..., whole, :], u[:, todo[whole]])
            pending[:, todo[whole]] = False
            ok[:, whole] = False
        r_ok, t_ok = np.nonzero(ok)
        if r_ok.size:  # the rows done at nodes where other rows are not
            r_idx, t_idx = rows[r_ok], todo[t_ok]
            pairs = _evaluate(coef[..., r_ok, t_ok, None, :], u[r_idx, t_idx][:, None])
            out[..., r_idx, t_idx, :] = pairs[..., 0, :]
            pending[r_idx, t_idx] = False
    if out is None:
        return _direct(func, eta, tau, mask)
    if pending.any():
        rows, row_f, todo = _pending(pending, func, rows_func)
        sub_mask = None if mask is None else mask[todo]
        values = _direct(row_f, eta[np.ix_(rows, todo)], tau[todo], sub_mask)
        r_p, t_p = np.nonzero(pending[np.ix_(rows, todo)])
        out[..., rows[r_p], todo[t_p], :] = values[..., r_p, t_p, :]
    if mask is not None:
        out[..., ~mask] = 0.0
    return out


def _pending(pending: np.ndarray, func, rows_func) -> tuple[np.ndarray, object, np.ndarray]:
    """The rows with a (row, node) pair still pending, the function of those rows (every row's
    ``func`` when there is no ``rows_func`` or every row is pending), and the nodes pending in them."""
    rows = np.flatnonzero(pending.any(axis=1))
    if rows_func is None or rows.size == pending.shape[0]:
        rows, row_f = np.arange(pending.shape[0]), func
    else:
        row_f = rows_func(rows)
    return rows, row_f, np.flatnonzero(pending[rows].any(axis=0))


def _direct(func, eta: np.ndarray, tau: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """``func`` at every (masked) node, shape (..., R, T, Q)."""
    R, T, Q = eta.shape
    if mask is None:
        values = func(eta.reshape(R, T * Q), np.repeat(tau, Q))
        return values.reshape(*values.shape[:-2], R, T, Q)
    used = mask.ravel()
    values = func(eta.reshape(R, T * Q)[:, used], np.repeat(tau, Q)[used])
    out = np.zeros((*values.shape[:-1], T * Q))
    out[..., used] = values
    return out.reshape(*values.shape[:-2], R, T, Q)
