"""Fit a Beta mixture to an exact predictive density by EM on its quantile points.

The target is represented by N equally weighted points at its quantiles (i - 1/2) / N, so
maximising the mixture's log likelihood of those points minimises, up to the quadrature error
of this midpoint rule, the Kullback-Leibler divergence KL(target || mixture) -- what RBesT's
``mixfit`` does with MCMC draws, here without Monte Carlo error. The M-step solves the weighted
Beta maximum-likelihood equations ``psi(a) - psi(a + b) = E[log p]``,
``psi(b) - psi(a + b) = E[log(1 - p)]`` by Newton's method, with a, b >= 1 (as RBesT's
``constrain_gt1``), which keeps the density bounded and the ELIR ESS finite.

The number of components is the smallest K <= ``max_components`` whose largest CDF difference is
below ``cdf_tol`` (else the K with the smallest difference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from bayesmeta.errors import InputError
from bayesmeta.trial.beta_mixture import BetaMixture

N_POINTS = 3000
MAX_ITER = 400
TOL = 1e-9
#: Quantile levels reported by the fit quality.
QUALITY_LEVELS = (0.025, 0.5, 0.975)


@dataclass(frozen=True)
class FitQuality:
    """How well a Beta mixture reproduces the exact predictive.

    Attributes
    ----------
    max_cdf_diff : float
        Largest ``|F_mixture - F_exact|`` over the rate axis.
    quantile_diffs : dict
        Quantile level (str) -> mixture quantile minus exact quantile.
    exact_quantiles, mixture_quantiles : dict
        The quantiles themselves.
    """

    max_cdf_diff: float
    quantile_diffs: dict
    exact_quantiles: dict
    mixture_quantiles: dict

    def to_dict(self) -> dict:
        """JSON form.

        Returns
        -------
        dict
            max_cdf_diff, quantile_diffs, exact_quantiles, mixture_quantiles.
        """
        return {
            "max_cdf_diff": self.max_cdf_diff,
            "quantile_diffs": dict(self.quantile_diffs),
            "exact_quantiles": dict(self.exact_quantiles),
            "mixture_quantiles": dict(self.mixture_quantiles),
        }


def fit_quality(target, mixture: BetaMixture, *, reference=None) -> FitQuality:
    """Compare a mixture with the exact target (anything with ``cdf`` and ``ppf`` on the rate).

    Parameters
    ----------
    target : NormalMixture
        The exact predictive.
    mixture : BetaMixture
        The fitted mixture.
    reference : tuple, optional
        ``(points, target_cdf, target_quantiles)`` computed once by :func:`quality_reference`.

    Returns
    -------
    FitQuality
    """
    p, exact_cdf, exact = reference or quality_reference(target)
    diff = float(np.max(np.abs(mixture.cdf(p) - exact_cdf)))
    mixed = mixture.ppf(QUALITY_LEVELS)
    keys = [f"{100 * q:g}%" for q in QUALITY_LEVELS]
    return FitQuality(
        max_cdf_diff=diff,
        quantile_diffs={k: float(m - e) for k, m, e in zip(keys, mixed, exact, strict=True)},
        exact_quantiles={k: float(e) for k, e in zip(keys, exact, strict=True)},
        mixture_quantiles={k: float(m) for k, m in zip(keys, mixed, strict=True)},
    )


def quality_reference(target) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate points (uniform over the bulk plus quantile points), the exact CDF there, and the
    exact quantiles at :data:`QUALITY_LEVELS`.

    Parameters
    ----------
    target : NormalMixture
        The exact predictive.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Points, exact CDF at them, exact quantiles.
    """
    lo, hi = target.ppf(np.array([1e-9, 1 - 1e-9]))
    # where the points sit need not be exact (the CDF is exact at them): table quantiles suffice
    bulk = target.ppf(np.linspace(0.0005, 0.9995, 1000), newton=0)
    p = np.concatenate([np.linspace(lo, hi, 3001), bulk])
    return p, target.cdf(p), target.ppf(np.array(QUALITY_LEVELS))


def _newton(a, b, s1, s2, free_a, free_b):
    """Newton steps on the weighted Beta likelihood equations, all components at once; a
    parameter that is not free stays where it is (the constrained 1-D problem)."""
    for _ in range(60):
        dab = special.digamma(a + b)
        g1 = special.digamma(a) - dab - s1
        g2 = special.digamma(b) - dab - s2
        t = special.polygamma(1, a + b)
        h11 = special.polygamma(1, a) - t
        h22 = special.polygamma(1, b) - t
        both = free_a & free_b
        det = h11 * h22 - t * t
        step_a = np.where(both, (h22 * g1 + t * g2) / det, np.where(free_a, g1 / h11, 0.0))
        step_b = np.where(both, (h11 * g2 + t * g1) / det, np.where(free_b, g2 / h22, 0.0))
        new_a = np.where(a - step_a > 0, a - step_a, a / 2)
        new_b = np.where(b - step_b > 0, b - step_b, b / 2)
        done = np.all(np.abs(new_a - a) <= 1e-10 * a) and np.all(np.abs(new_b - b) <= 1e-10 * b)
        a, b = new_a, new_b
        if done:
            break
    return a, b


