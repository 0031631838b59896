"""Plain JSON values from numpy-laden results (``summary.json``, the index, multiverse and
simulate tables): numpy scalars unwrapped, NaN and infinities as null."""

from __future__ import annotations

import math
from typing import Any


def json_ready(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN and infinities as null.

    Parameters
    ----------
    value : Any
        Any JSON-like value (nested dicts and lists).

    Returns
    -------
    Any
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
