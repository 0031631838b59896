"""Exact leave-one-study-out log predictive densities of a beta-binomial model.

As for the meta-regression (:mod:`bayesmeta.quad.regression.loo`): ``p(y_i | y_-i) =
1 / E[1 / L_i(beta, phi) | y]`` over the posterior nodes, with ``L_i`` the closed-form
beta-binomial likelihood; where the reweighted posterior leaves the nodes (its log-phi mass piles
up at an end of the grid, or the reweighted nodes keep under a tenth of the effective size), the
model is refitted without the study: ``log p(y) - log p(y_-i)``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.quad.betabinomial.posterior import BetaBinomialProblem, betabinomial_posterior
from bayesmeta.quad.regression.integrate import RegressionAccuracy, RegressionPosterior
from bayesmeta.quad.regression.loo import EDGE_MASS, MIN_ESS_RATIO


def _ess(weight: np.ndarray) -> float:
    w = np.abs(weight)
    return float(w.sum() ** 2 / np.sum(w * w))


def without_study(problem: BetaBinomialProblem, i: int) -> BetaBinomialProblem:
    """The problem with study ``i`` left out.

    Parameters
    ----------
    problem : BetaBinomialProblem
    i : int
        Position of the study.

    Returns
    -------
    BetaBinomialProblem
    """
    keep = np.arange(problem.events.size) != i
    return dataclasses.replace(
        problem, events=problem.events[keep], total=problem.total[keep], X=problem.X[keep]
    )


def betabinomial_loo(
    problem: BetaBinomialProblem,
    post: RegressionPosterior,
    *,
    refit: bool | None = None,
    accuracy: RegressionAccuracy | None = None,
) -> np.ndarray:
    """log p(y_i | y_-i) for every study.

    Parameters
    ----------
    problem : BetaBinomialProblem
    post : RegressionPosterior
        The posterior of ``problem`` (reused, not rebuilt).
    refit : bool, optional
        True refits without every study; False never refits; None (default) refits only where
        the reweighted posterior leaves the nodes.
    accuracy : RegressionAccuracy, optional
        Accuracy of the refits.

    Returns
    -------
    numpy.ndarray
        Shape (k,), binomial coefficients included.
    """
    T, Q, _p = post.beta.shape
    beta, phi, weight = post.nodes()
    rows = problem.study_rows(np.einsum("kp,np->kn", problem.X, beta), phi)
    out = np.empty(len(rows))
    full_ess = _ess(weight)
    for i, row in enumerate(rows):
        top = float(np.max(-row))
        ratio = np.exp(-row - top) * weight
        out[i] = -(top + np.log(ratio.sum()))
        s_mass = ratio.reshape(T, Q).sum(axis=1) / ratio.sum()
        leaves = s_mass[0] + s_mass[-1] > EDGE_MASS or _ess(ratio) < MIN_ESS_RATIO * full_ess
        if refit or (refit is None and leaves):
            try:
                reduced, _ = betabinomial_posterior(without_study(problem, i), accuracy=accuracy)
            except InputError:
                if refit:
                    raise
                continue
            out[i] = post.log_evidence - reduced.log_evidence
    return out
