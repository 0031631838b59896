"""What an outcome is called in figures and reports, and which direction is good.

An outcome's name (a spec's ``outcome``, the ``--events`` column, a MAP prior's ``outcome``) is
matched against known words: responses are better high, deaths and toxicities better low. A
name nobody knows is called "rate of <name>" and gets no direction (higher is better is then
only the default of ``design``, which ``--lower-is-better`` turns round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Known outcomes: a pattern of the name -> (what its rate is called, lower is better).
KNOWN: tuple[tuple[str, str, bool], ...] = (
    (r"^crr|complete", "complete response rate", False),
    (r"^orr|response|respond|remission", "response rate", False),
    (r"death|dead|mortal", "death rate", True),
    (r"tox|adverse|crs|icans|neurotox|grade_?3|sae|relapse|progress", "toxicity rate", True),
)


@dataclass(frozen=True)
class OutcomeWords:
    """The words and direction of one outcome.

    Parameters
    ----------
    name : str
        The outcome as named in the data or spec.
    rate : str
        What its rate is called, e.g. ``"death rate"``.
    lower_is_better : bool or None
        True for deaths and toxicities, False for responses, None when unknown.
    """

    name: str
    rate: str
    lower_is_better: bool | None

    @property
    def better(self) -> str:
        """``"lower is better"``, ``"higher is better"`` or ``""`` when unknown."""
        if self.lower_is_better is None:
            return ""
        return "lower is better" if self.lower_is_better else "higher is better"


def outcome_words(name: str | None) -> OutcomeWords:
    """The words and direction of an outcome name.

    Parameters
    ----------
    name : str or None
        ``"orr"``, ``"dead_events"``, ``"toxicity"``, ... (None: a plain "rate").

    Returns
    -------
    OutcomeWords
        ``rate`` is the known word or ``"rate of <name>"``.
    """
    if not name:
        return OutcomeWords("", "rate", None)
    lowered = name.lower()
    for pattern, rate, lower in KNOWN:
        if re.search(pattern, lowered):
            return OutcomeWords(name, rate, lower)
    plain = re.sub(r"_(events|count|n)$", "", name)
    return OutcomeWords(name, f"rate of {plain}", None)


def capitalized(text: str) -> str:
    """``text`` with its first letter upper-case (the rest untouched: ``"ORR"`` stays).

    Parameters
    ----------
    text : str
        A label.

    Returns
    -------
    str
    """
    return text[:1].upper() + text[1:]
