"""The wide table of several outcomes (one row per study, an events and a total column per
outcome) validated into :class:`~bayesmeta.joint.JointData`: :func:`joint_from_frame`,
:func:`joint_from_csv`. Every cell is checked; a bad one is one line naming the study and field.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesmeta.data.metadata import Exclusion
from bayesmeta.data.reader import _check_size, _count, _is_missing, _study_labels, read_table
from bayesmeta.errors import InputError
from bayesmeta.joint.columns import OutcomeColumns, parse_outcomes, resolve_columns
from bayesmeta.joint.data import JointData

__all__ = ["joint_from_csv", "joint_from_frame"]


def joint_from_csv(
    path: str,
    *,
    outcomes: str | Sequence[str] | Sequence[OutcomeColumns],
    study: str = "study",
    covariates: Sequence[str] | None = None,
) -> JointData:
    """Read and validate a CSV file; see :func:`joint_from_frame` for the options.

    Parameters
    ----------
    path : str
        The CSV file.
    outcomes : str, sequence of str or sequence of OutcomeColumns
        The outcomes (``"orr,crr,dead"`` or ``"resp=x1:n1,cr=x2:n2"``).
    study : str, optional
        Column with unique study labels.
    covariates : sequence of str, optional
        Covariate columns to keep (default: every other column).

    Returns
    -------
    JointData
    """
    return joint_from_frame(read_table(path), outcomes=outcomes, study=study, covariates=covariates)


def joint_from_frame(
    frame: pd.DataFrame,
    *,
    outcomes: str | Sequence[str] | Sequence[OutcomeColumns],
    study: str = "study",
    covariates: Sequence[str] | None = None,
) -> JointData:
    """Validate a wide table (one row per study, two columns per outcome) into `JointData`.

    A study contributes the outcomes it reports (both columns given); an outcome with both
    columns empty is simply absent. A study reporting none of the outcomes is excluded and
    listed in ``excluded``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per study. It is never modified.
    outcomes : str, sequence of str or sequence of OutcomeColumns
        ``"orr,crr,dead"`` (columns ``<name>_events``/``<name>_total``; ``death`` falls back to
        the bundled ``dead_*`` columns) or ``"resp=x1:n1,cr=x2:n2"``.
    study : str, default "study"
        Column with unique study labels.
    covariates : sequence of str, optional
        Study-level covariate columns to keep; by default every column not used above.

    Returns
    -------
    JointData

    Raises
    ------
    InputError
        One line naming the study and field (as :func:`bayesmeta.data.from_frame`), or the
        outcome whose column does not exist.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    if frame.empty:
        raise InputError("the data table has no rows")
    if isinstance(outcomes, str) or not all(isinstance(o, OutcomeColumns) for o in outcomes):
        outcomes = parse_outcomes(outcomes)  # type: ignore[arg-type]
    outcomes = resolve_columns(outcomes, list(map(str, frame.columns)))
    if study not in frame.columns:
        raise InputError(f"study column '{study}' not found (columns: {', '.join(frame.columns)})")
    used: dict[str, str] = {study: "the study label"}
    for o in outcomes:
        for role, column in (("events", o.events), ("total", o.total)):
            if column not in frame.columns:
                available = ", ".join(map(str, frame.columns))
                raise InputError(
                    f"outcome '{o.name}': {role} column '{column}' not found (columns: {available})"
                )
            if column in used:
                raise InputError(f"outcome '{o.name}': column '{column}' is already {used[column]}")
            used[column] = f"the {role} of '{o.name}'"
    if covariates is None:
        covariates = [c for c in frame.columns if c not in used]
    for column in covariates:
        if column not in frame.columns:
            raise InputError(f"covariate column '{column}' not found")

    labels = _study_labels(frame[study], study)
    m = len(outcomes)
    events = np.zeros((len(labels), m), dtype=np.int64)
    total = np.zeros((len(labels), m), dtype=np.int64)
    reported = np.zeros((len(labels), m), dtype=bool)
    for position, label in enumerate(labels):
        for j, o in enumerate(outcomes):
            cell = _cell(frame, position, label, o)
            if cell is not None:
                events[position, j], total[position, j] = cell
                reported[position, j] = True
    keep = reported.any(axis=1)
    if not keep.any():
        raise InputError(
            "no study reports any of the outcomes " + ", ".join(o.name for o in outcomes)
        )
    excluded = tuple(
        Exclusion(label, "reports none of the outcomes " + ", ".join(o.name for o in outcomes))
        for label, k in zip(labels, keep, strict=True)
        if not k
    )
    covariate_frame = frame.loc[keep, list(covariates)].copy()
    covariate_frame.index = pd.Index(
        [label for label, k in zip(labels, keep, strict=True) if k], name="study"
    )
    return JointData(
        studies=tuple(label for label, k in zip(labels, keep, strict=True) if k),
        outcomes=tuple(outcomes),
        events=events[keep],
        total=total[keep],
        reported=reported[keep],
        covariates=covariate_frame,
        excluded=excluded,
    )


def _cell(
    frame: pd.DataFrame, position: int, label: str, o: OutcomeColumns
) -> tuple[int, int] | None:
    """One study's (events, total) of one outcome; None when both are missing."""
    raw_events = frame[o.events].iloc[position]
    raw_total = frame[o.total].iloc[position]
    events_missing, total_missing = _is_missing(raw_events), _is_missing(raw_total)
    if events_missing and total_missing:
        return None
    if events_missing or total_missing:
        absent, present = (o.events, o.total) if events_missing else (o.total, o.events)
        raise InputError(f"study '{label}': '{absent}' is missing but '{present}' is given")
    n_events = _count(raw_events, label, o.events)
    n_total = _count(raw_total, label, o.total)
    if n_total < 1:
        raise InputError(f"study '{label}': '{o.total}' is {n_total}; it must be at least 1")
    if n_events > n_total:
        raise InputError(
            f"study '{label}': '{o.events}' = {n_events} exceeds '{o.total}' = {n_total}"
        )
    _check_size(n_total, label, o.total)
    return n_events, n_total
