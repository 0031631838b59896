"""Pooled proportion by inverse-variance random/common-effect meta-analysis (``rma``)."""

from __future__ import annotations

import numpy as np

from bayesmeta.data import Exclusion, MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import back_transform, effect_sizes
from bayesmeta.freq.results import FreqResult
from bayesmeta.freq.tau2 import ESTIMATORS
from bayesmeta.freq.uni import check_ci, fit_uni, q_profile_ci

METHODS = ESTIMATORS + ("GLMM",)


def check_method(method: str) -> None:
    """Refuse an unknown method with a one-line :class:`~bayesmeta.errors.InputError`.

    Parameters
    ----------
    method : str
        tau^2 estimator or ``GLMM`` (one of :data:`METHODS`).
    """
    if method not in METHODS:
        raise InputError(f"unknown method '{method}' (choose from {', '.join(METHODS)})")


def check_glmm_options(*, measure: str, ci: str) -> None:
    """The GLMM is a logit-scale model with Wald (z) intervals, as rma.glmm's default.

    Parameters
    ----------
    measure : str
        Analysis scale: ``PLO`` (logit), ``PFT``, ``PAS`` or ``PR``.
    ci : str
        ``"z"`` (normal) or ``"hk"`` (Hartung-Knapp) intervals and tests.
    """
    if measure != "PLO":
        raise InputError("the GLMM is fitted on the logit scale only (measure='PLO')")
    if ci != "z":
        raise InputError("the GLMM gives Wald-type (z) intervals only (ci='z')")


def rma_arrays(
    events: np.ndarray,
    total: np.ndarray,
    *,
    method: str = "DL",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
    excluded: tuple[Exclusion, ...] = (),
    tau2: float | None = None,
) -> FreqResult:
    """Inverse-variance meta-analysis of ``events``/``total`` (see :func:`rma`).

    ``tau2`` fixes the between-study variance instead of estimating it (used for subgroups
    with a common tau^2); the Q-profile interval is then not computed. A single study gives
    its own estimate with tau^2 = 0, as metafor does.

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    method : str, optional
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    measure : str, optional
        Analysis scale: ``PLO`` (logit), ``PFT``, ``PAS`` or ``PR``.
    ci : str, optional
        ``"z"`` (normal) or ``"hk"`` (Hartung-Knapp) intervals and tests.
    add : float, optional
        Continuity correction added to events and non-events (metafor's default 0.5).
    to : str, optional
        Which studies get the correction: ``"only0"`` (zero cells, metafor's default), ``"all"``,
        ``"if0all"`` or ``"none"``.
    level : float, optional
        Confidence level, e.g. 0.95.
    excluded : tuple[Exclusion, ...], optional
        Studies left out of the analysis, with the reason (carried into the result).
    tau2 : float, optional
        A fixed tau^2; None estimates it with ``method``.

    Returns
    -------
    FreqResult
    """
    check_method(method)
    check_ci(ci)
    total = np.asarray(total, dtype=float)
    yi, vi = effect_sizes(events, total, measure=measure, add=add, to=to)
    k = len(yi)
    if k < 1:
        raise InputError("no study to pool")
    X = np.ones((k, 1))
    fit = fit_uni(yi, vi, X, method=method, ci=ci, level=level, tau2=tau2)
    mu = float(fit.beta[0])
    se = float(fit.se[0])
    crit = fit.crit
    ci_mu = (mu - crit * se, mu + crit * se)
    if method == "EE":
        pi_mu = None
        tau2_ci = None
    else:
        half = crit * np.sqrt(se**2 + fit.tau2)
        pi_mu = (mu - half, mu + half)
        tau2_ci = q_profile_ci(yi, vi, X, level=level) if tau2 is None and k > 1 else None

    def bt(values):
        if values is None:
            return None
        return tuple(float(v) for v in back_transform(measure, np.array(values), total=total))

    return FreqResult(
        method=method,
        measure=measure,
        k=k,
        mu=mu,
        se=se,
        tau2=fit.tau2,
        tau2_ci=tau2_ci,
        i2=fit.i2,
        h2=fit.h2,
        q=fit.qe,
        q_df=fit.qe_df,
        q_p=fit.qe_p,
        estimate=float(back_transform(measure, mu, total=total)),
        ci=bt(ci_mu),
        pi=bt(pi_mu),
        ci_method=ci,
        excluded=excluded,
        extra={"level": level, "ci_mu": ci_mu, "pi_mu": pi_mu},
    )


def rma(
    data: MetaData,
    *,
    method: str = "DL",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
) -> FreqResult:
    """Pooled proportion, equal to ``metafor::rma(escalc(measure, xi, ni), method=...)``.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    method : str
        tau^2 estimator: ``DL`` (default), ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``,
        ``HE`` (Hedges'); ``EE`` for the common-effect model; ``GLMM`` dispatches to :func:`glmm`.
    measure : {"PLO", "PFT", "PAS", "PR"}
        Analysis scale (logit by default).
    ci : {"z", "hk"}
        Normal-based or Hartung-Knapp (t, scaled) intervals and tests.
    add, to : float, str
        Continuity correction (metafor's defaults: 0.5 to studies with 0 or all events).
    level : float
        Confidence level.

    Returns
    -------
    FreqResult
    """
    check_method(method)
    if method == "GLMM":
        from bayesmeta.freq.glmm import glmm

        check_glmm_options(measure=measure, ci=ci)
        return glmm(data, level=level)
    return rma_arrays(
        data.events,
        data.total,
        method=method,
        measure=measure,
        ci=ci,
        add=add,
        to=to,
        level=level,
        excluded=data.excluded,
    )
