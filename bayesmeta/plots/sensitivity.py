"""Sensitivity plot: the pooled rate under every setting, against the baseline's band.

One panel per kind of setting (tau prior, mu prior, leave-one-out, small studies, frequentist
estimator, continuity correction), all on the same rate axis. The baseline's median is a
vertical line and its 95% interval a shaded band, so a reader sees at a glance how far each
setting moves the pooled rate; settings whose median leaves the band are drawn in red and
the largest move of each panel is written in bold. A right-hand column shows tau.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: kind -> panel title, in display order.
PANELS: dict[str, str] = {
    "tau_prior": "Prior on tau",
    "mu_prior": "Prior on mu",
    "leave_one_out": "Leave one study out",
    "small_studies": "Small studies excluded",
    "freq_estimator": "Frequentist: tau^2 estimator",
    "freq_correction": "Frequentist: continuity correction",
}
MOVED_COLOR = "#c0392b"
LEGEND_MEDIAN = "median rate expit(mu)"
LEGEND_MEAN = "mean rate E[expit(mu + u)]"
LEGEND_BAND = "baseline 95% interval"


@styled_plot
def sensitivity_plot(
    table: pd.DataFrame,
    *,
    quantity: str = "both",
    show_tau: bool = True,
    title: str | None = None,
) -> Figure:
    """Plot a sensitivity table (:attr:`bayesmeta.sensitivity.SensitivityResult.table`).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with ``kind``, ``label``, ``median``, ``median_lo``, ``median_hi`` and, for
        Bayesian rows, ``mean*`` and ``tau*``; one row of kind "baseline" is the reference.
    quantity : {"median", "mean", "both"}
        Which pooled rate to draw (the mean rate drawn as open circles under the median).
    show_tau : bool, default True
        Add a column with tau under each setting.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if quantity not in ("median", "mean", "both"):
        raise ValueError(f"quantity must be 'median', 'mean' or 'both', not {quantity!r}")
    baseline = table[table["kind"] == "baseline"]
    if baseline.empty:
        raise ValueError("the table has no baseline row")
    base = baseline.iloc[0]
    kinds = [k for k in PANELS if (table["kind"] == k).any()]
    if not kinds:
        raise ValueError("the table has no sensitivity rows to plot")
    sizes = [int((table["kind"] == k).sum()) for k in kinds]
    figure, axes = new_figure(
        nrows=len(kinds),
        ncols=2 if show_tau else 1,
        figsize=(9.0 if show_tau else 7.0, 1.2 + 0.2 * sum(sizes) + 0.55 * len(kinds)),
        gridspec_kw={
            "height_ratios": [s + 1.5 for s in sizes],
            **({"width_ratios": [3.0, 1.0]} if show_tau else {}),
        },
        sharex="col",
    )
    for row_axes, kind in zip(axes, kinds, strict=True):
        rows = table[table["kind"] == kind].reset_index(drop=True)
        _rate_panel(row_axes[0], rows, base, quantity=quantity, title=PANELS[kind])
        if show_tau:
            _tau_panel(row_axes[1], rows, base)
    axes[-1, 0].set_xlabel("Pooled rate")
    if show_tau:
        axes[-1, 1].set_xlabel("tau (logit scale)")
    _legend(figure, quantity=quantity)
    figure.suptitle(
        title if title is not None else "Sensitivity of the pooled rate",
        x=0.01,
        ha="left",
        fontweight="bold",
    )
    return figure


def _rate_panel(axis, rows: pd.DataFrame, base: pd.Series, *, quantity: str, title: str) -> None:
    y = -np.arange(len(rows), dtype=float)
    axis.axvspan(base["median_lo"], base["median_hi"], color=COLORS["band"], zorder=0)
    axis.axvline(base["median"], color=COLORS["reference"], linestyle=":", linewidth=0.9, zorder=1)
    if quantity in ("mean", "both") and np.isfinite(base["mean"]):
        axis.axvline(
            base["mean"], color=COLORS["bayes_mean"], linestyle=":", linewidth=0.9, zorder=1
        )
    if quantity in ("median", "both"):
        moved = (rows["median"] < base["median_lo"]) | (rows["median"] > base["median_hi"])
        colors = np.where(moved, MOVED_COLOR, COLORS["bayes"])
        axis.hlines(y, rows["median_lo"], rows["median_hi"], colors=colors, linewidth=1.2)
        axis.scatter(rows["median"], y, color=colors, s=14, zorder=3)
    if quantity in ("mean", "both") and rows["mean"].notna().any():
        offset = -0.3 if quantity == "both" else 0.0
        axis.hlines(
            y + offset, rows["mean_lo"], rows["mean_hi"], colors=COLORS["bayes_mean"], linewidth=0.8
        )
        axis.scatter(
            rows["mean"],
            y + offset,
            facecolors="white",
            edgecolors=COLORS["bayes_mean"],
            s=14,
            zorder=3,
        )
    axis.set_yticks(y, rows["label"].tolist())
    shift = (rows["median"] - base["median"]).abs()
    if shift.notna().any():
        if shift.max() > 0:
            axis.get_yticklabels()[int(shift.idxmax())].set_fontweight("bold")
        lo, hi = rows["median"].min(), rows["median"].max()
        title = f"{title}: median rate {lo:.3f} to {hi:.3f} (baseline {base['median']:.3f})"
    axis.set_title(title, loc="left", fontsize=9)
    axis.set_ylim(y.min() - 0.7, 0.7)
    axis.tick_params(axis="y", length=0)


def _tau_panel(axis, rows: pd.DataFrame, base: pd.Series) -> None:
    y = -np.arange(len(rows), dtype=float)
    if np.isfinite(base["tau"]):
        axis.axvspan(base["tau_lo"], base["tau_hi"], color=COLORS["band"], zorder=0)
        axis.axvline(base["tau"], color=COLORS["reference"], linestyle=":", linewidth=0.9)
    finite = rows["tau_lo"].notna() & rows["tau_hi"].notna()
    axis.hlines(
        y[finite],
        rows.loc[finite, "tau_lo"],
        rows.loc[finite, "tau_hi"],
        colors=COLORS["posterior"],
        linewidth=1.0,
    )
    axis.scatter(rows["tau"], y, color=COLORS["posterior"], s=10, zorder=3)
    axis.set_yticks(y, [""] * len(rows))
    axis.set_ylim(y.min() - 0.7, 0.7)
    axis.tick_params(axis="y", length=0)


def _legend(figure, *, quantity: str) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    if quantity in ("median", "both"):
        handles.append(Line2D([], [], marker="o", color=COLORS["bayes"], label=LEGEND_MEDIAN))
    if quantity in ("mean", "both"):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markerfacecolor="white",
                color=COLORS["bayes_mean"],
                label=LEGEND_MEAN,
            )
        )
    handles.append(
        Line2D([], [], marker="o", color=MOVED_COLOR, label="median outside the baseline band")
    )
    handles.append(Patch(color=COLORS["band"], label=LEGEND_BAND))
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles))
