"""Posterior draws of (beta, tau) from the exact regression posterior, for plots and LOO.

Deterministic given the seed. Proposal: a log-tau cell picked with its posterior mass, s uniform
in the cell, and beta from the Laplace approximation of beta | tau at the cell's node; each
candidate gets its exact importance weight (log posterior minus log proposal), and ``size``
draws are taken from ``OVERSAMPLE * size`` candidates by systematic resampling. The effective
sample size of the importance weights is returned so callers can check it.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.quad.regression.integrate import RegressionPosterior
from bayesmeta.quad.regression.posterior import RegressionProblem

OVERSAMPLE = 4


def regression_draws(
    problem: RegressionProblem, post: RegressionPosterior, *, size: int, seed: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """``size`` draws of beta and tau.

    Parameters
    ----------
    problem : RegressionProblem
        The problem ``post`` integrates.
    post : RegressionPosterior
        From :func:`~bayesmeta.quad.regression.integrate.integrate`.
    size : int
        Number of draws.
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    tuple
        beta (size, p), tau (size,) and the importance-sampling effective sample size.
    """
    rng = np.random.default_rng(seed)
    n = OVERSAMPLE * size
    mass = np.clip(post.s_mass, 0.0, None)
    mass = mass / mass.sum()
    cell = rng.choice(mass.size, size=n, p=mass)
    s = post.s[cell] + post.ds * (rng.random(n) - 0.5)
    p = post.beta.shape[2]
    z = rng.standard_normal((n, p))
    chol = post.cond_chol[cell]
    beta = post.cond_mode[cell] + np.einsum("npr,nr->np", chol, z)
    logdet = np.log(np.abs(np.diagonal(chol, axis1=1, axis2=2))).sum(axis=1)
    log_q = (
        np.log(mass[cell] / post.ds)
        - 0.5 * np.sum(z * z, axis=1)
        - logdet
        - 0.5 * p * np.log(2 * np.pi)
    )
    log_w = problem.log_post(beta, s) - log_q
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    ess = float(1.0 / np.sum(w * w))
    positions = (rng.random() + np.arange(size)) / size
    picks = np.minimum(np.searchsorted(np.cumsum(w), positions), n - 1)
    return beta[picks], np.exp(s[picks]), ess


def study_draws(spec, *, chains: int, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """Draws of every study's linear predictor and tau, as the NUTS engine stores them.

    Parameters
    ----------
    spec : ModelSpec
        A regression model.
    chains, draws : int
        Shape of the draws.
    seed : int
        Random seed (same seed, same draws).

    Returns
    -------
    eta, tau_study : numpy.ndarray
        Shape ``(chains, draws, k)``.
    params : dict
        ``beta`` ``(chains, draws, p)`` and ``tau`` ``(chains, draws)``.
    """
    from bayesmeta.quad.regression.nested_fit import regression_posterior
    from bayesmeta.quad.regression.problem import regression_problem

    problem = regression_problem(spec)
    post, _ = regression_posterior(spec)
    beta, tau, _ess = regression_draws(problem, post, size=chains * draws, seed=seed)
    k = problem.X.shape[0]
    eta = np.einsum("np,kp->nk", beta, problem.X).reshape(chains, draws, k)
    tau = tau.reshape(chains, draws)
    tau_study = np.repeat(tau[..., None], k, axis=2)
    return eta, tau_study, {"beta": beta.reshape(chains, draws, -1), "tau": tau}
