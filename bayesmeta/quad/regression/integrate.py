"""Nested adaptive quadrature of a meta-regression posterior over (beta, log tau).

As R-INLA's grid strategy and the ``aghq`` package (Stringer, Brown & Stafford 2022): the joint
mode and Hessian of (beta, s = log tau) standardize s; s runs over a uniform grid of spacing
``ds`` marginal posterior SDs, extended on each side until the marginal density has fallen by
``exp(-log_span)`` from its peak (a skewed posterior gets more nodes on its long side). At each
s node, beta | s is integrated on its own Laplace-standardized grid: its conditional mode
``b_t`` and Cholesky factor ``L_t`` of the conditional covariance map the rule's standard nodes
``z`` to ``beta = b_t + L_t z``, with a Gauss-Hermite product rule for few coefficients or a
Smolyak grid for many (:mod:`bayesmeta.quad.regression.grids`). Each study's effect is
integrated exactly inside the log posterior (:mod:`bayesmeta.quad.regression.likelihood`).

The trapezoid rule in s and the standardized Gauss-Hermite rule in beta both converge
geometrically for these smooth, near-Gaussian integrands. The numerical error is estimated as
the change between this accuracy level and the next coarser one (one level fewer in beta, every
other s node).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.quad.regression.grids import smolyak_rule, standard_rule
from bayesmeta.quad.regression.modes import conditional_modes, joint_mode
from bayesmeta.quad.regression.posterior import RegressionProblem

LOG_2PI = np.log(2.0 * np.pi)


@dataclass(frozen=True)
class RegressionAccuracy:
    """Accuracy controls of the exact meta-regression.

    Attributes
    ----------
    level : int
        Rule for beta | tau: ``2 level - 1`` Gauss-Hermite nodes per axis (product) or the
        Smolyak grid of level ``level + 1`` (see :func:`~bayesmeta.quad.regression.grids.standard_rule`);
        the coarse twin uses one level less (see :func:`integrate`).
    ds : float
        Spacing of the log-tau grid in marginal posterior SDs of log tau.
    log_span : float
        The log-tau grid extends until the marginal log density is this far below its peak.
    n_gh : int
        Adaptive Gauss-Hermite nodes per study effect.
    max_product : int
        Largest product grid for beta | tau before switching to a Smolyak grid.
    max_s_nodes : int
        Largest number of log-tau nodes.
    """

    level: int = 2
    ds: float = 0.75
    log_span: float = 10.0
    n_gh: int = 10
    max_product: int = 27
    max_s_nodes: int = 200

    def __post_init__(self) -> None:
        if not 2 <= int(self.level) <= 6:
            raise InputError("quadrature: level must be between 2 and 6")
        if not 0 < self.ds <= 1.5:
            raise InputError("quadrature: ds must be in (0, 1.5]")
        if self.n_gh < 3:
            raise InputError("quadrature: n_gh must be at least 3")


@dataclass(frozen=True)
class RegressionPosterior:
    """The posterior of (beta, tau) on quadrature nodes.

    Node (t, q) is ``beta[t, q]`` with ``tau[t]``; ``weight[t, q]`` is its posterior mass (the
    weights sum to one; a Smolyak rule can give some nodes negative weight, so use them for
    expectations, not as sampling probabilities).

    Attributes
    ----------
    s, tau : numpy.ndarray
        log tau nodes (uniform spacing ``ds``) and tau, shape (T,).
    ds : float
        Spacing of the s grid.
    beta : numpy.ndarray
        Coefficient nodes, shape (T, Q, p).
    weight : numpy.ndarray
        Posterior mass of each node, shape (T, Q).
    s_mass : numpy.ndarray
        Marginal posterior mass of each s node (trapezoid cell), shape (T,).
    cond_mode, cond_chol : numpy.ndarray
        Conditional mode of beta at each s node (T, p) and the Cholesky factor of its
        Laplace covariance (T, p, p).
    z, z_weight : numpy.ndarray
        The standard rule: nodes (Q, p) and weights (Q,).
    rule : str
        "product" or "smolyak".
    mode : numpy.ndarray
        Joint posterior mode of (beta, log tau).
    log_evidence : float
        log p(y), the binomial coefficients included.
    """

    s: np.ndarray
    tau: np.ndarray
    ds: float
    beta: np.ndarray
    weight: np.ndarray
    s_mass: np.ndarray
    cond_mode: np.ndarray
    cond_chol: np.ndarray
    z: np.ndarray
    z_weight: np.ndarray
    rule: str
    mode: np.ndarray
    log_evidence: float

    def nodes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat nodes for other tools (e.g. a new study's logit ``x' beta + tau z``).

        Parameters
        ----------
        None

        Returns
        -------
        tuple of numpy.ndarray
            beta (N, p), tau (N,) and weight (N,) summing to one.
        """
        T, Q, p = self.beta.shape
        return self.beta.reshape(T * Q, p), np.repeat(self.tau, Q), self.weight.ravel()


