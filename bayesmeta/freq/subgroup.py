"""Subgroup analysis by a covariate, with meta's test for subgroup differences.

With ``tau2="separate"`` (meta's default) each group is fitted on its own (its own tau^2),
and the between-group statistic is, as ``meta:::subgroup`` computes it, Cochran's Q of the
group estimates with weights ``1/se^2`` and ``groups - 1`` df -- for inverse-variance and
GLMM fits alike. With ``tau2="common"`` (meta's ``tau.common=TRUE``) the inverse-variance
groups are refitted with tau^2 fixed at the residual tau^2 of the model with the subgroup
factor (``rma(mods = ~ factor)``), and Q is computed as above -- which equals that model's
omnibus QM; for GLMM the group means and their covariance come from one GLMM with a mean
per group and a common tau^2 (``rma.glmm(mods = ~ factor)``), and the statistic is its Wald
test of equal means (its QM). Groups of a single study give that study's own estimate.

A GLMM group whose studies have no events at all (or only events) is perfectly separated:
its logistic ML estimate is infinite, in the separate fit and in the common-tau^2 model alike.
``rma.glmm`` (lme4) does not converge there (singular Hessian, an arbitrary coefficient near
+-20 with a standard error of 1e3-1e4), so such groups are refused with an ``InputError``
naming them instead of returning numbers that mean nothing.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from bayesmeta.data import MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.glmm import check_counts, glmm_result
from bayesmeta.freq.glmm_fit import fit_glmm
from bayesmeta.freq.results import FreqResult, SubgroupResult
from bayesmeta.freq.rma import check_method, rma, rma_arrays
from bayesmeta.freq.separation import find_separation
from bayesmeta.freq.uni import fit_uni

TAU2_MODES = ("separate", "common")


def between_group_q(estimates: np.ndarray, se: np.ndarray) -> float:
    """Cochran's Q of group estimates with inverse-variance weights.

    Parameters
    ----------
    estimates : numpy.ndarray
        Pooled estimate of each group (analysis scale).
    se : numpy.ndarray
        Their standard errors.

    Returns
    -------
    float
    """
    w = 1.0 / np.asarray(se, dtype=float) ** 2
    est = np.asarray(estimates, dtype=float)
    centre = np.sum(w * est) / np.sum(w)
    return float(np.sum(w * (est - centre) ** 2))


def subgroup(
    data: MetaData,
    *,
    by: str,
    method: str = "DL",
    tau2: str = "separate",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
) -> SubgroupResult:
    """Per-group pooled proportions and the test for subgroup differences.

    Parameters
    ----------
    data : MetaData
        Studies; those missing ``by`` are excluded and reported.
    by : str
        Categorical covariate defining the groups.
    method : str
        As :func:`bayesmeta.freq.rma` (``GLMM`` included).
    tau2 : {"separate", "common"}
        Separate tau^2 per group (meta's default) or a common one.
    measure, ci, add, to, level
        As :func:`bayesmeta.freq.rma`.

    Returns
    -------
    SubgroupResult
    """
    check_method(method)
    if tau2 not in TAU2_MODES:
        raise InputError(f"unknown tau2 mode '{tau2}' (choose from separate, common)")
    data = data.complete_for([by])
    labels = data.covariates[by].astype(str).to_numpy()
    levels = sorted(set(labels))
    if len(levels) < 2:
        raise InputError(f"covariate '{by}' has fewer than two groups among the studies")
    options = {"method": method, "measure": measure, "ci": ci, "add": add, "to": to, "level": level}
    members = {name: labels == name for name in levels}
    if method == "GLMM":
        check_separation(data, members, by=by, tau2=tau2)
    overall = rma(data, **options)
    if tau2 == "common" and method == "GLMM":
        groups, covariance = _glmm_common(data, members, level=level)
        q_b = equality_test(np.array([g.mu for g in groups.values()]), covariance)
    else:
        if tau2 == "separate":
            groups = {name: rma(data.where(mask), **options) for name, mask in members.items()}
        else:
            groups = _uni_common(data, members, options)
        q_b = between_group_q(
            np.array([g.mu for g in groups.values()]), np.array([g.se for g in groups.values()])
        )
    df_b = len(levels) - 1
    return SubgroupResult(
        by=by,
        method=method,
        tau2_mode=tau2,
        groups=groups,
        q_between=q_b,
        df_between=df_b,
        p_between=float(stats.chi2.sf(q_b, df_b)),
        overall=overall,
        excluded=data.excluded,
    )


def check_separation(
    data: MetaData, members: dict[str, np.ndarray], *, by: str, tau2: str = "separate"
) -> None:
    """Refuse levels whose GLMM estimate is infinite, decided from the data.

    A level is separated when the linear program of :func:`bayesmeta.freq.separation.
    find_separation` on the level indicators finds a direction moving it (its studies have no
    events, or only events). With separate tau^2 per level, a level of several studies none of
    which has both events and non-events has an unbounded tau^2 and is refused too.

    Parameters
    ----------
    data : MetaData
        Studies with the covariate ``by`` present.
    members : dict of str to numpy.ndarray
        Boolean mask of each group's studies.
    by : str
        Covariate name, for the message.
    tau2 : {"separate", "common"}
        Whether each level has its own tau^2.

    Returns
    -------
    None

    Raises
    ------
    InputError
        Naming every separated level and its studies, in one line.
    """
    studies = np.asarray(data.studies)
    names = list(members)
    found = find_separation(_indicators(members), data.events, data.total)
    problems = []
    if found is not None:
        for column in found.coefficients:
            mask = members[names[column]]
            what = "no events" if data.events[mask].sum() == 0 else "only events"
            problems.append(f"'{names[column]}' ({', '.join(studies[mask])}: {what})")
    if problems:
        raise InputError(
            f"GLMM: {by} level(s) {'; '.join(problems)} make the logistic ML estimate infinite,"
            " so the GLMM cannot be fitted (metafor's rma.glmm does not converge either);"
            " use an inverse-variance method such as DL or REML"
        )
    if tau2 != "separate":
        return
    for name, mask in members.items():
        events, total = data.events[mask], data.total[mask]
        if mask.sum() > 1 and not np.any((events > 0) & (events < total)):
            problems.append(f"'{name}' ({', '.join(studies[mask])})")
    if problems:
        raise InputError(
            f"GLMM: in {by} level(s) {'; '.join(problems)} no study has both events and"
            " non-events, so the level's tau^2 has no finite ML estimate; use an"
            " inverse-variance method such as DL or REML"
        )


def _indicators(members: dict[str, np.ndarray]) -> np.ndarray:
    return np.column_stack([mask.astype(float) for mask in members.values()])


def _uni_common(
    data: MetaData, members: dict[str, np.ndarray], options: dict
) -> dict[str, FreqResult]:
    """Groups refitted with tau^2 fixed at the residual tau^2 of the subgroup model
    (meta's ``tau.common=TRUE``: ``hetcalc(..., subgroup)`` then ``tau.preset``)."""
    yi, vi = effect_sizes(
        data.events, data.total, measure=options["measure"], add=options["add"], to=options["to"]
    )
    tau2_common = fit_uni(yi, vi, _indicators(members), method=options["method"]).tau2
    return {
        name: rma_arrays(
            data.events[mask], data.total[mask], **options, excluded=data.excluded, tau2=tau2_common
        )
        for name, mask in members.items()
    }


def _glmm_common(
    data: MetaData, members: dict[str, np.ndarray], *, level: float
) -> tuple[dict[str, FreqResult], np.ndarray]:
    """Group estimates from one GLMM with a mean per group and a common tau^2 (meta's
    ``tau.common=TRUE`` for GLMM: ``rma.glmm(mods = ~ subgroup)``)."""
    events = data.events.astype(float)
    total = data.total.astype(float)
    check_counts(events, total)
    fit = fit_glmm(
        _indicators(members), events, total, columns=list(members), studies=list(data.studies)
    )
    groups = {}
    for column, (name, mask) in enumerate(members.items()):
        groups[name] = glmm_result(
            float(fit.beta[column]),
            float(np.sqrt(fit.vb[column, column])),
            fit.tau2,
            events[mask],
            total[mask],
            level=level,
            excluded=data.excluded,
        )
    return groups, fit.vb


def equality_test(beta: np.ndarray, covariance: np.ndarray) -> float:
    """Wald statistic for equal group means (the QM of the model with an intercept).

    Parameters
    ----------
    beta : numpy.ndarray
        Regression coefficients.
    covariance : numpy.ndarray
        Covariance matrix of ``beta``.

    Returns
    -------
    float
    """
    contrast = np.eye(len(beta))[1:] - np.eye(len(beta))[0]
    diff = contrast @ beta
    return float(diff @ np.linalg.solve(contrast @ covariance @ contrast.T, diff))
