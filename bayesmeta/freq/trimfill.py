"""Duval and Tweedie's trim-and-fill method (``metafor::trimfill``).

The side on which studies are missing is chosen as metafor chooses it: from the sign of the
slope of Egger's regression ``yi ~ sqrt(vi)`` with the same tau^2 estimator (a negative slope
means studies are missing on the right). The most extreme studies on the other side are
trimmed iteratively until the estimator of the number of missing studies (``L0`` or ``R0``)
is stable; their mirror images around the trimmed estimate are then filled in and the model
refitted on the augmented data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.special import expit

from bayesmeta.data import Exclusion, MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import back_transform, effect_sizes
from bayesmeta.freq.uni import fit_uni

ESTIMATORS = ("L0", "R0")
SIDES = ("left", "right")


@dataclass(frozen=True)
class TrimFillResult:
    """Trim-and-fill estimate.

    Parameters
    ----------
    k0, se_k0 : int, float
        Estimated number of missing studies and its standard error.
    side : str
        ``left`` or ``right``: where studies are estimated to be missing.
    estimator : str
        ``L0`` or ``R0``.
    mu, se : float
        Adjusted estimate on the analysis scale (logit by default) and its standard error.
    ci_mu : tuple of float
        Its confidence interval on the analysis scale.
    estimate : float
        Adjusted pooled proportion (back-transformed ``mu``).
    ci : tuple of float
        Its confidence interval as proportions.
    tau2 : float
        tau^2 of the augmented data.
    measure, method : str
        Analysis scale and tau^2 estimator.
    filled_yi, filled_vi : numpy.ndarray
        The filled (imputed) effects and their sampling variances.
    excluded : tuple of Exclusion
        Studies left out of the analysis.
    """

    k0: int
    se_k0: float
    side: str
    estimator: str
    mu: float
    se: float
    ci_mu: tuple[float, float]
    estimate: float
    ci: tuple[float, float]
    tau2: float
    measure: str
    method: str
    filled_yi: np.ndarray
    filled_vi: np.ndarray
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``trimfill`` of ``bayesmeta freq --bias``).

        Returns
        -------
        dict
        """
        return {
            "k0": self.k0,
            "se_k0": self.se_k0,
            "side": self.side,
            "estimator": self.estimator,
            "mu": self.mu,
            "se": self.se,
            "ci_mu": list(self.ci_mu),
            "estimate": self.estimate,
            "ci": list(self.ci),
            "tau2": self.tau2,
            "filled": [
                {"yi": float(y), "vi": float(v)}
                for y, v in zip(self.filled_yi, self.filled_vi, strict=True)
            ],
        }


def choose_side(yi: np.ndarray, vi: np.ndarray, *, method: str) -> str:
    """metafor's choice: studies are missing on the right if Egger's slope is negative.

    Parameters
    ----------
    yi, vi : numpy.ndarray
        Effects and sampling variances.
    method : str
        tau^2 estimator of the regression.

    Returns
    -------
    str
        ``left`` or ``right``.
    """
    X = np.column_stack([np.ones(len(yi)), np.sqrt(vi)])
    slope = fit_uni(yi, vi, X, method=method).beta[1]
    return "right" if slope < 0 else "left"


def count_missing(
    yi: np.ndarray, vi: np.ndarray, *, method: str, estimator: str, max_iter: int = 100
) -> tuple[int, float, float]:
    """Iterate trimming on effects sorted ascending (missing on the left): (k0, se, centre).

    Parameters
    ----------
    yi, vi : numpy.ndarray
        Effects (already mirrored if missing on the right) and sampling variances.
    method : str
        tau^2 estimator.
    estimator : {"L0", "R0"}
        Estimator of the number of missing studies.
    max_iter : int
        Iteration limit.

    Returns
    -------
    tuple
        ``(k0, se_k0, beta)``: beta is the estimate of the last trimmed fit.
    """
    order = np.argsort(yi, kind="stable")
    yi, vi = yi[order], vi[order]
    k = len(yi)
    ones = np.ones((k, 1))
    k0, previous = 0, -1
    for _ in range(max_iter):
        if k0 == previous:
            break
        previous = k0
        beta = float(fit_uni(yi[: k - k0], vi[: k - k0], ones[: k - k0], method=method).beta[0])
        centred = yi - beta
        ranks = stats.rankdata(np.abs(centred), method="ordinal")
        signed = np.sign(centred) * ranks
        if estimator == "R0":
            negative = signed[signed < 0]
            if negative.size == 0:
                raise InputError("trim-and-fill (R0): no study lies below the trimmed estimate")
            value = (k - np.max(-negative)) - 1
            se = np.sqrt(2 * max(0.0, value) + 2)
        else:
            sr = float(np.sum(signed[signed > 0]))
            value = (4 * sr - k * (k + 1)) / (2 * k - 1)
            var_sr = (
                k * (k + 1) * (2 * k + 1)
                + 10 * value**3
                + 27 * value**2
                + 17 * value
                - 18 * k * value**2
                - 18 * k * value
                + 6 * k**2 * value
            ) / 24
            se = 4 * np.sqrt(max(var_sr, 0.0)) / (2 * k - 1)  # R: NaN, then 0 below
        k0 = int(max(0, np.round(value)))  # R's round: half to even, as numpy's
        se = max(0.0, float(se))
    else:
        raise InputError("trim-and-fill did not converge")
    return k0, se, beta


