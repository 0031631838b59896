"""The registry of engines and the questions about them: which engines exist (built-ins loaded
lazily, others registered), what each declares, which one fits a model (:func:`resolve`)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from bayesmeta.errors import InputError

if TYPE_CHECKING:
    from bayesmeta.model.engine_api import Engine
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


def preferred() -> list[str]:
    """Concrete engines in the order ``auto`` tries them: exact ones first, then the rest.

    Returns
    -------
    list of str
    """
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
        for name in preferred():
            if supports(spec, name):
                return name
        raise InputError(f"no engine can fit {what}")
    if not supports(spec, engine):
        able = [name for name in preferred() if supports(spec, name)]
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
    return _first_fitting(spec, exact=True)


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
    return _first_fitting(spec, exact=False)


def _first_fitting(spec: ModelSpec, *, exact: bool) -> str:
    """The preferred engine, exact or sampling, that supports ``spec`` (else one-line error)."""
    for name in preferred():
        if declares(name, "exact") == exact and supports(spec, name):
            return name
    kind = "exact" if exact else "sampling"
    raise InputError(f"no {kind} engine can fit a '{spec.kind}' model")
