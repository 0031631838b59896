"""`JointData`: several outcomes per study, each study contributing the outcomes it reports.

Built by the readers of :mod:`bayesmeta.joint.wide_table`, which validate every cell; the
constructors trust their arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from bayesmeta.data.metadata import Exclusion, MetaData, frozen_array
from bayesmeta.errors import InputError
from bayesmeta.joint.columns import OutcomeColumns

__all__ = ["JointCounts", "JointData"]


@dataclass(frozen=True)
class JointCounts:
    """The data shape ``"joint"`` (:mod:`bayesmeta.data.outcomes`): several counts per study.

    Attributes
    ----------
    studies : tuple of str
        Study labels.
    names : tuple of str
        Outcome names.
    events, total, reported : numpy.ndarray
        ``(study, outcome)`` arrays (read-only; 0 where not reported).
    """

    shape: ClassVar[str] = "joint"
    studies: tuple[str, ...]
    names: tuple[str, ...]
    events: np.ndarray
    total: np.ndarray
    reported: np.ndarray

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self.studies)


@dataclass(frozen=True)
class JointData:
    """Events and totals of several outcomes on the same studies.

    Build it with :func:`joint_from_frame` or :func:`joint_from_csv`, which validate every
    cell; the constructor trusts its arguments.

    Attributes
    ----------
    studies : tuple of str
        Studies reporting at least one outcome, in input order.
    outcomes : tuple of OutcomeColumns
        The outcomes and their columns, in the order asked for.
    events, total : numpy.ndarray
        Read-only int64 arrays ``(study, outcome)``; 0 where not reported.
    reported : numpy.ndarray
        Read-only bool array ``(study, outcome)``: the study reports the outcome.
    covariates : pandas.DataFrame
        Study-level covariates indexed by study label (a private copy).
    excluded : tuple of Exclusion
        Studies left out (no outcome reported, a missing covariate), with the reason.
    """

    studies: tuple[str, ...]
    outcomes: tuple[OutcomeColumns, ...]
    events: np.ndarray
    total: np.ndarray
    reported: np.ndarray
    covariates: pd.DataFrame = field(repr=False)
    excluded: tuple[Exclusion, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", frozen_array(self.events, np.int64))
        object.__setattr__(self, "total", frozen_array(self.total, np.int64))
        object.__setattr__(self, "reported", frozen_array(self.reported, bool))
        shape = (len(self.studies), len(self.outcomes))
        if not (self.events.shape == self.total.shape == self.reported.shape == shape):
            raise ValueError("events, total and reported must be (study, outcome) arrays")
        if len(self.covariates) != len(self.studies):
            raise ValueError("covariates must have one row per study")

    @property
    def k(self) -> int:
        """Number of studies in the analysis."""
        return len(self.studies)

    @property
    def names(self) -> tuple[str, ...]:
        """The outcomes' names."""
        return tuple(o.name for o in self.outcomes)

    @property
    def outcome(self) -> str:
        """The outcomes as one label (``orr,crr,dead``), as ``MetaData.outcome``."""
        return ",".join(self.names)

    @property
    def observations(self) -> JointCounts:
        """The data shape the joint likelihood reads (no copy)."""
        return JointCounts(self.studies, self.names, self.events, self.total, self.reported)

    def without(self, study: str, *, reason: str) -> JointData:
        """Leave one study out (leave-one-out analyses), recording why.

        Parameters
        ----------
        study : str
            Its label.
        reason : str
            Why it is left out.

        Returns
        -------
        JointData
        """
        if study not in self.studies:
            raise InputError(f"study '{study}' is not in the analysis")
        keep = np.array([s != study for s in self.studies])
        return self.subset(keep, exclusions=(Exclusion(study, reason),))

    def where(self, mask: np.ndarray) -> JointData:
        """The studies selected by a boolean mask (a partition: no exclusion recorded).

        Parameters
        ----------
        mask : numpy.ndarray
            Boolean mask over ``studies``.

        Returns
        -------
        JointData
        """
        return self.subset(np.asarray(mask, dtype=bool), exclusions=())

    def index(self, name: str) -> int:
        """Position of an outcome by name (``InputError`` naming it if unknown)."""
        if name not in self.names:
            raise InputError(f"unknown outcome '{name}' (outcomes: {', '.join(self.names)})")
        return self.names.index(name)

    def long(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The reported cells, study-major: (study index, outcome index, events, total).

        Returns
        -------
        tuple of numpy.ndarray
        """
        study, outcome = np.nonzero(self.reported)
        return study, outcome, self.events[study, outcome], self.total[study, outcome]

    def to_long_frame(self) -> pd.DataFrame:
        """One row per reported (study, outcome): ``study, outcome, events, total``.

        Returns
        -------
        pandas.DataFrame
        """
        study, outcome, events, total = self.long()
        return pd.DataFrame(
            {
                "study": [self.studies[i] for i in study],
                "outcome": [self.names[o] for o in outcome],
                "events": events,
                "total": total,
            }
        )

    def counts(self) -> dict[str, int]:
        """Number of studies reporting each outcome, and all of them (``"all"``)."""
        out = {name: int(self.reported[:, j].sum()) for j, name in enumerate(self.names)}
        out["all"] = int(self.reported.all(axis=1).sum())
        return out

    def single(self, name: str) -> MetaData:
        """One outcome alone, as the single-outcome :class:`MetaData` (its own exclusions).

        Parameters
        ----------
        name : str
            The outcome's name.

        Returns
        -------
        MetaData
        """
        j = self.index(name)
        keep = self.reported[:, j]
        absent = tuple(
            Exclusion(s, f"outcome '{name}' not reported")
            for s, k in zip(self.studies, keep, strict=True)
            if not k
        )
        return MetaData(
            studies=tuple(s for s, k in zip(self.studies, keep, strict=True) if k),
            events=self.events[keep, j],
            total=self.total[keep, j],
            covariates=self.covariates.loc[keep].copy(),
            excluded=self.excluded + absent,
            outcome=name,
        )

    def complete_for(self, columns: Sequence[str]) -> JointData:
        """Keep the studies that have every covariate in ``columns``; record the others.

        Parameters
        ----------
        columns : sequence of str
            Covariate columns.

        Returns
        -------
        JointData
        """
        for column in columns:
            if column not in self.covariates.columns:
                available = ", ".join(map(str, self.covariates.columns)) or "none"
                raise InputError(
                    f"covariate '{column}' is not a column of the data (covariates: {available})"
                )
        keep = np.ones(self.k, dtype=bool)
        dropped = []
        for position, study in enumerate(self.studies):
            missing = [c for c in columns if pd.isna(self.covariates.iloc[position][c])]
            if missing:
                keep[position] = False
                dropped.append(Exclusion(study, f"missing covariate '{missing[0]}'"))
        if not keep.any():
            raise InputError(f"no study has every covariate of {', '.join(columns)}")
        return self.subset(keep, exclusions=tuple(dropped))

    def subset(self, keep: np.ndarray, *, exclusions: tuple[Exclusion, ...]) -> JointData:
        """The studies selected by a boolean mask, with ``exclusions`` recorded for the others.

        Parameters
        ----------
        keep : numpy.ndarray
            Boolean mask over ``studies``.
        exclusions : tuple of Exclusion
            Why the others were left out.

        Returns
        -------
        JointData
        """
        keep = np.asarray(keep, dtype=bool)
        return JointData(
            studies=tuple(s for s, k in zip(self.studies, keep, strict=True) if k),
            outcomes=self.outcomes,
            events=self.events[keep],
            total=self.total[keep],
            reported=self.reported[keep],
            covariates=self.covariates.loc[keep].copy(),
            excluded=self.excluded + exclusions,
        )

    def excluded_records(self) -> list[dict[str, str]]:
        """Excluded studies as JSON-ready dictionaries."""
        return [e.to_dict() for e in self.excluded]
