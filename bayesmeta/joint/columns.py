"""Which columns hold each outcome: ``"orr,crr,dead"`` or ``"resp=x1:n1,cr=x2:n2"``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bayesmeta.errors import InputError

__all__ = ["OutcomeColumns", "parse_outcomes", "resolve_columns"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

#: Outcome names of the bundled data whose columns are not ``<name>_events``/``<name>_total``.
_ALIASES: dict[str, tuple[str, str]] = {"death": ("dead_events", "dead_total")}


@dataclass(frozen=True)
class OutcomeColumns:
    """One outcome of a joint analysis and its two columns.

    Attributes
    ----------
    name : str
        The outcome's name in results (``orr``).
    events, total : str
        Columns with the number of events and of patients.
    """

    name: str
    events: str
    total: str


def parse_outcomes(text: str | Sequence[str]) -> tuple[OutcomeColumns, ...]:
    """Parse ``--outcomes``: names (``<name>_events``/``<name>_total``) or ``name=events:total``.

    Parameters
    ----------
    text : str or sequence of str
        ``"orr,crr,dead"``, ``"resp=x1:n1,cr=x2:n2"`` (forms may be mixed), or a list of such
        items (a spec file's ``outcomes = [...]``).

    Returns
    -------
    tuple of OutcomeColumns
        At least two outcomes, in the order given.

    Raises
    ------
    InputError
        One line naming the item: empty, malformed, a name given twice, fewer than two outcomes.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    outcomes: list[OutcomeColumns] = []
    for raw in items:
        if not isinstance(raw, str):
            raise InputError(f"--outcomes: item {raw!r} is not a string")
        item = raw.strip()
        if not item:
            raise InputError("--outcomes: an empty item (two commas in a row, or a trailing comma)")
        if "=" in item:
            name, _, columns = (part.strip() for part in item.partition("="))
            events, colon, total = (part.strip() for part in columns.partition(":"))
            if not colon or not events or not total:
                raise InputError(
                    f"--outcomes: '{item}' must read name=events:total (e.g. resp=x1:n1)"
                )
        else:
            name, events, total = item, f"{item}_events", f"{item}_total"
        if not _NAME.fullmatch(name):
            raise InputError(
                f"--outcomes: outcome name '{name}' must start with a letter and hold only "
                "letters, digits and '_'"
            )
        if any(o.name == name for o in outcomes):
            raise InputError(f"--outcomes: outcome '{name}' is named twice")
        outcomes.append(OutcomeColumns(name, events, total))
    if len(outcomes) < 2:
        raise InputError(
            f"--outcomes: a joint model needs at least two outcomes, got {len(outcomes)}"
        )
    return tuple(outcomes)


def resolve_columns(
    outcomes: Sequence[OutcomeColumns], columns: Sequence[str]
) -> tuple[OutcomeColumns, ...]:
    """Map a bare name to the bundled data's columns where ``<name>_events`` does not exist.

    ``death`` reads ``dead_events``/``dead_total`` when the table has no ``death_events``.

    Parameters
    ----------
    outcomes : sequence of OutcomeColumns
        Parsed outcomes.
    columns : sequence of str
        The table's columns.

    Returns
    -------
    tuple of OutcomeColumns
    """
    resolved = []
    for outcome in outcomes:
        alias = _ALIASES.get(outcome.name)
        default = (f"{outcome.name}_events", f"{outcome.name}_total")
        if (
            alias is not None
            and (outcome.events, outcome.total) == default
            and outcome.events not in columns
            and alias[0] in columns
        ):
            outcome = OutcomeColumns(outcome.name, *alias)
        resolved.append(outcome)
    return tuple(resolved)
