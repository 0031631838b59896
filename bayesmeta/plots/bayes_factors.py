"""Prior sensitivity of the Bayes factors: log BF under every prior of a sensitivity grid.

One panel per factor (heterogeneity; the covariate of a subgroup model), one row per prior
setting (the baseline first, then the tau priors, then the mu priors). A vertical line marks
log BF = 0 and the shaded band |log BF| < 1 (Kass and Raftery's "not worth more than a bare
mention"); the baseline's value is a dotted line, so a reader sees whether the answer to "is
there heterogeneity?" or "does the covariate matter?" changes sign or strength with the prior.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: column -> panel title, in display order.
FACTORS: dict[str, str] = {
    "log_bf_heterogeneity": "Heterogeneity: random vs common (tau = 0)",
    "log_bf_covariate": "Covariate: with vs without",
}
#: kinds of rows drawn, in order.
KINDS: tuple[str, ...] = ("baseline", "tau_prior", "mu_prior")


def prior_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The baseline and prior-grid rows of a sensitivity table, in display order.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`bayesmeta.sensitivity.SensitivityResult.table`.

    Returns
    -------
    pandas.DataFrame
        Rows of kind baseline, tau_prior, mu_prior (index reset).
    """
    parts = [table[table["kind"] == kind] for kind in KINDS]
    return pd.concat(parts).reset_index(drop=True)


@styled_plot
def bayes_factor_plot(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Plot log Bayes factors across the prior grid of a sensitivity table.

    Parameters
    ----------
    table : pandas.DataFrame
        A sensitivity table with ``log_bf_heterogeneity`` (and ``log_bf_covariate``) columns,
        filled by exact fits.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per factor with any finite value.

    Raises
    ------
    ValueError
        When no row has a finite log Bayes factor (NUTS fits have none).
    """
    rows = prior_rows(table)
    columns = [c for c in FACTORS if c in rows and rows[c].notna().any()]
    if not columns:
        raise ValueError("the table has no log Bayes factors (exact engine fits carry them)")
    figure, axes = new_figure(
        ncols=len(columns), figsize=(4.5 * len(columns) + 1.5, 1.2 + 0.25 * len(rows)), sharey=True
    )
    axes = np.atleast_1d(axes).ravel()
    y = -np.arange(len(rows), dtype=float)
    for axis, column in zip(axes, columns, strict=True):
        values = rows[column].to_numpy(dtype=float)
        finite = np.isfinite(values)
        lo, hi = np.nanmin(values), np.nanmax(values)
        if lo - max(hi - lo, 1.0) < 1.0 and hi + max(hi - lo, 1.0) > -1.0:
            # |log BF| < 1 shaded and 0 marked, unless far off the data (then they would
            # squeeze it into a corner; the title gives the range)
            axis.axvspan(-1.0, 1.0, color=COLORS["band"], zorder=0)
            axis.axvline(0.0, color=COLORS["reference"], linewidth=0.9)
        base = values[0] if rows.loc[0, "kind"] == "baseline" else np.nan
        if np.isfinite(base):
            axis.axvline(base, color=COLORS["bayes"], linestyle=":", linewidth=0.9)
        axis.scatter(values[finite], y[finite], color=COLORS["bayes"], s=16, zorder=3)
        axis.set_title(f"{FACTORS[column]}\nlog BF {lo:.2f} to {hi:.2f}", loc="left", fontsize=9)
        axis.set_xlabel("log Bayes factor")
    axes[0].set_yticks(y, [_label(r) for _, r in rows.iterrows()])
    axes[0].set_ylim(y.min() - 0.7, 0.7)
    figure.suptitle(
        title if title is not None else "Prior sensitivity of the Bayes factors",
        x=0.01,
        ha="left",
        fontweight="bold",
    )
    return figure


def _label(row: pd.Series) -> str:
    if row["kind"] == "baseline":
        return f"baseline: tau ~ {row['tau_prior']}, mu ~ {row['mu_prior']}"
    return str(row["label"])
