"""Refinement of the exact meta-regression where beta | tau is strongly skewed.

A covariate pattern with few or no events (1 event in 489 patients, a level at 0%) makes its
linear predictor ``x_u' beta`` strongly skewed given tau: the likelihood is flat towards
``-inf`` and only the prior bounds it. Three Gauss-Hermite nodes per axis then misjudge both the
mass (the log evidence) and the tail, and a skew-normal cannot follow a tail that heavy.

Detection: the conditional skewness of every distinct pattern's linear predictor at every
log-tau node with non-negligible mass, read from the asymmetry of the log posterior along that
pattern's direction (:func:`line_skewness`). Where it exceeds
``SKEW_LIMIT`` the rule for beta | tau becomes anisotropic: along the (at most
``MAX_DIRECTIONS``) most skewed patterns' directions a uniform grid in the raw linear predictor
(trapezoid, spacing ``V_STEP`` conditional SDs, over the range where the log posterior along that
line is within ``LINE_DROP`` of its peak), times the Gauss-Hermite rule of the remaining
directions. Each tau node gets its own rotation (the directions in its standardized
coordinates), so the grid follows the skewed direction exactly. Marginals then mix over (tau
node, grid point) components (:mod:`bayesmeta.quad.regression.marginals`).
"""

from __future__ import annotations

from itertools import product

import numpy as np

from bayesmeta.quad.regression.grids import standard_rule

#: Conditional skewness of a pattern's linear predictor above which the rule is refined.
SKEW_LIMIT = 0.2
#: At most this many skewed directions get a grid (the product grows as its power).
MAX_DIRECTIONS = 1
#: Grid spacing along a skewed direction, in conditional SDs (one and two directions).
V_STEP = {1: 0.3, 2: 0.4}
#: The other directions get the standard rule this many levels above the fit's, by the number of
#: grid directions (five nodes per axis at the default level with one: three gave a 0.3% too
#: small variance and no skewness to a neighbouring level; with two, the product is costly).
W_LEVEL_UP = {1: 1, 2: 1}
#: The grid spans where the log posterior along the line is within this of its peak.
LINE_DROP = 14.0
#: Distance (conditional SDs) at which the log posterior line is probed for asymmetry.
PROBE = 2.0
#: s nodes with less than this share of the largest s mass do not count in the detection.
DETECT_MASS = 1e-3


