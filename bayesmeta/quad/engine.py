"""The exact quadrature engine behind the :class:`~bayesmeta.model.engine_api.Engine` protocol."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from bayesmeta.model.engine_api import Capabilities, DeclaredEngine, FitOptions
from bayesmeta.model.result import BayesResult
from bayesmeta.model.spec import ModelSpec


def _implementation(spec: ModelSpec) -> Any:
    """The module implementing the spec's likelihood for this engine (None: the code here)."""
    path = spec.likelihood.implementation("quadrature")
    return None if path is None else importlib.import_module(path)


#: What a method computes, for the refusal when a likelihood's implementation lacks it.
_WHAT = {
    "loo_pooled": "exact leave-one-out pooled rates",
    "tau_densities": "exact tau density",
}


def _delegated(method: Callable) -> Callable:
    """The method, or the same-named function of the spec's likelihood implementation when it
    has one (same arguments; one line naming the likelihood when that module lacks it)."""
    name = method.__name__

    @functools.wraps(method)
    def dispatch(self, spec: ModelSpec, *args: Any, **kwargs: Any) -> Any:
        impl = _implementation(spec)
        if impl is None:
            return method(self, spec, *args, **kwargs)
        if not hasattr(impl, name):
            from bayesmeta.errors import InputError

            raise InputError(
                f"{_WHAT.get(name, name)}: not available for the {spec.likelihood.name} likelihood"
            )
        return getattr(impl, name)(spec, *args, **kwargs)

    return dispatch


