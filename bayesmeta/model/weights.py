"""Model weights from log evidences: posterior model probabilities, inclusion Bayes factors,
and quantiles of mixtures of CDFs (pure numpy; used by :mod:`bayesmeta.analysis.averaging`)."""

from __future__ import annotations

import math

import numpy as np

from bayesmeta.model.bayes_factor import BayesFactor
from bayesmeta.model.result import Interval

LEVEL = 0.95


def posterior_probabilities(log_evidence, prior_prob) -> np.ndarray:
    """P(m | y) from log evidences and prior model probabilities.

    Parameters
    ----------
    log_evidence : array_like
        log p(y | m) per model.
    prior_prob : array_like
        P(m) per model, positive, summing to one.

    Returns
    -------
    numpy.ndarray
        Posterior model probabilities (sum to one).
    """
    log_w = np.asarray(log_evidence, dtype=float) + np.log(np.asarray(prior_prob, dtype=float))
    log_w -= log_w.max()
    w = np.exp(log_w)
    return w / w.sum()


def inclusion_bf(posterior, prior, includes, errors) -> BayesFactor:
    """Inclusion Bayes factor of a feature: posterior over prior odds of the models with it.

    Parameters
    ----------
    posterior, prior : array_like
        Posterior and prior model probabilities.
    includes : array_like of bool
        Which models have the feature (some must, some must not).
    errors : array_like
        Numerical errors of the log evidences.

    Returns
    -------
    BayesFactor
        Its error bounds the change when every log evidence moves by its error: the largest
        error among the models with the feature plus the largest among those without.
    """
    posterior, prior = np.asarray(posterior, float), np.asarray(prior, float)
    inc = np.asarray(includes, dtype=bool)
    errors = np.asarray(errors, dtype=float)
    post_in, post_out = posterior[inc].sum(), posterior[~inc].sum()
    with np.errstate(divide="ignore"):
        log_post = math.log(post_in) - math.log(post_out) if post_out > 0 else math.inf
        if post_in == 0:
            log_post = -math.inf
    log_prior = math.log(prior[inc].sum()) - math.log(prior[~inc].sum())
    error = float(errors[inc].max() + errors[~inc].max())
    return BayesFactor(log_post - log_prior, error, "models with it vs models without")


def mixture_interval(curves, weights) -> Interval:
    """Median and equal-tailed 95% interval of a mixture of CDFs.

    Parameters
    ----------
    curves : list of (numpy.ndarray, numpy.ndarray)
        (increasing points, CDF) of each component.
    weights : array_like
        Mixture weights summing to one.

    Returns
    -------
    Interval
        Quantiles of sum_m w_m F_m by linear interpolation on the union of the points.
    """
    points = np.unique(np.concatenate([x for x, _ in curves]))
    cdf = sum(
        w * np.interp(points, x, c, left=0.0, right=1.0)
        for w, (x, c) in zip(weights, curves, strict=True)
    )
    keep = np.concatenate([[True], np.diff(cdf) > 0])
    tail = (1.0 - LEVEL) / 2
    lo, median, hi = np.interp([tail, 0.5, 1 - tail], cdf[keep], points[keep])
    return Interval(float(median), float(lo), float(hi))
