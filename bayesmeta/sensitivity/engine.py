"""Which engine fits each setting: the exact quadrature engine where the model allows it.

The quadrature engine (:mod:`bayesmeta.quad`) handles the random-intercept, common-effect and
subgroup-with-separate-tau models in milliseconds; other models, or ``engine="nuts"``, use
NUTS (:func:`bayesmeta.bayes.fit`). PyMC is imported only when NUTS is used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bayesmeta.bayes.spec import ModelSpec
from bayesmeta.errors import InputError

Fitter = Callable[[ModelSpec], Any]
ENGINES: tuple[str, ...] = ("auto", "quadrature", "nuts")


def quadrature_allowed(spec: ModelSpec) -> bool:
    """True for the models the exact engine fits.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.

    Returns
    -------
    bool
    """
    return spec.kind in ("random", "common") or (spec.kind == "subgroup" and spec.separate_tau)


def _quadrature_available() -> bool:
    try:
        from bayesmeta.quad import fit_quadrature  # noqa: F401
    except ImportError:
        return False
    return True


def engine_name(engine: str | Fitter, spec: ModelSpec) -> str:
    """The engine ``engine`` resolves to for ``spec`` ("quadrature", "nuts" or "custom").

    Parameters
    ----------
    engine : str or Fitter
        ``"quadrature"``, ``"nuts"`` or ``"auto"``, or a callable ``spec -> BayesResult``.
    spec : ModelSpec
        The model specification.

    Returns
    -------
    str
    """
    if callable(engine):
        return "custom"
    if engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    if engine == "auto":
        return "quadrature" if quadrature_allowed(spec) and _quadrature_available() else "nuts"
    if engine == "quadrature" and not _quadrature_available():
        raise InputError(
            "the quadrature engine is not available in this installation; use engine='nuts'"
        )
    if engine == "quadrature" and not quadrature_allowed(spec):
        raise InputError(
            f"the quadrature engine cannot fit a '{spec.kind}' model"
            + (" with a shared tau" if spec.kind == "subgroup" else "")
            + "; use engine='nuts'"
        )
    return engine


def make_fitter(
    engine: str | Fitter, spec: ModelSpec, fit_options: Mapping[str, Any] | None = None
) -> tuple[str, Fitter]:
    """Resolve ``engine`` for ``spec`` and return its name and a ``spec -> BayesResult`` callable.

    ``engine`` may itself be such a callable (a custom sampler, or a fake in tests).
    ``fit_options`` (draws, tune, chains, seed, ...) go to NUTS only.

    Parameters
    ----------
    engine : str or Fitter
        ``"quadrature"``, ``"nuts"`` or ``"auto"``, or a callable ``spec -> BayesResult``.
    spec : ModelSpec
        The model specification.
    fit_options : Mapping[str, Any], optional
        Options passed to the fit (draws, chains, seed, ...).

    Returns
    -------
    tuple[str, Fitter]
    """
    name = engine_name(engine, spec)
    if name == "custom":
        return name, engine  # type: ignore[return-value]
    if name == "quadrature":
        from bayesmeta.quad import fit_quadrature

        return name, fit_quadrature
    options = dict(fit_options or {})

    def nuts(model: ModelSpec) -> Any:
        from bayesmeta.bayes import fit

        return fit(model, engine="nuts", **options)

    return name, nuts
