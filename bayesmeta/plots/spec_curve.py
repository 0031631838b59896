"""Specification curve (Simonsohn et al. 2020; Voracek et al. 2019 for meta-analysis): every
specification's pooled rate with its 95% interval, sorted, and under it the choice panel, one
row per option, a mark where the specification made that choice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bayesmeta.plots.style import COLORS, styled_plot, wrap_title

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

NA = "n/a"  # the value of a choice where it does not apply (analysis/multiverse_choices.py)
#: the file the figure becomes in a multiverse's output folder
FIGURE = "spec_curve.png"
MAX_OPTIONS = 12  # a choice with more options (leave-one-out) shows one row: "one left out"


def curve_columns(table: Any, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """The columns the specification curve reads, as plain numpy arrays.

    A side process unpickles these without pandas (``bayesmeta.many.side``: it imports only
    matplotlib and this module), and the figure is drawn from the same arrays wherever it is
    drawn.

    Parameters
    ----------
    table : pandas.DataFrame or mapping of str to array-like
        The multiverse table (``status``, ``estimate``, ``ci_lo``, ``ci_hi`` and ``columns``).
    columns : sequence of str
        Choice columns (for the plot's panel).

    Returns
    -------
    dict of str to numpy.ndarray
        ``status`` and the choice columns as strings, the estimate and its interval as floats.
    """
    arrays = {name: np.asarray(table[name], dtype=float) for name in ("estimate", "ci_lo", "ci_hi")}
    for name in ("status", *columns):
        arrays[name] = np.asarray(table[name]).astype(str)
    return arrays


def _rows(
    frame: Mapping[str, np.ndarray], columns: Sequence[str]
) -> list[tuple[str, str, np.ndarray]]:
    rows = []
    for column in columns:
        # each specification's value as a code into the column's sorted distinct values
        # (comparing codes, not 10^4 strings per option)
        distinct, codes = np.unique(frame[column], return_inverse=True)
        values = distinct.tolist()
        index = {value: code for code, value in enumerate(values)}
        # "n/a" (the choice does not apply) is no option and gets no row: a choice with one
        # value where it applies (one mu prior) moves nothing and is left out, as in the
        # variance table (bayesmeta.multiverse.summary.variance_shares)
        options = sorted(set(values) - {NA})
        if len(options) < 2:
            continue
        if len(options) > MAX_OPTIONS and column == "left_out":
            none = codes == index.get("", -2)
            rows.append((column, "none", none))
            rows.append((column, "one left out", ~none))
            continue
        rows += [(column, option or "none", codes == index[option]) for option in options]
    return rows


#: the fixed layout, in inches (no layout engine: a constrained layout pass measured every
#: text twice and drew the figure once more before saving it; benchmarks/scale/README.md)
WIDTH = 7.5
CURVE_HEIGHT = 2.1  # the curve's axes
ROW_HEIGHT = 0.14  # one option's row in the choice panel
TITLE_LINE = 0.2  # one line of the title (10.8 pt bold)
LEGEND = 0.3  # the legend row between the title and the curve
BOTTOM = 0.5  # the x tick labels and the x label
RIGHT = 0.25  # half the last x tick label
EDGE = 0.08  # white space at the figure's edges
MIN_LEFT = 0.75  # the curve's y tick labels and y label
MIN_AXES = 3.5  # the axes' least width (long row labels widen the figure instead)
MARGIN = 0.04  # of the number of specifications, white space at either end of the x axis
MARK = (1.0, 4.0)  # points: a choice panel's mark, width and height (a "|" marker of size 4)
MARK_PAD = 7.0  # points from the panel's left edge to its labels (a tick mark and its pad)
#: rcParams of this figure on top of the shared style: glyphs without hinting. About 50 texts
#: (the row labels above all) are most of its drawing, and unhinted glyphs are laid out and
#: rendered in about two thirds of the time; at 9 pt and 100 dpi they read the same
TEXT = {"text.hinting": "no_hinting"}


def _text_width(text: str, *, size: float, bold: bool = False) -> float:
    """The width of one line of text in inches (the renderer's font, without drawing)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(size=size, weight="bold" if bold else "normal")
    width, _, _ = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return width / 72.0


def _wrapped(title: str, *, room: float, size: float) -> str:
    """``title`` wrapped at whole words so that each line is at most ``room`` inches wide."""
    width = _text_width(title, size=size, bold=True)
    if width <= room:
        return title
    return wrap_title(title, width=max(12, int(len(title) * room / width) - 1))


def _bars(centers: np.ndarray, row: float, *, half_width: float, half_height: float) -> Any:
    """One panel row's marks as a filled path: a rectangle per run of overlapping marks."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    starts = np.flatnonzero(np.diff(centers, prepend=-np.inf) > 2 * half_width)
    ends = np.append(starts[1:], centers.size)[: starts.size] - 1  # none for a row without marks
    left, right = centers[starts] - half_width, centers[ends] + half_width
    low, high = np.full(left.size, row - half_height), np.full(left.size, row + half_height)
    corners = np.stack([left, low, right, low, right, high, left, high, left, low], axis=1)
    codes = np.tile([Path.MOVETO] + [Path.LINETO] * 3 + [Path.CLOSEPOLY], left.size)
    path = Path(corners.reshape(-1, 2), codes.astype(Path.code_type))
    bars = PathPatch(path, facecolor="#3b3b3b", edgecolor="none", lw=0, snap=False)
    bars.marks = centers  # the specifications marked (positions on the x axis)
    return bars


def _band(low: np.ndarray, high: np.ndarray) -> Any:
    """The intervals as one step polygon, the outline ``fill_between(step="mid")`` fills, drawn
    as a patch (the collection fill_between makes draws several times slower at 10^4)."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    finite = np.isfinite(low) & np.isfinite(high)
    x = np.arange(low.size, dtype=float)
    # each stretch of computed intervals is one closed outline; one not computed is a gap
    stretches = np.split(np.arange(low.size), np.flatnonzero(np.diff(finite)) + 1)
    outlines = [_step_outline(x[s], low[s], high[s]) for s in stretches if s.size and finite[s[0]]]
    vertices = np.concatenate(outlines) if outlines else np.zeros((0, 2))
    codes = np.concatenate([_codes(len(o)) for o in outlines]) if outlines else None
    return PathPatch(
        Path(vertices, codes),
        color=COLORS["band"], label="95% interval",  # the edge too, as fill_between(color=)
    )  # fmt: skip


def _step_outline(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The closed outline of a band stepping at the midpoints between ``x`` (as
    ``matplotlib.cbook.pts_to_midstep``), upper edge left to right, lower edge back."""
    edges = np.concatenate([x[:1], (x[:-1] + x[1:]) / 2, x[-1:]])
    xs = np.repeat(edges, 2)[1:-1]
    upper = np.column_stack([xs, np.repeat(high, 2)])
    lower = np.column_stack([xs[::-1], np.repeat(low, 2)[::-1]])
    return np.concatenate([upper, lower, upper[:1]])


def _codes(size: int) -> np.ndarray:
    """Path codes of one closed outline of ``size`` vertices."""
    from matplotlib.path import Path

    codes = np.full(size, Path.LINETO, dtype=Path.code_type)
    codes[0], codes[-1] = Path.MOVETO, Path.CLOSEPOLY
    return codes


@styled_plot
def spec_curve_plot(
    table: Any,
    *,
    columns: Sequence[str],
    threshold: float | None = None,
    title: str | None = None,
) -> Figure:
    """The specification curve of a multiverse table.

    The layout is fixed (computed from the number of panel rows, the widest row label and the
    title's lines), and each panel row is one artist, so 10^4 specifications draw about as
    quickly as 20.

    Parameters
    ----------
    table : pandas.DataFrame or mapping of str to array-like
        The multiverse table (or :func:`curve_columns` of it); rows whose ``status`` is not
        "ok" are left out.
    columns : sequence of str
        Choice columns for the panel (those with a single option are not shown).
    threshold : float, optional
        Rate drawn as a dashed line.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    with matplotlib.rc_context(TEXT):
        return _curve(
            curve_columns(table, columns), columns=columns, threshold=threshold, title=title
        )


def _curve(
    table: dict[str, np.ndarray],
    *,
    columns: Sequence[str],
    threshold: float | None,
    title: str | None,
) -> Figure:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import ScaledTranslation

    fitted = np.flatnonzero(table["status"] == "ok")
    order = fitted[np.argsort(table["estimate"][fitted], kind="stable")]  # not computed: last
    ok = {name: values[order] for name, values in table.items()}
    rows = _rows(ok, columns)
    n = order.size
    title_size = matplotlib.font_manager.FontProperties(
        size=matplotlib.rcParams["figure.titlesize"]
    ).get_size_in_points()
    heading = _wrapped(
        title or f"Specification curve ({n} specifications)", room=WIDTH - 2 * EDGE - 0.1,
        size=title_size,
    )  # fmt: skip
    panel_height = ROW_HEIGHT * max(len(rows), 1)
    top_margin = EDGE + TITLE_LINE * (heading.count("\n") + 1) + LEGEND
    height = top_margin + CURVE_HEIGHT + 0.12 + panel_height + BOTTOM
    figure = Figure(figsize=(WIDTH, height))
    # one renderer measures the labels, the title (fit_titles) and draws the PNG: text metrics
    # are cached per renderer, so each text is measured once
    renderer = FigureCanvasAgg(figure).get_renderer()
    top = figure.add_axes(
        (0.0, 1 - (top_margin + CURVE_HEIGHT) / height, 1.0, CURVE_HEIGHT / height)
    )
    panel = figure.add_axes((0.0, BOTTOM / height, 1.0, panel_height / height), sharex=top)
    # the panel's row labels: texts beside a tick mark (30 ticks cost more than the marks)
    rows_at = panel.get_yaxis_transform()  # x in axes fraction, y in data
    shift = ScaledTranslation(-MARK_PAD / 72.0, 0.0, figure.dpi_scale_trans)
    texts = [
        panel.text(0.0, position, f"{column.removeprefix('filter_')}: {option}",
                   transform=rows_at + shift, ha="right", va="center",
                   fontsize=matplotlib.rcParams["ytick.labelsize"])
        for position, (column, option, _) in enumerate(rows)
    ]  # fmt: skip
    panel.plot(
        np.zeros(len(rows)), np.arange(len(rows)), ls="", marker=0, ms=3.5, mew=0.8,
        color="black", transform=rows_at, clip_on=False,
    )  # fmt: skip
    top.tick_params(labelbottom=False)
    x = np.arange(n)
    median = float(np.median(ok["estimate"])) if n else np.nan
    if n:
        top.add_artist(_band(ok["ci_lo"], ok["ci_hi"]))
        top.plot(x, ok["estimate"], ".", ms=2.5, color=COLORS["bayes"], label="pooled rate")
        top.axhline(median, color=COLORS["reference"], lw=0.8, label=f"median {median:.3f}")
    if threshold is not None:
        top.axhline(
            threshold, color=COLORS["freq"], lw=0.8, ls="--", label=f"threshold {threshold:g}"
        )
    top.set_ylabel("pooled rate")
    if n:  # the rate axis fits the intervals, not 0 to 1
        values = np.concatenate([ok["ci_lo"], ok["ci_hi"], ok["estimate"]]).astype(float)
        if threshold is not None:
            values = np.append(values, threshold)
        values = values[np.isfinite(values)]
        pad = 0.05 * max(np.ptp(values), 0.02)
        top.set_ylim(max(0.0, values.min() - pad), min(1.0, values.max() + pad))
    legend = top.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4)  # above the curve
    # the axes start right of the widest row label; the figure widens past WIDTH only when the
    # labels leave the axes less than MIN_AXES, or the legend no room
    widest = max((t.get_window_extent(renderer).width for t in texts), default=0.0)
    left = max(MIN_LEFT, EDGE + widest / figure.dpi + MARK_PAD / 72.0)
    room = max(MIN_AXES, legend.get_window_extent(renderer).width / figure.dpi + EDGE)
    figure_width = max(WIDTH, left + room + RIGHT)
    if figure_width > WIDTH:
        figure.set_size_inches(figure_width, height)  # (a new renderer: measured again)
    axes_width = figure_width - left - RIGHT
    for axes in (panel, top):
        box = axes.get_position()
        axes.set_position((left / figure_width, box.y0, axes_width / figure_width, box.height))
    figure.suptitle(
        heading, x=EDGE / figure_width, y=1 - EDGE / height, ha="left", va="top",
        fontweight="bold",
    )  # fmt: skip
    # the panel's marks (MARK points wide and tall) where a specification made the choice.
    # Marks closer than their width merge into one bar: a row is one filled path however many
    # specifications it marks (10^4 markers cost more than the rest of the figure)
    if n:
        panel.set_xlim(-0.5 - MARGIN * n, n - 0.5 + MARGIN * n)
    span = float(np.ptp(panel.get_xlim()))
    half_width = 0.5 * MARK[0] * span / (72.0 * axes_width)
    half_height = 0.5 * MARK[1] / (72.0 * ROW_HEIGHT)
    for position, (_, _, chosen) in enumerate(rows):
        # add_artist, not add_patch: the limits are set, and add_patch would walk every bar
        panel.add_artist(_bars(x[chosen], position, half_width=half_width, half_height=half_height))
    # five x ticks, not the default nine: each tick label is a text to lay out and draw
    panel.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=True))
    panel.set_yticks([])
    panel.set_ylim(max(len(rows), 1) - 0.5, -0.5)  # one empty row when no choice varies
    panel.set_xlabel("specification (sorted by pooled rate)")
    panel.spines["left"].set_visible(False)
    return figure


def spec_curve_png(frame: Any, *, columns: Sequence[str], threshold: float, title: str) -> bytes:
    """The specification curve as PNG bytes (drawn here, or in a run's side process).

    It lives beside the plot, not in ``bayesmeta.multiverse``: a side process forked before
    the run's imports draws it with the modules it has (matplotlib, numpy, this one; no pandas:
    the run sends it :func:`curve_columns` of the table).

    Parameters
    ----------
    frame : pandas.DataFrame or mapping of str to array-like
        The table, or :func:`curve_columns` of it.
    columns : sequence of str
        Choice columns (for the plot's panel).
    threshold : float
        The summary's threshold.
    title : str
        From the spec file.

    Returns
    -------
    bytes
    """
    import io

    import matplotlib

    figure = spec_curve_plot(frame, columns=columns, threshold=threshold, title=title)
    buffer = io.BytesIO()
    buffer.name = FIGURE  # what the figure becomes (a file-like is named after its file)
    with matplotlib.rc_context(TEXT):  # drawn as measured
        # zlib's fastest level: a third quicker than the default, the file ~5% larger
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
