"""The exact engine's posterior of one spec, built once and reused by everything that reads it.

A fit, its draws, exact LOO, the rate CDFs, the influence analysis, the MAP prior and the log
evidence all start from the same grids: the (mu, tau) grid of a random or common model, the
per-level grids of a subgroup model, the (beta, log tau) nodes of a regression. Each is built on
first request and kept with the spec (:func:`bayesmeta.model.spec.engine_cache`), keyed by the
accuracy controls, so one ``bayesmeta run`` of a spec builds each grid once. A refined grid
(for the evidence's error) or a companion model's (for a Bayes factor) is another key or another
spec, built only when asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bayesmeta.errors import InputError
from bayesmeta.model.spec import ModelSpec, engine_cache
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.grid import PosteriorGrid, build_grid


def cached(spec: ModelSpec, key: tuple, build: Callable[[], Any]) -> Any:
    """``build()`` once per spec and key.

    Parameters
    ----------
    spec : ModelSpec
        The spec the value belongs to.
    key : tuple
        What the value is (e.g. ``("grid", accuracy)``); hashable.
    build : callable
        ``() -> value``.

    Returns
    -------
    object
        The kept value.
    """
    cache = engine_cache(spec)
    full = ("quad", *key)
    if full not in cache:
        cache[full] = build()
    return cache[full]


def accuracy_from(accuracy: Accuracy | None, **overrides) -> Accuracy:
    """An :class:`Accuracy` from an optional base and keyword overrides (None keeps the base).

    Parameters
    ----------
    accuracy : Accuracy or None
        Accuracy controls (None: the defaults).
    **overrides
        Accuracy fields to change (None values are ignored).

    Returns
    -------
    Accuracy
    """
    base = accuracy or Accuracy()
    given = {key: value for key, value in overrides.items() if value is not None}
    if not given:
        return base
    fields = {**base.__dict__, **given}
    return Accuracy(**fields)


def check_supported(spec: ModelSpec) -> None:
    """Raise a clear InputError for models the exact engine cannot integrate.

    Every model kind is integrated (the meta-regression by :mod:`bayesmeta.quad.regression`);
    what :func:`bayesmeta.engines.supports` allows must stay what this accepts.

    Parameters
    ----------
    spec : ModelSpec
        The model.

    Returns
    -------
    None
    """
    if spec.kind not in ("random", "common", "subgroup", "regression"):
        raise InputError(f"the quadrature engine cannot fit a '{spec.kind}' model")


def posterior_grid(
    spec: ModelSpec,
    *,
    accuracy: Accuracy | None = None,
    n_mu: int | None = None,
    n_tau: int | None = None,
    n_gh: int | None = None,
    edge_tol: float | None = None,
) -> PosteriorGrid:
    """The posterior grid of a random-intercept or common-effect model.

    Parameters
    ----------
    spec : ModelSpec
        A "random" or "common" model.
    accuracy : Accuracy, optional
        Base accuracy controls; ``n_mu``, ``n_tau``, ``n_gh``, ``edge_tol`` override it.
    n_mu : int, optional
        Starting number of mu nodes (None: default).
    n_tau : int, optional
        Starting number of tau nodes (None: default).
    n_gh : int, optional
        Adaptive Gauss-Hermite nodes per study.
    edge_tol : float, optional
        Largest posterior mass allowed in the grid's outermost cells (None: default).

    Returns
    -------
    PosteriorGrid
        Nodes, normalised log masses, per-study log likelihoods and log p(y).
    """
    if spec.kind not in ("random", "common"):
        raise InputError(f"posterior_grid handles the random and common models, not '{spec.kind}'")
    acc = accuracy_from(accuracy, n_mu=n_mu, n_tau=n_tau, n_gh=n_gh, edge_tol=edge_tol)
    return cached(
        spec,
        ("grid", acc),
        lambda: build_grid(
            spec.data.events,
            spec.data.total,
            spec.priors,
            common=spec.kind == "common",
            accuracy=acc,
        ),
    )


@dataclass(frozen=True)
class ExactPosterior:
    """The handle a :class:`~bayesmeta.model.result.BayesResult` carries in ``posterior``.

    Attributes
    ----------
    spec : ModelSpec
        The fitted spec (its cache holds the grids).
    accuracy : Accuracy
        The fit's grid controls.
    """

    spec: ModelSpec
    accuracy: Accuracy
