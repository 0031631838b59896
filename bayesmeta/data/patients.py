"""Patient rows of an individual patient data (IPD) meta-analysis, validated.

A table with one row per patient (a trial column, a 0/1 outcome and the patient's
covariates), or one row per covariate pattern of a trial (events of total), read by
:func:`patients_from_frame`. Trials that reported only aggregate counts and the mean of each
modifier are read by :func:`aggregate_from_frame` and joined with :meth:`PatientData.with_aggregate`.

Every cell is checked; a bad one is a one-line :class:`~bayesmeta.errors.InputError` naming the
row (1-based, the header not counted) and the column. Rows are never dropped silently: a
patient without the outcome, or (in :meth:`PatientData.complete_for`) without a modifier, is
left out and recorded in ``excluded`` with its row, trial and reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesmeta.data.metadata import frozen_array
from bayesmeta.data.names import IPD_DATASETS
from bayesmeta.data.patient_table import AggregateData, PatientData, RowExclusion
from bayesmeta.data.reader import _count as _study_count
from bayesmeta.data.reader import _is_missing
from bayesmeta.errors import InputError


def _check_columns(frame: pd.DataFrame, roles: dict[str, str | None]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    if frame.empty:
        raise InputError("the data table has no rows")
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise InputError(f"column '{duplicated[0]}' appears twice in the data table")
    named = [(role, column) for role, column in roles.items() if column is not None]
    for i, (role_a, a) in enumerate(named):
        for role_b, b in named[i + 1 :]:
            if a == b:
                raise InputError(f"{role_a} and {role_b} name the same column '{a}'")
    for role, column in named:
        if column not in frame.columns:
            available = ", ".join(map(str, frame.columns))
            raise InputError(f"{role} column '{column}' not found (columns: {available})")


def _count(value: object, where: str, column: str) -> int:
    """A whole non-negative count; errors name the row (the study-level reader names a study)."""
    try:
        return _study_count(value, where, column)
    except InputError as error:
        raise InputError(str(error).replace(f"study '{where}'", where, 1)) from None


def _trial_label(value: object, row: int, column: str) -> str:
    if _is_missing(value):
        raise InputError(f"row {row}: trial label is missing in column '{column}'")
    return str(value).strip()


def patients_from_frame(
    frame: pd.DataFrame,
    *,
    trial: str = "trial",
    outcome: str | None = None,
    events: str | None = None,
    total: str | None = None,
    covariates: Sequence[str] | None = None,
) -> PatientData:
    """Validate patient rows (``outcome``: 0/1 per patient) or pattern rows (``events``/``total``).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per patient, or per covariate pattern within a trial; never modified.
    trial : str
        Column with the trial labels.
    outcome : str, optional
        Column with the 0/1 outcome of each patient (give this, or ``events`` and ``total``).
    events, total : str, optional
        Columns with the events and patients of each row (grouped rows).
    covariates : sequence of str, optional
        Covariate columns to keep; by default every other column.

    Returns
    -------
    PatientData
        Rows without the outcome are in ``excluded`` (row, trial, reason).

    Raises
    ------
    InputError
        One line naming the row and the column: an outcome other than 0/1, a count that is
        not a whole non-negative number, events above total, a missing trial label, only one of
        events/total, or a column that does not exist.
    """
    if (outcome is None) == (events is None and total is None):
        raise InputError("give the 0/1 outcome column, or the events and total columns")
    if outcome is None and (events is None or total is None):
        raise InputError("grouped patient rows need both the events and the total column")
    _check_columns(frame, {"trial": trial, "outcome": outcome, "events": events, "total": total})
    roles = {trial, outcome, events, total} - {None}
    if covariates is None:
        covariates = [c for c in frame.columns if c not in roles]
    for column in covariates:
        if column not in frame.columns:
            raise InputError(f"covariate column '{column}' not found")
    labels: list[str] = []
    ev: list[int] = []
    tot: list[int] = []
    kept: list[int] = []
    excluded: list[RowExclusion] = []
    for position in range(len(frame)):
        row = position + 1
        label = _trial_label(frame[trial].iloc[position], row, trial)
        where = f"row {row} (trial '{label}')"
        if outcome is not None:
            value = frame[outcome].iloc[position]
            if _is_missing(value):
                excluded.append(RowExclusion(row, label, f"outcome '{outcome}' missing"))
                continue
            count = _count(value, where, outcome)
            if count > 1:
                raise InputError(f"{where}: '{outcome}' = {count} is not 0 or 1")
            n_events, n_total = count, 1
        else:
            raw_e, raw_t = frame[events].iloc[position], frame[total].iloc[position]
            if _is_missing(raw_e) and _is_missing(raw_t):
                excluded.append(
                    RowExclusion(row, label, f"outcome missing ('{events}' and '{total}')")
                )
                continue
            if _is_missing(raw_e) or _is_missing(raw_t):
                absent, present = (events, total) if _is_missing(raw_e) else (total, events)
                raise InputError(f"{where}: '{absent}' is missing but '{present}' is given")
            n_events, n_total = _count(raw_e, where, events), _count(raw_t, where, total)
            if n_total < 1:
                raise InputError(f"{where}: '{total}' is {n_total}; it must be at least 1")
            if n_events > n_total:
                raise InputError(f"{where}: '{events}' = {n_events} exceeds '{total}' = {n_total}")
        labels.append(label)
        ev.append(n_events)
        tot.append(n_total)
        kept.append(position)
    if not kept:
        raise InputError("no patient row has the outcome")
    trials = tuple(dict.fromkeys(labels))
    index = {t: i for i, t in enumerate(trials)}
    cov = frame.iloc[kept][list(covariates)].reset_index(drop=True).copy()
    return PatientData(
        trials=trials,
        trial_index=frozen_array([index[t] for t in labels], np.int64),
        events=frozen_array(ev, np.int64),
        total=frozen_array(tot, np.int64),
        covariates=cov,
        rows=frozen_array(np.array(kept) + 1, np.int64),
        aggregate=frozen_array(np.zeros(len(kept), bool), bool),
        excluded=tuple(excluded),
        outcome=outcome or events or "outcome",
    )


def aggregate_from_frame(
    frame: pd.DataFrame,
    *,
    trial: str = "trial",
    events: str,
    total: str,
    covariates: Sequence[str] | None = None,
) -> AggregateData:
    """Validate aggregate trials: one row each with events, total and modifier means.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per trial; never modified.
    trial : str
        Column with the trial labels (unique).
    events, total : str
        Columns with the trial's events and patients.
    covariates : sequence of str, optional
        Columns with the reported means; by default every other column.

    Returns
    -------
    AggregateData
        Trials without the outcome are in ``excluded``.
    """
    _check_columns(frame, {"trial": trial, "events": events, "total": total})
    if covariates is None:
        covariates = [c for c in frame.columns if c not in (trial, events, total)]
    labels: list[str] = []
    ev: list[int] = []
    tot: list[int] = []
    kept: list[int] = []
    excluded: list[RowExclusion] = []
    seen: dict[str, int] = {}
    for position in range(len(frame)):
        row = position + 1
        label = _trial_label(frame[trial].iloc[position], row, trial)
        if label in seen:
            raise InputError(
                f"aggregate row {row}: trial '{label}' appears twice (rows {seen[label]} and {row})"
            )
        seen[label] = row
        where = f"aggregate row {row} (trial '{label}')"
        raw_e, raw_t = frame[events].iloc[position], frame[total].iloc[position]
        if _is_missing(raw_e) and _is_missing(raw_t):
            excluded.append(RowExclusion(row, label, "outcome not reported", source="aggregate"))
            continue
        if _is_missing(raw_e) or _is_missing(raw_t):
            absent, present = (events, total) if _is_missing(raw_e) else (total, events)
            raise InputError(f"{where}: '{absent}' is missing but '{present}' is given")
        n_events, n_total = _count(raw_e, where, events), _count(raw_t, where, total)
        if n_total < 1:
            raise InputError(f"{where}: '{total}' is {n_total}; it must be at least 1")
        if n_events > n_total:
            raise InputError(f"{where}: '{events}' = {n_events} exceeds '{total}' = {n_total}")
        labels.append(label)
        ev.append(n_events)
        tot.append(n_total)
        kept.append(position)
    return AggregateData(
        trials=tuple(labels),
        events=frozen_array(ev, np.int64),
        total=frozen_array(tot, np.int64),
        covariates=frame.iloc[kept][list(covariates)].reset_index(drop=True).copy(),
        rows=frozen_array(np.array(kept, dtype=np.int64) + 1, np.int64),
        excluded=tuple(excluded),
    )


#: Bundled patient-level data sets (SIMULATED: see :mod:`bayesmeta.ipd.simulated`).


def load_ipd_dataset(name: str) -> pd.DataFrame:
    """A bundled patient-level data set by name (a fresh copy on every call).

    ``ipd_lalu2025_simulated`` is SIMULATED data calibrated to the abstract of Lalu et al.
    (2025), not the trials' patients; its generator and seed are in
    :mod:`bayesmeta.ipd.simulated`.

    Parameters
    ----------
    name : str
        ``"ipd_lalu2025_simulated"``.

    Returns
    -------
    pandas.DataFrame
    """
    from importlib import resources

    if name not in IPD_DATASETS:
        raise InputError(
            f"unknown bundled patient data set '{name}' (available: {', '.join(IPD_DATASETS)})"
        )
    with (
        resources.files("bayesmeta.data")
        .joinpath(f"{name}.csv")
        .open("r", encoding="utf-8") as handle
    ):
        return pd.read_csv(handle, dtype={"bridging": "Int64"})
