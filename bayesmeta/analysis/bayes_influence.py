"""Bayesian influence of each study: Pareto k and the leave-one-out shift of the pooled rate.

The Bayesian counterpart of the frequentist case-deletion table. For every study:

* its Pareto k from PSIS-LOO on the integrated (study-level) likelihood of the analysis's own
  posterior draws (:mod:`bayesmeta.analysis.loo`), thinned evenly to at most
  :data:`MAX_DRAWS` draws (the usual size of a NUTS run; the integrated likelihood costs
  draws x studies x 32 quadrature nodes): k > 0.7 means the posterior changes too much
  without the study for importance sampling to tell how much;
* the posterior median of the pooled rate expit(mu) without the study, from the exact engine,
  on the random-intercept model with the analysis's priors for mu and tau (for subgroup and
  regression analyses: the overall pooled rate). It is computed exactly on the full posterior
  grid, reweighted by 1 / L_i (:mod:`bayesmeta.quad.loo`'s identity), and by refitting
  without the study when the reweighted posterior leaves the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesmeta.data import MetaData
from bayesmeta.model.priors import Priors
from bayesmeta.model.result import Interval

#: Draws the Pareto k are computed from (evenly thinned per chain beyond this).
MAX_DRAWS = 4000


@dataclass(frozen=True)
class BayesInfluence:
    """Per-study Bayesian influence.

    Parameters
    ----------
    studies : tuple of str
        Study labels.
    pooled : Interval
        Pooled median rate expit(mu) with every study (exact engine).
    without : tuple of Interval
        The same without each study.
    pareto_k : numpy.ndarray or None
        Pareto k of each study (None when no draws were given).
    refitted : tuple of str
        Studies whose leave-one-out posterior needed a refit (outside the full grid).
    """

    studies: tuple[str, ...]
    pooled: Interval
    without: tuple[Interval, ...]
    pareto_k: np.ndarray | None
    refitted: tuple[str, ...] = ()

    @property
    def shift(self) -> np.ndarray:
        """Pooled median rate without the study minus with it (rate scale)."""
        return np.array([w.median - self.pooled.median for w in self.without])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready rows.

        Returns
        -------
        dict
        """
        rows = []
        for i, study in enumerate(self.studies):
            rows.append(
                {
                    "study": study,
                    "pareto_k": None if self.pareto_k is None else float(self.pareto_k[i]),
                    "pooled_median_without": self.without[i].median,
                    "lo": self.without[i].lo,
                    "hi": self.without[i].hi,
                    "shift": float(self.shift[i]),
                }
            )
        return {
            "pooled_median": self.pooled.median,
            "rows": rows,
            "refitted": list(self.refitted),
        }


def _thinning(eta: np.ndarray) -> int:
    """The step that thins ``(chains, draws, ...)`` draws to at most :data:`MAX_DRAWS`."""
    chains, n = eta.shape[:2]
    return max(1, int(np.ceil(chains * n / MAX_DRAWS)))


def pareto_k_of(events, total, eta: np.ndarray, tau: np.ndarray, *, likelihood=None) -> np.ndarray:
    """Pareto k of every study from draws of (eta, tau), shape ``(chains, draws, k)``.

    Parameters
    ----------
    events, total : numpy.ndarray
        Counts per study.
    eta, tau : numpy.ndarray
        Posterior draws (thinned to at most :data:`MAX_DRAWS`).
    likelihood : Likelihood, optional
        Whose ``study_loglik`` applies (default the binomial-logit-normal).

    Returns
    -------
    numpy.ndarray
        Shape ``(k,)``.
    """
    from bayesmeta.analysis.loo import integrated_loglik, psis_loo

    step = _thinning(eta)
    if likelihood is None:
        return psis_loo(integrated_loglik(events, total, eta[:, ::step], tau[:, ::step]))[1]
    return psis_loo(likelihood.study_loglik(events, total, eta[:, ::step], tau[:, ::step]))[1]


def bayes_influence(
    data: MetaData, *, priors: Priors | None = None, draws: Any = None, model: Any = None
) -> BayesInfluence:
    """Leave-one-out shift of the pooled rate (exact engine) and Pareto k per study.

    Parameters
    ----------
    data : MetaData
        The studies of the analysis.
    priors : Priors, optional
        Priors of mu and tau (the defaults when omitted).
    draws : StudyDraws, optional
        The analysis's posterior (eta, tau) draws, for the Pareto k.
    model : ModelSpec, optional
        The analysis's model: when it is this random-intercept model on ``data``, its exact
        posterior (already built by the fit) is reused.

    Returns
    -------
    BayesInfluence
    """
    from bayesmeta.analysis.loo import psis_loo
    from bayesmeta.bayes import build_model
    from bayesmeta.engines import exact_loo_pooled

    priors = priors or Priors.from_strings()
    spec = build_model(data, kind="random", mu_prior=priors.mu, tau_prior=priors.tau)
    same = model is not None and model.kind == "random" and model.data is data
    if same and model.priors == spec.priors and model.likelihood == spec.likelihood:
        spec = model  # the same model: its grid is already built
    pooled, without, refitted = exact_loo_pooled(spec)
    k = None
    if draws is not None and hasattr(draws, "loglik"):
        # the log likelihood the draws keep once computed (the InferenceData and LOO read it)
        k = psis_loo(draws.loglik(step=_thinning(draws.eta)))[1]
    elif draws is not None:
        k = pareto_k_of(
            draws.events,
            draws.total,
            draws.eta,
            draws.tau,
            likelihood=getattr(draws, "likelihood", None),
        )
    return BayesInfluence(
        studies=data.studies,
        pooled=pooled,
        without=tuple(without),
        pareto_k=k,
        refitted=tuple(refitted),
    )