def trim_fill_arrays(
    yi: np.ndarray,
    vi: np.ndarray,
    *,
    method: str = "DL",
    estimator: str = "L0",
    side: str | None = None,
    level: float = 0.95,
) -> dict[str, Any]:
    """Trim-and-fill on arrays (see :func:`trim_fill`).

    Parameters
    ----------
    yi, vi : numpy.ndarray
        Effects and sampling variances.
    method : str
        tau^2 estimator.
    estimator : {"L0", "R0"}
        Estimator of the number of missing studies.
    side : {"left", "right"}, optional
        Where studies are missing (chosen as metafor does when omitted).
    level : float
        Confidence level.

    Returns
    -------
    dict
        ``k0``, ``se_k0``, ``side``, ``fit`` (the refitted ``UniFit``), ``filled_yi``, ``filled_vi``.
    """
    if estimator not in ESTIMATORS:
        raise InputError(f"unknown trim-and-fill estimator '{estimator}' (choose L0 or R0)")
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    if len(yi) < 3:
        raise InputError("trim-and-fill needs at least three studies")
    if side is None:
        side = choose_side(yi, vi, method=method)
    elif side not in SIDES:
        raise InputError(f"unknown side '{side}' (choose left or right)")
    sign = -1.0 if side == "right" else 1.0
    k0, se_k0, beta = count_missing(sign * yi, vi, method=method, estimator=estimator)
    order = np.argsort(sign * yi, kind="stable")
    if k0 > 0:
        extreme = order[len(yi) - k0 :]
        filled_yi = 2 * sign * beta - yi[extreme]
        filled_vi = vi[extreme]
    else:
        filled_yi = filled_vi = np.empty(0)
    y_all = np.concatenate([yi, filled_yi])
    v_all = np.concatenate([vi, filled_vi])
    fit = fit_uni(y_all, v_all, np.ones((len(y_all), 1)), method=method, level=level)
    return {
        "k0": k0,
        "se_k0": se_k0,
        "side": side,
        "fit": fit,
        "filled_yi": filled_yi,
        "filled_vi": filled_vi,
    }


def trim_fill(
    data: MetaData,
    *,
    method: str = "DL",
    estimator: str = "L0",
    side: str | None = None,
    measure: str = "PLO",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
) -> TrimFillResult:
    """Trim-and-fill adjusted pooled proportion, equal to ``metafor::trimfill``.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    method : str
        tau^2 estimator (an inverse-variance method; not GLMM).
    estimator : {"L0", "R0"}
        Estimator of the number of missing studies (metafor's default L0).
    side : {"left", "right"}, optional
        Where studies are missing; chosen from Egger's slope when omitted, as metafor.
    measure : str
        Analysis scale.
    add, to : float, str
        Continuity correction.
    level : float
        Confidence level.

    Returns
    -------
    TrimFillResult
    """
    if method == "GLMM":
        raise InputError("trim-and-fill is defined for the inverse-variance models only")
    yi, vi = effect_sizes(data.events, data.total, measure=measure, add=add, to=to)
    out = trim_fill_arrays(yi, vi, method=method, estimator=estimator, side=side, level=level)
    fit = out["fit"]
    mu, se = float(fit.beta[0]), float(fit.se[0])
    ci_mu = (mu - fit.crit * se, mu + fit.crit * se)
    total = data.total.astype(float)

    def bt(x: float) -> float:
        if measure == "PLO":
            return float(expit(x))
        return float(back_transform(measure, x, total=total))

    return TrimFillResult(
        k0=out["k0"],
        se_k0=out["se_k0"],
        side=out["side"],
        estimator=estimator,
        mu=mu,
        se=se,
        ci_mu=ci_mu,
        estimate=bt(mu),
        ci=(bt(ci_mu[0]), bt(ci_mu[1])),
        tau2=float(fit.tau2),
        measure=measure,
        method=method,
        filled_yi=out["filled_yi"],
        filled_vi=out["filled_vi"],
        excluded=data.excluded,
    )
