"""The bundled CAR-T data set of Wu et al. (2025), Biol Proced Online 27:17.

Per-study counts reconstructed from the paper's forest plots and checked against every
published total; see ``PROVENANCE.md`` beside this module (also :func:`provenance`).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from bayesmeta.data.metadata import MetaData
from bayesmeta.data.names import COVARIATES, DATASETS, OUTCOMES
from bayesmeta.data.reader import from_frame
from bayesmeta.errors import InputError


def _read(name: str) -> pd.DataFrame:
    with resources.files("bayesmeta.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype={"phase": "string"})


def load_cart_wu2025() -> pd.DataFrame:
    """The 32 studies of Wu et al. 2025, one row each (a fresh copy on every call).

    Returns
    -------
    pandas.DataFrame
    """
    return _read("cart_wu2025.csv")


def load_cart_wu2025_table2() -> pd.DataFrame:
    """Table 2 of the paper: primary and secondary outcomes **as reported percentages**.

    The secondary outcomes have no denominators in the paper, so they are not counts and
    cannot be pooled as proportions; they are shipped for reference only.

    Returns
    -------
    pandas.DataFrame
    """
    return _read("cart_wu2025_table2.csv")


def provenance() -> str:
    """The text of PROVENANCE.md: where every number of the bundled data comes from.

    Returns
    -------
    str
    """
    return resources.files("bayesmeta.data").joinpath("PROVENANCE.md").read_text(encoding="utf-8")


def cart_outcome(outcome: str) -> MetaData:
    """One outcome of the bundled data set ("orr", "crr" or "death") as validated data.

    Parameters
    ----------
    outcome : str
        The outcome's name (``orr``, ``crr``, ``death`` or a spec's ``outcome``).

    Returns
    -------
    MetaData
    """
    if outcome not in OUTCOMES:
        raise InputError(f"unknown outcome '{outcome}' (choose from {', '.join(OUTCOMES)})")
    events, total, _label = OUTCOMES[outcome]
    return from_frame(
        load_cart_wu2025(),
        events=events,
        total=total,
        study="study",
        covariates=list(COVARIATES),
        outcome=outcome,
    )


def load_dataset(name: str) -> pd.DataFrame:
    """A bundled data set by name (used by spec files: ``data = "cart_wu2025"``).

    Parameters
    ----------
    name : str
        Name of the data set (``"cart_wu2025"``).

    Returns
    -------
    pandas.DataFrame
    """
    if name == "cart_wu2025":
        return load_cart_wu2025()
    raise InputError(f"unknown bundled dataset '{name}' (available: {', '.join(DATASETS)})")
