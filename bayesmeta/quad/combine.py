"""Distributions of sums and differences of level quantities (contrasts, pooled subgroup rates).

Each level's quantity X_g is described by CDFs conditional on shared "columns" c (the shared
tau nodes of a common-tau model, or a single column when levels are independent), with column
weights w_c. Given the column, levels are independent, so the CDF of S = sum_g a_g X_g is
sum_c w_c (convolution over g of the conditional laws). Each conditional law is discretised
into cell masses on a uniform grid of spacing ``delta`` (exact CDF differences, mass placed at
cell midpoints), convolved by FFT, and the resulting CDF is read with linear interpolation:
error O(delta^2), no Monte Carlo and no lumpy node weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

#: Cells of the grid of the sum.
N_CELLS = 2000


@dataclass(frozen=True)
class ColumnCdf:
    """Conditional CDFs of one level's quantity: column c is ``cdf[:, c]`` at ``x[:, c]``.

    Attributes
    ----------
    x : numpy.ndarray
        Points of the fine grid, increasing.
    cdf : numpy.ndarray
        CDF at ``x`` (non-decreasing, from 0 to 1).
    """

    x: np.ndarray  # (F, C), increasing in each column
    cdf: np.ndarray  # (F, C)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        out = np.empty((values.size, self.x.shape[1]))
        for c in range(self.x.shape[1]):
            out[:, c] = np.interp(values, self.x[:, c], self.cdf[:, c], left=0.0, right=1.0)
        return out

    @property
    def support(self) -> tuple[float, float]:
        return float(self.x[0].min()), float(self.x[-1].max())


def linear_combination(
    parts: list[ColumnCdf],
    coefficients: list[float],
    weights: np.ndarray,
    *,
    n_cells: int = N_CELLS,
) -> tuple[np.ndarray, np.ndarray]:
    """Points and CDF of S = sum_g a_g X_g mixed over columns.

    Parameters
    ----------
    parts : list of ColumnCdf
        One per level, all with the same number of columns C.
    coefficients : list of float
        a_g (non-zero, either sign).
    weights : numpy.ndarray
        Column weights, shape (C,), summing to one.
    n_cells : int, optional
        Cells of the common grid the mixture CDF is evaluated on.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Increasing points and the CDF of S at them.
    """
    lows, highs = [], []
    for part, a in zip(parts, coefficients, strict=True):
        lo, hi = part.support
        lows.append(min(a * lo, a * hi))
        highs.append(max(a * lo, a * hi))
    delta = (sum(highs) - sum(lows)) / n_cells
    total = None
    origin = 0.0
    for part, a, lo, hi in zip(parts, coefficients, lows, highs, strict=True):
        n = int(np.ceil((hi - lo) / delta)) + 1
        edges = lo + delta * np.arange(n + 1)  # cells of a * X
        cdf = part(edges / a)  # (n + 1, C): CDF of X at the edges / a
        if a < 0:
            cdf = 1.0 - cdf  # P(aX <= s) = P(X >= s / a)
        mass = np.diff(cdf, axis=0)  # (n, C), masses of the cells, midpoints lo + delta (j + 1/2)
        origin += lo + 0.5 * delta
        total = mass if total is None else signal.fftconvolve(total, mass, axes=0)
        total = np.maximum(total, 0.0)
    pmf = np.einsum("nc,c->n", total, weights)
    points = origin + delta * np.arange(pmf.size)
    # each point's mass spread uniformly over its cell: the CDF at the cell's right edge
    cdf = np.cumsum(pmf)
    cdf /= cdf[-1]
    return points + 0.5 * delta, cdf
