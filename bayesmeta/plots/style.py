"""The one look shared by every bayesmeta figure.

Plots never touch the global ``rcParams``: each plotting function runs inside
:func:`styled` (a :func:`matplotlib.rc_context`) and builds a bare
:class:`matplotlib.figure.Figure` (no pyplot figure manager, so nothing to close and nothing
shown). matplotlib is imported inside the functions (import-cost rule).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: rcParams applied while a bayesmeta figure is built.
RC: dict[str, Any] = {
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
    "legend.frameon": False,
    "legend.fontsize": 8.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "figure.dpi": 100.0,
    "savefig.dpi": 150.0,
}

#: Colours by role; models without a fixed role take :data:`CYCLE` in order.
COLORS: dict[str, str] = {
    "observed": "#3b3b3b",
    "shrunken": "#2c6fbb",
    "bayes": "#2c6fbb",
    "bayes_mean": "#7aa6d6",
    "freq": "#c0392b",
    "DL": "#c0392b",
    "GLMM": "#2e8b57",
    "REML": "#d68910",
    "prior": "#8e8e8e",
    "posterior": "#2c6fbb",
    "reference": "#8e8e8e",
    "band": "#dfe9f5",
}
CYCLE: tuple[str, ...] = (
    "#2c6fbb",
    "#c0392b",
    "#2e8b57",
    "#d68910",
    "#7d3c98",
    "#17a589",
    "#5d6d7e",
)

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def styled() -> Iterator[None]:
    """Apply :data:`RC` for the duration of the block only.

    Yields
    ------
    None
        Inside the block, matplotlib's rcParams include :data:`RC`; they are restored after.
    """
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def styled_plot(function: F) -> F:
    """Decorator: build the figure of ``function`` inside :func:`styled`.

    Parameters
    ----------
    function : F
        A function that builds and returns a figure.

    Returns
    -------
    F
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with styled():
            result = function(*args, **kwargs)
            if hasattr(result, "axes") and hasattr(result, "draw_without_rendering"):
                fit_titles(result)
            return result

    return wrapper  # type: ignore[return-value]


#: Titles shorter than this are never measured (they fit any bayesmeta figure).
SHORT_TITLE = 45


def wrap_title(title: str, *, width: int) -> str:
    """``title`` wrapped at whole words to lines of at most ``width`` characters.

    A figure whose title is wrapped to the room it is known to have when it is built is drawn
    once; :func:`fit_titles` wraps what still does not fit after the layout, at the cost of a
    second draw.

    Parameters
    ----------
    title : str
        The title (its own line breaks are kept).
    width : int
        Characters per line.

    Returns
    -------
    str
    """
    lines = title.split("\n")
    return "\n".join("\n".join(textwrap.wrap(line, width=width)) or line for line in lines)


def fit_titles(figure: Figure) -> None:
    """Wrap every title wider than the room it has (its axes, or the figure for a suptitle).

    A title is measured after a layout pass; a title that would be cut off by the figure's edge
    or run past its axes into a neighbour is re-wrapped at the whole words that fit. Short
    titles are not measured, so most figures cost nothing; long suptitles alone are first
    measured without a layout pass (the layout moves them up or down, never sideways), and when
    they fit, the figure is not drawn twice. The pass that measures is the figure's rendering
    (:func:`render`): a figure whose titles fit is saved from it without being drawn again.

    Parameters
    ----------
    figure : Figure
        A figure whose titles are set.
    """
    titles = []
    for axes in figure.axes:
        for key in ("title", "_left_title", "_right_title"):
            text = getattr(axes, key)
            if len(text.get_text()) > SHORT_TITLE:
                titles.append((text, axes))
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and len(suptitle.get_text()) > SHORT_TITLE:
        titles.append((suptitle, None))
    if not titles:
        return
    if all(axes is None for _, axes in titles) and _fit(figure, titles, figure._get_renderer()):
        return  # suptitles that fit as they are: no layout pass needed to know it
    for _attempt in range(2):
        renderer = render(figure)
        changed = False
        for text, axes in titles:
            box = text.get_window_extent(renderer)
            left = figure.bbox.x0 if axes is None else max(figure.bbox.x0, axes.bbox.x0 - 4)
            right = figure.bbox.x1 if axes is None else min(figure.bbox.x1, axes.bbox.x1 + 4)
            if axes is not None and text.get_horizontalalignment() == "left":
                left = box.x0
            room = right - max(left, box.x0) - 2
            if box.x1 <= right and box.x0 >= figure.bbox.x0:
                continue
            lines = text.get_text().split("\n")
            longest = max(len(line) for line in lines)
            width = max(12, int(longest * room / max(box.width, 1.0)) - 1)
            text.set_text(
                "\n".join("\n".join(textwrap.wrap(line, width=width)) or line for line in lines)
            )
            changed = True
        if not changed:
            return


