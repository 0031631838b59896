"""Posterior predictive check: do replicated studies look like the observed ones?

Left: each study's observed proportion against the 95% interval of its replicated
proportions. Right: the spread of the study proportions (their SD) in each replicate against
the observed spread, with the posterior predictive p-value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from bayesmeta.model.result import BayesResult


def replicated_counts(
    result: BayesResult, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Replicated events (draws x studies), observed events and study labels.

    Uses ``idata.posterior_predictive`` when present; otherwise simulates one replicate per
    posterior draw from the study rates ``theta``: y_rep ~ Binomial(n_i, theta_i) (seeded).

    Parameters
    ----------
    result : BayesResult
        A fitted result.
    seed : int, optional
        Random seed.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray, list[str]]
    """
    idata = result.idata
    observed = getattr(idata, "observed_data", None) if idata is not None else None
    if observed is None or not observed.data_vars:
        raise InputError("the result has no posterior draws (fit it with the NUTS engine)")
    name = next(iter(observed.data_vars))
    values = np.asarray(observed[name].values, dtype=float)
    dims = list(observed[name].dims)
    labels = (
        [str(v) for v in observed[name][dims[0]].values]
        if dims
        else [str(i) for i in range(len(values))]
    )
    predictive = getattr(idata, "posterior_predictive", None)
    if predictive is not None and name in predictive.data_vars:
        replicated = np.asarray(predictive[name].values, dtype=float)
        return replicated.reshape(-1, replicated.shape[-1]), values, labels
    posterior = getattr(idata, "posterior", None)
    if posterior is None or "theta" not in posterior.data_vars:
        raise InputError("the result has no posterior predictive draws nor study rates 'theta'")
    theta = np.asarray(posterior["theta"].values, dtype=float)
    theta = theta.reshape(-1, theta.shape[-1])
    totals = _totals(result, labels)
    rng = np.random.default_rng(seed)
    return rng.binomial(totals.astype(np.int64), theta).astype(float), values, labels


def _totals(result: BayesResult, labels: list[str]) -> np.ndarray:
    totals = result.study_rates.set_index("study")["total"].reindex(labels).to_numpy(dtype=float)
    if np.isnan(totals).any():
        raise InputError("study labels of the posterior draws do not match study_rates")
    return totals


@styled_plot
def ppc_plot(result: BayesResult, *, seed: int = 0, title: str | None = None) -> Figure:
    """Posterior predictive check of a NUTS result (needs posterior draws).

    Parameters
    ----------
    result : BayesResult
    seed : int, default 0
        Seed of the replicates simulated when the result has no posterior predictive group.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    replicated, observed, labels = replicated_counts(result, seed=seed)
    totals = _totals(result, labels)
    rep_p = replicated / totals
    obs_p = observed / totals
    lo, hi = np.quantile(rep_p, [0.025, 0.975], axis=0)
    figure, axes = new_figure(
        ncols=2, figsize=(9.0, 1.6 + 0.2 * len(labels)), gridspec_kw={"width_ratios": [1.6, 1.0]}
    )
    left, right = axes[0]
    y = -np.arange(len(labels), dtype=float)
    outside = (obs_p < lo) | (obs_p > hi)
    left.hlines(
        y,
        lo,
        hi,
        colors=COLORS["posterior"],
        linewidth=3.0,
        alpha=0.5,
        label="replicated 95% interval",
    )
    left.scatter(
        obs_p,
        y,
        color=np.where(outside, "#c0392b", COLORS["observed"]),
        s=14,
        zorder=3,
        label="observed",
    )
    left.set_yticks(y, labels)
    left.tick_params(axis="y", length=0)
    left.set_xlim(0.0, 1.0)
    left.set_xlabel("Proportion")
    left.legend(loc="lower right")
    left.set_title(f"Studies ({int(outside.sum())} of {len(labels)} outside)", loc="left")
    spread = rep_p.std(axis=1)
    observed_spread = float(obs_p.std())
    p_value = float(np.mean(spread >= observed_spread))
    right.hist(spread, bins=30, color=COLORS["posterior"], alpha=0.5, label="replicated")
    right.axvline(observed_spread, color=COLORS["observed"], label="observed")
    right.set_xlabel("SD of study proportions")
    right.set_ylabel("Replicates")
    right.legend(loc="upper right")
    right.set_title(f"Spread (p = {p_value:.2f})", loc="left")
    likelihood = result.model.get("likelihood", "binomial")
    figure.suptitle(
        title if title is not None else f"Posterior predictive check ({likelihood} likelihood)",
        x=0.01,
        ha="left",
        fontweight="bold",
    )
    return figure
