"""Simulation-study plots: one figure per performance measure, a point per method and scenario
with its Monte Carlo 95% band (+- 1.96 MCSE), the nominal value as a line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesmeta.plots.style import COLORS, CYCLE, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: metric -> (axis label, nominal value or None)
METRICS: dict[str, tuple[str, float | None]] = {
    "coverage": ("coverage of the 95% interval", 0.95),
    "bias": ("bias (rate scale)", 0.0),
    "rmse": ("RMSE (rate scale)", None),
    "width": ("mean interval width", None),
    "failure_rate": ("failed or non-converged fits", 0.0),
}
TARGETS = {"median": "median rate", "mean": "mean rate", "new_study": "new study (PI)"}


@styled_plot
def simulation_plot(
    metrics: pd.DataFrame, *, metric: str, labels: dict[int, str], level: float = 0.95
) -> Figure:
    """One performance measure across scenarios and methods.

    Parameters
    ----------
    metrics : pandas.DataFrame
        From :func:`bayesmeta.simulate.metrics.metrics_table`.
    metric : str
        ``coverage``, ``bias``, ``rmse``, ``width`` or ``failure_rate``.
    labels : dict of int to str
        Scenario index -> label.
    level : float, default 0.95
        Nominal coverage.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per target with values (median rate, mean rate, new study).
    """
    name, nominal = METRICS[metric]
    if metric == "coverage":
        nominal = level
    targets = [t for t in TARGETS if metrics.loc[metrics["target"] == t, metric].notna().any()]
    if metric == "failure_rate":
        targets = ["median"]
    scenarios = sorted(labels)
    figure, axes = new_figure(
        ncols=max(len(targets), 1),
        figsize=(3.4 * max(len(targets), 1) + 1.5, 0.45 * len(scenarios) + 1.6),
        sharey=True,
    )
    methods = list(dict.fromkeys(metrics["method"]))
    for ax, target in zip(axes[0], targets, strict=False):
        table = metrics[metrics["target"] == target]
        for j, method in enumerate(methods):
            rows = table[table["method"] == method].set_index("scenario").reindex(scenarios)
            y = np.arange(len(scenarios)) + (j - (len(methods) - 1) / 2) * 0.8 / max(
                len(methods), 1
            )
            value, se = rows[metric].to_numpy(float), rows[f"{metric}_mcse"].to_numpy(float)
            color = CYCLE[j % len(CYCLE)]
            lo, hi = value - 1.96 * se, value + 1.96 * se
            if metric in ("coverage", "failure_rate"):  # proportions: the bars stop at 0 and 1
                lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
            ax.errorbar(
                value, y, xerr=[value - lo, hi - value], fmt="o", ms=3, color=color, label=method
            )
        if nominal is not None:
            ax.axvline(nominal, color=COLORS["reference"], lw=0.8, ls="--")
        ax.set_title(TARGETS[target])
        ax.set_xlabel(name)
    axes[0, 0].set_yticks(range(len(scenarios)), [labels[s] for s in scenarios])
    axes[0, 0].invert_yaxis()
    handles, names = axes[0, 0].get_legend_handles_labels()
    axes[0, -1].legend(handles, names, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside
    return figure
