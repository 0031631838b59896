"""The exact posterior density of tau, read from the grid (no kernel estimate of draws).

The grid's tau axis is ``v = asinh(tau / c)``: the marginal density of v is the grid's mass
summed over mu, divided by the v axis' quadrature weights, splined onto the fine grid the tau
interval is read from (:func:`bayesmeta.quad.summaries.tau_interval`). The density of tau is
that of v times ``dv/dtau = 1 / (c cosh v)``, so its quantiles are the engine's. A
meta-regression's tau has a log-tau grid: its density is that of log tau divided by tau
(:func:`log_scale_density`; the beta-binomial's phi has the same log grid, read the same way by
:mod:`bayesmeta.quad.betabinomial.engine`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.grid import PosteriorGrid
from bayesmeta.quad.lse import logsumexp
from bayesmeta.quad.marginals import fine_density
from bayesmeta.quad.posterior import check_supported, posterior_grid
from bayesmeta.quad.summaries import log_quad_axes

if TYPE_CHECKING:  # pragma: no cover
    from bayesmeta.quad.regression.nodes import RegressionPosterior

__all__ = ["TauDensity", "grid_tau_density", "log_scale_density", "tau_densities"]

#: Points of the log-tau grid of a meta-regression's density (as its tau quantiles).
REGRESSION_FINE = 2000


@dataclass(frozen=True)
class TauDensity:
    """The posterior density of tau on a fine grid.

    Parameters
    ----------
    x : numpy.ndarray
        Increasing values of tau.
    pdf : numpy.ndarray
        The posterior density of tau at ``x`` (integrates to one over ``x``).

    Returns
    -------
    TauDensity
        A frozen record; :meth:`on` evaluates it elsewhere.
    """

    x: np.ndarray
    pdf: np.ndarray

    def on(self, points: np.ndarray) -> np.ndarray:
        """The density at ``points`` (linear in between, 0 outside the grid).

        Parameters
        ----------
        points : numpy.ndarray
            Values of tau.

        Returns
        -------
        numpy.ndarray
        """
        return np.interp(points, self.x, self.pdf, left=0.0, right=0.0)


def grid_tau_density(grid: PosteriorGrid, *, n_fine: int) -> TauDensity:
    """The marginal posterior density of tau of one (mu, tau) grid.

    Parameters
    ----------
    grid : PosteriorGrid
        The posterior grid of (mu, tau) (not the common-effect model's).
    n_fine : int
        Points of the fine one-dimensional grid (the fit's ``Accuracy.n_fine``).

    Returns
    -------
    TauDensity
    """
    _, lq_v = log_quad_axes(grid)
    log_v = logsumexp(grid.log_weight, axis=0) - lq_v
    v, pdf_v = fine_density(grid.v, log_v, n_fine=n_fine)
    return TauDensity(grid.scale * np.sinh(v), pdf_v / (grid.scale * np.cosh(v)))


def tau_densities(spec: ModelSpec, *, accuracy: object = None) -> dict[str, TauDensity]:
    """The exact posterior densities of the model's between-study SDs.

    Parameters
    ----------
    spec : ModelSpec
        A random, subgroup or regression model (the common-effect model has no tau: empty).
    accuracy : Accuracy or RegressionAccuracy, optional
        The fit's controls, to read its grids (None, or another kind's: the defaults).

    Returns
    -------
    dict of str to TauDensity
        ``"tau"`` (one tau), or each level's name (a subgroup model with a tau per level).

    Raises
    ------
    InputError
        A model kind without a tau grid.
    """
    check_supported(spec)
    acc = accuracy if isinstance(accuracy, Accuracy) else Accuracy()
    if spec.kind == "common":
        return {}
    if spec.kind == "random":
        return {"tau": grid_tau_density(posterior_grid(spec, accuracy=acc), n_fine=acc.n_fine)}
    if spec.kind == "subgroup":
        from bayesmeta.quad.groups import build_group_grids

        groups = build_group_grids(spec, accuracy=acc)
        if groups.common_tau:  # each level's grid carries the shared tau's posterior
            return {"tau": grid_tau_density(groups.grids[0], n_fine=acc.n_fine)}
        return {
            str(level): grid_tau_density(grid, n_fine=acc.n_fine)
            for level, grid in zip(groups.levels, groups.grids, strict=True)
        }
    if spec.kind == "regression":
        return {"tau": _regression_tau_density(spec, accuracy)}
    raise InputError(f"exact tau density: not available for a '{spec.kind}' model")


def _regression_tau_density(spec: ModelSpec, accuracy: object) -> TauDensity:
    """The meta-regression's tau, from its log-tau grid."""
    from bayesmeta.quad.regression import RegressionAccuracy, regression_posterior

    chosen = accuracy if isinstance(accuracy, RegressionAccuracy) else None
    post, _ = regression_posterior(spec, accuracy=chosen)
    return log_scale_density(post)


def log_scale_density(post: RegressionPosterior) -> TauDensity:
    """The density of the positive parameter of a nested quadrature over (beta, log of it): the
    meta-regression's tau, the beta-binomial's phi. Its log marginal on the nodes is splined as
    its quantiles are (:func:`bayesmeta.quad.regression.marginals.tau_quantiles`), normalized
    on a fine grid, times ``d log x / d x``.

    Parameters
    ----------
    post : RegressionPosterior
        The posterior on its nodes (``s``: log of the parameter; ``s_mass``: its marginal).

    Returns
    -------
    TauDensity
        ``x`` the parameter's values (tau, or phi), ``pdf`` its density.
    """
    from scipy.interpolate import CubicSpline

    log_density = CubicSpline(post.s, np.log(np.maximum(post.s_mass, 1e-300)))
    s = np.linspace(post.s[0], post.s[-1], REGRESSION_FINE)
    pdf_s = np.exp(log_density(s))
    pdf_s /= np.trapezoid(pdf_s, s)
    tau = np.exp(s)
    return TauDensity(tau, pdf_s / tau)
