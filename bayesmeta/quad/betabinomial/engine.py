"""The exact engine's implementation of the beta-binomial likelihood.

:class:`~bayesmeta.quad.engine.QuadratureEngine` delegates here for specs whose likelihood is
beta-binomial (``BetaBinomial.implementation("quadrature")``): ``fit``, ``draws``, ``loo``,
``rate_cdfs``, ``tau_densities`` (the density of phi), ``log_evidence`` and
``log_evidence_with_error``, each reusing the posterior a fit carries (``result.posterior``)
instead of integrating again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bayesmeta.errors import InputError
from bayesmeta.model.betabinomial import describe, design_of, level_rows
from bayesmeta.model.engine_api import FitOptions
from bayesmeta.model.result import BayesResult, Diagnostics
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.betabinomial.cdfs import betabinomial_cdfs
from bayesmeta.quad.betabinomial.loo import betabinomial_loo
from bayesmeta.quad.betabinomial.posterior import (
    BetaBinomialProblem,
    betabinomial_posterior,
    betabinomial_problem,
)
from bayesmeta.quad.betabinomial.summaries import summaries
from bayesmeta.quad.regression.integrate import RegressionAccuracy, RegressionPosterior
from bayesmeta.quad.tau_density import TauDensity, log_scale_density

#: Accuracy of the beta-binomial posterior by number of coefficients: the likelihood is closed
#: form, so the beta | phi rule is finer than the regression engine's where that is cheap (7
#: Gauss-Hermite nodes per coefficient for one or two, 5 (or a Smolyak grid of that degree)
#: beyond; tested against brute-force integration).
ACCURACY = {1: RegressionAccuracy(level=4), 2: RegressionAccuracy(level=4, max_product=49)}
#: Three coefficients or more.
ACCURACY_MANY = RegressionAccuracy(level=3, max_product=125)


def accuracy_for(p: int) -> RegressionAccuracy:
    """The accuracy controls for ``p`` coefficients.

    Parameters
    ----------
    p : int
        Number of coefficients.

    Returns
    -------
    RegressionAccuracy
    """
    return ACCURACY.get(p, ACCURACY_MANY)


@dataclass(frozen=True)
class BetaBinomialFit:
    """The exact posterior of a beta-binomial spec, carried by its result.

    Attributes
    ----------
    problem : BetaBinomialProblem
        Counts, design and prior densities.
    post, coarse : RegressionPosterior
        The posterior on its nodes (``tau`` holds phi) and its coarse twin.
    columns : tuple of str
        Coefficient names.
    rows : dict of str to numpy.ndarray
        Level name -> design row (other columns at their study mean).
    groups : list of list of str
        The level names of each factor.
    spec : ModelSpec
        The spec integrated (what reads the fit from its result finds the engine through it).
    """

    problem: BetaBinomialProblem
    post: RegressionPosterior
    coarse: RegressionPosterior
    columns: tuple[str, ...]
    rows: dict[str, np.ndarray]
    groups: list[list[str]]
    spec: ModelSpec


def posterior(spec: ModelSpec) -> BetaBinomialFit:
    """Integrate the posterior of a beta-binomial spec.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.

    Returns
    -------
    BetaBinomialFit
    """
    X, columns, priors, design = design_of(spec)
    problem = betabinomial_problem(
        spec.data.events, spec.data.total, X, priors, spec.likelihood.phi_prior
    )
    post, coarse = betabinomial_posterior(problem, accuracy=accuracy_for(X.shape[1]))
    rows, groups = level_rows(design)
    return BetaBinomialFit(problem, post, coarse, tuple(columns), rows, groups, spec)


def _fitted(spec: ModelSpec, result: Any) -> BetaBinomialFit:
    found = getattr(result, "posterior", None)
    return found if isinstance(found, BetaBinomialFit) else posterior(spec)


def fit(spec: ModelSpec, options: FitOptions) -> BayesResult:
    """The exact beta-binomial fit (intervals, phi, ICC, log evidence, P(rate > X)).

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    options : FitOptions
        ``hdi`` and ``thresholds``; a ``benchmark`` is refused.

    Returns
    -------
    BayesResult
        ``engine="quadrature"``; ``parameters`` holds ``phi`` and ``icc``.
    """
    if options.benchmark is not None:
        raise InputError(
            "benchmark: the one-sided Bayes factor is not available for the beta-binomial "
            "likelihood (use --threshold for P(rate > X))"
        )
    found = posterior(spec)
    post, coarse = found.post, found.coarse
    data = spec.data
    parts = summaries(
        post,
        data.events,
        data.total,
        found.problem.X,
        columns=found.columns,
        rows=found.rows,
        groups=found.groups,
        hdi=options.hdi,
    )
    studies = parts.pop("study_rates")
    study_rates = pd.DataFrame(
        {
            "study": list(data.studies),
            "events": np.asarray(data.events),
            "total": np.asarray(data.total),
            "observed": np.asarray(data.events) / np.asarray(data.total),
            "median": [s.median for s in studies],
            "lo": [s.lo for s in studies],
            "hi": [s.hi for s in studies],
        }
    )
    error = abs(post.log_evidence - coarse.log_evidence)
    T, Q, p = post.beta.shape
    note = (
        f"quadrature: nested adaptive quadrature, {T} log-phi nodes x {Q}-node {post.rule} rule "
        f"for {p} coefficient(s), closed-form beta-binomial likelihood; log evidence error "
        f"{error:.1e}"
    )
    model = describe(spec)
    model["interval"] = "hdi" if options.hdi else "eti"
    model["quadrature"] = dict(accuracy_for(p).__dict__)
    prob_above = {}
    if options.thresholds:
        from bayesmeta.quad.decisions import prob_above_from

        cdfs = betabinomial_cdfs(post, found.problem.X, found.rows)
        prob_above = prob_above_from(cdfs, options.thresholds)
    return BayesResult(
        engine="quadrature",
        model=model,
        pooled_median=parts["pooled_median"],
        pooled_mean=parts["pooled_mean"],
        new_study=parts["new_study"],
        tau=None,
        study_rates=study_rates,
        diagnostics=Diagnostics(None, None, None, 0, engine_note=note),
        excluded=tuple(data.excluded),
        rates=parts["rates"],
        contrasts=parts["contrasts"],
        coefficients=parts["coefficients"],
        log_evidence=post.log_evidence,
        log_evidence_error=error,
        prob_above=prob_above,
        parameters={"phi": parts["phi"], "icc": parts["icc"]},
        posterior=found,
    )


def draws(
    spec: ModelSpec, *, chains: int, draws: int, seed: int, result: Any = None
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Draws of each study's linear predictor and of phi, resampled from the exact posterior.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    chains, draws : int
        Shape of the draws.
    seed : int
        Random seed (same seed, same draws).
    result : BayesResult, optional
        A fit of ``spec`` whose posterior is reused.

    Returns
    -------
    tuple
        ``eta`` and ``phi`` per study ``(chains, draws, k)`` (the second slot, which holds
        tau for the binomial likelihood), and ``{"beta", "phi"}``.
    """
    from bayesmeta.quad.regression.draws import regression_draws

    found = _fitted(spec, result)
    beta, phi, _ess = regression_draws(found.problem, found.post, size=chains * draws, seed=seed)
    k = found.problem.X.shape[0]
    eta = np.einsum("np,kp->nk", beta, found.problem.X).reshape(chains, draws, k)
    phi = phi.reshape(chains, draws)
    return (
        eta,
        np.repeat(phi[..., None], k, axis=2),
        {"beta": beta.reshape(chains, draws, -1), "phi": phi},
    )


