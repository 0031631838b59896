"""The fitter of a sensitivity analysis: the engine boundary's choice, or a custom callable.

Which engine fits a model is decided by :mod:`bayesmeta.engines` alone (``auto``: the exact
engine wherever it supports the model, NUTS otherwise). PyMC is imported only when NUTS is used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bayesmeta.engines import declares, fit, resolve
from bayesmeta.model.spec import ModelSpec

Fitter = Callable[[ModelSpec], Any]


def make_fitter(
    engine: str | Fitter, spec: ModelSpec, fit_options: Mapping[str, Any] | None = None
) -> tuple[str, Fitter]:
    """Resolve ``engine`` for ``spec`` and return its name and a ``spec -> BayesResult`` callable.

    Parameters
    ----------
    engine : str or callable
        An engine name (resolved by :func:`bayesmeta.engines.resolve`), or itself a
        ``spec -> BayesResult`` callable (a custom sampler, or a fake in tests).
    spec : ModelSpec
        The baseline model (every setting has the same kind).
    fit_options : mapping, optional
        draws, tune, chains, seed, ... for a sampling engine (exact engines ignore them).

    Returns
    -------
    name : str
        The engine's name, or "custom".
    fitter : callable
        ``spec -> BayesResult``.
    """
    if callable(engine):
        return "custom", engine
    name = resolve(spec, engine)
    options = {} if declares(name, "exact") else dict(fit_options or {})

    def fitter(model: ModelSpec) -> Any:
        return fit(model, engine=name, **options)

    return name, fitter
