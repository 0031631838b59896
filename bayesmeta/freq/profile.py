"""Profile-likelihood confidence interval of the GLMM's tau^2.

For the random-intercept logistic model (:mod:`bayesmeta.freq.glmm`), the profile
log-likelihood of tau is ``pl(tau) = max_mu l(mu, tau)``, with ``l`` the 7-node adaptive
Gauss-Hermite marginal likelihood of the ML fit. The interval is
``{tau : 2 (pl(tau_hat) - pl(tau)) <= chi2_1(level)}``, found by root finding on each side of
the maximum (Brent's method on tau, the inner maximisation by Brent on mu), and reported for
tau^2 (the interval is invariant under the monotone map tau -> tau^2). When the profile at
tau = 0 is within the cut-off the lower bound is 0. The same quantity is what
``lme4::profile`` traces for the random-intercept SD (``.sig01``); the reference computes it
in R from lme4's own deviance function (``glmer(..., nAGQ = 7, devFunOnly = TRUE)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from bayesmeta.data import MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.agq import log_binomial_coefficients, loglik_terms_and_modes
from bayesmeta.freq.glmm import check_counts
from bayesmeta.freq.glmm_fit import fit_glmm


@dataclass(frozen=True)
class ProfileCI:
    """Profile-likelihood interval of tau^2.

    Parameters
    ----------
    tau2 : float
        ML estimate of tau^2.
    lo, hi : float
        Interval bounds.
    level : float
        Confidence level.
    loglik : float
        Maximised log-likelihood.
    """

    tau2: float
    lo: float
    hi: float
    level: float
    loglik: float


def _profile(events: np.ndarray, total: np.ndarray, mu_start: float):
    const = log_binomial_coefficients(events, total)
    ones = np.ones(len(events))
    state = {"mu": mu_start}

    def pl(tau: float) -> float:
        def neg(mu: float) -> float:
            terms, _ = loglik_terms_and_modes(mu * ones, tau, events, total, const=const)
            return -float(terms.sum())

        m = state["mu"]
        res = optimize.minimize_scalar(
            neg, bracket=(m - 0.5, m + 0.5), method="brent", options={"xtol": 1e-12}
        )
        state["mu"] = float(res.x)
        return -float(res.fun)

    return pl


def glmm_tau2_profile_ci(
    events: np.ndarray, total: np.ndarray, *, level: float = 0.95
) -> ProfileCI:
    """Profile-likelihood CI of the GLMM's tau^2 on counts (see the module docstring).

    Parameters
    ----------
    events, total : numpy.ndarray
        Events and patients per study.
    level : float
        Confidence level.

    Returns
    -------
    ProfileCI
    """
    events = np.asarray(events, dtype=float)
    total = np.asarray(total, dtype=float)
    check_counts(events, total)
    if len(events) < 2:
        raise InputError("a profile-likelihood interval of tau^2 needs at least two studies")
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1, got {level}")
    fit = fit_glmm(np.ones((len(events), 1)), events, total)
    pl = _profile(events, total, float(fit.beta[0]))
    tau_hat = float(np.sqrt(fit.tau2))
    if tau_hat > 0:  # polish the maximum of the profile itself
        res = optimize.minimize_scalar(
            lambda t: -pl(t),
            bracket=(0.9 * tau_hat, tau_hat, 1.1 * tau_hat + 1e-3),
            method="brent",
            options={"xtol": 1e-12},
        )
        if res.x > 0 and -res.fun >= pl(tau_hat):
            tau_hat = float(res.x)
    top = pl(tau_hat)
    cut = float(stats.chi2.ppf(level, 1)) / 2

    def excess(t: float) -> float:
        return top - pl(t) - cut

    lo = 0.0
    if tau_hat > 0 and excess(0.0) > 0:
        lo = optimize.brentq(excess, 0.0, tau_hat, xtol=1e-12, rtol=1e-14)
    upper = max(2 * tau_hat, 0.5)
    while excess(upper) < 0:
        upper *= 2
        if upper > 100:
            raise InputError("profile likelihood of tau does not fall off: no upper bound")
    hi = optimize.brentq(excess, tau_hat, upper, xtol=1e-12, rtol=1e-14)
    return ProfileCI(tau2=tau_hat**2, lo=lo**2, hi=hi**2, level=level, loglik=top)


def glmm_profile_ci(data: MetaData, *, level: float = 0.95) -> ProfileCI:
    """Profile-likelihood CI of tau^2 for ``glmm(data)``.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    level : float
        Confidence level.

    Returns
    -------
    ProfileCI
    """
    return glmm_tau2_profile_ci(data.events, data.total, level=level)
