"""Rank models by leave-one-study-out elpd, with stacking weights (ArviZ ``compare`` semantics).

Pure numpy/scipy on :class:`~bayesmeta.analysis.loo.LooResult` objects: the models must have
been evaluated on the same studies (pointwise contributions are paired by study), otherwise
:func:`compare_loo` raises :class:`~bayesmeta.errors.InputError` naming the differing studies.
That is a deliberate choice: elpd values over different study sets are not comparable, and
silently comparing on a common subset would need every model refitted on that subset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, minimize

from bayesmeta.analysis.loo import LooResult
from bayesmeta.errors import InputError
from bayesmeta.plural import plural


@dataclass(frozen=True)
class Row:
    """One model of a comparison (``bayesmeta compare --json`` row).

    Attributes
    ----------
    name : str
        Model name (the spec's).
    rank : int
        Rank by elpd_loo, 1 for the best.
    elpd_loo : float
        Leave-one-study-out expected log predictive density.
    se : float
        Standard error of ``elpd_loo``.
    elpd_diff : float
        Difference from the best model's elpd_loo (0 for the best).
    dse : float
        Standard error of ``elpd_diff``.
    weight : float
        Stacking weight.
    pareto_k_max : float
        Largest Pareto k left after the exact refits.
    refitted : tuple[str, ...]
        Studies whose leave-one-out density was computed by an exact refit.
    k : int
        Number of studies compared.
    """

    name: str
    rank: int
    elpd_loo: float
    se: float
    elpd_diff: float
    dse: float
    weight: float
    pareto_k_max: float
    refitted: tuple[str, ...]
    k: int

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "rank": self.rank,
            "elpd_loo": self.elpd_loo,
            "se": self.se,
            "elpd_diff": self.elpd_diff,
            "dse": self.dse,
            "weight": self.weight,
            "pareto_k_max": self.pareto_k_max,
            "refitted": list(self.refitted),
            "k": self.k,
        }


def stacking_weights(pointwise: np.ndarray) -> np.ndarray:
    """Stacking weights maximising sum_i log sum_m w_m exp(elpd_im) over the simplex.

    Parameters
    ----------
    pointwise : numpy.ndarray
        Shape ``(k, models)``: pointwise elpd contributions.

    Returns
    -------
    numpy.ndarray
    """
    values = np.asarray(pointwise, dtype=float)
    models = values.shape[1]
    if models == 1:
        return np.ones(1)
    # subtracting each study's maximum does not change the argmax and avoids underflow
    dense = np.exp(values - values.max(axis=1, keepdims=True))

    def score(weights: np.ndarray) -> float:
        return -float(np.sum(np.log(dense @ weights)))

    def gradient(weights: np.ndarray) -> np.ndarray:
        return -np.sum(dense / (dense @ weights)[:, None], axis=0)

    solution = minimize(
        fun=score,
        x0=np.full(models, 1.0 / models),
        jac=gradient,
        bounds=Bounds(lb=np.zeros(models), ub=np.ones(models)),
        constraints=LinearConstraint(np.ones(models), lb=1.0, ub=1.0),
    )
    weights = np.clip(solution.x, 0.0, None)
    return weights / weights.sum()


def check_same_studies(models: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Raise :class:`InputError` unless every ``(name, studies)`` pair has the same studies.

    Parameters
    ----------
    models : Sequence[tuple[str, Sequence[str]]]
        ``(name, studies)`` of each model.
    """
    first_name, first = models[0][0], set(models[0][1])
    for name, studies in models[1:]:
        if set(studies) != first:
            only_first = sorted(first - set(studies))
            only_other = sorted(set(studies) - first)
            raise InputError(
                f"models '{first_name}' ({plural(len(first), 'study')}) and '{name}' "
                f"({plural(len(studies), 'study')}) use different studies (only in '{first_name}': "
                f"{', '.join(only_first) or 'none'}; only in '{name}': {', '.join(only_other) or 'none'}); "
                "elpd is only comparable on the same studies"
            )


def compare_loo(results: Sequence[LooResult]) -> list[Row]:
    """Rank models by elpd_loo (best first) with differences, their SE and stacking weights.

    Parameters
    ----------
    results : Sequence[LooResult]
        The LOO result of each model.

    Returns
    -------
    list[Row]
    """
    if not results:
        raise InputError("nothing to compare")
    names = [r.name for r in results]
    if len(set(names)) != len(names):
        raise InputError(f"model names must be unique, got {', '.join(names)}")
    check_same_studies([(r.name, r.studies) for r in results])
    order = list(results[0].studies)
    pointwise = np.column_stack([_aligned(r, order) for r in results])
    weights = stacking_weights(pointwise)
    ranking = sorted(range(len(results)), key=lambda m: -results[m].elpd)
    best = pointwise[:, ranking[0]]
    rows = []
    for rank, m in enumerate(ranking):
        diff = best - pointwise[:, m]
        rows.append(
            Row(
                name=results[m].name,
                rank=rank,
                elpd_loo=results[m].elpd,
                se=results[m].se,
                elpd_diff=float(np.sum(diff)),
                dse=float(np.sqrt(len(diff) * np.var(diff))),
                weight=float(weights[m]),
                pareto_k_max=results[m].k_max,
                refitted=tuple(results[m].refitted),
                k=len(order),
            )
        )
    return rows


def _aligned(result: LooResult, order: list[str]) -> np.ndarray:
    position = {s: i for i, s in enumerate(result.studies)}
    return np.array([result.elpd_i[position[s]] for s in order])
