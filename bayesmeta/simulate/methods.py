"""The methods a simulation compares, on one replicate's counts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

NAN_ROW = {
    "median": math.nan,
    "median_lo": math.nan,
    "median_hi": math.nan,
    "mean": math.nan,
    "mean_lo": math.nan,
    "mean_hi": math.nan,
    "pi_lo": math.nan,
    "pi_hi": math.nan,
}


def fit_method(
    method: str,
    events: np.ndarray,
    total: np.ndarray,
    *,
    level: float,
    priors: dict[str, str],
    nuts: dict[str, Any],
    seed: int,
) -> tuple[dict[str, float], str]:
    """Fit one method; the median rate (and for Bayesian methods the mean rate) with intervals.

    Parameters
    ----------
    method : str
        ``EE`` (common effect), ``DL``, ``REML``, ... (``-HK``: Hartung-Knapp), ``GLMM``,
        ``bayes`` (exact engine, random-intercept model) or ``nuts`` (same model, NUTS; slow).
    events, total : numpy.ndarray
        Counts.
    level : float
        Interval level.
    priors : dict
        ``mu``/``tau`` prior strings of the Bayesian methods.
    nuts : dict
        draws, tune, chains, sampler.
    seed : int
        NUTS seed.

    Returns
    -------
    (dict, str)
        Estimates (NaN where a method has none, e.g. the mean rate of a frequentist fit) and a
        note: "" when the fit converged, else why not.
    """
    if method in ("bayes", "nuts"):
        return _bayes(method, events, total, priors=priors, nuts=nuts, seed=seed)
    if method == "GLMM":
        from bayesmeta.freq.glmm import glmm_arrays

        r = glmm_arrays(events, total, level=level)
        pi = r.pi or (math.nan, math.nan)
        fit = {"estimate": r.estimate, "ci_lo": r.ci[0], "ci_hi": r.ci[1]}
        fit.update(pi_lo=pi[0], pi_hi=pi[1])
    else:
        from bayesmeta.many.pooled import pooled_logit

        name, _, hk = method.partition("-")
        fit = pooled_logit(events, total, method=name, hartung_knapp=bool(hk), level=level)
    row = {**NAN_ROW, "median": fit["estimate"], "median_lo": fit["ci_lo"]}
    row.update(median_hi=fit["ci_hi"], pi_lo=fit["pi_lo"], pi_hi=fit["pi_hi"])
    return row, ""


def _bayes(
    method: str,
    events: np.ndarray,
    total: np.ndarray,
    *,
    priors: dict[str, str],
    nuts: dict[str, Any],
    seed: int,
) -> tuple[dict[str, float], str]:
    import pandas as pd

    from bayesmeta.bayes import build_model
    from bayesmeta.data import from_frame

    frame = pd.DataFrame(
        {"study": [f"s{i}" for i in range(len(events))], "events": events, "total": total}
    )
    data = from_frame(frame, events="events", total="total", covariates=[])
    spec = build_model(data, kind="random", mu_prior=priors.get("mu"), tau_prior=priors.get("tau"))
    if method == "bayes":
        from bayesmeta.engines import exact_engine, fit

        r = fit(spec, engine=exact_engine(spec))
    else:
        from bayesmeta.bayes import fit

        r = fit(spec, engine="nuts", seed=seed, **nuts)
    p, m, n = r.pooled_median, r.pooled_mean, r.new_study
    row = {
        "median": p.median,
        "median_lo": p.lo,
        "median_hi": p.hi,
        "mean": m.median,
        "mean_lo": m.lo,
        "mean_hi": m.hi,
        "pi_lo": n.lo,
        "pi_hi": n.hi,
    }
    return row, "" if r.diagnostics.ok else "; ".join(r.diagnostics.problems())
