"""The exact one-stage IPD posterior summarized: coefficients, linear contrasts, tau, evidence.

The nested quadrature of :mod:`bayesmeta.quad.regression.integrate` on a
:class:`~bayesmeta.quad.regression.grouped.GroupedRegressionProblem`; each coefficient or
contrast ``c' beta`` is a skew-normal mixture over the log-tau nodes
(:func:`~bayesmeta.quad.regression.marginals.mixture_of`), whose CDF at 0 gives P(c' beta < 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.model.priors import Prior
from bayesmeta.model.result import Interval
from bayesmeta.quad.regression.grouped import GroupedRegressionProblem
from bayesmeta.quad.regression.integrate import RegressionAccuracy, integrate
from bayesmeta.quad.regression.marginals import mixture_of, tau_quantiles
from bayesmeta.quad.regression.priors import log_density

PROB = 0.95


@dataclass(frozen=True)
class GroupedExact:
    """Exact posterior summaries of the one-stage model.

    Attributes
    ----------
    coefficients : dict of str to Interval
    prob_negative : dict of str to float
        P(coefficient < 0) (and P(contrast < 0) under the contrasts' names).
    contrasts : dict of str to Interval
    tau : Interval
    log_evidence : float
        log p(y), binomial coefficients included.
    log_evidence_error : float
        Change of the log evidence from the next coarser accuracy level.
    note : str
        What the quadrature did.
    """

    coefficients: dict[str, Interval]
    prob_negative: dict[str, float]
    contrasts: dict[str, Interval]
    tau: Interval
    log_evidence: float
    log_evidence_error: float
    note: str


def fit_grouped_exact(
    X: np.ndarray,
    events: np.ndarray,
    total: np.ndarray,
    starts: np.ndarray,
    *,
    columns: list[str],
    coef_priors: list[Prior],
    tau_prior: Prior,
    contrasts: dict[str, np.ndarray] | None = None,
    accuracy: RegressionAccuracy | None = None,
) -> GroupedExact:
    """Integrate the one-stage model's posterior exactly and summarize it.

    Parameters
    ----------
    X : numpy.ndarray
        Design, rows sorted by trial, shape (R, p).
    events, total : numpy.ndarray
        Counts per row.
    starts : numpy.ndarray
        First row of each trial.
    columns : list of str
        Coefficient names.
    coef_priors : list of Prior
        Prior of each coefficient.
    tau_prior : Prior
        Prior of tau.
    contrasts : dict of str to numpy.ndarray, optional
        Named contrast vectors c (summaries of c' beta).
    accuracy : RegressionAccuracy, optional
        Accuracy controls.

    Returns
    -------
    GroupedExact
    """
    acc = accuracy or RegressionAccuracy()
    contrasts = contrasts or {}
    problem = GroupedRegressionProblem(
        events=np.asarray(events, float),
        total=np.asarray(total, float),
        X=np.asarray(X, float),
        coef_logpdf=[log_density(prior) for prior in coef_priors],
        tau_logpdf=log_density(tau_prior),
        n_gh=acc.n_gh,
        starts=np.asarray(starts),
    )
    post, coarse = integrate(problem, accuracy=acc)
    p = X.shape[1]
    names = list(columns) + list(contrasts)
    linear = np.vstack([np.eye(p), *[np.asarray(c, float)[None] for c in contrasts.values()]])
    values = np.einsum("tqp,fp->ftq", post.beta, linear)
    mix = mixture_of(post, values)
    med, lo, hi = mix.quantiles([0.5, (1 - PROB) / 2, (1 + PROB) / 2]).T
    below = np.clip(mix.cdf(np.zeros(len(names))), 0.0, 1.0)
    intervals = {
        name: Interval(float(m), float(a), float(b))
        for name, m, a, b in zip(names, med, lo, hi, strict=True)
    }
    q = tau_quantiles(post, (0.5, (1 - PROB) / 2, (1 + PROB) / 2))
    T, Q, _ = post.beta.shape
    error = abs(post.log_evidence - coarse.log_evidence)
    return GroupedExact(
        coefficients={c: intervals[c] for c in columns},
        prob_negative={name: float(b) for name, b in zip(names, below, strict=True)},
        contrasts={c: intervals[c] for c in contrasts},
        tau=Interval(float(q[0]), float(q[1]), float(q[2])),
        log_evidence=float(post.log_evidence),
        log_evidence_error=float(error),
        note=(
            f"quadrature: nested adaptive quadrature, {T} log-tau nodes x {Q}-node {post.rule}"
            f" rule for {p} coefficients, adaptive Gauss-Hermite ({acc.n_gh} nodes per trial);"
            f" log evidence error {error:.1e}"
        ),
    )
