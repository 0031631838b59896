"""Nested adaptive quadrature of a meta-regression posterior over (beta, log tau).

As R-INLA's grid strategy and the ``aghq`` package (Stringer, Brown & Stafford 2022): the joint
mode and Hessian of (beta, s = log tau) standardize s; s runs over a uniform grid of spacing
``ds`` marginal posterior SDs, extended on each side until the marginal density has fallen by
``exp(-log_span)`` from its peak (a skewed posterior gets more nodes on its long side; the grid,
its evaluation and extension: :mod:`bayesmeta.quad.regression.sgrid`). At each
s node, beta | s is integrated on its own Laplace-standardized grid: its conditional mode
``b_t`` and Cholesky factor ``L_t`` of the conditional covariance map the rule's standard nodes
``z`` to ``beta = b_t + L_t z``, with a Gauss-Hermite product rule for few coefficients or a
Smolyak grid for many (:mod:`bayesmeta.quad.regression.grids`). Each study's effect is
integrated exactly inside the log posterior (:mod:`bayesmeta.quad.regression.likelihood`).

The trapezoid rule in s and the standardized Gauss-Hermite rule in beta both converge
geometrically for these smooth, near-Gaussian integrands. The numerical error is estimated as
the change between this accuracy level and the next coarser one (one level fewer in beta, every
other s node); at level 2 the coarser rule (the Laplace approximation) is the centre node of the
product rule, and a Smolyak grid holds every node of the grid one level down, so it costs nothing.

Where a covariate pattern's linear predictor is strongly skewed given tau (few or no events),
the rule for beta | tau is refined along that direction (:mod:`bayesmeta.quad.regression.refine`):
a uniform grid in the raw linear predictor times Gauss-Hermite in the other directions; the
coarse twin then keeps every other grid point and only the centre of the other directions.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bayesmeta.quad.regression.grids import smolyak_rule, standard_rule
from bayesmeta.quad.regression.nodes import RegressionAccuracy, RegressionPosterior
from bayesmeta.quad.regression.posterior import RegressionProblem
from bayesmeta.quad.regression.refine import (
    V_STEP,
    W_LEVEL_UP,
    line_range,
    probe_skewness,
    reference_rule,
    rotations,
    skewed_patterns,
    unrefined_patterns,
)
from bayesmeta.quad.regression.sgrid import (
    _Block,
    _log_mass,
    _log_terms,
    _rotate,
    _subset,
    s_grid_blocks,
)

#: A refined rule with more nodes per log-tau node than this is not built (an AccuracyWarning
#: names the skewed linear predictor instead): many coefficients times the grid.
MAX_REFINED_NODES = 2000
#: Fewest grid points along a skewed direction (its range spans at least ~10 conditional SDs).
MIN_GRID = 30
#: Refined rules skip log-tau nodes with less than this share of the largest mass.
NEGLIGIBLE = 1e-13


def _assemble(grid: _Block, h: float, z, zw, rule: str, mode, **refined) -> RegressionPosterior:
    log_cell = grid.log_mass + np.log(h)
    top = log_cell.max()
    log_z = top + np.log(np.exp(log_cell - top).sum())
    weight = np.exp(grid.log_terms + np.log(h) - log_z) * zw
    beta = grid.mode[:, None, :] + _rotate(grid.chol, z)
    return RegressionPosterior(
        s=grid.s,
        tau=np.exp(grid.s),
        ds=h,
        beta=beta,
        weight=weight,
        s_mass=np.exp(log_cell - log_z),
        cond_mode=grid.mode,
        cond_chol=grid.chol,
        z=z,
        z_weight=zw,
        rule=rule,
        mode=mode,
        log_evidence=float(log_z),
        **refined,
    )


def _every_other(s: np.ndarray, centre: float) -> np.ndarray:
    """Indices of every other s node, the one nearest ``centre`` among them."""
    middle = int(np.argmin(np.abs(s - centre)))
    return np.arange(s.size)[(np.arange(s.size) - middle) % 2 == 0]


def _node_index(z: np.ndarray, sub: np.ndarray) -> np.ndarray | None:
    """Where each node of ``sub`` is among the nodes ``z`` (None unless all are)."""
    gap = np.abs(sub[:, None, :] - z[None, :, :]).max(axis=2)
    index = np.argmin(gap, axis=1)
    return index if np.all(gap[np.arange(sub.shape[0]), index] <= 1e-12) else None


def _origin(z: np.ndarray) -> int:
    return int(np.argmin(np.sum(z * z, axis=1)))


def _refined(problem, acc, grid: _Block, h, rows, rule: str, mode, s_mass):
    """Fine and coarse posteriors on the rule refined along ``rows`` (see the module doc), or
    None when that rule would have more than ``MAX_REFINED_NODES`` nodes per log-tau node."""
    m, p = len(rows), problem.p
    step = V_STEP[m]
    up = W_LEVEL_UP[m] if (2 * (acc.level + W_LEVEL_UP[m]) - 1) ** (p - m) <= acc.max_product else 0
    n_w = (
        standard_rule(p - m, acc.level + up, max_product=acc.max_product)[0].shape[0]
        if p > m
        else 1
    )
    if n_w * MIN_GRID**m > MAX_REFINED_NODES:  # too large whatever the range: skip the probes
        return None
    basis = rotations(grid.chol, rows)  # (T, p, p): z = basis @ r
    probe = np.arange(-40.0, 40.0 + 0.25, 0.5)
    ranges, per_node = [], []
    for j in range(m):
        z_line = basis[:, None, :, j] * probe[None, :, None]  # (T, V, p)
        beta = grid.mode[:, None, :] + _rotate(grid.chol, z_line)
        logp = problem.log_post_nodes(beta, grid.s)
        ranges.append(line_range(logp, probe, step))
        per_node.append([line_range(row[None], probe, step) for row in logp])
    r, rw, shape = reference_rule(
        p, ranges, step, level=acc.level + up, max_product=acc.max_product
    )
    if r.shape[0] > MAX_REFINED_NODES:
        return None
    z = np.einsum("tpc,qc->tqp", basis, r)
    # evaluate only where the node's own line says the posterior is not negligible
    active = (s_mass >= NEGLIGIBLE * s_mass.max())[:, None] & np.ones(r.shape[0], bool)
    for j in range(m):
        lo, hi = np.array(per_node[j]).T
        active &= (r[None, :, j] >= lo[:, None]) & (r[None, :, j] <= hi[:, None])
    log_terms = _log_terms(problem, grid.s, grid.mode, grid.chol, z, active)
    log_mass = _log_mass(log_terms, rw)
    skipped = ~active.any(axis=1)  # negligible s nodes keep the standard rule's mass
    log_mass[skipped] = grid.log_mass[skipped]
    block = _Block(grid.s, grid.mode, grid.chol, log_terms, log_mass, grid.probe)
    extra = {"grid_shape": shape, "grid_step": step, "refined_rows": rows}
    fine = _assemble(block, h, z, rw, f"{rule}+grid", mode, **extra)
    # coarse twin: every other grid point, the centre of the other directions, every other s
    n_w = r.shape[0] // int(np.prod(shape))
    w0 = _origin(r[:n_w, m:]) if p > m else 0
    index = np.arange(int(np.prod(shape))).reshape(shape)
    picked = index[tuple(slice(None, None, 2) for _ in shape)].ravel() * n_w + w0
    grid_v = r[picked, :m]
    cw = np.prod(2 * step * np.exp(-0.5 * grid_v**2) / np.sqrt(2 * np.pi), axis=1)
    keep = _every_other(grid.s, mode[-1])
    coarse = _assemble(_subset(block, keep, picked, cw), 2 * h, z[keep][:, picked], cw, rule, mode)
    return fine, coarse


def integrate(
    problem: RegressionProblem, *, accuracy: RegressionAccuracy | None = None
) -> tuple[RegressionPosterior, RegressionPosterior]:
    """Integrate the posterior at ``accuracy`` and at the next coarser level.

    Parameters
    ----------
    problem : RegressionProblem
        Data, design and priors.
    accuracy : RegressionAccuracy, optional
        Accuracy controls (defaults tested against brute-force integration).

    Returns
    -------
    tuple of RegressionPosterior
        The posterior and its coarse twin (one level down in beta -- the Laplace
        approximation after a product rule, the Smolyak grid of one degree less after a
        Smolyak grid -- and every other s node, spacing 2 ds); their difference is the
        reported numerical error.
    """
    acc = accuracy or RegressionAccuracy()
    z, zw, rule = standard_rule(problem.p, acc.level, max_product=acc.max_product)
    mode, h, grid = s_grid_blocks(problem, acc, z, zw)
    fine = _assemble(grid, h, z, zw, rule, mode)
    keep = _every_other(grid.s, mode[-1])
    if rule == "product" and acc.level == 2:  # the Laplace approximation: the centre node
        origin = np.array([_origin(z)])
        coarse_block = _subset(grid, keep, origin, np.ones(1))
        zc, zwc, rule_c = z[origin], np.ones(1), "product"
    else:
        if rule == "smolyak":  # one Smolyak level down: total degree 2 level - 1
            zc, zwc = smolyak_rule(problem.p, acc.level)
            rule_c = "smolyak"
        else:
            zc, zwc, rule_c = standard_rule(problem.p, acc.level - 1, max_product=acc.max_product)
        shared = _node_index(z, zc)
        if shared is not None:  # nested rules (the Smolyak grids): the fine grid's own values
            coarse_block = _subset(grid, keep, shared, zwc)
        else:
            log_terms = _log_terms(problem, grid.s[keep], grid.mode[keep], grid.chol[keep], zc)
            coarse_block = _Block(
                grid.s[keep],
                grid.mode[keep],
                grid.chol[keep],
                log_terms,
                _log_mass(log_terms, zwc),
                grid.probe[keep],
            )
    coarse = _assemble(coarse_block, 2 * h, zc, zwc, rule_c, mode)
    patterns = problem.patterns()
    skew = probe_skewness(grid.probe, fine.s_mass)

    def skew_of(rows):
        return np.array([skew[np.flatnonzero((patterns == r).all(axis=1))[0]] for r in rows])

    rows = skewed_patterns(skew, patterns)
    left = unrefined_patterns(skew, patterns)
    if rows.shape[0]:
        refined = _refined(problem, acc, grid, h, rows, rule, mode, fine.s_mass)
        if refined is None:  # too many nodes for this many coefficients: warn instead
            left = (np.concatenate([rows, left[0]]), np.concatenate([skew_of(rows), left[1]]))
        else:
            fine, coarse = refined
        if left[0].shape[0]:
            fine = replace(fine, skewed_rows=left)
    return fine, coarse
