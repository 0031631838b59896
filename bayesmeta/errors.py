"""Exceptions raised on bad input.

Every message is one line that names the offending study (or file, key) and field, so the
CLI can print it as is and exit with status 2.
"""

from __future__ import annotations


class BayesmetaError(Exception):
    """Base class for errors the user can fix by changing their input."""


class InputError(BayesmetaError, ValueError):
    """A data table, column or option is invalid."""


class SpecError(BayesmetaError, ValueError):
    """A model specification file is malformed."""


class ConvergenceWarning(UserWarning):
    """Sampling diagnostics (R-hat, ESS, divergences) failed their thresholds."""


class OutputError(BayesmetaError):
    """An output folder cannot be written: it is a file, not writable, locked, or the disk is
    full. Nothing was written (the previous folder, if any, is intact)."""
