"""Effect sizes of single proportions and their back-transformations (metafor's ``escalc``).

Measures: ``PLO`` (logit), ``PFT`` (Freeman-Tukey double arcsine), ``PAS`` (arcsine square
root) and ``PR`` (raw proportion). A constant ``add`` is added to the events and non-events
of a study as metafor does: with ``to="only0"`` only to studies with 0 or all events, with
``"all"`` to every study, with ``"if0all"`` to every study when any has 0 or all events, with
``"none"`` never. As in metafor, the arcsine-type measures never need (nor get) the constant.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.errors import InputError

MEASURES = ("PLO", "PFT", "PAS", "PR")
CONTINUITY = ("only0", "all", "if0all", "none")


def _check(measure: str, to: str) -> None:
    if measure not in MEASURES:
        raise InputError(f"unknown measure '{measure}' (choose from {', '.join(MEASURES)})")
    if to not in CONTINUITY:
        raise InputError(f"unknown continuity rule to='{to}' (choose from {', '.join(CONTINUITY)})")


def continuity(
    events: np.ndarray, total: np.ndarray, *, add: float = 0.5, to: str = "only0"
) -> tuple[np.ndarray, np.ndarray]:
    """Events and totals after adding ``add`` to events and non-events where ``to`` says.

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    add : float, optional
        Continuity correction added to events and non-events (metafor's default 0.5).
    to : str, optional
        Which studies get the correction: ``"only0"`` (zero cells, metafor's default), ``"all"``,
        ``"if0all"`` or ``"none"``.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(total, dtype=float)
    extreme = (x == 0) | (x == n)
    if to == "only0":
        mask = extreme
    elif to == "all":
        mask = np.ones_like(extreme)
    elif to == "if0all":
        mask = np.full_like(extreme, extreme.any())
    else:
        mask = np.zeros_like(extreme)
    return x + add * mask, n + 2 * add * mask


def effect_sizes(
    events: np.ndarray,
    total: np.ndarray,
    *,
    measure: str = "PLO",
    add: float = 0.5,
    to: str = "only0",
) -> tuple[np.ndarray, np.ndarray]:
    """Observed effect sizes ``yi`` and sampling variances ``vi`` (as ``metafor::escalc``).

    Parameters
    ----------
    events, total : numpy.ndarray
        Events and patients per study.
    measure : {"PLO", "PFT", "PAS", "PR"}
        Scale of the analysis.
    add, to : float, str
        Continuity correction (see the module docstring).

    Returns
    -------
    yi, vi : numpy.ndarray
    """
    _check(measure, to)
    x = np.asarray(events, dtype=float)
    n = np.asarray(total, dtype=float)
    if measure == "PFT":
        yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
        return yi, 1.0 / (4 * n + 2)
    if measure == "PAS":
        return np.arcsin(np.sqrt(x / n)), 1.0 / (4 * n)
    xc, nc = continuity(x, n, add=add, to=to)
    p = xc / nc
    if measure == "PR":
        return p, p * (1 - p) / nc
    with np.errstate(divide="ignore"):
        return np.log(xc / (nc - xc)), 1.0 / xc + 1.0 / (nc - xc)


def back_transform(measure: str, value: np.ndarray | float, *, total: np.ndarray | None = None):
    """Proportion from the analysis scale, as metafor's ``transf.*`` and meta do.

    ``PFT`` uses the harmonic mean of ``total`` (``transf.ipft.hm``); ``PAS`` is
    ``sin(x)^2`` (0 below 0 and 1 above pi/2, as metafor) and ``PR`` the identity.

    Parameters
    ----------
    measure : str
        Analysis scale: ``PLO`` (logit), ``PFT``, ``PAS`` or ``PR``.
    value : numpy.ndarray or float
        Values on the analysis scale.
    total : numpy.ndarray, optional
        Number of patients per study; required for ``PFT``.

    Returns
    -------
    numpy.ndarray or float
    """
    x = np.asarray(value, dtype=float)
    if measure == "PLO":
        out = 1.0 / (1.0 + np.exp(-x))
    elif measure == "PAS":
        out = np.where(x < 0, 0.0, np.where(x > np.pi / 2, 1.0, np.sin(x) ** 2))
    elif measure == "PR":
        out = x
    elif measure == "PFT":
        if total is None:
            raise InputError("the Freeman-Tukey back-transformation needs the study totals")
        n_hm = 1.0 / np.mean(1.0 / np.asarray(total, dtype=float))
        out = _ipft(x, n_hm)
    else:
        _check(measure, "only0")
        raise AssertionError  # pragma: no cover
    return float(out) if np.ndim(out) == 0 else out


def _pft(p: float, n: float) -> float:
    """Freeman-Tukey transform of proportion ``p`` at sample size ``n`` (``transf.pft``)."""
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))


def _ipft(x: np.ndarray, n: float) -> np.ndarray:
    """Inverse Freeman-Tukey transformation (Miller 1978) at sample size ``n``."""
    s = np.sin(2 * x)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 0.5 * (1 - np.sign(np.cos(2 * x)) * np.sqrt(1 - (s + (s - 1 / s) / n) ** 2))
    p = np.where(x > _pft(1.0, n), 1.0, p)
    return np.where(x < _pft(0.0, n), 0.0, p)
