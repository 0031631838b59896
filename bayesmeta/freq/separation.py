"""Identifiability of a binomial-logit GLMM, decided from the data rather than the Hessian.

Two data conditions make the maximum-likelihood estimate of the random-intercept logistic
model infinite (or not unique), whatever the optimiser reports:

- **Separation** of the fixed effects (complete or quasi-complete). There is a direction
  ``b != 0`` with ``x_i'b <= 0`` for every study with no events, ``x_i'b >= 0`` for every study
  with only events, and ``x_i'b = 0`` for every other study. Each study's marginal likelihood is
  monotone in its linear predictor, so moving ``beta`` along ``b`` never lowers the likelihood
  and strictly raises it for the studies with ``x_i'b != 0``: the supremum is reached only at
  infinity. This is the linear program of Konis (2007, *safeBinaryRegression*) on counts.
- **No study with both events and non-events.** Every study's likelihood is then largest when
  its own random effect runs to -infinity or +infinity, so tau^2 has no finite ML estimate (it
  runs off, or the likelihood is flat along a curve of (mu, tau)), as in {0/100, 100/100} or
  in studies of one patient each.

The separation LP (``scipy.optimize.linprog``, HiGHS) maximises the number of studies that a
direction can push strictly, with ``0 <= t_i <= 1`` and ``s_i x_i'b >= t_i``; since the valid
directions form a cone, every study that any direction separates gets ``t_i = 1`` at the
optimum and every other study ``t_i = 0``. A study is called separated when ``t_i > 1/2``: an
error of 1/2 cannot come from rounding. The direction found is then checked on the data with
exactly rounded sums (``math.fsum``, no BLAS), so the verdict does not depend on BLAS, thread
count or numpy version; HiGHS itself uses no BLAS. With one column (the intercept-only model
of a meta-analysis) and a study with both events and non-events, the equality ``x_i'b = 0``
leaves only ``b = 0``: no LP is needed, and none is solved (nor ``scipy.optimize`` imported).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError

# Directions are sought with |b_j| <= _BOUND on columns scaled to max |x| = 1: a separation
# that needs a larger coefficient to move a study's linear predictor by 1 is a relative
# margin below 1e-6, which the finite-sample fit handles (and the SE check below catches).
_BOUND = 1e6
# Relative tolerance of the exact check of the direction: HiGHS's feasibility tolerance is
# 1e-7 absolute on rows of size up to p * _BOUND; a claimed study must move by >= 1/2.
_CHECK_TOL = 1e-6
# A standard error of a study's fitted linear predictor above 50 logits is absurd: a study
# with at least one event and one non-event bounds the information of its own logit from
# below, so a finite, identified fit stays far below this (a 95% CI of +-98 logits covers
# [1e-42, 1 - 1e-42]); lme4's non-converged fits of separated levels report 1e3 to 1e4.
ABSURD_SE = 50.0


@dataclass(frozen=True)
class Separation:
    """A direction along which the logistic likelihood increases without bound.

    Parameters
    ----------
    direction : numpy.ndarray
        The direction ``b`` on the original (unscaled) columns.
    coefficients : tuple of int
        Indices of the columns with a non-zero component.
    studies : tuple of int
        Indices of the studies whose linear predictor the direction moves (separated studies).
    """

    direction: np.ndarray
    coefficients: tuple[int, ...]
    studies: tuple[int, ...]


def _exact_dot(row: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    terms = [float(x) * float(v) for x, v in zip(row, b, strict=True)]
    return math.fsum(terms), math.fsum(abs(t) for t in terms)


def find_separation(X: np.ndarray, events: np.ndarray, total: np.ndarray) -> Separation | None:
    """The separating direction of a binomial-logit design, or None when there is none.

    Parameters
    ----------
    X : numpy.ndarray
        Fixed-effects design, one row per study (full column rank).
    events, total : numpy.ndarray
        Counts per study.

    Returns
    -------
    Separation or None
        None when the ML estimate of the fixed effects is finite as far as the data go.
    """
    X = np.asarray(X, dtype=float)
    events = np.asarray(events, dtype=float)
    total = np.asarray(total, dtype=float)
    sign = np.where(events == 0, -1.0, np.where(events == total, 1.0, 0.0))
    if not np.any(sign != 0):
        return None
    if X.shape[1] == 1 and np.any(X[sign == 0, 0] != 0):  # x_i b = 0, x_i != 0: only b = 0
        return None
    return separation_lp(X, sign)


def separation_lp(X: np.ndarray, sign: np.ndarray) -> Separation | None:
    """The separation LP and the exact check of its direction (see the module's docstring).

    Parameters
    ----------
    X : numpy.ndarray
        Fixed-effects design, one row per study.
    sign : numpy.ndarray
        -1 for a study with no events, 1 for one with only events, 0 otherwise.

    Returns
    -------
    Separation or None
    """
    from scipy import sparse
    from scipy.optimize import linprog

    k, p = X.shape
    scale = np.max(np.abs(X), axis=0)
    scale[scale == 0] = 1.0
    Xs = X / scale
    edge = np.flatnonzero(sign != 0)
    inner = np.flatnonzero(sign == 0)
    m = len(edge)
    # variables (b_1..b_p, t_1..t_m); maximise sum t  <=>  minimise -sum t
    cost = np.concatenate([np.zeros(p), -np.ones(m)])
    # t_i - s_i x_i'b <= 0; sparse, so no matrix grows with (studies at 0 or n) x k
    a_ub = sparse.hstack(
        [sparse.csr_array(-sign[edge, None] * Xs[edge]), sparse.eye_array(m, format="csr")],
        format="csr",
    )
    b_ub = np.zeros(m)
    a_eq = (
        sparse.hstack(
            [sparse.csr_array(Xs[inner]), sparse.csr_array((len(inner), m))], format="csr"
        )
        if len(inner)
        else None
    )
    b_eq = np.zeros(len(inner)) if len(inner) else None
    bounds = [(-_BOUND, _BOUND)] * p + [(0.0, 1.0)] * m
    solution = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs"
    )
    if solution.status != 0:  # the LP is feasible (b = 0, t = 0) and bounded: never expected
        return None
    b = solution.x[:p]
    claimed = edge[solution.x[p:] > 0.5]
    if len(claimed) == 0:
        return None
    # check the direction on the data, with exactly rounded sums
    for i in range(k):
        value, size = _exact_dot(Xs[i], b)
        tol = _CHECK_TOL * max(size, 1.0)
        if sign[i] == 0 and abs(value) > tol:
            return None
        if sign[i] != 0 and sign[i] * value < -tol:
            return None
        if i in claimed and sign[i] * value < 0.5 - tol:
            return None
    coefficients = tuple(int(j) for j in np.flatnonzero(np.abs(b) > _CHECK_TOL))
    return Separation(
        direction=b / scale,
        coefficients=coefficients,
        studies=tuple(int(i) for i in claimed),
    )


def _describe(indices: Sequence[int], events, total, studies: Sequence[str]) -> str:
    none = [studies[i] for i in indices if events[i] == 0]
    only = [studies[i] for i in indices if events[i] == total[i]]
    parts = []
    if none:
        parts.append(f"{', '.join(none)}: no events")
    if only:
        parts.append(f"{', '.join(only)}: only events")
    return "; ".join(parts)


def check_identified(
    X: np.ndarray,
    events: np.ndarray,
    total: np.ndarray,
    *,
    columns: Sequence[str] | None = None,
    studies: Sequence[str] | None = None,
    starts: np.ndarray | None = None,
) -> None:
    """Refuse a GLMM whose ML estimate is infinite, from the data alone.

    Parameters
    ----------
    X : numpy.ndarray
        Fixed-effects design, one row per study.
    events, total : numpy.ndarray
        Counts per study.
    columns : sequence of str, optional
        Coefficient names, for the message (default ``x1, x2, ...``).
    studies : sequence of str, optional
        Study labels, for the message (default ``study 1, study 2, ...``).
    starts : numpy.ndarray, optional
        First row of each trial when trials have several rows sorted by trial (IPD): the
        separation is sought over the rows (``studies`` then labels rows), the
        events/non-events condition over the trials.

    Returns
    -------
    None

    Raises
    ------
    InputError
        One line naming the coefficients and studies of a separation, or saying that no study
        has both events and non-events (tau^2 unbounded).
    """
    events = np.asarray(events, dtype=float)
    total = np.asarray(total, dtype=float)
    k, p = np.shape(X)
    columns = list(columns) if columns is not None else [f"x{j + 1}" for j in range(p)]
    found = find_separation(X, events, total)
    if found is not None:
        names = ", ".join(columns[j] for j in found.coefficients)
        labels = list(studies) if studies is not None else [f"row {i + 1}" for i in range(k)]
        raise InputError(
            f"GLMM: coefficient(s) {names} have an infinite ML estimate (separation:"
            f" {_describe(found.studies, events, total, labels)}), so the GLMM cannot be"
            " fitted; use an inverse-variance method such as DL or REML"
        )
    if starts is not None:  # the condition on tau is about trials
        events, total = np.add.reduceat(events, starts), np.add.reduceat(total, starts)
        k = len(starts)
    if k > 1 and not np.any((events > 0) & (events < total)):
        raise InputError(
            "GLMM: no study has both events and non-events (every study is at 0% or 100%), so"
            " the between-study variance tau^2 has no finite ML estimate and the pooled rate"
            " is meaningless; use an inverse-variance method such as DL or REML"
        )


def check_standard_errors(
    X: np.ndarray,
    vb: np.ndarray,
    *,
    studies: Sequence[str] | None = None,
) -> None:
    """Refuse a fit whose fitted linear predictors have absurd standard errors.

    Parameters
    ----------
    X : numpy.ndarray
        Fixed-effects design, one row per study.
    vb : numpy.ndarray
        Covariance matrix of the fixed effects.
    studies : sequence of str, optional
        Study labels, for the message.

    Returns
    -------
    None

    Raises
    ------
    InputError
        Naming the studies whose linear predictor has a standard error above ``ABSURD_SE``.
    """
    k = X.shape[0]
    studies = list(studies) if studies is not None else [f"study {i + 1}" for i in range(k)]
    variance = np.einsum("ij,jk,ik->i", X, vb, X)
    se = np.sqrt(np.maximum(variance, 0.0))
    bad = np.flatnonzero(~np.isfinite(se) | (se > ABSURD_SE))
    if len(bad):
        raise InputError(
            f"GLMM: the fitted logit of {', '.join(studies[i] for i in bad)} has a standard"
            f" error of {float(np.max(se[bad])):.3g} (above {ABSURD_SE:g}), so the model is not"
            " identified by these data; use an inverse-variance method such as DL or REML"
        )