@dataclass(frozen=True)
class _Block:
    s: np.ndarray
    mode: np.ndarray
    chol: np.ndarray
    log_terms: np.ndarray  # (T, Q): log of the integrand / phi(z) at the rule's nodes
    log_mass: np.ndarray  # (T,): log integral over beta at each s


def _evaluate(problem, s, start, z, zw) -> _Block:
    modes, neg_hess, _ = conditional_modes(problem, s, start)
    try:
        chol = np.linalg.cholesky(np.linalg.inv(neg_hess))
    except np.linalg.LinAlgError:
        raise InputError("quadrature: beta | tau has no proper mode at some tau") from None
    T, Q, p = s.size, z.shape[0], problem.p
    beta = modes[:, None, :] + np.einsum("tpr,qr->tqp", chol, z)
    logp = problem.log_post(beta.reshape(T * Q, p), np.repeat(s, Q)).reshape(T, Q)
    logdet = np.log(np.abs(np.diagonal(chol, axis1=1, axis2=2))).sum(axis=1)
    log_terms = logp + 0.5 * np.sum(z * z, axis=1) + (logdet + 0.5 * p * LOG_2PI)[:, None]
    top = log_terms.max(axis=1)
    total = np.einsum("tq,q->t", np.exp(log_terms - top[:, None]), zw)
    log_mass = top + np.log(np.maximum(total, 1e-300))
    return _Block(s, modes, chol, log_terms, log_mass)


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
    s0 = mode[-1] + h * np.arange(-width, width + 1)
    blocks = [_evaluate(problem, s0, _start(mode, cov, s0), z, zw)]
    for side in (-1, 1):
        while True:
            grid = _concat(blocks)
            end = 0 if side < 0 else -1
            if grid.log_mass[end] < grid.log_mass.max() - acc.log_span:
                break
            if grid.s.size >= acc.max_s_nodes:
                raise InputError(
                    f"quadrature: the log-tau grid needs more than {acc.max_s_nodes} nodes"
                )
            s_new = grid.s[end] + side * h * np.arange(1, width + 1)
            start = np.repeat(grid.mode[end][None], width, axis=0)
            blocks.append(_evaluate(problem, s_new, start, z, zw))
    return mode, h, _concat(blocks)


def _assemble(grid: _Block, h: float, z, zw, rule: str, mode) -> RegressionPosterior:
    log_cell = grid.log_mass + np.log(h)
    top = log_cell.max()
    log_z = top + np.log(np.exp(log_cell - top).sum())
    weight = np.exp(grid.log_terms + np.log(h) - log_z) * zw
    beta = grid.mode[:, None, :] + np.einsum("tpr,qr->tqp", grid.chol, z)
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
    )


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
    if rule == "smolyak":  # one Smolyak level down: total degree 2 level - 1
        zc, zwc = smolyak_rule(problem.p, acc.level)
        rule_c = "smolyak"
    else:
        zc, zwc, rule_c = standard_rule(problem.p, acc.level - 1, max_product=acc.max_product)
    centre = int(np.argmin(np.abs(grid.s - mode[-1])))
    keep = np.arange(grid.s.size)[(np.arange(grid.s.size) - centre) % 2 == 0]
    coarse_s = grid.s[keep]
    coarse = _evaluate(problem, coarse_s, grid.mode[keep], zc, zwc)
    return fine, _assemble(coarse, 2 * h, zc, zwc, rule_c, mode)
