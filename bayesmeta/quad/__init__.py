"""Exact engine: deterministic posteriors by numerical integration (no MCMC).

``fit_quadrature(spec)`` returns the same :class:`~bayesmeta.bayes.result.BayesResult` as the
NUTS engine for the random-intercept, common-effect and subgroup models. ``posterior_grid``
exposes the lower-level :class:`PosteriorGrid` (nodes, log weights, log marginal likelihood)
for leave-one-out and prior-sensitivity analyses; ``loo_log_predictive`` gives the exact
leave-one-study-out log predictive densities.
"""

from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.fit import fit_quadrature, posterior_grid
from bayesmeta.quad.grid import PosteriorGrid, build_grid
from bayesmeta.quad.loo import loo_log_predictive

__all__ = [
    "Accuracy",
    "PosteriorGrid",
    "build_grid",
    "fit_quadrature",
    "loo_log_predictive",
    "posterior_grid",
]
