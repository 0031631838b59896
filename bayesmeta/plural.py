"""Counts in words: "1 study", "2 studies" (one place for every message, report and figure)."""

from __future__ import annotations

#: Plural of the nouns whose plural is not noun + "s".
IRREGULAR: dict[str, str] = {"study": "studies", "is": "are", "was": "were"}


def plural(n: int, noun: str) -> str:
    """``n`` and ``noun``, singular for one and plural otherwise.

    Parameters
    ----------
    n : int
        The count.
    noun : str
        The singular noun, e.g. ``"study"``, ``"subset"``.

    Returns
    -------
    str
        ``"1 study"``, ``"0 studies"``, ``"27 studies"``.
    """
    word = noun if n == 1 else IRREGULAR.get(noun, noun + "s")
    return f"{n} {word}"