def _solve_beta(s1, s2, a, b):
    """Weighted Beta MLE given E[log p] = s1, E[log(1-p)] = s2 per component, with a, b >= 1."""
    s1, s2 = np.asarray(s1, dtype=float), np.asarray(s2, dtype=float)
    a, b = np.asarray(a, dtype=float).copy(), np.asarray(b, dtype=float).copy()
    free_a = np.ones(a.shape, dtype=bool)
    free_b = np.ones(b.shape, dtype=bool)
    for _ in range(3):
        a, b = _newton(a, b, s1, s2, free_a, free_b)
        low_a, low_b = a < 1, b < 1
        if not (low_a.any() or low_b.any()):
            break
        free_a &= ~low_a
        free_b &= ~low_b
        a, b = np.maximum(a, 1.0), np.maximum(b, 1.0)
    return np.maximum(a, 1.0), np.maximum(b, 1.0)


def _moment_beta(p: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    m = float(np.sum(w * p) / w.sum())
    v = float(np.sum(w * (p - m) ** 2) / w.sum())
    n = max(m * (1 - m) / max(v, 1e-12) - 1, 2.5)
    return max(m * n, 1.0), max((1 - m) * n, 1.0)


def em_beta(points: np.ndarray, k: int) -> BetaMixture:
    """EM for a k-component Beta mixture of equally weighted points in (0, 1).

    Parameters
    ----------
    points : numpy.ndarray
        Sorted points in (0, 1).
    k : int
        Number of components.

    Returns
    -------
    BetaMixture
    """
    p = np.clip(np.asarray(points, dtype=float), 1e-12, 1 - 1e-12)
    lp, lq = np.log(p), np.log1p(-p)
    chunks = np.array_split(np.arange(p.size), k)  # contiguous quantile blocks
    ab = [_moment_beta(p[c], np.ones(c.size)) for c in chunks]
    a = np.array([x[0] for x in ab])
    b = np.array([x[1] for x in ab])
    w = np.full(k, 1.0 / k)
    last = -np.inf
    for _ in range(MAX_ITER):
        log_comp = np.log(w) + (a - 1) * lp[:, None] + (b - 1) * lq[:, None] - special.betaln(a, b)
        top = log_comp.max(axis=1, keepdims=True)
        r = np.exp(log_comp - top)
        total = r.sum(axis=1, keepdims=True)
        loglik = float(np.mean(np.log(total) + top))
        r /= total
        mass = r.sum(axis=0)
        w = np.maximum(mass / p.size, 1e-12)
        live = mass > 1e-9
        s1 = (lp @ r)[live] / mass[live]
        s2 = (lq @ r)[live] / mass[live]
        a[live], b[live] = _solve_beta(s1, s2, a[live], b[live])
        if abs(loglik - last) < TOL:
            break
        last = loglik
    keep = w > 1e-6
    return BetaMixture(weight=w[keep], a=a[keep], b=b[keep])


def fit_beta_mixture(
    target, *, components: int | None = None, max_components: int = 4, cdf_tol: float = 0.005
) -> tuple[BetaMixture, FitQuality]:
    """Beta mixture approximation of an exact predictive rate density.

    Parameters
    ----------
    target : NormalMixture
        The exact predictive (``ppf`` and ``cdf`` on the rate scale).
    components : int, optional
        Fixed number of components (1 to 6); automatic when omitted.
    max_components : int, default 4
        Largest K tried automatically.
    cdf_tol : float, default 0.005
        The automatic choice stops at the first K whose largest CDF difference is below this.

    Returns
    -------
    (BetaMixture, FitQuality)
    """
    if components is not None and not 1 <= int(components) <= 6:
        raise InputError(f"--components {components}: choose 1 to 6 components")
    # quantile points to ~1e-5 on the logit scale (table interpolation) are ample for the fit
    points = target.ppf((np.arange(N_POINTS) + 0.5) / N_POINTS, newton=0)
    tried = [int(components)] if components is not None else range(1, max_components + 1)
    reference = quality_reference(target)
    best = None
    for k in tried:
        mix = em_beta(points, k)
        quality = fit_quality(target, mix, reference=reference)
        if best is None or quality.max_cdf_diff < best[1].max_cdf_diff:
            best = (mix, quality)
        if quality.max_cdf_diff < cdf_tol:
            break
    return best
