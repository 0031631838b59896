"""log p(y): the log marginal likelihood of the counts, binomial coefficients included."""

from __future__ import annotations

from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.fit import check_supported, posterior_grid
from bayesmeta.quad.groups import build_group_grids


def log_evidence(spec: ModelSpec, *, accuracy: Accuracy | None = None) -> float:
    """log p(y) of a random, common or subgroup model.

    Parameters
    ----------
    spec : ModelSpec
        A model of the exact engine.
    accuracy : Accuracy, optional
        Grid controls (default :class:`Accuracy`).

    Returns
    -------
    float
        The log marginal likelihood of the counts, binomial coefficients included.
    """
    check_supported(spec)
    acc = accuracy or Accuracy()
    if spec.kind == "subgroup":
        return float(build_group_grids(spec, accuracy=acc).log_marginal_likelihood)
    return float(posterior_grid(spec, accuracy=acc).log_marginal_likelihood)
