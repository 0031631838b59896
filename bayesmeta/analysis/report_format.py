"""Number, rate, interval and Pareto-k formatting shared by the analysis reports."""

from __future__ import annotations

import math
from typing import Any


def num(value: Any, digits: int = 3) -> str:
    """A number for a table ('' when missing or not finite).

    Parameters
    ----------
    value : Any
        A number, or None.
    digits : int, optional
        Digits after the decimal point.

    Returns
    -------
    str
    """
    if value is None:
        return ""
    value = float(value)
    return f"{value:.{digits}f}" if math.isfinite(value) else ""


def pareto_k(value: float) -> str:
    """k to 3 decimals, rounded down so that a k below 0.7 never prints as 0.700.

    Parameters
    ----------
    value : float
        A number, or None.

    Returns
    -------
    str
    """
    return f"{math.floor(float(value) * 1000) / 1000:.3f}"


def rate(value: Any) -> str:
    """A rate as a percentage with one decimal (``''`` when missing or not finite).

    Parameters
    ----------
    value : float or None
        A rate in [0, 1].

    Returns
    -------
    str
        ``"58.2%"``.
    """
    return "" if value is None or not math.isfinite(float(value)) else f"{100 * float(value):.1f}%"


def span(lo: Any, hi: Any) -> str:
    """An interval of rates as text (``''`` when a bound is missing).

    Parameters
    ----------
    lo, hi : float or None
        Lower and upper bounds, rates in [0, 1].

    Returns
    -------
    str
        ``"43.0% to 72.1%"``.
    """
    if lo is None or hi is None:
        return ""
    return f"{rate(lo)} to {rate(hi)}"


def interval_text(iv: Any) -> str:
    """'58.2% (43.0% to 72.1%)' for an Interval-like object.

    Parameters
    ----------
    iv : Any
        An Interval or an object with ``median``, ``lo`` and ``hi``.

    Returns
    -------
    str
    """
    return "" if iv is None else f"{rate(iv.median)} ({span(iv.lo, iv.hi)})"