#: the attribute marking a figure whose Agg canvas holds its current pixels (:func:`render`)
_RENDERED = "_bayesmeta_rendered"


def render(figure: Figure) -> Any:
    """Draw ``figure`` on an Agg canvas (its layout, then its pixels) and return the renderer.

    The figure is marked rendered until one of its artists changes, so that
    :func:`is_rendered` tells a saver that the canvas already holds it (one draw per figure
    instead of a layout pass followed by a second draw to save).

    Parameters
    ----------
    figure : Figure
        A figure.

    Returns
    -------
    matplotlib.backends.backend_agg.RendererAgg
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bayesmeta.plots.agg_cache import attach

    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = attach(figure)
    if _RENDERED not in figure.__dict__:
        previous = figure.stale_callback

        def changed(artist: Any, value: bool) -> None:
            figure.__dict__[_RENDERED] = False  # an artist changed: the pixels are old
            if previous is not None:
                previous(artist, value)

        figure.stale_callback = changed
    canvas.draw()
    figure.__dict__[_RENDERED] = True
    return canvas.get_renderer()


def is_rendered(figure: Figure) -> bool:
    """Whether the figure's canvas holds its current pixels (drawn by :func:`render` since its
    last change).

    Parameters
    ----------
    figure : Figure
        A figure.

    Returns
    -------
    bool
    """
    return bool(figure.__dict__.get(_RENDERED)) and not figure.stale


def _fit(figure: Figure, titles: list, renderer: Any) -> bool:
    """Whether every suptitle in ``titles`` lies within the figure's width as it is."""
    for text, _ in titles:
        box = text.get_window_extent(renderer)
        if box.x1 > figure.bbox.x1 or box.x0 < figure.bbox.x0:
            return False
    return True


def new_figure(
    *,
    nrows: int = 1,
    ncols: int = 1,
    figsize: tuple[float, float] = (6.5, 4.0),
    **subplot_kw: Any,
) -> tuple[Figure, Any]:
    """A constrained-layout Figure (not registered with pyplot) and a 2-D array of Axes.

    Parameters
    ----------
    nrows : int, optional
        Rows of axes.
    ncols : int, optional
        Columns of axes.
    figsize : tuple[float, float], optional
        Width and height in inches.
    **subplot_kw : Any
        Passed to :meth:`matplotlib.figure.Figure.subplots`.

    Returns
    -------
    tuple[Figure, Any]
    """
    from matplotlib.figure import Figure

    from bayesmeta.plots.agg_cache import attach

    figure = Figure(figsize=figsize, layout="constrained")
    attach(figure)  # its text measured once per process, not once per figure
    axes = figure.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return figure, axes


def color_for(label: str, position: int) -> str:
    """The colour of a model: its role colour when known, else the cycle.

    Parameters
    ----------
    label : str
        Model label, e.g. ``"DL"`` or ``"Bayes"``.
    position : int
        Index in the cycle for labels without a role colour.

    Returns
    -------
    str
    """
    for key in (label, label.split()[0] if label else label):
        if key in COLORS:
            return COLORS[key]
    return CYCLE[position % len(CYCLE)]


def footnote(figure: Figure, lines: Sequence[str], *, width: int = 110) -> None:
    """Small grey text under the plot (excluded studies, methods).

    Parameters
    ----------
    figure : Figure
        The figure to annotate.
    lines : Sequence[str]
        The lines of text (none: nothing is drawn).
    width : int, optional
        Characters per line before wrapping.
    """
    if not lines:
        return
    text = "\n".join(textwrap.fill(line, width=width) for line in lines)
    figure.supxlabel(text, fontsize=7.0, color="#555555", ha="left", x=0.01)


def format_interval(median: float, lo: float, hi: float, *, digits: int = 2) -> str:
    """``0.87 [0.80, 0.91]``.

    Parameters
    ----------
    median : float
        Point estimate.
    lo : float
        Lower limit.
    hi : float
        Upper limit.
    digits : int, optional
        Digits after the decimal point.

    Returns
    -------
    str
    """
    return f"{median:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
