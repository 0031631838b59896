"""Specification curve (Simonsohn et al. 2020; Voracek et al. 2019 for meta-analysis): every
specification's pooled rate with its 95% interval, sorted, and under it the choice panel, one
row per option, a mark where the specification made that choice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

NA = "n/a"  # the value of a choice where it does not apply (analysis/multiverse_choices.py)
#: the file the figure becomes in a multiverse's output folder
FIGURE = "spec_curve.png"
MAX_OPTIONS = 12  # a choice with more options (leave-one-out) shows one row: "one left out"


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[str, str, np.ndarray]]:
    rows = []
    for column in columns:
        values = frame[column].astype(str).to_numpy()
        # "n/a" (the choice does not apply) is no option and gets no row: a choice with one
        # value where it applies (one mu prior) moves nothing and is left out, as in the
        # variance table (bayesmeta.multiverse.summary.variance_shares)
        options = sorted(set(values) - {NA})
        if len(options) < 2:
            continue
        if len(options) > MAX_OPTIONS and column == "left_out":
            rows.append((column, "none", values == ""))
            rows.append((column, "one left out", values != ""))
            continue
        rows += [(column, option or "none", values == option) for option in options]
    return rows


@styled_plot
def spec_curve_plot(
    table: pd.DataFrame,
    *,
    columns: Sequence[str],
    threshold: float | None = None,
    title: str | None = None,
) -> Figure:
    """The specification curve of a multiverse table.

    Parameters
    ----------
    table : pandas.DataFrame
        The multiverse table; rows whose ``status`` is not "ok" are left out.
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
    ok = table[table["status"] == "ok"].sort_values("estimate", kind="mergesort")
    rows = _rows(ok, columns)
    n = len(ok)
    height = 2.6 + 0.16 * max(len(rows), 1)
    figure, axes = new_figure(
        nrows=2,
        figsize=(7.5, height),
        gridspec_kw={"height_ratios": [2.6, 0.16 * max(len(rows), 1)]},
        sharex=True,
    )
    top, panel = axes[0, 0], axes[1, 0]
    x = np.arange(n)
    median = float(np.median(ok["estimate"])) if n else np.nan
    if n:
        top.fill_between(
            x, ok["ci_lo"], ok["ci_hi"], step="mid", color=COLORS["band"], label="95% interval"
        )
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
    top.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4)  # above the curve
    figure.suptitle(
        title or f"Specification curve ({n} specifications)", x=0.01, ha="left",
        fontweight="bold",
    )  # fmt: skip
    labels = []
    for position, (column, option, chosen) in enumerate(rows):
        panel.plot(x[chosen], np.full(chosen.sum(), position), "|", ms=4, color="#3b3b3b")
        labels.append(f"{column.removeprefix('filter_')}: {option}")
    panel.set_yticks(range(len(rows)), labels)
    panel.set_ylim(len(rows) - 0.5, -0.5)
    panel.set_xlabel("specification (sorted by pooled rate)")
    panel.spines["left"].set_visible(False)
    return figure


def spec_curve_png(
    frame: pd.DataFrame, *, columns: Sequence[str], threshold: float, title: str
) -> bytes:
    """The specification curve as PNG bytes (drawn here, or in a run's side process).

    It lives beside the plot, not in ``bayesmeta.multiverse``: a side process forked before
    the run's imports draws it with the modules it has (matplotlib, numpy, pandas, this one).

    Parameters
    ----------
    frame : pandas.DataFrame
        The sorted table.
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

    figure = spec_curve_plot(frame, columns=columns, threshold=threshold, title=title)
    buffer = io.BytesIO()
    buffer.name = FIGURE  # what the figure becomes (a file-like is named after its file)
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
