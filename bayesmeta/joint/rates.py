"""Rates of the joint model as pure numpy functions of its draws.

Draws are flattened to ``S = chains * draws`` rows. ``eta`` ``(S, L)`` is each latent
outcome's linear predictor (its intercept, or ``x' beta`` at a covariate pattern), ``u`` study
or new-study effects ``(S, L)``; a reported outcome's rate is ``expit(eta + u)``, except the
inner outcome of the nested mode, whose rate is the product with the outer's
(``CRR = ORR * q``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit
from scipy.stats import norm, qmc

__all__ = ["RateMap", "new_study_effects", "population_mean", "qmc_normal", "rate_map"]

_GH_NODES = 31


@dataclass(frozen=True)
class RateMap:
    """How reported outcomes' rates come from the latent linear predictors.

    Attributes
    ----------
    names : tuple of str
        Reported outcomes.
    latent : tuple of int
        The latent column of each reported outcome.
    times : tuple of int or None
        For the nested inner outcome, the outer latent column it is multiplied by (else None).
    """

    names: tuple[str, ...]
    latent: tuple[int, ...]
    times: tuple[int | None, ...]

    def rates(self, linear: np.ndarray) -> np.ndarray:
        """Reported rates ``(..., outcomes)`` from latent linear predictors ``(..., L)``.

        Parameters
        ----------
        linear : numpy.ndarray
            Latent linear predictors, last axis the latent outcomes.

        Returns
        -------
        numpy.ndarray
        """
        latent_rates = expit(linear)
        columns = []
        for j, other in zip(self.latent, self.times, strict=True):
            rate = latent_rates[..., j]
            columns.append(rate if other is None else rate * latent_rates[..., other])
        return np.stack(columns, axis=-1)

    def is_direct(self, name: str) -> bool:
        """Whether an outcome's rate is one latent coordinate (not a product).

        Parameters
        ----------
        name : str
            A reported outcome.

        Returns
        -------
        bool
        """
        return self.times[self.names.index(name)] is None

    def latent_of(self, name: str) -> int:
        """The latent column of a reported outcome.

        Parameters
        ----------
        name : str
            A reported outcome.

        Returns
        -------
        int
        """
        return self.latent[self.names.index(name)]


def qmc_normal(n: int, d: int, *, seed: int) -> np.ndarray:
    """``n`` scrambled-Sobol standard normal points in ``d`` dimensions (deterministic).

    Parameters
    ----------
    n : int
        Number of points (a power of two keeps the Sobol balance).
    d : int
        Dimension.
    seed : int
        Scrambling seed.

    Returns
    -------
    numpy.ndarray
        ``(n, d)``.
    """
    points = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    return norm.ppf(np.clip(points, 1e-12, 1 - 1e-12))


def new_study_effects(chol: np.ndarray, *, seed: int) -> np.ndarray:
    """One new-study effect ``u ~ MVN(0, Sigma_s)`` per draw.

    Parameters
    ----------
    chol : numpy.ndarray
        Cholesky factors ``(S, L, L)``.
    seed : int
        Random seed.

    Returns
    -------
    numpy.ndarray
        ``(S, L)``.
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(chol.shape[:2])
    return np.einsum("sij,sj->si", chol, z)


def population_mean(
    eta: np.ndarray, chol: np.ndarray, rate_map: RateMap, *, nodes: int = _GH_NODES
) -> np.ndarray:
    """E[rate of a new study] per draw, integrating its effects by Gauss-Hermite.

    One dimension for a direct outcome; two (tensor rule on the Cholesky factor) for the
    nested inner outcome's product.

    Parameters
    ----------
    eta : numpy.ndarray
        Latent linear predictors ``(S, L)``.
    chol : numpy.ndarray
        Cholesky factors ``(S, L, L)``.
    rate_map : RateMap
        Reported outcomes.
    nodes : int, optional
        Gauss-Hermite nodes per dimension.

    Returns
    -------
    numpy.ndarray
        ``(S, outcomes)``.
    """
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    sigma = np.einsum("sij,skj->sik", chol, chol)
    out = np.empty((eta.shape[0], len(rate_map.names)))
    for c, (j, other) in enumerate(zip(rate_map.latent, rate_map.times, strict=True)):
        if other is None:
            tau = np.sqrt(sigma[:, j, j])
            out[:, c] = expit(eta[:, j, None] + tau[:, None] * x[None, :]) @ w
            continue
        # (u_other, u_j) bivariate normal: u_other = a z1, u_j = b z1 + c z2
        a = np.sqrt(sigma[:, other, other])
        b = sigma[:, j, other] / a
        c2 = np.sqrt(np.maximum(sigma[:, j, j] - b**2, 0.0))
        z1, z2 = x[:, None], x[None, :]
        outer = expit(eta[:, other, None, None] + a[:, None, None] * z1)
        inner = expit(eta[:, j, None, None] + b[:, None, None] * z1 + c2[:, None, None] * z2)
        out[:, c] = np.einsum("sab,a,b->s", outer * inner, w, w)
    return out


def logit_of(rate: float) -> float:
    """``logit(rate)`` for a rate in (0, 1).

    Parameters
    ----------
    rate : float
        A probability.

    Returns
    -------
    float
    """
    return float(logit(rate))


def rate_map(spec) -> RateMap:
    """Which latent columns give each reported outcome's rate.

    Parameters
    ----------
    spec : JointSpec
        The joint model (its ``names``, ``nesting`` and ``data``).

    Returns
    -------
    RateMap
    """
    nesting = spec.nesting
    times = tuple(
        spec.data.index(nesting.outer) if nesting is not None and n == nesting.inner else None
        for n in spec.names
    )
    return RateMap(names=spec.names, latent=tuple(range(len(spec.names))), times=times)