def loo(spec: ModelSpec, *, result: Any = None) -> np.ndarray:
    """Exact leave-one-study-out log predictive densities.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    result : BayesResult, optional
        A fit of ``spec`` whose posterior is reused.

    Returns
    -------
    numpy.ndarray
        Shape (k,), binomial coefficients included.
    """
    found = _fitted(spec, result)
    accuracy = accuracy_for(found.problem.X.shape[1])
    return betabinomial_loo(found.problem, found.post, accuracy=accuracy)


def rate_cdfs(spec: ModelSpec, *, result: Any = None) -> dict[str, Any]:
    """Exact posterior CDFs of the pooled, mean, new-study and level rates.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    result : BayesResult, optional
        A fit of ``spec`` whose posterior is reused.

    Returns
    -------
    dict
    """
    found = _fitted(spec, result)
    return betabinomial_cdfs(found.post, found.problem.X, found.rows)


def tau_densities(spec: ModelSpec, *, result: Any = None) -> dict[str, TauDensity]:
    """The exact posterior density of phi, the dispersion that takes tau's place (larger phi,
    less between-study variation), from its log-phi grid.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    result : BayesResult, optional
        A fit of ``spec`` whose posterior is reused.

    Returns
    -------
    dict of str to TauDensity
        ``{"phi": ...}``.
    """
    return {"phi": log_scale_density(_fitted(spec, result).post)}


def log_evidence(spec: ModelSpec, *, result: Any = None) -> float:
    """log p(y), binomial coefficients included.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    result : BayesResult, optional
        A fit of ``spec`` whose posterior is reused.

    Returns
    -------
    float
    """
    return float(_fitted(spec, result).post.log_evidence)


def log_evidence_with_error(spec: ModelSpec, *, result: Any = None) -> tuple[float, float]:
    """log p(y) and its numerical error (the change from the coarse twin).

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    result : BayesResult, optional
        A fit of ``spec`` whose posterior is reused.

    Returns
    -------
    tuple of float
    """
    found = _fitted(spec, result)
    return float(found.post.log_evidence), abs(found.post.log_evidence - found.coarse.log_evidence)
