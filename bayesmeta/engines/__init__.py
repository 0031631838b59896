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
package is cheap.

The package's modules: :mod:`~bayesmeta.engines.registry` (the registry, capabilities,
:func:`resolve`), :mod:`~bayesmeta.engines.fitting` (:func:`fit`, :func:`fit_grouped`) and
:mod:`~bayesmeta.engines.by_capability` (exact draws, LOO, evidence, CDFs, prior predictive from
the engine that declares them). Import the names from here. The package has no ``__all__``: the API reference documents them
where :mod:`bayesmeta.bayes` re-exports them (so each source page links to one place).
"""

# ruff: noqa: F401 (the package re-exports its modules' names)
from bayesmeta.engines.by_capability import (
    exact_draws,
    exact_loo,
    exact_loo_pooled,
    exact_posterior,
    log_evidence,
    log_evidence_with_error,
    prior_predictive,
    rate_cdfs,
    tau_densities,
)
from bayesmeta.engines.fitting import fit, fit_grouped
from bayesmeta.engines.registry import (
    CONCRETE,
    DEFAULT_ENGINE,
    ENGINES,
    can,
    declares,
    engine_names,
    exact_engine,
    get_engine,
    register_engine,
    resolve,
    sampling_engine,
    supports,
    unregister_engine,
)
