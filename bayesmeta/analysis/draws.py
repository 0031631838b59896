"""Posterior draws of (eta, tau_study) per study, whichever engine fitted the model.

NUTS results carry them in ``idata.posterior`` (``eta`` and ``tau_study``, dim ``study``). The
quadrature engine integrates the exact posterior on a grid and keeps no draws; for LOO, plots
and the NetCDF file we draw from that grid: nodes are picked with their posterior mass and
jittered uniformly within their cell (a deterministic function of the seed). The subgroup
model with separate tau is a set of independent random-intercept models, one grid per level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.bayes.spec import ModelSpec


@dataclass(frozen=True)
class StudyDraws:
    """Draws of each study's linear predictor and between-study SD, shape ``(chains, draws, k)``."""

    studies: tuple[str, ...]
    events: np.ndarray
    total: np.ndarray
    eta: np.ndarray
    tau: np.ndarray


def from_idata(spec: ModelSpec, idata) -> StudyDraws:
    """Read ``eta`` and ``tau_study`` from a NUTS posterior."""
    posterior = idata.posterior
    eta = np.asarray(posterior["eta"].transpose("chain", "draw", ...).values, dtype=float)
    tau = np.asarray(posterior["tau_study"].transpose("chain", "draw", ...).values, dtype=float)
    return StudyDraws(spec.data.studies, spec.data.events, spec.data.total, eta, tau)


def _group_masks(spec: ModelSpec) -> list[tuple[str | None, np.ndarray]]:
    if spec.kind == "subgroup":
        index = np.asarray(spec.group_index())
        return [(level, index == g) for g, level in enumerate(spec.groups)]
    return [(None, np.ones(spec.data.k, dtype=bool))]


def _sample_grid(grid, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(mu, tau) draws from a :class:`bayesmeta.quad.PosteriorGrid`, jittered within cells."""
    weight = np.exp(grid.log_weight - np.max(grid.log_weight)).ravel()
    picks = rng.choice(weight.size, size=size, p=weight / weight.sum())
    i_mu, i_v = np.unravel_index(picks, grid.log_weight.shape)
    h_mu = grid.mu[1] - grid.mu[0] if grid.mu.size > 1 else 0.0
    mu = grid.mu[i_mu] + h_mu * (rng.random(size) - 0.5)
    if grid.common:
        return mu, np.zeros(size)
    h_v = grid.v[1] - grid.v[0]
    v = np.abs(grid.v[i_v] + h_v * (rng.random(size) - 0.5))
    return mu, grid.scale * np.sinh(v)


def quadrature_grids(spec: ModelSpec) -> dict[str | None, object]:
    """One posterior grid per level (subgroup with separate tau) or one for the whole model."""
    from bayesmeta.quad import build_grid

    data = spec.data
    return {
        level: build_grid(
            data.events[mask], data.total[mask], spec.priors, common=spec.kind == "common"
        )
        for level, mask in _group_masks(spec)
    }


def from_quadrature(
    spec: ModelSpec, *, chains: int, draws: int, seed: int
) -> tuple[StudyDraws, dict]:
    """Draws from the exact posterior grids; also returns ``mu``/``tau`` draws per level.

    Returns
    -------
    StudyDraws, dict
        The study draws and ``{"mu": array, "tau": array}`` with shape ``(chains, draws)`` or
        ``(chains, draws, levels)`` for the subgroup model.
    """
    rng = np.random.default_rng(seed)
    k = spec.data.k
    eta = np.empty((chains, draws, k))
    tau = np.empty((chains, draws, k))
    mus, taus = [], []
    for (level, mask), grid in zip(
        _group_masks(spec), quadrature_grids(spec).values(), strict=True
    ):
        del level
        mu_draws, tau_draws = _sample_grid(grid, rng, chains * draws)
        mu_draws = mu_draws.reshape(chains, draws)
        tau_draws = tau_draws.reshape(chains, draws)
        eta[..., mask] = mu_draws[..., None]
        tau[..., mask] = tau_draws[..., None]
        mus.append(mu_draws)
        taus.append(tau_draws)
    if spec.kind == "subgroup":
        params = {"mu": np.stack(mus, axis=-1), "tau": np.stack(taus, axis=-1)}
    else:
        params = {"mu": mus[0], "tau": taus[0]}
    return StudyDraws(spec.data.studies, spec.data.events, spec.data.total, eta, tau), params


def to_idata(spec: ModelSpec, study_draws: StudyDraws, params: dict, *, attrs: dict | None = None):
    """InferenceData of grid draws, with the variable names and dims of the NUTS engine."""
    import arviz as az

    from bayesmeta.analysis.loo import integrated_loglik

    coords = {"study": list(spec.data.studies)}
    dims = {"eta": ["study"], "tau_study": ["study"]}
    posterior = {"eta": study_draws.eta, "tau_study": study_draws.tau, "mu": params["mu"]}
    if spec.kind != "common":
        posterior["tau"] = params["tau"]
    if spec.kind == "subgroup":
        coords["level"] = [str(g) for g in spec.groups]
        dims.update({"mu": ["level"], "tau": ["level"]})
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
