"""Posterior draws of (eta, tau_study) per study, whichever engine fitted the model.

NUTS results carry them in ``idata.posterior`` (``eta`` and ``tau_study``, dim ``study``). The
quadrature engine integrates the exact posterior on a grid and keeps no draws; for LOO, plots
and the NetCDF file we draw from that grid: nodes are picked with their posterior mass and
jittered uniformly within their cell (a deterministic function of the seed). Subgroup models use
the engine's per-level grids: independent with separate tau; with a shared tau, tau is drawn from
its marginal and each level's mu from its grid's column at that tau.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.bayes.spec import ModelSpec


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


def _group_masks(spec: ModelSpec) -> list[tuple[str | None, np.ndarray]]:
    if spec.kind == "subgroup":
        index = np.asarray(spec.group_index())
        return [(level, index == g) for g, level in enumerate(spec.groups)]
    return [(None, np.ones(spec.data.k, dtype=bool))]


def _jitter(nodes: np.ndarray, picks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Nodes ``picks`` moved uniformly within their cell (uniform node spacing)."""
    h = nodes[1] - nodes[0] if nodes.size > 1 else 0.0
    return nodes[picks] + h * (rng.random(picks.size) - 0.5)


def _pick(log_mass: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    p = np.exp(log_mass - np.max(log_mass))
    return rng.choice(p.size, size=size, p=p / p.sum())


def _tau_of(grid, v: np.ndarray) -> np.ndarray:
    return np.zeros_like(v) if grid.common else grid.scale * np.sinh(np.abs(v))


def _sample_grid(grid, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(mu, tau) draws from one (mu, tau) grid, jittered within cells."""
    i_mu, i_v = np.unravel_index(_pick(grid.log_weight.ravel(), rng, size), grid.log_weight.shape)
    return _jitter(grid.mu, i_mu, rng), _tau_of(grid, _jitter(grid.v, i_v, rng))


def _sample_shared_tau(groups, rng: np.random.Generator, size: int) -> tuple[list, np.ndarray]:
    """Draws of every level's mu and the shared tau: tau from its marginal, then each mu_g | tau."""
    first = groups.grids[0]
    i_v = _pick(groups.tau_log_mass, rng, size)
    tau = _tau_of(first, _jitter(first.v, i_v, rng))
    mus = []
    for grid in groups.grids:
        i_mu = np.empty(size, dtype=int)
        for j in np.unique(i_v):
            chosen = i_v == j
            i_mu[chosen] = _pick(grid.log_weight[:, j], rng, int(chosen.sum()))
        mus.append(_jitter(grid.mu, i_mu, rng))
    return mus, tau


def from_quadrature(
    spec: ModelSpec, *, chains: int, draws: int, seed: int
) -> tuple[StudyDraws, dict]:
    """Draws from the exact posterior grids; also returns ``mu``/``tau`` draws.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    chains : int
        Number of chains.
    draws : int
        Draws per chain.
    seed : int
        Random seed.

    Returns
    -------
    StudyDraws, dict
        The study draws and ``{"mu": array, "tau": array}`` with shape ``(chains, draws)``, or
        ``(chains, draws, levels)`` for the subgroup model (``tau`` too with separate tau).
    """
    from bayesmeta.quad import posterior_grid
    from bayesmeta.quad.controls import Accuracy
    from bayesmeta.quad.groups import build_group_grids

    rng = np.random.default_rng(seed)
    size = chains * draws
    if spec.kind == "subgroup":
        groups = build_group_grids(spec, accuracy=Accuracy())
        if groups.common_tau:
            mus, shared = _sample_shared_tau(groups, rng, size)
            taus = [shared] * len(mus)
        else:
            pairs = [_sample_grid(grid, rng, size) for grid in groups.grids]
            mus, taus = [m for m, _ in pairs], [t for _, t in pairs]
    else:
        mu, tau = _sample_grid(posterior_grid(spec), rng, size)
        mus, taus = [mu], [tau]
    k = spec.data.k
    eta = np.empty((chains, draws, k))
    tau_study = np.empty((chains, draws, k))
    for (_level, mask), mu, tau in zip(_group_masks(spec), mus, taus, strict=True):
        eta[..., mask] = mu.reshape(chains, draws)[..., None]
        tau_study[..., mask] = tau.reshape(chains, draws)[..., None]
    shape = (chains, draws)
    if spec.kind != "subgroup":
        params = {"mu": mus[0].reshape(shape), "tau": taus[0].reshape(shape)}
    elif spec.separate_tau:
        params = {
            "mu": np.stack(mus, -1).reshape(*shape, -1),
            "tau": np.stack(taus, -1).reshape(*shape, -1),
        }
    else:
        params = {"mu": np.stack(mus, -1).reshape(*shape, -1), "tau": taus[0].reshape(shape)}
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

    from bayesmeta.analysis.loo import integrated_loglik

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
