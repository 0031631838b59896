"""Prediction intervals for a new study's true effect: normal (default) or t-based.

``mu +- crit * sqrt(se^2 + tau^2)`` on the analysis scale, then back-transformed, with

* ``z``: the normal quantile (metafor's default for z-tests; the package's default);
* ``t``: Student's t with k - 1 df (meta's default since 7.0, ``method.predict = "V"``;
  metafor's ``predict(fit, pi.type = "t")``);
* ``hts``: Student's t with k - 2 df (Higgins, Thompson and Spiegelhalter 2009; meta's
  earlier default ``"HTS"``; metafor's ``pi.type = "riley"`` for a model without moderators).

The Hartung-Knapp fits already use t with k - 1 df for their default interval.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import stats

from bayesmeta.errors import InputError
from bayesmeta.freq.effects import back_transform
from bayesmeta.freq.results import FreqResult
from bayesmeta.plural import plural

PI_METHODS = ("z", "t", "hts")


def prediction_df(pi: str, k: int) -> float:
    """Degrees of freedom of the prediction interval (inf for ``z``).

    Parameters
    ----------
    pi : {"z", "t", "hts"}
        Interval method.
    k : int
        Number of studies.

    Returns
    -------
    float
    """
    if pi not in PI_METHODS:
        raise InputError(f"unknown prediction interval '{pi}' (choose from z, t, hts)")
    if pi == "z":
        return float("inf")
    df = k - 1 if pi == "t" else k - 2
    if df < 1:
        raise InputError(
            f"--pi {pi} needs at least {plural(3 if pi == 'hts' else 2, 'study')}, got {k}"
        )
    return float(df)


def with_prediction(result: FreqResult, *, pi: str, total: np.ndarray) -> FreqResult:
    """The result with its prediction interval recomputed by method ``pi``.

    Parameters
    ----------
    result : FreqResult
        A random-effects fit (rma or GLMM); a common-effect fit (EE) has no interval.
    pi : {"z", "t", "hts"}
        Interval method (see the module docstring).
    total : numpy.ndarray
        Patients per study (for the Freeman-Tukey back-transformation).

    Returns
    -------
    FreqResult
        ``pi`` and ``extra["pi_mu"]`` replaced; ``extra["pi_method"]`` and ``extra["pi_df"]`` added.
    """
    df = prediction_df(pi, result.k)
    if result.pi is None or (pi == "z" and result.ci_method == "z"):
        extra = {**result.extra, "pi_method": pi, "pi_df": df}
        return dataclasses.replace(result, extra=extra)
    level = float(result.extra.get("level", 0.95))
    q = 1 - (1 - level) / 2
    crit = float(stats.norm.ppf(q)) if np.isinf(df) else float(stats.t.ppf(q, df))
    half = crit * np.sqrt(result.se**2 + result.tau2)
    pi_mu = (result.mu - half, result.mu + half)
    bt = back_transform(result.measure, np.array(pi_mu), total=np.asarray(total, dtype=float))
    extra = {**result.extra, "pi_mu": pi_mu, "pi_method": pi, "pi_df": df}
    return dataclasses.replace(result, pi=(float(bt[0]), float(bt[1])), extra=extra)
