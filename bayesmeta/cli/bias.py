"""Small-study effects for ``bayesmeta freq --bias``: the JSON keys and the text block."""

from __future__ import annotations

from typing import Any

from bayesmeta.data import MetaData


def bias_payload(
    data: MetaData, *, method: str, measure: str = "PLO", level: float = 0.95
) -> dict[str, Any]:
    """Egger's, Peters' and Begg's tests and trim-and-fill as JSON-ready dicts.

    The regression tests and trim-and-fill use the inverse-variance model with ``method``
    (DL when ``method`` is GLMM, which has no inverse-variance weights).

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
    eg = egger(data, model="rma", method=iv, measure=measure)
    pe = peters(data, model="lm", method=iv, measure=measure)
    begg = rank_test(data, measure=measure)
    tf = trim_fill(data, method=iv, measure=measure, level=level)
    return {
        "egger": {"z": eg.statistic, "p": eg.p_value, "model": "rma", "method": iv},
        "peters": {"t": pe.statistic, "p": pe.p_value, "df": pe.df, "model": "lm"},
        "begg": begg.to_dict(),
        "trimfill": {**tf.to_dict(), "method": iv, "measure": measure},
    }


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
    return [
        "Small-study effects:",
        f"  Egger's test       z = {eg['z']:.3f}, p = {eg['p']:.4g}  ({eg['method']} mixed model)",
        f"  Peters' test       t = {pe['t']:.3f} on {pe['df']:.0f} df, p = {pe['p']:.4g}",
        f"  Begg's test        Kendall's tau = {bg['tau']:.3f}, p = {bg['p']:.4g}",
        f"  trim-and-fill      {tf['k0']} studies filled on the {tf['side']} ({tf['estimator']}); "
        f"adjusted {tf['estimate']:.4f} [{tf['ci'][0]:.4f}; {tf['ci'][1]:.4f}], "
        f"mu = {tf['mu']:.4f}, tau^2 = {tf['tau2']:.4f}",
    ]
