"""Brent's root finder (``scipy.optimize.brentq``'s algorithm, step for step), so that the
tau^2 estimators and the Q-profile interval do not import ``scipy.optimize`` (a third of a
second at every CLI start)."""

from __future__ import annotations

import math
from collections.abc import Callable

from bayesmeta.errors import InputError


def brentq(
    f: Callable[[float], float],
    a: float,
    b: float,
    *,
    xtol: float = 2e-12,
    rtol: float = 8.881784197001252e-16,
    maxiter: int = 100,
) -> float:
    """A root of ``f`` in ``[a, b]`` where ``f(a)`` and ``f(b)`` differ in sign.

    The same iterations as ``scipy.optimize.brentq`` (Brent 1973, as in scipy's C code):
    inverse quadratic interpolation or secant steps, bisection when they do not shrink the
    bracket fast enough; the result is within ``xtol + rtol * |x|`` of a root.

    Parameters
    ----------
    f : callable
        A continuous function of one float.
    a, b : float
        The bracket.
    xtol, rtol : float
        Absolute and relative tolerance (scipy's defaults).
    maxiter : int, default 100
        Iterations before giving up.

    Returns
    -------
    float

    Raises
    ------
    InputError
        ``f(a)`` and ``f(b)`` have the same sign, or no convergence.
    """
    xpre, xcur = float(a), float(b)
    fpre, fcur = f(xpre), f(xcur)
    xblk = fblk = spre = scur = 0.0
    if fpre * fcur > 0:
        raise InputError("root finding: f(a) and f(b) must have different signs")
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and (math.copysign(1, fpre) != math.copysign(1, fcur)):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # good short step
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = f(xcur)
    raise InputError(f"root finding did not converge in {maxiter} iterations")
