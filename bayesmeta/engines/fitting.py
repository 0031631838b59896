"""Fitting through the boundary: :func:`fit` runs the engine :func:`~bayesmeta.engines.resolve`
picks (checking thresholds and the benchmark against its declarations); :func:`fit_grouped`
hands a model of several rows per study to the named engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bayesmeta.engines.registry import DEFAULT_ENGINE, engine_names, get_engine, resolve
from bayesmeta.errors import InputError
from bayesmeta.model.options import NutsOptions

if TYPE_CHECKING:
    from bayesmeta.model.engine_api import FitOptions
    from bayesmeta.model.result import BayesResult
    from bayesmeta.model.spec import ModelSpec


def fit(
    spec: ModelSpec,
    *,
    engine: str = DEFAULT_ENGINE,
    options: FitOptions | None = None,
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    seed: int | None = None,
    sampler: str | None = None,
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
    engine : str
        ``auto`` (default): exact where supported, else the first engine that supports the
        model; or a registered engine name (``"quadrature"``, ``"nuts"``).
    options : FitOptions, optional
        All settings at once; the keywords below are ignored when given.
    draws, tune, chains : int, optional
        Kept draws and tuning steps per chain, number of chains (sampling engines; defaults in
        :class:`~bayesmeta.model.options.NutsOptions`).
    seed : int, optional
        Random seed; the same seed gives identical numbers (the exact engine is deterministic).
    sampler : {"pymc", "nutpie", "numpyro"}, optional
        NUTS implementation (nutpie and numpyro when installed).
    hdi : bool
        Highest-density instead of equal-tailed 95% intervals.
    target_accept : float, optional
        NUTS target acceptance (default :data:`bayesmeta.model.options.TARGET_ACCEPT`).
    thresholds : sequence of float
        Rates X for ``result.prob_above`` (P(rate > X)): exact from the engine's CDFs, or from
        the draws with NUTS.
    benchmark : float, optional
        Rate B for the one-sided Bayes factor ``pooled_vs_benchmark`` (engines declaring
        ``benchmark``: the exact engine).

    Returns
    -------
    BayesResult
        Exact fits carry ``bayes_factors`` (heterogeneity, each covariate, the benchmark; see
        :mod:`bayesmeta.model.bayes_factor`). ``result.engine`` is the engine that ran; NUTS
        results carry the labelled InferenceData in ``idata``.

    Warns
    -----
    ConvergenceWarning
        NUTS only: when R-hat > 1.01, bulk or tail ESS < 400, or any divergence.
    """
    from bayesmeta.model.engine_api import FitOptions
    from bayesmeta.model.spec import ModelSpec

    if not isinstance(spec, ModelSpec):
        raise InputError(f"fit expects a ModelSpec from build_model, got {type(spec).__name__}")
    from bayesmeta.model.thresholds import check_thresholds

    if options is None:
        nuts = NutsOptions.given(
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            sampler=sampler,
            target_accept=target_accept,
        )
        options = FitOptions(hdi=hdi, thresholds=tuple(thresholds), benchmark=benchmark, nuts=nuts)
    checked = check_thresholds(options.thresholds, name="thresholds")
    if options.benchmark is not None:
        check_thresholds(options.benchmark, name="benchmark")
    if tuple(checked) != options.thresholds:
        from dataclasses import replace

        options = replace(options, thresholds=tuple(checked))
    chosen = get_engine(resolve(spec, engine))
    if options.benchmark is not None and not chosen.capabilities.benchmark:
        raise InputError(
            f"benchmark: the one-sided Bayes factor needs the exact engine "
            f"({', '.join(_able('benchmark'))}); the {chosen.name} engine does not compute it"
        )
    if options.thresholds and not chosen.capabilities.thresholds:
        raise InputError(f"thresholds: the {chosen.name} engine does not compute P(rate > X)")
    return chosen.fit(spec, options)


def _able(capability: str) -> list[str]:
    return [n for n in engine_names() if getattr(get_engine(n).capabilities, capability)]


def fit_grouped(model: Any, *, engine: str, options: FitOptions | None = None) -> Any:
    """Fit a model whose studies have several rows (:class:`bayesmeta.model.grouped.GroupedModel`,
    the one-stage IPD model) with the named engine's ``fit_grouped``.

    Parameters
    ----------
    model : GroupedModel
        Rows sorted by trial, design, priors.
    engine : str
        A concrete engine name ("quadrature": random intercept, exact; "nuts": every variant).
    options : FitOptions, optional
        NUTS settings in ``options.nuts``.

    Returns
    -------
    Any
        The engine's own summary (exact: ``GroupedExact``; NUTS: draws and diagnostics).
    """
    from bayesmeta.model.engine_api import FitOptions

    chosen = get_engine(engine)
    method = getattr(chosen, "fit_grouped", None)
    if method is None:
        raise InputError(f"engine '{engine}' does not fit models with several rows per study")
    return method(model, options or FitOptions())
