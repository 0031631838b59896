"""Mixtures of Beta distributions: the parametric form of a prior for a response rate.

A Beta mixture is conjugate to the binomial likelihood: after x responders out of n the
posterior is again a Beta mixture (each component updated, weights proportional to each
component's beta-binomial marginal likelihood), and the prior predictive of x is a mixture of
beta-binomials. Everything the design and conflict code needs is therefore exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from bayesmeta.errors import InputError

SHAPES = (1e-3, 1e7)  # the Beta shapes a MAP file may hold


@dataclass(frozen=True)
class BetaMixture:
    """sum_k weight_k Beta(a_k, b_k) on the rate scale.

    Parameters
    ----------
    weight, a, b : numpy.ndarray
        Component weights (positive, summing to one) and shapes (positive), shape (K,).
    """

    weight: np.ndarray
    a: np.ndarray
    b: np.ndarray

    def __post_init__(self) -> None:
        w, a, b = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (self.weight, self.a, self.b))
        if not (w.shape == a.shape == b.shape) or w.ndim != 1 or w.size == 0:
            raise InputError("beta mixture: weight, a and b need the same length (at least one)")
        if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
            raise InputError("beta mixture: weights must be finite and non-negative")
        if not (
            np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(a > 0) and np.all(b > 0)
        ):
            raise InputError("beta mixture: shapes a and b must be finite and positive")
        object.__setattr__(self, "weight", w / w.sum())
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)

    @property
    def log_weight(self) -> np.ndarray:
        """Log weights (-inf for a zero weight, e.g. ``--robust 0``).

        Returns
        -------
        numpy.ndarray
            Shape (K,).
        """
        out = np.full(self.weight.shape, -np.inf)
        np.log(self.weight, out=out, where=self.weight > 0)
        return out

    @property
    def size(self) -> int:
        """Number of components.

        Returns
        -------
        int
            K.
        """
        return int(self.weight.size)

    def pdf(self, p: np.ndarray) -> np.ndarray:
        """Density at rates ``p``.

        Parameters
        ----------
        p : array-like
            Rates in [0, 1].

        Returns
        -------
        numpy.ndarray
            Same shape as ``p``.
        """
        return np.exp(self.logpdf(p))

    def logpdf(self, p: np.ndarray) -> np.ndarray:
        """Log density at rates ``p``.

        Parameters
        ----------
        p : array-like
            Rates in [0, 1].

        Returns
        -------
        numpy.ndarray
            Same shape as ``p``.
        """
        p = np.asarray(p, dtype=float)[..., None]
        comp = stats.beta.logpdf(p, self.a, self.b) + self.log_weight
        return special.logsumexp(comp, axis=-1)

    def cdf(self, p: np.ndarray) -> np.ndarray:
        """Distribution function at rates ``p``.

        Parameters
        ----------
        p : array-like
            Rates in [0, 1].

        Returns
        -------
        numpy.ndarray
            P(rate <= p).
        """
        p = np.asarray(p, dtype=float)[..., None]
        return np.sum(self.weight * special.betainc(self.a, self.b, np.clip(p, 0, 1)), axis=-1)

    def sf(self, p: np.ndarray) -> np.ndarray:
        """Survival function P(rate > p), accurate in the upper tail.

        Parameters
        ----------
        p : array-like
            Rates in [0, 1].

        Returns
        -------
        numpy.ndarray
            P(rate > p).
        """
        p = np.asarray(p, dtype=float)[..., None]
        return np.sum(self.weight * special.betaincc(self.a, self.b, np.clip(p, 0, 1)), axis=-1)

    def ppf(self, q: float | Iterable[float]) -> np.ndarray:
        """Quantiles (by bracketing root finding on the CDF).

        Parameters
        ----------
        q : float or iterable of float
            Probabilities.

        Returns
        -------
        numpy.ndarray
            The rates with CDF q, shape (len(q),).
        """
        out = []
        for level in np.atleast_1d(np.asarray(q, dtype=float)):
            if level <= 0 or level >= 1:
                out.append(0.0 if level <= 0 else 1.0)
                continue
            out.append(optimize.brentq(lambda x, lv=level: self.cdf(x) - lv, 0.0, 1.0, xtol=1e-14))
        return np.asarray(out)

    def mean(self) -> float:
        """Mean rate.

        Returns
        -------
        float
            sum_k w_k a_k / (a_k + b_k).
        """
        return float(np.sum(self.weight * self.a / (self.a + self.b)))

    def var(self) -> float:
        """Variance of the rate.

        Returns
        -------
        float
            E[p^2] - E[p]^2.
        """
        m_k = self.a / (self.a + self.b)
        second = m_k * (self.a + 1) / (self.a + self.b + 1)
        return float(np.sum(self.weight * second) - self.mean() ** 2)

    def mode(self) -> float:
        """The highest mode (maximum of the density on a fine grid, polished by Brent).

        Returns
        -------
        float
            The rate where the density is largest.
        """
        x = np.linspace(1e-6, 1 - 1e-6, 4001)
        i = int(np.argmax(self.logpdf(x)))
        lo, hi = x[max(i - 1, 0)], x[min(i + 1, x.size - 1)]
        res = optimize.minimize_scalar(
            lambda t: -float(self.logpdf(t)), bounds=(lo, hi), method="bounded",
            options={"xatol": 1e-12},
        )  # fmt: skip
        return float(res.x)

    def posterior(self, events: int, total: int) -> BetaMixture:
        """The posterior after ``events`` responders out of ``total`` patients.

        Parameters
        ----------
        events, total : int
            The new data.

        Returns
        -------
        BetaMixture
            Components (a + events, b + total - events), weights times each component's beta-binomial marginal likelihood.
        """
        log_w = self.log_weight + log_betabinom(events, total, self.a, self.b)
        return BetaMixture(
            weight=np.exp(log_w - special.logsumexp(log_w)),
            a=self.a + events,
            b=self.b + total - events,
        )

    def predictive_pmf(self, total: int) -> np.ndarray:
        """Prior predictive P(X = x), x = 0..total (a beta-binomial mixture).

        Parameters
        ----------
        total : int
            Patients of the future trial.

        Returns
        -------
        numpy.ndarray
            Shape (total + 1,).
        """
        x = np.arange(total + 1)[:, None]
        return np.sum(self.weight * np.exp(log_betabinom(x, total, self.a, self.b)), axis=1)

    def to_records(self) -> list[dict[str, float]]:
        """``[{"weight", "a", "b"}, ...]``: the JSON form.

        Returns
        -------
        list of dict
            One record per component.
        """
        return [
            {"weight": float(w), "a": float(a), "b": float(b)}
            for w, a, b in zip(self.weight, self.a, self.b, strict=True)
        ]

    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, float]], *, source: str = "mixture"
    ) -> BetaMixture:
        """Build from ``[{"weight", "a", "b"}, ...]``.

        Parameters
        ----------
        records : iterable of mappings
            Each with numeric ``weight``, ``a`` and ``b``.
        source : str
            Named in error messages (a file and key).

        Returns
        -------
        BetaMixture
        """
        rows = []
        for index, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise InputError(f"{source}[{index}]: expected {{'weight', 'a', 'b'}}")
            row = []
            for key in ("weight", "a", "b"):
                value = record.get(key)
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                try:
                    value = float(value) if number else None
                except OverflowError:
                    value = None
                if value is None or not math.isfinite(value):
                    raise InputError(
                        f"{source}[{index}] {key}: each component needs numeric 'weight', 'a' and "
                        f"'b' (finite numbers), got {str(record.get(key))[:40]!r}"
                    )
                if key != "weight" and not SHAPES[0] <= value <= SHAPES[1]:
                    raise InputError(
                        f"{source}[{index}] {key}: a Beta shape must be positive, from "
                        f"{SHAPES[0]:g} to {SHAPES[1]:g}; got {value:g}"
                    )
                row.append(value)
            rows.append(tuple(row))
        if not rows:
            raise InputError(f"{source}: the mixture has no components")
        w, a, b = (np.array(col) for col in zip(*rows, strict=True))
        try:
            return cls(weight=w, a=a, b=b)
        except InputError as error:
            raise InputError(f"{source}: {error}") from None


def log_betabinom(x, n, a, b) -> np.ndarray:
    """log P(X = x) of the beta-binomial(n, a, b), binomial coefficient included.

    Parameters
    ----------
    x : array-like
        Responders.
    n : int
        Patients.
    a, b : array-like
        Beta shapes (broadcast against x).

    Returns
    -------
    numpy.ndarray
        Log probabilities.
    """
    x = np.asarray(x, dtype=float)
    log_choose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    return log_choose + special.betaln(a + x, b + n - x) - special.betaln(a, b)
