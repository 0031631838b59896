"""The joint model's long-format problem: one row per reported (study, outcome) cell.

Each outcome has its own coefficients: with ``--formula "x"`` the linear predictor of outcome
``o`` in study ``i`` is ``x_i' beta_o``; the long design matrix holds the study's row of the
study-level design in outcome ``o``'s block of columns (``orr:intercept``, ``orr:x``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.formula import INTERCEPT, design_matrix
from bayesmeta.joint.data import JointData
from bayesmeta.plural import plural

__all__ = ["JointProblem", "joint_problem"]


@dataclass(frozen=True)
class JointProblem:
    """Arrays of the joint model (pure numpy; what both the GLMM and the samplers read).

    Attributes
    ----------
    study, outcome : numpy.ndarray
        Index of each reported cell's study and outcome (study-major order).
    events, total : numpy.ndarray
        Counts of each cell.
    X : numpy.ndarray
        Long design matrix ``(cells, outcomes * p)``.
    study_X : numpy.ndarray
        Study-level design ``(k, p)`` (a column of ones without ``--formula``).
    columns : tuple of str
        Study-level column names (``intercept``, ``x``, ``x[level]``).
    names : tuple of str
        Outcome names.
    k : int
        Number of studies.
    mode : numpy.ndarray or None
        Observation mode per cell in the nested mode (:mod:`bayesmeta.joint.nesting`);
        None: every cell is Bin(total, p).
    outer : int or None
        The outer outcome's index in the nested mode.
    """

    study: np.ndarray
    outcome: np.ndarray
    events: np.ndarray
    total: np.ndarray
    X: np.ndarray
    study_X: np.ndarray
    columns: tuple[str, ...]
    names: tuple[str, ...]
    k: int
    mode: np.ndarray | None = None
    outer: int | None = None

    @property
    def m(self) -> int:
        """Number of outcomes."""
        return len(self.names)

    @property
    def p(self) -> int:
        """Coefficients per outcome."""
        return self.study_X.shape[1]

    @property
    def coefficient_names(self) -> tuple[str, ...]:
        """``outcome:column`` for each column of ``X`` (outcome-major)."""
        return tuple(f"{o}:{c}" for o in self.names for c in self.columns)

    def intercept_only(self) -> bool:
        """Whether the model is ``0 + outcome`` (no covariates)."""
        return self.columns == (INTERCEPT,)


def joint_problem(data: JointData, *, formula: str | None = None) -> JointProblem:
    """Build the long-format arrays of ``data`` (covariates complete for ``formula``).

    Parameters
    ----------
    data : JointData
        The studies; call ``data.complete_for`` first when a formula names covariates.
    formula : str, optional
        Study-level covariates, each outcome with its own coefficients (``"age_median"``);
        an intercept is always included.

    Returns
    -------
    JointProblem

    Raises
    ------
    InputError
        If the formula drops the intercept, or an outcome's studies cannot identify its
        coefficients (rank-deficient block), naming the outcome.
    """
    if formula is None:
        study_X = np.ones((data.k, 1))
        columns: tuple[str, ...] = (INTERCEPT,)
    else:
        design = design_matrix(data.covariates, formula)
        if not design.has_intercept:
            raise InputError(
                f"--formula '{formula}': the joint model keeps each outcome's intercept"
            )
        study_X, columns = design.matrix, design.columns
    study, outcome, events, total = data.long()
    m, p = len(data.outcomes), study_X.shape[1]
    X = np.zeros((len(study), m * p))
    for j in range(m):
        rows = outcome == j
        X[rows, j * p : (j + 1) * p] = study_X[study[rows]]
        block = X[rows, j * p : (j + 1) * p]
        if np.linalg.matrix_rank(block) < p:
            raise InputError(
                f"outcome '{data.names[j]}': its {plural(int(rows.sum()), 'study')} cannot identify the "
                f"{p} coefficients of '{formula}' (rank-deficient design)"
            )
    return JointProblem(
        study=study,
        outcome=outcome,
        events=events.astype(float),
        total=total.astype(float),
        X=X,
        study_X=study_X,
        columns=tuple(columns),
        names=data.names,
        k=data.k,
    )
