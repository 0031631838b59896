"""Forest plot: observed and shrunken study rates, pooled diamonds, prediction intervals.

Each study shows its observed proportion with the exact (Clopper-Pearson) 95% CI and, when a
Bayesian result is given, its shrunken posterior rate with the 95% interval. Below the studies,
one diamond per pooled estimate (each frequentist method given, the Bayesian median rate
expit(mu) and mean rate E[expit(mu + u)]) and the prediction intervals. Studies left out of the
analysis are listed in a footnote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bayesmeta.plots.inputs as inputs
from bayesmeta.data.metadata import MetaData
from bayesmeta.data.outcome_words import capitalized, outcome_words
from bayesmeta.plots.forest_draw import legend_handles, rows_figure, wrapped
from bayesmeta.plots.forest_rows import pooled_rows, study_rows
from bayesmeta.plots.style import COLORS, footnote, styled_plot
from bayesmeta.plural import plural

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from bayesmeta.model.result import BayesResult


@styled_plot
def forest_plot(
    data: MetaData,
    *,
    bayes: BayesResult | None = None,
    freq: Any = None,
    order: str = "input",
    bayes_mean: bool = True,
    title: str | None = None,
) -> Figure:
    """Forest plot of one outcome.

    Parameters
    ----------
    data : MetaData
        The studies analysed (its ``excluded`` studies are listed in a footnote).
    bayes : BayesResult, optional
        Adds each study's shrunken rate, the Bayesian pooled median (and mean) rate diamonds and
        the new-study prediction interval.
    freq : FreqResult or mapping of str to FreqResult, optional
        Frequentist fits (e.g. ``{"DL": ..., "GLMM": ...}``): one diamond each, and a prediction
        bar for those with a prediction interval.
    order : {"input", "rate", "size"}
        Study order: as given, by observed rate, or largest first.
    bayes_mean : bool, default True
        Also draw the population-averaged mean rate E[expit(mu + u)].
    title : str, optional
        Defaults to the outcome name and the number of studies.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = study_rows(data, order=order) + pooled_rows(freq, bayes, bayes_mean=bayes_mean)
    figure, axis = rows_figure(rows, bayes=bayes, base_height=1.6)
    reference = next((r for r in rows if r.kind == "pooled"), None)
    if reference is not None:
        axis.axvline(reference.estimate, color=COLORS["reference"], linestyle=":", linewidth=0.8)
    handles = legend_handles(
        with_shrunken=bayes is not None,
        with_pooled=any(r.kind == "pooled" for r in rows),
        with_prediction=any(r.kind == "prediction" for r in rows),
    )
    figure.legend(handles=handles, loc="outside upper center", ncols=2)
    # wrapped to the plot panel: the numbers' column headers sit at the top of the right one
    axis.set_title(
        wrapped(title if title is not None else f"{data.outcome}: {plural(data.k, 'study')}"),
        loc="left",
    )
    axis.set_xlabel(capitalized(outcome_words(data.outcome).rate))
    footnote(
        figure,
        inputs.exclusion_note(inputs.exclusions(data, bayes, *inputs.freq_mapping(freq).values())),
    )
    return figure
