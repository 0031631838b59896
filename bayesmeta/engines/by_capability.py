"""What is asked of the engine that declares it (never of an engine by name): exact draws,
posterior, LOO, pooled rates without each study, log evidence and its error, rate CDFs, the
prior predictive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bayesmeta.engines.registry import get_engine, preferred
from bayesmeta.errors import InputError

if TYPE_CHECKING:
    from bayesmeta.model.spec import ModelSpec


def _capable(spec: ModelSpec, capability: str | None, method: str) -> Any:
    """The bound ``method`` of the preferred engine that has ``method``, supports ``spec`` and
    declares ``capability`` (None: no capability flag to declare); one-line InputError when
    there is none."""
    for name in preferred():
        chosen = get_engine(name)
        bound = getattr(chosen, method, None)
        declared = capability is None or getattr(chosen.capabilities, capability)
        if declared and bound is not None and chosen.supports(spec):
            return bound
    if capability is None:  # the prior predictive: a simulation, not a declared computation
        raise InputError(
            f"no engine simulates the {method.replace('_', ' ')} of a '{spec.kind}' model"
        )
    label = {"exact": "exact draws", "exact_loo": "exact leave-one-out"}.get(
        capability, capability.replace("_", " ")
    )
    raise InputError(f"no engine computes {label} for a '{spec.kind}' model")


def exact_draws(
    spec: ModelSpec, *, chains: int, draws: int, seed: int
) -> tuple[Any, Any, dict[str, Any]]:
    """Draws resampled from the exact engine's posterior (see :func:`bayesmeta.quad.posterior_draws`).

    Parameters
    ----------
    spec : ModelSpec
        A model the exact engine supports.
    chains, draws : int
        Shape of the draws.
    seed : int
        Random seed.

    Returns
    -------
    eta, tau_study : numpy.ndarray
        Shape ``(chains, draws, k)``.
    params : dict
        ``mu`` and ``tau`` draws.
    """
    return _capable(spec, "exact", "draws")(spec, chains=chains, draws=draws, seed=seed)


def prior_predictive(spec: ModelSpec, *, draws: int = 1000, seed: int | None = None) -> Any:
    """Parameters and data sets simulated from the prior (the engine that provides it: NUTS's
    numpy simulation, shaped as its fits' InferenceData; see
    :func:`bayesmeta.nuts.predictive.prior_predictive`).

    Parameters
    ----------
    spec : ModelSpec
        The model.
    draws : int
        Number of simulated data sets.
    seed : int, optional
        Random seed (default :data:`~bayesmeta.model.options.DEFAULT_SEED`).

    Returns
    -------
    arviz.InferenceData
    """
    from bayesmeta.model.options import DEFAULT_SEED

    simulate = _capable(spec, None, "prior_predictive")
    return simulate(spec, draws=draws, seed=DEFAULT_SEED if seed is None else seed)


def exact_posterior(spec: ModelSpec, *, accuracy: Any = None) -> Any:
    """The exact engine's posterior of ``spec``: its grid(s) or nodes (see
    :meth:`bayesmeta.quad.engine.QuadratureEngine.posterior`), built once per spec.

    Parameters
    ----------
    spec : ModelSpec
        A model an exact engine supports.
    accuracy : object, optional
        That engine's accuracy controls (None: its defaults).

    Returns
    -------
    object
        The engine's posterior object.
    """
    return _capable(spec, "exact", "posterior")(spec, accuracy=accuracy)


def exact_loo(spec: ModelSpec) -> Any:
    """Exact leave-one-study-out log predictive densities (:func:`bayesmeta.quad.loo_log_predictive`).

    Parameters
    ----------
    spec : ModelSpec
        A model the exact engine supports.

    Returns
    -------
    numpy.ndarray
        ``log p(y_i | y_-i)`` per study.
    """
    return _capable(spec, "exact_loo", "loo")(spec)


def log_evidence(spec: ModelSpec) -> float:
    """log p(y) by the exact engine, binomial coefficients included.

    Parameters
    ----------
    spec : ModelSpec
        A model the exact engine supports.

    Returns
    -------
    float
        The log marginal likelihood of the counts.
    """
    return _capable(spec, "log_evidence", "log_evidence")(spec)


def exact_loo_pooled(spec: ModelSpec) -> tuple[Any, tuple[Any, ...], tuple[str, ...]]:
    """The pooled median rate with every study and without each one, exactly.

    See :func:`bayesmeta.quad.influence.loo_pooled_rates`.

    Parameters
    ----------
    spec : ModelSpec
        A random-intercept or common-effect model.

    Returns
    -------
    pooled : Interval
        With every study.
    without : tuple of Interval
        Without each study, in study order.
    refitted : tuple of str
        Studies whose leave-one-out posterior needed a refit.
    """
    return _capable(spec, "exact_loo", "loo_pooled")(spec)


def log_evidence_with_error(spec: ModelSpec) -> tuple[float, float]:
    """log p(y) by the exact engine and its numerical error (two accuracy levels).

    Parameters
    ----------
    spec : ModelSpec
        A model the exact engine supports.

    Returns
    -------
    log_evidence : float
        The log marginal likelihood of the counts, binomial coefficients included.
    error : float
        Its change at a finer accuracy level.
    """
    return _capable(spec, "log_evidence", "log_evidence_with_error")(spec)


def rate_cdfs(spec: ModelSpec) -> dict[str, Any]:
    """Exact posterior CDFs of the pooled, mean, new-study and level rates.

    Parameters
    ----------
    spec : ModelSpec
        A model the exact engine supports.

    Returns
    -------
    dict
        See :func:`bayesmeta.quad.decisions.rate_cdfs`.
    """
    return _capable(spec, "rate_cdfs", "rate_cdfs")(spec)


def tau_densities(spec: ModelSpec, *, result: Any = None) -> dict[str, Any]:
    """Exact posterior densities of tau, from the engine that computes exact rate CDFs.

    Parameters
    ----------
    spec : ModelSpec
        A model the exact engine supports.
    result : BayesResult, optional
        A fit of ``spec`` whose grids are read.

    Returns
    -------
    dict
        See :func:`bayesmeta.quad.tau_density.tau_densities`.
    """
    return _capable(spec, "rate_cdfs", "tau_densities")(spec, result=result)
