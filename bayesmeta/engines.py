"""The engine boundary: which engine fits a model, and the one place that calls either.

Two engines fit a :class:`~bayesmeta.model.spec.ModelSpec` into a
:class:`~bayesmeta.model.result.BayesResult`: the exact quadrature engine
(:mod:`bayesmeta.quad`) and NUTS (:mod:`bayesmeta.nuts`). They share the model layer
(:mod:`bayesmeta.model`) and never import each other; ``analysis``, ``sensitivity`` and the CLI
reach them only through this module. :func:`supports` is the one capability rule,
:func:`resolve` turns ``"auto"`` into the exact engine wherever it is supported and NUTS
otherwise, and :func:`fit` runs the resolved engine (``result.engine`` says which one ran).

Both engines are imported inside the functions that use them, so importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bayesmeta.errors import InputError
from bayesmeta.model.options import DEFAULT_SAMPLER, DEFAULT_SEED

if TYPE_CHECKING:
    from bayesmeta.model.result import BayesResult
    from bayesmeta.model.spec import ModelSpec

#: Engine names: ``auto`` resolves to ``quadrature`` or ``nuts`` per model (:func:`resolve`).
ENGINES: tuple[str, ...] = ("auto", "quadrature", "nuts")
#: The engine every entry point (Python, CLI, spec files, sensitivity) uses unless told otherwise.
DEFAULT_ENGINE = "auto"
#: The concrete engines, preferred first.
CONCRETE: tuple[str, ...] = ("quadrature", "nuts")


def _check_engine(engine: str, allowed: tuple[str, ...] = ENGINES) -> None:
    if engine not in allowed:
        raise InputError(f"unknown engine '{engine}' (choose from {', '.join(allowed)})")


def supports(spec: ModelSpec, engine: str) -> bool:
    """Whether ``engine`` can fit ``spec``: the one capability rule of the package.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    engine : {"quadrature", "nuts"}
        A concrete engine.

    Returns
    -------
    bool
        NUTS fits every model; so does the exact engine: the random, common and subgroup
        models (separate or common tau) on (mu, tau) grids, the meta-regression by nested
        quadrature over (beta, log tau) (:mod:`bayesmeta.quad.regression`).
    """
    _check_engine(engine, CONCRETE)
    if engine == "nuts":
        return True
    return spec.kind in ("random", "common", "subgroup", "regression")


def resolve(spec: ModelSpec, engine: str = DEFAULT_ENGINE) -> str:
    """The concrete engine that fits ``spec``.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    engine : {"auto", "quadrature", "nuts"}
        ``auto``: the exact engine wherever it is supported, NUTS otherwise.

    Returns
    -------
    str
        ``"quadrature"`` or ``"nuts"``.

    Raises
    ------
    InputError
        An unknown engine, or an engine that cannot fit this model.
    """
    _check_engine(engine)
    if engine == "auto":
        return next(name for name in CONCRETE if supports(spec, name))
    if not supports(spec, engine):
        raise InputError(
            f"the {engine} engine cannot fit a '{spec.kind}' model; use engine='nuts' or 'auto'"
        )
    return engine


def fit(
    spec: ModelSpec,
    *,
    engine: str = DEFAULT_ENGINE,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = DEFAULT_SEED,
    sampler: str = DEFAULT_SAMPLER,
    hdi: bool = False,
    target_accept: float | None = None,
    thresholds: Sequence[float] = (),
    benchmark: float | None = None,
) -> BayesResult:
    """Fit a Bayesian model with the engine :func:`resolve` picks, and summarize it.

    Parameters
    ----------
    spec : ModelSpec
        From :func:`bayesmeta.model.spec.build_model`.
    engine : {"auto", "quadrature", "nuts"}
        ``auto`` (default): exact where supported, NUTS otherwise.
    draws, tune, chains : int
        Kept draws and tuning steps per chain, number of chains (NUTS only).
    seed : int
        Random seed; the same seed gives identical numbers (NUTS only; the exact engine is
        deterministic).
    sampler : {"pymc", "nutpie", "numpyro"}
        NUTS implementation (nutpie and numpyro when installed).
    hdi : bool
        Highest-density instead of equal-tailed 95% intervals.
    target_accept : float, optional
        NUTS target acceptance (default :data:`bayesmeta.model.options.TARGET_ACCEPT`).
    thresholds : sequence of float
        Rates X for ``result.prob_above`` (P(rate > X)): exact from the engine's CDFs, or from
        the draws with NUTS.
    benchmark : float, optional
        Rate B for the one-sided Bayes factor ``pooled_vs_benchmark`` (exact engine only).

    Returns
    -------
    BayesResult
        Exact fits carry ``bayes_factors`` (heterogeneity, each covariate, the benchmark; see
        :mod:`bayesmeta.model.bayes_factor`). ``result.engine`` is the engine that ran (``"quadrature"`` or ``"nuts"``); NUTS results
        carry the labelled InferenceData in ``idata``.

    Warns
    -----
    ConvergenceWarning
        NUTS only: when R-hat > 1.01, bulk or tail ESS < 400, or any divergence.
    """
    from bayesmeta.model.spec import ModelSpec

    if not isinstance(spec, ModelSpec):
        raise InputError(f"fit expects a ModelSpec from build_model, got {type(spec).__name__}")
    from bayesmeta.model.thresholds import check_thresholds

    thresholds = check_thresholds(thresholds, name="thresholds")
    if benchmark is not None:
        check_thresholds(benchmark, name="benchmark")
    if resolve(spec, engine) == "quadrature":
        from bayesmeta.quad import fit_quadrature
        from bayesmeta.quad.decisions import decide

        result = fit_quadrature(spec, hdi=hdi)
        return decide(spec, result, thresholds=thresholds, benchmark=benchmark)
    if benchmark is not None:
        raise InputError(
            "benchmark: the one-sided Bayes factor needs the exact engine (engine='quadrature')"
        )
    from bayesmeta.nuts import fit_nuts

    result = fit_nuts(
        spec,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        sampler=sampler,
        hdi=hdi,
        target_accept=target_accept,
    )
    if thresholds:
        from dataclasses import replace

        from bayesmeta.nuts.decisions import prob_above_draws

        result = replace(
            result, prob_above=prob_above_draws(spec, result.idata, thresholds, seed=seed)
        )
    return result


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
    resolve(spec, "quadrature")
    from bayesmeta.quad import posterior_draws

    return posterior_draws(spec, chains=chains, draws=draws, seed=seed)


def exact_loo(spec: ModelSpec) -> Any:
    """Exact leave-one-study-out log predictive densities (:func:`bayesmeta.quad.loo_log_predictive`).

    Parameters
    ----------
    spec : ModelSpec
        A model the exact engine supports.

    Returns
    -------
    numpy.ndarray
        log p(y_i | y_-i) per study.
    """
    resolve(spec, "quadrature")
    from bayesmeta.quad import loo_log_predictive

    return loo_log_predictive(spec)


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
    resolve(spec, "quadrature")
    from bayesmeta.quad import log_evidence as quad_log_evidence

    return quad_log_evidence(spec)


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
    resolve(spec, "quadrature")
    from bayesmeta.quad.influence import loo_pooled_rates

    return loo_pooled_rates(spec)


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
    resolve(spec, "quadrature")
    from bayesmeta.quad.decisions import evidence_with_error

    return evidence_with_error(spec)


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
    resolve(spec, "quadrature")
    from bayesmeta.quad.decisions import rate_cdfs as quad_rate_cdfs

    return quad_rate_cdfs(spec)
