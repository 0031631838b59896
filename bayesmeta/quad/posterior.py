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

from bayesmeta.model.spec import ModelSpec, engine_cache
from bayesmeta.quad.controls import Accuracy


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
