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
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from bayesmeta.data.names import IPD_DATASETS
from bayesmeta.data.reader import _count as _study_count
from bayesmeta.data.reader import _is_missing
from bayesmeta.errors import InputError


@dataclass(frozen=True)
class RowExclusion:
    """A patient row (or aggregate trial) left out of an analysis, and why.

    Attributes
    ----------
    row : int
        1-based data row of its file (the header not counted).
    trial : str
        Its trial.
    reason : str
        Why it was left out.
    source : str
        ``"patients"`` or ``"aggregate"``: which file the row is in.
    """

    row: int
    trial: str
    reason: str
    source: str = "patients"

    @property
    def study(self) -> str:
        """The trial label (the name every result's ``excluded`` uses).

        Returns
        -------
        str
        """
        return self.trial

    def to_dict(self) -> dict[str, object]:
        """JSON form.

        Returns
        -------
        dict
        """
        return {"row": self.row, "trial": self.trial, "source": self.source, "reason": self.reason}


def _frozen(values, dtype) -> np.ndarray:
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class PatientData:
    """Validated rows of an IPD meta-analysis, optionally with aggregate trials.

    Build it with :func:`patients_from_frame` (the constructor trusts its arguments). Rows
    are in input order; ``trial_index`` maps each row to ``trials``.

    Attributes
    ----------
    trials : tuple of str
        Trial labels, in order of first appearance (patient trials first, then aggregate ones).
    trial_index : numpy.ndarray
        Trial of each row (index into ``trials``), read-only int64.
    events, total : numpy.ndarray
        Events and patients of each row (0/1 and 1 for a patient row), read-only int64.
    covariates : pandas.DataFrame
        The covariates of each row (a private copy); for an aggregate row, the reported means.
    rows : numpy.ndarray
        1-based data row of each row in its file.
    aggregate : numpy.ndarray
        True for a row of an aggregate-data trial.
    excluded : tuple of RowExclusion
        Rows left out, with the reason; carried into every result.
    outcome : str
        Name of the outcome.
    """

    shape: ClassVar[str] = "ipd"
    trials: tuple[str, ...]
    trial_index: np.ndarray
    events: np.ndarray
    total: np.ndarray
    covariates: pd.DataFrame
    rows: np.ndarray
    aggregate: np.ndarray
    excluded: tuple[RowExclusion, ...] = field(default_factory=tuple)
    outcome: str = "outcome"

    @property
    def studies(self) -> tuple[str, ...]:
        """The trial labels (the name of the study axis elsewhere in the package).

        Returns
        -------
        tuple of str
        """
        return self.trials

    @property
    def k(self) -> int:
        """Number of trials.

        Returns
        -------
        int
        """
        return len(self.trials)

    @property
    def n_patients(self) -> int:
        """Patients in the patient rows (aggregate trials not counted).

        Returns
        -------
        int
        """
        return int(self.total[~self.aggregate].sum())

    @property
    def aggregate_trials(self) -> tuple[str, ...]:
        """Trials that entered as aggregate data.

        Returns
        -------
        tuple of str
        """
        return tuple(sorted({self.trials[i] for i in self.trial_index[self.aggregate]}))

    def _subset(self, keep: np.ndarray, extra: Sequence[RowExclusion]) -> PatientData:
        keep = np.asarray(keep, dtype=bool)
        used = np.unique(self.trial_index[keep])
        trials = tuple(self.trials[i] for i in used)
        remap = np.full(len(self.trials), -1)
        remap[used] = np.arange(len(used))
        return PatientData(
            trials=trials,
            trial_index=_frozen(remap[self.trial_index[keep]], np.int64),
            events=_frozen(self.events[keep], np.int64),
            total=_frozen(self.total[keep], np.int64),
            covariates=self.covariates[keep].copy(),
            rows=_frozen(self.rows[keep], np.int64),
            aggregate=_frozen(self.aggregate[keep], bool),
            excluded=(*self.excluded, *extra),
            outcome=self.outcome,
        )

    def complete_for(self, columns: Sequence[str]) -> PatientData:
        """Leave out (and record) patient rows missing any of ``columns``.

        Aggregate rows are not checked here (their columns are the reported means, checked by
        :mod:`bayesmeta.ipd.within_across`).

        Parameters
        ----------
        columns : sequence of str
            Covariate columns the analysis needs.

        Returns
        -------
        PatientData
            A new object; this one is unchanged.
        """
        for column in columns:
            if column not in self.covariates.columns:
                raise InputError(f"modifier column '{column}' not found in the patient data")
        keep = np.ones(len(self.rows), dtype=bool)
        extra: list[RowExclusion] = []
        for position in range(len(self.rows)):
            if self.aggregate[position]:
                continue
            missing = [c for c in columns if _is_missing(self.covariates[c].iloc[position])]
            if missing:
                keep[position] = False
                extra.append(
                    RowExclusion(
                        int(self.rows[position]),
                        self.trials[self.trial_index[position]],
                        f"'{missing[0]}' is missing",
                    )
                )
        if not keep.any():
            raise InputError(f"no patient row has every modifier ({', '.join(columns)})")
        return self._subset(keep, extra) if extra else self

    def with_aggregate(self, aggregate: AggregateData) -> PatientData:
        """These patient rows plus aggregate trials (one row each).

        Parameters
        ----------
        aggregate : AggregateData
            From :func:`aggregate_from_frame`.

        Returns
        -------
        PatientData
        """
        clash = sorted(set(self.trials) & set(aggregate.trials))
        if clash:
            raise InputError(
                f"aggregate trial '{clash[0]}' is also in the patient data (a trial enters once)"
            )
        k = len(self.trials)
        covariates = pd.concat(
            [self.covariates, aggregate.covariates.reset_index(drop=True)], ignore_index=True
        )
        return PatientData(
            trials=(*self.trials, *aggregate.trials),
            trial_index=_frozen(
                np.concatenate([self.trial_index, k + np.arange(len(aggregate.trials))]), np.int64
            ),
            events=_frozen(np.concatenate([self.events, aggregate.events]), np.int64),
            total=_frozen(np.concatenate([self.total, aggregate.total]), np.int64),
            covariates=covariates,
            rows=_frozen(np.concatenate([self.rows, aggregate.rows]), np.int64),
            aggregate=_frozen(
                np.concatenate([self.aggregate, np.ones(len(aggregate.trials), bool)]), bool
            ),
            excluded=(*self.excluded, *aggregate.excluded),
            outcome=self.outcome,
        )

    def trial_counts(self) -> pd.DataFrame:
        """Events and patients per trial, and whether it is aggregate data.

        Returns
        -------
        pandas.DataFrame
            Columns trial, events, total, aggregate; one row per trial in ``trials`` order.
        """
        k = len(self.trials)
        return pd.DataFrame(
            {
                "trial": list(self.trials),
                "events": np.bincount(self.trial_index, self.events, minlength=k).astype(int),
                "total": np.bincount(self.trial_index, self.total, minlength=k).astype(int),
                "aggregate": np.bincount(self.trial_index, self.aggregate, minlength=k) > 0,
            }
        )


@dataclass(frozen=True)
class AggregateData:
    """Trials that reported only events/total and the mean of each modifier.

    Attributes
    ----------
    trials : tuple of str
    events, total : numpy.ndarray
    covariates : pandas.DataFrame
        Reported means (proportions for 0/1 and categorical modifiers).
    rows : numpy.ndarray
        1-based data rows in the aggregate file.
    excluded : tuple of RowExclusion
    """

    trials: tuple[str, ...]
    events: np.ndarray
    total: np.ndarray
    covariates: pd.DataFrame
    rows: np.ndarray
    excluded: tuple[RowExclusion, ...] = ()


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
        trial_index=_frozen([index[t] for t in labels], np.int64),
        events=_frozen(ev, np.int64),
        total=_frozen(tot, np.int64),
        covariates=cov,
        rows=_frozen(np.array(kept) + 1, np.int64),
        aggregate=_frozen(np.zeros(len(kept), bool), bool),
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
        events=_frozen(ev, np.int64),
        total=_frozen(tot, np.int64),
        covariates=frame.iloc[kept][list(covariates)].reset_index(drop=True).copy(),
        rows=_frozen(np.array(kept, dtype=np.int64) + 1, np.int64),
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
