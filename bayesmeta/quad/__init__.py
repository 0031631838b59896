"""Exact engine: deterministic posteriors by numerical integration (no MCMC).

``fit_quadrature(spec)`` returns the same :class:`~bayesmeta.model.result.BayesResult` as the
NUTS engine for the random-intercept, common-effect and subgroup models. ``posterior_grid``
exposes the lower-level :class:`PosteriorGrid` (nodes, log weights, log marginal likelihood)
for leave-one-out and prior-sensitivity analyses; ``loo_log_predictive`` gives the exact
leave-one-study-out log predictive densities; ``posterior_draws`` resamples the grids;
``log_evidence`` gives log p(y). The engine imports the shared model layer
(:mod:`bayesmeta.model`) and never the NUTS engine (:mod:`bayesmeta.nuts`).
"""

from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.draws import posterior_draws
from bayesmeta.quad.evidence import log_evidence
from bayesmeta.quad.grid import PosteriorGrid, build_grid
from bayesmeta.quad.grid_fit import fit_quadrature
from bayesmeta.quad.loo import loo_log_predictive
from bayesmeta.quad.posterior import posterior_grid

__all__ = [
    "Accuracy",
    "PosteriorGrid",
    "build_grid",
    "fit_quadrature",
    "log_evidence",
    "loo_log_predictive",
    "posterior_draws",
    "posterior_grid",
]
