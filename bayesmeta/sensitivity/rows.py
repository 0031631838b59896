"""One tidy row per fitted setting: pooled median rate, mean rate, tau and their intervals, and
the exact engine's log Bayes factors (heterogeneity; the covariate of a subgroup model)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Columns of the sensitivity table, in order.
COLUMNS: tuple[str, ...] = (
    "kind",
    "label",
    "engine",
    "k",
    "left_out",
    "mu_prior",
    "tau_prior",
    "method",
    "add",
    "to",
    "median",
    "median_lo",
    "median_hi",
    "mean",
    "mean_lo",
    "mean_hi",
    "tau",
    "tau_lo",
    "tau_hi",
    "pi_lo",
    "pi_hi",
    "log_bf_heterogeneity",
    "log_bf_covariate",
    "diagnostics_ok",
    "note",
)
NAN = float("nan")
#: Bayes factors of a result that are not about a covariate.
BF_NOT_COVARIATE = ("heterogeneity", "pooled_vs_benchmark")


def empty_row(kind: str, label: str, **values: Any) -> dict[str, Any]:
    """A row with every number NaN and every text empty, then ``values``.

    Parameters
    ----------
    kind : str
        Which variation: ``baseline``, ``priors``, ``loo``, ``small`` or ``freq``.
    label : str
        Human-readable label of the row.
    **values : Any
        Columns to set.

    Returns
    -------
    dict[str, Any]
    """
    row: dict[str, Any] = {column: NAN for column in COLUMNS}
    row.update(
        kind=kind,
        label=label,
        engine="",
        left_out="",
        mu_prior="",
        tau_prior="",
        method="",
        to="",
        note="",
    )
    row.update(k=0, diagnostics_ok=None)
    row.update(values)
    return row


def bayes_row(
    setting: Any, result: Any, *, engine: str, priors: Mapping[str, str]
) -> dict[str, Any]:
    """Row of a Bayesian fit of ``setting`` (a :class:`~bayesmeta.sensitivity.settings.Setting`).

    Parameters
    ----------
    setting : Any
        The setting that was fitted.
    result : Any
        The fitted result.
    engine : str
        The engine that fitted the row.
    priors : Mapping[str, str]
        The priors of mu, beta and tau.

    Returns
    -------
    dict[str, Any]
    """
    tau = result.tau
    problems = result.diagnostics.problems()
    factors = getattr(result, "bayes_factors", None) or {}
    covariate = [bf for name, bf in factors.items() if name not in BF_NOT_COVARIATE]
    return empty_row(
        setting.kind,
        setting.label,
        engine=engine,
        k=int(setting.data.k),
        left_out=setting.left_out,
        mu_prior=priors["mu"],
        tau_prior=priors["tau"],
        median=result.pooled_median.median,
        median_lo=result.pooled_median.lo,
        median_hi=result.pooled_median.hi,
        mean=result.pooled_mean.median,
        mean_lo=result.pooled_mean.lo,
        mean_hi=result.pooled_mean.hi,
        tau=NAN if tau is None else tau.median,
        tau_lo=NAN if tau is None else tau.lo,
        tau_hi=NAN if tau is None else tau.hi,
        pi_lo=result.new_study.lo,
        pi_hi=result.new_study.hi,
        log_bf_heterogeneity=factors["heterogeneity"].log_bf if "heterogeneity" in factors else NAN,
        log_bf_covariate=covariate[0].log_bf if len(covariate) == 1 else NAN,
        diagnostics_ok=not problems,
        note="; ".join(problems),
    )


def freq_row(
    kind: str, label: str, result: Any, *, k: int, method: str, add: float, to: str
) -> dict[str, Any]:
    """Row of a frequentist fit: the pooled estimate is a median-type rate (expit(mu)); the mean
    rate has no frequentist counterpart here and stays NaN.

    Parameters
    ----------
    kind : str
        Which variation: ``baseline``, ``priors``, ``loo``, ``small`` or ``freq``.
    label : str
        Human-readable label of the row.
    result : Any
        The fitted result.
    k : int
        Number of studies in the fit.
    method : str
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    add : float
        Continuity correction added to events and non-events (metafor's default 0.5).
    to : str
        Which studies get the correction: ``"only0"`` (zero cells, metafor's default), ``"all"``,
        ``"if0all"`` or ``"none"``.

    Returns
    -------
    dict[str, Any]
    """
    ci = getattr(result, "ci", None) or (NAN, NAN)
    pi = getattr(result, "pi", None) or (NAN, NAN)
    tau2 = getattr(result, "tau2", None)
    return empty_row(
        kind,
        label,
        engine="frequentist",
        k=int(k),
        method=method,
        add=float(add),
        to=to,
        median=float(result.estimate),
        median_lo=_number(ci[0]),
        median_hi=_number(ci[1]),
        tau=math.sqrt(tau2) if tau2 is not None and tau2 >= 0 else NAN,
        pi_lo=_number(pi[0]),
        pi_hi=_number(pi[1]),
    )


def _number(value: Any) -> float:
    return NAN if value is None else float(value)
