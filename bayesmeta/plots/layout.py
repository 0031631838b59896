"""Layout checks of a drawn figure: no legend on the data, no text cut off, axes that fit the data.

Used by the figure test on every figure the command line writes, and available to anyone who
draws their own. Everything is measured from matplotlib's artist bounding boxes in display
coordinates after a draw: a legend's box against the data artists of its axes (lines, markers,
error bars, bars and shaded regions drawn in data coordinates; reference lines spanning the
axes, ``axvline``/``axhline``/``axvspan``, are left out), every visible text against the figure,
and the legend against the axes' titles. Axes that fit the data: the data of each axis covers at
least :data:`MIN_FILL` of its view (a 0-1 axis for estimates between 0.70 and 0.91 does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: Pixels of tolerance before a box counts as overlapping or cut off.
TOLERANCE = 1.5
#: The smallest share of an axis's view its data may span (a data axis, linear scale).
MIN_FILL = 0.3
#: Points per display-pixel length when a path is checked against a box.
_STEP = 2.0


@dataclass(frozen=True)
class LayoutProblem:
    """One thing wrong with a figure's layout.

    Parameters
    ----------
    kind : str
        ``"legend on data"``, ``"legend on title"``, ``"text cut off"`` or ``"axis does not
        fit the data"``.
    where : str
        The axes (its title or position) and the artist concerned.
    """

    kind: str
    where: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}"


def layout_problems(
    figure: Figure, *, drawn: bool = False, dpi: float | None = None
) -> list[LayoutProblem]:
    """Every layout problem of ``figure``.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        Any figure.
    drawn : bool, optional
        The figure was just drawn (saved): measure its layout as it is, without drawing again.
    dpi : float, optional
        Measure at this resolution (the one it was saved at: text does not scale exactly
        with the resolution).

    Returns
    -------
    list of LayoutProblem
        Empty when no legend sits on data or titles, no text is cut off by the figure's edge
        and every data axis spans at least :data:`MIN_FILL` of its view.
    """
    if dpi is not None and dpi != figure.dpi:
        original = figure.dpi
        figure.set_dpi(dpi)
        try:
            return layout_problems(figure, drawn=drawn)
        finally:
            figure.set_dpi(original)
    if not drawn:
        figure.draw_without_rendering()
    renderer = figure._get_renderer()
    problems: list[LayoutProblem] = []
    problems += _texts_cut_off(figure, renderer)
    for position, axes in enumerate(figure.axes):
        name = _axes_name(axes, position)
        legend = axes.get_legend()
        if legend is not None and legend.get_visible():
            box = legend.get_window_extent(renderer)
            for label, points in _data_paths(axes):
                if _inside(points, box):
                    problems.append(LayoutProblem("legend on data", f"{name}: {label}"))
                    break
            for title in _titles(axes):
                if _overlap(box, title.get_window_extent(renderer)):
                    problems.append(
                        LayoutProblem("legend on title", f"{name}: {title.get_text()!r}")
                    )
        problems += _unfitted(axes, name)
    return problems


def _axes_name(axes: Any, position: int) -> str:
    title = next((t.get_text() for t in _titles(axes) if t.get_text()), "")
    return f"axes {position}" + (f" ({title[:40]!r})" if title else "")


def _titles(axes: Any) -> list[Any]:
    return [t for t in (axes.title, axes._left_title, axes._right_title) if t.get_text()]


def _texts_cut_off(figure: Figure, renderer: Any) -> list[LayoutProblem]:
    """Titles, axis labels, drawn tick labels, legends and unclipped texts beyond the figure."""
    named: list[tuple[str, Any]] = []
    for axes in figure.axes:
        named += [(repr(t.get_text()[:60]), t) for t in _titles(axes)]
        for axis in (axes.xaxis, axes.yaxis):
            if not (axes.axison and axis.get_visible()):
                continue
            named.append((f"{axis.axis_name} label {axis.label.get_text()!r}", axis.label))
            named += [(f"tick label {t.get_text()!r}", t) for t in _drawn_tick_labels(axis)]
        named += [(repr(t.get_text()[:60]), t) for t in axes.texts if not t.get_clip_on()]
        if axes.get_legend() is not None:
            named.append(("legend", axes.get_legend()))
    named += [(repr(t.get_text()[:60]), t) for t in figure.texts]
    named += [("figure legend", legend) for legend in figure.legends]
    bounds = figure.bbox
    out = []
    for label, artist in named:
        if not artist.get_visible():
            continue
        if hasattr(artist, "get_text") and not artist.get_text().strip():
            continue
        box = artist.get_window_extent(renderer)
        if box is None or box.width == 0:
            continue
        if (
            box.x0 < bounds.x0 - TOLERANCE
            or box.y0 < bounds.y0 - TOLERANCE
            or box.x1 > bounds.x1 + TOLERANCE
            or box.y1 > bounds.y1 + TOLERANCE
        ):
            out.append(LayoutProblem("text cut off", label))
    titles = [t for axes in figure.axes for t in _titles(axes)]
    titles += [t for t in figure.texts if t is getattr(figure, "_suptitle", None)]
    for title in titles:
        if not title.get_visible():
            continue
        box = title.get_window_extent(renderer)
        for label, artist in named:
            if artist is title or not artist.get_visible() or artist.get_figure() is None:
                continue
            if hasattr(artist, "get_text") and not artist.get_text().strip():
                continue
            if _overlap(box, artist.get_window_extent(renderer)):
                out.append(LayoutProblem("title on text", f"{title.get_text()[:50]!r} on {label}"))
    return out


def _drawn_tick_labels(axis: Any) -> list[Any]:
    """The tick labels an axis draws: visible, not empty, at a tick inside the view."""
    lo, hi = sorted(axis.get_view_interval())
    out = []
    for tick in axis.get_major_ticks() + axis.get_minor_ticks():
        if not lo - 1e-9 * abs(hi - lo) <= tick.get_loc() <= hi + 1e-9 * abs(hi - lo):
            continue
        out += [
            label
            for label in (tick.label1, tick.label2)
            if label.get_visible() and label.get_text().strip()
        ]
    return out


def _is_data_transform(artist: Any, axes: Any) -> bool:
    """Drawn in data coordinates on both axes (reference lines and spans are blended)."""
    transform = artist.get_transform()
    return transform == axes.transData or (
        transform.contains_branch(axes.transData)
        and not transform.contains_branch_seperately(axes.transAxes)[0]
    )


def _data_paths(axes: Any) -> list[tuple[str, np.ndarray]]:
    """(label, display points) of each data artist: densified outlines of lines, bars and
    shaded regions, marker positions."""
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    out = []
    for artist in axes.get_children():
        if not artist.get_visible():
            continue
        label = str(artist.get_label() or type(artist).__name__)
        if isinstance(artist, Line2D):
            if artist.get_transform() != axes.transData:
                continue  # axhline / axvline: a reference line across the axes
            xy = np.column_stack(artist.get_data()).astype(float)
            points = axes.transData.transform(xy[np.isfinite(xy).all(axis=1)])
            dense = artist.get_linestyle() not in ("None", "none", " ", "")
            out.append((label, _densify(points) if dense else points))
        elif isinstance(artist, Collection):
            if artist.get_transform() != axes.transData and artist.get_offset_transform() != (
                axes.transData
            ):
                continue
            offsets = artist.get_offsets()
            if len(offsets) and artist.get_offset_transform() == axes.transData:
                out.append((label, axes.transData.transform(np.asarray(offsets, float))))
            if artist.get_transform() == axes.transData:
                for path in artist.get_paths():
                    out.append((label, _densify(axes.transData.transform(path.vertices))))
        elif isinstance(artist, Patch) and artist is not axes.patch:
            if not artist.get_transform().contains_branch(axes.transData):
                continue
            if not _is_data_transform(artist, axes):
                continue
            path = artist.get_transform().transform_path(artist.get_path())
            out.append((label, _densify(path.vertices)))
    return out


def _densify(points: np.ndarray) -> np.ndarray:
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) < 2:
        return points
    steps = np.diff(points, axis=0)
    counts = np.maximum(1, (np.hypot(steps[:, 0], steps[:, 1]) / _STEP).astype(int))
    segment = np.repeat(np.arange(len(steps)), counts)  # each segment's points a + t (b - a),
    share = np.arange(1, counts.sum() + 1) - np.repeat(np.cumsum(counts) - counts, counts)
    share = share / np.repeat(counts, counts)  # t = 1/n, 2/n, ..., 1
    return np.concatenate([points[:1], points[segment] + share[:, None] * steps[segment]])


def _inside(points: np.ndarray, box: Any) -> bool:
    if not len(points):
        return False
    x, y = points[:, 0], points[:, 1]
    return bool(
        np.any(
            (x > box.x0 + TOLERANCE)
            & (x < box.x1 - TOLERANCE)
            & (y > box.y0 + TOLERANCE)
            & (y < box.y1 - TOLERANCE)
        )
    )


def _overlap(a: Any, b: Any) -> bool:
    return (
        min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE
        and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE
    )


def _data_values(axes: Any, which: str) -> np.ndarray:
    values = []
    for _label, points in _data_paths(axes):
        if len(points):
            xy = axes.transData.inverted().transform(points)
            values.append(xy[:, 0 if which == "x" else 1])
    return np.concatenate(values) if values else np.array([])


def _unfitted(axes: Any, name: str) -> list[LayoutProblem]:
    """Axes whose view is much wider than the data they show (linear axes with data only).

    Axes sharing an axis (panels made comparable on purpose) are judged on their data together;
    data of a single value (a coverage of 1 everywhere) fits any view around it.
    """
    out = []
    for which in ("x", "y"):
        if getattr(axes, f"get_{which}scale")() != "linear" or _categorical(axes, which):
            continue
        shared = getattr(axes, f"get_shared_{which}_axes")().get_siblings(axes)
        data = np.concatenate([_data_values(a, which) for a in shared])
        data = data[np.isfinite(data)]
        lo, hi = sorted(getattr(axes, f"get_{which}lim")())
        if hi <= lo or not len(data) or np.ptp(data) == 0:
            continue
        data = np.clip(data, lo, hi)
        if np.ptp(data) < MIN_FILL * (hi - lo):
            out.append(
                LayoutProblem(
                    "axis does not fit the data",
                    f"{name}: {which} runs {lo:.3g} to {hi:.3g}, data "
                    f"{data.min():.3g} to {data.max():.3g}",
                )
            )
    return out


def _categorical(axes: Any, which: str) -> bool:
    """Rows of a forest plot or categories: ticks labelled with text, not numbers."""
    labels = [t.get_text() for t in getattr(axes, f"get_{which}ticklabels")()]
    texts = [t for t in labels if t.strip()]
    return bool(texts) and not all(_numeric(t) for t in texts)


def _numeric(text: str) -> bool:
    try:
        float(text.replace("\N{MINUS SIGN}", "-").rstrip("%"))
    except ValueError:
        return False
    return True
