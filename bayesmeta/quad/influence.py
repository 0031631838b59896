"""The pooled rate without each study, exactly: the posterior grid reweighted by 1 / L_i.

The identity of :mod:`bayesmeta.quad.loo`: the posterior without study i is the full posterior
divided by study i's integrated likelihood. Where that reweighted posterior leaves the grid
(or only one study is left), the model is refitted without the study.
"""

from __future__ import annotations

import dataclasses

from bayesmeta.model.result import Interval
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.grid_fit import fit_quadrature
from bayesmeta.quad.loo import _inside
from bayesmeta.quad.posterior import accuracy_from, posterior_grid
from bayesmeta.quad.summaries import mu_interval


def loo_pooled_rates(spec: ModelSpec) -> tuple[Interval, tuple[Interval, ...], tuple[str, ...]]:
    """The pooled median rate expit(mu) with every study and without each one.

    Parameters
    ----------
    spec : ModelSpec
        A random-intercept or common-effect model.

    Returns
    -------
    pooled : Interval
        With every study.
    without : tuple of Interval
        Without each study, in study order.
    refitted : tuple of str
        Studies whose leave-one-out posterior needed a refit (outside the full grid).
    """
    data = spec.data
    acc = accuracy_from(None)
    grid = posterior_grid(spec, accuracy=acc)
    pooled = mu_interval(grid, n_fine=acc.n_fine)
    without, refitted = [], []
    for i, study in enumerate(data.studies):
        log_w = grid.reweighted(-grid.study_loglik[i])
        if data.k > 1 and _inside(grid, log_w, acc):
            reduced = dataclasses.replace(grid, log_weight=log_w)
            without.append(mu_interval(reduced, n_fine=acc.n_fine))
        else:
            reduced_spec = dataclasses.replace(spec, data=data.without(study, reason="left out"))
            without.append(fit_quadrature(reduced_spec).pooled_median)
            refitted.append(study)
    return pooled, tuple(without), tuple(refitted)
