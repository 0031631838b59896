"""The tau prior against its posterior: how much the data have to say about heterogeneity.

An exact fit's posterior is the engine's own density of tau (:func:`bayesmeta.engines.tau_densities`,
read from its grid, no Monte Carlo error); a sampled fit's is a kernel estimate of its draws. A
beta-binomial fit has no tau: its heterogeneity is the precision phi of the beta distribution of
the study rates (larger phi, less between-study variation), drawn the same way on a phi axis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

import bayesmeta.plots.inputs as inputs
from bayesmeta.errors import InputError
from bayesmeta.model.priors import parse_prior
from bayesmeta.plots.style import COLORS, CYCLE, format_interval, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from bayesmeta.model.result import BayesResult


def tau_density(draws: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Density of positive draws on ``grid`` (a KDE of log tau, change of variables).

    Parameters
    ----------
    draws : numpy.ndarray
        Positive posterior draws (tau).
    grid : numpy.ndarray
        Positive values of tau at which the density is evaluated (the plot's x axis), one
        dimension.

    Returns
    -------
    numpy.ndarray
        The density of tau at each value of ``grid`` (the kernel density of log tau divided by
        tau), the shape of ``grid``.
    """
    kde = stats.gaussian_kde(np.log(np.clip(draws, 1e-12, None)))
    return kde(np.log(grid)) / grid


def exact_tau_densities(result: BayesResult) -> dict[str, Any]:
    """The exact engine's densities of tau (a beta-binomial's: of phi) for an exact fit (empty for
    a sampled one).

    Parameters
    ----------
    result : BayesResult
        A fit; an exact one carries its grids in ``posterior``.

    Returns
    -------
    dict
        ``"tau"``, each level or ``"phi"`` -> an object whose ``on(grid)`` is the density (see
        :func:`bayesmeta.engines.tau_densities`); empty when the engine has none for the model.
    """
    spec = getattr(getattr(result, "posterior", None), "spec", None)
    if spec is None:  # NUTS (its posterior is the InferenceData) or a result without one
        return {}
    from bayesmeta import engines

    try:
        return engines.tau_densities(spec, result=result)
    except InputError:  # an engine without one for the model: the draws are smoothed instead
        return {}


#: The heterogeneity parameter a likelihood has instead of tau (``result.parameters`` key) -> the
#: x axis label.
DISPERSIONS = {"phi": "phi (precision of the beta distribution of the study rates)"}
TAU_LABEL = "tau (between-study SD, logit scale)"


def _posteriors(result: BayesResult) -> tuple[str, list[tuple[str, Any, np.ndarray | None, Any]]]:
    """The heterogeneity parameter ("tau", or "phi" for a beta-binomial fit) and (name, interval,
    draws or None, exact density or None) of it, or of each level's tau (separate-tau model)."""
    exact = exact_tau_densities(result)
    if result.tau is not None:
        return "tau", [("posterior", result.tau, inputs.tau_draws(result), exact.get("tau"))]
    for parameter in DISPERSIONS:
        if parameter in result.parameters:
            draws = inputs.parameter_draws(result, parameter)
            interval = result.parameters[parameter]
            return parameter, [("posterior", interval, draws, exact.get(parameter))]
    if not result.taus:
        raise InputError("the model has no tau (common-effect model)")
    by_level = inputs.tau_draws_by_level(result)
    return "tau", [
        (f"posterior, {level}", iv, by_level.get(level), exact.get(str(level)))
        for level, iv in result.taus.items()
    ]


@styled_plot
def tau_prior_posterior_plot(
    result: BayesResult,
    *,
    prior: str | None = None,
    title: str | None = None,
) -> Figure:
    """Prior density of tau (dashed) and its posterior (filled: the exact engine's density, a
    kernel estimate of NUTS draws, or the 95% interval for results without either); one
    posterior per level for a subgroup model with separate tau. A beta-binomial fit draws its
    phi instead (prior and posterior of the precision of the study rates, on a phi axis).

    Parameters
    ----------
    result : BayesResult
        A model with a tau, or a beta-binomial model (phi); not the common-effect model.
    prior : str, optional
        The prior of tau (of phi for a beta-binomial fit); by default the one recorded in
        ``result.model["priors"]``.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    parameter, series = _posteriors(result)
    text = prior or result.model.get("priors", {}).get(parameter)
    if not text:
        raise InputError(f"the result does not record its {parameter} prior; pass prior=")
    tau_prior = parse_prior(text, role="scale", name=f"{parameter} prior")
    upper = max([float(tau_prior.ppf(0.95))] + [iv.hi * 1.3 for _, iv, _, _ in series])
    grid = np.linspace(upper / 500, upper, 500)
    figure, axes = new_figure(figsize=(6.0, 3.6))
    axis = axes[0, 0]
    axis.plot(
        grid,
        np.exp(tau_prior.logpdf(grid)),
        color=COLORS["prior"],
        linestyle="--",
        label=f"prior: {tau_prior}",
    )
    for position, (name, iv, draws, exact) in enumerate(series):
        color = COLORS["posterior"] if len(series) == 1 else CYCLE[position % len(CYCLE)]
        label = f"{name}: {format_interval(iv.median, iv.lo, iv.hi)}"
        if exact is not None or (draws is not None and np.ptp(draws) > 0):
            density = tau_density(draws, grid) if exact is None else exact.on(grid)
            label = label if exact is None else f"{label} (exact)"
            axis.fill_between(grid, density, color=color, alpha=0.25, linewidth=0)
            axis.plot(grid, density, color=color, label=label)
        else:
            axis.axvspan(iv.lo, iv.hi, color=color, alpha=0.2, label=f"{label} (interval)")
            axis.axvline(iv.median, color=color)
    axis.set_xlim(0.0, upper)
    axis.set_ylim(bottom=0.0)
    axis.set_xlabel(DISPERSIONS.get(parameter, TAU_LABEL))
    axis.set_ylabel("Density")
    axis.legend(loc="upper right")
    axis.set_title(title if title is not None else f"{parameter}: prior and posterior", loc="left")
    return figure
