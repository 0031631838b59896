"""Marginals of functionals of (beta, tau) as mixtures over the log-tau nodes.

Given tau node t, a functional f(beta, tau) has conditional mean, variance and skewness that
the beta | tau quadrature rule gives exactly; each is matched by a skew-normal (as R-INLA's
simplified Laplace strategy), and the marginal is the mixture over the tau nodes with their
posterior masses. Quantiles invert the mixture CDF by safeguarded Newton steps.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri, owens_t

#: Largest |skewness| a skew-normal can take is 0.9953; moments beyond are clipped.
MAX_SKEW = 0.99
_SQRT_2_PI = np.sqrt(2.0 / np.pi)
#: Standardized distance beyond which a component's CDF is its normal part: the skew-normal's
#: density is at most twice the normal's, so the Owen's T correction there is below
#: 2 Phi(-9) < 1e-18 in absolute value (below double precision next to 1).
TAIL_T = 9.0


def skew_normal_params(
    mean: np.ndarray, var: np.ndarray, skew: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Location xi, scale omega and shape alpha of the skew-normal with these moments.

    Parameters
    ----------
    mean, var, skew : numpy.ndarray
        Moments (broadcast together); var > 0.

    Returns
    -------
    tuple of numpy.ndarray
        xi, omega, alpha.
    """
    g = np.clip(skew, -MAX_SKEW, MAX_SKEW)
    c = np.cbrt(2.0 * np.abs(g) / (4.0 - np.pi)) ** 2
    delta = np.sign(g) * np.sqrt(np.pi / 2.0 * c / (1.0 + c))
    omega = np.sqrt(var / (1.0 - 2.0 * delta * delta / np.pi))
    xi = mean - omega * delta * _SQRT_2_PI
    alpha = delta / np.sqrt(1.0 - delta * delta)
    return xi, omega, alpha


