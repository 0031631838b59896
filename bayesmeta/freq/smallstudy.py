"""Small-study (funnel asymmetry) tests: Egger's and Peters' regressions (``metafor::regtest``).

Both regress the study effects on a measure of study size -- the standard error (Egger)
or the inverse sample size (Peters) -- and test its coefficient. ``model="rma"`` fits a
mixed-effects meta-regression with the chosen tau^2 estimator (metafor's default);
``model="lm"`` is the classic weighted least-squares regression with weights ``1/vi``
and a t-test (as meta's ``metabias``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from bayesmeta.data import Exclusion, MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.metareg import check_level, critical_value
from bayesmeta.freq.uni import fit_uni

MODELS = ("rma", "lm")


@dataclass(frozen=True)
class SmallStudyResult:
    """A regression test for funnel-plot asymmetry.

    Attributes
    ----------
    test : str
        ``egger`` or ``peters``.
    model : str
        ``rma`` or ``lm``.
    statistic, p_value : float
        z (or t) statistic of the size coefficient, and its two-sided p-value.
    df : float or None
        Degrees of freedom of the t-test (None for z).
    slope, slope_se : float
        Coefficient of the size measure and its standard error.
    limit_estimate : float
        Intercept: the effect expected for an infinitely large study (analysis scale).
    limit_ci : tuple of float
        Its confidence interval at ``level`` (as ``regtest``'s ``ci.lb``, ``ci.ub``).
    level : float
        Confidence level.
    excluded : tuple of Exclusion
    """

    test: str
    model: str
    statistic: float
    p_value: float
    df: float | None
    slope: float
    slope_se: float
    limit_estimate: float
    limit_ci: tuple[float, float] = (float("nan"), float("nan"))
    level: float = 0.95
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "model": self.model,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "df": self.df,
            "slope": self.slope,
            "slope_se": self.slope_se,
            "limit_estimate": self.limit_estimate,
            "limit_ci": list(self.limit_ci),
            "level": self.level,
            "excluded": [e.to_dict() for e in self.excluded],
        }


def regression_test(
    yi: np.ndarray,
    vi: np.ndarray,
    predictor: np.ndarray,
    *,
    model: str = "rma",
    method: str = "DL",
    ci: str = "z",
    level: float = 0.95,
) -> tuple[float, float, float | None, float, float, float, tuple[float, float]]:
    """(statistic, p, df, slope, slope se, intercept, intercept CI) of ``yi ~ 1 + predictor``.

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    predictor : numpy.ndarray
        The regressor: standard errors (Egger) or inverse totals (Peters).
    model : str, optional
        ``"rma"`` (weighted regression with tau^2 as ``method`` estimates it) or ``"lm"`` (weighted
        least squares with a multiplicative dispersion), as ``regtest(model=...)``.
    method : str, optional
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    ci : str, optional
        ``"z"`` (normal) or ``"hk"`` (Hartung-Knapp) intervals and tests.
    level : float, optional
        Confidence level of the intercept's interval.

    Returns
    -------
    tuple[float, float, float | None, float, float, float, tuple[float, float]]
        Statistic, p-value, df, slope, its standard error, intercept and the intercept's CI.
    """
    check_level(level)
    if model not in MODELS:
        raise InputError(f"unknown model '{model}' for the regression test (choose rma or lm)")
    X = np.column_stack([np.ones(len(yi)), predictor])
    if len(yi) < 3:
        raise InputError("a regression test needs at least three studies")
    if model == "lm":
        fit = fit_uni(yi, vi, X, method="EE", ci="hk")
    else:
        fit = fit_uni(yi, vi, X, method=method, ci=ci)
    slope, slope_se = float(fit.beta[1]), float(fit.se[1])
    stat = slope / slope_se
    if np.isinf(fit.dfs):
        p, df = float(2 * stats.norm.sf(abs(stat))), None
    else:
        p, df = float(2 * stats.t.sf(abs(stat), fit.dfs)), float(fit.dfs)
    crit = critical_value(level, fit.dfs)
    limit, limit_se = float(fit.beta[0]), float(fit.se[0])
    return stat, p, df, slope, slope_se, limit, (limit - crit * limit_se, limit + crit * limit_se)


def egger(
    data: MetaData,
    *,
    model: str = "rma",
    method: str = "DL",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
) -> SmallStudyResult:
    """Egger's regression test: effects on their standard errors (``regtest(predictor="sei")``).

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    model : str, optional
        ``"rma"`` (weighted regression with tau^2 as ``method`` estimates it) or ``"lm"`` (weighted
        least squares with a multiplicative dispersion), as ``regtest(model=...)``.
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
        Confidence level of the interval of the limit estimate, e.g. 0.95.

    Returns
    -------
    SmallStudyResult
    """
    yi, vi = effect_sizes(data.events, data.total, measure=measure, add=add, to=to)
    out = regression_test(yi, vi, np.sqrt(vi), model=model, method=method, ci=ci, level=level)
    return SmallStudyResult("egger", model, *out, level=level, excluded=data.excluded)


def peters(
    data: MetaData,
    *,
    model: str = "lm",
    method: str = "DL",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
) -> SmallStudyResult:
    """Peters' test: effects on the inverse sample size (``regtest(predictor="ninv")``).

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    model : str, optional
        ``"rma"`` (weighted regression with tau^2 as ``method`` estimates it) or ``"lm"`` (weighted
        least squares with a multiplicative dispersion), as ``regtest(model=...)``.
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
        Confidence level of the interval of the limit estimate, e.g. 0.95.

    Returns
    -------
    SmallStudyResult
    """
    yi, vi = effect_sizes(data.events, data.total, measure=measure, add=add, to=to)
    predictor = 1.0 / data.total.astype(float)
    out = regression_test(yi, vi, predictor, model=model, method=method, ci=ci, level=level)
    return SmallStudyResult("peters", model, *out, level=level, excluded=data.excluded)
