"""A lean ``logsumexp`` (scipy's array-API wrapper costs more than the sums on small grids)."""

from __future__ import annotations

import numpy as np


def logsumexp(a: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """log(sum(exp(a))) along ``axis``; -inf where every term is -inf.

    Parameters
    ----------
    a : numpy.ndarray
        Log terms.
    axis
        Axis to sum over (None: all).
    keepdims : bool, optional
        Keep the summed axis with length one.

    Returns
    -------
    numpy.ndarray
    """
    a = np.asarray(a, dtype=float)
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out if out.ndim else float(out)
