"""NUTS behind the :class:`~bayesmeta.model.engine_api.Engine` protocol."""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any

from bayesmeta.errors import InputError
from bayesmeta.model.engine_api import Capabilities, DeclaredEngine, FitOptions
from bayesmeta.model.result import BayesResult
from bayesmeta.model.spec import ModelSpec


def _implementation(spec: ModelSpec):
    """The module implementing the spec's likelihood for this engine (None: the code here)."""
    path = spec.likelihood.implementation("nuts")
    return None if path is None else importlib.import_module(path)


class NutsEngine(DeclaredEngine):
    """Hamiltonian Monte Carlo with PyMC, nutpie or numpyro (:mod:`bayesmeta.nuts`).

    Attributes
    ----------
    name : str
        ``"nuts"``.
    capabilities : Capabilities
        Binomial likelihood, every structure; P(rate > X) from the draws.
    """

    name = "nuts"
    capabilities = Capabilities(
        likelihoods=frozenset({"binomial", "betabinomial"}),
        structures=frozenset({"common", "random", "subgroup", "regression"}),
        thresholds=True,
        draws=True,
    )

    def fit(self, spec: ModelSpec, options: FitOptions) -> BayesResult:
        """Sample, summarize, and add P(rate > X) from the draws.

        Parameters
        ----------
        spec : ModelSpec
            A model this engine supports.
        options : FitOptions
            ``hdi``, ``thresholds`` and the NUTS settings.

        Returns
        -------
        BayesResult
            ``engine="nuts"`` with the InferenceData in ``idata``.
        """
        if (impl := _implementation(spec)) is not None:
            return impl.fit(spec, options)
        from bayesmeta.nuts import fit_nuts

        if options.benchmark is not None:
            raise InputError(
                "benchmark: the one-sided Bayes factor needs the exact engine (engine='quadrature')"
            )
        nuts = options.nuts
        result = fit_nuts(
            spec,
            draws=nuts.draws,
            tune=nuts.tune,
            chains=nuts.chains,
            seed=nuts.seed,
            sampler=nuts.sampler,
            hdi=options.hdi,
            target_accept=nuts.target_accept,
        )
        if options.thresholds:
            from bayesmeta.nuts.decisions import prob_above_draws

            probs = prob_above_draws(spec, result.idata, options.thresholds, seed=nuts.seed)
            result = replace(result, prob_above=probs)
        return result

    def prior_predictive(self, spec: ModelSpec, *, draws: int, seed: int):
        """Parameters and data sets simulated from the prior (numpy; no sampling).

        Parameters
        ----------
        spec : ModelSpec
            The model.
        draws : int
            Number of simulated data sets.
        seed : int
            Random seed.

        Returns
        -------
        arviz.InferenceData
        """
        from bayesmeta.nuts import prior_predictive

        return prior_predictive(spec, draws=draws, seed=seed)

    def fit_grouped(self, model: Any, options: FitOptions) -> Any:
        """NUTS draws of a grouped model (one-stage IPD, optionally a random slope).

        Parameters
        ----------
        model : GroupedModel
            From :mod:`bayesmeta.model.grouped`.
        options : FitOptions
            ``options.nuts``: draws, tune, chains, seed, target_accept, sampler.

        Returns
        -------
        tuple
            :class:`~bayesmeta.nuts.ipd.GroupedDraws` and their diagnostics.
        """
        from bayesmeta.nuts import ipd
        from bayesmeta.nuts.sample_fit import checked_options

        nuts = checked_options(options.nuts)
        draws = ipd.sample_grouped(
            model.X,
            model.events,
            model.total,
            model.starts,
            coef_priors=list(model.coef_priors),
            tau_prior=model.tau_prior,
            slope_column=model.slope_column,
            slope_prior=model.slope_prior,
            draws=nuts.draws,
            tune=nuts.tune,
            chains=nuts.chains,
            seed=nuts.seed,
            target_accept=nuts.target_accept,
            sampler=nuts.sampler,
        )
        return draws, ipd.grouped_diagnostics(draws)


#: The instance the boundary registers.
ENGINE = NutsEngine()
