"""A normal mixture on the logit scale and its exact change of variables to the rate.

The meta-analytic-predictive (MAP) prior of a new study's rate is ``expit(eta)`` with eta a
mixture of normals: over the exact engine's grid nodes (mu_j, tau_j) with their posterior
masses, eta ~ sum_j w_j N(mu_j, tau_j) (for a meta-regression, loc = x'beta). The density of the
rate p = expit(eta) is exactly ``sum_j w_j phi((logit p - m_j) / s_j) / (s_j p (1 - p))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import special

from bayesmeta.errors import InputError

#: Gauss-Hermite nodes for moments of expit(N(m, s)).
GH_NODES = 64
#: Points of the tabulated logit CDF behind the quantile function.
TABLE_POINTS = 4001
#: Total weight of the lightest components dropped (bounds the CDF error).
PRUNE = 1e-10
#: Largest (points x components) block evaluated at once.
BLOCK = 2_000_000


@dataclass(frozen=True)
class NormalMixture:
    """sum_j weight_j N(loc_j, scale_j) for the logit of a rate.

    Parameters
    ----------
    weight, loc, scale : numpy.ndarray
        Weights (normalised here), locations and positive scales, shape (J,). Weights may
        be signed (a Smolyak quadrature rule gives some nodes negative mass) as long as they
        sum to a positive number; the density is then floored at zero where it dips below.
    """

    weight: np.ndarray
    loc: np.ndarray
    scale: np.ndarray

    def __post_init__(self) -> None:
        w, m, s = (
            np.ravel(np.asarray(v, dtype=float)) for v in (self.weight, self.loc, self.scale)
        )
        if not (w.shape == m.shape == s.shape) or w.size == 0:
            raise InputError("normal mixture: weight, loc and scale need the same length")
        if not (np.all(np.isfinite(w)) and w.sum() > 0):
            raise InputError("normal mixture: weights must be finite with a positive sum")
        if not (np.all(np.isfinite(m)) and np.all(np.isfinite(s)) and np.all(s > 0)):
            raise InputError("normal mixture: locations must be finite and scales positive")
        # drop the lightest components carrying PRUNE of the mass in total (CDF error <= PRUNE)
        order = np.argsort(np.abs(w))
        light = np.cumsum(np.abs(w[order])) <= PRUNE * w.sum()
        keep = np.ones(w.size, dtype=bool)
        keep[order[light]] = False
        object.__setattr__(self, "weight", w[keep] / w[keep].sum())
        object.__setattr__(self, "loc", m[keep])
        object.__setattr__(self, "scale", s[keep])

    def _blocked(self, eta: np.ndarray, function) -> np.ndarray:
        """Apply ``function`` to blocks of the flattened points (bounded memory)."""
        eta = np.asarray(eta, dtype=float)
        flat = eta.ravel()
        size = max(BLOCK // self.weight.size, 1)
        parts = [function(flat[i : i + size, None]) for i in range(0, flat.size, size)]
        out = np.concatenate(parts) if parts else np.empty(0)
        return out.reshape(eta.shape)

    def logit_cdf(self, eta: np.ndarray) -> np.ndarray:
        """P(logit rate <= eta).

        Parameters
        ----------
        eta : array-like
            Points on the logit scale.

        Returns
        -------
        numpy.ndarray
            Same shape as ``eta``.
        """
        return self._blocked(eta, lambda x: special.ndtr((x - self.loc) / self.scale) @ self.weight)

    def logit_logpdf(self, eta: np.ndarray) -> np.ndarray:
        """Log density of the logit of the rate.

        Parameters
        ----------
        eta : array-like
            Points on the logit scale.

        Returns
        -------
        numpy.ndarray
            Same shape as ``eta``.
        """
        log_w = np.log(np.abs(self.weight)) - np.log(self.scale) - 0.5 * np.log(2 * np.pi)
        sign = np.sign(self.weight)

        def block(x):
            z = (x - self.loc) / self.scale
            if self.signed:
                value, out_sign = special.logsumexp(
                    log_w - 0.5 * z * z, axis=-1, b=sign, return_sign=True
                )
                return np.where(out_sign > 0, value, -np.inf)
            return special.logsumexp(log_w - 0.5 * z * z, axis=-1)

        return self._blocked(eta, block)

    @property
    def signed(self) -> bool:
        """True when some weight is negative.

        Returns
        -------
        bool
        """
        return bool(np.any(self.weight < 0))

    def cdf(self, p: np.ndarray) -> np.ndarray:
        """P(rate <= p).

        Parameters
        ----------
        p : array-like
            Rates in [0, 1].

        Returns
        -------
        numpy.ndarray
            Same shape as ``p``.
        """
        p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
        with np.errstate(divide="ignore"):
            return self.logit_cdf(special.logit(p))

    def pdf(self, p: np.ndarray) -> np.ndarray:
        """Density of the rate: the logit density times the Jacobian 1 / (p (1 - p)).

        Parameters
        ----------
        p : array-like
            Rates in [0, 1].

        Returns
        -------
        numpy.ndarray
            Zero outside (0, 1).
        """
        p = np.asarray(p, dtype=float)
        out = np.zeros_like(p)
        inside = (p > 0) & (p < 1)
        q = p[inside]
        out[inside] = np.exp(self.logit_logpdf(special.logit(q)) - np.log(q) - np.log1p(-q))
        return out

    @cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        """The logit CDF tabulated on a fine uniform grid covering every component."""
        lo = float(np.min(self.loc - 12 * self.scale))
        hi = float(np.max(self.loc + 12 * self.scale))
        x = np.linspace(lo, hi, TABLE_POINTS)
        # monotone even when signed weights make the summed CDF wiggle in the far tails
        return x, np.maximum.accumulate(np.clip(self.logit_cdf(x), 0.0, 1.0))

    def logit_ppf(self, q: np.ndarray, *, newton: int = 2) -> np.ndarray:
        """Quantiles of the logit: interpolated in the CDF table, then two Newton steps.

        Parameters
        ----------
        q : array-like
            Probabilities in (0, 1).
        newton : int, default 2
            Newton steps after the table interpolation (0: interpolation only, ~1e-5 accurate).

        Returns
        -------
        numpy.ndarray
            Logit quantiles.
        """
        q = np.atleast_1d(np.asarray(q, dtype=float))
        table, cdf = self._table
        i = np.clip(np.searchsorted(cdf, q), 1, table.size - 1)
        lo, hi = table[i - 1], table[i]
        span = np.maximum(cdf[i] - cdf[i - 1], 1e-300)
        x = lo + (hi - lo) * np.clip((q - cdf[i - 1]) / span, 0.0, 1.0)
        for _ in range(newton):
            dens = np.exp(self.logit_logpdf(x))
            step = (self.logit_cdf(x) - q) / np.maximum(dens, 1e-300)
            x = np.clip(x - step, lo, hi)
        return x

    def ppf(self, q: np.ndarray, *, newton: int = 2) -> np.ndarray:
        """Quantiles of the rate.

        Parameters
        ----------
        q : array-like
            Probabilities in (0, 1).
        newton : int, default 2
            Newton steps after the table interpolation.

        Returns
        -------
        numpy.ndarray
            Rate quantiles.
        """
        return special.expit(self.logit_ppf(q, newton=newton))

    def moments(self) -> tuple[float, float]:
        """Mean and variance of the rate (Gauss-Hermite per component).

        Returns
        -------
        (float, float)
            Mean and variance of expit(eta).
        """
        z, wz = np.polynomial.hermite_e.hermegauss(GH_NODES)
        wz = wz / wz.sum()
        p = special.expit(self.loc[:, None] + self.scale[:, None] * z[None, :])
        m1 = np.sum(self.weight * (p @ wz))
        m2 = np.sum(self.weight * ((p * p) @ wz))
        return float(m1), float(m2 - m1 * m1)
