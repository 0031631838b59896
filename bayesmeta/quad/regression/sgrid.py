"""The log-tau grid of the nested quadrature: evaluated blocks of log-tau nodes and their extension.

At each node ``s_t`` (:func:`_evaluate`): the conditional mode of beta given ``s_t`` and the
Cholesky factor of its Laplace covariance, the log posterior at the rule's nodes
``beta = b_t + L_t z`` and at the skewness probes of :func:`~bayesmeta.quad.regression.refine.probe_points`
(one call of the log posterior, so one study-likelihood interpolant per (study, node) serves
both), and the log of the integral over beta. :func:`s_grid_blocks` lays the uniform grid out
from the joint mode (spacing ``ds`` marginal posterior SDs of log tau) and extends it on both
sides at once, in blocks its fall predicts, until the marginal has fallen by ``log_span``.
:mod:`bayesmeta.quad.regression.integrate` assembles the posterior, its coarse twin and the
refined rule from these blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.quad.regression.modes import conditional_modes, joint_mode
from bayesmeta.quad.regression.nodes import RegressionAccuracy
from bayesmeta.quad.regression.posterior import RegressionProblem
from bayesmeta.quad.regression.refine import probe_points

LOG_2PI = np.log(2.0 * np.pi)
#: The log-tau grid grows by at most this many blocks per side and evaluation.
MAX_BLOCKS = 4
#: Blocks of log-tau nodes left of the initial grid evaluated with it (towards tau = 0 the
#: marginal falls slowly: most fits extend the grid there by this many blocks) ...
LEFT_AHEAD = MAX_BLOCKS
#: ... where the rule for beta | tau has more than this many nodes (a smaller rule's second
#: evaluation round is cheap, and its fits, p <= 2, often need no extension: measured slower).
AHEAD_MIN_NODES = 24


@dataclass(frozen=True)
class _Block:
    s: np.ndarray
    mode: np.ndarray
    chol: np.ndarray
    log_terms: np.ndarray  # (T, Q): log of the integrand / phi(z) at the rule's nodes
    log_mass: np.ndarray  # (T,): log integral over beta at each s
    probe: np.ndarray  # (T, U, 2): log posterior at the skewness probes (refine.probe_points)


def _rotate(chol: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``L_t z`` for every s node t: z shared (Q, p) or per node (T, Q, p)."""
    if z.ndim == 2:
        return np.einsum("tpr,qr->tqp", chol, z)
    return np.einsum("tpr,tqr->tqp", chol, z)


def _log_terms(problem, s, modes, chol, z, active=None) -> np.ndarray:
    """log of the integrand over phi(z) at the rule's nodes, shape (T, Q) (-inf outside the
    boolean mask ``active``, where the posterior is known to be negligible)."""
    beta = modes[:, None, :] + _rotate(chol, z)
    return _terms(problem.log_post_nodes(beta, s, mask=active), chol, z)


def _terms(logp, chol, z) -> np.ndarray:
    """:func:`_log_terms` from the log posterior ``logp`` (T, Q) at the rule's nodes."""
    p = chol.shape[-1]
    logdet = np.log(np.abs(np.diagonal(chol, axis1=1, axis2=2))).sum(axis=1)
    norm2 = np.sum(z * z, axis=-1)
    return logp + 0.5 * norm2 + (logdet + 0.5 * p * LOG_2PI)[:, None]


def _log_mass(log_terms: np.ndarray, zw: np.ndarray) -> np.ndarray:
    top = log_terms.max(axis=1)
    empty = ~np.isfinite(top)  # a skipped (negligible) s node
    top = np.where(empty, 0.0, top)
    total = np.einsum("tq,q->t", np.exp(log_terms - top[:, None]), zw)
    with np.errstate(divide="ignore"):
        return np.where(empty, -np.inf, top + np.log(np.maximum(total, 1e-300)))


def _evaluate(problem, s, start, z, zw) -> _Block:
    """Conditional modes, the rule's log terms and the skewness probes at the s nodes ``s``
    (rule nodes and probes in one evaluation of the log posterior: one study-likelihood
    interpolant per (study, s node) serves both)."""
    modes, neg_hess, _ = conditional_modes(problem, s, start)
    try:
        chol = np.linalg.cholesky(np.linalg.inv(neg_hess))
    except np.linalg.LinAlgError:
        raise InputError("quadrature: beta | tau has no proper mode at some tau") from None
    probes = probe_points(modes, chol, problem.patterns())
    beta = np.concatenate([modes[:, None, :] + _rotate(chol, z), probes], axis=1)
    logp = problem.log_post_nodes(beta, s)
    log_terms = _terms(logp[:, : z.shape[0]], chol, z)
    probe = logp[:, z.shape[0] :].reshape(s.size, -1, 2)
    return _Block(s, modes, chol, log_terms, _log_mass(log_terms, zw), probe)


def _subset(grid: _Block, keep: np.ndarray, nodes: np.ndarray, zw: np.ndarray) -> _Block:
    """The s nodes ``keep`` and rule nodes ``nodes`` of an evaluated grid, with weights ``zw``."""
    log_terms = grid.log_terms[np.ix_(keep, nodes)]
    return _Block(
        grid.s[keep],
        grid.mode[keep],
        grid.chol[keep],
        log_terms,
        _log_mass(log_terms, zw),
        grid.probe[keep],
    )


