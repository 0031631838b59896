"""Small-study effects for ``bayesmeta freq --bias``: the JSON keys and the text block.

A test that is not defined on the data (every study of the same precision or size, so the
regressor is constant; a statistic that comes out non-finite) is reported as ``null`` values
with a ``reason``, never as a traceback or a raw numpy warning.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from bayesmeta.data import MetaData
from bayesmeta.plural import plural


def _constant(values: np.ndarray) -> bool:
    """True when every value is the same (to 1e-10 relative)."""
    values = np.asarray(values, dtype=float)
    return float(np.ptp(values)) <= 1e-10 * max(1.0, float(np.abs(values).max()))


def _reason(data: MetaData, measure: str) -> dict[str, str | None]:
    """Why each test is not defined on these data (None where it is)."""
    from bayesmeta.freq.effects import effect_sizes

    yi, vi = effect_sizes(data.events, data.total, measure=measure)
    k = len(yi)
    same_se = f"all {plural(k, 'study')} have the same standard error"
    return {
        "egger": f"{same_se}: the regression on it is not identified" if _constant(vi) else None,
        "peters": (
            f"all {plural(k, 'study')} have the same size: the regression on 1/n is not identified"
            if _constant(data.total)
            else None
        ),
        "begg": (
            f"{same_se}: Kendall's tau with a constant variance is not defined"
            if _constant(vi)
            else None
        ),
    }


def _guarded(compute, reason: str | None, keys: tuple[str, ...]) -> dict[str, Any]:
    """``compute()``'s dict, or ``keys`` set to None with ``reason`` when the test is undefined."""
    if reason is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                out = compute()
        except (np.linalg.LinAlgError, FloatingPointError, RuntimeWarning, ZeroDivisionError):
            out = None
        if out is not None and all(np.isfinite(out[key]) for key in keys):
            return out
        reason = "not defined on these data (a singular or degenerate regression)"
    return {**dict.fromkeys(keys), "reason": reason}


def bias_payload(
    data: MetaData, *, method: str, measure: str = "PLO", level: float = 0.95
) -> dict[str, Any]:
    """Egger's, Peters' and Begg's tests and trim-and-fill as JSON-ready dicts.

    The regression tests and trim-and-fill use the inverse-variance model with ``method``
    (DL when ``method`` is GLMM, which has no inverse-variance weights). A test that is not
    defined on the data gets null values and a ``reason``.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    method : str
        tau^2 estimator of the pooled analysis.
    measure : str
        Analysis scale.
    level : float
        Confidence level of trim-and-fill's interval.

    Returns
    -------
    dict
        Keys ``egger``, ``peters``, ``begg``, ``trimfill``.
    """
    from bayesmeta.freq.ranktest import rank_test
    from bayesmeta.freq.smallstudy import egger, peters
    from bayesmeta.freq.trimfill import trim_fill

    iv = "DL" if method == "GLMM" else method
    reasons = _reason(data, measure)

    def egger_dict():
        eg = egger(data, model="rma", method=iv, measure=measure)
        return {"z": eg.statistic, "p": eg.p_value}

    def peters_dict():
        pe = peters(data, model="lm", method=iv, measure=measure)
        return {"t": pe.statistic, "p": pe.p_value, "df": pe.df}

    def begg_dict():
        return rank_test(data, measure=measure).to_dict()

    def trimfill_dict():
        return trim_fill(data, method=iv, measure=measure, level=level).to_dict()

    side_reason = reasons["egger"] and (
        f"{reasons['egger'].split(':')[0]}: the side is chosen by Egger's slope, not identified"
    )
    tf = _guarded(trimfill_dict, side_reason, ("estimate", "mu", "tau2"))
    return {
        "egger": {
            **_guarded(egger_dict, reasons["egger"], ("z", "p")),
            "model": "rma",
            "method": iv,
        },
        "peters": {**_guarded(peters_dict, reasons["peters"], ("t", "p")), "model": "lm"},
        "begg": _guarded(begg_dict, reasons["begg"], ("tau", "p")),
        "trimfill": {**tf, "method": iv, "measure": measure},
    }


def _not_done(name: str, block: dict[str, Any]) -> str:
    return f"  {name:<18} not computed: {block['reason']}"


def bias_lines(bias: dict[str, Any]) -> list[str]:
    """The text block of ``--bias``.

    Parameters
    ----------
    bias : dict
        From :func:`bias_payload`.

    Returns
    -------
    list of str
    """
    eg, pe, bg, tf = bias["egger"], bias["peters"], bias["begg"], bias["trimfill"]
    lines = ["Small-study effects:"]
    if "reason" in eg:
        lines.append(_not_done("Egger's test", eg))
    else:
        lines.append(
            f"  Egger's test       z = {eg['z']:.3f}, p = {eg['p']:.4g}  ({eg['method']} mixed model)"
        )
    if "reason" in pe:
        lines.append(_not_done("Peters' test", pe))
    else:
        lines.append(
            f"  Peters' test       t = {pe['t']:.3f} on {pe['df']:.0f} df, p = {pe['p']:.4g}"
        )
    if "reason" in bg:
        lines.append(_not_done("Begg's test", bg))
    else:
        lines.append(f"  Begg's test        Kendall's tau = {bg['tau']:.3f}, p = {bg['p']:.4g}")
    if "reason" in tf:
        lines.append(_not_done("trim-and-fill", tf))
    else:
        lines.append(
            f"  trim-and-fill      {plural(tf['k0'], 'study')} filled on the {tf['side']} ({tf['estimator']}); "
            f"adjusted {tf['estimate']:.4f} [{tf['ci'][0]:.4f}; {tf['ci'][1]:.4f}], "
            f"mu = {tf['mu']:.4f}, tau^2 = {tf['tau2']:.4f}"
        )
    return lines
