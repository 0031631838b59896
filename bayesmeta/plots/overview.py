"""One figure of every analysis: the pooled rate by the paper, DL, GLMM and the Bayesian model.

Each outcome gets its own panel (its own rate axis, fitted to its estimates), one row per
analysis with up to four estimates side by side (small vertical offsets, one colour each) and,
last, the model-averaged Bayesian rate of the outcome as a diamond. An estimate a method could
not give (the GLMM refused for separation, say) is simply absent from its row; the index's
table says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bayesmeta.data.outcome_words import capitalized, outcome_words
from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: The methods of a row, top to bottom, with their marker.
METHODS: tuple[tuple[str, str], ...] = (
    ("paper", "s"),
    ("DL", "o"),
    ("GLMM", "^"),
    ("Bayesian", "D"),
)
_COLOR = {"paper": COLORS["observed"], "DL": COLORS["DL"], "GLMM": COLORS["GLMM"]}
_OFFSET = 0.18


@dataclass(frozen=True)
class Estimate:
    """A pooled rate with its interval.

    Parameters
    ----------
    estimate, lo, hi : float
        The rate and its 95% interval.
    """

    estimate: float
    lo: float
    hi: float


@dataclass(frozen=True)
class OverviewRow:
    """One analysis of an outcome.

    Parameters
    ----------
    outcome : str
        The outcome (rows of one outcome share a panel).
    label : str
        The analysis (a spec's name).
    estimates : dict of str to Estimate
        Method (``paper``, ``DL``, ``GLMM``, ``Bayesian``) to its pooled rate; missing methods
        are not drawn.
    averaged : bool
        The outcome's model-averaged rate (drawn as a diamond, last).
    """

    outcome: str
    label: str
    estimates: dict[str, Estimate]
    averaged: bool = False


@styled_plot
def overview_plot(rows: Sequence[OverviewRow], *, title: str | None = None) -> Figure:
    """Every analysis's pooled rate, grouped by outcome.

    Parameters
    ----------
    rows : sequence of OverviewRow
        In order; each outcome's rows are drawn in its own panel, in the order given.
    title : str, optional
        Over the first panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D

    outcomes = list(dict.fromkeys(r.outcome for r in rows))
    if not outcomes:
        raise ValueError("no rows to plot")
    sizes = [sum(r.outcome == o for r in rows) for o in outcomes]
    figure, axes = new_figure(
        nrows=len(outcomes),
        figsize=(7.5, 1.3 + 0.42 * sum(sizes) + 0.55 * len(outcomes)),
        gridspec_kw={"height_ratios": [s + 1.2 for s in sizes]},
    )
    for panel, outcome in zip(axes[:, 0], outcomes, strict=True):
        _panel(panel, [r for r in rows if r.outcome == outcome], outcome)
    axes[0, 0].set_title(title or "Pooled rate of every analysis", loc="left")
    handles = [
        Line2D([], [], marker=m, linestyle="-", color=_color(name), label=_legend(name))
        for name, m in METHODS
    ] + [
        Line2D(
            [], [], marker="D", markersize=8, linestyle="none", color=COLORS["bayes"],
            label="model-averaged (Bayesian)",
        )
    ]  # fmt: skip
    axes[-1, 0].legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncols=3, fontsize=7.5
    )
    return figure


def _color(method: str) -> str:
    return _COLOR.get(method, COLORS["bayes"])


def _legend(method: str) -> str:
    return {
        "paper": "published",
        "DL": "DerSimonian-Laird",
        "GLMM": "GLMM (meta's default)",
        "Bayesian": "Bayesian median rate",
    }[method]


def _panel(axis, rows: list[OverviewRow], outcome: str) -> None:
    ys = np.arange(len(rows))[::-1].astype(float)
    lows, highs = [], []
    for y, row in zip(ys, rows, strict=True):
        if row.averaged:
            e = row.estimates["Bayesian"]
            axis.plot([e.lo, e.hi], [y, y], color=COLORS["bayes"], linewidth=2.4)
            axis.plot([e.estimate], [y], marker="D", markersize=8, color=COLORS["bayes"])
            lows.append(e.lo)
            highs.append(e.hi)
            continue
        present = [(m, marker) for m, marker in METHODS if m in row.estimates]
        offsets = (np.arange(len(present)) - (len(present) - 1) / 2) * _OFFSET
        for (method, marker), dy in zip(present, offsets[::-1], strict=True):
            e = row.estimates[method]
            color = _color(method)
            axis.plot([e.lo, e.hi], [y + dy, y + dy], color=color, linewidth=1.1)
            axis.plot([e.estimate], [y + dy], marker=marker, markersize=4.5, color=color)
            lows.append(e.lo)
            highs.append(e.hi)
    labels = [("model-averaged" if r.averaged else r.label) for r in rows]
    axis.set_yticks(ys, labels)
    for tick, row in zip(axis.get_yticklabels(), rows, strict=True):
        if row.averaged:
            tick.set_fontweight("bold")
    axis.set_ylim(-0.6, len(rows) - 0.4)
    lo, hi = (min(lows), max(highs)) if lows else (0.0, 1.0)
    pad = 0.06 * max(hi - lo, 0.02)
    axis.set_xlim(max(0.0, lo - pad), min(1.0, hi + pad))
    axis.set_xlabel(capitalized(outcome_words(outcome).rate) + f" ({outcome})")
    axis.grid(True, axis="x", color="#e5e5e5", linewidth=0.6)
    axis.tick_params(axis="y", length=0)
