"""Draws from the joint model's prior, shaped like a posterior (prior checks; structure tests).

Pure numpy/scipy: intercepts, slopes and taus from their priors, correlation matrices from
LKJ(eta) by the C-vine method (Lewandowski, Kurowicka & Joe 2009), study effects from the
multivariate normal. ``idata`` holds the same arrays in ArviZ's layout.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.joint.draws import draws_from_arrays
from bayesmeta.joint.nuts import JointDraws
from bayesmeta.joint.spec import JointSpec

__all__ = ["lkj_correlations", "prior_draws"]


def lkj_correlations(m: int, eta: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` correlation matrices ``m x m`` from LKJ(eta) (C-vine method).

    Parameters
    ----------
    m : int
        Dimension.
    eta : float
        LKJ shape (1: uniform).
    size : int
        Number of matrices.
    rng : numpy.random.Generator
        Random numbers.

    Returns
    -------
    numpy.ndarray
        ``(size, m, m)``.
    """
    out = np.empty((size, m, m))
    for s in range(size):
        beta = eta + (m - 1) / 2
        partial = np.zeros((m, m))
        corr = np.eye(m)
        for k in range(m - 1):
            beta -= 0.5
            for i in range(k + 1, m):
                partial[k, i] = 2 * rng.beta(beta, beta) - 1
                p = partial[k, i]
                for level in range(k - 1, -1, -1):  # partial -> raw correlation
                    p = p * np.sqrt((1 - partial[level, i] ** 2) * (1 - partial[level, k] ** 2))
                    p += partial[level, i] * partial[level, k]
                corr[k, i] = corr[i, k] = p
        out[s] = corr
    return out


def prior_draws(spec: JointSpec, *, draws: int, chains: int, seed: int) -> JointDraws:
    """Draws of every parameter from the prior, as :class:`JointDraws`.

    Parameters
    ----------
    spec : JointSpec
        The joint model.
    draws, chains : int
        Draws per chain and chains.
    seed : int
        Random seed.

    Returns
    -------
    JointDraws
    """
    rng = np.random.default_rng(seed)
    problem = spec.problem
    m, k, p = problem.m, problem.k, problem.p
    S = draws * chains
    mu = spec.priors.mu.sample(rng, (S, m))
    slopes = spec.priors.beta.sample(rng, (S, m, p - 1)) if p > 1 else np.zeros((S, m, 0))
    tau = np.abs(spec.priors.tau.sample(rng, (S, m)))
    corr = lkj_correlations(m, spec.cor_eta, S, rng)
    chol = np.linalg.cholesky(corr * tau[:, :, None] * tau[:, None, :] + 1e-12 * np.eye(m))
    u = np.einsum("sij,skj->ski", chol, rng.standard_normal((S, k, m)))

    def shaped(values: np.ndarray) -> np.ndarray:
        return values.reshape(chains, draws, *values.shape[1:])

    return draws_from_arrays(
        shaped(mu),
        shaped(tau),
        shaped(corr),
        names=problem.names,
        studies=spec.data.studies,
        slopes=shaped(slopes),
        u=shaped(u),
        slope_names=problem.columns[1:],
    )
