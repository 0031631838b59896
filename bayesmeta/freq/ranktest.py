"""Begg and Mazumdar's rank correlation test for funnel-plot asymmetry (``metafor::ranktest``).

The effects are standardised around the common-effect estimate,
``(y_i - theta) / sqrt(v_i - 1 / sum(w))``, and Kendall's tau between these and the sampling
variances is tested; the p-value is exact without ties (metafor passes ``exact=TRUE`` to
``cor.test``) and the normal approximation with the tie-corrected variance otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from bayesmeta.data import Exclusion, MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import effect_sizes


@dataclass(frozen=True)
class RankTestResult:
    """Begg's rank correlation test.

    Parameters
    ----------
    tau : float
        Kendall's tau (tau-b) between standardised effects and sampling variances.
    p_value : float
        Two-sided p-value (exact without ties).
    exact : bool
        Whether the p-value is exact.
    excluded : tuple of Exclusion
        Studies left out of the analysis.
    """

    tau: float
    p_value: float
    exact: bool
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``begg`` of ``bayesmeta freq --bias``).

        Returns
        -------
        dict
        """
        return {"tau": self.tau, "p": self.p_value, "exact": self.exact}


def rank_test_arrays(yi: np.ndarray, vi: np.ndarray) -> tuple[float, float, bool]:
    """Kendall's tau, its two-sided p-value and whether it is exact, on arrays.

    Parameters
    ----------
    yi, vi : numpy.ndarray
        Effects and sampling variances.

    Returns
    -------
    tuple
        ``(tau, p, exact)``.
    """
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    if len(yi) < 3:
        raise InputError("the rank correlation test needs at least three studies")
    w = 1.0 / vi
    theta = float(np.sum(w * yi) / np.sum(w))
    vstar = vi - 1.0 / np.sum(w)
    ystar = (yi - theta) / np.sqrt(vstar)
    ties = len(np.unique(ystar)) < len(ystar) or len(np.unique(vi)) < len(vi)
    method = "asymptotic" if ties else "exact"
    res = stats.kendalltau(ystar, vi, method=method)
    return float(res.statistic), float(res.pvalue), not ties


def rank_test(
    data: MetaData, *, measure: str = "PLO", add: float = 0.5, to: str = "only0"
) -> RankTestResult:
    """Begg's rank correlation test, equal to ``metafor::ranktest``.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    measure : str
        Analysis scale (``PLO`` by default).
    add, to : float, str
        Continuity correction.

    Returns
    -------
    RankTestResult
    """
    yi, vi = effect_sizes(data.events, data.total, measure=measure, add=add, to=to)
    tau, p, exact = rank_test_arrays(yi, vi)
    return RankTestResult(tau=tau, p_value=p, exact=exact, excluded=data.excluded)
