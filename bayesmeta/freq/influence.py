"""Leave-one-out analysis and case-deletion influence diagnostics (``leave1out``, ``influence``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesmeta.data import Exclusion, MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.results import FreqResult
from bayesmeta.freq.rma import check_method, rma
from bayesmeta.freq.uni import check_ci


def leave_one_out(
    data: MetaData,
    *,
    method: str = "DL",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
    level: float = 0.95,
) -> dict[str, FreqResult]:
    """The pooled result with each study left out in turn (study label -> result).

    Each result lists the omitted study under ``excluded`` (reason ``"left out"``), after
    any studies the data already excluded. ``method="GLMM"`` refits the GLMM each time.

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    method : str, optional
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    measure : str, optional
        Analysis scale: ``PLO`` (logit), ``PFT``, ``PAS`` or ``PR``.
    ci : str, optional
        ``"z"`` (normal) or ``"hk"`` (Hartung-Knapp) intervals and tests.
    add : float, optional
        Continuity correction added to events and non-events (metafor's default 0.5).
    to : str, optional
        Which studies get the correction: ``"only0"`` (zero cells, metafor's default), ``"all"``,
        ``"if0all"`` or ``"none"``.
    level : float, optional
        Confidence level, e.g. 0.95.

    Returns
    -------
    dict[str, FreqResult]
    """
    return {
        study: rma(
            data.without(study, reason="left out"),
            method=method,
            measure=measure,
            ci=ci,
            add=add,
            to=to,
            level=level,
        )
        for study in data.studies
    }


@dataclass(frozen=True)
class InfluenceResult:
    """Case-deletion diagnostics per study, as ``metafor::influence.rma.uni``.

    All arrays are aligned with ``studies``. A study is flagged ``influential`` by metafor's
    rule (the asterisk of ``influence()``): ``|dffits| > 3 sqrt(p / (k - p))``, or
    ``pchisq(cook_d, p) > 0.5``, or ``hat > 3 p / k``, or ``|dfbetas| > 1``, with p = 1
    coefficient.

    Attributes
    ----------
    studies : tuple of str
        Study labels.
    rstudent : numpy.ndarray
        Externally standardised residuals.
    dffits : numpy.ndarray
        DFFITS: change in the fitted value when the study is deleted, in standard errors.
    cook_d : numpy.ndarray
        Cook's distances.
    cov_r : numpy.ndarray
        Covariance ratios (variance of the estimate without the study over that with it).
    tau2_del : numpy.ndarray
        tau^2 estimated without the study.
    qe_del : numpy.ndarray
        Cochran's Q without the study.
    hat : numpy.ndarray
        Leverages (diagonal of the hat matrix).
    weight : numpy.ndarray
        Weights in percent.
    dfbetas : numpy.ndarray or None, optional
        DFBETAS of the intercept.
    influential : numpy.ndarray or None, optional
        Boolean flags by metafor's rule above.
    excluded : tuple[Exclusion, ...], optional
        Studies left out of the analysis, with the reason (carried into the result).
    """

    studies: tuple[str, ...]
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    qe_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbetas: np.ndarray | None = None
    influential: np.ndarray | None = None
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        fields = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "hat", "weight")
        fields += tuple(f for f in ("dfbetas", "influential") if getattr(self, f) is not None)
        return {
            "studies": list(self.studies),
            **{name: getattr(self, name).tolist() for name in fields},
            "excluded": [e.to_dict() for e in self.excluded],
        }


def influence_arrays(
    yi: np.ndarray, vi: np.ndarray, *, method: str = "DL", ci: str = "z"
) -> dict[str, np.ndarray]:
    """The diagnostics of :class:`InfluenceResult` for an intercept-only model on arrays.

    Parameters
    ----------
    yi : numpy.ndarray
        Effect sizes (analysis scale), one per study.
    vi : numpy.ndarray
        Sampling variances of ``yi``.
    method : str, optional
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    ci : str, optional
        ``"z"`` (normal) or ``"hk"`` (Hartung-Knapp) intervals and tests.

    Returns
    -------
    dict[str, numpy.ndarray]
    """
    from bayesmeta.freq.uni import fit_uni

    k = len(yi)
    X = np.ones((k, 1))
    full = fit_uni(yi, vi, X, method=method, ci=ci)
    w = full.weights
    hat = w / w.sum()
    pred_full = float(full.beta[0])
    out = {
        name: np.empty(k)
        for name in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "dfbetas")
    }
    vb_full = float(full.vb[0, 0])
    for i in range(k):
        keep = np.arange(k) != i
        fit = fit_uni(yi[keep], vi[keep], X[keep], method=method, ci=ci)
        s2w = fit.vb[0, 0] * np.sum(1.0 / (vi[keep] + fit.tau2)) if ci == "hk" else 1.0
        delpred = float(fit.beta[0])
        vdelpred = float(fit.vb[0, 0])
        out["tau2_del"][i] = fit.tau2
        out["qe_del"][i] = fit.qe
        out["dffits"][i] = (pred_full - delpred) / np.sqrt(s2w * hat[i] * (fit.tau2 + vi[i]))
        dfb = pred_full - delpred
        out["cook_d"][i] = dfb * dfb / vb_full
        out["cov_r"][i] = vdelpred / vb_full
        vb_del = 1.0 / np.sum(1.0 / (vi + fit.tau2))  # metafor: all k studies, deleted tau^2
        out["dfbetas"][i] = dfb / np.sqrt(s2w * vb_del)
        resid = yi[i] - delpred
        out["rstudent"][i] = resid / np.sqrt(vi[i] * s2w + vdelpred + fit.tau2 * s2w)
    out["hat"] = hat
    out["weight"] = 100 * hat
    out["influential"] = influential_flags(out, k=k)
    return out


def influential_flags(values: dict[str, np.ndarray], *, k: int, p: int = 1) -> np.ndarray:
    """metafor's rule for flagging a study as influential (see :class:`InfluenceResult`).

    Parameters
    ----------
    values : dict
        ``dffits``, ``cook_d``, ``hat`` and ``dfbetas`` arrays.
    k : int
        Number of studies.
    p : int
        Number of coefficients.

    Returns
    -------
    numpy.ndarray
        Boolean flags.
    """
    from scipy import stats

    with np.errstate(invalid="ignore"):
        flags = (
            (np.abs(values["dffits"]) > 3 * np.sqrt(p / (k - p)))
            | (stats.chi2.cdf(values["cook_d"], p) > 0.5)
            | (values["hat"] > 3 * p / k)
            | (np.abs(values["dfbetas"]) > 1)
        )
    return np.asarray(flags, dtype=bool)


def influence(
    data: MetaData,
    *,
    method: str = "DL",
    measure: str = "PLO",
    ci: str = "z",
    add: float = 0.5,
    to: str = "only0",
) -> InfluenceResult:
    """Case-deletion influence diagnostics of the inverse-variance model (see
    :class:`InfluenceResult`).

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    method : str, optional
        tau^2 estimator (``DL``, ``REML``, ``PM``, ``ML``, ``EB``, ``SJ``, ``HS``, ``HE`` or ``EE``;
        ``GLMM`` where stated).
    measure : str, optional
        Analysis scale: ``PLO`` (logit), ``PFT``, ``PAS`` or ``PR``.
    ci : str, optional
        ``"z"`` (normal) or ``"hk"`` (Hartung-Knapp) intervals and tests.
    add : float, optional
        Continuity correction added to events and non-events (metafor's default 0.5).
    to : str, optional
        Which studies get the correction: ``"only0"`` (zero cells, metafor's default), ``"all"``,
        ``"if0all"`` or ``"none"``.

    Returns
    -------
    InfluenceResult
    """
    check_method(method)
    check_ci(ci)
    if method == "GLMM":
        raise InputError("influence diagnostics are defined for the inverse-variance models only")
    yi, vi = effect_sizes(data.events, data.total, measure=measure, add=add, to=to)
    values = influence_arrays(yi, vi, method=method, ci=ci)
    return InfluenceResult(studies=data.studies, excluded=data.excluded, **values)
