"""Grids of the subgroup model: one (mu_g, tau_g) grid per level, or a shared tau.

Separate tau
    Each level is an independent random-intercept model: one :func:`build_grid` per level.
Common tau
    Given tau the levels are independent, so with ``f_g(mu, tau) = p(mu) prod_{i in g} L_i``
    and ``m_g(tau) = integral f_g dmu`` the exact posterior is
    ``p(tau | y) ~ p(tau) prod_g m_g(tau)`` and ``p(mu_g, tau | y) = f_g / m_g * p(tau | y)``:
    a (G+1)-dimensional integral done as G two-dimensional grids sharing the tau nodes. Each
    level's grid carries the joint posterior of (mu_g, tau), so every single-level summary
    (rates, study rates) is computed by the random-intercept code unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.grid import (
    PosteriorGrid,
    _coverage,
    _nodes_for,
    _sd,
    _trapezoid,
    _v_support,
    build_grid,
    evaluate,
    frozen,
    tau_scale,
)
from bayesmeta.quad.lse import logsumexp


@dataclass(frozen=True)
class GroupGrids:
    """Per-level grids of a subgroup model.

    Attributes
    ----------
    levels : tuple of str
    members : tuple of numpy.ndarray
        Positions (in ``spec.data``) of each level's studies.
    grids : tuple of PosteriorGrid
        Joint posterior of (mu_g, tau or tau_g) per level.
    common_tau : bool
        True when the levels share tau (then ``tau_log_mass`` is the shared tau marginal).
    tau_log_mass : numpy.ndarray or None
        Normalised log posterior mass of the shared tau nodes.
    log_marginal_likelihood : float
    """

    levels: tuple[str, ...]
    members: tuple[np.ndarray, ...]
    grids: tuple[PosteriorGrid, ...]
    common_tau: bool
    tau_log_mass: np.ndarray | None
    log_marginal_likelihood: float


def build_group_grids(spec: ModelSpec, *, accuracy: Accuracy) -> GroupGrids:
    """Grids of every level of a subgroup model (separate or common tau).

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    accuracy : Accuracy
        Accuracy controls (None: the defaults).

    Returns
    -------
    GroupGrids
        Built once per spec and accuracy (:mod:`bayesmeta.quad.posterior`).
    """
    from bayesmeta.quad.posterior import cached

    return cached(spec, ("groups", accuracy), lambda: _build(spec, accuracy))


def _build(spec: ModelSpec, accuracy: Accuracy) -> GroupGrids:
    index = np.asarray(spec.group_index())
    members = tuple(np.flatnonzero(index == g) for g in range(len(spec.groups)))
    events, total = np.asarray(spec.data.events), np.asarray(spec.data.total)
    if not spec.separate_tau:
        # coarse per-level grids only locate the boxes; the shared-tau loop refines them
        rough = replace(accuracy, n_gh=3, n_mu=12, n_tau=10, resolution=0.75)
        seeds = [build_grid(events[m], total[m], spec.priors, accuracy=rough) for m in members]
        return _common(spec, members, seeds, accuracy)
    separate = [build_grid(events[m], total[m], spec.priors, accuracy=accuracy) for m in members]
    if spec.separate_tau:
        return GroupGrids(
            levels=tuple(spec.groups),
            members=members,
            grids=tuple(separate),
            common_tau=False,
            tau_log_mass=None,
            log_marginal_likelihood=float(sum(g.log_marginal_likelihood for g in separate)),
        )
    raise AssertionError("unreachable")


def _common(spec, members, seeds, acc: Accuracy) -> GroupGrids:
    priors = spec.priors
    events, total = np.asarray(spec.data.events), np.asarray(spec.data.total)
    c = tau_scale(priors)
    v_floor, v_ceiling = _v_support(priors, c)
    mu_boxes = [[float(g.mu[0]), float(g.mu[-1])] for g in seeds]
    n_mus = [acc.n_mu for _ in seeds]
    v_box = [min(g.v[0] for g in seeds), max(g.v[-1] for g in seeds)]
    n_v = acc.n_tau
    for _ in range(acc.max_expansions + 1):
        v = np.linspace(*v_box, n_v)
        tau = c * np.sinh(v)
        tau_part = frozen(priors.tau).logpdf(tau) + np.log(c * np.cosh(v)) + np.log(_trapezoid(v))
        raw = [
            evaluate(events[m], total[m], priors, np.linspace(*box, n), v, c=c, n_gh=acc.n_gh)
            for m, box, n in zip(members, mu_boxes, n_mus, strict=True)
        ]
        # log(p(mu) L_g q_mu) per level, built directly (finite also where the tau prior is 0)
        parts = [
            (frozen(priors.mu).logpdf(g.mu) + np.log(_trapezoid(g.mu)))[:, None]
            + g.study_loglik.sum(axis=0)
            for g in raw
        ]
        log_m = [logsumexp(p, axis=0) for p in parts]
        log_col = tau_part + np.sum(log_m, axis=0)
        log_z = float(logsumexp(log_col))
        if not np.isfinite(log_z):
            raise InputError("quadrature: the posterior density is zero or not finite on the grid")
        log_tau = log_col - log_z
        grids = tuple(
            replace(g, log_weight=p - lm[None, :] + log_tau[None, :], log_marginal_likelihood=log_z)
            for g, p, lm in zip(raw, parts, log_m, strict=True)
        )
        problems, refine = set(), False
        for g_i, g in enumerate(grids):
            m_mu = logsumexp(g.log_weight, axis=1)
            found = _coverage(g, m_mu, log_tau, acc.edge_tol, v_floor, v_ceiling)
            found = {p for p in found if p.startswith("mu")}
            width = mu_boxes[g_i][1] - mu_boxes[g_i][0]
            if "mu_lo" in found:
                mu_boxes[g_i][0] -= 0.5 * width
            if "mu_hi" in found:
                mu_boxes[g_i][1] += 0.5 * width
            sd = _sd(g.mu, m_mu)
            fine = g.mu[1] - g.mu[0] <= sd / acc.resolution
            if found or not fine:
                n_mus[g_i] = _nodes_for(mu_boxes[g_i], n_mus[g_i], width, sd, acc.resolution)
                refine = True
            problems |= found
        v_found = {
            p
            for p in _coverage(grids[0], log_tau, log_tau, acc.edge_tol, v_floor, v_ceiling)
            if p.startswith("v")
        }
        v_sd = _sd(v, log_tau)
        v_fine = v[1] - v[0] <= v_sd / acc.resolution
        if not problems and not v_found and not refine and v_fine:
            return GroupGrids(
                levels=tuple(spec.groups),
                members=members,
                grids=grids,
                common_tau=True,
                tau_log_mass=log_tau,
                log_marginal_likelihood=log_z,
            )
        width_v = v_box[1] - v_box[0]
        if "v_lo" in v_found:
            v_box[0] = max(v_floor, v_box[0] - 0.5 * width_v)
        if "v_hi" in v_found:
            v_box[1] = min(v_ceiling, v_box[1] + 0.5 * width_v)
        n_v = _nodes_for(v_box, n_v, width_v, v_sd, acc.resolution)
        if max(n_v, *n_mus) > acc.max_nodes:
            break
    raise InputError(
        "quadrature: the grid cannot hold the posterior mass of the subgroup model with a "
        "common tau; use engine='nuts'"
    )
