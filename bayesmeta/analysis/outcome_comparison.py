"""One outcome's model comparison: the specs on its most common study set, ranked by
leave-one-study-out, and, when the specs' studies differ, all of them on the studies they share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bayesmeta.analysis.averaging import Averaging, average_or_none
from bayesmeta.analysis.compare import compare_loo
from bayesmeta.analysis.comparison import Comparison, compare_models, loo_of, posterior_probs
from bayesmeta.analysis.fitting import Fitted
from bayesmeta.plural import plural


@dataclass
class OutcomeComparison:
    """The comparisons of one outcome's specs.

    Attributes
    ----------
    comparison : Comparison or None
        The specs sharing the outcome's most common study set (None when fewer than two).
    left_out : dict
        Spec name -> why it is not in ``comparison``.
    common : Comparison or None
        All the outcome's specs on the studies they all use (only when their studies differ).
    averaging : Averaging or None
        Bayesian model averaging of the models in ``comparison`` (exact engine; None when a
        model has no exact log evidence).
    outcome : str
        The outcome's name (``orr``, ``crr``, ``death`` or a spec's ``outcome``).
    """

    outcome: str
    comparison: Comparison | None
    left_out: dict[str, str] = field(default_factory=dict)
    common: Comparison | None = None
    averaging: Averaging | None = None


def study_sets(items: Sequence[Any], studies: Any) -> tuple[dict[tuple[str, ...], list], list]:
    """Items of one outcome by study set, and those of its most common set (the compared ones).

    Parameters
    ----------
    items : sequence
        Fitted specs, or anything else ``studies`` reads.
    studies : callable
        ``item -> its study labels``.

    Returns
    -------
    tuple
        Study set -> items (in the order given), and the items of the most common set (the
        first such set on a tie).
    """
    sets: dict[tuple[str, ...], list] = {}
    for item in items:
        sets.setdefault(tuple(sorted(studies(item))), []).append(item)
    return sets, max(sets.values(), key=len)


def compare_outcome(
    outcome: str, fitted: Sequence[Fitted], *, loos: dict[str, Any] | None = None
) -> OutcomeComparison:
    """Compare the specs of one outcome that use its most common study set, and, when the
    specs' studies differ, all of them on the studies they share.

    Parameters
    ----------
    outcome : str
        The outcome's name (``orr``, ``crr``, ``death`` or a spec's ``outcome``).
    fitted : Sequence[Fitted]
        The fitted spec (model, Bayesian result, draws and frequentist baselines).
    loos : dict, optional
        Spec name -> its leave-one-study-out result, already computed (where the spec was
        fitted); the others are computed here.

    Returns
    -------
    OutcomeComparison
    """
    sets, main = study_sets(fitted, lambda f: f.model.data.studies)
    left_out = {
        f.spec.name: f"uses {f.model.data.k} of the {plural(main[0].model.data.k, 'study')} of the other {outcome} models"
        for group in sets.values()
        if group is not main
        for f in group
    }
    common = None
    if len(sets) > 1:
        common = compare_models(
            [f.spec for f in fitted],
            [f.model for f in fitted],
            draws=[f.draws for f in fitted],
            common_studies=True,
        )
    if len(main) < 2:
        return OutcomeComparison(outcome, None, left_out, common)
    known = loos or {}
    loos = [known.get(f.spec.name) or loo_of(f.spec, model=f.model, draws=f.draws) for f in main]
    names, models = [f.spec.name for f in main], [f.model for f in main]
    comparison = Comparison(
        rows=compare_loo(loos), loos=loos, posterior_prob=posterior_probs(names, models)
    )
    return OutcomeComparison(
        outcome, comparison, left_out, common, averaging=average_or_none(names, models)
    )
