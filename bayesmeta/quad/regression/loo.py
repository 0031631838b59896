"""Exact leave-one-study-out log predictive densities of a meta-regression.

``p(y_i | y_-i) = 1 / E[1 / L_i(beta, tau) | y]``, the expectation taken with the posterior
quadrature nodes and weights (the identity behind importance-sampling LOO, here without Monte
Carlo error). Each study's ``L_i`` integrates its own effect exactly.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.quad.regression.likelihood import study_loglik_rows


def regression_loo(spec) -> np.ndarray:
    """log p(y_i | y_-i) for every study of a regression model.

    Parameters
    ----------
    spec : ModelSpec
        A regression model.

    Returns
    -------
    numpy.ndarray
        Shape (k,).
    """
    from bayesmeta.quad.regression.fit import regression_posterior
    from bayesmeta.quad.regression.problem import regression_problem

    problem = regression_problem(spec)
    post, _ = regression_posterior(spec)
    beta, tau, weight = post.nodes()
    keep = weight != 0
    beta, tau, weight = beta[keep], tau[keep], weight[keep]
    rows = study_loglik_rows(
        problem.events,
        problem.total,
        np.einsum("kp,np->kn", problem.X, beta),
        tau,
        n_gh=problem.n_gh,
    )
    neg = -rows
    top = neg.max(axis=1, keepdims=True)
    inverse_mean = top[:, 0] + np.log(np.einsum("kn,n->k", np.exp(neg - top), weight))
    return -inverse_mean
