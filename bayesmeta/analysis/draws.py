"""Posterior draws of (eta, tau_study) per study, whichever engine fitted the model.

NUTS results carry them in ``idata.posterior`` (``eta`` and ``tau_study``, dim ``study``). The
quadrature engine integrates the exact posterior on a grid and keeps no draws; for LOO, plots
and the NetCDF file the engine resamples its grid (:func:`bayesmeta.engines.exact_draws`).
"""

from __future__ import annotations

from dataclasses import dataclass

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
        Between-study standard deviation on the logit scale.
    """

    studies: tuple[str, ...]
    events: np.ndarray
    total: np.ndarray
    eta: np.ndarray
    tau: np.ndarray


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
    tau = np.asarray(posterior["tau_study"].transpose("chain", "draw", ...).values, dtype=float)
    return StudyDraws(spec.data.studies, spec.data.events, spec.data.total, eta, tau)


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
        ``(chains, draws, levels)`` for the subgroup model (``tau`` too with separate tau).
    """
    from bayesmeta.engines import exact_draws

    eta, tau_study, params = exact_draws(spec, chains=chains, draws=draws, seed=seed)
    study_draws = StudyDraws(spec.data.studies, spec.data.events, spec.data.total, eta, tau_study)
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

    from bayesmeta.model.likelihood import integrated_loglik

    coords = {"study": list(spec.data.studies)}
    dims = {"eta": ["study"], "tau_study": ["study"]}
    posterior = {"eta": study_draws.eta, "tau_study": study_draws.tau, "mu": params["mu"]}
    if spec.kind != "common":
        posterior["tau"] = params["tau"]
    if spec.kind == "subgroup":
        coords["level"] = [str(g) for g in spec.groups]
        dims["mu"] = ["level"]
        if spec.separate_tau:
            dims["tau"] = ["level"]
    loglik = integrated_loglik(
        study_draws.events, study_draws.total, study_draws.eta, study_draws.tau
    )
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
