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
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


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

    figure = Figure(figsize=figsize, layout="constrained")
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
