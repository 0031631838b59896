"""GOSH: the pooled estimate and I^2 on subsets of the studies (Olkin et al. 2012;
``metafor::gosh``).

The DerSimonian-Laird model is fitted to every subset of the studies (sizes 1 to k) when
k <= :data:`MAX_EXACT` (2^k - 1 subsets), else to a seeded random sample of subsets (each
study in with probability 1/2, as metafor samples), vectorised over subsets. A seeded sample of
at most ``n_bayes`` of those subsets is set aside for the exact Bayesian engine, which
:func:`bayesmeta.analysis.gosh.gosh` fits (this package sits below the engines and fits none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from bayesmeta.data import MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import effect_sizes

MAX_EXACT = 15


@dataclass(frozen=True)
class GoshResult:
    """Fits on subsets of the studies.

    Parameters
    ----------
    studies : tuple of str
        Study labels (columns of ``subsets``).
    subsets : numpy.ndarray
        Boolean, shape ``(n, k)``: the studies of each subset.
    mu, tau2, i2 : numpy.ndarray
        DL estimate (logit), tau^2 and I^2 (percent) of each subset.
    exhaustive : bool
        True when every subset was fitted.
    bayes_rows : numpy.ndarray
        Indices (into ``subsets``) of the subsets for the exact Bayesian engine.
    bayes_median : numpy.ndarray
        Posterior median of the pooled rate for those subsets (NaN until
        :func:`bayesmeta.analysis.gosh.gosh` fits them).
    seed : int
        Seed of the sampling.
    """

    studies: tuple[str, ...]
    subsets: np.ndarray
    mu: np.ndarray
    tau2: np.ndarray
    i2: np.ndarray
    exhaustive: bool
    bayes_rows: np.ndarray
    bayes_median: np.ndarray
    seed: int

    @property
    def estimate(self) -> np.ndarray:
        """DL pooled proportion of each subset."""
        return expit(self.mu)

    def to_dict(self) -> dict[str, Any]:
        """Summary (not every subset): counts and ranges.

        Returns
        -------
        dict
        """
        return {
            "k": len(self.studies),
            "subsets": int(len(self.mu)),
            "exhaustive": self.exhaustive,
            "seed": self.seed,
            "estimate_range": [float(self.estimate.min()), float(self.estimate.max())],
            "i2_range": [float(self.i2.min()), float(self.i2.max())],
            "bayes_subsets": int(len(self.bayes_rows)),
        }


def all_subsets(k: int) -> np.ndarray:
    """Every non-empty subset of ``k`` studies as a boolean matrix ``(2^k - 1, k)``.

    Parameters
    ----------
    k : int
        Number of studies.

    Returns
    -------
    numpy.ndarray
    """
    codes = np.arange(1, 2**k, dtype=np.int64)
    return ((codes[:, None] >> np.arange(k)) & 1).astype(bool)


def sampled_subsets(k: int, n: int, *, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct random subsets, each study in with probability 1/2 (non-empty).

    Parameters
    ----------
    k : int
        Number of studies.
    n : int
        Number of subsets.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    numpy.ndarray
    """
    out = np.zeros((0, k), dtype=bool)
    while len(out) < n:
        draw = rng.random((2 * n, k)) < 0.5
        draw = draw[draw.sum(axis=1) >= 1]
        out = np.unique(np.vstack([out, draw]), axis=0)
    keep = rng.permutation(len(out))[:n]
    return out[np.sort(keep)]


def dl_subsets(yi: np.ndarray, vi: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, ...]:
    """DerSimonian-Laird (mu, tau^2, I^2) of every subset, vectorised.

    Parameters
    ----------
    yi, vi : numpy.ndarray
        Effects and sampling variances.
    masks : numpy.ndarray
        Boolean ``(n, k)``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(mu, tau2, i2)``.
    """
    M = masks.astype(float)
    w = 1.0 / vi
    s1, s2 = M @ w, M @ (w * w)
    sy, syy = M @ (w * yi), M @ (w * yi * yi)
    q = np.maximum(syy - sy * sy / s1, 0.0)
    size = M.sum(axis=1)
    c = s1 - s2 / s1
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where(size > 1, np.maximum(0.0, (q - (size - 1)) / c), 0.0)
        vt = np.where(size > 1, (size - 1) / c, np.inf)
        i2 = np.where(size > 1, 100 * tau2 / (vt + tau2), 0.0)
    W = M / (vi[None, :] + tau2[:, None])
    mu = (W @ yi) / W.sum(axis=1)
    return mu, tau2, i2


def gosh(
    data: MetaData,
    *,
    n_subsets: int = 10000,
    n_bayes: int = 0,
    seed: int = 1,
    measure: str = "PLO",
) -> GoshResult:
    """GOSH analysis: DL on all (k <= 15) or ``n_subsets`` sampled subsets; a sample set aside
    for the Bayesian fits of :func:`bayesmeta.analysis.gosh.gosh`.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    n_subsets : int
        Subsets fitted by DL when k > 15.
    n_bayes : int
        Subsets set aside for the exact Bayesian engine (0 for none).
    seed : int
        Seed of every sample.
    measure : str
        Analysis scale of the DL fits (logit by default).

    Returns
    -------
    GoshResult
    """
    k = data.k
    if k < 2:
        raise InputError("GOSH needs at least two studies")
    if n_subsets < 1 or n_bayes < 0:
        raise InputError("GOSH: n_subsets must be positive, n_bayes non-negative")
    rng = np.random.default_rng(seed)
    exhaustive = k <= MAX_EXACT
    masks = all_subsets(k) if exhaustive else sampled_subsets(k, n_subsets, rng=rng)
    yi, vi = effect_sizes(data.events, data.total, measure=measure)
    mu, tau2, i2 = dl_subsets(yi, vi, masks)
    n_b = min(n_bayes, len(masks))
    rows = np.sort(rng.choice(len(masks), size=n_b, replace=False)) if n_b else np.zeros(0, int)
    medians = np.full(len(rows), np.nan)
    return GoshResult(
        studies=data.studies,
        subsets=masks,
        mu=mu,
        tau2=tau2,
        i2=i2,
        exhaustive=exhaustive,
        bayes_rows=rows,
        bayes_median=medians,
        seed=seed,
    )
