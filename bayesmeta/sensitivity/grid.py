"""The prior grid of a sensitivity analysis: tau prior family x scale, and the mu prior scale.

For a scale ``s`` the tau priors are ``halfnormal(s)``, ``halfcauchy(s)``, ``exponential(1/s)``
(mean ``s``) and ``uniform(0, 4 s)``; the default scales 0.25, 0.5, 0.75, 1, 1.5, 2 give 24
tau priors, from "little heterogeneity" (half-normal 0.25: P(tau > 0.5) = 4.6%) to very vague
(uniform(0, 8), half-Cauchy(2)). The mu prior is ``normal(0, s)`` on the logit scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bayesmeta.model.priors import Prior, parse_prior

TAU_FAMILIES: tuple[str, ...] = ("halfnormal", "halfcauchy", "exponential", "uniform")
DEFAULT_TAU_SCALES: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
DEFAULT_MU_SCALES: tuple[float, ...] = (1.0, 2.5, 5.0, 10.0)
#: Upper bound of the uniform tau prior, in multiples of the scale.
UNIFORM_WIDTH = 4.0


def tau_prior(family: str, scale: float) -> Prior:
    """The tau prior of ``family`` at ``scale`` (see the module docstring).

    Parameters
    ----------
    family : str
        tau prior family: ``halfnormal``, ``halfcauchy``, ``exponential`` or ``uniform``.
    scale : float
        Its scale (for ``exponential`` the rate is 1 / scale).

    Returns
    -------
    Prior
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    text = {
        "halfnormal": f"halfnormal({scale:g})",
        "halfcauchy": f"halfcauchy({scale:g})",
        "exponential": f"exponential({1.0 / scale:g})",
        "uniform": f"uniform(0, {UNIFORM_WIDTH * scale:g})",
        # opt-in families (not in TAU_FAMILIES): median tau = scale for lognormal (log-sd 1)
        "halflogistic": f"halflogistic({scale:g})",
        "lognormal": f"lognormal({math.log(scale):.6g}, 1)",
    }.get(family)
    if text is None:
        raise ValueError(
            f"unknown tau prior family {family!r} (choose from {', '.join(TAU_FAMILIES)})"
        )
    return parse_prior(text, role="scale", name="tau prior")


def tau_prior_grid(
    *,
    families: Sequence[str] = TAU_FAMILIES,
    scales: Sequence[float] = DEFAULT_TAU_SCALES,
) -> list[tuple[str, float, Prior]]:
    """Every (family, scale, prior) of the grid, family by family.

    Parameters
    ----------
    families : Sequence[str], optional
        tau prior families.
    scales : Sequence[float], optional
        Prior scales.

    Returns
    -------
    list[tuple[str, float, Prior]]
    """
    return [
        (family, float(scale), tau_prior(family, scale)) for family in families for scale in scales
    ]


def mu_prior_grid(*, scales: Sequence[float] = DEFAULT_MU_SCALES) -> list[tuple[float, Prior]]:
    """``normal(0, s)`` for each scale ``s``.

    Parameters
    ----------
    scales : Sequence[float], optional
        Prior scales.

    Returns
    -------
    list[tuple[float, Prior]]
    """
    return [
        (float(s), parse_prior(f"normal(0, {s:g})", role="location", name="mu prior"))
        for s in scales
    ]
