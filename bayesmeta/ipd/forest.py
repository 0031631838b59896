"""The forest of within-trial effects: each trial's own estimate, and the pooled within- and
across-trial effects of the one-stage model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


@styled_plot
def within_forest(
    per_trial: pd.DataFrame,
    pooled: dict[str, tuple[float, float, float]],
    *,
    modifier: str,
    note: str = "",
) -> Figure:
    """Forest plot of a modifier's within-trial log odds ratios.

    Parameters
    ----------
    per_trial : pandas.DataFrame
        From :func:`bayesmeta.ipd.per_trial.within_trial_effects`.
    pooled : dict
        Label -> (estimate, lo, hi) drawn as diamonds below the trials (the one-stage
        within-trial effect, the across-trial association, ...).
    modifier : str
        The modifier (title).
    note : str
        A footnote line (e.g. SIMULATED data).

    Returns
    -------
    matplotlib.figure.Figure
    """
    shown = per_trial[np.isfinite(per_trial["estimate"])].reset_index(drop=True)
    missing = len(per_trial) - len(shown)
    n_rows = len(shown) + len(pooled)
    figure, axes = new_figure(figsize=(6.5, 1.2 + 0.18 * n_rows))
    ax = axes[0, 0]
    y = np.arange(n_rows)[::-1]
    for i, row in shown.iterrows():
        ax.plot([row["lo"], row["hi"]], [y[i]] * 2, color=COLORS["observed"], lw=1)
        ax.plot(row["estimate"], y[i], "s", color=COLORS["observed"], ms=3)
    labels = list(shown["trial"])
    for k, (label, (est, lo, hi)) in enumerate(pooled.items()):
        yy = y[len(shown) + k]
        colour = COLORS["bayes"] if "within" in label else "#b2182b"
        ax.fill([lo, est, hi, est], [yy, yy + 0.35, yy, yy - 0.35], color=colour)
        labels.append(label)
    ax.axvline(0.0, color="#999999", lw=0.8, ls="--")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=6 if n_rows > 40 else 8)
    ax.set_xlabel(f"log odds ratio per unit of {modifier}")
    lines = [note] if note else []
    if missing:
        lines.append(f"{missing} trial(s) without a within-trial estimate (within_trials.csv)")
    ax.set_title("\n".join([f"Within-trial effect of {modifier}", *lines]))
    ax.set_ylim(-1, n_rows)
    return figure
