"""Fast log prior densities for the exact meta-regression.

:meth:`bayesmeta.model.priors.Prior.logpdf` builds a scipy distribution on every call, which
costs more than the likelihood here (the mode searches call the priors hundreds of times). The
common families get closed forms; every other family freezes its scipy distribution once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import gammaln

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def log_density(prior) -> Callable[[np.ndarray], np.ndarray]:
    """A vectorized log density of a :class:`~bayesmeta.model.priors.Prior`.

    Parameters
    ----------
    prior : Prior
        Any family of :mod:`bayesmeta.model.priors`.

    Returns
    -------
    callable
        ``x -> log density at x`` (``-inf`` outside the support).
    """
    p = prior.params
    if prior.family == "normal":
        m, s = p
        const = -np.log(s) - LOG_SQRT_2PI

        def normal(x):
            r = (np.asarray(x, float) - m) / s
            return const - 0.5 * r * r

        return normal
    if prior.family == "student_t":
        nu, m, s = p
        const = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi) - np.log(s)

        def student(x):
            r = (np.asarray(x, float) - m) / s
            return const - 0.5 * (nu + 1) * np.log1p(r * r / nu)

        return student
    if prior.family == "halfnormal":
        s = p[0]
        const = np.log(2.0) - np.log(s) - LOG_SQRT_2PI

        def halfnormal(x):
            x = np.asarray(x, float)
            r = x / s
            with np.errstate(divide="ignore"):
                return np.where(x >= 0, const - 0.5 * r * r, -np.inf)

        return halfnormal
    dist = prior.distribution()
    return lambda x: dist.logpdf(np.asarray(x, float))
