"""Figures of the trial tools: the MAP prior against its mixture, and the OC curves.

Each returns a bare :class:`matplotlib.figure.Figure` built inside the package style; lines carry
labels (``exact predictive``, ``beta mixture``, ``robust mixture``, ``power: MAP prior``, ...)
so tests can check what is drawn.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.plots.style import COLORS, CYCLE, new_figure, styled_plot


def _rate_axis(target, mixture) -> np.ndarray:
    lo, hi = target.ppf(np.array([1e-4, 1 - 1e-4]))
    lo = min(lo, float(mixture.ppf([1e-4])[0]))
    hi = max(hi, float(mixture.ppf([1 - 1e-4])[0]))
    pad = 0.05 * (hi - lo)
    return np.linspace(max(lo - pad, 1e-6), min(hi + pad, 1 - 1e-6), 600)


@styled_plot
def map_figure(map_prior, *, title: str | None = None):
    """The exact predictive density of the new study's rate with its Beta mixture drawn over it.

    Parameters
    ----------
    map_prior : MapPrior
        From :func:`bayesmeta.trial.derive_map`.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from bayesmeta.data.outcome_words import outcome_words

    target, fitted = map_prior.source.mixture, map_prior.fitted
    figure, axes = new_figure(figsize=(6.5, 4.0))
    ax = axes[0, 0]
    p = _rate_axis(target, fitted)
    ax.fill_between(p, target.pdf(p), color=COLORS["band"], lw=0)
    ax.plot(p, target.pdf(p), color=COLORS["observed"], lw=2.2, label="exact predictive")
    ax.plot(
        p, fitted.pdf(p), color=COLORS["freq"], lw=1.4, ls="--",
        label=f"beta mixture ({fitted.size} comp.)",
    )  # fmt: skip
    if map_prior.robust_weight is not None:
        ax.plot(
            p, map_prior.mixture.pdf(p), color=CYCLE[2], lw=1.2, ls=":",
            label=f"robust mixture (w = {map_prior.robust_weight:g})",
        )  # fmt: skip
    if map_prior.conflict is not None:
        c = map_prior.conflict
        ax.axvline(
            c.events / c.total, color=CYCLE[3], lw=1.0, label=f"new trial {c.events}/{c.total}"
        )
    q = map_prior.quality
    ess = map_prior.ess
    elir = "-" if ess["elir"] is None else f"{ess['elir']:.1f}"
    which = "ESS" if map_prior.robust_weight is None else "ESS (robust)"
    ax.set_xlabel(f"{outcome_words(map_prior.source.model.get('outcome')).rate} of a new study")
    ax.set_ylabel("density")
    ax.set_title(title or f"MAP prior: {map_prior.source.label} (k = {map_prior.source.k})")
    ax.text(
        0.02, 0.97,
        f"max |CDF diff| {q.max_cdf_diff:.4f}\n{which} elir {elir}, moment {ess['moment']:.1f}, "
        f"morita {ess['morita']:.1f}",
        transform=ax.transAxes, va="top", fontsize=7.5, color="#555555",
    )  # fmt: skip
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the axes, off the curves
    return figure


@styled_plot
def oc_figure(curves: dict, *, p0: float, title: str | None = None, outcome: str | None = None):
    """P(GO) (and P(NO-GO)) against the true rate for each prior, with both rules in the legend.

    Parameters
    ----------
    curves : dict
        Prior label -> :class:`OperatingCharacteristics`.
    p0 : float
        The null rate.
    title : str, optional
    outcome : str, optional
        The outcome (its rate names the axis: "true death rate").

    Returns
    -------
    matplotlib.figure.Figure
    """
    from bayesmeta.data.outcome_words import outcome_words

    figure, axes = new_figure(figsize=(6.5, 4.6))
    ax = axes[0, 0]
    for i, (label, oc) in enumerate(curves.items()):
        rates = np.array([float(r) for r in oc.power])
        power = np.array(list(oc.power.values()))
        order = np.argsort(rates)
        ax.plot(
            rates[order], power[order], color=CYCLE[i % len(CYCLE)], lw=1.8,
            label=f"{label}: {oc.go_rule} (type I {oc.type1:.3f})",
        )  # fmt: skip
        if oc.nogo is not None:
            nogo = np.array([oc.nogo["prob"][r] for r in oc.power])
            ax.plot(
                rates[order], nogo[order], color=CYCLE[i % len(CYCLE)], lw=1.2, ls="--",
                label=f"{label}: {oc.nogo_rule}",
            )  # fmt: skip
    ax.axvline(p0, color=COLORS["reference"], lw=1.0, ls=":", label=f"p0 = {p0:g}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    first = next(iter(curves.values()))
    words = outcome_words(outcome)
    better = "lower is better" if first.lower_is_better else "higher is better"
    ax.set_xlabel(f"true {words.rate} ({better})")
    ax.set_ylabel("P(GO)" if first.nogo is None else "P(GO) solid, P(NO-GO) dashed")
    ax.set_title(title or f"Operating characteristics, n = {first.n}", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=7.5)  # under the axis
    return figure
