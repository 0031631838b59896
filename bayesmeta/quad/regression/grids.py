"""Quadrature rules on the Laplace-standardized scale: Gauss-Hermite products and Smolyak grids.

Both integrate ``E f(Z)``, ``Z ~ N(0, I_p)``: nodes (Q, p) and weights (Q,) summing to one. The
product rule with ``m`` nodes per axis is exact for polynomials of degree ``2m - 1`` in each
coordinate; the Smolyak (sparse) grid of level ``L`` combines 1-D rules of 1, 3, 5, ... nodes
(combination technique) and is exact for polynomials of total degree ``2L - 1`` with a number of
nodes that grows polynomially in ``p`` (weights can be negative).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from math import comb

import numpy as np

from bayesmeta.model.likelihood import hermite_rule


@lru_cache(maxsize=64)
def product_rule(p: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor product of the ``m``-node Gauss-Hermite rule in ``p`` dimensions.

    Parameters
    ----------
    p : int
        Dimension.
    m : int
        Nodes per axis.

    Returns
    -------
    tuple of numpy.ndarray
        Nodes (m**p, p) and weights (m**p,).
    """
    x, w = hermite_rule(m)
    nodes = np.array(list(product(x, repeat=p))).reshape(-1, p)
    weights = np.prod(np.array(list(product(w, repeat=p))).reshape(-1, p), axis=1)
    return nodes, weights


def _rule_1d(level: int) -> tuple[np.ndarray, np.ndarray]:
    if level == 1:
        return np.zeros(1), np.ones(1)
    return hermite_rule(2 * level - 1)


def _compositions(total: int, parts: int):
    """Tuples of ``parts`` positive integers summing to ``total``."""
    if parts == 1:
        yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


@lru_cache(maxsize=64)
def smolyak_rule(p: int, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Smolyak sparse grid of ``level`` in ``p`` dimensions (duplicate nodes merged).

    Parameters
    ----------
    p : int
        Dimension.
    level : int
        1 gives the single node 0; level L is exact for total degree 2L - 1.

    Returns
    -------
    tuple of numpy.ndarray
        Nodes (Q, p) and weights (Q,), summing to one (some may be negative).
    """
    found: dict[tuple, float] = {}
    for total in range(max(p, level), level + p):
        coef = (-1) ** (level + p - 1 - total) * comb(p - 1, level + p - 1 - total)
        for levels in _compositions(total, p):
            rules = [_rule_1d(lv) for lv in levels]
            for combo in product(*[range(r[0].size) for r in rules]):
                node = tuple(round(float(r[0][i]), 12) for r, i in zip(rules, combo, strict=True))
                weight = coef * float(np.prod([r[1][i] for r, i in zip(rules, combo, strict=True)]))
                found[node] = found.get(node, 0.0) + weight
    keep = [(node, w) for node, w in found.items() if abs(w) > 1e-15]
    nodes = np.array([node for node, _ in keep], dtype=float).reshape(-1, p)
    weights = np.array([w for _, w in keep])
    return nodes, weights / weights.sum()


def standard_rule(p: int, level: int, *, max_product: int) -> tuple[np.ndarray, np.ndarray, str]:
    """The rule of accuracy ``level``: a product of ``2 level - 1`` nodes per axis when it has
    at most ``max_product`` nodes, else the Smolyak grid of level ``level + 1`` (exact for
    total degree ``2 level + 1``, which the product rule reaches per axis).

    Parameters
    ----------
    p : int
        Dimension (number of regression coefficients).
    level : int
        Accuracy level (>= 1).
    max_product : int
        Largest product grid allowed.

    Returns
    -------
    tuple
        Nodes (Q, p), weights (Q,) and the rule's name ("product" or "smolyak").
    """
    m = 2 * level - 1
    if m**p <= max_product:
        nodes, weights = product_rule(p, m)
        return nodes, weights, "product"
    nodes, weights = smolyak_rule(p, level + 1)
    return nodes, weights, "smolyak"
