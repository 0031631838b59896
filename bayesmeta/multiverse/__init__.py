"""Multiverse (specification-curve) analysis of one outcome: every defensible subset of studies
times every method and prior, fitted on any executor (see :mod:`bayesmeta.many`).

``parse_multiverse`` validates a spec file's ``[multiverse]`` table; ``run_multiverse`` fits
the specifications and writes the tidy table, the summary, the specification curve and a report.
"""

from bayesmeta.analysis.multiverse_choices import Multiverse, parse_multiverse, specifications
from bayesmeta.multiverse.run import run_multiverse
from bayesmeta.multiverse.summary import summarize, variance_shares

__all__ = [
    "Multiverse",
    "parse_multiverse",
    "run_multiverse",
    "specifications",
    "summarize",
    "variance_shares",
]
