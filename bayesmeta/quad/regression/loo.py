"""Exact leave-one-study-out log predictive densities of a meta-regression.

``p(y_i | y_-i) = 1 / E[1 / L_i(beta, tau) | y]``, the expectation taken with the posterior
quadrature nodes and weights (the identity behind importance-sampling LOO, here without Monte
Carlo error). Where the posterior without study i leaves the nodes (its log-tau mass piles up at
an end of the grid, or the reweighted nodes keep under a tenth of the effective size), the
model is refitted without the study: ``log p(y_i | y_-i) = log p(y) - log p(y_-i)``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.quad.regression.likelihood import study_loglik_rows

#: Largest reweighted log-tau mass allowed in the two outermost nodes.
EDGE_MASS = 1e-4
#: Smallest ratio of effective sizes (reweighted / full) before refitting.
MIN_ESS_RATIO = 0.1


def _ess(weight: np.ndarray) -> float:
    w = np.abs(weight)
    return float(w.sum() ** 2 / np.sum(w * w))


def regression_loo(spec, *, refit: bool | None = None) -> np.ndarray:
    """log p(y_i | y_-i) for every study of a regression model.

    Parameters
    ----------
    spec : ModelSpec
        A regression model.
    refit : bool, optional
        True refits without every study; False never refits; None (default) refits only where
        the reweighted posterior leaves the nodes.

    Returns
    -------
    numpy.ndarray
        Shape (k,), binomial coefficients included.
    """
    from bayesmeta.quad.regression.nested_fit import regression_posterior
    from bayesmeta.quad.regression.problem import regression_problem

    design = spec.design
    problem = regression_problem(spec, design=design)
    post, _ = regression_posterior(spec, design=design)
    T, Q, _p = post.beta.shape
    beta, tau, weight = post.nodes()
    rows = study_loglik_rows(
        problem.events,
        problem.total,
        np.einsum("kp,np->kn", problem.X, beta),
        tau,
        n_gh=problem.n_gh,
    )
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
                out[i] = _refit(spec, i, post.log_evidence)
            except InputError:
                if refit:
                    raise
    return out


def _refit(spec, i: int, log_evidence: float) -> float:
    from bayesmeta.quad.regression.nested_fit import regression_posterior

    study = spec.data.studies[i]
    reduced = dataclasses.replace(spec, data=spec.data.without(study, reason="left out"))
    post, _ = regression_posterior(reduced)
    return log_evidence - post.log_evidence
