"""Posterior summaries of the exact beta-binomial fit, from its quadrature nodes.

- Coefficients, the mean rate of each level (``expit(x' beta)``, other columns at their study
  mean), contrasts of those rates, the pooled mean rate (the mean over the studies of
  ``mu_i = expit(x_i' beta)``, which *is* the population-averaged rate of a beta-binomial model)
  and the pooled median-study rate (the median of Beta(mu phi, (1 - mu) phi) at the mean
  covariates): skew-normal mixtures over the log-phi nodes, as the regression engine does
  (:mod:`bayesmeta.quad.regression.marginals`).
- phi: the marginal density of log phi on its grid; the ICC ``1 / (1 + phi)`` is monotone in it.
- Study rates and the new study's rate: exact Beta mixtures over every node (given (beta, phi),
  study i's rate is Beta(y_i + mu_i phi, n_i - y_i + (1 - mu_i) phi) and a new study's
  Beta(mu_J phi, (1 - mu_J) phi), J a study's covariate pattern drawn at random).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.special import expit, logit

from bayesmeta.model import betabinomial_forms as bb
from bayesmeta.model.result import Contrast, Interval
from bayesmeta.quad.regression.integrate import RegressionPosterior
from bayesmeta.quad.regression.marginals import mixture_of, tau_hdi, tau_quantiles
from bayesmeta.quad.regression.skewmix import SkewMixture

PROB = 0.95
#: Candidate lower tail probabilities of a highest-density interval.
HDI_STARTS = 41


def _intervals(mix: SkewMixture, *, hdi: bool) -> list[Interval]:
    if hdi:
        med = mix.quantile(0.5)
        lo, hi = mix.hdi(PROB)
    else:
        med, lo, hi = mix.quantiles([0.5, (1 - PROB) / 2, (1 + PROB) / 2]).T
    kind = "hdi" if hdi else "eti"
    return [
        Interval(float(m), float(a), float(b), kind=kind)
        for m, a, b in zip(med, lo, hi, strict=True)
    ]


def _expit_iv(iv: Interval) -> Interval:
    return Interval(float(expit(iv.median)), float(expit(iv.lo)), float(expit(iv.hi)), kind=iv.kind)


def beta_mixture_intervals(a, b, weight, *, hdi: bool) -> list[Interval]:
    """Median and 95% interval of each Beta mixture (one per row of ``a``, ``b``).

    Parameters
    ----------
    a, b : numpy.ndarray
        Component shapes (F, C).
    weight : numpy.ndarray
        Component weights (C,) or (F, C).
    hdi : bool
        Highest-density instead of equal-tailed intervals.

    Returns
    -------
    list of Interval
    """
    if not hdi:
        q = bb.mixture_quantiles(a, b, weight, np.array([0.5, (1 - PROB) / 2, (1 + PROB) / 2]))
        return [Interval(float(m), float(lo), float(hi)) for m, lo, hi in q]
    starts = np.linspace(1e-4, 1.0 - PROB - 1e-4, HDI_STARTS)
    q = bb.mixture_quantiles(a, b, weight, np.concatenate([[0.5], starts, starts + PROB]))
    lows, highs = q[:, 1 : 1 + HDI_STARTS], q[:, 1 + HDI_STARTS :]
    best = np.argmin(highs - lows, axis=1)
    rows = np.arange(q.shape[0])
    return [
        Interval(float(m), float(lo), float(hi), kind="hdi")
        for m, lo, hi in zip(q[:, 0], lows[rows, best], highs[rows, best], strict=True)
    ]


def phi_interval(post: RegressionPosterior, *, hdi: bool) -> Interval:
    """Median and 95% interval of phi (the log-phi marginal on its grid).

    Parameters
    ----------
    post : RegressionPosterior
        ``tau`` holds phi.
    hdi : bool
        Highest-density interval of phi instead of equal-tailed.

    Returns
    -------
    Interval
    """
    if hdi:
        lo, hi = tau_hdi(post, PROB)
        return Interval(float(tau_quantiles(post, (0.5,))[0]), lo, hi, kind="hdi")
    med, lo, hi = tau_quantiles(post, (0.5, (1 - PROB) / 2, (1 + PROB) / 2))
    return Interval(float(med), float(lo), float(hi))


def icc_interval(phi: Interval) -> Interval:
    """The intra-class correlation 1 / (1 + phi): a decreasing map of phi's quantiles.

    Parameters
    ----------
    phi : Interval
        Equal-tailed interval of phi (an HDI does not map to an HDI; it maps to an interval of
        the same probability).

    Returns
    -------
    Interval
    """
    icc = bb.icc(np.array([phi.median, phi.hi, phi.lo]))
    return Interval(float(icc[0]), float(icc[1]), float(icc[2]), kind=phi.kind)


def level_rates(
    post: RegressionPosterior, rows: dict[str, np.ndarray], groups: list[list[str]], *, hdi: bool
) -> tuple[dict[str, Interval], list[Contrast]]:
    """Mean rate of each level and the contrasts within each factor.

    Parameters
    ----------
    post : RegressionPosterior
    rows : dict of str to numpy.ndarray
        Level name -> design row (other columns at their study mean).
    groups : list of list of str
        The level names of each factor.
    hdi : bool
        Highest-density instead of equal-tailed intervals.

    Returns
    -------
    tuple
        Rates by level and the contrasts (rate a - rate b, with P(a > b)).
    """
    if not rows:
        return {}, []
    beta = post.beta
    names = list(rows)
    pairs = [(a, b) for g in groups for a, b in combinations(g, 2)]
    lin = np.einsum("tqp,fp->ftq", beta, np.array([rows[n] for n in names]))
    rates = {
        n: _expit_iv(iv)
        for n, iv in zip(names, _intervals(mixture_of(post, lin), hdi=hdi), strict=True)
    }
    if not pairs:
        return rates, []
    diffs = np.array([expit(beta @ rows[a]) - expit(beta @ rows[b]) for a, b in pairs]).reshape(
        len(pairs), *beta.shape[:2]
    )
    gaps = np.array([beta @ (rows[a] - rows[b]) for a, b in pairs])
    prob = 1.0 - mixture_of(post, gaps).cdf(np.zeros(len(pairs)))
    contrasts = [
        Contrast(a, b, iv.median, iv.lo, iv.hi, float(np.clip(pg, 0.0, 1.0)))
        for (a, b), iv, pg in zip(
            pairs, _intervals(mixture_of(post, diffs), hdi=hdi), prob, strict=True
        )
    ]
    return rates, contrasts


def summaries(
    post: RegressionPosterior,
    events: np.ndarray,
    total: np.ndarray,
    X: np.ndarray,
    *,
    columns: tuple[str, ...],
    rows: dict[str, np.ndarray] | None = None,
    groups: list[list[str]] | None = None,
    hdi: bool = False,
) -> dict:
    """Every reported interval of a beta-binomial posterior.

    Parameters
    ----------
    post : RegressionPosterior
        From :func:`~bayesmeta.quad.betabinomial.posterior.betabinomial_posterior`.
    events, total : numpy.ndarray
        Counts (k,).
    X : numpy.ndarray
        Design matrix (k, p).
    columns : tuple of str
        Coefficient names.
    rows, groups : optional
        Level rows and their grouping by factor (see :func:`level_rates`).
    hdi : bool
        Highest-density instead of equal-tailed intervals.

    Returns
    -------
    dict
        coefficients, rates, contrasts, pooled_median, pooled_mean, new_study, phi, icc and
        study_rates (a list of Intervals in study order).
    """
    X = np.asarray(X, float)
    beta = post.beta  # (T, Q, p)
    T, Q, p = beta.shape
    phi = post.tau[:, None]
    eta = np.einsum("tqp,kp->ktq", beta, X)
    xbar = X.mean(axis=0)
    values = np.concatenate(
        [
            np.moveaxis(beta, 2, 0),
            logit(np.mean(expit(eta), axis=0))[None],
            logit(bb.median_rate(beta @ xbar, phi))[None],
        ]
    )
    ivs = _intervals(mixture_of(post, values), hdi=hdi)
    rates, contrasts = level_rates(post, rows or {}, groups or [], hdi=hdi)
    weight = post.weight.ravel()
    patterns, counts = np.unique(X, axis=0, return_counts=True)
    a_new, b_new = bb.beta_params(np.einsum("tqp,up->utq", beta, patterns), phi[None])
    new_weight = (counts / counts.sum())[:, None] * weight[None, :]
    new_study = beta_mixture_intervals(
        a_new.reshape(1, -1), b_new.reshape(1, -1), new_weight.reshape(1, -1), hdi=hdi
    )[0]
    y = np.asarray(events, float)[:, None]
    n = np.asarray(total, float)[:, None]
    a, b = bb.beta_params(eta.reshape(len(X), T * Q), np.repeat(post.tau, Q)[None])
    study = beta_mixture_intervals(y + a, n - y + b, weight, hdi=hdi)
    phi_iv = phi_interval(post, hdi=hdi)
    return {
        "coefficients": dict(zip(columns, ivs[:p], strict=True)),
        "rates": rates,
        "contrasts": contrasts,
        "pooled_mean": _expit_iv(ivs[p]),
        "pooled_median": _expit_iv(ivs[p + 1]),
        "new_study": new_study,
        "phi": phi_iv,
        "icc": icc_interval(phi_interval(post, hdi=False) if hdi else phi_iv),
        "study_rates": study,
    }
