"""What the plots read from data and results: exact CIs, frequentist summaries, posterior draws.

Frequentist results are read by attribute (``estimate``, ``ci``, ``pi``, ``tau2``, ``excluded``)
so any object of :class:`bayesmeta.freq` shape works; Bayesian results follow
:class:`bayesmeta.model.result.BayesResult`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from bayesmeta.data.metadata import Exclusion

#: Posterior variable names tried, in order, for the pooled logit mean and for tau.
MU_NAMES = ("mu", "intercept", "Intercept")
TAU_NAMES = ("tau", "sd_study", "sigma")


def clopper_pearson(
    events: np.ndarray, total: np.ndarray, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) confidence limits of each proportion ``events / total``.

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    level : float, optional
        Confidence level, e.g. 0.95.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    from scipy import stats  # here: importing bayesmeta.plots costs no scipy.stats

    x = np.asarray(events, dtype=float)
    n = np.asarray(total, dtype=float)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
        hi = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    return lo, hi


@dataclass(frozen=True)
class FreqSummary:
    """A frequentist pooled estimate on the proportion scale.

    Attributes
    ----------
    label : str
        Label of the row.
    estimate : float
        Pooled rate.
    lo : float
        Lower confidence limit.
    hi : float
        Upper confidence limit.
    pi_lo : float or None
        Lower prediction limit, or None.
    pi_hi : float or None
        Upper prediction limit, or None.
    tau2 : float or None
        tau^2 (between-study variance on the analysis scale).
    """

    label: str
    estimate: float
    lo: float
    hi: float
    pi_lo: float | None
    pi_hi: float | None
    tau2: float | None


def _pair(value: Any) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    try:
        lo, hi = value
    except (TypeError, ValueError):
        return None, None
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return None, None
    return float(lo), float(hi)


def freq_summary(result: Any, label: str) -> FreqSummary:
    """Read ``estimate``, ``ci``, ``pi`` and ``tau2`` of a frequentist result.

    Parameters
    ----------
    result : Any
        A Bayesian or frequentist result.
    label : str
        Label of the row.

    Returns
    -------
    FreqSummary
    """
    lo, hi = _pair(getattr(result, "ci", None))
    pi_lo, pi_hi = _pair(getattr(result, "pi", None))
    tau2 = getattr(result, "tau2", None)
    return FreqSummary(
        label=label,
        estimate=float(result.estimate),
        lo=float("nan") if lo is None else lo,
        hi=float("nan") if hi is None else hi,
        pi_lo=pi_lo,
        pi_hi=pi_hi,
        tau2=None if tau2 is None else float(tau2),
    )


def freq_mapping(freq: Any) -> dict[str, Any]:
    """``None`` -> {}, a mapping as is, one result -> {its method name: result}.

    Parameters
    ----------
    freq : Any
        Frequentist result(s): one result, a mapping of label to result, or None.

    Returns
    -------
    dict[str, Any]
    """
    if freq is None:
        return {}
    if isinstance(freq, Mapping):
        return dict(freq)
    return {str(getattr(freq, "method", "Frequentist")): freq}


def exclusions(*sources: Any) -> list[Exclusion]:
    """Excluded studies from data, Bayesian and frequentist results, without duplicates.

    Parameters
    ----------
    *sources : Any
        MetaData, Bayesian or frequentist results (None allowed).

    Returns
    -------
    list[Exclusion]
    """
    seen: dict[str, Exclusion] = {}
    for source in sources:
        items: Iterable[Any] = getattr(source, "excluded", None) or ()
        for item in items:
            if isinstance(item, Exclusion):
                entry = item
            elif isinstance(item, Mapping):
                entry = Exclusion(str(item.get("study")), str(item.get("reason", "")))
            else:
                entry = Exclusion(str(item), "")
            seen.setdefault(entry.study, entry)
    return list(seen.values())


def exclusion_note(excluded: list[Exclusion]) -> list[str]:
    """Footnote lines listing excluded studies (empty when none).

    Parameters
    ----------
    excluded : list[Exclusion]
        Studies left out of the analysis, with the reason (carried into the result).

    Returns
    -------
    list[str]
    """
    if not excluded:
        return []
    parts = [f"{e.study} ({e.reason})" if e.reason else e.study for e in excluded]
    return [f"Excluded ({len(excluded)}): " + "; ".join(parts)]


def _posterior_variable(result: Any, names: tuple[str, ...]) -> np.ndarray | None:
    idata = getattr(result, "idata", None)
    posterior = getattr(idata, "posterior", None) if idata is not None else None
    if posterior is None:
        return None
    for name in names:
        if name in posterior.data_vars:
            values = np.asarray(posterior[name].values, dtype=float)
            if values.ndim == 2:  # (chain, draw): a scalar parameter
                return values.reshape(-1)
    return None


def tau_draws(result: Any) -> np.ndarray | None:
    """Posterior draws of tau, or None when the result carries no draws.

    Parameters
    ----------
    result : Any
        A Bayesian or frequentist result.

    Returns
    -------
    numpy.ndarray
    """
    return _posterior_variable(result, TAU_NAMES)


def parameter_draws(result: Any, name: str) -> np.ndarray | None:
    """Posterior draws of the scalar parameter ``name`` (e.g. a beta-binomial's ``phi``), or None
    when the result carries none.

    Parameters
    ----------
    result : Any
        A Bayesian result.
    name : str
        The posterior variable.

    Returns
    -------
    numpy.ndarray or None
    """
    return _posterior_variable(result, (name,))


def tau_draws_by_level(result: Any) -> dict[str, np.ndarray]:
    """Level -> draws of tau for a separate-tau model (tau with a third, group dimension).

    Parameters
    ----------
    result : Any
        A Bayesian or frequentist result.

    Returns
    -------
    dict[str, numpy.ndarray]
    """
    idata = getattr(result, "idata", None)
    posterior = getattr(idata, "posterior", None) if idata is not None else None
    if posterior is None or "tau" not in posterior.data_vars:
        return {}
    tau = posterior["tau"]
    if tau.ndim != 3:
        return {}
    dim = tau.dims[2]
    levels = [str(v) for v in tau[dim].values]
    values = np.asarray(tau.values, dtype=float)
    return {level: values[:, :, i].reshape(-1) for i, level in enumerate(levels)}


def pooled_draws(result: Any, *, quantity: str = "median") -> np.ndarray | None:
    """Posterior draws of the pooled rate: ``"median"`` expit(mu) or ``"mean"`` E[expit(mu + u)].

    Returns None when the result has no posterior draws (e.g. the quadrature engine).

    Parameters
    ----------
    result : Any
        A Bayesian or frequentist result.
    quantity : str, optional
        ``"median"`` or ``"mean"``.

    Returns
    -------
    numpy.ndarray
    """
    mu = _posterior_variable(result, MU_NAMES)
    if mu is None:
        return None
    if quantity == "median":
        return special.expit(mu)
    if quantity != "mean":
        raise ValueError(f"quantity must be 'median' or 'mean', not {quantity!r}")
    tau = tau_draws(result)
    if tau is None:  # common-effect model: both rates coincide
        return special.expit(mu)
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    return special.expit(mu[:, None] + tau[:, None] * nodes[None, :]) @ weights
