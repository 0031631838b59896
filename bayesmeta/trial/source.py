"""The exact predictive of a new study's logit, as a normal mixture over the exact engine's grid.

For the random-intercept model the predictive logit of a new study is mu + tau z, so over the
grid nodes (mu_j, tau_t) with posterior masses w_jt it is ``sum w_jt N(mu_j, tau_t)``; for a
level of the subgroup model the same holds on that level's grid. Columns with tau below the mu
spacing h (tau = 0 at the first node, and the common-effect model) would turn the smooth mu
marginal into a comb of narrow normals, so their mu density is interpolated (cubic spline of its
log) onto a grid eight times finer and each node gets the scale ``max(tau, h / 8)``: the added
variance is at most (h / 8)^2, well below the fit tolerances (checked against the engine's own
``new_study_cdf`` in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.special import logsumexp

from bayesmeta.errors import InputError
from bayesmeta.trial.normal_mixture import NormalMixture

#: Refinement factor of the mu axis of narrow columns.
REFINE = 8


@dataclass(frozen=True)
class MapSource:
    """A MAP source: the predictive logit mixture and what it was derived from.

    Attributes
    ----------
    mixture : NormalMixture
        The exact predictive of a new study's logit rate.
    label : str
        What the prior is for ("all studies", "cancer_type=myeloma").
    k : int
        Number of studies that informed it.
    model : dict
        The model description (kind, priors, grouping).
    """

    mixture: NormalMixture
    label: str
    k: int
    model: dict


def grid_mixture(mu: np.ndarray, tau: np.ndarray, log_weight: np.ndarray) -> NormalMixture:
    """The predictive ``sum_jt w_jt N(mu_j, tau_t)`` of a (mu, tau) posterior grid.

    Parameters
    ----------
    mu : numpy.ndarray
        Uniform mu nodes, shape (M,).
    tau : numpy.ndarray
        tau nodes, shape (T,).
    log_weight : numpy.ndarray
        Normalised log posterior masses, shape (M, T).

    Returns
    -------
    NormalMixture
    """
    mu, tau = np.asarray(mu, dtype=float), np.asarray(tau, dtype=float)
    if mu.size < 2:
        raise InputError("MAP prior: the posterior grid needs at least two mu nodes")
    h = float(mu[1] - mu[0])
    log_weight = np.asarray(log_weight, dtype=float).reshape(mu.size, tau.size)
    weights, locs, scales = [], [], []
    wide = tau >= h
    if wide.any():
        weights.append(np.exp(log_weight[:, wide]).ravel())
        locs.append(np.repeat(mu, wide.sum()))
        scales.append(np.tile(tau[wide], mu.size))
    if (~wide).any():
        trap = np.full(mu.size, h)
        trap[[0, -1]] = 0.5 * h
        fine = np.linspace(mu[0], mu[-1], REFINE * (mu.size - 1) + 1)
        h_fine = float(fine[1] - fine[0])
        trap_fine = np.full(fine.size, h_fine)
        trap_fine[[0, -1]] = 0.5 * h_fine
        for t in np.flatnonzero(~wide):
            column = log_weight[:, t]
            mass = float(np.exp(logsumexp(column)))
            if mass <= 0:
                continue
            log_f = column - np.log(trap)
            log_f = np.maximum(log_f, log_f.max() - 700.0)
            dens = np.exp(CubicSpline(mu, log_f)(fine)) * trap_fine
            weights.append(mass * dens / dens.sum())
            locs.append(fine)
            scales.append(np.full(fine.size, max(float(tau[t]), h_fine)))
    return NormalMixture(
        weight=np.concatenate(weights), loc=np.concatenate(locs), scale=np.concatenate(scales)
    )


def linear_predictor_mixture(
    beta: np.ndarray, tau: np.ndarray, weight: np.ndarray, x: np.ndarray
) -> NormalMixture:
    """The predictive logit of a new study with covariate row ``x`` from regression nodes.

    For posterior nodes (beta_j, tau_j) with masses w_j of a meta-regression, a new study with
    covariates x has logit ~ sum_j w_j N(x' beta_j, tau_j), node by node. Scales are floored at 1e-6 (a node at
    tau = 0 is a point mass; its weight is tiny on a fine tau axis). Weights may be signed
    (Smolyak rules). Nodes at small tau make the density a comb of narrow normals: its CDF,
    quantiles and the Beta-mixture fit are accurate, but a curvature-based summary such as
    :func:`~bayesmeta.trial.ess.ess_elir_logit` needs the comb smoothed first (per-tau-node
    conditional moments of x'beta): :func:`grid_mixture` does it for the grid engines and
    :func:`bayesmeta.trial.regression_source.pattern_mixture` for the regression engine (what
    ``map_source`` uses).

    Parameters
    ----------
    beta : numpy.ndarray
        Coefficient nodes, shape (J, P).
    tau : numpy.ndarray
        tau nodes, shape (J,).
    weight : numpy.ndarray
        Posterior masses, shape (J,).
    x : numpy.ndarray
        The new study's design row, shape (P,).

    Returns
    -------
    NormalMixture
    """
    beta = np.atleast_2d(np.asarray(beta, dtype=float))
    x = np.asarray(x, dtype=float)
    if beta.shape[1] != x.size:
        raise InputError(f"pattern: {x.size} design columns for {beta.shape[1]} coefficients")
    return NormalMixture(
        weight=weight, loc=beta @ x, scale=np.maximum(np.asarray(tau, float), 1e-6)
    )


def map_source(spec, *, level: str | dict | None = None, accuracy=None) -> MapSource:
    """The exact MAP source of a random-intercept, common-effect, subgroup or regression model.

    Parameters
    ----------
    spec : ModelSpec
        From :func:`bayesmeta.bayes.build_model`; "random", "common", "subgroup" or "regression".
    level : str or dict, optional
        The level of ``spec.by`` (required for a subgroup model), or for a regression the new
        study's covariate values (``{"cancer_type": "myeloma", "age_median": "60"}``).
    accuracy : object, optional
        Accuracy controls of the exact engine (``bayesmeta.quad.Accuracy`` or
        ``RegressionAccuracy``; None: its defaults).

    Returns
    -------
    MapSource
    """
    from bayesmeta.engines import exact_posterior

    if spec.kind == "regression":
        if not isinstance(level, dict):
            raise InputError("a meta-regression MAP prior needs the new study's --pattern")
        return _regression_source(spec, level, accuracy=accuracy)
    model = {**spec.describe(), "excluded": spec.data.excluded_records()}
    if spec.kind in ("random", "common"):
        if level is not None:
            raise InputError("--level needs a subgroup model (--by COLUMN)")
        grid = exact_posterior(spec, accuracy=accuracy)
        mix = grid_mixture(grid.mu, grid.tau, grid.log_weight)
        return MapSource(mixture=mix, label="all studies", k=len(spec.data.studies), model=model)
    if spec.kind != "subgroup":
        raise InputError(f"the MAP prior does not handle the '{spec.kind}' model")
    if level is None:
        raise InputError(f"--by {spec.by}: name the level of the new study with --level")
    if level not in spec.groups:
        raise InputError(
            f"--level {level}: no studies at this level of '{spec.by}' "
            f"(levels with studies: {', '.join(spec.groups)})"
        )
    grids = exact_posterior(spec, accuracy=accuracy)
    g = grids.levels.index(level)
    grid = grids.grids[g]
    mix = grid_mixture(grid.mu, grid.tau, grid.log_weight)
    label = f"{spec.by}={level}"
    return MapSource(mixture=mix, label=label, k=int(grids.members[g].size), model=model)


def _regression_source(spec, values: dict[str, str], *, accuracy=None) -> MapSource:
    """The exact MAP source of a meta-regression at the covariate pattern ``values``
    (:func:`bayesmeta.trial.regression_source.pattern_mixture` over the engine's nodes)."""
    from bayesmeta.engines import exact_posterior
    from bayesmeta.trial.pattern import pattern_row
    from bayesmeta.trial.regression_source import pattern_mixture

    design = spec.design
    row = pattern_row(design, values)
    post = exact_posterior(spec, accuracy=accuracy)
    mix = pattern_mixture(*post.nodes(), row)
    label = ", ".join(f"{name}={values[name]}" for name in design.covariates)
    model = spec.describe()
    model["pattern"] = dict(zip(design.columns, map(float, row), strict=True))
    return MapSource(mixture=mix, label=label, k=len(spec.data.studies), model=model)
