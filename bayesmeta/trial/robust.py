"""Robustify a MAP prior with a vague component (Schmidli et al. 2014, Biometrics 70:1023).

``robustify(mix, weight=W)`` rescales the informative weights to 1 - W and adds a vague Beta with
weight W. As RBesT's ``robustify`` for Beta mixtures, the vague component is the Beta with mean m
and a + b = 2 (n = 1 observation, plus one so that the default m = 1/2 gives the uniform
Beta(1, 1) rather than the unit-information Beta(1/2, 1/2)); ``mean="map"`` centres it on the
MAP prior's mean (the mean-matched unit-information Beta).
"""

from __future__ import annotations

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.trial.beta_mixture import BetaMixture


def vague_component(
    mix: BetaMixture, *, mean: float | str = 0.5, n: float = 1.0
) -> tuple[float, float]:
    """Shapes (a, b) of the vague component: mean ``mean`` (or the MAP mean) and a + b = n + 1.

    Parameters
    ----------
    mix : BetaMixture
        The informative prior (for ``mean="map"``).
    mean : float or "map", default 0.5
        Mean of the vague component.
    n : float, default 1
        Its sample size (a + b = n + 1).

    Returns
    -------
    (float, float)
    """
    m = mix.mean() if mean == "map" else float(mean)
    if not 0 < m < 1:
        raise InputError(f"--robust-mean {mean}: the vague component's mean must be in (0, 1)")
    return m * (n + 1), (1 - m) * (n + 1)


def check_weight(weight: float) -> None:
    """Raise a one-line InputError unless 0 <= weight <= 1.

    Parameters
    ----------
    weight : float

    Returns
    -------
    None
    """
    if not (np.isfinite(weight) and 0 <= weight <= 1):
        raise InputError(
            f"--robust {weight:g}: the weight of the vague component must be in [0, 1]"
        )


def robustify(mix: BetaMixture, *, weight: float, mean: float | str = 0.5) -> BetaMixture:
    """The robust mixture (1 - weight) * mix + weight * vague.

    Parameters
    ----------
    mix : BetaMixture
        The MAP prior.
    weight : float
        Weight of the vague component, in [0, 1].
    mean : float or "map", default 0.5
        Mean of the vague component (0.5 gives Beta(1, 1)).

    Returns
    -------
    BetaMixture
        The vague component is the last one.
    """
    check_weight(weight)
    a, b = vague_component(mix, mean=mean)
    return BetaMixture(
        weight=np.append(mix.weight * (1 - weight), weight),
        a=np.append(mix.a, a),
        b=np.append(mix.b, b),
    )
