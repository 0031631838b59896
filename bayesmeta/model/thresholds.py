"""Decision thresholds: validation and the JSON key of a rate threshold X in P(rate > X)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from bayesmeta.errors import InputError


def check_thresholds(
    values: Iterable[float] | float | None, *, name: str = "threshold"
) -> tuple[float, ...]:
    """Validate rate thresholds (each in (0, 1)); a single number is one threshold.

    Parameters
    ----------
    values : float or iterable of float or None
        The thresholds (None: none).
    name : str
        What to call them in an error (option or spec key).

    Returns
    -------
    tuple of float
        The thresholds, duplicates removed, in the order given.

    Raises
    ------
    InputError
        A value that is not a number strictly between 0 and 1.
    """
    if values is None:
        return ()
    if isinstance(values, int | float) and not isinstance(values, bool):
        values = [values]
    out: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{name}: {value!r} is not a number")
        if not (math.isfinite(value) and 0.0 < value < 1.0):
            raise InputError(f"{name}: {value!r} is not a rate strictly between 0 and 1")
        if float(value) not in out:
            out.append(float(value))
    return tuple(out)


def threshold_key(threshold: float) -> str:
    """The JSON key of a threshold: the shortest decimal of the float (``0.8`` -> ``"0.8"``).

    Parameters
    ----------
    threshold : float
        A rate in (0, 1).

    Returns
    -------
    str
        ``repr`` of the float, as a user would write it.
    """
    return repr(float(threshold))
