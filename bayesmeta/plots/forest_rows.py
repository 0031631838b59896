"""Forest-plot rows: one per study (observed and exact CI), pooled diamond and prediction bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

import bayesmeta.plots.inputs as inputs
from bayesmeta.data.metadata import MetaData
from bayesmeta.plots.style import (
    COLORS,
    color_for,
)

if TYPE_CHECKING:  # pragma: no cover
    from bayesmeta.model.result import BayesResult, Interval


SHRUNKEN_OFFSET = 0.3
DIAMOND_HALF_HEIGHT = 0.35
LEGEND_OBSERVED = "Observed (exact 95% CI)"
LEGEND_SHRUNKEN = "Shrunken (posterior 95% interval)"
LEGEND_POOLED = "Pooled estimate (95% interval)"
LEGEND_PREDICTION = "Prediction interval"


@dataclass(frozen=True)
class Row:
    """One line of a forest plot (a study, a pooled diamond, a prediction bar or a header).

    Attributes
    ----------
    label : str
        Text at the left of the row.
    kind : str
        ``"study"``, ``"pooled"`` (diamond), ``"prediction"`` (bar) or ``"header"``.
    estimate : float, optional
        Point estimate (a rate).
    lo : float, optional
        Lower limit.
    hi : float, optional
        Upper limit.
    counts : str, optional
        Events/total text, or empty.
    color : str, optional
        Colour of the marker.
    weight : float, optional
        Relative weight (marker size); NaN for none.
    """

    label: str
    kind: str  # "study", "pooled", "prediction", "header"
    estimate: float = float("nan")
    lo: float = float("nan")
    hi: float = float("nan")
    counts: str = ""
    color: str = COLORS["observed"]
    weight: float = 1.0

    @classmethod
    def from_interval(cls, label: str, kind: str, interval: Interval, *, color: str) -> Row:
        """A pooled diamond or prediction bar from a posterior median and interval."""
        return cls(label, kind, interval.median, interval.lo, interval.hi, color=color)


def study_rows(data: MetaData, *, order: str = "input") -> list[Row]:
    """Rows of the observed study proportions with Clopper-Pearson limits.

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    order : str, optional
        ``"input"`` (as given), ``"rate"`` (by observed rate) or ``"size"`` (largest first).

    Returns
    -------
    list[Row]
    """
    lo, hi = inputs.clopper_pearson(data.events, data.total)
    observed = data.events / data.total
    positions = np.arange(data.k)
    if order == "rate":
        positions = np.argsort(observed, kind="stable")
    elif order == "size":
        positions = np.argsort(-data.total, kind="stable")
    elif order != "input":
        raise ValueError(f"order must be 'input', 'rate' or 'size', not {order!r}")
    return [
        Row(
            label=data.studies[i],
            kind="study",
            estimate=float(observed[i]),
            lo=float(lo[i]),
            hi=float(hi[i]),
            counts=f"{data.events[i]}/{data.total[i]}",
            weight=float(data.total[i]),
        )
        for i in positions
    ]


def pooled_rows(
    freq: Any = None, bayes: BayesResult | None = None, *, bayes_mean: bool = True
) -> list[Row]:
    """Diamonds for each frequentist result and the Bayesian median (and mean) rate, then the
    prediction intervals.

    Parameters
    ----------
    freq : Any, optional
        Frequentist result(s): one result, a mapping of label to result, or None.
    bayes : BayesResult, optional
        Bayesian result, or None.
    bayes_mean : bool, optional
        Also draw the population-mean rate.

    Returns
    -------
    list[Row]
    """
    rows: list[Row] = []
    predictions: list[Row] = []
    for position, (label, result) in enumerate(inputs.freq_mapping(freq).items()):
        summary = inputs.freq_summary(result, label)
        color = color_for(label, position + 1)
        rows.append(
            Row(f"{label} pooled", "pooled", summary.estimate, summary.lo, summary.hi, color=color)
        )
        if summary.pi_lo is not None:
            predictions.append(
                Row(
                    f"{LEGEND_PREDICTION} ({label})",
                    "prediction",
                    summary.estimate,
                    summary.pi_lo,
                    summary.pi_hi,
                    color=color,
                )
            )
    if bayes is not None:
        rows.append(
            Row.from_interval(
                "Bayesian median rate", "pooled", bayes.pooled_median, color=COLORS["bayes"]
            )
        )
        if bayes_mean and bayes.tau is not None:
            rows.append(
                Row.from_interval(
                    "Bayesian mean rate", "pooled", bayes.pooled_mean, color=COLORS["bayes_mean"]
                )
            )
        predictions.append(
            Row.from_interval(
                f"{LEGEND_PREDICTION} (Bayesian)",
                "prediction",
                bayes.new_study,
                color=COLORS["bayes"],
            )
        )
    return rows + predictions
