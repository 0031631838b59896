"""Subgroup forest plot: studies grouped by a covariate, with each group's pooled estimates.

Under each level's studies: one diamond per frequentist subgroup fit (its per-group result)
and the Bayesian rate of the level (and its mean rate when the result has it); the footnote
gives the test for subgroup differences and the excluded studies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import bayesmeta.plots.inputs as inputs
from bayesmeta.data.metadata import MetaData
from bayesmeta.data.outcome_words import capitalized, outcome_words
from bayesmeta.errors import InputError
from bayesmeta.plots.forest_draw import legend_handles, rows_figure, wrapped
from bayesmeta.plots.forest_rows import Row, study_rows
from bayesmeta.plots.style import COLORS, color_for, footnote, styled_plot
from bayesmeta.plural import plural

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from bayesmeta.model.result import BayesResult


def _subgroup_mapping(freq: Any) -> dict[str, Any]:
    """``None`` -> {}, one SubgroupResult -> {its method: it}, a mapping as is."""
    if freq is None:
        return {}
    if isinstance(freq, Mapping):
        return dict(freq)
    return {str(getattr(freq, "method", "Frequentist")): freq}


def _test_line(label: str, result: Any) -> str | None:
    q = getattr(result, "q_between", None)
    if q is None:
        return None
    df = getattr(result, "df_between", "?")
    p = getattr(result, "p_between", float("nan"))
    return f"Test for subgroup differences ({label}): Q = {q:.2f}, df = {df}, p = {p:.3g}"


@styled_plot
def subgroup_forest_plot(
    data: MetaData,
    *,
    by: str,
    bayes: BayesResult | None = None,
    freq: Any = None,
    order: str = "input",
    title: str | None = None,
) -> Figure:
    """Forest plot grouped by the levels of ``by``.

    Parameters
    ----------
    data : MetaData
        The studies; those missing ``by`` are left out and listed as excluded.
    by : str
        Grouping covariate.
    bayes : BayesResult, optional
        A subgroup (or regression) fit: shrunken study rates and ``rates[level]`` diamonds
        (and ``rates_mean[level]`` when present).
    freq : SubgroupResult or mapping of str to SubgroupResult, optional
        Frequentist subgroup fits (``bayesmeta.freq.subgroup``): ``groups[level]`` diamonds and
        the between-group test in the footnote.
    order : {"input", "rate", "size"}
        Study order within each level.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    complete = data.complete_for([by])
    labels = complete.covariates[by].astype(str).to_numpy()
    levels = sorted(set(labels))
    if len(levels) < 2:
        raise InputError(f"covariate '{by}' has fewer than two levels among the studies")
    fits = _subgroup_mapping(freq)
    rows: list[Row] = []
    for level in levels:
        part = complete.where(labels == level)
        rows.append(Row(f"{by} = {level} ({plural(part.k, 'study')})", "header"))
        rows += study_rows(part, order=order)
        for position, (name, fit) in enumerate(fits.items()):
            group = getattr(fit, "groups", {}).get(level)
            if group is not None:
                summary = inputs.freq_summary(group, name)
                rows.append(
                    Row(
                        f"{name} pooled",
                        "pooled",
                        summary.estimate,
                        summary.lo,
                        summary.hi,
                        color=color_for(name, position + 1),
                    )
                )
        if bayes is not None and level in bayes.rates:
            rows.append(
                Row.from_interval(
                    "Bayesian rate", "pooled", bayes.rates[level], color=COLORS["bayes"]
                )
            )
            mean = getattr(bayes, "rates_mean", {}).get(level)
            if mean is not None:
                rows.append(
                    Row.from_interval(
                        "Bayesian mean rate", "pooled", mean, color=COLORS["bayes_mean"]
                    )
                )
    figure, axis = rows_figure(rows, bayes=bayes, base_height=1.8)
    handles = legend_handles(
        with_shrunken=bayes is not None,
        with_pooled=any(r.kind == "pooled" for r in rows),
        with_prediction=False,
    )
    figure.legend(handles=handles, loc="outside upper center", ncols=len(handles))
    axis.set_title(
        wrapped(title if title is not None else f"{complete.outcome} by {by}"), loc="left"
    )
    axis.set_xlabel(capitalized(outcome_words(complete.outcome).rate))
    lines = [line for name, fit in fits.items() if (line := _test_line(name, fit))]
    lines += inputs.exclusion_note(inputs.exclusions(complete, bayes, *fits.values()))
    footnote(figure, lines)
    return figure
