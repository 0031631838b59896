"""Derived quantities as pure numpy functions of posterior draw arrays (no sampling needed).

Conventions: a draw array has the draws on axis 0 (chains already stacked); study-level arrays
are ``(draws, k)``. Every function is deterministic given its inputs (random draws for the
predictive rate come from an explicit ``numpy.random.Generator``).

Pooled quantities of every model kind
-------------------------------------
With ``eta_i`` the linear predictor of study i without its random effect and ``tau_i`` the
between-study SD that applies to it (0 for the common-effect model):

``pooled_median``
    expit(mean_i eta_i). For the random-intercept model this is expit(mu), the median study's
    rate (what metafor and meta report). For regression and subgroup models it is the rate at
    the average linear predictor of the included studies (each study weighted 1/k).
``pooled_mean``
    mean_i E_u[expit(eta_i + u)], u ~ N(0, tau_i): the population-averaged rate over the
    included studies' covariate mix. The inner expectation is computed for every draw by
    Gauss-Hermite quadrature (:func:`population_mean`), not by Monte Carlo.
``new_study``
    expit(eta_J + tau_J z) with J uniform over the included studies and z ~ N(0, 1): the rate of
    a new study drawn from the same population (and covariate mix).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.special import expit

from bayesmeta.model.result import Contrast, Interval

#: Gauss-Hermite nodes used by :func:`population_mean`. Measured absolute error against adaptive
#: quadrature: < 3e-10 for tau <= 3 and < 1e-6 for tau <= 5 (61 nodes: 1e-7 and 6e-5).
GH_NODES = 121
PROB = 0.95


def gauss_hermite(m: int = GH_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the m-point rule for E[f(Z)], Z ~ N(0, 1) (weights sum to 1).

    Parameters
    ----------
    m : int, optional
        Number of nodes.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    nodes, weights = np.polynomial.hermite_e.hermegauss(m)
    return nodes, weights / weights.sum()


def population_mean(eta: np.ndarray, tau: np.ndarray, *, m: int = GH_NODES) -> np.ndarray:
    """E[expit(eta + tau Z)], Z ~ N(0, 1), elementwise over broadcast ``eta`` and ``tau``.

    Parameters
    ----------
    eta, tau : numpy.ndarray
        Linear predictors and between-study SDs (same shape or broadcastable); tau >= 0.
    m : int
        Number of Gauss-Hermite nodes.

    Returns
    -------
    numpy.ndarray
    """
    nodes, weights = gauss_hermite(m)
    eta, tau = np.broadcast_arrays(np.asarray(eta, float), np.asarray(tau, float))
    return expit(eta[..., None] + tau[..., None] * nodes) @ weights


def interval(draws: np.ndarray, *, hdi: bool = False, prob: float = PROB) -> Interval:
    """Posterior median and a ``prob`` equal-tailed (default) or highest-density interval.

    Parameters
    ----------
    draws : numpy.ndarray
        Posterior draws (any shape; flattened).
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.
    prob : float, optional
        Probability mass of the interval.

    Returns
    -------
    Interval
    """
    x = np.asarray(draws, dtype=float).ravel()
    median = float(np.median(x))
    if hdi:
        lo, hi = hdi_bounds(x, prob=prob)
        return Interval(median, lo, hi, kind="hdi")
    tail = (1.0 - prob) / 2.0
    lo, hi = np.quantile(x, [tail, 1.0 - tail])
    return Interval(median, float(lo), float(hi))


def hdi_bounds(draws: np.ndarray, *, prob: float = PROB) -> tuple[float, float]:
    """Narrowest interval holding ``prob`` of the draws (unimodal posteriors).

    Parameters
    ----------
    draws : numpy.ndarray
        Posterior draws (any shape; flattened).
    prob : float, optional
        Probability mass of the interval.

    Returns
    -------
    tuple[float, float]
    """
    x = np.sort(np.asarray(draws, dtype=float).ravel())
    n = x.size
    width = int(np.floor(prob * n))
    if width >= n:
        return float(x[0]), float(x[-1])
    spans = x[width:] - x[: n - width]
    start = int(np.argmin(spans))
    return float(x[start]), float(x[start + width])


def pooled_draws(
    eta: np.ndarray, tau_study: np.ndarray, *, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Draws of ``pooled_median``, ``pooled_mean`` and ``new_study`` (see module docstring).

    Parameters
    ----------
    eta, tau_study : numpy.ndarray
        ``(draws, k)`` linear predictors without random effect and the tau of each study.
    rng : numpy.random.Generator
        Source of the study index and the new study's standard-normal effect.

    Returns
    -------
    dict[str, numpy.ndarray]
    """
    eta = np.asarray(eta, float)
    tau_study = np.broadcast_to(np.asarray(tau_study, float), eta.shape)
    draws, k = eta.shape
    pick = rng.integers(0, k, size=draws)
    z_new = rng.standard_normal(draws)
    rows = np.arange(draws)
    # studies sharing (eta, tau) in every draw (same level, or all of a random-intercept model)
    # share their population mean: integrate once per distinct column
    _, first, inverse = np.unique(
        np.concatenate([eta, tau_study]), axis=1, return_index=True, return_inverse=True
    )
    means = population_mean(eta[:, first], tau_study[:, first])[:, np.ravel(inverse)]
    return {
        "pooled_median": expit(eta.mean(axis=1)),
        "pooled_mean": means.mean(axis=1),
        "new_study": expit(eta[rows, pick] + tau_study[rows, pick] * z_new),
    }


