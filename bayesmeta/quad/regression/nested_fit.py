"""``fit_regression_quadrature``: the exact meta-regression as a :class:`BayesResult`.

Same quantities as the NUTS engine (:mod:`bayesmeta.nuts.summarize`): coefficients, tau, the
rate at each level of every categorical covariate (other columns at their study mean), contrasts
of those rates with P(a > b), shrunken study rates, and the pooled median-study, population-mean
and new-study rates (:mod:`bayesmeta.model.derived` defines them), plus the log marginal
likelihood with its numerical error (the change from the next coarser accuracy level).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.special import expit

from bayesmeta.errors import AccuracyWarning, InputError
from bayesmeta.model.derived import gauss_hermite, level_profile
from bayesmeta.model.result import BayesResult, Contrast, Diagnostics, Interval
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.regression.eta_interp import along_eta
from bayesmeta.quad.regression.integrate import RegressionAccuracy, RegressionPosterior, integrate
from bayesmeta.quad.regression.likelihood import study_loglik_rows
from bayesmeta.quad.regression.marginals import (
    mixture_of,
    new_study_mixture,
    study_effect_raw,
    tau_hdi,
    tau_quantiles,
)
from bayesmeta.quad.regression.problem import regression_problem
from bayesmeta.quad.regression.skewmix import SkewMixture

PROB = 0.95
#: Gauss-Hermite nodes of the population mean rate at each quadrature node.
MEAN_GH = 41
#: ... and where tau <= 1 (error < 1e-8 there; most of the posterior mass in practice).
SMALL_TAU_GH = 15
#: Adaptive Gauss-Hermite nodes for the moments of the study effects (10 give ~6e-4 relative
#: error in the third moment of a one-event study, 14 ~1e-5, 20 < 1e-7).
MOMENT_GH = 14
#: Chebyshev points per log-tau node of the population mean rate's interpolant in eta (shared
#: by every covariate pattern, so its range is wider than one study's).
MEAN_NODES = (32, 64)
#: Largest trailing Chebyshev coefficient of the effect moments E[z^r | y_i, node] accepted
#: when they are interpolated in eta (:mod:`bayesmeta.quad.regression.eta_interp`).
MOMENT_TOL = 1e-9
#: Nodes with less than this share of the largest weight are left out of the summaries.
NEGLIGIBLE = 1e-14


def population_mean_nodes(eta: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """E[expit(eta + tau Z)] with the Gauss-Hermite nodes tau needs (error < 2e-7 throughout):
    ``SMALL_TAU_GH`` nodes where tau <= 1 (error < 1e-8), ``MEAN_GH`` elsewhere.

    Parameters
    ----------
    eta : numpy.ndarray
        Linear predictors (..., N).
    tau : numpy.ndarray
        Between-study SD of each of the N points, shape (N,).

    Returns
    -------
    numpy.ndarray
        Same shape as ``eta``.
    """
    out = np.empty(eta.shape)
    small = tau <= 1.0
    for mask, m in ((small, SMALL_TAU_GH), (~small, MEAN_GH)):
        if mask.any():
            nodes, weights = _gauss_hermite(m)
            z = eta[..., mask, None] + tau[mask, None] * nodes
            out[..., mask] = expit(z) @ weights  # model.derived.population_mean, rule cached
    return out


def pooled_mean_rate(post: RegressionPosterior, patterns: np.ndarray, counts: np.ndarray):
    """The studies' population-averaged rate at every quadrature node (the pooled mean).

    ``sum_u c_u E[expit(x_u' beta + tau Z)] / sum_u c_u`` over the distinct design rows x_u.
    E[expit(eta + tau Z)] is one function of eta per tau node, whatever the pattern: one
    interpolant in eta per node over every pattern's linear predictors
    (:func:`~bayesmeta.quad.regression.eta_interp.along_eta`, exact to 1e-9, else evaluated
    directly); nodes of negligible weight get 0.

    Parameters
    ----------
    post : RegressionPosterior
    patterns : numpy.ndarray
        Distinct design rows, shape (U, p).
    counts : numpy.ndarray
        Studies per row, shape (U,).

    Returns
    -------
    numpy.ndarray
        Shape (T, Q).
    """
    nonzero = np.abs(post.weight) > NEGLIGIBLE * np.abs(post.weight).max()
    eta_u = np.einsum("tqp,up->utq", post.beta, patterns)
    U, T, Q = eta_u.shape
    mean_u = along_eta(
        population_mean_nodes,
        eta_u.transpose(1, 0, 2).reshape(1, T, U * Q),
        post.tau,
        mask=np.tile(nonzero, (1, U)),
        nodes=MEAN_NODES,
    ).reshape(T, U, Q)
    return np.einsum("tuq,u->tq", mean_u, counts / counts.sum())


@lru_cache(maxsize=8)
def _gauss_hermite(m: int) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = gauss_hermite(m)
    nodes.flags.writeable = weights.flags.writeable = False
    return nodes, weights


def regression_posterior(
    spec: ModelSpec, *, accuracy: RegressionAccuracy | None = None, design=None
) -> tuple[RegressionPosterior, RegressionPosterior]:
    """The exact posterior of a regression spec and its coarse twin (for the error estimate).

    Parameters
    ----------
    spec : ModelSpec
        Kind "regression".
    accuracy : RegressionAccuracy, optional
        Accuracy controls.
    design : Design, optional
        ``spec.design`` when already built.

    Returns
    -------
    tuple of RegressionPosterior
        Fine and coarse posteriors; nodes and weights are public (``RegressionPosterior.nodes``).
    """
    if spec.kind != "regression":
        raise InputError(f"regression_posterior handles the regression model, not '{spec.kind}'")
    from bayesmeta.quad.posterior import cached

    acc = accuracy or RegressionAccuracy()

    def build() -> tuple[RegressionPosterior, RegressionPosterior]:
        problem = regression_problem(spec, n_gh=acc.n_gh, design=design)
        return integrate(problem, accuracy=acc)

    return cached(spec, ("regression", acc), build)


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


def _level_rows(design) -> tuple[dict[str, np.ndarray], list[list[str]]]:
    rows: dict[str, np.ndarray] = {}
    groups: list[list[str]] = []
    several = len(design.factors) > 1
    for factor, levels in design.factors.items():
        names = []
        for level in levels:
            name = f"{factor}[{level}]" if several else str(level)
            rows[name] = level_profile(design.matrix, design.columns, factor, levels, level)
            names.append(name)
        groups.append(names)
    return rows, groups


def _expit_iv(iv: Interval) -> Interval:
    return Interval(float(expit(iv.median)), float(expit(iv.lo)), float(expit(iv.hi)), kind=iv.kind)


def summaries(
    spec: ModelSpec, post: RegressionPosterior, *, hdi: bool = False, design=None
) -> dict:
    """Every reported interval of the regression posterior (the fields of a BayesResult).

    Parameters
    ----------
    spec : ModelSpec
        Kind "regression".
    post : RegressionPosterior
        From :func:`regression_posterior`.
    hdi : bool
        Highest-density instead of equal-tailed intervals.
    design : Design, optional
        ``spec.design`` when already built.

    Returns
    -------
    dict
        coefficients, rates, contrasts, pooled_median, pooled_mean, new_study, tau, study_rates.
    """
    design = design or spec.design
    X = np.asarray(design.matrix, float)
    beta = post.beta  # (T, Q, p)
    rows, groups = _level_rows(design)
    names = list(rows)
    pairs = [(a, b) for g in groups for a, b in combinations(g, 2)]
    linear = [np.eye(X.shape[1])[j] for j in range(X.shape[1])]
    linear += [rows[n] for n in names] + [X.mean(axis=0)]
    linear += [rows[a] - rows[b] for a, b in pairs]
    lin_values = np.einsum("tqp,fp->ftq", beta, np.array(linear))
    p, n_rates = X.shape[1], len(names)
    eta = np.einsum("tqp,kp->ktq", beta, X)
    patterns, counts = np.unique(X, axis=0, return_counts=True)
    # nodes of negligible mass (a refined rule has many) are left out of the costly parts
    nonzero = np.abs(post.weight) > NEGLIGIBLE * np.abs(post.weight).max()
    mean_rate = pooled_mean_rate(post, patterns, counts)
    contrast_values = np.array(
        [
            expit(np.einsum("tqp,p->tq", beta, rows[a]))
            - expit(np.einsum("tqp,p->tq", beta, rows[b]))
            for a, b in pairs
        ]
    ).reshape(len(pairs), *beta.shape[:2])
    values = np.concatenate([lin_values[: p + n_rates + 1], mean_rate[None], contrast_values])
    ivs = _intervals(mixture_of(post, values), hdi=hdi)
    coefficients = dict(zip(design.columns, ivs[:p], strict=True))
    rates = {n: _expit_iv(iv) for n, iv in zip(names, ivs[p : p + n_rates], strict=True)}
    pooled_median = _expit_iv(ivs[p + n_rates])
    pooled_mean = ivs[p + n_rates + 1]
    diff_ivs = ivs[p + n_rates + 2 :]
    prob_greater = []
    if pairs:
        gap = mixture_of(post, lin_values[p + n_rates + 1 :])
        prob_greater = 1.0 - gap.cdf(np.zeros(len(pairs)))
    contrasts = [
        Contrast(a, b, iv.median, iv.lo, iv.hi, float(np.clip(pg, 0.0, 1.0)))
        for (a, b), iv, pg in zip(pairs, diff_ivs, prob_greater, strict=True)
    ]
    new_study = _expit_iv(_intervals(new_study_mixture(post, patterns, counts), hdi=hdi)[0])

    def moments_of(index):
        events, total = np.asarray(spec.data.events)[index], np.asarray(spec.data.total)[index]

        def effect_moments(eta_rows: np.ndarray, tau: np.ndarray) -> np.ndarray:
            return study_loglik_rows(events, total, eta_rows, tau, n_gh=MOMENT_GH, moments=True)[1]

        return effect_moments

    every = np.arange(X.shape[0])
    z_moments = along_eta(
        moments_of(every), eta, post.tau, mask=nonzero, tol=MOMENT_TOL, rows_func=moments_of
    )
    raw = study_effect_raw(post, X, z_moments, eta=eta)
    study_ivs = [_expit_iv(iv) for iv in _intervals(mixture_of(post, raw), hdi=hdi)]
    if hdi:
        lo, hi = tau_hdi(post, PROB)
        med = tau_quantiles(post, (0.5,))[0]
        tau = Interval(float(med), lo, hi, kind="hdi")
    else:
        q = tau_quantiles(post, (0.5, (1 - PROB) / 2, (1 + PROB) / 2))
        tau = Interval(float(q[0]), float(q[1]), float(q[2]))
    data = spec.data
    study_rates = pd.DataFrame(
        {
            "study": list(data.studies),
            "events": np.asarray(data.events),
            "total": np.asarray(data.total),
            "observed": np.asarray(data.events) / np.asarray(data.total),
            "median": [s.median for s in study_ivs],
            "lo": [s.lo for s in study_ivs],
            "hi": [s.hi for s in study_ivs],
        }
    )
    return {
        "coefficients": coefficients,
        "rates": rates,
        "contrasts": contrasts,
        "pooled_median": pooled_median,
        "pooled_mean": pooled_mean,
        "new_study": new_study,
        "tau": tau,
        "study_rates": study_rates,
    }


def evidence(post: RegressionPosterior, coarse: RegressionPosterior) -> tuple[float, float]:
    """log p(y) and its numerical error (change from the coarser accuracy level).

    Parameters
    ----------
    post, coarse : RegressionPosterior
        From :func:`regression_posterior`.

    Returns
    -------
    tuple of float
        log evidence and the absolute change between the two levels.
    """
    return post.log_evidence, abs(post.log_evidence - coarse.log_evidence)


def _pattern_name(row: np.ndarray, columns) -> str:
    terms = [c if v == 1 else f"{v:g}*{c}" for c, v in zip(columns, row, strict=True) if v != 0]
    return " + ".join(terms) or "0"


def _note(post: RegressionPosterior, acc: RegressionAccuracy, error: float, columns) -> str:
    T, Q, p = post.beta.shape
    note = (
        f"quadrature: nested adaptive quadrature, {T} log-tau nodes x {Q}-node {post.rule} "
        f"rule for {p} coefficients, adaptive Gauss-Hermite ({acc.n_gh} nodes per study); "
        f"log evidence error {error:.1e}"
    )
    if post.refined_rows is not None and len(post.refined_rows):
        names = "; ".join(_pattern_name(r, columns) for r in post.refined_rows)
        note += f"; refined along the skewed linear predictor {names} (grid in its raw scale)"
    return note


def warn_unrefined(post: RegressionPosterior, columns) -> None:
    """An :class:`~bayesmeta.errors.AccuracyWarning` naming each strongly skewed linear
    predictor that was not refined (only the most skewed one gets a grid).

    Parameters
    ----------
    post : RegressionPosterior
        From :func:`regression_posterior`.
    columns : sequence of str
        Design columns.

    Returns
    -------
    None
    """
    if not post.skewed_rows:
        return
    rows, skew = post.skewed_rows
    for row, g in zip(rows, skew, strict=True):
        warnings.warn(
            f"quadrature: the linear predictor {_pattern_name(row, columns)} is strongly skewed "
            f"given tau (skewness {g:+.2f}) and was not refined (too many coefficients or a "
            "second skewed direction): the tails of its coefficients, rates and contrasts may "
            "be off by up to half a posterior SD, other tails by a few hundredths, and the log "
            "evidence (and Bayes factors) by more than its reported error",
            AccuracyWarning,
            stacklevel=3,
        )


def fit_regression_quadrature(
    spec: ModelSpec, *, hdi: bool = False, accuracy: RegressionAccuracy | None = None
) -> BayesResult:
    """Fit a meta-regression exactly (deterministic, no Monte Carlo error).

    Parameters
    ----------
    spec : ModelSpec
        Kind "regression" (from :func:`bayesmeta.bayes.build_model`).
    hdi : bool, default False
        95% highest-density instead of equal-tailed intervals.
    accuracy : RegressionAccuracy, optional
        Accuracy controls.

    Returns
    -------
    BayesResult
        ``engine="quadrature"``, with coefficients, rates, contrasts and the log evidence.
    """
    acc = accuracy or RegressionAccuracy()
    design = spec.design
    post, coarse = regression_posterior(spec, accuracy=acc, design=design)
    log_z, error = evidence(post, coarse)
    warn_unrefined(post, design.columns)
    parts = summaries(spec, post, hdi=hdi, design=design)
    model = spec.describe()
    model["interval"] = "hdi" if hdi else "eti"
    model["quadrature"] = dict(acc.__dict__)
    return BayesResult(
        engine="quadrature",
        model=model,
        diagnostics=Diagnostics(
            rhat_max=None,
            ess_bulk_min=None,
            ess_tail_min=None,
            divergences=0,
            engine_note=_note(post, acc, error, design.columns),
        ),
        excluded=tuple(spec.data.excluded),
        **parts,
        log_evidence=log_z,
        log_evidence_error=error,
    )
