"""Meta-regression on study-level covariates: weighted mixed-effects model or GLMM."""

from __future__ import annotations

import numpy as np
from scipy import stats

from bayesmeta.data import MetaData
from bayesmeta.errors import InputError
from bayesmeta.formula import design_matrix, parse_formula
from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.results import MetaRegResult
from bayesmeta.freq.rma import check_method
from bayesmeta.freq.uni import fit_uni
from bayesmeta.plural import plural


def metareg(
    data: MetaData,
    *,
    formula: str,
    method: str = "REML",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
    reference: dict[str, object] | None = None,
) -> MetaRegResult:
    """Mixed-effects meta-regression, equal to ``rma(yi, vi, mods=~formula, method=...)``
    (or ``rma.glmm(measure="PLO", mods=~formula)`` with ``method="GLMM"``).

    Parameters
    ----------
    data : MetaData
        Studies; those missing a covariate of ``formula`` are excluded and reported.
    formula : str
        Covariates, e.g. ``"cancer_type + age_median"`` (see :mod:`bayesmeta.formula`);
        treatment coding with the first sorted level as reference unless ``reference`` says.
    method : str
        tau^2 estimator (REML default; DL, PM, ML, EB, SJ, HS, HE, EE) or ``GLMM``.
    measure, ci, add, to
        As :func:`bayesmeta.freq.rma` (the GLMM allows only ``measure="PLO"``, ``ci="z"``).
    level : float
        Confidence level of the coefficients' intervals (z, or t with k - p df under ``hk``).
    reference : dict, optional
        Categorical covariate -> reference level.

    Returns
    -------
    MetaRegResult
        Coefficients (term -> estimate, se, ci), the omnibus test QM of all non-intercept terms
        (an F statistic under ``ci="hk"``), residual tau^2 and the residual heterogeneity Q.
    """
    check_method(method)
    check_level(level)
    parsed = parse_formula(formula)
    data = data.complete_for(list(parsed.covariates))
    design = design_matrix(data.covariates, parsed, reference=reference)
    X = design.matrix
    k, p = X.shape
    if k <= p:
        raise InputError(
            f"{plural(k, 'study')} are too few for the {p} coefficients of '{formula}'"
        )
    tested = np.array([i for i, c in enumerate(design.columns) if c != "intercept"], dtype=int)
    if method == "GLMM":
        from bayesmeta.freq.glmm import heterogeneity_tests
        from bayesmeta.freq.rma import check_glmm_options

        check_glmm_options(measure=measure, ci=ci)
        from bayesmeta.freq.glmm_fit import fit_glmm

        events = data.events.astype(float)
        total = data.total.astype(float)
        fit = fit_glmm(X, events, total, columns=list(design.columns), studies=list(data.studies))
        beta, vb, tau2 = fit.beta, fit.vb, fit.tau2
        qe, _, qe_df = heterogeneity_tests(X, events, total)
        ci_method = "z"
        dfs = float("inf")
        if len(tested):
            b = beta[tested]
            qm = float(b @ np.linalg.solve(vb[np.ix_(tested, tested)], b))
            qm_p = float(stats.chi2.sf(qm, len(tested)))
        else:
            qm, qm_p = float("nan"), float("nan")
    else:
        yi, vi = effect_sizes(data.events, data.total, measure=measure, add=add, to=to)
        uni = fit_uni(yi, vi, X, method=method, ci=ci)
        beta, vb, tau2 = uni.beta, uni.vb, uni.tau2
        qe, qe_df = uni.qe, uni.qe_df
        ci_method = ci
        dfs = uni.dfs
        qm, _, qm_p = uni.omnibus(tested) if len(tested) else (float("nan"), 0, float("nan"))
    se = np.sqrt(np.diag(vb))
    crit = critical_value(level, dfs)
    coefficients = {
        name: {
            "estimate": float(b),
            "se": float(s),
            "ci": [float(b - crit * s), float(b + crit * s)],
        }
        for name, b, s in zip(design.columns, beta, se, strict=True)
    }
    return MetaRegResult(
        method=method,
        formula=formula,
        k=k,
        coefficients=coefficients,
        qm=qm,
        qm_df=int(len(tested)),
        qm_p=qm_p,
        tau2=float(tau2),
        qe=float(qe),
        qe_df=int(qe_df),
        qe_p=float(stats.chi2.sf(qe, qe_df)) if qe_df > 0 else float("nan"),
        ci_method=ci_method,
        level=level,
        excluded=data.excluded,
    )


def critical_value(level: float, dfs: float) -> float:
    """Two-sided critical value: normal, or t with ``dfs`` degrees of freedom when finite.

    Parameters
    ----------
    level : float
        Confidence level.
    dfs : float
        Degrees of freedom (``inf`` for the normal distribution).

    Returns
    -------
    float
    """
    upper = 1 - (1 - level) / 2
    return float(stats.norm.ppf(upper) if np.isinf(dfs) else stats.t.ppf(upper, dfs))


def check_level(level: float) -> None:
    """Refuse a confidence level outside (0, 1).

    Parameters
    ----------
    level : float
        Confidence level.

    Returns
    -------
    None
    """
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1, got {level}")