def line_skewness(log_post_nodes, s, modes, chol, s_mass, patterns) -> np.ndarray:
    """How skewed each pattern's linear predictor is given tau, from its log posterior line.

    Along the direction in which ``x_u' beta`` moves (``L_t' x_u`` in standardized
    coordinates), a normal density is symmetric; a cubic term ``c v^3`` makes
    ``log p(+a) - log p(-a) = 2 c a^3`` and the skewness about ``6 c``. The estimate is
    ``3 (log p(+a) - log p(-a)) / a^3`` at ``a = PROBE``, the largest over the log-tau nodes
    with at least ``DETECT_MASS`` of the largest mass. (The three-node rule's own third moment
    sees a tenth of it on a one-event level.)

    Parameters
    ----------
    log_post_nodes : callable
        ``(beta (T, Q, p), s (T,)) -> (T, Q)`` log posterior at Q points per log-tau node
        (:meth:`~bayesmeta.quad.regression.posterior.RegressionProblem.log_post_nodes`).
    s : numpy.ndarray
        log-tau nodes (T,).
    modes, chol : numpy.ndarray
        Conditional modes (T, p) and Cholesky factors of the conditional covariances (T, p, p).
    s_mass : numpy.ndarray
        Mass of each log-tau node (T,).
    patterns : numpy.ndarray
        Distinct design rows (U, p).

    Returns
    -------
    numpy.ndarray
        Signed skewness estimate of each pattern, shape (U,).
    """
    keep = s_mass >= DETECT_MASS * s_mass.max()
    beta = probe_points(modes[keep], chol[keep], patterns)
    T, Q, _ = beta.shape
    return probe_skewness(log_post_nodes(beta, s[keep]).reshape(T, Q // 2, 2), s_mass[keep])


def probe_points(modes: np.ndarray, chol: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """The points of :func:`line_skewness`: ``PROBE`` conditional SDs either side of the mode
    along each pattern's direction, at every log-tau node.

    Parameters
    ----------
    modes, chol : numpy.ndarray
        Conditional modes (T, p) and Cholesky factors of the conditional covariances (T, p, p).
    patterns : numpy.ndarray
        Distinct design rows (U, p).

    Returns
    -------
    numpy.ndarray
        Coefficients, shape (T, 2 U, p): pattern u's ``+PROBE`` point at ``2 u``, ``-PROBE`` at
        ``2 u + 1``.
    """
    T, U, p = modes.shape[0], patterns.shape[0], patterns.shape[1]
    g = np.einsum("tpr,up->tur", chol, patterns)
    unit = g / np.linalg.norm(g, axis=2, keepdims=True)
    step = np.einsum("tpr,tur->tup", chol, unit) * PROBE  # beta change for v = PROBE
    beta = modes[:, None, None, :] + np.array([1.0, -1.0])[None, None, :, None] * step[:, :, None]
    return beta.reshape(T, U * 2, p)


def probe_skewness(logp: np.ndarray, s_mass: np.ndarray) -> np.ndarray:
    """:func:`line_skewness` from the log posterior at :func:`probe_points`.

    Parameters
    ----------
    logp : numpy.ndarray
        Log posterior at the probe points, shape (T, U, 2).
    s_mass : numpy.ndarray
        Mass of each log-tau node (T,).

    Returns
    -------
    numpy.ndarray
        Signed skewness estimate of each pattern, shape (U,).
    """
    logp = logp[s_mass >= DETECT_MASS * s_mass.max()]
    skew = 3.0 * (logp[..., 0] - logp[..., 1]) / PROBE**3
    pick = np.argmax(np.abs(skew), axis=0)
    return skew[pick, np.arange(logp.shape[1])]


def skewed_patterns(skew: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """The design rows to refine along: most skewed first, at most ``MAX_DIRECTIONS``.

    Parameters
    ----------
    skew : numpy.ndarray
        From :func:`line_skewness`, shape (U,).
    patterns : numpy.ndarray
        Distinct design rows (U, p).

    Returns
    -------
    numpy.ndarray
        Shape (m, p), m = 0 when nothing is skewed beyond ``SKEW_LIMIT``. A row nearly
        parallel to one already chosen is skipped.
    """
    return _split(skew, patterns)[0]


def unrefined_patterns(skew: np.ndarray, patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skewed design rows beyond ``MAX_DIRECTIONS`` (not refined), with their skewness.

    Parameters
    ----------
    skew : numpy.ndarray
        From :func:`line_skewness`, shape (U,).
    patterns : numpy.ndarray
        Distinct design rows (U, p).

    Returns
    -------
    tuple of numpy.ndarray
        Rows (r, p) and skewness (r,).
    """
    return _split(skew, patterns)[1:]


def _split(skew, patterns):
    chosen: list[np.ndarray] = []
    left, left_skew = [], []
    for u in np.argsort(-np.abs(skew)):
        if abs(skew[u]) <= SKEW_LIMIT:
            break
        row = patterns[u] / np.linalg.norm(patterns[u])
        if any(abs(row @ c) >= 0.95 for c in chosen):
            continue
        if len(chosen) == MAX_DIRECTIONS:
            left.append(patterns[u])
            left_skew.append(skew[u])
            continue
        chosen.append(row)
    p = patterns.shape[1]
    rows = np.array([patterns[_index(patterns, c)] for c in chosen]).reshape(-1, p)
    return rows, np.array(left).reshape(-1, p), np.array(left_skew)


def _index(patterns: np.ndarray, unit: np.ndarray) -> int:
    norms = patterns / np.linalg.norm(patterns, axis=1, keepdims=True)
    return int(np.argmax(norms @ unit))


def rotations(chol: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Orthogonal bases of the standardized space whose first columns follow ``rows``.

    ``beta = mode_t + L_t z``: the linear predictor ``x' beta`` changes along ``L_t' x`` in
    z. The first m columns of the basis span those directions (Gram-Schmidt in the given
    order, so column 1 is exactly the first row's direction, oriented so that a positive
    coordinate raises ``x' beta``).

    Parameters
    ----------
    chol : numpy.ndarray
        Cholesky factors of the conditional covariances (T, p, p).
    rows : numpy.ndarray
        Design rows (m, p).

    Returns
    -------
    numpy.ndarray
        Shape (T, p, p), orthogonal.
    """
    g = np.einsum("tpr,mp->trm", chol, rows)  # (T, p, m)
    T, p, _m = g.shape
    return _gram(np.concatenate([g, np.broadcast_to(np.eye(p), (T, p, p))], axis=2))


def _gram(vectors: np.ndarray) -> np.ndarray:
    """Gram-Schmidt on the columns (T, p, n), keeping the first p independent ones."""
    T, p, n = vectors.shape
    basis = np.zeros((T, p, p))
    count = np.zeros(T, dtype=int)
    for j in range(n):
        v = vectors[:, :, j].copy()
        for i in range(p):
            mask = count > i
            proj = np.einsum("tp,tp->t", basis[:, :, i], v) * mask
            v -= proj[:, None] * basis[:, :, i]
        norm = np.linalg.norm(v, axis=1)
        take = (norm > 1e-8) & (count < p)
        idx = np.flatnonzero(take)
        basis[idx, :, count[idx]] = v[idx] / norm[idx, None]
        count[idx] += 1
    return basis


def line_range(line_logp: np.ndarray, v: np.ndarray, step: float) -> tuple[float, float]:
    """The span of ``v`` where any row of ``line_logp`` is within ``LINE_DROP`` of its peak.

    Parameters
    ----------
    line_logp : numpy.ndarray
        Log posterior along the line at each tau node (T, V) at the points ``v``.
    v : numpy.ndarray
        Probe points (V,), increasing.
    step : float
        Grid spacing (the range is widened by one step on each side).

    Returns
    -------
    tuple of float
        Lower and upper end.
    """
    high = line_logp >= line_logp.max(axis=1, keepdims=True) - LINE_DROP
    inside = np.flatnonzero(high.any(axis=0))
    return float(v[inside[0]] - step), float(v[inside[-1]] + step)


def reference_rule(
    p: int, ranges: list[tuple[float, float]], step: float, *, level: int, max_product: int
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Grid along the first m coordinates times the standard rule in the other p - m.

    Parameters
    ----------
    p : int
        Dimension.
    ranges : list of (float, float)
        Grid range of each of the m refined coordinates.
    step : float
        Grid spacing.
    level : int
        Accuracy level of the standard rule of the remaining coordinates.
    max_product : int
        Largest product rule before a Smolyak grid.

    Returns
    -------
    tuple
        Nodes (Q, p) and weights (Q,) for ``E f(Z)``, Z ~ N(0, I) (trapezoid weights times the
        normal density along the grid), and the grid's shape (v-major node order).
    """
    axes = [np.arange(np.ceil(lo / step), np.floor(hi / step) + 1) * step for lo, hi in ranges]
    m = len(axes)
    grid = np.array(list(product(*axes))).reshape(-1, m)
    gw = np.prod(step * np.exp(-0.5 * grid**2) / np.sqrt(2 * np.pi), axis=1)
    if p > m:
        w_nodes, w_weights, _ = standard_rule(p - m, level, max_product=max_product)
    else:
        w_nodes, w_weights = np.zeros((1, 0)), np.ones(1)
    nodes = np.concatenate(
        [np.repeat(grid, len(w_weights), axis=0), np.tile(w_nodes, (len(grid), 1))], axis=1
    )
    weights = np.repeat(gw, len(w_weights)) * np.tile(w_weights, len(grid))
    return nodes, weights, tuple(len(a) for a in axes)
