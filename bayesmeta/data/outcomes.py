"""The outcome layer: the data shapes a likelihood reads, apart from the study table.

A study table (:class:`~bayesmeta.data.metadata.MetaData`) holds the studies, their covariates
and the exclusions; a *data shape* is what a likelihood evaluates on: today one binomial count
per study (:class:`BinomialCounts`). Shapes for several outcomes per study or for patient rows
live in their own modules beside this one and declare their :attr:`shape` name; a likelihood
names the shape it reads (:attr:`bayesmeta.model.likelihoods.Likelihood.data_shape`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class BinomialCounts:
    """Events out of a total in each study: the data of binomial-type likelihoods.

    Attributes
    ----------
    studies : tuple of str
        Study labels, in the study table's order.
    events, total : numpy.ndarray
        Read-only int64 arrays aligned with ``studies``.
    """

    shape: ClassVar[str] = "binomial"

    studies: tuple[str, ...]
    events: np.ndarray
    total: np.ndarray

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self.studies)