def moments_from_raw(m1, m2, m3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, variance and skewness from raw moments (variance floored at a tiny positive).

    Parameters
    ----------
    m1, m2, m3 : numpy.ndarray
        E[X], E[X^2], E[X^3].

    Returns
    -------
    tuple of numpy.ndarray
        Mean, variance, skewness.
    """
    var = np.maximum(m2 - m1 * m1, 1e-24)
    third = m3 - 3 * m1 * m2 + 2 * m1**3
    return m1, var, third / var**1.5


class SkewMixture:
    """Mixtures of skew-normals, one row per functional.

    Parameters
    ----------
    xi, omega, alpha : numpy.ndarray
        Component parameters, shape (F, C).
    weight : numpy.ndarray
        Component weights, shape (C,) or (F, C), each row summing to one.
    """

    def __init__(self, xi, omega, alpha, weight) -> None:
        self.xi, self.omega, self.alpha = (np.atleast_2d(a) for a in (xi, omega, alpha))
        self.weight = np.broadcast_to(weight, self.xi.shape)
        self.skewed = bool(np.any(self.alpha != 0))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """CDF of every mixture at its own point(s).

        Parameters
        ----------
        x : numpy.ndarray
            Shape (F,) or (F, m).

        Returns
        -------
        numpy.ndarray
            Same shape as ``x``.
        """
        x = np.asarray(x, float)
        squeeze = x.ndim == 1
        x = x.reshape(self.xi.shape[0], -1)
        t = (x[:, :, None] - self.xi[:, None, :]) / self.omega[:, None, :]
        comp = ndtr(t)
        if self.skewed:  # Owen's T is the costly part; normal mixtures skip it
            alpha = np.broadcast_to(self.alpha[:, None, :], t.shape)
            body = np.abs(t) < TAIL_T
            if body.all():
                comp -= 2.0 * owens_t(t, alpha)
            else:  # beyond TAIL_T the correction is below 1e-18: only the body needs it
                comp[body] -= 2.0 * owens_t(t[body], alpha[body])
        out = np.einsum("fmc,fc->fm", comp, self.weight)
        return out[:, 0] if squeeze else out

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Density of every mixture at its own point.

        Parameters
        ----------
        x : numpy.ndarray
            Shape (F,).

        Returns
        -------
        numpy.ndarray
            Shape (F,).
        """
        t = (np.asarray(x, float)[:, None] - self.xi) / self.omega
        comp = 2.0 / self.omega * np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi) * ndtr(self.alpha * t)
        return np.sum(comp * self.weight, axis=1)

    def quantiles(self, probs, *, tol: float = 1e-9) -> np.ndarray:
        """Quantiles of every mixture at each probability (safeguarded Newton).

        Parameters
        ----------
        probs : sequence of float
            Probabilities.
        tol : float
            Relative tolerance of the root.

        Returns
        -------
        numpy.ndarray
            Shape (F, len(probs)).
        """
        probs = np.asarray(probs, float)
        F, m = self.xi.shape[0], probs.size
        rep = SkewMixture(
            np.repeat(self.xi, m, axis=0),
            np.repeat(self.omega, m, axis=0),
            np.repeat(self.alpha, m, axis=0),
            np.repeat(self.weight, m, axis=0),
        )
        q = np.tile(probs, F)
        delta = rep.alpha / np.sqrt(1 + rep.alpha**2)
        comp_mean = rep.xi + rep.omega * delta * _SQRT_2_PI
        comp_var = rep.omega**2 * (1 - 2 * delta**2 / np.pi)
        mean = np.sum(rep.weight * comp_mean, axis=1)
        var = np.sum(rep.weight * (comp_var + comp_mean**2), axis=1) - mean**2
        lo = np.min(rep.xi - 12 * rep.omega, axis=1)
        hi = np.max(rep.xi + 12 * rep.omega, axis=1)
        x = np.clip(mean + np.sqrt(np.maximum(var, 1e-300)) * ndtri(q), lo, hi)
        active = np.arange(x.size)  # rows not yet converged (only they are evaluated)
        for _ in range(60):
            sub = rep._rows(active)
            xa = x[active]
            f = sub.cdf(xa) - q[active]
            lo[active] = np.where(f < 0, xa, lo[active])
            hi[active] = np.where(f < 0, hi[active], xa)
            step = xa - f / np.maximum(sub.pdf(xa), 1e-300)
            # inclusive: at a root (f == 0) the step stays at x, which is then a bracket end
            inside = (step >= lo[active]) & (step <= hi[active])
            new = np.where(inside, step, 0.5 * (lo + hi)[active])
            x[active] = new
            active = active[np.abs(new - xa) >= tol * (1 + np.abs(xa))]
            if not active.size:
                break
        return x.reshape(F, m)

    def _rows(self, rows: np.ndarray) -> SkewMixture:
        """The mixtures of the given rows."""
        return SkewMixture(self.xi[rows], self.omega[rows], self.alpha[rows], self.weight[rows])

    def quantile(self, q: float) -> np.ndarray:
        """The ``q`` quantile of every mixture.

        Parameters
        ----------
        q : float
            Probability.

        Returns
        -------
        numpy.ndarray
            Shape (F,).
        """
        return self.quantiles([q])[:, 0]

    def hdi(self, prob: float = 0.95, *, n: int = 41) -> tuple[np.ndarray, np.ndarray]:
        """Narrowest ``prob`` interval of every (unimodal) mixture.

        Parameters
        ----------
        prob : float
            Interval probability.
        n : int
            Candidate lower tail probabilities searched.

        Returns
        -------
        tuple of numpy.ndarray
            Lower and upper bounds, each shape (F,).
        """
        starts = np.linspace(1e-4, 1.0 - prob - 1e-4, n)
        both = self.quantiles(np.concatenate([starts, starts + prob]))
        lows, highs = both[:, :n], both[:, n:]
        best = np.argmin(highs - lows, axis=1)
        rows = np.arange(lows.shape[0])
        return lows[rows, best], highs[rows, best]
