"""GLMM meta-analysis of proportions, equal to ``metafor::rma.glmm(measure="PLO")``.

The random-intercept logistic model is fitted by maximum likelihood with 7-node adaptive
Gauss-Hermite quadrature (as ``lme4::glmer(nAGQ=7)``, metafor's engine), which is also the
default of ``meta::metaprop``. Heterogeneity is tested as rma.glmm does: the Wald-type test
of the study effects of the saturated (fixed study effects) logistic model, and the
likelihood-ratio test of the common-effect model against the saturated one. I^2 is computed
from the Wald-type statistic, ``(Q - df)/Q``, as meta prints it; metafor's own I^2 (from tau^2
and a typical within-study variance) is kept as ``i2_metafor``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import chdtrc, expit, ndtri

from bayesmeta.data import Exclusion, MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.glmm_fit import GlmmFit, binomial_loglik, common_effect_logistic, fit_glmm
from bayesmeta.freq.projection import projection_traces, quadratic_form
from bayesmeta.freq.results import FreqResult


def heterogeneity_tests(
    X: np.ndarray, events: np.ndarray, total: np.ndarray
) -> tuple[float, float, int]:
    """Wald-type and likelihood-ratio statistics for heterogeneity, and their df (k - p).

    The Wald statistic tests the study effects of the saturated logistic model; for studies
    with 0 or all events the saturated estimate diverges and its information vanishes, so
    they contribute nothing (as the limit of R's ``glm`` fit).

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.

    Returns
    -------
    tuple[float, float, int]
    """
    k, p = X.shape
    inner = (events > 0) & (events < total)
    q_wald = 0.0
    if inner.sum() > 0:
        xi, ni, Xi = events[inner], total[inner], X[inner]
        y = np.log(xi / (ni - xi))
        w = ni * (xi / ni) * (1 - xi / ni)
        if np.linalg.matrix_rank(Xi) == p:
            q_wald = max(0.0, quadratic_form(y, w, Xi))
        else:  # the design cannot be fitted on these studies: test all their differences
            q_wald = max(0.0, quadratic_form(y, w, Xi[:, :1])) if len(y) > 1 else 0.0
    _, _, ll_common = common_effect_logistic(X, events, total)
    ll_saturated = binomial_loglik(events, total, events / total)
    q_lrt = max(0.0, 2 * (ll_saturated - ll_common))
    return q_wald, q_lrt, k - p


def check_counts(events: np.ndarray, total: np.ndarray) -> None:
    """The GLMM needs some events and some non-events (else its ML estimate diverges).

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    """
    if len(events) == 0:
        raise InputError("no study to pool")
    if events.sum() == 0 or np.all(events == total):
        what = "no events" if events.sum() == 0 else "only events"
        raise InputError(f"GLMM: every study has {what}; the logistic ML estimate is infinite")


def glmm_arrays(
    events: np.ndarray,
    total: np.ndarray,
    *,
    level: float = 0.95,
    excluded: tuple[Exclusion, ...] = (),
    studies: Sequence[str] | None = None,
) -> FreqResult:
    """GLMM pooled proportion from counts (see :func:`glmm`).

    A single study gives the common-effect logistic estimate (tau^2 = 0), as meta does.

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    level : float, optional
        Confidence level, e.g. 0.95.
    excluded : tuple[Exclusion, ...], optional
        Studies left out of the analysis, with the reason (carried into the result).
    studies : sequence of str, optional
        Study labels, aligned with ``events``; used only to name studies in error messages.

    Returns
    -------
    FreqResult
    """
    events = np.asarray(events, dtype=float)
    total = np.asarray(total, dtype=float)
    check_counts(events, total)
    X = np.ones((len(events), 1))
    if len(events) == 1:
        beta, vb, loglik = common_effect_logistic(X, events, total)
        fit = GlmmFit(beta=beta, vb=vb, tau2=0.0, loglik=loglik, iterations=0)
    else:
        fit = fit_glmm(X, events, total, columns=["intercept"], studies=studies)
    return glmm_result(
        float(fit.beta[0]),
        float(np.sqrt(fit.vb[0, 0])),
        fit.tau2,
        events,
        total,
        level=level,
        excluded=excluded,
        loglik=fit.loglik,
    )


def glmm_result(
    mu: float,
    se: float,
    tau2: float,
    events: np.ndarray,
    total: np.ndarray,
    *,
    level: float,
    excluded: tuple[Exclusion, ...] = (),
    loglik: float | None = None,
) -> FreqResult:
    """A :class:`FreqResult` from GLMM estimates and the studies' heterogeneity tests.

    Parameters
    ----------
    mu : float
        Mean of the study effects on the logit scale.
    se : float
        Standard error of ``mu``.
    tau2 : float
        tau^2 (between-study variance on the analysis scale).
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    level : float
        Confidence level, e.g. 0.95.
    excluded : tuple[Exclusion, ...], optional
        Studies left out of the analysis, with the reason (carried into the result).
    loglik : float, optional
        Maximised log-likelihood.

    Returns
    -------
    FreqResult
    """
    k = len(events)
    X = np.ones((k, 1))
    z = float(ndtri(1 - (1 - level) / 2))  # scipy.stats.norm.ppf, without importing scipy.stats
    q_wald, q_lrt, df = heterogeneity_tests(X, events, total)
    i2 = 100 * max(0.0, (q_wald - df) / q_wald) if q_wald > 0 else 0.0
    _, vi = effect_sizes(events, total, measure="PLO")
    vt = df / projection_traces(1.0 / vi, X)[0] if df > 0 else float("nan")
    ci_mu = (mu - z * se, mu + z * se)
    half = z * np.sqrt(se * se + tau2)
    pi_mu = (mu - half, mu + half)

    def back(values: tuple[float, float]) -> tuple[float, float]:
        # scipy's expit: 1 / (1 + exp(-v)) overflows in exp for v < -709
        low, high = (float(expit(v)) for v in values)
        return low, high

    return FreqResult(
        method="GLMM",
        measure="PLO",
        k=k,
        mu=mu,
        se=se,
        tau2=tau2,
        tau2_ci=None,
        i2=i2,
        h2=q_wald / df if df > 0 else 1.0,
        q=q_wald,
        q_df=df,
        q_p=float(chdtrc(df, q_wald)) if df > 0 else 1.0,  # scipy.stats.chi2.sf(q_wald, df)
        estimate=float(expit(mu)),
        ci=back(ci_mu),
        pi=back(pi_mu),
        ci_method="z",
        excluded=excluded,
        extra={
            "level": level,
            "ci_mu": ci_mu,
            "pi_mu": pi_mu,
            "q_lrt": q_lrt,
            "q_lrt_p": float(chdtrc(df, q_lrt)) if df > 0 else 1.0,
            "i2_metafor": float(100 * tau2 / (vt + tau2)) if df > 0 else 0.0,
            "loglik": loglik,
        },
    )


def glmm(data: MetaData, *, level: float = 0.95) -> FreqResult:
    """Random-intercept logistic meta-analysis by ML (``rma.glmm(measure="PLO")``).

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    level : float
        Confidence level of the Wald-type (z) interval.

    Returns
    -------
    FreqResult
        ``q`` is the Wald-type heterogeneity statistic, ``extra["q_lrt"]`` the LRT one;
        ``h2`` is ``Q/df``; ``tau2_ci`` is not computed (None).
    """
    return glmm_arrays(
        data.events, data.total, level=level, excluded=data.excluded, studies=data.studies
    )
