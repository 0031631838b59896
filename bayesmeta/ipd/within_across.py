"""The one-stage IPD design: each modifier split into its within-trial and across-trial parts.

For every modifier column x (a numeric covariate, or one treatment-coded dummy of a
categorical one, coded as :mod:`bayesmeta.formula` does): ``within = x - (trial mean of x)`` and
``across = trial mean of x`` (uncentred, in the user's units). The model is then

    logit p_ij = alpha + u_i + sum_x (bW_x within_ij + bA_x across_i),   u_i ~ N(0, tau^2).

bW is the effect of the modifier among patients of the same trial (free of ecological bias);
bA the association of trial means with trial outcomes (what a study-level meta-regression sees).

**Aggregate trials** (reported events/total and the mean of each modifier) enter as one row with
``within = 0`` and ``across =`` the reported mean. That treats the trial's log odds as the log
odds at its mean covariate, an approximation: the logit of a mean rate is not the mean of the
patients' logits, so when the within-trial effect is large and the trial's patients are mixed,
its rate sits slightly closer to 50% than ``expit(alpha + bA x_bar)``. Aggregate trials inform
alpha, bA and tau, never bW.

A trial whose patients all share one value of a modifier contributes nothing to its bW; the
design lists those trials per modifier (``no_within``). A modifier that is shared within every
trial (a trial-level property, e.g. cell source) has no within column at all: only its across
association is estimable, and the design says so (``trial_level``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesmeta.data.patient_table import PatientData
from bayesmeta.errors import InputError
from bayesmeta.formula import INTERCEPT, design_matrix, parse_formula

WITHIN = "within"
ACROSS = "across"


@dataclass(frozen=True)
class IpdDesign:
    """The design matrix of the one-stage model, rows aligned with the data's rows.

    Attributes
    ----------
    data : PatientData
        The rows used (patients missing a modifier already left out and recorded).
    matrix : numpy.ndarray
        (rows, p): intercept, then ``x:within`` and ``x:across`` for each modifier column.
    columns : tuple of str
        Column names.
    modifiers : tuple of str
        The modifier columns x (``age``, ``source[allogeneic]``).
    formula : str
        The modifiers' formula.
    factors : dict
        Categorical modifier -> its levels, reference first.
    trial_means : pandas.DataFrame
        Trial x modifier column: the across values (trials in ``data.trials`` order).
    no_within : dict of str to tuple of str
        Modifier column -> patient trials whose patients all share one value of it.
    trial_level : tuple of str
        Modifier columns shared by all patients in every trial (a trial-level property such
        as cell source): they get only an across column, their within effect is not estimable.
    """

    data: PatientData
    matrix: np.ndarray
    columns: tuple[str, ...]
    modifiers: tuple[str, ...]
    formula: str
    factors: dict
    trial_means: pd.DataFrame
    no_within: dict[str, tuple[str, ...]]
    trial_level: tuple[str, ...] = ()

    @property
    def p(self) -> int:
        """Number of coefficients.

        Returns
        -------
        int
        """
        return self.matrix.shape[1]

    def column(self, modifier: str, part: str) -> int:
        """Position of ``modifier:part`` (part "within" or "across").

        Parameters
        ----------
        modifier : str
        part : str

        Returns
        -------
        int
        """
        return self.columns.index(f"{modifier}:{part}")


def _aggregate_values(data: PatientData, modifiers, factors) -> np.ndarray:
    """Reported means of the aggregate rows, one column per modifier column."""
    rows = np.flatnonzero(data.aggregate)
    values = np.zeros((len(rows), len(modifiers)))
    for j, name in enumerate(modifiers):
        if name not in data.covariates.columns:
            raise InputError(
                f"aggregate data: column '{name}' (the trial mean of modifier '{name}') not found"
            )
        is_share = any(name.startswith(f"{f}[") for f in factors)
        for i, position in enumerate(rows):
            value = data.covariates[name].iloc[position]
            trial = data.trials[data.trial_index[position]]
            where = f"aggregate row {data.rows[position]} (trial '{trial}')"
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise InputError(f"{where}: '{name}' = {value!r} is not a number") from None
            if not np.isfinite(number):
                raise InputError(f"{where}: '{name}' is missing (the trial mean is needed)")
            if is_share and not 0 <= number <= 1:
                raise InputError(f"{where}: '{name}' = {number:g} is a share, it must be in [0, 1]")
            values[i, j] = number
    return values


def ipd_design(
    data: PatientData, modifiers: str, *, reference: Mapping[str, object] | None = None
) -> IpdDesign:
    """Build the within/across design of ``modifiers`` on patient (and aggregate) rows.

    Parameters
    ----------
    data : PatientData
        Validated rows; patient rows missing a modifier are left out and recorded.
    modifiers : str
        Formula of patient-level modifiers, e.g. ``"bridging + age + source"``; categorical
        ones are treatment-coded (first sorted level the reference unless ``reference`` says).
        Aggregate rows need a column per modifier column with the trial mean: ``age`` for a
        numeric modifier, ``source[allogeneic]`` (the share) for a level of a categorical one.
    reference : mapping, optional
        Categorical modifier -> reference level.

    Returns
    -------
    IpdDesign

    Raises
    ------
    InputError
        An unknown column or a rank-deficient design. A modifier with no within-trial
        variation in any trial is not an error: it enters through its across column only
        (``trial_level``).
    """
    parsed = parse_formula(modifiers)
    if not parsed.intercept:
        raise InputError(f"modifiers '{modifiers}': the one-stage model keeps its intercept")
    data = data.complete_for(list(parsed.covariates))
    patient = ~data.aggregate
    cov = data.covariates[patient].reset_index(drop=True)
    base = design_matrix(cov, parsed, reference=reference)
    names = tuple(c for c in base.columns if c != INTERCEPT)
    x = base.matrix[:, [base.columns.index(c) for c in names]]
    index = data.trial_index[patient]
    weight = data.total[patient].astype(float)
    k = len(data.trials)
    sums = np.zeros((k, len(names)))
    np.add.at(sums, index, x * weight[:, None])
    size = np.bincount(index, weight, minlength=k)
    means = np.divide(sums, size[:, None], out=np.zeros_like(sums), where=size[:, None] > 0)
    if data.aggregate.any():
        agg_rows = np.flatnonzero(data.aggregate)
        means[data.trial_index[agg_rows]] = _aggregate_values(data, names, base.factors)
    n = len(data.rows)
    within = np.zeros((n, len(names)))
    within[patient] = x - means[index]
    within[np.abs(within) < 1e-12] = 0.0
    no_within: dict[str, tuple[str, ...]] = {}
    patient_trials = sorted(set(index.tolist()))
    blocks = [np.ones((n, 1))]
    columns = [INTERCEPT]
    trial_level = []
    for j, name in enumerate(names):
        varies = np.zeros(k, dtype=bool)
        np.logical_or.at(varies, index, within[patient, j] != 0)
        no_within[name] = tuple(data.trials[t] for t in patient_trials if not varies[t])
        if varies.any():
            blocks.append(within[:, j : j + 1])
            columns.append(f"{name}:{WITHIN}")
        else:  # a trial-level property: only its across-trial association is estimable
            trial_level.append(name)
        blocks.append(means[data.trial_index, j : j + 1])
        columns.append(f"{name}:{ACROSS}")
    matrix = np.hstack(blocks)
    rank = np.linalg.matrix_rank(matrix)
    if rank < matrix.shape[1]:
        raise InputError(
            f"modifiers '{modifiers}' give a rank-deficient one-stage design"
            f" ({matrix.shape[1]} columns, {rank} independent; e.g. a modifier whose trial"
            " means are the same in every trial)"
        )
    trial_means = pd.DataFrame(means, index=pd.Index(data.trials, name="trial"), columns=names)
    return IpdDesign(
        data=data,
        matrix=matrix,
        columns=tuple(columns),
        modifiers=names,
        formula=modifiers,
        factors=dict(base.factors),
        trial_means=trial_means,
        no_within=no_within,
        trial_level=tuple(trial_level),
    )