def study_rates(eta: np.ndarray, tau_study: np.ndarray, z: np.ndarray | None) -> np.ndarray:
    """Shrunken study rates expit(eta_i + tau_i z_i), ``(draws, k)`` (z None: common effect).

    Parameters
    ----------
    eta : numpy.ndarray
        Linear predictor draws, ``(draws, k)``.
    tau_study : numpy.ndarray
        Draws of each study's tau, ``(draws, k)``.
    z : numpy.ndarray or None
        Draws of the standardised study effects, ``(draws, k)``; None for the common-effect model.

    Returns
    -------
    numpy.ndarray
    """
    eta = np.asarray(eta, float)
    if z is None:
        return expit(eta)
    return expit(eta + np.asarray(tau_study, float) * np.asarray(z, float))


def contrasts(
    rates: dict[str, np.ndarray], *, hdi: bool = False, prob: float = PROB
) -> list[Contrast]:
    """Every pair (a, b) of levels in order: difference rate_a - rate_b and P(rate_a > rate_b).

    Parameters
    ----------
    rates : dict[str, numpy.ndarray]
        Level -> draws of its rate.
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.
    prob : float, optional
        Probability mass of the interval.

    Returns
    -------
    list[Contrast]
    """
    found = []
    for a, b in combinations(rates, 2):
        diff = np.asarray(rates[a], float) - np.asarray(rates[b], float)
        iv = interval(diff, hdi=hdi, prob=prob)
        found.append(Contrast(a, b, iv.median, iv.lo, iv.hi, float(np.mean(diff > 0))))
    return found


def level_profile(
    matrix: np.ndarray, columns: tuple[str, ...], factor: str, levels: tuple, level: str
) -> np.ndarray:
    """Design row for ``factor = level``, other columns at their mean over the studies.

    Numeric covariates sit at their mean, other factors at their observed proportions; the
    dummies of ``factor`` are set to the indicator of ``level`` (all 0 for the reference level
    under treatment coding).

    Parameters
    ----------
    matrix : numpy.ndarray
        Design matrix, one row per study.
    columns : tuple[str, ...]
        Names of the design matrix's columns.
    factor : str
        The categorical covariate.
    levels : tuple
        Its levels, the reference first.
    level : str
        The level whose profile is wanted.

    Returns
    -------
    numpy.ndarray
    """
    row = np.asarray(matrix, float).mean(axis=0)
    for other in levels:
        name = f"{factor}[{other}]"
        if name in columns:
            row[columns.index(name)] = 1.0 if str(other) == str(level) else 0.0
    return row
