"""Exact posterior CDFs of a beta-binomial model's rates (model averaging, P(rate > X)).

The definitions are those of the fit's intervals (:mod:`bayesmeta.quad.betabinomial.summaries`):
``pooled_median`` the median study's rate at the mean covariates, ``pooled_mean`` the mean of
the studies' mu_i, ``new_study`` the Beta mixture of a new study's rate, ``levels`` each level's
mean rate. The first two and the levels are the skew-normal mixtures over the log-phi nodes on a
fine logit grid; the new study's CDF is the exact Beta mixture over every node.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, expit, logit

from bayesmeta.model import betabinomial_forms as bb
from bayesmeta.quad.decisions import RateCdf
from bayesmeta.quad.regression.integrate import RegressionPosterior
from bayesmeta.quad.regression.marginals import mixture_of

#: Points of the logit grid (-12..12) on which the CDFs are evaluated.
POINTS = 4801
#: Beta CDF evaluations per block of the new study's mixture (bounds the memory).
CHUNK = 2_000_000


def _curve(points: np.ndarray, cdf: np.ndarray) -> RateCdf:
    return RateCdf(points, np.maximum.accumulate(np.clip(cdf, 0.0, 1.0)))


def betabinomial_cdfs(
    post: RegressionPosterior, X: np.ndarray, rows: dict[str, np.ndarray] | None = None
) -> dict[str, object]:
    """Posterior CDFs of the pooled median, pooled mean and new-study rates and of each level.

    Parameters
    ----------
    post : RegressionPosterior
        The beta-binomial posterior (``tau`` holds phi).
    X : numpy.ndarray
        Design matrix (k, p).
    rows : dict of str to numpy.ndarray, optional
        Level name -> design row.

    Returns
    -------
    dict
        ``pooled_median``, ``pooled_mean``, ``new_study``: RateCdf; ``levels``: dict of RateCdf.
    """
    X = np.asarray(X, float)
    rows = rows or {}
    beta = post.beta
    phi = post.tau[:, None]
    eta = np.einsum("tqp,kp->ktq", beta, X)
    values = [
        logit(bb.median_rate(beta @ X.mean(axis=0), phi)),
        logit(np.mean(expit(eta), axis=0)),
    ] + [beta @ row for row in rows.values()]
    grid = np.linspace(-12.0, 12.0, POINTS)
    cdf = mixture_of(post, np.array(values)).cdf(np.tile(grid, (len(values), 1)))
    rates = expit(grid)
    patterns, counts = np.unique(X, axis=0, return_counts=True)
    a, b = bb.beta_params(np.einsum("tqp,up->utq", beta, patterns), phi[None])
    weight = (counts / counts.sum())[:, None, None] * post.weight[None]
    chunk = max(1, CHUNK // weight.size)
    new = np.concatenate(
        [
            np.einsum("utqx,utq->x", betainc(a[..., None], b[..., None], part), weight)
            for part in np.array_split(rates, -(-rates.size // chunk))
        ]
    )
    return {
        "pooled_median": _curve(rates, cdf[0]),
        "pooled_mean": _curve(rates, cdf[1]),
        "new_study": _curve(rates, new),
        "levels": {name: _curve(rates, cdf[2 + i]) for i, name in enumerate(rows)},
    }
