"""PSIS-LOO on the study-level likelihood with the study's random effect integrated out.

Pointwise LOO on the conditional likelihood p(y_i | u_i) is unreliable in a random-effects
meta-analysis: each study owns its random effect u_i, so leaving the study out moves u_i's
posterior a lot and the Pareto k of most studies exceeds 0.7. The leave-one-study-out target
is the *marginal* (integrated) likelihood of the study given the population parameters::

    p(y_i | eta_i, tau_i) = integral Binomial(y_i | n_i, expit(eta_i + u)) Normal(u | 0, tau_i) du

with ``eta_i`` the study's linear predictor without its random effect and ``tau_i`` the
between-study SD that applies to it. This module computes it for every draw by 1-D adaptive
Gauss-Hermite quadrature (centred on the integrand's mode, scaled by its curvature) and feeds
it to ArviZ's Pareto-smoothed importance sampling. Studies whose Pareto k is still above
:data:`K_THRESHOLD` get their contribution replaced by the exact leave-one-out log predictive
density, computed by a caller-supplied refit (see :mod:`bayesmeta.analysis.exact`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import logsumexp

from bayesmeta.model.likelihood import integrated_loglik

#: Pareto k above which the importance-sampling estimate is not trusted (Vehtari et al. 2017/2024).
K_THRESHOLD = 0.7


@dataclass
class LooResult:
    """Leave-one-study-out expected log predictive density of one model.

    Attributes
    ----------
    name : str
    studies : tuple of str
    elpd_i : numpy.ndarray
        Pointwise contributions (PSIS estimate, or exact where refitted).
    pareto_k : numpy.ndarray
        Pareto k of the PSIS estimate for each study (before any exact refit).
    refitted : list of str
        Studies whose contribution is the exact leave-one-out value.
    """

    name: str
    studies: tuple[str, ...]
    elpd_i: np.ndarray
    pareto_k: np.ndarray
    refitted: list[str] = field(default_factory=list)

    @property
    def elpd(self) -> float:
        return float(np.sum(self.elpd_i))

    @property
    def se(self) -> float:
        return float(np.sqrt(len(self.elpd_i) * np.var(self.elpd_i)))

    @property
    def k_max(self) -> float:
        """Largest Pareto k among the studies left to PSIS (refitted ones are exact)."""
        kept = [
            k for s, k in zip(self.studies, self.pareto_k, strict=True) if s not in self.refitted
        ]
        return float(max(kept)) if kept else 0.0

    @property
    def k_max_before_refit(self) -> float:
        return float(np.max(self.pareto_k))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "elpd_loo": self.elpd,
            "se": self.se,
            "pareto_k_max": self.k_max,
            "pareto_k_max_before_refit": self.k_max_before_refit,
            "n_k_above_0.7_before_refit": int(np.sum(self.pareto_k > K_THRESHOLD)),
            "refitted": list(self.refitted),
            "pointwise": [
                {"study": s, "elpd": float(e), "pareto_k": float(k)}
                for s, e, k in zip(self.studies, self.elpd_i, self.pareto_k, strict=True)
            ],
        }


def psis_loo(loglik: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PSIS-LOO pointwise elpd and Pareto k, as :func:`arviz.loo` computes them.

    Parameters
    ----------
    loglik : numpy.ndarray
        Shape ``(chains, draws, k)``.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    import arviz as az
    import xarray as xr

    chains, draws, k = loglik.shape
    data = xr.DataArray(loglik, dims=("chain", "draw", "study"), coords={"study": np.arange(k)})
    idata = az.InferenceData(
        posterior=xr.Dataset(
            {"dummy": xr.DataArray(np.zeros((chains, draws)), dims=("chain", "draw"))}
        ),
        log_likelihood=xr.Dataset({"y": data}),
    )
    with warnings.catch_warnings():
        # k is reported per study and the bad ones are refitted exactly: the generic advice is noise
        warnings.filterwarnings(
            "ignore",
            message="Estimated shape parameter of Pareto distribution",
            category=UserWarning,
        )
        result = az.loo(idata, pointwise=True)
    return np.asarray(result.loo_i.values, dtype=float), np.asarray(
        result.pareto_k.values, dtype=float
    )


def integrated_loo(
    name: str,
    studies: Sequence[str],
    events: np.ndarray,
    total: np.ndarray,
    eta: np.ndarray,
    tau: np.ndarray,
    *,
    exact: Callable[[str], float] | None = None,
    threshold: float = K_THRESHOLD,
    likelihood: Any = None,
    loglik: np.ndarray | None = None,
) -> LooResult:
    """PSIS-LOO on the integrated likelihood, with exact refits where Pareto k > ``threshold``.

    Parameters
    ----------
    eta, tau : numpy.ndarray
        Posterior draws, shape ``(chains, draws, k)``.
    exact : callable, optional
        ``exact(study) -> log p(y_study | y_-study)`` by refitting without the study; without it the
        PSIS estimates are kept and their k reported.
    name : str
        Model name.
    studies : Sequence[str]
        Study labels, in the order of the data.
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    threshold : float, optional
        Pareto k above which a study is refitted exactly.
    likelihood : Likelihood, optional
        Whose ``study_loglik`` gives the log likelihood of the draws (default the
        binomial-logit-normal, its study effect integrated out).
    loglik : numpy.ndarray, optional
        That log likelihood, ``(chains, draws, k)``, when already computed
        (:meth:`bayesmeta.analysis.draws.StudyDraws.loglik`).

    Returns
    -------
    LooResult
    """
    if loglik is not None:
        pass
    elif likelihood is None:
        loglik = integrated_loglik(events, total, eta, tau)
    else:
        loglik = likelihood.study_loglik(events, total, eta, tau)
    elpd_i, pareto_k = psis_loo(loglik)
    result = LooResult(name=name, studies=tuple(studies), elpd_i=elpd_i.copy(), pareto_k=pareto_k)
    if exact is not None:
        for position, study in enumerate(result.studies):
            if pareto_k[position] > threshold:
                result.elpd_i[position] = exact(study)
                result.refitted.append(study)
    return result


def log_predictive(events: float, total: float, eta: np.ndarray, tau: np.ndarray) -> float:
    """log mean over draws of p(y | eta, tau): a held-out study's log predictive density.

    Parameters
    ----------
    events : float
        Events of the held-out study.
    total : float
        Patients of the held-out study.
    eta : numpy.ndarray
        Draws of the study's linear predictor without its random effect.
    tau : numpy.ndarray
        Draws of the between-study SD that applies to it (same shape as ``eta``).

    Returns
    -------
    float
    """
    values = integrated_loglik(
        np.array([events]), np.array([total]), np.ravel(eta)[:, None], np.ravel(tau)[:, None]
    )
    return float(logsumexp(values) - np.log(values.size))
