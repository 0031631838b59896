"""The engine boundary: the registry of engines, which engine fits a model, and the one place
that calls them.

Engines implement :class:`bayesmeta.model.engine_api.Engine` (a ``name``, declared
:class:`~bayesmeta.model.engine_api.Capabilities`, ``fit``): the exact quadrature engine
(:mod:`bayesmeta.quad.engine`) and NUTS (:mod:`bayesmeta.nuts.engine`) are built in and loaded
lazily; more are added with :func:`register_engine`. They share the model layer
(:mod:`bayesmeta.model`) and never import each other nor this module; every other package
reaches them only through here. :func:`supports` asks the engine's declarations,
:func:`resolve` turns ``"auto"`` into the first exact engine that supports the model (else the
first that does), and :func:`fit` runs the resolved engine (``result.engine`` says which one).
A model no engine declares is refused in one line, never handed to NUTS by default.

Both built-in engines are imported inside the functions that use them, so importing this
module is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

from bayesmeta.errors import InputError
from bayesmeta.model.options import NutsOptions

if TYPE_CHECKING:
    from bayesmeta.model.engine_api import Engine, FitOptions
    from bayesmeta.model.result import BayesResult
    from bayesmeta.model.spec import ModelSpec

#: Engine names of the built-in engines and ``auto`` (CLI and spec-file choices); engines
#: registered later are accepted too (:func:`engine_names`).
ENGINES: tuple[str, ...] = ("auto", "quadrature", "nuts")
#: The engine every entry point (Python, CLI, spec files, sensitivity) uses unless told otherwise.
DEFAULT_ENGINE = "auto"
#: The built-in concrete engines, preferred first.
CONCRETE: tuple[str, ...] = ("quadrature", "nuts")

#: Built-in engines: name -> module holding ``ENGINE`` (imported on first use).
_BUILTIN: dict[str, str] = {"quadrature": "bayesmeta.quad.engine", "nuts": "bayesmeta.nuts.engine"}
#: Registered engines in preference order (None: a built-in not imported yet).
_REGISTRY: dict[str, Engine | None] = dict.fromkeys(_BUILTIN)
#: Changes with every (un)registration: a decision of :func:`resolve` kept with a spec is valid
#: while the registry is the same.
_VERSION = [0]


def register_engine(engine: Engine, *, replace: bool = False) -> Engine:
    """Add an engine to the registry (after the engines already there, in preference order).

    Parameters
    ----------
    engine : Engine
        An object with ``name``, ``capabilities`` (:class:`~bayesmeta.model.engine_api.Capabilities`),
        ``supports(spec)`` and ``fit(spec, options)``.
    replace : bool, default False
        Allow replacing a registered engine of the same name (keeping its place).

    Returns
    -------
    Engine
        ``engine``.

    Raises
    ------
    ValueError
        ``auto`` as a name, or a name already registered without ``replace``.
    """
    name = engine.name
    if name == "auto" or not isinstance(name, str) or not name:
        raise ValueError(f"an engine cannot be called {name!r}")
    if name in _REGISTRY and not replace:
        raise ValueError(f"engine '{name}' is already registered")
    _REGISTRY[name] = engine
    _VERSION[0] += 1
    return engine


def unregister_engine(name: str) -> None:
    """Remove a registered engine that is not built in (tests and plug-ins).

    Parameters
    ----------
    name : str
        Its name.

    Returns
    -------
    None
    """
    if name in _BUILTIN:
        raise ValueError(f"the built-in engine '{name}' cannot be removed")
    _REGISTRY.pop(name, None)
    _VERSION[0] += 1


def engine_names() -> tuple[str, ...]:
    """The registered concrete engines, preferred first.

    Returns
    -------
    tuple of str
    """
    return tuple(_REGISTRY)


def get_engine(name: str) -> Engine:
    """The registered engine called ``name``.

    Parameters
    ----------
    name : str
        A concrete engine name.

    Returns
    -------
    Engine

    Raises
    ------
    InputError
        Not a registered engine.
    """
    _check_engine(name, engine_names())
    engine = _REGISTRY[name]
    if engine is None:
        engine = import_module(_BUILTIN[name]).ENGINE
        _REGISTRY[name] = engine
    return engine


def _check_engine(engine: str, allowed: tuple[str, ...] | None = None) -> None:
    allowed = ("auto", *engine_names()) if allowed is None else allowed
    if engine not in allowed:
        raise InputError(f"unknown engine '{engine}' (choose from {', '.join(allowed)})")


def _preferred() -> list[str]:
    """Concrete engines in the order ``auto`` tries them: exact ones first, then the rest."""
    names = engine_names()
    exact = [n for n in names if get_engine(n).capabilities.exact]
    return exact + [n for n in names if n not in exact]


def supports(spec: ModelSpec, engine: str) -> bool:
    """Whether ``engine`` can fit ``spec``: the engine's own declaration.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    engine : str
        A registered concrete engine (``"quadrature"``, ``"nuts"``, ...).

    Returns
    -------
    bool
        The built-in engines both fit every binomial model: the exact engine the random,
        common and subgroup models (separate or common tau) on (mu, tau) grids and the
        meta-regression by nested quadrature over (beta, log tau)
        (:mod:`bayesmeta.quad.regression`); NUTS all of them by sampling.
    """
    _check_engine(engine, engine_names())
    return bool(get_engine(engine).supports(spec))


def resolve(spec: ModelSpec, engine: str = DEFAULT_ENGINE) -> str:
    """The concrete engine that fits ``spec``.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    engine : str
        ``auto`` (the first exact engine that supports the model, else the first engine that
        does) or a registered engine name.

    Returns
    -------
    str
        The engine's name.

    Raises
    ------
    InputError
        An unknown engine, an engine that cannot fit this model, or (``auto``) no engine that
        can.

    Notes
    -----
    Decided once per spec object and choice (kept in
    :func:`~bayesmeta.model.spec.engine_cache`); asking again costs a dictionary look-up.
    """
    _check_engine(engine)
    from bayesmeta.model.spec import engine_cache

    cache = engine_cache(spec)
    key = ("engines.resolve", engine, _VERSION[0])
    if key not in cache:
        cache[key] = _resolve(spec, engine)
    return cache[key]


def _resolve(spec: ModelSpec, engine: str) -> str:
    what = f"a '{spec.kind}' model" + (
        "" if spec.likelihood.name == "binomial" else f" with the {spec.likelihood.name} likelihood"
    )
    if engine == "auto":
        for name in _preferred():
            if supports(spec, name):
                return name
        raise InputError(f"no engine can fit {what}")
    if not supports(spec, engine):
        able = [name for name in _preferred() if supports(spec, name)]
        hint = f"; use engine='{able[0]}' or 'auto'" if able else ""
        raise InputError(f"the {engine} engine cannot fit {what}{hint}")
    return engine


def declares(engine: str, capability: str) -> bool:
    """Whether the engine called ``engine`` declares ``capability`` (False for unknown names,
    e.g. a saved fit of an engine not registered in this process).

    Parameters
    ----------
    engine : str
        An engine name (``result.engine``).
    capability : str
        A :class:`~bayesmeta.model.engine_api.Capabilities` flag, e.g. ``"exact"``.

    Returns
    -------
    bool
    """
    if engine not in _REGISTRY:
        return False
    return bool(getattr(get_engine(engine).capabilities, capability))


def can(spec: ModelSpec, capability: str) -> bool:
    """Whether some registered engine that supports ``spec`` declares ``capability``.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    capability : str
        A :class:`~bayesmeta.model.engine_api.Capabilities` flag, e.g. ``"log_evidence"``.

    Returns
    -------
    bool
    """
    return any(declares(n, capability) and supports(spec, n) for n in engine_names())


def exact_engine(spec: ModelSpec) -> str:
    """The preferred exact engine that fits ``spec``.

    Parameters
    ----------
    spec : ModelSpec
        The model.

    Returns
    -------
    str
        Its name.

    Raises
    ------
    InputError
        No exact engine fits the model.
    """
    for name in _preferred():
        if declares(name, "exact") and supports(spec, name):
            return name
    raise InputError(f"no exact engine can fit a '{spec.kind}' model")


def sampling_engine(spec: ModelSpec) -> str:
    """The preferred engine that fits ``spec`` by drawing from its posterior (not exact).

    Parameters
    ----------
    spec : ModelSpec
        The model.

    Returns
    -------
    str
        Its name.

    Raises
    ------
    InputError
        No sampling engine fits the model.
    """
    for name in engine_names():
        if not declares(name, "exact") and supports(spec, name):
            return name
    raise InputError(f"no sampling engine can fit a '{spec.kind}' model")


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
        given = {
            "draws": draws,
            "tune": tune,
            "chains": chains,
            "seed": seed,
            "sampler": sampler,
            "target_accept": target_accept,
        }
        nuts = NutsOptions(**{key: value for key, value in given.items() if value is not None})
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


def _capable(spec: ModelSpec, capability: str, method: str) -> Any:
    """The bound ``method`` of the preferred engine that declares ``capability``, has
    ``method`` and supports ``spec`` (one-line InputError when there is none)."""
    for name in _preferred():
        chosen = get_engine(name)
        bound = getattr(chosen, method, None)
        if getattr(chosen.capabilities, capability) and bound is not None and chosen.supports(spec):
            return bound
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

    for name in _preferred():
        chosen = get_engine(name)
        simulate = getattr(chosen, "prior_predictive", None)
        if simulate is not None and chosen.supports(spec):
            return simulate(spec, draws=draws, seed=DEFAULT_SEED if seed is None else seed)
    raise InputError(f"no engine simulates the prior predictive of a '{spec.kind}' model")


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
        log p(y_i | y_-i) per study.
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
