"""The nested mode ``crr<orr``: the inner outcome among the outer's events.

A complete responder is a responder, so CR counts are modelled among responders:
``CR ~ Bin(OR events, q)`` and CRR = ORR * q <= ORR by construction. The latent outcome
``crr|orr`` (logit q) takes the inner outcome's place in the multivariate normal.

A study reporting both counts must report them on the same patients with CR <= OR; otherwise
its inner count is left out (the rest of the study stays) and the study is named in
``excluded`` and in ``left_out`` with a one-line reason. A study reporting CR but not OR
contributes ``CR ~ Bin(n, ORR * q)``, the marginal of the same model: nothing is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from bayesmeta.data.metadata import Exclusion
from bayesmeta.errors import InputError
from bayesmeta.joint.data import JointData
from bayesmeta.joint.problem import JointProblem

__all__ = ["DIRECT", "MARGINAL", "AMONG_OUTER", "Nesting", "parse_nested", "nesting_violations"]

DIRECT, AMONG_OUTER, MARGINAL = 0, 1, 2
"""Observation modes of a cell: Bin(n, p_o); Bin(outer events, q); Bin(n, p_outer * q)."""

_NESTED = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*<\s*([A-Za-z][A-Za-z0-9_]*)\s*$")


@dataclass(frozen=True)
class Nesting:
    """The nested mode and what it left out.

    Attributes
    ----------
    text : str
        ``"crr<orr"``.
    inner, outer : str
        The nested outcome and the one it is nested in.
    data : JointData
        The data with the inner count of each breaking study removed (recorded in ``excluded``).
    left_out : tuple of Exclusion
        The studies whose inner count was left out, and why.
    """

    text: str
    inner: str
    outer: str
    data: JointData
    left_out: tuple[Exclusion, ...]

    @property
    def latent_name(self) -> str:
        """Name of the inner outcome's latent rate (``crr|orr``)."""
        return f"{self.inner}|{self.outer}"

    def latent_problem(self, problem: JointProblem) -> JointProblem:
        """The long problem with the inner outcome's cells counted among the outer's events.

        Parameters
        ----------
        problem : JointProblem
            The problem of ``self.data``.

        Returns
        -------
        JointProblem
            ``names`` with ``inner|outer`` in place of ``inner``, ``mode`` per cell and the
            totals of the cells observed among the outer events.
        """
        data = self.data
        i, o = data.index(self.inner), data.index(self.outer)
        mode = np.full(len(problem.events), DIRECT)
        total = problem.total.copy()
        for cell in np.flatnonzero(problem.outcome == i):
            study = problem.study[cell]
            if data.reported[study, o]:
                mode[cell] = AMONG_OUTER
                total[cell] = data.events[study, o]
            else:
                mode[cell] = MARGINAL
        names = tuple(self.latent_name if n == self.inner else n for n in problem.names)
        return replace(problem, total=total, names=names, mode=mode, outer=o)


def nesting_violations(data: JointData, inner: str, outer: str) -> list[Exclusion]:
    """Studies whose counts break ``inner`` nested in ``outer`` (more inner events, or other
    denominators), each with a one-line reason naming the study and the fields.

    Parameters
    ----------
    data : JointData
        The studies.
    inner, outer : str
        Outcome names (``crr``, ``orr``).

    Returns
    -------
    list of Exclusion
    """
    i, o = data.index(inner), data.index(outer)
    ci, co = data.outcomes[i], data.outcomes[o]
    found = []
    for row, study in enumerate(data.studies):
        if not (data.reported[row, i] and data.reported[row, o]):
            continue
        if data.total[row, i] != data.total[row, o]:
            found.append(
                Exclusion(
                    study,
                    f"'{inner}' left out of the nested model: '{ci.total}' = "
                    f"{data.total[row, i]} differs from '{co.total}' = {data.total[row, o]} "
                    "(nesting needs the same patients)",
                )
            )
        elif data.events[row, i] > data.events[row, o]:
            found.append(
                Exclusion(
                    study,
                    f"'{inner}' left out of the nested model: '{ci.events}' = "
                    f"{data.events[row, i]} exceeds '{co.events}' = {data.events[row, o]} "
                    f"({inner} is nested in {outer})",
                )
            )
    return found


def parse_nested(text: str, data: JointData) -> Nesting:
    """Read ``--nested "crr<orr"`` and leave out the inner counts that break it.

    Parameters
    ----------
    text : str
        ``"inner<outer"``, both outcomes of ``data``.
    data : JointData
        The studies.

    Returns
    -------
    Nesting

    Raises
    ------
    InputError
        A malformed option, an unknown outcome, or no study left with the inner outcome.
    """
    match = _NESTED.match(str(text))
    if not match:
        raise InputError(f"--nested: cannot read '{text}' (expected 'inner<outer', e.g. 'crr<orr')")
    inner, outer = match.group(1), match.group(2)
    for name in (inner, outer):
        if name not in data.names:
            raise InputError(
                f"--nested: '{name}' is not one of the outcomes ({', '.join(data.names)})"
            )
    if inner == outer:
        raise InputError(f"--nested: '{text}' nests an outcome in itself")
    left_out = nesting_violations(data, inner, outer)
    reported = np.array(data.reported, copy=True)
    i = data.index(inner)
    for exclusion in left_out:
        reported[data.studies.index(exclusion.study), i] = False
    if not reported[:, i].any():
        raise InputError(f"--nested: no study is left reporting '{inner}'")
    kept = JointData(
        studies=data.studies,
        outcomes=data.outcomes,
        events=np.where(reported, data.events, 0),
        total=np.where(reported, data.total, 0),
        reported=reported,
        covariates=data.covariates,
        excluded=data.excluded + tuple(left_out),
    )
    return Nesting(
        text=f"{inner}<{outer}", inner=inner, outer=outer, data=kept, left_out=tuple(left_out)
    )
