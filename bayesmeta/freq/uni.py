"""Weighted least-squares random/mixed-effects model on arrays (``metafor::rma.uni``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from bayesmeta.errors import InputError
from bayesmeta.freq.projection import crossprod, fitted, projection_traces, quadratic_form
from bayesmeta.freq.tau2 import estimate_tau2, q_root
from bayesmeta.plural import plural

CI_METHODS = ("z", "hk")


@dataclass(frozen=True)
class UniFit:
    """A fitted ``rma.uni`` model on the analysis scale.

    Attributes
    ----------
    beta : numpy.ndarray
        Regression coefficients.
    vb : numpy.ndarray
        Covariance matrix of ``beta``.
    tau2 : float
        A fixed tau^2; None estimates it with ``method``.
    qe : float
        Cochran's Q (residual heterogeneity).
    qe_df : int
        Degrees of freedom of Q.
    qe_p : float
        p-value of Q.
    i2 : float
        I^2, in percent.
    h2 : float
        H^2.
    ci_method : str
        ``"z"`` or ``"hk"``.
    dfs : float
        Degrees of freedom of the t-based (Hartung-Knapp) intervals; inf for z.
    level : float
        Confidence level, e.g. 0.95.
    weights : numpy.ndarray
        Weights ``1 / (vi + tau2)``.
    """

    beta: np.ndarray
    vb: np.ndarray
    tau2: float
    qe: float
    qe_df: int
    qe_p: float
    i2: float
    h2: float
    ci_method: str
    dfs: float  # inf for z
    level: float
    weights: np.ndarray  # 1/(vi + tau2)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vb))

    @property
    def crit(self) -> float:
        alpha = 1 - self.level
        if np.isinf(self.dfs):
            return float(special.ndtri(1 - alpha / 2))
        return float(special.stdtrit(self.dfs, 1 - alpha / 2))

    def omnibus(self, columns: np.ndarray) -> tuple[float, int, float]:
        """Wald test of ``beta[columns] = 0``: (QM, df, p); an F statistic under ``hk``."""
        b = self.beta[columns]
        qm = float(b @ np.linalg.solve(self.vb[np.ix_(columns, columns)], b))
        m = int(len(b))
        if np.isinf(self.dfs):
            return qm, m, float(special.chdtrc(m, qm))
        return qm / m, m, float(special.fdtrc(m, self.dfs, qm / m))


def check_ci(ci: str) -> None:
    """Refuse an unknown interval method with a one-line :class:`~bayesmeta.errors.InputError`.

    Parameters
    ----------
    ci : str
        ``"z"`` or ``"hk"``.
    """
    if ci not in CI_METHODS:
        raise InputError(f"unknown interval method ci='{ci}' (choose from z, hk)")


def fit_uni(
    yi: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray,
    *,
    method: str = "DL",
    ci: str = "z",
    level: float = 0.95,
    tau2: float | None = None,
) -> UniFit:
    """Fit the model ``yi ~ X`` with sampling variances ``vi`` (tau^2 estimated unless given).

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).
    method : str, optional
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    ci : str, optional
        ``"z"`` (normal) or ``"hk"`` (Hartung-Knapp) intervals and tests.
    level : float, optional
        Confidence level, e.g. 0.95.
    tau2 : float, optional
        A fixed tau^2; None estimates it with ``method``.

    Returns
    -------
    UniFit
    """
    check_ci(ci)
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k, p = X.shape
    if np.any(vi <= 0) or not np.all(np.isfinite(vi)):
        raise InputError("sampling variances must be positive and finite")
    if k == 1 and p == 1:
        return _single_study(yi, vi, ci=ci, level=level, tau2=0.0 if tau2 is None else tau2)
    if k <= p:
        raise InputError(f"{plural(k, 'study')} are too few for a model with {p} coefficient(s)")
    t2 = estimate_tau2(yi, vi, X, method=method) if tau2 is None else float(tau2)
    w = 1.0 / (vi + t2)
    WX = X * w[:, None]
    xtwx_inv = np.linalg.inv(crossprod(X, WX))
    beta = xtwx_inv @ crossprod(WX, yi[:, None])[:, 0]
    vb = xtwx_inv
    dfs = np.inf
    if ci == "hk":
        rss = float(np.sum(w * (yi - fitted(X, beta)) ** 2))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
        vb = s2w * vb
        dfs = float(k - p)
    qe = max(0.0, quadratic_form(yi, 1.0 / vi, X))
    qe_df = k - p
    qe_p = float(special.chdtrc(qe_df, qe))
    if method == "EE":
        i2 = max(0.0, 100 * (qe - qe_df) / qe) if qe > 0 else 0.0
        h2 = qe / qe_df
    else:
        vt = qe_df / projection_traces(1.0 / vi, X)[0]
        i2 = 100 * t2 / (vt + t2)
        h2 = t2 / vt + 1
    return UniFit(
        beta=beta,
        vb=vb,
        tau2=t2,
        qe=qe,
        qe_df=qe_df,
        qe_p=qe_p,
        i2=float(i2),
        h2=float(h2),
        ci_method=ci,
        dfs=dfs,
        level=level,
        weights=w,
    )


def _single_study(yi: np.ndarray, vi: np.ndarray, *, ci: str, level: float, tau2: float) -> UniFit:
    """One study: its own estimate, no heterogeneity, tau^2 = 0 unless fixed (as metafor)."""
    if ci == "hk":
        raise InputError("the Hartung-Knapp interval needs at least two studies")
    return UniFit(
        beta=np.array([float(yi[0])]),
        vb=np.array([[float(vi[0] + tau2)]]),
        tau2=float(tau2),
        qe=0.0,
        qe_df=0,
        qe_p=1.0,
        i2=0.0,
        h2=1.0,
        ci_method=ci,
        dfs=np.inf,
        level=level,
        weights=1.0 / (vi + tau2),
    )


def q_profile_ci(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, *, level: float = 0.95
) -> tuple[float, float]:
    """Q-profile confidence interval of tau^2 (Viechtbauer 2007; ``confint(type="QP")``).

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    X : numpy.ndarray
        Design matrix, one row per study (a column of ones for the intercept-only model).
    level : float, optional
        Confidence level, e.g. 0.95.

    Returns
    -------
    tuple[float, float]
    """
    k, p = X.shape
    alpha = 1 - level
    crit_lo = special.chdtri(k - p, alpha / 2)  # Q above this -> tau2 above the lower bound
    crit_hi = special.chdtri(k - p, 1 - alpha / 2)

    return q_root(yi, vi, X, crit_lo), q_root(yi, vi, X, crit_hi)
