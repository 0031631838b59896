"""Draws resampled from the exact posterior grids (for LOO, plots and the NetCDF file).

Nodes are picked with their posterior mass and jittered uniformly within their cell (a
deterministic function of the seed). Subgroup models use the engine's per-level grids:
independent with separate tau; with a shared tau, tau is drawn from its marginal and each
level's mu from its grid's column at that tau.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.groups import build_group_grids
from bayesmeta.quad.posterior import posterior_grid


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


def posterior_draws(
    spec: ModelSpec, *, chains: int, draws: int, seed: int
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Draws of each study's (eta, tau) and of the hyperparameters from the exact posterior.

    Parameters
    ----------
    spec : ModelSpec
        A random, common or subgroup model.
    chains, draws : int
        Shape of the draws.
    seed : int
        Random seed (same seed, same draws).

    Returns
    -------
    eta, tau_study : numpy.ndarray
        Shape ``(chains, draws, k)``.
    params : dict
        ``{"mu": array, "tau": array}`` with shape ``(chains, draws)``, or
        ``(chains, draws, levels)`` for the subgroup model (``tau`` too with separate tau);
        ``{"beta": (chains, draws, p), "tau": (chains, draws)}`` for the regression.
    """
    if spec.kind == "regression":
        from bayesmeta.quad.regression.draws import study_draws

        return study_draws(spec, chains=chains, draws=draws, seed=seed)
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
    return eta, tau_study, params
