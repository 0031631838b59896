"""Subgroup analysis by a covariate, with meta's test for subgroup differences.

With ``tau2="separate"`` (meta's default) each group is fitted on its own (its own tau^2),
and the between-group statistic is, as ``meta:::subgroup`` computes it, Cochran's Q of the
group estimates with weights ``1/se^2`` and ``groups - 1`` df -- for inverse-variance and
GLMM fits alike. With ``tau2="common"`` one model with the subgroup factor and a common
tau^2 is fitted (``rma(mods = ~ factor)`` or ``rma.glmm(mods = ~ factor)``, as meta does with
``tau.common=TRUE``) and the between-group statistic is its omnibus test QM.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from bayesmeta.data import MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.results import FreqResult, SubgroupResult
from bayesmeta.freq.rma import check_method, rma

TAU2_MODES = ("separate", "common")


def between_group_q(estimates: np.ndarray, se: np.ndarray) -> float:
    """Cochran's Q of group estimates with inverse-variance weights."""
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
    groups: dict[str, FreqResult] = {}
    for level_name in levels:
        part = data.where(labels == level_name)
        if part.k < 2:
            raise InputError(
                f"subgroup '{level_name}' of '{by}' has {part.k} study; at least two are needed"
            )
        groups[level_name] = rma(part, **options)
    overall = rma(data, **options)
    if tau2 == "separate":
        q_b = between_group_q(
            np.array([g.mu for g in groups.values()]), np.array([g.se for g in groups.values()])
        )
        df_b = len(levels) - 1
        p_b = float(stats.chi2.sf(q_b, df_b))
    else:
        from bayesmeta.freq.metareg import metareg

        reg = metareg(
            data, formula=f"C({by})", method=method, measure=measure, ci=ci, add=add, to=to
        )
        q_b, df_b, p_b = reg.qm, reg.qm_df, reg.qm_p
    return SubgroupResult(
        by=by,
        method=method,
        tau2_mode=tau2,
        groups=groups,
        q_between=q_b,
        df_between=df_b,
        p_between=p_b,
        overall=overall,
        excluded=data.excluded,
    )
