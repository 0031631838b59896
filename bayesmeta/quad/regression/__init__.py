"""Exact meta-regression: nested adaptive quadrature over (beta, log tau).

``fit_regression_quadrature(spec)`` returns the same :class:`BayesResult` as NUTS;
``regression_posterior(spec)`` exposes the (beta, tau) nodes and weights; ``regression_draws``
resamples posterior draws (for plots and LOO) deterministically from a seed. The numerical core
(``likelihood``, ``grids``, ``posterior``, ``modes``, ``integrate``, ``skewmix``, ``marginals``) works on
plain arrays and callables.
"""

from bayesmeta.quad.regression.draws import regression_draws
from bayesmeta.quad.regression.integrate import (
    RegressionAccuracy,
    RegressionPosterior,
    integrate,
)
from bayesmeta.quad.regression.nested_fit import fit_regression_quadrature, regression_posterior
from bayesmeta.quad.regression.posterior import RegressionProblem

__all__ = [
    "RegressionAccuracy",
    "RegressionPosterior",
    "RegressionProblem",
    "fit_regression_quadrature",
    "integrate",
    "regression_draws",
    "regression_posterior",
]
