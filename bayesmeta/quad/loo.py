"""Exact leave-one-study-out log predictive densities, log p(y_i | y_-i).

With node masses W of the full posterior and L_i the likelihood of study i,

    p(y_-i) / p(y) = sum_nodes W / L_i,   so   log p(y_i | y_-i) = -log sum_nodes W / L_i,

an exact identity on the quadrature grid (for the common-tau subgroup model too, with W the
joint posterior of (mu_g, tau) of study i's level). It is used when the reweighted posterior
still lies inside the grid (edge mass below ``edge_tol`` and resolved by the spacing); for an
influential study whose removal moves the posterior out of the grid, the model is refitted
without it and log p(y_i | y_-i) = log sum_nodes W_-i L_i on the new grid.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.likelihood import study_loglik
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.grid import PosteriorGrid, _sd, build_grid
from bayesmeta.quad.groups import build_group_grids
from bayesmeta.quad.lse import logsumexp
from bayesmeta.quad.posterior import accuracy_from, check_supported, posterior_grid


def _inside(grid: PosteriorGrid, log_w: np.ndarray, acc: Accuracy) -> bool:
    m_mu = logsumexp(log_w, axis=1)
    if np.exp(m_mu[0]) > acc.edge_tol or np.exp(m_mu[-1]) > acc.edge_tol:
        return False
    if grid.mu[1] - grid.mu[0] > _sd(grid.mu, m_mu) / acc.resolution:
        return False
    if grid.v.size > 1:
        m_v = logsumexp(log_w, axis=0)
        if np.exp(m_v[-1]) > acc.edge_tol:
            return False
        if grid.v[0] > 0 and np.exp(m_v[0]) > acc.edge_tol:
            return False
    return True


def _grids_by_study(spec: ModelSpec, acc: Accuracy) -> list[tuple[PosteriorGrid, int]]:
    """For every study: the grid holding it and its position in that grid's study_loglik."""
    if spec.kind in ("random", "common"):
        grid = posterior_grid(spec, accuracy=acc)
        return [(grid, i) for i in range(spec.data.k)]
    groups = build_group_grids(spec, accuracy=acc)
    found: list = [None] * spec.data.k
    for grid, members in zip(groups.grids, groups.members, strict=True):
        for position, study in enumerate(members):
            found[study] = (grid, position)
    return found


def _refit(spec: ModelSpec, i: int, acc: Accuracy) -> float:
    study = spec.data.studies[i]
    y, n = spec.data.events[i : i + 1], spec.data.total[i : i + 1]
    reduced = replace(spec, data=spec.data.without(study, reason="left out"))
    if spec.kind in ("random", "common"):
        grid = posterior_grid(reduced, accuracy=acc)
    else:
        groups = build_group_grids(reduced, accuracy=acc)
        level = spec.groups[spec.group_index()[i]]
        grid = groups.grids[groups.levels.index(level)]
    mm, tt = np.meshgrid(grid.mu, grid.tau, indexing="ij")
    ll = study_loglik(y, n, mm, tt, n_nodes=acc.n_gh)[0]
    return float(logsumexp(grid.log_weight + ll))


def _lone(spec: ModelSpec) -> list[int]:
    """Studies whose removal leaves their (mu, tau) with no data: then p(y_i | y_-i) is the
    prior predictive of study i alone (k = 1, or a lone level with its own tau); with a shared
    tau the other levels still inform tau, which this engine does not handle (InputError)."""
    if spec.data.k == 1:
        return [0]
    if spec.kind != "subgroup":
        return []
    index = spec.group_index()
    lone = [i for i, g in enumerate(index) if index.count(g) == 1]
    if lone and not spec.separate_tau:
        i = lone[0]
        raise InputError(
            f"leave-one-out: study '{spec.data.studies[i]}' is the only study of "
            f"{spec.by} = '{spec.groups[index[i]]}' and tau is shared; use separate_tau or NUTS"
        )
    return lone


def _prior_predictive(spec: ModelSpec, i: int, acc: Accuracy) -> float:
    """log of integral L_i p(mu) p(tau): the log evidence of study i alone."""
    y, n = spec.data.events[i : i + 1], spec.data.total[i : i + 1]
    return build_grid(
        y, n, spec.priors, common=spec.kind == "common", accuracy=acc
    ).log_marginal_likelihood


def loo_log_predictive(
    spec: ModelSpec, *, accuracy: Accuracy | None = None, refit: bool | None = None
) -> np.ndarray:
    """Exact leave-one-study-out log predictive density of every study.

    Parameters
    ----------
    spec : ModelSpec
        Any model (the regression: :func:`bayesmeta.quad.regression.loo.regression_loo`,
        which ignores ``accuracy``).
    accuracy : Accuracy, optional
        Accuracy controls.
    refit : bool, optional
        True refits the model k times; False never refits; None (default) refits only the
        studies whose removal moves the posterior out of the full grid.

    Returns
    -------
    numpy.ndarray
        ``log p(y_i | y_-i)``, binomial coefficients included, in the order of
        ``spec.data.studies``.
    """
    check_supported(spec)
    if spec.kind == "regression":
        from bayesmeta.quad.regression.loo import regression_loo

        return regression_loo(spec, refit=refit)
    lone = _lone(spec)
    acc = accuracy_from(accuracy)
    out = np.empty(spec.data.k)
    for i in lone:
        out[i] = _prior_predictive(spec, i, acc)
    if len(lone) == spec.data.k:
        return out
    if refit:
        for i in range(spec.data.k):
            if i not in lone:
                out[i] = _refit(spec, i, acc)
        return out
    for i, (grid, position) in enumerate(_grids_by_study(spec, acc)):
        if i in lone:
            continue
        log_w = grid.log_weight - grid.study_loglik[position]
        log_ratio = float(logsumexp(log_w))
        if refit is None and not _inside(grid, log_w - log_ratio, acc):
            out[i] = _refit(spec, i, acc)
            continue
        out[i] = -log_ratio
    return out
