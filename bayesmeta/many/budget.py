"""Resource limits of many analyses at once, checked before anything runs.

A multiverse or a simulation study is a count of fits times the cost of each. The cost of
one fit is estimated from the method and the number of studies (seconds on one core of a
2020s laptop, measured on the bundled benchmarks and rounded up); a run estimated above
:data:`LIMIT_CPU_HOURS` CPU-hours, or of more than :data:`LIMIT_FITS` fits, is refused in one
line unless ``--force`` is given. The limits guard against a typo (``k = [100000000]``,
``replicates = 10000000``) that would hold a machine for days or exhaust its memory; a real
study beyond them is run with ``--force`` (on a cluster: ``--scheduler``).
"""

from __future__ import annotations

from bayesmeta.errors import InputError

__all__ = ["LIMIT_CPU_HOURS", "LIMIT_FITS", "check_budget", "fit_seconds"]

LIMIT_CPU_HOURS = 24.0
LIMIT_FITS = 50_000_000

# seconds per fit: (fixed, per study)
_COST = {
    "iv": (1e-3, 2e-5),  # inverse-variance methods, with or without Hartung-Knapp
    "GLMM": (3e-2, 1e-3),
    "bayes": (0.25, 5e-3),  # the exact engine
    "nuts": (10.0, 0.1),
}


def fit_seconds(method: str, k: float) -> float:
    """The estimated CPU seconds of one fit.

    Parameters
    ----------
    method : str
        ``DL``, ``REML``, ... (``-HK`` suffixes included), ``GLMM``, ``bayes`` or ``nuts``.
    k : float
        Studies in the meta-analysis.

    Returns
    -------
    float
    """
    fixed, per_study = _COST.get(method, _COST["iv"])
    return fixed + per_study * float(k)


def check_budget(*, what: str, fits: float, seconds: float, force: bool, hint: str) -> None:
    """Refuse a run above the limits unless forced.

    Parameters
    ----------
    what : str
        The input named in the message (file, or file and key).
    fits : float
        Number of fits the run would do.
    seconds : float
        Their estimated CPU seconds.
    force : bool
        ``--force``: run anyway.
    hint : str
        What to make smaller (e.g. "replicates or the [grid]").

    Returns
    -------
    None

    Raises
    ------
    InputError
        One line with the count, the estimate and the limit.
    """
    hours = seconds / 3600
    if force or (hours <= LIMIT_CPU_HOURS and fits <= LIMIT_FITS):
        return
    raise InputError(
        f"{what}: {fits:,.0f} fits, about {hours:,.3g} CPU-hours by estimate, above the limit "
        f"of {LIMIT_CPU_HOURS:g} CPU-hours and {LIMIT_FITS:,} fits; reduce {hint}, or add "
        "--force to run it anyway"
    )
