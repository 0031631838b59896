"""Build a validated :class:`MetaData` from a DataFrame or a CSV file.

Every rejection is a one-line :class:`~bayesmeta.errors.InputError` naming the study and the
field. A study with neither events nor total is excluded and reported, never dropped silently.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bayesmeta.data.metadata import Exclusion, MetaData
from bayesmeta.errors import InputError

MAX_COUNT = 2**53
"""Largest count accepted: every count up to it is exact in floating point."""

_INTEGER = re.compile(r"[+-]?\d+(\.0*)?")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV file, turning every failure into a one-line :class:`InputError`.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        raise InputError(f"{path}: unreadable CSV ({first_line})") from None
    if frame.empty:
        raise InputError(f"{path}: the file has a header but no rows")
    _check_header(path)
    return frame


def _check_header(path: Path) -> None:
    """Refuse a header naming a column twice (pandas would rename the second ``x.1``)."""
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        name = name.strip()
        if name in seen:
            raise InputError(
                f"{path}: column '{name}' appears twice in the header (columns {seen[name]} and "
                f"{position})"
            )
        seen[name] = position


def from_csv(
    path: str | Path,
    *,
    events: str,
    total: str,
    study: str = "study",
    covariates: Sequence[str] | None = None,
    outcome: str | None = None,
) -> MetaData:
    """Read and validate a CSV file; see :func:`from_frame` for the options.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    events : str
        Column with the number of events.
    total : str
        Column with the number of patients.
    study : str, optional
        Column with unique study labels (default ``"study"``).
    covariates : Sequence[str], optional
        Columns kept as covariates (None: every column other than the outcome and the label).
    outcome : str, optional
        The outcome's name (``orr``, ``crr``, ``death`` or a spec's ``outcome``).

    Returns
    -------
    MetaData
    """
    return from_frame(
        read_table(path),
        events=events,
        total=total,
        study=study,
        covariates=covariates,
        outcome=outcome,
    )


def from_frame(
    frame: pd.DataFrame,
    *,
    events: str,
    total: str,
    study: str = "study",
    covariates: Sequence[str] | None = None,
    outcome: str | None = None,
) -> MetaData:
    """Validate a table of studies and return the analysis-ready :class:`MetaData`.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per study. It is never modified.
    events, total : str
        Columns with the number of events and of patients for the outcome.
    study : str, default "study"
        Column with unique study labels.
    covariates : sequence of str, optional
        Study-level covariate columns to keep; by default every other column.
    outcome : str, optional
        Name of the outcome in results; defaults to ``events``.

    Returns
    -------
    MetaData
        Studies reporting the outcome; those with neither events nor total are in ``excluded``.

    Raises
    ------
    InputError
        One line naming the study and field: events > total, negative, non-integer,
        non-finite or non-numeric counts, total < 1, only one of events/total given,
        missing or duplicate study labels, or a column that does not exist.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    if frame.empty:
        raise InputError("the data table has no rows")
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise InputError(f"column '{duplicated[0]}' appears twice in the data table")
    for (role_a, a), (role_b, b) in (
        (("events", events), ("total", total)),
        (("study", study), ("events", events)),
        (("study", study), ("total", total)),
    ):
        if a == b:
            raise InputError(f"{role_a} and {role_b} name the same column '{a}'")
    for role, column in (("study", study), ("events", events), ("total", total)):
        if column not in frame.columns:
            available = ", ".join(map(str, frame.columns))
            raise InputError(f"{role} column '{column}' not found (columns: {available})")
    if covariates is None:
        covariates = [c for c in frame.columns if c not in (study, events, total)]
    for column in covariates:
        if column not in frame.columns:
            raise InputError(f"covariate column '{column}' not found")

    labels = _study_labels(frame[study], study)
    kept_rows: list[int] = []
    event_counts: list[int] = []
    total_counts: list[int] = []
    excluded: list[Exclusion] = []
    for position, label in enumerate(labels):
        raw_events = frame[events].iloc[position]
        raw_total = frame[total].iloc[position]
        events_missing, total_missing = _is_missing(raw_events), _is_missing(raw_total)
        if events_missing and total_missing:
            excluded.append(
                Exclusion(label, f"outcome not reported ('{events}' and '{total}' missing)")
            )
            continue
        if events_missing or total_missing:
            absent, present = (events, total) if events_missing else (total, events)
            raise InputError(f"study '{label}': '{absent}' is missing but '{present}' is given")
        n_events = _count(raw_events, label, events)
        n_total = _count(raw_total, label, total)
        if n_total < 1:
            raise InputError(f"study '{label}': '{total}' is {n_total}; it must be at least 1")
        if n_events > n_total:
            raise InputError(
                f"study '{label}': '{events}' = {n_events} exceeds '{total}' = {n_total}"
            )
        _check_size(n_total, label, total)
        kept_rows.append(position)
        event_counts.append(n_events)
        total_counts.append(n_total)

    if not kept_rows:
        raise InputError(f"no study reports the outcome ('{events}' and '{total}' are all missing)")
    covariate_frame = frame.iloc[kept_rows][list(covariates)].copy()
    covariate_frame.index = pd.Index([labels[i] for i in kept_rows], name="study")
    return MetaData(
        studies=tuple(labels[i] for i in kept_rows),
        events=np.array(event_counts),
        total=np.array(total_counts),
        covariates=covariate_frame,
        excluded=tuple(excluded),
        outcome=outcome or events,
    )


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _study_labels(column: pd.Series, name: str) -> list[str]:
    labels: list[str] = []
    seen: dict[str, int] = {}
    for row, value in enumerate(column.tolist(), start=1):
        if _is_missing(value):
            raise InputError(f"row {row}: study label is missing in column '{name}'")
        label = str(value).strip()
        if label in seen:
            raise InputError(
                f"study '{label}': duplicate study label in column '{name}' (rows {seen[label]} and {row})"
            )
        seen[label] = row
        labels.append(label)
    return labels


def _count(value: object, study: str, field: str) -> int:
    """An exact non-negative integer (Python int: no float rounding, no int64 overflow)."""
    if isinstance(value, bool | np.bool_):
        raise InputError(f"study '{study}': '{field}' = {value!r} is not a count")
    if isinstance(value, int | np.integer):
        number: int | float = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip().split(".")[0])
    else:
        try:
            number = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError(f"study '{study}': '{field}' = {value!r} is not a number") from None
        if not math.isfinite(number):
            raise InputError(f"study '{study}': '{field}' = {number} is not finite")
        if number != math.floor(number):
            raise InputError(f"study '{study}': '{field}' = {_show(number)} is not a whole number")
        number = int(number)
    if number < 0:
        raise InputError(f"study '{study}': '{field}' = {number} is negative")
    return number


def _check_size(number: int, study: str, field: str) -> None:
    if number > MAX_COUNT:
        raise InputError(
            f"study '{study}': '{field}' = {number} is too large (counts up to 2^53 = "
            f"{MAX_COUNT} are computed exactly)"
        )


def _show(number: float) -> str:
    return str(int(number)) if number == math.floor(number) else repr(number)