def _rows(block: _Block, index: np.ndarray) -> _Block:
    """The s nodes ``index`` of an evaluated block (all its rule nodes)."""
    return _Block(*(getattr(block, f)[index] for f in _Block.__dataclass_fields__))


def _join(blocks: list[_Block]) -> _Block:
    """The s nodes of ``blocks`` in the order given."""
    return _Block(
        *(np.concatenate([getattr(b, f) for b in blocks]) for f in _Block.__dataclass_fields__)
    )


def _concat(blocks: list[_Block]) -> _Block:
    order = np.argsort(np.concatenate([b.s for b in blocks]))
    return _Block(
        *(
            np.concatenate([getattr(b, f) for b in blocks])[order]
            for f in _Block.__dataclass_fields__
        )
    )


def _start(mode, cov, s) -> np.ndarray:
    """Linear prediction of the conditional mode of beta from the joint Gaussian approximation."""
    p = mode.size - 1
    slope = cov[:p, p] / cov[p, p]
    return mode[:p] + np.outer(s - mode[p], slope)


def s_grid_blocks(problem: RegressionProblem, acc: RegressionAccuracy, z, zw):
    """The joint mode and the s grid, extended until the marginal density is negligible.

    Parameters
    ----------
    problem : RegressionProblem
    acc : RegressionAccuracy
    z, zw : numpy.ndarray
        The standard rule for beta | tau.

    Returns
    -------
    tuple
        Joint mode (p + 1,), the s spacing and the evaluated grid (an internal ``_Block``).
    """
    mode, neg_hess, _ = joint_mode(problem)
    cov = np.linalg.inv(neg_hess)
    h = acc.ds * float(np.sqrt(cov[-1, -1]))
    width = int(np.ceil(2.5 / acc.ds))
    # the central 2 width + 1 nodes and, as every fit so far has needed them, one block on each
    # side, dropped where the central grid's end is already negligible (as one by one); and
    # ``LEFT_AHEAD`` blocks further left, the first extension towards tau = 0 that most fits
    # need, evaluated in the same pass (used only as the extension below would use them)
    ahead = LEFT_AHEAD * width if z.shape[0] > AHEAD_MIN_NODES else 0
    s0 = mode[-1] + h * np.arange(-2 * width - ahead, 2 * width + 1)
    first = _evaluate(problem, s0, _start(mode, cov, s0), z, zw)
    early = _rows(first, np.arange(ahead)[::-1])  # outward from the grid's left end
    s0, grid = s0[ahead:], _rows(first, np.arange(ahead, s0.size))
    centre = grid.log_mass[width : 3 * width + 1]
    floor = centre.max() - acc.log_span
    keep = np.arange(s0.size)
    keep = keep[(keep >= width) | (centre[0] >= floor)]
    keep = keep[(keep <= 3 * width) | (centre[-1] >= floor)]
    grid = _rows(grid, keep)
    if keep[0] != 0 or not ahead:  # the left block is dropped: so are the nodes beyond it
        early = None
    while True:  # extend both ends in one evaluation until the marginal has fallen enough
        floor = grid.log_mass.max() - acc.log_span
        sides = [side for side, end in ((-1, 0), (1, -1)) if grid.log_mass[end] >= floor]
        if not sides:
            break
        if grid.s.size >= acc.max_s_nodes:
            raise InputError(
                f"quadrature: the log-tau grid needs more than {acc.max_s_nodes} nodes"
            )
        s_new, start, sizes, ready = [], [], [], []
        for side in sides:
            if side < 0 and early is not None:
                ready, sizes = [early], [ahead]
                continue
            end, inner = (0, 1) if side < 0 else (-1, -2)
            # as many blocks of ``width`` nodes as the current fall per node predicts, with a
            # margin: towards tau = 0 the fall slows (the log density tends to s + const), and
            # a node too many is cheaper than another round
            fall = grid.log_mass[inner] - grid.log_mass[end]
            need = 1.5 * (grid.log_mass[end] - floor) / fall if fall > 0 else width
            blocks = int(np.clip(np.ceil((need + 1) / width), 1, MAX_BLOCKS))
            steps = np.arange(1, blocks * width + 1)
            s_new.append(grid.s[end] + side * h * steps)
            # the conditional mode moves smoothly with s: extrapolate from the last two nodes
            slope = grid.mode[end] - grid.mode[inner]
            start.append(grid.mode[end][None] + steps[:, None] * slope[None])
            sizes.append(steps.size)
        if s_new:
            ready.append(_evaluate(problem, np.concatenate(s_new), np.concatenate(start), z, zw))
        new, early = _join(ready), None
        floor = max(floor, new.log_mass.max() - acc.log_span)
        keep, offset = [], 0
        for size in sizes:  # up to the first block that ends below the floor (as one by one)
            ends = new.log_mass[offset + width - 1 : offset + size : width]
            below = np.flatnonzero(ends < floor)
            keep.append(offset + np.arange((below[0] + 1) * width if below.size else size))
            offset += size
        grid = _concat([grid, _rows(new, np.concatenate(keep))])
    return mode, h, grid
