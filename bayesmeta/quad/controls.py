"""Accuracy controls of the quadrature engine."""

from __future__ import annotations

from dataclasses import dataclass

from bayesmeta.errors import InputError


@dataclass(frozen=True)
class Accuracy:
    """Accuracy controls (all have defaults tested against brute-force integration).

    Attributes
    ----------
    n_mu, n_tau : int
        Starting number of grid nodes along mu and along the tau axis ``asinh(tau / c)``.
    n_gh : int
        Adaptive Gauss-Hermite nodes per study.
    edge_tol : float
        Largest posterior mass allowed in the outermost row or column of the grid.
    resolution : float
        The node spacing must be at most the marginal posterior SD divided by this.
    max_expansions : int
        Expansions / refinements of the grid before giving up with an ``InputError``.
    max_nodes : int
        Largest number of nodes along one axis.
    n_fine : int
        Points of the fine 1-D grids on which CDFs are integrated for quantiles.
    """

    n_mu: int = 28
    n_tau: int = 22
    n_gh: int = 10
    edge_tol: float = 1e-7
    resolution: float = 1.5
    max_expansions: int = 8
    max_nodes: int = 400
    n_fine: int = 600

    def __post_init__(self) -> None:
        for name in ("n_mu", "n_tau", "n_gh", "max_nodes", "n_fine"):
            if int(getattr(self, name)) < 3:
                raise InputError(f"quadrature: {name} must be at least 3")
        if not 0 < self.edge_tol < 0.01:
            raise InputError("quadrature: edge_tol must be in (0, 0.01)")
        if self.resolution <= 0:
            raise InputError("quadrature: resolution must be positive")
