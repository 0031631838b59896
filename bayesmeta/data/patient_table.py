"""The validated patient rows of an IPD meta-analysis: :class:`PatientData` (patient or
covariate-pattern rows per trial, aggregate trials joined as one row each), :class:`AggregateData`
and :class:`RowExclusion` (a row left out, with its row, trial and reason).

Built by the readers of :mod:`bayesmeta.data.patients`; the constructors trust their arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from bayesmeta.data.metadata import frozen_array
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
            trial_index=frozen_array(remap[self.trial_index[keep]], np.int64),
            events=frozen_array(self.events[keep], np.int64),
            total=frozen_array(self.total[keep], np.int64),
            covariates=self.covariates[keep].copy(),
            rows=frozen_array(self.rows[keep], np.int64),
            aggregate=frozen_array(self.aggregate[keep], bool),
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
            trial_index=frozen_array(
                np.concatenate([self.trial_index, k + np.arange(len(aggregate.trials))]), np.int64
            ),
            events=frozen_array(np.concatenate([self.events, aggregate.events]), np.int64),
            total=frozen_array(np.concatenate([self.total, aggregate.total]), np.int64),
            covariates=covariates,
            rows=frozen_array(np.concatenate([self.rows, aggregate.rows]), np.int64),
            aggregate=frozen_array(
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
