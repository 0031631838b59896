"""Figures of the joint model: the panel of pooled rates and the correlation matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bayesmeta.data.outcome_words import capitalized, outcome_words
from bayesmeta.plots.style import COLORS, new_figure, styled_plot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["correlation_matrix_plot", "outcome_label", "pooled_rates_panel"]

_ROWS = (
    ("pooled_median", "pooled rate", 6.0),
    ("pooled_mean", "mean rate", 3.5),
    ("new_study", "new study", 1.5),
)


def outcome_label(name: str) -> str:
    """A joint outcome's row label: its rate's name, its code, and "lower is better" if so.

    Parameters
    ----------
    name : str
        The outcome as the joint spec names it (``"orr"``, ``"dead"``, ...).

    Returns
    -------
    str
        ``"Response rate (orr)"``; ``"Death rate (dead)"`` with ``"lower is better"`` on a
        second line; ``"Rate of x (x)"`` for an outcome whose direction is unknown.
    """
    words = outcome_words(name)
    label = f"{capitalized(words.rate)} ({name})"
    return label + "\nlower is better" if words.lower_is_better else label


def _rate_limits(ends: list[float]) -> tuple[float, float]:
    """The rate axis around the intervals (5% margin each side), within 0 and 1."""
    if not ends:
        return 0.0, 1.0
    lo, hi = min(ends), max(ends)
    margin = 0.05 * max(hi - lo, 0.05)
    return max(0.0, lo - margin), min(1.0, hi + margin)


@styled_plot
def pooled_rates_panel(payload: dict[str, Any], *, title: str | None = None) -> Figure:
    """One row per outcome: pooled (thick), mean (medium) and new-study (thin) 95% intervals.

    Each row is named by :func:`outcome_label` (what the rate is, and "lower is better" for
    deaths and toxicities).

    Parameters
    ----------
    payload : dict
        A joint result's JSON payload (``JointResult.to_dict()``).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = list(payload["outcomes"])
    figure, axes = new_figure(figsize=(6.5, 0.9 + 0.65 * len(names)))
    ax = axes[0, 0]
    ends = []
    for row, name in enumerate(names):
        y = len(names) - 1 - row
        for offset, (key, label, width) in zip((0.18, 0.0, -0.18), _ROWS, strict=True):
            iv = payload["outcomes"][name].get(key)
            if iv is None:
                continue
            ends += [iv["lo"], iv["hi"]]
            color = {"pooled_median": COLORS.get("bayes", "#2c6fbb"), "pooled_mean": "#8fb3df"}.get(
                key, "#8a8a8a"
            )
            ax.plot(
                [iv["lo"], iv["hi"]],
                [y + offset] * 2,
                color=color,
                lw=width,
                solid_capstyle="butt",
                label=label if row == 0 else None,
            )
            ax.plot(iv["median"], y + offset, "o", color="black", ms=3)
    ax.set_yticks(range(len(names)), [outcome_label(name) for name in names[::-1]])
    ax.set_xlim(*_rate_limits(ends))
    ax.set_xlabel("Rate (median and 95% interval)")
    figure.legend(loc="outside lower center", ncols=3)
    ax.set_title(title or "Pooled rates of the joint model")
    return figure


@styled_plot
def correlation_matrix_plot(payload: dict[str, Any], *, title: str | None = None) -> Figure:
    """Posterior median correlations of the study effects, with their 95% intervals in the cells.

    Parameters
    ----------
    payload : dict
        A joint result's JSON payload (``JointResult.to_dict()``).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    pairs = payload["correlations"]
    names: list[str] = []
    for pair in pairs:
        for name in pair.split(","):
            if name not in names:
                names.append(name)
    m = len(names)
    median = np.eye(m)
    labels = [["1" if i == j else "" for j in range(m)] for i in range(m)]
    for pair, iv in pairs.items():
        a, b = (names.index(n) for n in pair.split(","))
        median[a, b] = median[b, a] = iv["median"]
        text = f"{iv['median']:.2f}\n[{iv['lo']:.2f}, {iv['hi']:.2f}]"
        labels[a][b] = labels[b][a] = text
    figure, axes = new_figure(figsize=(1.2 + 1.3 * m, 0.8 + 1.2 * m))
    ax = axes[0, 0]
    image = ax.imshow(median, cmap="RdBu_r", vmin=-1, vmax=1)
    for i in range(m):
        for j in range(m):
            ax.text(
                j,
                i,
                labels[i][j],
                ha="center",
                va="center",
                fontsize=8,
                color="white" if abs(median[i, j]) > 0.6 else "black",
            )
    ax.set_xticks(range(m), names)
    ax.set_yticks(range(m), names)
    figure.colorbar(image, ax=ax, shrink=0.8, label="correlation (median)")
    ax.set_title(title or "Correlations of the study effects")
    return figure
