"""The software stack a result was computed with, recorded in every report and JSON output."""

from __future__ import annotations

import platform
from importlib import metadata

__all__ = ["stack_versions"]

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
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found
