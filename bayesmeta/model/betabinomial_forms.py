"""The beta-binomial distribution in closed form, as pure numpy/scipy functions (both engines and
:mod:`bayesmeta.model.betabinomial` use them).

brms's ``beta_binomial`` parameterization: study i's rate is p_i ~ Beta(mu_i phi, (1 - mu_i) phi)
with ``logit(mu_i) = x_i' beta``, and ``y_i | p_i ~ Binomial(n_i, p_i)``, so

    L_i(eta_i, phi) = C(n_i, y_i) B(y_i + mu_i phi, n_i - y_i + (1 - mu_i) phi) / B(mu_i phi, (1 - mu_i) phi).

mu_i is the mean rate of studies like i (exactly: E[p_i] = mu_i), phi the precision of the study
rates around it (Var p_i = mu_i (1 - mu_i) / (1 + phi)), and ``1 / (1 + phi)`` the intra-class
correlation of two patients' outcomes within one study. Given (beta, phi) the rate of a study is
Beta(y_i + mu_i phi, n_i - y_i + (1 - mu_i) phi) and a new study's rate Beta(mu phi, (1 - mu) phi):
both are mixed over the posterior by the engines.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, betaincinv, betaln, expit, gammaln, polygamma, psi

__all__ = [
    "beta_params",
    "icc",
    "logit_beta_raw_moments",
    "logpmf",
    "median_rate",
    "mixture_quantiles",
    "study_loglik_rows",
]


def beta_params(eta: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shape parameters ``(mu phi, (1 - mu) phi)`` of the study-rate distribution.

    Parameters
    ----------
    eta : numpy.ndarray
        Linear predictor logit(mu).
    phi : numpy.ndarray
        Precision (broadcast with ``eta``).

    Returns
    -------
    tuple of numpy.ndarray
        a and b, computed without cancellation for extreme eta.
    """
    eta = np.asarray(eta, dtype=float)
    phi = np.asarray(phi, dtype=float)
    return expit(eta) * phi, expit(-eta) * phi


def logpmf(y: np.ndarray, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log P(y | n, a, b) of the beta-binomial distribution, binomial coefficient included.

    Parameters
    ----------
    y, n : numpy.ndarray
        Events and totals (floats; broadcast with ``a`` and ``b``).
    a, b : numpy.ndarray
        Shapes of the Beta distribution of the rate.

    Returns
    -------
    numpy.ndarray
    """
    coef = gammaln(n + 1.0) - gammaln(y + 1.0) - gammaln(n - y + 1.0)
    return coef + betaln(y + a, n - y + b) - betaln(a, b)


def study_loglik_rows(
    events: np.ndarray, total: np.ndarray, eta: np.ndarray, phi: np.ndarray
) -> np.ndarray:
    """log L_i(eta_i, phi) for every study i and every point.

    Parameters
    ----------
    events, total : numpy.ndarray
        Shape (k,).
    eta : numpy.ndarray
        Linear predictors, shape (k, N): study i's row holds its eta at the N points.
    phi : numpy.ndarray
        Precision at the N points, shape (N,), positive.

    Returns
    -------
    numpy.ndarray
        Shape (k, N), binomial coefficients included.
    """
    y = np.asarray(events, dtype=float)[:, None]
    n = np.asarray(total, dtype=float)[:, None]
    a, b = beta_params(eta, np.broadcast_to(np.asarray(phi, dtype=float), np.shape(eta)))
    return logpmf(y, n, a, b)


def icc(phi: np.ndarray) -> np.ndarray:
    """Intra-class correlation ``1 / (1 + phi)``.

    Parameters
    ----------
    phi : numpy.ndarray
        Precision.

    Returns
    -------
    numpy.ndarray
    """
    return 1.0 / (1.0 + np.asarray(phi, dtype=float))


def median_rate(eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Median of Beta(mu phi, (1 - mu) phi): the median study's rate.

    Parameters
    ----------
    eta : numpy.ndarray
        logit(mu).
    phi : numpy.ndarray
        Precision (broadcast with ``eta``).

    Returns
    -------
    numpy.ndarray
    """
    a, b = beta_params(eta, phi)
    return betaincinv(a, b, 0.5)


def logit_beta_raw_moments(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """E[X^r], r = 1, 2, 3, of X = logit(p), p ~ Beta(a, b).

    The cumulants of logit(p) are psi(a) - psi(b), psi'(a) + psi'(b) and psi''(a) - psi''(b).

    Parameters
    ----------
    a, b : numpy.ndarray
        Positive shape parameters (broadcast together).

    Returns
    -------
    numpy.ndarray
        Shape ``(3, *shape)``, ``shape`` the broadcast shape of ``a`` and ``b``.
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    k1 = psi(a) - psi(b)
    k2 = polygamma(1, a) + polygamma(1, b)
    k3 = polygamma(2, a) - polygamma(2, b)
    return np.stack([k1, k2 + k1 * k1, k3 + 3.0 * k1 * k2 + k1**3])


def mixture_quantiles(
    a: np.ndarray, b: np.ndarray, weight: np.ndarray, probs: np.ndarray, *, tol: float = 1e-10
) -> np.ndarray:
    """Quantiles of mixtures of Beta distributions, one mixture per row.

    Safeguarded Newton steps on the logit scale (bisection where a step leaves the bracket),
    started from the normal approximation of the mixture's logit (its exact first two moments).
    Components with negligible weight (below 1e-14 of the largest) are left out.

    Parameters
    ----------
    a, b : numpy.ndarray
        Component shapes, shape (F, C).
    weight : numpy.ndarray
        Component weights, shape (C,) or (F, C), each row summing to one.
    probs : numpy.ndarray
        Probabilities, shape (m,).
    tol : float
        Stop when every step is below this on the logit scale.

    Returns
    -------
    numpy.ndarray
        Shape (F, m): the rates at which each mixture CDF reaches each probability.
    """
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    weight = np.broadcast_to(weight, a.shape)
    keep = np.any(np.abs(weight) > 1e-14 * np.abs(weight).max(), axis=0)
    a, b, weight = a[:, keep], b[:, keep], weight[:, keep]
    probs = np.asarray(probs, dtype=float)
    m1, m2, _ = logit_beta_raw_moments(a, b)
    mean = np.einsum("fc,fc->f", m1, weight)
    sd = np.sqrt(np.maximum(np.einsum("fc,fc->f", m2, weight) - mean**2, 1e-12))
    from scipy.special import ndtri

    z = np.clip(mean[:, None] + sd[:, None] * ndtri(probs)[None, :], -39.0, 39.0)
    lo = np.full(z.shape, -40.0)
    hi = np.full(z.shape, 40.0)
    log_norm = betaln(a, b)[:, None, :]
    for _ in range(100):
        x = expit(z)[:, :, None]
        cdf = np.einsum("fmc,fc->fm", betainc(a[:, None, :], b[:, None, :], x), weight)
        f = cdf - probs[None, :]
        lo = np.where(f < 0, z, lo)
        hi = np.where(f < 0, hi, z)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_x, log_1mx = np.log(x), np.log1p(-x)
            dens = np.exp(a[:, None, :] * log_x + b[:, None, :] * log_1mx - log_norm)
            slope = np.einsum("fmc,fc->fm", np.nan_to_num(dens), weight)
            step = z - f / slope
        inside = np.isfinite(step) & (step >= lo) & (step <= hi)
        new = np.where(inside, step, 0.5 * (lo + hi))
        done = np.max(np.abs(new - z)) < tol
        z = new
        if done:
            break
    return expit(z)
