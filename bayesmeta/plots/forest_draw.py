"""Drawing forest-plot rows, their legend and the two-panel figure (plot left, numbers right)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from bayesmeta.plots.forest_rows import (
    DIAMOND_HALF_HEIGHT,
    LEGEND_OBSERVED,
    LEGEND_POOLED,
    LEGEND_PREDICTION,
    LEGEND_SHRUNKEN,
    SHRUNKEN_OFFSET,
    Row,
)
from bayesmeta.plots.style import (
    COLORS,
    format_interval,
    new_figure,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bayesmeta.model.result import BayesResult


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
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Polygon

    shrunken = shrunken or {}
    max_weight = max((r.weight for r in rows if r.kind == "study"), default=1.0)
    ys: list[float] = []
    # one collection per kind of mark (not an artist per mark): segments, colours, sizes
    intervals: list[tuple[list, str]] = []  # study and shrunken intervals
    squares: list[tuple[float, float, float, str]] = []  # x, y, size (points), colour
    dots: list[tuple[float, float]] = []  # shrunken medians
    bars: list[tuple[list, str]] = []  # prediction intervals
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
            intervals.append(([(row.lo, y), (row.hi, y)], row.color))
            squares.append((row.estimate, y, size, row.color))
            if row.label in shrunken:
                s = shrunken[row.label]
                ys_ = y - SHRUNKEN_OFFSET
                intervals.append(([(s["lo"], ys_), (s["hi"], ys_)], COLORS["shrunken"]))
                dots.append((s["median"], ys_))
        elif row.kind == "pooled" and np.isfinite(row.lo):
            h = DIAMOND_HALF_HEIGHT
            corners = [(row.lo, y), (row.estimate, y + h), (row.hi, y), (row.estimate, y - h)]
            axis.add_patch(Polygon(corners, closed=True, facecolor=row.color, edgecolor=row.color))
        elif row.kind == "pooled":
            axis.plot([row.estimate], [y], marker="D", color=row.color, linestyle="none")
        elif row.kind == "prediction":
            bars.append(([(row.lo, y), (row.hi, y)], row.color))
        if row.kind != "header":
            text_axis.text(0.0, y, row.counts, va="center", ha="left")
            text_axis.text(
                0.40, y, format_interval(row.estimate, row.lo, row.hi), va="center", ha="left"
            )
        previous = row.kind
        y -= 1.0
    if intervals:
        segments, colors = zip(*intervals, strict=True)
        axis.add_collection(LineCollection(segments, colors=colors, linewidths=1.0, zorder=2))
    if squares:
        x, y_, size, colors = zip(*squares, strict=True)
        sizes = np.square(size)  # a scatter's size is the marker's area in points^2
        axis.scatter(
            x, y_, s=sizes, marker="s", c=colors, edgecolors=colors, linewidths=1.0, zorder=2
        )
    if dots:
        x, y_ = zip(*dots, strict=True)
        axis.scatter(x, y_, s=16.0, marker="o", color=COLORS["shrunken"], linewidths=1.0, zorder=2)
    if bars:
        segments, colors = zip(*bars, strict=True)
        lines = LineCollection(segments, colors=colors, linewidths=4.0, alpha=0.6, zorder=2)
        lines.set_capstyle("butt")
        axis.add_collection(lines)
    _row_labels(axis, rows, ys)
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
    return ys


def _row_labels(axis: Axes, rows: list[Row], ys: list[float]) -> None:
    """Each row's label left of the plot where a y tick label would be (texts, not ticks: a
    tick is five artists, made and measured again at every layout pass); bold for pooled rows
    and headers."""
    import matplotlib as mpl

    transform, va, ha = axis.get_yaxis_text1_transform(mpl.rcParams["ytick.major.pad"])
    size, color = mpl.rcParams["ytick.labelsize"], mpl.rcParams["ytick.labelcolor"]
    if color == "inherit":
        color = mpl.rcParams["ytick.color"]
    for row, y in zip(rows, ys, strict=True):
        axis.text(
            0.0,
            y,
            row.label,
            transform=transform,
            va=va,
            ha=ha,
            fontsize=size,
            color=color,
            fontweight="bold" if row.kind in ("pooled", "header") else "normal",
        )
    axis.set_yticks([])


#: Characters of a title line over the plot panel (which is about 4 inches wide at 10 pt bold,
#: less beside long row labels: 46 characters did not fit over a subgroup forest's panel)
TITLE_WIDTH = 45


def wrapped(title: str) -> str:
    """A forest plot's title wrapped to the plot panel, so it never runs into the numbers' headers.

    Parameters
    ----------
    title : str
        The title.

    Returns
    -------
    str
        Lines of at most :data:`TITLE_WIDTH` characters.
    """
    from bayesmeta.plots.style import wrap_title

    return wrap_title(title, width=TITLE_WIDTH)


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