class QuadratureEngine(DeclaredEngine):
    """Deterministic posteriors by numerical integration (:mod:`bayesmeta.quad`).

    Attributes
    ----------
    name : str
        ``"quadrature"``.
    capabilities : Capabilities
        Binomial likelihood; common, random, subgroup and regression structures; exact; log
        evidence and Bayes factors; exact LOO; exact rate CDFs; benchmark factors.
    """

    name = "quadrature"
    capabilities = Capabilities(
        likelihoods=frozenset({"binomial", "betabinomial"}),
        structures=frozenset({"common", "random", "subgroup", "regression"}),
        exact=True,
        log_evidence=True,
        exact_loo=True,
        rate_cdfs=True,
        thresholds=True,
        benchmark=True,
        draws=True,
    )

    @_delegated
    def fit(self, spec: ModelSpec, options: FitOptions) -> BayesResult:
        """The exact fit, its Bayes factors and threshold probabilities.

        Parameters
        ----------
        spec : ModelSpec
            A model this engine supports.
        options : FitOptions
            ``hdi``, ``thresholds``, ``benchmark`` (NUTS settings are ignored).

        Returns
        -------
        BayesResult
            ``engine="quadrature"``.
        """
        from bayesmeta.quad import fit_quadrature
        from bayesmeta.quad.decisions import decide

        result = fit_quadrature(spec, hdi=options.hdi)
        return decide(spec, result, thresholds=options.thresholds, benchmark=options.benchmark)

    @_delegated
    def draws(
        self, spec: ModelSpec, *, chains: int, draws: int, seed: int, result: Any = None
    ) -> tuple[Any, Any, dict[str, Any]]:
        """Draws resampled from the exact posterior (:func:`bayesmeta.quad.posterior_draws`).

        Parameters
        ----------
        spec : ModelSpec
            The model.
        chains, draws : int
            Shape of the draws.
        seed : int
            Random seed.
        result : BayesResult, optional
            A fit of ``spec`` whose posterior is reused.

        Returns
        -------
        tuple
            ``(eta, tau_study, params)``.
        """
        from bayesmeta.quad import posterior_draws

        return posterior_draws(spec, chains=chains, draws=draws, seed=seed)

    @_delegated
    def loo(self, spec: ModelSpec, *, result: Any = None) -> Any:
        """Exact leave-one-study-out log predictive densities.

        Parameters
        ----------
        spec : ModelSpec
            The model.
        result : BayesResult, optional
            A fit of ``spec`` whose posterior is reused.

        Returns
        -------
        numpy.ndarray
        """
        from bayesmeta.quad import loo_log_predictive

        return loo_log_predictive(spec)

    @_delegated
    def rate_cdfs(self, spec: ModelSpec, *, result: Any = None) -> dict[str, Any]:
        """Exact posterior CDFs of the rates (:func:`bayesmeta.quad.decisions.rate_cdfs`).

        Parameters
        ----------
        spec : ModelSpec
            The model.
        result : BayesResult, optional
            A fit of ``spec`` whose posterior is reused.

        Returns
        -------
        dict
        """
        from bayesmeta.quad.decisions import rate_cdfs

        return rate_cdfs(spec)

    @_delegated
    def tau_densities(self, spec: ModelSpec, *, result: Any = None) -> dict[str, Any]:
        """Exact posterior densities of tau (:func:`bayesmeta.quad.tau_density.tau_densities`).

        Parameters
        ----------
        spec : ModelSpec
            The model.
        result : BayesResult, optional
            A fit of ``spec``: its grids (its accuracy) are read.

        Returns
        -------
        dict
        """
        from bayesmeta.quad.tau_density import tau_densities

        return tau_densities(
            spec, accuracy=getattr(getattr(result, "posterior", None), "accuracy", None)
        )

    @_delegated
    def log_evidence(self, spec: ModelSpec, *, result: Any = None) -> float:
        """log p(y), binomial coefficients included.

        Parameters
        ----------
        spec : ModelSpec
            The model.
        result : BayesResult, optional
            A fit of ``spec`` whose posterior is reused.

        Returns
        -------
        float
        """
        from bayesmeta.quad import log_evidence

        return log_evidence(spec)

    @_delegated
    def log_evidence_with_error(
        self, spec: ModelSpec, *, result: Any = None
    ) -> tuple[float, float]:
        """log p(y) and its numerical error (two accuracy levels).

        Parameters
        ----------
        spec : ModelSpec
            The model.
        result : BayesResult, optional
            A fit of ``spec`` whose posterior is reused.

        Returns
        -------
        tuple of float
        """
        from bayesmeta.quad.decisions import evidence_with_error

        return evidence_with_error(spec)

    def posterior(self, spec: ModelSpec, *, accuracy: Any = None) -> Any:
        """The posterior grid(s) or nodes of ``spec`` (built once per spec and accuracy).

        Parameters
        ----------
        spec : ModelSpec
            The model.
        accuracy : Accuracy or RegressionAccuracy, optional
            Accuracy controls (None: the defaults).

        Returns
        -------
        PosteriorGrid, GroupGrids or RegressionPosterior
            Random and common models: the (mu, tau) grid; subgroup models: the per-level grids;
            regressions: the (beta, tau) nodes (``nodes()``).
        """
        if spec.kind == "regression":
            from bayesmeta.quad.regression import regression_posterior

            return regression_posterior(spec, accuracy=accuracy)[0]
        from bayesmeta.quad.controls import Accuracy

        acc = accuracy or Accuracy()
        if spec.kind == "subgroup":
            from bayesmeta.quad.groups import build_group_grids

            return build_group_grids(spec, accuracy=acc)
        from bayesmeta.quad.posterior import posterior_grid

        return posterior_grid(spec, accuracy=acc)

    @_delegated
    def loo_pooled(self, spec: ModelSpec) -> tuple[Any, tuple[Any, ...], tuple[str, ...]]:
        """The pooled median rate with every study and without each one, exactly.

        Parameters
        ----------
        spec : ModelSpec
            A random-intercept or common-effect model.

        Returns
        -------
        tuple
            See :func:`bayesmeta.quad.influence.loo_pooled_rates`.
        """
        from bayesmeta.quad.influence import loo_pooled_rates

        return loo_pooled_rates(spec)

    def fit_grouped(self, model: Any, options: FitOptions) -> Any:
        """The exact fit of a grouped model (one-stage IPD, random intercept only).

        Parameters
        ----------
        model : GroupedModel
            From :mod:`bayesmeta.model.grouped`; ``slope_column`` must be None.
        options : FitOptions
            Unused (the exact engine has no settings here).

        Returns
        -------
        GroupedExact
            Coefficient and contrast intervals, P(< 0), tau, log evidence.
        """
        from bayesmeta.errors import InputError
        from bayesmeta.quad.regression.grouped_fit import fit_grouped_exact

        if model.slope_column is not None:
            raise InputError(
                "--random-slope needs NUTS: the exact engine integrates one effect per trial"
            )
        return fit_grouped_exact(
            model.X,
            model.events,
            model.total,
            model.starts,
            columns=list(model.columns),
            coef_priors=list(model.coef_priors),
            tau_prior=model.tau_prior,
            contrasts=model.contrasts,
        )


#: The instance the boundary registers.
ENGINE = QuadratureEngine()
