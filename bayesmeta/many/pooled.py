"""A lean inverse-variance pooled proportion for many fits (logit scale).

``freq.rma_arrays`` also computes the Q-profile interval of tau^2, two thirds of its time; a
multiverse or a simulation needs only the pooled rate and its intervals. This is the same
computation (``freq.effects`` + ``freq.uni.fit_uni``) without it; a test checks it equals
``rma_arrays`` (which is checked against metafor).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.uni import fit_uni


def pooled_logit(
    events: np.ndarray,
    total: np.ndarray,
    *,
    method: str = "DL",
    hartung_knapp: bool = False,
    level: float = 0.95,
) -> dict[str, float]:
    """Pooled rate on the logit scale (metafor's PLO with 0.5 added to 0 / all-event studies).

    Parameters
    ----------
    events, total : numpy.ndarray
        Counts.
    method : str, default "DL"
        tau^2 estimator (``EE``: common effect).
    hartung_knapp : bool, default False
        Hartung-Knapp (t, scaled) interval.
    level : float, default 0.95
        Interval level.

    Returns
    -------
    dict
        ``estimate``, ``ci_lo``, ``ci_hi``, ``pi_lo``, ``pi_hi`` (rates; the prediction
        interval NaN for ``EE``) and ``tau2``.
    """
    yi, vi = effect_sizes(events, np.asarray(total, dtype=float), measure="PLO")
    fit = fit_uni(
        yi, vi, np.ones((len(yi), 1)), method=method, ci="hk" if hartung_knapp else "z", level=level
    )
    mu, se, crit = float(fit.beta[0]), float(fit.se[0]), fit.crit
    out = {
        "estimate": float(expit(mu)),
        "ci_lo": float(expit(mu - crit * se)),
        "ci_hi": float(expit(mu + crit * se)),
        "pi_lo": math.nan,
        "pi_hi": math.nan,
        "tau2": float(fit.tau2),
    }
    if method != "EE":
        half = crit * math.sqrt(se**2 + fit.tau2)
        out["pi_lo"], out["pi_hi"] = float(expit(mu - half)), float(expit(mu + half))
    return out
