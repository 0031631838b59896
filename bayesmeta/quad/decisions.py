"""Decision quantities of the exact engine: posterior CDFs of the rates, P(rate > X), Bayes factors.

Every rate the engine summarises has an exact posterior CDF on a fine grid (the same CDFs the
intervals are read from, :mod:`bayesmeta.quad.summaries` and :mod:`bayesmeta.quad.subgroup`), so
``P(rate > X) = 1 - F(X)`` carries no Monte Carlo error. Bayes factors come from log p(y) of the
model and of each companion (:func:`bayesmeta.model.bayes_factor.companions`), every one by the
exact engine (milliseconds); their numerical errors come from two accuracy levels
(:func:`bayesmeta.quad.evidence.refined`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import expit, logit

from bayesmeta.errors import InputError
from bayesmeta.model.bayes_factor import BayesFactor, companions, one_sided
from bayesmeta.model.result import BayesResult
from bayesmeta.model.spec import ModelSpec
from bayesmeta.model.thresholds import threshold_key
from bayesmeta.quad.combine import ColumnCdf, linear_combination
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.evidence import refined
from bayesmeta.quad.grid import build_grid, frozen
from bayesmeta.quad.groups import build_group_grids
from bayesmeta.quad.marginals import cdf_of, fine_density
from bayesmeta.quad.posterior import check_supported, posterior_grid
from bayesmeta.quad.subgroup import _mean_columns, _mu_columns, _weights
from bayesmeta.quad.summaries import mu_log_density, new_study_cdf, pooled_mean_cdf

#: The quantities of ``prob_above`` besides the levels, in output order.
QUANTITIES: tuple[str, ...] = ("pooled_median", "pooled_mean", "new_study")
#: Probability range of the prior CDFs used for the prior mass of a pooled rate.
PRIOR_TAIL = 1e-10
#: Points of the logit grid (-12..12) on which a meta-regression's rate CDFs are evaluated.
REGRESSION_POINTS = 4801


@dataclass(frozen=True)
class RateCdf:
    """The posterior CDF of one rate on a fine grid.

    Parameters
    ----------
    x : numpy.ndarray
        Increasing rates in [0, 1].
    cdf : numpy.ndarray
        P(rate <= x), non-decreasing from about 0 to 1.

    Returns
    -------
    RateCdf
        A frozen record; :meth:`prob_above` reads it.
    """

    x: np.ndarray
    cdf: np.ndarray

    def prob_above(self, threshold: float) -> float:
        """P(rate > threshold).

        Parameters
        ----------
        threshold : float
            A rate in (0, 1).

        Returns
        -------
        float
            ``1 - F(threshold)``, linear interpolation of the fine CDF.
        """
        return float(1.0 - np.interp(threshold, self.x, self.cdf, left=0.0, right=1.0))


def _from_logit(points: np.ndarray, cdf: np.ndarray) -> RateCdf:
    return RateCdf(expit(points), cdf)


def _single(grid, n_fine: int) -> dict[str, RateCdf]:
    x, pdf = fine_density(grid.mu, mu_log_density(grid), n_fine=n_fine)
    median = _from_logit(x, cdf_of(x, pdf))
    if grid.common:
        return {"pooled_median": median, "pooled_mean": median, "new_study": median}
    return {
        "pooled_median": median,
        "pooled_mean": _from_logit(*pooled_mean_cdf(grid, n_fine=n_fine)),
        "new_study": _from_logit(*new_study_cdf(grid, n_fine=n_fine)),
    }


def rate_cdfs(spec: ModelSpec, *, accuracy: Accuracy | None = None) -> dict[str, object]:
    """Posterior CDFs of the pooled, mean and new-study rates (and each level's rate).

    Parameters
    ----------
    spec : ModelSpec
        A random, common or subgroup model.
    accuracy : Accuracy, optional
        Grid controls (default :class:`Accuracy`).

    Returns
    -------
    dict
        ``pooled_median``, ``pooled_mean``, ``new_study``: :class:`RateCdf`; ``levels``: dict of
        level to the :class:`RateCdf` of expit(mu_level) (empty unless a subgroup model). The
        definitions are those of the fit's intervals (:mod:`bayesmeta.quad.subgroup`). A
        meta-regression's come from its exact skew-normal mixtures on a fine logit grid.
    """
    check_supported(spec)
    if spec.kind == "regression":
        return _regression_cdfs(spec)
    acc = accuracy or Accuracy()
    n_fine = acc.n_fine
    if spec.kind != "subgroup":
        return {**_single(posterior_grid(spec, accuracy=acc), n_fine), "levels": {}}
    groups = build_group_grids(spec, accuracy=acc)
    shares = np.array([m.size for m in groups.members], dtype=float) / spec.data.k
    weights = _weights(groups)
    mu_cols = [_mu_columns(groups, g, n_fine) for g in range(len(groups.levels))]
    mean_cols = [_mean_columns(groups, g, n_fine) for g in range(len(groups.levels))]
    curves = [new_study_cdf(g, n_fine=n_fine) for g in groups.grids]
    points = np.unique(np.concatenate([x for x, _ in curves]))
    new = sum(
        a * np.interp(points, x, c, left=0.0, right=1.0)
        for a, (x, c) in zip(shares, curves, strict=True)
    )
    levels = {}
    for level, grid in zip(groups.levels, groups.grids, strict=True):
        x, pdf = fine_density(grid.mu, mu_log_density(grid), n_fine=n_fine)
        levels[level] = _from_logit(x, cdf_of(x, pdf))
    return {
        "pooled_median": _from_logit(*linear_combination(mu_cols, list(shares), weights)),
        "pooled_mean": RateCdf(*linear_combination(mean_cols, list(shares), weights)),
        "new_study": _from_logit(points, new),
        "levels": levels,
    }


def _regression_cdfs(spec: ModelSpec) -> dict[str, object]:
    """Exact CDFs of a meta-regression's rates: the engine's skew-normal mixtures over its
    (log tau) nodes (:mod:`bayesmeta.quad.regression`), evaluated on a fine logit grid.

    pooled_median: expit(mean_i x_i' beta); pooled_mean: the studies' population-averaged
    rates; new_study: a new study of a random design row plus tau z; levels: each level's rate
    at the other columns' means (the fit's ``rates``).
    """
    from bayesmeta.quad.regression.marginals import mixture_of, new_study_mixture
    from bayesmeta.quad.regression.nested_fit import (
        _level_rows,
        pooled_mean_rate,
        regression_posterior,
    )

    design = spec.design
    post, _coarse = regression_posterior(spec, design=design)
    x = np.asarray(design.matrix, float)
    rows, _groups = _level_rows(design)
    names = list(rows)
    linear = np.array([x.mean(axis=0)] + [rows[n] for n in names])
    values = np.einsum("tqp,fp->ftq", post.beta, linear)
    patterns, counts = np.unique(x, axis=0, return_counts=True)
    mean_rate = pooled_mean_rate(post, patterns, counts)  # as the fit's pooled_mean
    grid = np.linspace(-12.0, 12.0, REGRESSION_POINTS)
    logit_cdf = mixture_of(post, values).cdf(np.tile(grid, (len(linear), 1)))
    rate_grid = expit(grid)
    mean_cdf = mixture_of(post, mean_rate[None]).cdf(rate_grid[None, :])[0]
    new_cdf = new_study_mixture(post, patterns, counts).cdf(grid[None, :])[0]

    def curve(points, cdf):
        return RateCdf(points, np.maximum.accumulate(np.clip(cdf, 0.0, 1.0)))

    return {
        "pooled_median": curve(rate_grid, logit_cdf[0]),
        "pooled_mean": curve(rate_grid, mean_cdf),
        "new_study": curve(rate_grid, new_cdf),
        "levels": {n: curve(rate_grid, logit_cdf[1 + i]) for i, n in enumerate(names)},
    }


def prob_above_from(cdfs: dict[str, object], thresholds) -> dict[str, dict]:
    """``prob_above`` of the JSON from rate CDFs.

    Parameters
    ----------
    cdfs : dict
        From :func:`rate_cdfs`.
    thresholds : iterable of float
        Rates in (0, 1).

    Returns
    -------
    dict
        ``{"X": {"pooled_median", "pooled_mean", "new_study", "levels": {level: p}}}``.
    """
    out = {}
    for x in thresholds:
        entry = {name: cdfs[name].prob_above(x) for name in QUANTITIES}
        entry["levels"] = {lv: c.prob_above(x) for lv, c in cdfs["levels"].items()}
        out[threshold_key(x)] = entry
    return out


def evidence_with_error(
    spec: ModelSpec, *, tau_zero: bool = False, accuracy: Accuracy | None = None
) -> tuple[float, float]:
    """log p(y) and its numerical error, optionally of a subgroup model with tau = 0.

    Parameters
    ----------
    spec : ModelSpec
        A random, common or subgroup model.
    tau_zero : bool
        A subgroup model's levels as common-effect models (one mu per level, no tau).
    accuracy : Accuracy, optional
        Grid controls (default :class:`Accuracy`).

    Returns
    -------
    log_evidence : float
    error : float
        Its change at :func:`refined` accuracy.
    """
    value, error = _evidence(spec, tau_zero=tau_zero, accuracy=accuracy)
    return value, error()


def _evidence(
    spec: ModelSpec, *, tau_zero: bool, accuracy: Accuracy | None
) -> tuple[float, Callable[[], float]]:
    """log p(y) now (the grid at ``accuracy``), its error as a function (refined grids, built
    when called)."""
    from bayesmeta.quad.evidence import evidence_error, log_evidence, log_evidence_with_error

    acc = accuracy or Accuracy()
    if not tau_zero:
        if spec.kind == "regression":  # both levels come with the regression's posterior
            found, error = log_evidence_with_error(spec, accuracy=acc)
            return found, lambda: float(error)

        def own_error() -> float:
            error = evidence_error(spec, accuracy=acc)
            return float("nan") if error is None else float(error)

        return log_evidence(spec, accuracy=acc), own_error

    def value(a: Accuracy) -> float:
        index = np.asarray(spec.group_index())
        events, total = np.asarray(spec.data.events), np.asarray(spec.data.total)
        return float(
            sum(
                build_grid(
                    events[index == g], total[index == g], spec.priors, common=True, accuracy=a
                ).log_marginal_likelihood
                for g in range(len(spec.groups))
            )
        )

    base = value(acc)
    return base, lambda: abs(value(refined(acc)) - base)


def prior_prob_above(spec: ModelSpec, benchmark: float) -> float:
    """Prior probability that the pooled rate expit(pooled mu) exceeds ``benchmark``.

    Parameters
    ----------
    spec : ModelSpec
        A random, common or subgroup model.
    benchmark : float
        A rate in (0, 1).

    Returns
    -------
    float
        For a subgroup model the pooled logit is sum_g a_g mu_g with independent mu_g and
        a_g = k_g / k, its prior CDF the exact convolution of the mu prior's CDFs.
    """
    if spec.kind == "regression":
        raise InputError(
            "benchmark: the one-sided Bayes factor is available for the random, common and "
            "subgroup models, not yet the meta-regression"
        )
    prior = frozen(spec.priors.mu)
    cut = float(logit(benchmark))
    if spec.kind != "subgroup":
        return float(prior.sf(cut))
    counts = np.bincount(np.asarray(spec.group_index()), minlength=len(spec.groups))
    shares = counts / counts.sum()
    x = np.linspace(prior.ppf(PRIOR_TAIL), prior.ppf(1 - PRIOR_TAIL), 4001)
    part = ColumnCdf(x[:, None], prior.cdf(x)[:, None])
    points, cdf = linear_combination([part] * len(shares), list(shares), np.ones(1))
    return float(1.0 - np.interp(cut, points, cdf, left=0.0, right=1.0))


def bayes_factors(
    spec: ModelSpec,
    *,
    log_evidence: float,
    error: float,
    benchmark: float | None = None,
    accuracy: Accuracy | None = None,
) -> dict[str, BayesFactor]:
    """Every Bayes factor of ``spec``: heterogeneity, each covariate, the benchmark.

    Parameters
    ----------
    spec : ModelSpec
        A random, common or subgroup model.
    log_evidence : float
        The model's own log p(y) (from its fit).
    error : float or callable
        Its numerical error, or a function computing it (called only when a factor's ``error``
        is read: each factor's error is deferred, see :mod:`bayesmeta.model.deferred`).
    benchmark : float, optional
        Adds ``pooled_vs_benchmark``: pooled rate above ``benchmark`` against at or below.
    accuracy : Accuracy, optional
        Grid controls (default :class:`Accuracy`).

    Returns
    -------
    dict of str to BayesFactor
        See :mod:`bayesmeta.model.bayes_factor`. The benchmark factor's error is its change at
        :func:`refined` accuracy with twice the fine CDF points.
    """
    from bayesmeta.model.deferred import Deferred

    acc = accuracy or Accuracy()
    own_error = error if callable(error) else (lambda: error)
    found = {}
    for name, companion in companions(spec).items():
        other, other_error = _evidence(companion.spec, tau_zero=companion.tau_zero, accuracy=acc)
        log_bf = other - log_evidence if companion.reverse else log_evidence - other
        both = Deferred(lambda e=other_error: float(own_error() + e()))
        found[name] = BayesFactor(float(log_bf), both, companion.against)
    if benchmark is not None:
        prior = prior_prob_above(spec, benchmark)
        post = rate_cdfs(spec, accuracy=acc)["pooled_median"].prob_above(benchmark)
        against = f"pooled rate > {benchmark:g} vs <= {benchmark:g}"
        value = one_sided(post, prior, error=0.0, against=against)

        def benchmark_error(value: BayesFactor = value) -> float:
            finer = replace(refined(acc), n_fine=2 * acc.n_fine)
            fine = rate_cdfs(spec, accuracy=finer)["pooled_median"].prob_above(benchmark)
            check = one_sided(fine, prior, error=0.0, against=against)
            return abs(check.log_bf - value.log_bf)

        found["pooled_vs_benchmark"] = BayesFactor(value.log_bf, Deferred(benchmark_error), against)
    return found


def decide(
    spec: ModelSpec,
    result: BayesResult,
    *,
    thresholds=(),
    benchmark: float | None = None,
    accuracy: Accuracy | None = None,
) -> BayesResult:
    """``result`` with its Bayes factors and threshold probabilities filled in.

    Parameters
    ----------
    spec : ModelSpec
        The model ``result`` is the exact fit of.
    result : BayesResult
        From :func:`bayesmeta.quad.fit_quadrature` (with ``log_evidence``).
    thresholds : iterable of float
        Rates X for ``prob_above``.
    benchmark : float, optional
        Rate B for ``pooled_vs_benchmark``.
    accuracy : Accuracy, optional
        The fit's grid controls (default :class:`Accuracy`).

    Returns
    -------
    BayesResult
        A copy with ``prob_above`` and ``bayes_factors`` (computed when first read).
    """
    from bayesmeta.model.deferred import Deferred

    thresholds = tuple(thresholds)
    if benchmark is not None:
        prior_prob_above(spec, benchmark)  # a benchmark the model cannot take fails now
    probs = prob_above_from(rate_cdfs(spec, accuracy=accuracy), thresholds) if thresholds else {}
    out = result.updated(prob_above=probs)

    def factors() -> dict[str, BayesFactor]:
        return bayes_factors(
            spec,
            log_evidence=out.log_evidence,
            error=lambda: out.log_evidence_error or 0.0,
            benchmark=benchmark,
            accuracy=accuracy,
        )

    out.bayes_factors = Deferred(factors)
    return out
