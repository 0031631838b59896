"""Forest plot: observed and shrunken study rates, pooled diamonds, prediction intervals.

Each study shows its observed proportion with the exact (Clopper-Pearson) 95% CI and, when a
Bayesian result is given, its shrunken posterior rate with the 95% interval. Below the studies,
one diamond per pooled estimate (each frequentist method given, the Bayesian median rate
expit(mu) and mean rate E[expit(mu + u)]) and the prediction intervals. Studies left out of the
analysis are listed in a footnote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bayesmeta.data.metadata import MetaData
from bayesmeta.plots import inputs
from bayesmeta.plots.style import (
    COLORS,
    color_for,
    footnote,
    format_interval,
    new_figure,
    styled_plot,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bayesmeta.model.result import BayesResult, Interval

SHRUNKEN_OFFSET = 0.3
DIAMOND_HALF_HEIGHT = 0.35
LEGEND_OBSERVED = "Observed (exact 95% CI)"
LEGEND_SHRUNKEN = "Shrunken (posterior 95% interval)"
LEGEND_POOLED = "Pooled estimate (95% interval)"
LEGEND_PREDICTION = "Prediction interval"


@dataclass(frozen=True)
class Row:
    """One line of a forest plot (a study, a pooled diamond, a prediction bar or a header).

    Attributes
    ----------
    label : str
        Text at the left of the row.
    kind : str
        ``"study"``, ``"pooled"`` (diamond), ``"prediction"`` (bar) or ``"header"``.
    estimate : float, optional
        Point estimate (a rate).
    lo : float, optional
        Lower limit.
    hi : float, optional
        Upper limit.
    counts : str, optional
        Events/total text, or empty.
    color : str, optional
        Colour of the marker.
    weight : float, optional
        Relative weight (marker size); NaN for none.
    """

    label: str
    kind: str  # "study", "pooled", "prediction", "header"
    estimate: float = float("nan")
    lo: float = float("nan")
    hi: float = float("nan")
    counts: str = ""
    color: str = COLORS["observed"]
    weight: float = 1.0

    @classmethod
    def from_interval(cls, label: str, kind: str, interval: Interval, *, color: str) -> Row:
        """A pooled diamond or prediction bar from a posterior median and interval."""
        return cls(label, kind, interval.median, interval.lo, interval.hi, color=color)


def study_rows(data: MetaData, *, order: str = "input") -> list[Row]:
    """Rows of the observed study proportions with Clopper-Pearson limits.

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    order : str, optional
        ``"input"`` (as given), ``"rate"`` (by observed rate) or ``"size"`` (largest first).

    Returns
    -------
    list[Row]
    """
    lo, hi = inputs.clopper_pearson(data.events, data.total)
    observed = data.events / data.total
    positions = np.arange(data.k)
    if order == "rate":
        positions = np.argsort(observed, kind="stable")
    elif order == "size":
        positions = np.argsort(-data.total, kind="stable")
    elif order != "input":
        raise ValueError(f"order must be 'input', 'rate' or 'size', not {order!r}")
    return [
        Row(
            label=data.studies[i],
            kind="study",
            estimate=float(observed[i]),
            lo=float(lo[i]),
            hi=float(hi[i]),
            counts=f"{data.events[i]}/{data.total[i]}",
            weight=float(data.total[i]),
        )
        for i in positions
    ]


def pooled_rows(
    freq: Any = None, bayes: BayesResult | None = None, *, bayes_mean: bool = True
) -> list[Row]:
    """Diamonds for each frequentist result and the Bayesian median (and mean) rate, then the
    prediction intervals.

    Parameters
    ----------
    freq : Any, optional
        Frequentist result(s): one result, a mapping of label to result, or None.
    bayes : BayesResult, optional
        Bayesian result, or None.
    bayes_mean : bool, optional
        Also draw the population-mean rate.

    Returns
    -------
    list[Row]
    """
    rows: list[Row] = []
    predictions: list[Row] = []
    for position, (label, result) in enumerate(inputs.freq_mapping(freq).items()):
        summary = inputs.freq_summary(result, label)
        color = color_for(label, position + 1)
        rows.append(
            Row(f"{label} pooled", "pooled", summary.estimate, summary.lo, summary.hi, color=color)
        )
        if summary.pi_lo is not None:
            predictions.append(
                Row(
                    f"{LEGEND_PREDICTION} ({label})",
                    "prediction",
                    summary.estimate,
                    summary.pi_lo,
                    summary.pi_hi,
                    color=color,
                )
            )
    if bayes is not None:
        rows.append(
            Row.from_interval(
                "Bayesian median rate", "pooled", bayes.pooled_median, color=COLORS["bayes"]
            )
        )
        if bayes_mean and bayes.tau is not None:
            rows.append(
                Row.from_interval(
                    "Bayesian mean rate", "pooled", bayes.pooled_mean, color=COLORS["bayes_mean"]
                )
            )
        predictions.append(
            Row.from_interval(
                f"{LEGEND_PREDICTION} (Bayesian)",
                "prediction",
                bayes.new_study,
                color=COLORS["bayes"],
            )
        )
    return rows + predictions


def draw_rows(
    axis: Axes, text_axis: Axes, rows: list[Row], *, shrunken: Mapping[str, Any] | None = None
) -> list[float]:
    """Draw ``rows`` top to bottom on ``axis`` with their numbers on ``text_axis``; returns y.

    Parameters
    ----------
    axis : Axes
        The plot axis.
    text_axis : Axes
        The axis holding the numbers at the right.
    rows : list[Row]
        The rows, top to bottom.
    shrunken : Mapping[str, Any], optional
        Study label -> shrunken rate ``{median, lo, hi}`` drawn beside the observed one, or None.

    Returns
    -------
    list[float]
    """
    from matplotlib.patches import Polygon

    shrunken = shrunken or {}
    max_weight = max((r.weight for r in rows if r.kind == "study"), default=1.0)
    ys: list[float] = []
    y = 0.0
    previous = None
    for row in rows:
        if (
            previous is not None
            and _block(previous) != _block(row.kind)
            or row.kind == "header"
            and previous
        ):
            y -= 0.7
        ys.append(y)
        if row.kind == "study":
            size = 3.0 + 6.0 * np.sqrt(row.weight / max_weight)
            axis.plot([row.lo, row.hi], [y, y], color=row.color, linewidth=1.0)
            axis.plot(
                [row.estimate], [y], marker="s", markersize=size, color=row.color, linestyle="none"
            )
            if row.label in shrunken:
                s = shrunken[row.label]
                ys_ = y - SHRUNKEN_OFFSET
                axis.plot([s["lo"], s["hi"]], [ys_, ys_], color=COLORS["shrunken"], linewidth=1.0)
                axis.plot(
                    [s["median"]],
                    [ys_],
                    marker="o",
                    markersize=4,
                    color=COLORS["shrunken"],
                    linestyle="none",
                )
        elif row.kind == "pooled" and np.isfinite(row.lo):
            h = DIAMOND_HALF_HEIGHT
            corners = [(row.lo, y), (row.estimate, y + h), (row.hi, y), (row.estimate, y - h)]
            axis.add_patch(Polygon(corners, closed=True, facecolor=row.color, edgecolor=row.color))
        elif row.kind == "pooled":
            axis.plot([row.estimate], [y], marker="D", color=row.color, linestyle="none")
        elif row.kind == "prediction":
            axis.plot(
                [row.lo, row.hi],
                [y, y],
                color=row.color,
                linewidth=4.0,
                alpha=0.6,
                solid_capstyle="butt",
            )
        if row.kind != "header":
            text_axis.text(0.0, y, row.counts, va="center", ha="left")
            text_axis.text(
                0.40, y, format_interval(row.estimate, row.lo, row.hi), va="center", ha="left"
            )
        previous = row.kind
        y -= 1.0
    axis.set_yticks(ys, [r.label for r in rows])
    for tick, row in zip(axis.get_yticklabels(), rows, strict=True):
        if row.kind in ("pooled", "header"):
            tick.set_fontweight("bold")
    low, high = min(ys) - 0.8, 0.8
    axis.set_ylim(low, high)
    text_axis.set_ylim(low, high)
    text_axis.set_xlim(0.0, 1.0)
    text_axis.axis("off")
    text_axis.text(0.0, 0.8, "Events/N", va="bottom", ha="left", fontweight="bold")
    text_axis.text(0.40, 0.8, "Rate [95% CI]", va="bottom", ha="left", fontweight="bold")
    axis.set_xlim(0.0, 1.0)
    axis.set_xlabel("Proportion")
    axis.spines["left"].set_visible(False)
    axis.tick_params(axis="y", length=0)
    return ys


def _block(kind: str) -> str:
    return "studies" if kind in ("study", "header") else "pooled"


def legend_handles(*, with_shrunken: bool, with_pooled: bool, with_prediction: bool) -> list[Any]:
    """Legend entries shared by the forest plots.

    Parameters
    ----------
    with_shrunken : bool
        Include the shrunken-estimate entry.
    with_pooled : bool
        Include the pooled-diamond entry.
    with_prediction : bool
        Include the prediction-interval entry.

    Returns
    -------
    list[Any]
    """
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="s", color=COLORS["observed"], label=LEGEND_OBSERVED)]
    if with_shrunken:
        handles.append(
            Line2D(
                [], [], marker="o", markersize=4, color=COLORS["shrunken"], label=LEGEND_SHRUNKEN
            )
        )
    if with_pooled:
        handles.append(
            Line2D([], [], marker="D", linestyle="none", color="#555555", label=LEGEND_POOLED)
        )
    if with_prediction:
        handles.append(
            Line2D([], [], linewidth=4.0, alpha=0.6, color="#555555", label=LEGEND_PREDICTION)
        )
    return handles


def rows_figure(
    rows: list[Row], *, bayes: BayesResult | None, base_height: float
) -> tuple[Figure, Axes]:
    """A forest-plot figure with ``rows`` drawn (plot left, numbers right); returns the plot axis.

    Parameters
    ----------
    rows : list[Row]
        The rows, top to bottom.
    bayes : BayesResult or None
        Bayesian result, or None.
    base_height : float
        Figure height before the rows are added, in inches.

    Returns
    -------
    tuple[Figure, Axes]
    """
    figure, axes = new_figure(
        ncols=2,
        figsize=(8.0, base_height + 0.24 * len(rows)),
        gridspec_kw={"width_ratios": [3.0, 1.5]},
        sharey=True,
    )
    axis, text_axis = axes[0]
    draw_rows(axis, text_axis, rows, shrunken=shrunken_lookup(bayes))
    return figure, axis


def shrunken_lookup(bayes: BayesResult | None) -> dict[str, dict[str, float]]:
    """Study label -> {median, lo, hi} of the shrunken rates of a Bayesian result.

    Parameters
    ----------
    bayes : BayesResult or None
        Bayesian result, or None.

    Returns
    -------
    dict[str, dict[str, float]]
    """
    if bayes is None or bayes.study_rates is None or bayes.study_rates.empty:
        return {}
    frame = bayes.study_rates
    return {
        str(row["study"]): {
            "median": float(row["median"]),
            "lo": float(row["lo"]),
            "hi": float(row["hi"]),
        }
        for _, row in frame.iterrows()
    }


@styled_plot
def forest_plot(
    data: MetaData,
    *,
    bayes: BayesResult | None = None,
    freq: Any = None,
    order: str = "input",
    bayes_mean: bool = True,
    title: str | None = None,
) -> Figure:
    """Forest plot of one outcome.

    Parameters
    ----------
    data : MetaData
        The studies analysed (its ``excluded`` studies are listed in a footnote).
    bayes : BayesResult, optional
        Adds each study's shrunken rate, the Bayesian pooled median (and mean) rate diamonds and
        the new-study prediction interval.
    freq : FreqResult or mapping of str to FreqResult, optional
        Frequentist fits (e.g. ``{"DL": ..., "GLMM": ...}``): one diamond each, and a prediction
        bar for those with a prediction interval.
    order : {"input", "rate", "size"}
        Study order: as given, by observed rate, or largest first.
    bayes_mean : bool, default True
        Also draw the population-averaged mean rate E[expit(mu + u)].
    title : str, optional
        Defaults to the outcome name and the number of studies.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = study_rows(data, order=order) + pooled_rows(freq, bayes, bayes_mean=bayes_mean)
    figure, axis = rows_figure(rows, bayes=bayes, base_height=1.6)
    reference = next((r for r in rows if r.kind == "pooled"), None)
    if reference is not None:
        axis.axvline(reference.estimate, color=COLORS["reference"], linestyle=":", linewidth=0.8)
    handles = legend_handles(
        with_shrunken=bayes is not None,
        with_pooled=any(r.kind == "pooled" for r in rows),
        with_prediction=any(r.kind == "prediction" for r in rows),
    )
    figure.legend(handles=handles, loc="outside upper center", ncols=2)
    axis.set_title(title if title is not None else f"{data.outcome}: {data.k} studies", loc="left")
    footnote(
        figure,
        inputs.exclusion_note(inputs.exclusions(data, bayes, *inputs.freq_mapping(freq).values())),
    )
    return figure
