"""What the nested quadrature of a meta-regression is controlled by and what it returns.

:class:`RegressionAccuracy` (the rule for beta | tau, the log-tau spacing and span, the
Gauss-Hermite nodes per study) and :class:`RegressionPosterior` (the (beta, tau) nodes, their
weights, the conditional modes and Cholesky factors, the log evidence), as built by
:func:`bayesmeta.quad.regression.integrate.integrate` (which re-exports both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError


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
        The rule on the standardized scale: nodes (Q, p), or (T, Q, p) when refined (each s
        node rotated), and weights (Q,).
    rule : str
        "product" or "smolyak", with "+grid" when refined.
    mode : numpy.ndarray
        Joint posterior mode of (beta, log tau).
    log_evidence : float
        log p(y), the binomial coefficients included.
    grid_shape : tuple of int
        Refined rules: points of the grid along each skewed direction (the nodes are
        grid-major: Q = prod(grid_shape) * W); empty otherwise.
    grid_step : float
        Spacing of that grid (conditional SDs).
    refined_rows : numpy.ndarray
        The design rows whose linear predictors were refined, shape (m, p) (m = 0: none).
    skewed_rows : tuple
        Design rows also strongly skewed but not refined (beyond ``MAX_DIRECTIONS``), and
        their skewness: ``(rows (r, p), skew (r,))``; their tails are less accurate.
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
    grid_shape: tuple[int, ...] = ()
    grid_step: float = 0.0
    refined_rows: np.ndarray | None = None
    skewed_rows: tuple = ()

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
