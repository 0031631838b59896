"""Posterior draws of (eta, tau_study) per study, whichever engine fitted the model.

NUTS results carry them in ``idata.posterior`` (``eta`` and ``tau_study``, dim ``study``). The
quadrature engine integrates the exact posterior on a grid and keeps no draws; for LOO, plots
and the NetCDF file the engine resamples its grid (:func:`bayesmeta.engines.exact_draws`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesmeta.model.spec import ModelSpec


@dataclass(frozen=True)
class StudyDraws:
    """Draws of each study's linear predictor and between-study SD, shape ``(chains, draws, k)``.

    Attributes
    ----------
    studies : tuple[str, ...]
        Study labels, in the order of the data.
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    eta : numpy.ndarray
        Linear predictor draws, ``(draws, k)``.
    tau : numpy.ndarray
        Between-study standard deviation on the logit scale (the likelihood's positive
        parameter: phi for the beta-binomial).
    likelihood : Likelihood, optional
        The likelihood the draws belong to (its ``study_loglik`` gives their log likelihood).
    """

    studies: tuple[str, ...]
    events: np.ndarray
    total: np.ndarray
    eta: np.ndarray
    tau: np.ndarray
    likelihood: Any = None

    def loglik(self, *, step: int = 1) -> np.ndarray:
        """log p(y_i | draw) of every study, ``(chains, draws, k)`` (every ``step``-th draw).

        Parameters
        ----------
        step : int
            Thinning of the draws.

        Returns
        -------
        numpy.ndarray
        """
        from bayesmeta.model.likelihoods import BINOMIAL

        # the log likelihood of every draw is kept once computed (the InferenceData and LOO
        # both read it); not a field: not compared, not shown
        kept = self.__dict__.setdefault("_loglik", {})
        if step in kept:
            return kept[step]
        if 1 in kept:  # every draw's is kept: the thinned draws' are its rows (elementwise)
            return kept[1][:, ::step]
        likelihood = self.likelihood or BINOMIAL
        values = likelihood.study_loglik(
            self.events, self.total, self.eta[:, ::step], self.tau[:, ::step]
        )
        if step == 1:  # every draw: kept (thinned ones are asked for once), read-only
            values.flags.writeable = False
            kept[step] = values
        return values


def from_idata(spec: ModelSpec, idata) -> StudyDraws:
    """Read ``eta`` and ``tau_study`` from a NUTS posterior.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    idata
        InferenceData of a fit (``arviz.InferenceData``).

    Returns
    -------
    StudyDraws
    """
    posterior = idata.posterior
    eta = np.asarray(posterior["eta"].transpose("chain", "draw", ...).values, dtype=float)
    scale = posterior[spec.likelihood.scale_name]
    tau = np.asarray(scale.transpose("chain", "draw", ...).values, dtype=float)
    data = spec.data
    return StudyDraws(data.studies, data.events, data.total, eta, tau, spec.likelihood)


def from_quadrature(
    spec: ModelSpec, *, chains: int, draws: int, seed: int
) -> tuple[StudyDraws, dict]:
    """Draws from the exact posterior grids; also returns ``mu``/``tau`` draws.

    Parameters
    ----------
    spec : ModelSpec
        A model the exact engine fits.
    chains, draws : int
        Shape of the draws.
    seed : int
        Random seed of the resampling.

    Returns
    -------
    StudyDraws, dict
        The study draws and ``{"mu": array, "tau": array}`` with shape ``(chains, draws)``, or
        ``(chains, draws, levels)`` for the subgroup model (``tau`` too with separate tau);
        ``{"beta": (chains, draws, p), "tau": (chains, draws)}`` for the regression.
    """
    from bayesmeta.engines import exact_draws

    eta, tau_study, params = exact_draws(spec, chains=chains, draws=draws, seed=seed)
    data = spec.data
    study_draws = StudyDraws(data.studies, data.events, data.total, eta, tau_study, spec.likelihood)
    return study_draws, params


def to_idata(spec: ModelSpec, study_draws: StudyDraws, params: dict, *, attrs: dict | None = None):
    """InferenceData of grid draws, with the variable names and dims of the NUTS engine.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    study_draws : StudyDraws
        Draws of ``eta`` and ``tau`` per study.
    params : dict
        Draws of the named parameters (mu, tau, coefficients), ``(chain, draw, ...)``.
    attrs : dict, optional
        Attributes recorded on the posterior group (engine, seed, ...).

    Returns
    -------
    arviz.InferenceData
    """
    import arviz as az

    coords = {"study": list(spec.data.studies)}
    scale = spec.likelihood.scale_name
    dims = {"eta": ["study"], scale: ["study"]}
    posterior = {"eta": study_draws.eta, scale: study_draws.tau}
    if "beta" in params:  # coefficients on the NUTS engine's "coef" dim
        posterior["beta"] = params["beta"]
        coords["coef"] = list(spec.design.columns) if spec.kind == "regression" else ["intercept"]
        dims["beta"] = ["coef"]
    else:
        posterior["mu"] = params["mu"]
    if spec.kind != "common" and "tau" in params:
        posterior["tau"] = params["tau"]
    if "phi" in params:
        posterior["phi"] = params["phi"]
    if spec.kind == "subgroup":
        coords["level"] = [str(g) for g in spec.groups]
        dims["mu"] = ["level"]
        if spec.separate_tau:
            dims["tau"] = ["level"]
    loglik = study_draws.loglik()
    idata = az.from_dict(
        posterior=posterior,
        log_likelihood={"y": loglik},
        observed_data={"y": np.asarray(spec.data.events)},
        constant_data={"n": np.asarray(spec.data.total)},
        coords=coords,
        dims={**dims, "y": ["study"], "n": ["study"]},
        attrs={
            "engine": "quadrature",
            "note": "draws resampled from the exact quadrature posterior grid; log_likelihood is "
            "the study-level likelihood with the random effect integrated out",
            **(attrs or {}),
        },
    )
    return idata
