"""The subgroup model by quadrature: per-level rates, taus, contrasts and pooled quantities.

Pooled quantities follow the NUTS engine's definitions (:mod:`bayesmeta.model.derived`) with
a_g = k_g / k the share of studies in level g: ``pooled_median`` = expit(sum_g a_g mu_g),
``pooled_mean`` = sum_g a_g E[expit(mu_g + u)], ``new_study`` = the mixture over levels (weights
a_g) of each level's predictive rate. Sums and differences are computed exactly from the
levels' conditional CDFs (:mod:`bayesmeta.quad.combine`).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy.special import expit

from bayesmeta.model.result import BayesResult, Contrast
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.combine import ColumnCdf, linear_combination
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.groups import GroupGrids, build_group_grids
from bayesmeta.quad.marginals import cdf_of, fine_density, interval
from bayesmeta.quad.summaries import (
    log_quad_axes,
    mu_interval,
    mu_log_density,
    new_study_cdf,
    pooled_mean_columns,
    pooled_mean_interval,
    study_rates_frame,
    tau_interval,
)


def _mu_columns(groups: GroupGrids, g: int, n_fine: int) -> ColumnCdf:
    """CDFs of mu_g given each shared tau node (common tau) or its marginal CDF (one column)."""
    grid = groups.grids[g]
    if groups.common_tau:
        lq_mu, _ = log_quad_axes(grid)
        log_f = grid.log_weight - lq_mu[:, None]
    else:
        log_f = mu_log_density(grid)[:, None]
    x, pdf = fine_density(grid.mu, log_f, n_fine=n_fine)
    cdf = cdf_of(x, pdf)
    return ColumnCdf(np.repeat(x[:, None], cdf.shape[1], axis=1), cdf)


def _mean_columns(groups: GroupGrids, g: int, n_fine: int) -> ColumnCdf:
    """CDFs of E[expit(mu_g + u)] per shared tau node, or marginal (one column)."""
    logit_mean, col_cdf, mass = pooled_mean_columns(groups.grids[g], n_fine=n_fine)
    if groups.common_tau:
        return ColumnCdf(expit(logit_mean), col_cdf)
    keep = mass > 1e-12 * mass.max()
    x = np.linspace(logit_mean[0, keep].min(), logit_mean[-1, keep].max(), n_fine)
    cdf = np.zeros_like(x)
    for t in np.flatnonzero(keep):
        cdf += mass[t] * np.interp(x, logit_mean[:, t], col_cdf[:, t], left=0.0, right=1.0)
    return ColumnCdf(expit(x)[:, None], (cdf / cdf[-1])[:, None])


def _weights(groups: GroupGrids) -> np.ndarray:
    return np.exp(groups.tau_log_mass) if groups.common_tau else np.ones(1)


def _rate_columns(mu_cols: ColumnCdf) -> ColumnCdf:
    return ColumnCdf(expit(mu_cols.x), mu_cols.cdf)


def contrasts(groups: GroupGrids, mu_cols: list[ColumnCdf], *, hdi: bool) -> list[Contrast]:
    """Every pair (a, b) of levels: rate_a - rate_b and P(rate_a > rate_b), exactly.

    Parameters
    ----------
    groups : GroupGrids
        The grids of every level.
    mu_cols : list[ColumnCdf]
        Per level: the column CDFs of its rate.
    hdi : bool
        Highest-density intervals instead of equal-tailed ones.

    Returns
    -------
    list[Contrast]
    """
    found = []
    weights = _weights(groups)
    rates = [_rate_columns(c) for c in mu_cols]
    for a, b in combinations(range(len(groups.levels)), 2):
        points, cdf = linear_combination([rates[a], rates[b]], [1.0, -1.0], weights)
        iv = interval(points, cdf, hdi=hdi)
        below_zero = float(np.interp(0.0, points, cdf, left=0.0, right=1.0))
        found.append(
            Contrast(groups.levels[a], groups.levels[b], iv.median, iv.lo, iv.hi, 1.0 - below_zero)
        )
    return found


def _new_study(groups: GroupGrids, shares: np.ndarray, *, n_fine: int, hdi: bool):
    curves = [new_study_cdf(g, n_fine=n_fine) for g in groups.grids]
    points = np.unique(np.concatenate([x for x, _ in curves]))
    cdf = sum(
        a * np.interp(points, x, c, left=0.0, right=1.0)
        for a, (x, c) in zip(shares, curves, strict=True)
    )
    return interval(points, cdf, hdi=hdi, transform=expit)


def fit_subgroup(spec: ModelSpec, *, accuracy: Accuracy, hdi: bool, note) -> BayesResult:
    """The :class:`BayesResult` of a subgroup model (separate or common tau).

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    accuracy : Accuracy
        Accuracy controls (None: the defaults).
    hdi : bool
        Highest-density intervals instead of equal-tailed ones.
    note
        Text recorded in the diagnostics.

    Returns
    -------
    BayesResult
    """
    from bayesmeta.quad.notes import describe, diagnostics

    groups = build_group_grids(spec, accuracy=accuracy)
    n_fine = accuracy.n_fine
    shares = np.array([m.size for m in groups.members], dtype=float) / spec.data.k
    weights = _weights(groups)
    mu_cols = [_mu_columns(groups, g, n_fine) for g in range(len(groups.levels))]
    points, cdf = linear_combination(mu_cols, list(shares), weights)
    pooled_median = interval(points, cdf, hdi=hdi, transform=expit)
    mean_cols = [_mean_columns(groups, g, n_fine) for g in range(len(groups.levels))]
    points, cdf = linear_combination(mean_cols, list(shares), weights)
    pooled_mean = interval(points, cdf, hdi=hdi)
    data = spec.data
    frames = []
    for grid, members in zip(groups.grids, groups.members, strict=True):
        studies = tuple(data.studies[i] for i in members)
        frame = study_rates_frame(grid, studies, data.events[members], data.total[members], hdi=hdi)
        frames.append(frame.set_index(pd.Index(members)))
    study_rates = pd.concat(frames).sort_index().reset_index(drop=True)
    levels = groups.levels
    taus = {}
    tau = None
    if groups.common_tau:
        tau = tau_interval(groups.grids[0], n_fine=n_fine, hdi=hdi)
    else:
        taus = {
            lv: tau_interval(g, n_fine=n_fine, hdi=hdi)
            for lv, g in zip(levels, groups.grids, strict=True)
        }
    coefficients = {}
    for lv, cols in zip(levels, mu_cols, strict=True):
        marginal = np.einsum("fc,c->f", cols.cdf, weights)
        coefficients[f"mu[{lv}]"] = interval(cols.x[:, 0], marginal, hdi=hdi)
    model = describe(spec, accuracy, hdi=hdi)
    return BayesResult(
        engine="quadrature",
        model=model,
        pooled_median=pooled_median,
        pooled_mean=pooled_mean,
        new_study=_new_study(groups, shares, n_fine=n_fine, hdi=hdi),
        tau=tau,
        study_rates=study_rates,
        diagnostics=diagnostics(note(list(groups.grids), accuracy)),
        excluded=data.excluded,
        rates={
            lv: mu_interval(g, n_fine=n_fine, hdi=hdi)
            for lv, g in zip(levels, groups.grids, strict=True)
        },
        rates_mean={
            lv: pooled_mean_interval(g, n_fine=n_fine, hdi=hdi)
            for lv, g in zip(levels, groups.grids, strict=True)
        },
        contrasts=contrasts(groups, mu_cols, hdi=hdi),
        taus=taus,
        coefficients=coefficients,
    )
