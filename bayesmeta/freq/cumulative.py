"""Cumulative meta-analysis: the pooled estimate as studies accrue (``metafor::cumul``).

Studies are put in the order of a key (publication year by default in the CLI; ties keep the
data's order, as R's ``order``) and the model is refitted on the first 1, 2, ..., k of them
with the same tau^2 estimator and interval method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesmeta.data import Exclusion, MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.rma import check_method, rma_arrays


@dataclass(frozen=True)
class CumulativeRow:
    """The fit on the first ``k`` studies of the order.

    Parameters
    ----------
    study : str
        The study added at this step.
    k : int
        Studies pooled so far.
    mu, se : float
        Estimate and standard error on the analysis scale.
    ci_mu : tuple of float
        Confidence interval on the analysis scale.
    estimate : float
        Pooled proportion.
    ci : tuple of float
        Its confidence interval.
    tau2, i2, q : float
        Heterogeneity of the studies so far.
    note : str, optional
        Why this step has no estimate (its numbers are NaN, null in JSON, "NA" in text), as
        metafor's ``cumul`` leaves a row NA where the fit fails and carries on.
    """

    study: str
    k: int
    mu: float
    se: float
    ci_mu: tuple[float, float]
    estimate: float
    ci: tuple[float, float]
    tau2: float
    i2: float
    q: float
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON row ``{"study", "k", "estimate", "ci", "tau2", ...}``.

        Returns
        -------
        dict
        """
        return {
            "study": self.study,
            "k": self.k,
            "estimate": self.estimate,
            "ci": list(self.ci),
            "tau2": self.tau2,
            "mu": self.mu,
            "se": self.se,
            "ci_mu": list(self.ci_mu),
            "i2": self.i2,
            "q": self.q,
            **({"note": self.note} if self.note else {}),
        }


@dataclass(frozen=True)
class CumulativeResult:
    """A cumulative meta-analysis.

    Parameters
    ----------
    order_by : str
        What the studies were ordered by.
    method, measure : str
        tau^2 estimator and analysis scale.
    rows : tuple of CumulativeRow
        One row per added study.
    excluded : tuple of Exclusion
        Studies left out of the analysis.
    level : float
        Confidence level of the rows' intervals.
    """

    order_by: str
    method: str
    measure: str
    rows: tuple[CumulativeRow, ...]
    excluded: tuple[Exclusion, ...] = ()
    level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields.

        Returns
        -------
        dict
        """
        return {
            "order_by": self.order_by,
            "method": self.method,
            "measure": self.measure,
            "level": self.level,
            "rows": [r.to_dict() for r in self.rows],
            "excluded": [e.to_dict() for e in self.excluded],
        }


def study_order(data: MetaData, *, by: str | None) -> np.ndarray:
    """Indices that sort the studies by covariate ``by`` (stable; None keeps the data order).

    Parameters
    ----------
    data : MetaData
        The studies.
    by : str, optional
        A covariate column; studies missing it make an ``InputError`` naming them.

    Returns
    -------
    numpy.ndarray
        Integer positions.
    """
    if by is None:
        return np.arange(data.k)
    if by not in data.covariates.columns:
        raise InputError(f"cumulative: no column '{by}' to order the studies by")
    key = data.covariates[by]
    missing = [s for s, v in zip(data.studies, key.isna(), strict=True) if v]
    if missing:
        raise InputError(f"cumulative: study '{missing[0]}' has no value of '{by}' to order by")
    return np.argsort(key.to_numpy(), kind="stable")


def _missing_row(study: str, k: int, note: str) -> CumulativeRow:
    nan = float("nan")
    return CumulativeRow(study, k, nan, nan, (nan, nan), nan, (nan, nan), nan, nan, nan, note)


def cumulative(
    data: MetaData,
    *,
    order_by: str | None = None,
    method: str = "DL",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
) -> CumulativeResult:
    """Cumulative meta-analysis, equal to ``metafor::cumul(rma(...), order=...)``.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    order_by : str, optional
        Covariate giving the order (data order when None).
    method : str
        tau^2 estimator (inverse-variance methods).
    measure : str
        Analysis scale.
    ci : {"z", "hk"}
        Interval method.
    add, to : float, str
        Continuity correction.
    level : float
        Confidence level.

    Returns
    -------
    CumulativeResult
        A step whose fit fails (e.g. an estimator that does not converge) is a row of NaN
        with a ``note``, as metafor's ``cumul`` gives NA there and carries on.
    """
    check_method(method)
    if method == "GLMM":
        raise InputError("cumulative meta-analysis uses the inverse-variance models (not GLMM)")
    order = study_order(data, by=order_by)
    rows = []
    for k in range(1, data.k + 1):
        keep = order[:k]
        if ci == "hk" and k == 1:
            continue  # metafor: no Hartung-Knapp fit on one study (a missing row)
        try:
            fit = rma_arrays(
                data.events[keep],
                data.total[keep],
                method=method,
                measure=measure,
                ci=ci,
                add=add,
                to=to,
                level=level,
            )
        except InputError as error:  # metafor's cumul: an NA row, and carry on
            rows.append(_missing_row(data.studies[order[k - 1]], k, str(error)))
            continue
        rows.append(
            CumulativeRow(
                study=data.studies[order[k - 1]],
                k=k,
                mu=fit.mu,
                se=fit.se,
                ci_mu=fit.extra["ci_mu"],
                estimate=fit.estimate,
                ci=fit.ci,
                tau2=fit.tau2,
                i2=fit.i2,
                q=fit.q,
            )
        )
    return CumulativeResult(
        order_by=order_by or "data order",
        method=method,
        measure=measure,
        rows=tuple(rows),
        excluded=data.excluded,
        level=level,
    )
