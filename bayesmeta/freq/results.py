"""Result objects of the frequentist baseline; ``to_dict`` gives the CLI's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bayesmeta.data import Exclusion


def _pair(values: tuple[float, float] | None) -> list[float] | None:
    return None if values is None else [float(values[0]), float(values[1])]


@dataclass(frozen=True)
class FreqResult:
    """One pooled estimate (inverse-variance ``rma`` or ``glmm``).

    Attributes
    ----------
    method : str
        tau^2 estimator (``DL``, ``REML``, ..., ``EE`` for the common-effect model, ``GLMM``).
    measure : str
        Scale of the analysis (``PLO``, ``PFT``, ``PAS``, ``PR``).
    k : int
        Number of studies.
    mu, se : float
        Pooled estimate and its standard error on the analysis scale.
    tau2 : float
        Between-study variance (0 for ``EE``).
    tau2_ci : tuple or None
        Q-profile confidence interval of tau^2 (None for ``EE`` and ``GLMM``).
    i2, h2 : float
        I^2 (percent) and H^2. For GLMM, I^2 = (Q - df)/Q from the Wald-type Q, as meta prints.
    q, q_df, q_p : float, int, float
        Cochran's Q (for GLMM the Wald-type statistic), its df and p-value.
    estimate : float
        Pooled proportion (back-transformed ``mu``).
    ci, pi : tuple
        Confidence and prediction intervals on the proportion scale (``pi`` None where
        undefined: the common-effect model).
    ci_method : str
        ``z`` or ``hk`` (Hartung-Knapp).
    excluded : tuple of Exclusion
        Studies left out of the analysis, with the reason.
    extra : dict
        Further statistics (``ci_mu``, ``pi_mu``, ``level``; for GLMM ``q_lrt``, ``q_lrt_p``,
        ``i2_metafor``, ``loglik``).
    """

    method: str
    measure: str
    k: int
    mu: float
    se: float
    tau2: float
    tau2_ci: tuple[float, float] | None
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    estimate: float
    ci: tuple[float, float]
    pi: tuple[float, float] | None
    ci_method: str
    excluded: tuple[Exclusion, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the ``--json`` output of ``bayesmeta freq``)."""
        out: dict[str, Any] = {
            "method": self.method,
            "measure": self.measure,
            "k": self.k,
            "mu": self.mu,
            "se": self.se,
            "tau2": self.tau2,
            "tau2_ci": _pair(self.tau2_ci),
            "i2": self.i2,
            "h2": self.h2,
            "q": self.q,
            "q_df": self.q_df,
            "q_p": self.q_p,
            "estimate": self.estimate,
            "ci": _pair(self.ci),
            "pi": _pair(self.pi),
            "ci_method": self.ci_method,
        }
        for key, value in self.extra.items():
            out[key] = _pair(value) if isinstance(value, tuple) else value
        out["excluded"] = [e.to_dict() for e in self.excluded]
        return out


@dataclass(frozen=True)
class SubgroupResult:
    """Per-group fits and the test for subgroup differences.

    ``q_between`` is, with ``tau2="separate"`` (meta's default), Cochran's Q of the group
    estimates with weights ``1/se^2`` and ``groups - 1`` df; with ``tau2="common"``, the
    omnibus test of the subgroup factor in one model with a common tau^2.

    Attributes
    ----------
    by : str
        Subgroup covariate.
    method : str
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    tau2_mode : str
        ``"separate"`` or ``"common"`` tau^2 across levels.
    groups : dict[str, FreqResult]
        Level -> its pooled result.
    q_between : float
        Q statistic of the test for subgroup differences.
    df_between : int
        Degrees of freedom of the test for subgroup differences.
    p_between : float
        p-value of the test for subgroup differences.
    overall : FreqResult
        The pooled result over all levels.
    excluded : tuple[Exclusion, ...], optional
        Studies left out of the analysis, with the reason (carried into the result).
    """

    by: str
    method: str
    tau2_mode: str
    groups: dict[str, FreqResult]
    q_between: float
    df_between: int
    p_between: float
    overall: FreqResult
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = self.overall.to_dict()
        out.update(
            {
                "by": self.by,
                "tau2_mode": self.tau2_mode,
                "groups": {level: fit.to_dict() for level, fit in self.groups.items()},
                "q_between": self.q_between,
                "df_between": self.df_between,
                "p_between": self.p_between,
                "excluded": [e.to_dict() for e in self.excluded],
            }
        )
        return out


@dataclass(frozen=True)
class MetaRegResult:
    """A mixed-effects meta-regression (weighted least squares or GLMM).

    Attributes
    ----------
    method : str
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    formula : str
        Covariate formula, e.g. ``"cancer_type + age_median"``.
    k : int
        Number of studies.
    coefficients : dict[str, dict[str, float]]
        Coefficient name -> ``estimate``, ``se``, ``zval`` (or ``tval``), ``pval``, ``ci_lb``,
        ``ci_ub``.
    qm : float
        Omnibus test statistic of the moderators (F with Hartung-Knapp).
    qm_df : int
        Its (numerator) degrees of freedom.
    qm_p : float
        Its p-value.
    tau2 : float
        tau^2 (between-study variance on the analysis scale).
    qe : float
        Cochran's Q (residual heterogeneity).
    qe_df : int
        Degrees of freedom of Q.
    qe_p : float
        p-value of Q.
    ci_method : str
        ``"z"`` or ``"hk"``.
    level : float, optional
        Confidence level of the coefficients' intervals, e.g. 0.95.
    excluded : tuple[Exclusion, ...], optional
        Studies left out of the analysis, with the reason (carried into the result).
    """

    method: str
    formula: str
    k: int
    coefficients: dict[str, dict[str, float]]
    qm: float
    qm_df: int
    qm_p: float
    tau2: float
    qe: float
    qe_df: int
    qe_p: float
    ci_method: str
    level: float = 0.95
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "formula": self.formula,
            "level": self.level,
            "k": self.k,
            "coefficients": self.coefficients,
            "qm": self.qm,
            "qm_df": self.qm_df,
            "qm_p": self.qm_p,
            "tau2": self.tau2,
            "qe": self.qe,
            "qe_df": self.qe_df,
            "qe_p": self.qe_p,
            "ci_method": self.ci_method,
            "excluded": [e.to_dict() for e in self.excluded],
        }
