"""Exceptions raised on bad input.

Every message is one line that names the offending study (or file, key) and field, so the
CLI can print it as is and exit with status 2.
"""

from __future__ import annotations

__all__ = ["AccuracyWarning", "BayesmetaError", "ConvergenceWarning", "InputError", "SpecError"]


class BayesmetaError(Exception):
    """Base class for errors the user can fix by changing their input.

    Parameters
    ----------
    message : str
        One line naming the study (or file and key) and the field at fault.
    """


class InputError(BayesmetaError, ValueError):
    """A data table, column or option is invalid.

    Parameters
    ----------
    message : str
        One line naming the study (or column, or option) and the field at fault.
    """


class SpecError(BayesmetaError, ValueError):
    """A model specification file is malformed.

    Parameters
    ----------
    message : str
        One line naming the file and the key at fault.
    """


class ConvergenceWarning(UserWarning):
    """Sampling diagnostics (R-hat, ESS, divergences) failed their thresholds.

    Parameters
    ----------
    message : str
        Which diagnostics failed, with their values.
    """


class AccuracyWarning(UserWarning):
    """A deterministic (quadrature) result whose numerical accuracy is below the usual: the
    message names the quantity and the size of the doubt.

    Parameters
    ----------
    message : str
        Which quantity, and why.
    """


class OutputError(BayesmetaError):
    """An output folder cannot be written: it is a file, not writable, locked, or the disk is
    full. Nothing was written (the previous folder, if any, is intact).

    Parameters
    ----------
    message : str
        What cannot be written, and why.
    """
