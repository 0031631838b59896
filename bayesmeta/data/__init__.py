"""The validated data layer: one representation of a meta-analysis data set."""

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
