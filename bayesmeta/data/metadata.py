"""`MetaData`: the validated, immutable table one analysis works on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayesmeta.data.outcomes import BinomialCounts
from bayesmeta.errors import InputError


@dataclass(frozen=True)
class Exclusion:
    """A study left out of an analysis, and why.

    Attributes
    ----------
    study : str
        Label of the study.
    reason : str
        Why it was left out, e.g. ``"outcome not reported"``.
    """

    study: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"study": self.study, "reason": self.reason}


def frozen_array(values, dtype=np.int64) -> np.ndarray:
    """A read-only copy of ``values`` as an array of ``dtype`` (the data classes' arrays).

    Parameters
    ----------
    values : array_like
        The values.
    dtype : numpy dtype, default numpy.int64
        Their type.

    Returns
    -------
    numpy.ndarray
    """
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class MetaData:
    """Events and totals of one outcome across studies, with study-level covariates.

    Build it with :func:`bayesmeta.data.from_frame` or :func:`bayesmeta.data.from_csv`, which
    validate every cell; the constructor trusts its arguments.

    Attributes
    ----------
    studies : tuple of str
        Labels of the studies in the analysis, in input order.
    events, total : numpy.ndarray
        Read-only int64 arrays aligned with ``studies``.
    covariates : pandas.DataFrame
        Study-level covariates indexed by study label (a private copy).
    excluded : tuple of Exclusion
        Studies left out, with the reason; carried into every result.
    outcome : str
        Name of the outcome (the events column unless given).
    """

    studies: tuple[str, ...]
    events: np.ndarray
    total: np.ndarray
    covariates: pd.DataFrame = field(repr=False)
    excluded: tuple[Exclusion, ...] = ()
    outcome: str = "events"

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", frozen_array(self.events))
        object.__setattr__(self, "total", frozen_array(self.total))
        if not (len(self.studies) == len(self.events) == len(self.total) == len(self.covariates)):
            raise ValueError("studies, events, total and covariates must have the same length")

    @property
    def k(self) -> int:
        """Number of studies in the analysis."""
        return len(self.studies)

    @property
    def counts(self) -> BinomialCounts:
        """The binomial data shape of the outcome layer (events and totals, no copy)."""
        return BinomialCounts(self.studies, self.events, self.total)

    def complete_for(self, columns: Sequence[str]) -> MetaData:
        """Keep the studies that have every covariate in ``columns``; report the others.

        Raises
        ------
        InputError
            If a column is not a covariate of the data set, or is missing in every study.
        """
        for column in columns:
            if column not in self.covariates.columns:
                available = ", ".join(map(str, self.covariates.columns)) or "none"
                raise InputError(
                    f"covariate '{column}' is not a column of the data (covariates: {available})"
                )
            if self.covariates[column].isna().all():
                raise InputError(f"covariate '{column}' is missing in every study")
        keep = np.ones(self.k, dtype=bool)
        new_exclusions = []
        for position, study in enumerate(self.studies):
            row = self.covariates.iloc[position]
            missing = [c for c in columns if pd.isna(row[c])]
            if missing:
                keep[position] = False
                new_exclusions.append(Exclusion(study, f"missing covariate '{missing[0]}'"))
        if keep.all():
            return self
        return self._subset(keep, extra_exclusions=tuple(new_exclusions))

    def without(self, study: str, *, reason: str) -> MetaData:
        """Leave one study out (for leave-one-out analyses), recording why."""
        if study not in self.studies:
            raise InputError(f"study '{study}' is not in the analysis")
        keep = np.array([s != study for s in self.studies])
        return self._subset(keep, extra_exclusions=(Exclusion(study, reason),))

    def where(self, mask: np.ndarray) -> MetaData:
        """The studies selected by a boolean mask (no exclusion recorded: a partition)."""
        return self._subset(np.asarray(mask, dtype=bool), extra_exclusions=())

    def levels(self, column: str) -> list:
        """Sorted distinct values of a covariate among the included studies."""
        if column not in self.covariates.columns:
            raise InputError(f"covariate '{column}' is not a column of the data")
        return sorted(self.covariates[column].dropna().unique().tolist())

    def to_frame(self) -> pd.DataFrame:
        """A fresh DataFrame: study, events, total, then the covariates."""
        frame = self.covariates.reset_index(drop=True).copy()
        frame.insert(0, "total", self.total)
        frame.insert(0, "events", self.events)
        frame.insert(0, "study", list(self.studies))
        return frame

    def excluded_records(self) -> list[dict[str, str]]:
        """Excluded studies as JSON-ready dictionaries."""
        return [e.to_dict() for e in self.excluded]

    def _subset(self, keep: np.ndarray, *, extra_exclusions: tuple[Exclusion, ...]) -> MetaData:
        return MetaData(
            studies=tuple(s for s, k in zip(self.studies, keep, strict=True) if k),
            events=self.events[keep],
            total=self.total[keep],
            covariates=self.covariates.loc[keep].copy(),
            excluded=self.excluded + extra_exclusions,
            outcome=self.outcome,
        )
