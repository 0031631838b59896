"""The software stack a result was computed with, recorded in every report and JSON output."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["json_ready", "stack_versions", "with_versions"]

PACKAGES: tuple[str, ...] = (
    "bayesmeta",
    "numpy",
    "scipy",
    "pandas",
    "pymc",
    "pytensor",
    "arviz",
    "xarray",
    "matplotlib",
)


def stack_versions() -> dict[str, str]:
    """Versions of Python and of the packages results depend on.

    Returns
    -------
    dict of str to str
        ``{"python": "3.11.7", "numpy": "2.4.6", ...}``; a package that is not installed maps
        to ``"absent"``.
    """
    # imported here: importlib.metadata costs a third of the CLI's start (--version, --help)
    import platform
    from importlib import metadata

    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def json_ready(value: Any) -> Any:
    """A JSON-ready copy of ``value``: NaN and inf become None, numpy scalars Python numbers.

    Parameters
    ----------
    value : Any
        A number, string, mapping or sequence (nested).

    Returns
    -------
    Any
        The same structure with dict keys as strings, tuples as lists, non-finite floats as None.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return json_ready(value.item())
    return value


def with_versions(payload: dict[str, Any] | list[Any]) -> dict[str, Any] | list[Any]:
    """The payload with the software stack under ``versions`` (in each row of a list).

    Parameters
    ----------
    payload : dict or list of dict
        A JSON output.

    Returns
    -------
    dict or list of dict
        A copy with ``versions`` (:func:`stack_versions`) added.
    """
    versions = stack_versions()
    if isinstance(payload, dict):
        return {**payload, "versions": versions}
    return [{**row, "versions": versions} if isinstance(row, dict) else row for row in payload]
