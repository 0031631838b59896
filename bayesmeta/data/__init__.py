"""The validated data layer: one representation of a meta-analysis data set.

The names are loaded on first use (PEP 562), so importing ``bayesmeta.data.names`` (the CLI's
parser does) does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bayesmeta.data.bundled import (
        OUTCOMES,
        cart_outcome,
        load_cart_wu2025,
        load_cart_wu2025_table2,
        load_dataset,
        provenance,
    )
    from bayesmeta.data.metadata import Exclusion, MetaData
    from bayesmeta.data.reader import from_csv, from_frame, read_table

_HOMES = {
    "OUTCOMES": "bundled",
    "cart_outcome": "bundled",
    "load_cart_wu2025": "bundled",
    "load_cart_wu2025_table2": "bundled",
    "load_dataset": "bundled",
    "provenance": "bundled",
    "Exclusion": "metadata",
    "MetaData": "metadata",
    "from_csv": "reader",
    "from_frame": "reader",
    "read_table": "reader",
}

__all__ = [
    "OUTCOMES",
    "Exclusion",
    "MetaData",
    "cart_outcome",
    "from_csv",
    "from_frame",
    "load_cart_wu2025",
    "load_cart_wu2025_table2",
    "load_dataset",
    "provenance",
    "read_table",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(f"bayesmeta.data.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bayesmeta.data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
