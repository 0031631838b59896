"""The one-stage IPD model by maximum likelihood: a binomial-logit GLMM with a random
intercept per trial, as ``lme4::glmer(cbind(x, n - x) ~ within + across + (1 | trial),
family = binomial, nAGQ = 7)``.

The likelihood is the adaptive Gauss-Hermite rule of :mod:`bayesmeta.freq.agq` over trials of
several rows (:func:`~bayesmeta.freq.agq.grouped_loglik_terms_and_modes`), maximised by
:func:`bayesmeta.freq.glmm_fit.fit_glmm` (Newton on (beta, tau), standard errors from the
observed information, as lme4's Hessian-based ``vcov``). Wald z intervals; the likelihood
ratio test of tau = 0 against the common-effect logistic regression, its p-value from the
50:50 mixture of chi^2_0 and chi^2_1 (the null is on the boundary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from bayesmeta.freq.glmm_fit import common_effect_logistic, fit_glmm
from bayesmeta.ipd.differences import difference_rows
from bayesmeta.ipd.within_across import IpdDesign


@dataclass(frozen=True)
class IpdGlmmResult:
    """Maximum-likelihood fit of the one-stage model.

    Attributes
    ----------
    coefficients : dict
        Column -> {estimate, se, ci}.
    differences : dict
        Modifier -> within minus across: {estimate, se, ci, p} (Wald z test of equality).
    tau2 : float
        Between-trial variance of the random intercepts.
    loglik : float
        Maximised log-likelihood (binomial coefficients included, as glmer's ``logLik``).
    lrt : dict
        Likelihood-ratio test of tau = 0: statistic, p (boundary mixture), loglik_common.
    k : int
        Trials.
    n_patients : int
        Patients in patient rows.
    level : float
        Confidence level.
    vcov : numpy.ndarray
        Covariance of the coefficients.
    """

    coefficients: dict[str, dict[str, Any]]
    differences: dict[str, dict[str, Any]]
    tau2: float
    loglik: float
    lrt: dict[str, float]
    k: int
    n_patients: int
    level: float
    vcov: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``bayesmeta ipd --method GLMM --json``).

        Returns
        -------
        dict
        """
        return {
            "method": "GLMM",
            "level": self.level,
            "k": self.k,
            "n_patients": self.n_patients,
            "coefficients": self.coefficients,
            "differences": self.differences,
            "tau2": self.tau2,
            "tau": float(np.sqrt(self.tau2)),
            "loglik": self.loglik,
            "lrt_tau": self.lrt,
        }


def sorted_rows(design: IpdDesign) -> tuple[np.ndarray, np.ndarray]:
    """Row order grouping each trial's rows together, and each trial's first row in it.

    Parameters
    ----------
    design : IpdDesign

    Returns
    -------
    tuple of numpy.ndarray
        The permutation of rows (stable) and the start of each trial.
    """
    order = np.argsort(design.data.trial_index, kind="stable")
    trial = design.data.trial_index[order]
    starts = np.flatnonzero(np.r_[True, trial[1:] != trial[:-1]])
    return order, starts


def fit_ipd_glmm(design: IpdDesign, *, level: float = 0.95) -> IpdGlmmResult:
    """Fit the one-stage model by ML (adaptive Gauss-Hermite, 7 nodes per trial).

    Parameters
    ----------
    design : IpdDesign
        From :func:`bayesmeta.ipd.within_across.ipd_design`.
    level : float
        Confidence level of the Wald intervals.

    Returns
    -------
    IpdGlmmResult
    """
    data = design.data
    order, starts = sorted_rows(design)
    X = design.matrix[order]
    events = np.asarray(data.events, float)[order]
    total = np.asarray(data.total, float)[order]
    labels = [f"row {data.rows[i]} (trial '{data.trials[data.trial_index[i]]}')" for i in order]
    fit = fit_glmm(X, events, total, columns=list(design.columns), studies=labels, starts=starts)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    se = np.sqrt(np.diag(fit.vb))
    coefficients = {
        name: {"estimate": float(b), "se": float(s), "ci": [float(b - z * s), float(b + z * s)]}
        for name, b, s in zip(design.columns, fit.beta, se, strict=True)
    }
    differences = {}
    for modifier, row in difference_rows(design).items():
        d = float(row @ fit.beta)
        s = float(np.sqrt(row @ fit.vb @ row))
        differences[modifier] = {
            "estimate": d,
            "se": s,
            "ci": [d - z * s, d + z * s],
            "p": float(2 * stats.norm.sf(abs(d) / s)),
        }
    _, _, ll_common = common_effect_logistic(X, events, total)
    statistic = max(0.0, 2 * (fit.loglik - ll_common))
    return IpdGlmmResult(
        coefficients=coefficients,
        differences=differences,
        tau2=float(fit.tau2),
        loglik=float(fit.loglik),
        lrt={
            "statistic": statistic,
            "p": float(0.5 * stats.chi2.sf(statistic, 1)) if statistic > 0 else 1.0,
            "loglik_common": float(ll_common),
        },
        k=len(data.trials),
        n_patients=data.n_patients,
        level=level,
        vcov=fit.vb,
    )
