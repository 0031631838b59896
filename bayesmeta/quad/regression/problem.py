"""A :class:`ModelSpec` of kind "regression" as the arrays of the exact engine's numerical core."""

from __future__ import annotations

import numpy as np

from bayesmeta.formula import INTERCEPT, Design
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.regression.posterior import RegressionProblem
from bayesmeta.quad.regression.priors import log_density


def mean_columns(spec: ModelSpec, design: Design | None = None) -> tuple[int, ...]:
    """Design columns that get the mu prior: the intercept, or the first factor's cell means
    when the formula has no intercept (as the NUTS model does); the others get the beta prior.

    Parameters
    ----------
    spec : ModelSpec
        A regression model.
    design : Design, optional
        ``spec.design`` when already built (building it costs ~10 ms).

    Returns
    -------
    tuple of int
        Column positions.
    """
    design = design or spec.design
    if design.has_intercept:
        return (design.columns.index(INTERCEPT),)
    first = design.covariates[0] if design.covariates else None
    if first not in design.factors:
        return ()
    return tuple(i for i, c in enumerate(design.columns) if c.startswith(f"{first}["))


def regression_problem(
    spec: ModelSpec, *, n_gh: int = 10, design: Design | None = None
) -> RegressionProblem:
    """The numerical core's view of a regression spec.

    Parameters
    ----------
    spec : ModelSpec
        Kind "regression".
    n_gh : int
        Gauss-Hermite nodes per study effect.
    design : Design, optional
        ``spec.design`` when already built.

    Returns
    -------
    RegressionProblem
        Counts, design matrix and prior log densities.
    """
    design = design or spec.design
    means = mean_columns(spec, design)
    mu, beta = log_density(spec.priors.mu), log_density(spec.priors.beta)
    coef = [mu if j in means else beta for j in range(len(design.columns))]
    return RegressionProblem(
        events=np.asarray(spec.data.events, dtype=float),
        total=np.asarray(spec.data.total, dtype=float),
        X=np.asarray(design.matrix, dtype=float),
        coef_logpdf=coef,
        tau_logpdf=log_density(spec.priors.tau),
        n_gh=n_gh,
    )
